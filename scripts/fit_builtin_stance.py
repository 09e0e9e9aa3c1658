#!/usr/bin/env python3
"""Fits the builtin stance engine's weights (data/lexicons/model/*.tsv) on
NewsMTSC's training split.

1. Features come from the Rust code that scores (`cargo run --release
   --example stance_features -- train.jsonl`), so fitting and scoring see
   the same numbers.
2. A seeded 15% of the training sentences is held apart as a dev split;
   every choice (regularization C, class weighting, word features on/off,
   minimum word count) is made on it. devtest_mt is never read here.
3. The chosen settings are refitted on the whole training split and written:
   `universal.tsv` (dense, language-independent features: every language)
   and `en.tsv` (dense + English word weights).

Multinomial logistic regression (scikit-learn, lbfgs, L2), dense features
standardized during fitting and the scaling folded into the written weights.

Usage: scripts/fit_builtin_stance.py [--data DIR] [--features FILE]
DIR defaults to $NEWSFRAME_NEWSMTSC_DIR, else ../shared/datasets/newsmtsc.
NewsMTSC: Hamborg and Donnay (EACL 2021), MIT licence.
"""
import argparse
import collections
import json
import os
import pathlib
import subprocess
import sys

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "lexicons" / "model"
CLASSES = ["positive", "neutral", "negative"]  # file column order
SEED = 13
PARITY = ROOT / "tests" / "fixtures" / "stance" / "builtin_parity.json"
PARITY_ROWS = 12


def load_features(path):
    rows = [json.loads(l) for l in open(path, encoding="utf-8")]
    return [r for r in rows if r["gold"] in CLASSES]


def split(rows):
    groups = sorted({r["group"] for r in rows})
    rng = np.random.default_rng(SEED)
    dev = set(rng.choice(groups, size=int(round(0.15 * len(groups))), replace=False).tolist())
    return [r for r in rows if r["group"] not in dev], [r for r in rows if r["group"] in dev]


def vocabulary(rows, min_count):
    counts = collections.Counter()
    for r in rows:
        counts.update("w:" + w for w in r["words"])
        counts.update("n:" + w for w in r["near"])
        counts.update("t:" + w for w in r["context"])
    return sorted(k for k, c in counts.items() if c >= min_count)


def sparse_names(row):
    """The row's sparse features: words (w:), near words (n:), target context (t:)."""
    return (["w:" + w for w in row["words"]] + ["n:" + w for w in row["near"]]
            + ["t:" + w for w in row["context"]])


def matrix(rows, vocab, mean, std):
    dense = (np.array([r["dense"] for r in rows], dtype=float) - mean) / std
    if not vocab:
        return sparse.csr_matrix(dense)
    index = {k: i for i, k in enumerate(vocab)}
    data, ri, ci = [], [], []
    for i, r in enumerate(rows):
        for k in sparse_names(r):
            j = index.get(k)
            if j is not None:
                data.append(1.0); ri.append(i); ci.append(j)
    words = sparse.csr_matrix((data, (ri, ci)), shape=(len(rows), len(vocab)))
    return sparse.hstack([sparse.csr_matrix(dense), words]).tocsr()


def fit(rows, vocab, c, balanced):
    dense = np.array([r["dense"] for r in rows], dtype=float)
    mean, std = dense.mean(0), dense.std(0)
    std[std == 0] = 1.0
    x = matrix(rows, vocab, mean, std)
    y = [r["gold"] for r in rows]
    model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced" if balanced else None,
                               random_state=SEED)
    model.fit(x, y)
    return model, mean, std


def predict(model, mean, std, vocab, rows):
    return model.predict(matrix(rows, vocab, mean, std))


def macro_f1(rows, pred):
    return f1_score([r["gold"] for r in rows], pred, labels=CLASSES, average="macro")


