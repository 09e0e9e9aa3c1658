#!/usr/bin/env python3
"""Python reference side of the engine benchmark: Hugging Face transformers, used the
way a user would (pipelines where one exists, plain model calls otherwise).

    python scripts/bench/bench_python.py --stage greedy [--articles 2] [--threads 2]

One stage per process (so peak RSS and load time belong to that stage); prints one
JSON object on stdout. Stages and their work (inputs.json from make_models.py):

* greedy / beam4: `pipeline("summarization")`, one article per call, input
  truncated to 512 tokens, min_new_tokens = max_new_tokens = 64, num_beams 1 / 4,
  no n-gram blocking, so every run decodes exactly 64 tokens per article;
* nli: `pipeline("zero-shot-classification")`, one call per (article, actor) with that
  actor's 2 mention sentences and 3 stance labels -> 6 pairs per forward
  (batch_size 6, padded to the longest pair);
* nli-raw: the same batches through tokenizer + model directly (pipeline overhead);
* embed: BERT MiniLM-L12 forward + mean pooling, 16 sentences per batch;
* analyze: end to end per article: greedy summary + stance for 5 actors (both models
  loaded in one process).

With --precision bf16 the pipelines load the models with torch_dtype=torch.bfloat16 (the
way a transformers user asks for bfloat16 on CPU); the engine is then named python-bf16.

With --device cuda (or cuda:N) the models and inputs live on that GPU (pipelines built with
that device); every timed span ends with torch.cuda.synchronize(), the engine name gets
"-cuda:N" appended, and the JSON adds gpu_peak_mib (torch.cuda.max_memory_allocated: the
tensors torch allocated, not its cache nor the CUDA context) and gpu_name. Where torch sees
no such GPU it stops with exit code 2 and says so.

scripts/bench/run.py runs this and the Rust side interleaved; see docs/benchmarks.md.
"""

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_ctranslate2 import device_arg  # noqa: E402
from make_models import cache_dir  # noqa: E402


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


# "Load" is the time until the first result: construction plus one tiny call, because
# safetensors are memory-mapped and the weights are only read on first use.
WARMUP_TEXT = "The council approved the plan on Tuesday."

# torch_dtype of the pipelines' models (--precision).
DTYPE = torch.float32
# Where the models run (--device).
DEVICE = torch.device("cpu")


def sync():
    """Waits for the GPU's queued work, so a timed span ends when the work does."""
    if DEVICE.type == "cuda":
        torch.cuda.synchronize(DEVICE)


def elapsed(t0):
    sync()
    return time.perf_counter() - t0


def resolve_device(name):
    """torch.device for --device, or exit 2 where torch cannot use it."""
    device = torch.device("cuda:0" if name == "cuda" else name)
    if device.type != "cuda":
        return device
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if count == 0:
        why = "a CPU-only torch build" if torch.version.cuda is None else "no NVIDIA driver or GPU visible"
        print(
            f"bench_python: --device {name}: torch {torch.__version__} sees no CUDA GPU here ({why}); "
            "use --device cpu, or run on a machine with an NVIDIA GPU (nvidia-smi lists it)",
            file=sys.stderr,
        )
        sys.exit(2)
    if device.index is not None and device.index >= count:
        print(f"bench_python: --device {name}: torch sees {count} CUDA GPU(s), numbered 0 to {count - 1}",
              file=sys.stderr)
        sys.exit(2)
    return torch.device("cuda", device.index or 0)




def load_summarizer(models):
    from transformers import pipeline

    summarizer = pipeline(
        "summarization", model=str(models / "mt5-base"), device=DEVICE, framework="pt", torch_dtype=DTYPE
    )
    summarizer(WARMUP_TEXT, min_new_tokens=2, max_new_tokens=2, num_beams=1)
    return summarizer


def load_classifier(models):
    from transformers import pipeline

    classifier = pipeline(
        "zero-shot-classification", model=str(models / "mdeberta-nli"), device=DEVICE, torch_dtype=DTYPE
    )
    classifier(WARMUP_TEXT, candidate_labels=["positive"])
    return classifier


