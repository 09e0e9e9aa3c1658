#!/usr/bin/env python3
"""Reference tf-idf cosine similarities for `newsframe compare --stories cluster`.

Reads the sample records in tests/fixtures/records/ (title + summary of each
analysis, as the reporter clusters them), reduces each to its content words
(lower-case runs of letters/digits of four characters or more, the rule of
src/report/cluster.rs), and computes the cosine similarity matrix with
scikit-learn's TfidfVectorizer (smooth idf, l2 norm). Writes
tests/fixtures/records/tfidf_reference.json; tests/integration/compare_formats.rs feeds
the same word lists to the Rust implementation and compares the matrices
(tokenization itself, UAX #29 words in Rust, is not part of the comparison).

Usage (any Python with scikit-learn >= 1.0):
    python scripts/compare_tfidf_reference.py
Deterministic: no randomness involved.
"""
import json
import pathlib
import re

from sklearn.feature_extraction.text import TfidfVectorizer

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "records"


def content_words(text):
    return [w for w in re.findall(r"[^\W_]+", text.lower()) if len(w) >= 4]


docs = []
for name in ["venezuela_2019.jsonl", "blackout_2019.jsonl"]:
    for line in (FIXTURES / name).read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if "actors" not in record:
            continue
        text = (record.get("title") or "") + "\n" + (record.get("summary") or {}).get("text", "")
        docs.append(" ".join(content_words(text)))

vectorizer = TfidfVectorizer(analyzer=str.split, smooth_idf=True, norm="l2")
x = vectorizer.fit_transform(docs)
matrix = (x @ x.T).toarray().tolist()
out = {"generator": "scikit-learn TfidfVectorizer(analyzer=str.split, smooth_idf=True, norm='l2')",
       "docs": docs, "cosine": matrix}
(FIXTURES / "tfidf_reference.json").write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n",
                                               encoding="utf-8")
print(f"wrote {len(docs)} documents to {FIXTURES / 'tfidf_reference.json'}")