def write(path, model, mean, std, vocab, dense_names, note):
    order = [list(model.classes_).index(c) for c in CLASSES]
    coef = model.coef_[order]  # (3, features)
    bias = model.intercept_[order].copy()
    nd = len(dense_names)
    wd = coef[:, :nd] / std  # fold standardization
    bias -= (coef[:, :nd] * (mean / std)).sum(1)
    with open(path, "w", encoding="utf-8") as f:
        f.write(note)
        f.write("bias\t" + "\t".join(f"{v:.6g}" for v in bias) + "\n")
        for name, w in zip(dense_names, wd.T):
            f.write(name + "\t" + "\t".join(f"{v:.6g}" for v in w) + "\n")
        kept = 0
        for name, w in zip(vocab, coef[:, nd:].T):
            f.write(name + "\t" + "\t".join(f"{v:.6g}" for v in w) + "\n")
            kept += 1
    print(f"wrote {path} ({kept} word weights)", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default = os.environ.get("NEWSFRAME_NEWSMTSC_DIR", str(ROOT.parent / "shared" / "datasets" / "newsmtsc"))
    ap.add_argument("--data", default=default)
    ap.add_argument("--features", help="features JSONL already extracted (skips cargo)")
    args = ap.parse_args()
    feats = args.features
    if not feats:
        feats = "/tmp/newsframe-stance-train-features.jsonl"
        with open(feats, "w") as out:
            subprocess.run(["cargo", "run", "--release", "--quiet", "--example", "stance_features", "--",
                            str(pathlib.Path(args.data) / "train.jsonl")], cwd=ROOT, stdout=out, check=True)
    rows = load_features(feats)
    dense_names = DENSE_NAMES
    assert len(rows[0]["dense"]) == len(dense_names), "DENSE_NAMES out of date with src/stance/features.rs"
    train, dev = split(rows)
    print(f"{len(rows)} targets: {len(train)} fit, {len(dev)} dev (seed {SEED})", file=sys.stderr)

    results = {}
    for words in [False, True]:
        for min_count in ([3] if words else [0]):
            vocab = vocabulary(train, min_count) if words else []
            for c in ([0.03, 0.1, 0.3] if words else [0.1, 0.3, 1.0]):
                for balanced in [False, True]:
                    model, mean, std = fit(train, vocab, c, balanced)
                    f1 = macro_f1(dev, predict(model, mean, std, vocab, dev))
                    results[(words, min_count, c, balanced)] = f1
                    print(f"words={words} min_count={min_count} C={c} balanced={balanced}: dev F1_m {f1:.4f}",
                          file=sys.stderr, flush=True)
    best_u = max((k for k in results if not k[0]), key=results.get)
    best_w = max((k for k in results if k[0]), key=results.get)
    print(f"chosen universal {best_u} dev {results[best_u]:.4f}; en {best_w} dev {results[best_w]:.4f}",
          file=sys.stderr)
    OUT.mkdir(parents=True, exist_ok=True)
    parity = {}
    for name, (words, min_count, c, balanced) in [("universal", best_u), ("en", best_w)]:
        vocab = vocabulary(rows, min_count) if words else []
        model, mean, std = fit(rows, vocab, c, balanced)
        note = (f"# Builtin stance model ({name}) for newsframe; see src/stance/builtin.rs.\n"
                f"# Fitted by scripts/fit_builtin_stance.py on NewsMTSC train.jsonl (Hamborg and Donnay,\n"
                f"# EACL 2021; MIT licence, Copyright 2020 Felix Hamborg): {len(rows)} targets.\n"
                f"# Settings chosen on a seeded ({SEED}) 15% dev split of train: C={c}, "
                f"class_weight={'balanced' if balanced else 'none'}, word features={'min count ' + str(min_count) if words else 'none'};\n"
                f"# dev macro-F1 {results[(words, min_count, c, balanced)]:.4f}.\n"
                f"# feature<TAB>positive<TAB>neutral<TAB>negative\n")
        write(OUT / f"{name}.tsv", model, mean, std, vocab, dense_names, note)
        parity[name] = [
            {"dense": r["dense"], "words": r["words"], "near": r["near"], "context": r["context"],
             "probs": dict(zip(model.classes_, map(float, p)))}
            for r, p in zip(rows[:PARITY_ROWS], model.predict_proba(matrix(rows[:PARITY_ROWS], vocab, mean, std)))
        ]
    # scikit-learn's own probabilities for a few rows: the Rust side must
    # reproduce them from the written weights (tests/integration/stance_builtin.rs).
    PARITY.parent.mkdir(parents=True, exist_ok=True)
    with open(PARITY, "w", encoding="utf-8") as f:
        json.dump(parity, f, indent=1)
        f.write("\n")


DENSE_NAMES = None  # filled from src/stance/features.rs below


def dense_names_from_rust():
    text = (ROOT / "src" / "stance" / "features.rs").read_text(encoding="utf-8")
    start = text.index("pub const DENSE")
    body = text[text.index("= [", start) + 3:text.index("];", start)]
    return [s.strip().strip('"') for s in body.split(",") if s.strip()]


if __name__ == "__main__":
    DENSE_NAMES = dense_names_from_rust()
    main()