NEW_TOKENS = 64


def summarize(summarizer, texts, beams):
    times, new_tokens = [], []
    for text in texts:
        t0 = time.perf_counter()
        out = summarizer(
            text,
            truncation=True,
            num_beams=beams,
            do_sample=False,
            min_new_tokens=NEW_TOKENS,
            max_new_tokens=NEW_TOKENS,
            no_repeat_ngram_size=0,
            length_penalty=1.0,
            early_stopping=False,
            return_tensors=True,
        )
        times.append(elapsed(t0))
        ids = out[0]["summary_token_ids"]
        # The returned ids start with the decoder start token.
        new_tokens.append(len(ids) - 1)
    return times, new_tokens


def classify_article(classifier, nli, article):
    """One zero-shot call per actor over that actor's mention sentences."""
    by_actor = {}
    for m in article["mentions"]:
        by_actor.setdefault(m["actor"], []).append(m["premise"])
    pairs = 0
    for actor, premises in by_actor.items():
        template = nli["hypothesis_template"].replace("{actor}", actor)
        classifier(
            premises,
            candidate_labels=nli["labels"],
            hypothesis_template=template,
            multi_label=False,
            batch_size=len(premises) * len(nli["labels"]),
        )
        pairs += len(premises) * len(nli["labels"])
    return pairs


def stage_summary(args, inputs, beams):
    t0 = time.perf_counter()
    summarizer = load_summarizer(args.models)
    load_s = elapsed(t0)
    texts = inputs["summary_inputs"][: args.articles]
    tok = summarizer.tokenizer
    in_tokens = [len(tok(t, truncation=True)["input_ids"]) for t in texts]
    times, new_tokens = summarize(summarizer, texts, beams)
    total = sum(times)
    return {
        "load_s": load_s,
        "run_s": total,
        "items": len(texts),
        "articles_per_s": len(texts) / total,
        "tokens_per_s": sum(new_tokens) / total,
        "new_tokens": new_tokens,
        "input_tokens": in_tokens,
        "item_s": times,
    }


def stage_nli(args, inputs):
    t0 = time.perf_counter()
    classifier = load_classifier(args.models)
    load_s = elapsed(t0)
    nli = inputs["nli"]
    articles = nli["articles"][: args.articles]
    t0 = time.perf_counter()
    pairs = sum(classify_article(classifier, nli, a) for a in articles)
    total = elapsed(t0)
    return {"load_s": load_s, "run_s": total, "items": pairs, "pairs_per_s": pairs / total}


def nli_batches(nli, articles):
    for art in articles:
        by_actor = {}
        for m in art["mentions"]:
            by_actor.setdefault(m["actor"], []).append(m["premise"])
        for actor, premises in by_actor.items():
            template = nli["hypothesis_template"].replace("{actor}", actor)
            hyps = [template.format(label) for label in nli["labels"]]
            yield [(p, h) for p in premises for h in hyps]


def stage_nli_raw(args, inputs):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    t0 = time.perf_counter()
    path = str(args.models / "mdeberta-nli")
    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModelForSequenceClassification.from_pretrained(path).eval().to(DEVICE)
    model(**tok([WARMUP_TEXT], return_tensors="pt").to(DEVICE))
    load_s = elapsed(t0)
    nli = inputs["nli"]
    articles = nli["articles"][: args.articles]
    pairs, padded_tokens = 0, 0
    t0 = time.perf_counter()
    with torch.inference_mode():
        for batch in nli_batches(nli, articles):
            enc = tok(
                [p for p, _ in batch],
                [h for _, h in batch],
                padding=True,
                truncation="only_first",
                max_length=512,
                return_tensors="pt",
            ).to(DEVICE)
            model(**enc).logits.softmax(-1)
            pairs += len(batch)
            padded_tokens += enc["input_ids"].numel()
    total = elapsed(t0)
    return {
        "load_s": load_s,
        "run_s": total,
        "items": pairs,
        "pairs_per_s": pairs / total,
        "padded_tokens": padded_tokens,
    }


