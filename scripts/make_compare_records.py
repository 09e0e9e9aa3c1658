#!/usr/bin/env python3
"""Writes N seeded synthetic analysis records (the JSONL `newsframe analyze`
writes) for the `compare` benchmark (scripts/bench_compare.sh).

Records spread over 12 outlets, 3 languages and 5 actors (more with
--outlets and --actors: "Outlet NN", "Actor NN"); each has a
two-sentence summary drawn from a pool of generated sentences (pseudo-words
with Zipf frequencies, like real text), stance
probabilities per mentioned actor, and one evidence sentence per actor.
Same N and seed, same file. Streams: memory does not grow with N.

Usage: scripts/make_compare_records.py N OUT.jsonl [--seed N] [--outlets N] [--actors N]
"""

import argparse
import json
import random

OUTLETS = [f"Outlet {i:02d}" for i in range(12)]
LANGS = ["en", "es", "fr"]
ACTORS = [("gov", "Government"), ("opp", "Opposition"), ("no", "Norway"),
          ("us", "United States"), ("un", "United Nations")]
SYLLABLES = "ba ka lo mi ne ro sa ti vu de fa go hu ja le mo pe ri su to".split()


def vocabulary(rng, size=5000):
    """Pseudo-words of 2-4 syllables, most frequent first."""
    words = []
    seen = set()
    while len(words) < size:
        w = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if w not in seen:
            seen.add(w)
            words.append(w)
    return words


def sentence(rng, words, weights):
    """8-16 words drawn by Zipf's law (weight 1/rank), as in real text."""
    drawn = rng.choices(words, weights=weights, k=rng.randint(8, 16))
    return " ".join(drawn).capitalize() + "."


def record(i, rng, pool, outlets=OUTLETS, actor_list=ACTORS):
    outlet = rng.choice(outlets)
    lang = LANGS[i % len(LANGS)]
    actors = []
    for actor_id, name in actor_list:
        if rng.random() < 0.3:
            actors.append({"id": actor_id, "name": name, "mentions": 0, "stance": None,
                           "score": None, "confidence": None, "probs": None, "evidence": []})
            continue
        raw = [rng.random() + 0.05 for _ in range(3)]
        pos, neu, neg = (x / sum(raw) for x in raw)
        label = max((pos, "positive"), (neu, "neutral"), (neg, "negative"))[1]
        p = {"positive": pos, "neutral": neu, "negative": neg}[label]
        actors.append({
            "id": actor_id, "name": name, "mentions": rng.randint(1, 9), "stance": label,
            "score": pos - neg, "confidence": max(pos, neu, neg),
            "probs": {"positive": pos, "neutral": neu, "negative": neg},
            "evidence": [{"sentence": 1, "span": {"start": 0, "end": 40},
                          "text": rng.choice(pool), "label": label, "p": p}],
        })
    return {
        "schema_version": 1, "id": f"{i:08x}", "source": outlet, "date": f"2019-05-{1 + i % 28:02d}",
        "lang": lang, "title": rng.choice(pool)[:60], "origin": {"path": f"gen/{i}.txt"},
        "engine": {"summary": "builtin-extractive@0.1.0", "stance": "builtin-lexicon@0.1.0"},
        "summary": {"text": rng.choice(pool) + " " + rng.choice(pool), "method": "extractive",
                    "sentences": [0, 1]},
        "actors": actors, "warnings": [],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pool", type=int, default=20000,
                        help="distinct summary sentences to draw from (default 20000)")
    parser.add_argument("--outlets", type=int, default=len(OUTLETS),
                        help=f"outlets (default {len(OUTLETS)})")
    parser.add_argument("--actors", type=int, default=len(ACTORS),
                        help=f"actors (default {len(ACTORS)})")
    args = parser.parse_args()
    outlets = OUTLETS + [f"Outlet {i:02d}" for i in range(len(OUTLETS), args.outlets)]
    actor_list = ACTORS + [(f"a{j:02d}", f"Actor {j:02d}") for j in range(len(ACTORS), args.actors)]
    outlets, actor_list = outlets[:args.outlets], actor_list[:args.actors]
    rng = random.Random(args.seed)
    words = vocabulary(rng)
    weights = [1.0 / (rank + 1) for rank in range(len(words))]
    pool = [sentence(rng, words, weights) for _ in range(args.pool)]
    with open(args.out, "w", encoding="utf-8") as out:
        for i in range(args.n):
            out.write(json.dumps(record(i, rng, pool, outlets, actor_list),
                                 ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
