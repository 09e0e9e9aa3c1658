#!/usr/bin/env python3
"""Writes N seeded short news articles as JSON lines for the Parquet
benchmark (scripts/bench_parquet_articles.sh).

Each article is 3-8 sentences of the English sample articles (data/samples)
in a seeded random order, from one of 40 outlets, dated over 24 months.
Same N and seed, same file.

Usage: scripts/make_short_articles.py N OUT.jsonl [--seed N]
"""

import argparse
import importlib.util
import json
import pathlib
import random

HERE = pathlib.Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("large", HERE / "make_large_articles.py")
large = importlib.util.module_from_spec(spec)
spec.loader.exec_module(large)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("out", type=pathlib.Path)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    sentences = large.sample_sentences()
    rng = random.Random(args.seed)
    with open(args.out, "w", encoding="utf-8") as out:
        for i in range(args.n):
            body = " ".join(rng.choice(sentences) for _ in range(rng.randint(3, 8)))
            month = rng.randrange(24)
            row = {
                "id": f"short-{i:07d}",
                "source": f"Outlet {rng.randrange(40):02d}",
                "date": f"{2018 + month // 12}-{month % 12 + 1:02d}-{rng.randint(1, 28):02d}",
                "lang": "en",
                "title": f"Synthetic article {i}",
                "text": body,
            }
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
