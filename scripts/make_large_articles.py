#!/usr/bin/env python3
"""Writes seeded, prose-like articles of given sizes for the resource
benchmarks (scripts/bench_large_articles.sh).

Sentences are those of the English sample articles (data/samples), drawn
in a seeded random order into paragraphs of 3-6 sentences, until the body
reaches the size asked for. Same seed, same files.

Usage: scripts/make_large_articles.py OUT_DIR SIZE_MB [SIZE_MB ...] [--seed N]
"""

import argparse
import pathlib
import random
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent


def sample_sentences():
    sentences = []
    for path in sorted((ROOT / "data" / "samples").rglob("*.txt")):
        text = path.read_text(encoding="utf-8")
        if "\nlang: en" not in text:
            continue
        body = text.split("\n---\n", 1)[-1]
        for paragraph in body.split("\n\n"):
            for sentence in re.split(r"(?<=[.!?])\s+", paragraph.strip()):
                if len(sentence.split()) >= 4:
                    sentences.append(sentence)
    if not sentences:
        raise SystemExit("no English sample sentences found under data/samples")
    return sentences


def article(size_bytes, sentences, rng):
    parts = []
    total = 0
    while total < size_bytes:
        paragraph = " ".join(rng.choice(sentences) for _ in range(rng.randint(3, 6)))
        parts.append(paragraph)
        total += len(paragraph.encode("utf-8")) + 2
    return "\n\n".join(parts) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=pathlib.Path)
    parser.add_argument("sizes_mb", type=float, nargs="+")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    sentences = sample_sentences()
    for size in args.sizes_mb:
        rng = random.Random(f"{args.seed}-{size}")
        name = f"large-{size:g}mb.txt"
        header = (
            f"title: Synthetic long article of {size:g} MB\n"
            "source: Benchmark Wire\ndate: 2019-05-17\nlang: en\n---\n"
        )
        body = article(int(size * 1_000_000) - len(header), sentences, rng)
        (args.out_dir / name).write_text(header + body, encoding="utf-8")
        print(args.out_dir / name)


if __name__ == "__main__":
    main()
