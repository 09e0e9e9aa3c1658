#!/usr/bin/env python3
"""Fits the builtin stance engine's weights (data/lexicons/model/*.tsv) on
NewsMTSC's training split.

1. Features come from the Rust code that scores (`cargo run --release
   --example stance_features -- train.jsonl`), so fitting and scoring see
   the same numbers.
2. A seeded 15% of the training sentences is held apart as a dev split;
   every choice (regularization C, class weighting, which sparse family)
   is made on it. devtest_mt is never read here.
3. The chosen settings are refitted on the whole training split and written:
   `universal.tsv` (dense, language-independent features: every language)
   and `en.tsv` (dense + the English sparse family chosen on dev).

Sparse families for English:
- `words`: binary `w:`/`n:`/`t:` features (words of the sentence, near the
  mention, and n-grams at the mention), minimum count 3;
- `terms`: tf-idf of the `x:` unigram and bigram counts of the sentence with
  the mention marked (`[t] … [/t]`): scikit-learn's
  TfidfTransformer(sublinear_tf=True, smooth idf, L2), terms in at least 2
  training sentences; each term's idf is written as the fifth column.

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
from sklearn.feature_extraction.text import TfidfTransformer
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


TERM_MIN_DF = 2
WORD_MIN_COUNT = 3


class Sparse:
    """One sparse family, its vocabulary fitted on the training rows."""

    def __init__(self, family, rows):
        self.family = family
        self.idf = None
        if family == "words":
            counts = collections.Counter()
            for r in rows:
                counts.update(word_names(r))
            self.vocab = sorted(k for k, c in counts.items() if c >= WORD_MIN_COUNT)
        elif family == "terms":
            df = collections.Counter()
            for r in rows:
                df.update(t for t, _ in r["terms"])
            self.vocab = sorted("x:" + t for t, c in df.items() if c >= TERM_MIN_DF)
            self.tfidf = TfidfTransformer(sublinear_tf=True).fit(self._counts(rows))
            self.idf = self.tfidf.idf_
        else:
            self.vocab = []

    def _counts(self, rows):
        index = {k: i for i, k in enumerate(self.vocab)}
        data, ri, ci = [], [], []
        for i, r in enumerate(rows):
            pairs = ((k, 1.0) for k in word_names(r)) if self.family == "words" else \
                (("x:" + t, float(c)) for t, c in r["terms"])
            for k, v in pairs:
                j = index.get(k)
                if j is not None:
                    data.append(v); ri.append(i); ci.append(j)
        return sparse.csr_matrix((data, (ri, ci)), shape=(len(rows), len(self.vocab)))

    def matrix(self, rows):
        counts = self._counts(rows)
        return self.tfidf.transform(counts) if self.family == "terms" else counts


def word_names(row):
    """The row's binary word features: words (w:), near words (n:), target context (t:)."""
    return (["w:" + w for w in row["words"]] + ["n:" + w for w in row["near"]]
            + ["t:" + w for w in row["context"]])


def matrix(rows, extra, mean, std):
    dense = (np.array([r["dense"] for r in rows], dtype=float) - mean) / std
    if not extra.vocab:
        return sparse.csr_matrix(dense)
    return sparse.hstack([sparse.csr_matrix(dense), extra.matrix(rows)]).tocsr()


def fit(rows, family, c, balanced):
    extra = Sparse(family, rows)
    dense = np.array([r["dense"] for r in rows], dtype=float)
    mean, std = dense.mean(0), dense.std(0)
    std[std == 0] = 1.0
    x = matrix(rows, extra, mean, std)
    y = [r["gold"] for r in rows]
    model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced" if balanced else None,
                               random_state=SEED)
    model.fit(x, y)
    return model, extra, mean, std


def macro_f1(rows, pred):
    return f1_score([r["gold"] for r in rows], pred, labels=CLASSES, average="macro")


def write(path, model, extra, mean, std, dense_names, note):
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
        for j, (name, w) in enumerate(zip(extra.vocab, coef[:, nd:].T)):
            cols = [f"{v:.6g}" for v in w]
            if extra.idf is not None:
                cols.append(f"{extra.idf[j]:.8g}")
            f.write(name + "\t" + "\t".join(cols) + "\n")
    print(f"wrote {path} ({len(extra.vocab)} {extra.family} weights)", file=sys.stderr)


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

    grid = [("none", c) for c in [0.1, 0.3, 1.0]] + [("words", c) for c in [0.03, 0.1, 0.3]] \
        + [("terms", c) for c in [1.0, 2.0, 3.0, 5.0]]
    results = {}
    for family, c in grid:
        for balanced in [False, True]:
            model, extra, mean, std = fit(train, family, c, balanced)
            f1 = macro_f1(dev, model.predict(matrix(dev, extra, mean, std)))
            results[(family, c, balanced)] = f1
            print(f"sparse={family} C={c} balanced={balanced}: dev F1_m {f1:.4f}", file=sys.stderr, flush=True)
    best_u = max((k for k in results if k[0] == "none"), key=results.get)
    best_en = max(results, key=results.get)
    print(f"chosen universal {best_u} dev {results[best_u]:.4f}; en {best_en} dev {results[best_en]:.4f}",
          file=sys.stderr)
    OUT.mkdir(parents=True, exist_ok=True)
    parity = {}
    for name, (family, c, balanced) in [("universal", best_u), ("en", best_en)]:
        model, extra, mean, std = fit(rows, family, c, balanced)
        sparse_note = {"none": "none", "words": f"w:/n:/t: words, min count {WORD_MIN_COUNT}",
                       "terms": f"x: tf-idf terms, min df {TERM_MIN_DF}"}[family]
        note = (f"# Builtin stance model ({name}) for newsframe; see src/stance/builtin.rs.\n"
                f"# Fitted by scripts/fit_builtin_stance.py on NewsMTSC train.jsonl (Hamborg and Donnay,\n"
                f"# EACL 2021; MIT licence, Copyright 2020 Felix Hamborg): {len(rows)} targets.\n"
                f"# Settings chosen on a seeded ({SEED}) 15% dev split of train: C={c}, "
                f"class_weight={'balanced' if balanced else 'none'}, sparse features={sparse_note};\n"
                f"# dev macro-F1 {results[(family, c, balanced)]:.4f}.\n"
                f"# feature<TAB>positive<TAB>neutral<TAB>negative[<TAB>idf of an x: term]\n")
        write(OUT / f"{name}.tsv", model, extra, mean, std, dense_names, note)
        sample = rows[:PARITY_ROWS]
        parity[name] = [
            {"dense": r["dense"], "words": r["words"], "near": r["near"], "context": r["context"],
             "terms": r["terms"], "probs": dict(zip(model.classes_, map(float, p)))}
            for r, p in zip(sample, model.predict_proba(matrix(sample, extra, mean, std)))
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