def stage_embed(args, inputs):
    from transformers import AutoModel, AutoTokenizer

    t0 = time.perf_counter()
    path = str(args.models / "minilm-l12")
    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModel.from_pretrained(path, torch_dtype=DTYPE).eval().to(DEVICE)
    model(**tok([WARMUP_TEXT], return_tensors="pt").to(DEVICE))
    load_s = elapsed(t0)
    sents = inputs["embed_sentences"]
    t0 = time.perf_counter()
    with torch.inference_mode():
        for i in range(0, len(sents), 16):
            enc = tok(sents[i : i + 16], padding=True, truncation=True, max_length=128, return_tensors="pt")
            enc = enc.to(DEVICE)
            hidden = model(**enc).last_hidden_state
            mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            emb = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            torch.nn.functional.normalize(emb, dim=-1)
    total = elapsed(t0)
    return {"load_s": load_s, "run_s": total, "items": len(sents), "sentences_per_s": len(sents) / total}


def stage_analyze(args, inputs):
    t0 = time.perf_counter()
    summarizer = load_summarizer(args.models)
    classifier = load_classifier(args.models)
    load_s = elapsed(t0)
    nli = inputs["nli"]
    n = min(args.articles, len(inputs["summary_inputs"]), len(nli["articles"]))
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        summarize(summarizer, [inputs["summary_inputs"][i]], args.beams)
        classify_article(classifier, nli, nli["articles"][i])
        times.append(elapsed(t0))
    total = sum(times)
    return {"load_s": load_s, "run_s": total, "items": n, "articles_per_s": n / total, "item_s": times}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--stage", required=True, choices=["greedy", "beam4", "nli", "nli-raw", "embed", "analyze"]
    )
    parser.add_argument("--models", type=Path, default=cache_dir(), help="dir from make_models.py")
    parser.add_argument("--articles", type=int, default=2, help="articles to process")
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    parser.add_argument("--beams", type=int, default=1, help="beams of the analyze summary")
    parser.add_argument("--new-tokens", type=int, default=64, help="tokens per summary (smoke tests: fewer)")
    parser.add_argument("--precision", choices=["f32", "bf16"], default="f32", help="pipelines' torch_dtype")
    parser.add_argument("--device", type=device_arg, default="cpu", help="cpu (default), cuda or cuda:N")
    args = parser.parse_args()
    global NEW_TOKENS, DTYPE, DEVICE
    NEW_TOKENS = args.new_tokens
    DTYPE = torch.bfloat16 if args.precision == "bf16" else torch.float32
    DEVICE = resolve_device(args.device)

    torch.set_num_threads(args.threads)
    inputs = json.loads((args.models / "inputs.json").read_text(encoding="utf-8"))
    with torch.inference_mode():
        if args.stage == "greedy":
            result = stage_summary(args, inputs, 1)
        elif args.stage == "beam4":
            result = stage_summary(args, inputs, 4)
        elif args.stage == "nli":
            result = stage_nli(args, inputs)
        elif args.stage == "nli-raw":
            result = stage_nli_raw(args, inputs)
        elif args.stage == "embed":
            result = stage_embed(args, inputs)
        else:
            result = stage_analyze(args, inputs)
    engine = "python-bf16" if args.precision == "bf16" else "python"
    result.update(
        {
            "engine": engine if DEVICE.type == "cpu" else f"{engine}-{DEVICE}",
            "precision": args.precision,
            "device": str(DEVICE),
            "stage": args.stage,
            "threads": torch.get_num_threads(),
            "torch": torch.__version__,
            "transformers": __import__("transformers").__version__,
            "peak_rss_mb": peak_rss_mb(),
            "pid": os.getpid(),
        }
    )
    if DEVICE.type == "cuda":
        result["gpu_peak_mib"] = torch.cuda.max_memory_allocated(DEVICE) / 2**20
        result["gpu_name"] = torch.cuda.get_device_name(DEVICE)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
