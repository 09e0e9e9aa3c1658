#!/usr/bin/env python3
"""Python side of the T5 engine benchmark (examples/bench_t5.rs): transformers'
`generate` on the same model, the same input ids and the same settings.

    ~/.cache/newsframe/torch-2.4.0-py311/bin/python scripts/bench_t5_python.py \
        --model ~/.cache/newsframe/bench-models/mt5-base --threads 2 --runs 5

One input of --input-tokens ids from the same 64-bit LCG as the Rust side (ids in
3..vocab, then the end token), exactly --new-tokens generated (min_new_tokens =
max_new_tokens, no n-gram blocking), greedy and beam search. Prints one JSON object
per mode: median and all run times after one warm-up run, median CPU time, and
the generated ids.
"""

import argparse
import json
import statistics
import time

import torch
from transformers import T5ForConditionalGeneration


def input_ids(length: int, vocab: int) -> list[int]:
    x = 20240611
    ids = []
    for _ in range(length - 1):
        x = (x * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        ids.append(3 + (x >> 33) % (vocab - 3))
    return ids + [1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--input-tokens", type=int, default=512)
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--beams", default="1,4")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    model = T5ForConditionalGeneration.from_pretrained(args.model).eval()
    load_s = time.perf_counter() - started
    ids = torch.tensor([input_ids(args.input_tokens, model.config.vocab_size)])
    mask = torch.ones_like(ids)
    for beams in [int(b) for b in args.beams.split(",")]:
        settings = dict(num_beams=beams, do_sample=False, min_new_tokens=args.new_tokens,
                        max_new_tokens=args.new_tokens, no_repeat_ngram_size=0,
                        length_penalty=1.0, early_stopping=False)
        with torch.no_grad():
            output = model.generate(input_ids=ids, attention_mask=mask, **settings)
            times, cpu_times = [], []
            for _ in range(args.runs):
                start, cpu_start = time.perf_counter(), time.process_time()
                output = model.generate(input_ids=ids, attention_mask=mask, **settings)
                times.append(time.perf_counter() - start)
                cpu_times.append(time.process_time() - cpu_start)
        print(json.dumps({
            "engine": f"transformers-{__import__('transformers').__version__}",
            "mode": "greedy" if beams == 1 else f"beam{beams}",
            "threads": args.threads,
            "input_tokens": args.input_tokens,
            "new_tokens": output.shape[1] - 1,
            "load_s": load_s,
            "median_s": statistics.median(times),
            "times_s": times,
            "median_cpu_s": statistics.median(cpu_times),
            "ids": output[0].tolist(),
        }), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
