#!/usr/bin/env python3
"""What would make the engine faster: measured with libtorch 2.4.0 (the library the
Rust engine runs on), on the benchmark models, in one process, variants interleaved.

    python scripts/bench/probe_speedups.py [--rounds 3] [--threads 2]   # prints JSON

Probes (medians over rounds; each variant's work is identical):

* decode int8: `torch.ao.quantization.quantize_dynamic` (fbgemm int8 weights, fp32
  activations) on every nn.Linear of mT5, greedy 512 in / 64 out, vs fp32;
* NLI int8: the same on mDeBERTa, the 30 pairs of an article, vs fp32;
* NLI batching: the article's 30 pairs as 5 per-actor batches of 6 (the zero-shot
  pipeline's), as 2 batches of 16 in input order, and as 2 length-sorted batches;
* NLI work: 2 mention sentences x 3 hypotheses per actor vs 1 x 3;
* decode step: time per decoding step once the encoder has run (greedy), from
  transformers' cached decoding: what a decoder with cached cross-attention K/V does.

The int8 numbers measure speed only: the weights are random, so they say nothing
about accuracy, which must be checked on the real checkpoints before shipping.
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_models import cache_dir  # noqa: E402


def timeit(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main():
    from transformers import AutoModelForSeq2SeqLM, AutoModelForSequenceClassification, AutoTokenizer

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--models", type=Path, default=cache_dir())
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--skip-decode", action="store_true")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    inputs = json.loads((args.models / "inputs.json").read_text(encoding="utf-8"))
    results = {}
    q = torch.ao.quantization.quantize_dynamic

    with torch.inference_mode():
        # ---- NLI ----
        path = str(args.models / "mdeberta-nli")
        tok = AutoTokenizer.from_pretrained(path)
        fp32 = AutoModelForSequenceClassification.from_pretrained(path).eval()
        int8 = q(AutoModelForSequenceClassification.from_pretrained(path).eval(), {torch.nn.Linear}, dtype=torch.qint8)
        nli = inputs["nli"]
        art = nli["articles"][0]
        by_actor = {}
        for m in art["mentions"]:
            by_actor.setdefault(m["actor"], []).append(m["premise"])
        groups = []
        for actor, premises in by_actor.items():
            t = nli["hypothesis_template"].replace("{actor}", actor)
            groups.append([(pr, t.format(label)) for pr in premises for label in nli["labels"]])
        flat = [x for g in groups for x in g]
        one_mention = [x for g in groups for x in g[: len(nli["labels"])]]

        def run(model, batches):
            n = 0
            for b in batches:
                enc = tok([a for a, _ in b], [h for _, h in b], padding=True, truncation="only_first",
                          max_length=512, return_tensors="pt")
                model(**enc).logits.softmax(-1)
                n += enc["input_ids"].numel()
            return n

        lens = {x: len(tok(x[0], x[1])["input_ids"]) for x in flat}
        sorted_flat = sorted(flat, key=lambda x: -lens[x])
        variants = {
            "per-actor 6 (pipeline), fp32": (fp32, groups),
            "per-actor 6 (pipeline), int8": (int8, groups),
            "chunks of 16 in order, fp32": (fp32, [flat[i : i + 16] for i in range(0, len(flat), 16)]),
            "chunks of 16 length-sorted, fp32": (fp32, [sorted_flat[i : i + 16] for i in range(0, len(flat), 16)]),
            "chunks of 16 length-sorted, int8": (int8, [sorted_flat[i : i + 16] for i in range(0, len(flat), 16)]),
            "1 mention x 3 hypotheses per actor, fp32": (fp32, [one_mention]),
        }
        for m in (fp32, int8):
            run(m, [flat[:2]])  # warm-up: touch the weights
        times = {k: [] for k in variants}
        padded = {}
        for _ in range(args.rounds):
            for k, (m, batches) in variants.items():
                pairs = sum(len(b) for b in batches)
                t = timeit(lambda: padded.__setitem__(k, run(m, batches)))
                times[k].append(pairs / t)
        results["nli_pairs_per_s"] = {
            k: {"median": statistics.median(v), "runs": v, "padded_tokens": padded[k]} for k, v in times.items()
        }
        del fp32, int8

        if not args.skip_decode:
            # ---- decoding ----
            path = str(args.models / "mt5-base")
            tok = AutoTokenizer.from_pretrained(path)
            fp32 = AutoModelForSeq2SeqLM.from_pretrained(path).eval()
            int8 = q(AutoModelForSeq2SeqLM.from_pretrained(path).eval(), {torch.nn.Linear}, dtype=torch.qint8)
            enc = tok(inputs["summary_inputs"][0], truncation=True, max_length=512, return_tensors="pt")
            gen = dict(num_beams=1, do_sample=False, min_new_tokens=64, max_new_tokens=64, no_repeat_ngram_size=0)
            for m in (fp32, int8):
                m.generate(**enc, min_new_tokens=1, max_new_tokens=1)
            dec = {"fp32": [], "int8": [], "encoder_fp32": [], "encoder_int8": []}
            for _ in range(args.rounds):
                for name, m in (("fp32", fp32), ("int8", int8)):
                    dec[name].append(timeit(lambda: m.generate(**enc, **gen)))
                    dec["encoder_" + name].append(timeit(lambda: m.get_encoder()(**enc)))
            med = {k: statistics.median(v) for k, v in dec.items()}
            results["greedy_s"] = {
                "fp32": med["fp32"],
                "int8": med["int8"],
                "runs": dec,
                "encoder_s": {"fp32": med["encoder_fp32"], "int8": med["encoder_int8"]},
                "step_ms": {
                    "fp32": 1000 * (med["fp32"] - med["encoder_fp32"]) / 64,
                    "int8": 1000 * (med["int8"] - med["encoder_int8"]) / 64,
                },
            }
    results["threads"] = torch.get_num_threads()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
