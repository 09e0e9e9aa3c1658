#!/usr/bin/env python3
"""Peer side of the engine benchmark: CTranslate2 running the benchmark mT5.

    python scripts/bench/bench_ctranslate2.py --convert            # once: int8 + float32 models
    python scripts/bench/bench_ctranslate2.py --stage greedy --compute-type int8 [--articles 1]
    python scripts/bench/bench_ctranslate2.py --check              # same work as transformers?

CTranslate2 (pinned in scripts/setup, NEWSFRAME_FIXTURE_DEPS=1) is the engine CPU users
pick for fast seq2seq inference. --convert turns make_models.py's mt5-base into
CTranslate2 models with its own converter (`TransformersConverter`, quantization int8
and float32), written next to it as mt5-base-ct2-int8/ and mt5-base-ct2-float32/, and
converts again when mt5-base changes (source.json records which file it came from).

A stage run is one process, like bench_python.py: it prints one JSON object with the
same keys. The work is the same as the other engines': each article tokenized with
the benchmark tokenizer (mt5-base/tokenizer.json, the tokenizer transformers' fast
T5 tokenizer runs: same ids, </s> at the end, truncated to 512 tokens), its ids turned
into the token strings CTranslate2 takes, one article per `translate_batch` call,
beam_size 1 (greedy) or 4 (beam4), min_decoding_length = max_decoding_length = 64
(CTranslate2 counts generated tokens: neither the decoder start token nor the end
token), no repetition blocking, length_penalty 1. Every summary must come back with
exactly 64 new tokens, or the run fails. `Translator(device="cpu", compute_type=...,
inter_threads=1, intra_threads=--threads)`. The tokenizer is the `tokenizers` library
alone, not transformers, whose import brings in torch (~400 MiB of RSS a CTranslate2
user does not need).

With --device cuda (or cuda:N) the translator runs on that GPU, `Translator(device="cuda",
device_index=N, compute_type=...)`, with any compute type CTranslate2 runs there (its
docs/quantization.md: int8, int8_float16, int8_bfloat16, float16, bfloat16, float32;
bfloat16 and int8_bfloat16 need compute capability 8.0, float16 and int8_float16 7.0):
the int8* types load the int8 conversion, the others the float32 one. `translate_batch`
returns the tokens to the host, so a timed call ends when the GPU's work does. The engine
name gets "-cuda:N" appended. Where CTranslate2 sees no GPU, or cannot run the compute type
on it, the run stops with exit code 2 and says so. (float16 runs T5 models' feed-forward
activations past float16's range: use it for speed only.)
"""

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

# Quantizations converted; the engine names run.py uses map onto them.
QUANTIZATIONS = ("int8", "float32")
# Compute types run on a CUDA GPU (CTranslate2's docs/quantization.md), each loading the
# conversion named here.
GPU_COMPUTE_TYPES = {
    "int8": "int8",
    "int8_float16": "int8",
    "int8_bfloat16": "int8",
    "float16": "float32",
    "bfloat16": "float32",
    "float32": "float32",
}
ENGINE_NAME = {
    "int8": "ctranslate2-int8",
    "float32": "ctranslate2-f32",
    "int8_float16": "ctranslate2-int8-f16",
    "int8_bfloat16": "ctranslate2-int8-bf16",
    "float16": "ctranslate2-f16",
    "bfloat16": "ctranslate2-bf16",
}
WARMUP_TEXT = "The council approved the plan on Tuesday."
MAX_INPUT_TOKENS = 512


def default_models():
    # make_models.cache_dir(), without importing make_models (it imports torch).
    return Path(os.environ.get("NEWSFRAME_CACHE") or os.path.expanduser("~/.cache/newsframe")) / "bench-models"


def model_dir(models, quantization):
    return models / f"mt5-base-ct2-{quantization}"


def source_stamp(models):
    """What a converted model was made from: mt5-base's weights file, by size and time."""
    st = (models / "mt5-base" / "model.safetensors").stat()
    return {"source": "mt5-base/model.safetensors", "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def is_current(models, quantization):
    stamp = model_dir(models, quantization) / "source.json"
    try:
        return json.loads(stamp.read_text(encoding="utf-8")) == source_stamp(models)
    except (OSError, ValueError):
        return False


def convert(models):
    """Converts mt5-base for every quantization not yet converted from its current weights."""
    for quantization in QUANTIZATIONS:
        if is_current(models, quantization):
            continue
        from ctranslate2.converters import TransformersConverter

        out = model_dir(models, quantization)
        t0 = time.perf_counter()
        TransformersConverter(str(models / "mt5-base")).convert(str(out), quantization=quantization, force=True)
        (out / "source.json").write_text(json.dumps(source_stamp(models)), encoding="utf-8")
        print(f"converted mt5-base to {out} ({quantization}) in {time.perf_counter() - t0:.0f} s", file=sys.stderr)


def load_tokenizer(models):
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(models / "mt5-base" / "tokenizer.json"))
    tok.enable_truncation(max_length=MAX_INPUT_TOKENS)
    return tok


def source_tokens(tok, text):
    """The article's token strings as the transformers side feeds them (ending with </s>)."""
    ids = tok.encode(text).ids
    if ids[-1] != tok.token_to_id("</s>"):
        raise SystemExit(f"bench_ctranslate2: the tokenizer did not end the input with </s>: {ids[-5:]}")
    return [tok.id_to_token(i) for i in ids]


def translate(translator, tokens, beams, new_tokens):
    return translate_many(translator, [tokens], beams, new_tokens)[0]


def translate_many(translator, sources, beams, new_tokens):
    """Several articles in one `translate_batch` call (CTranslate2 decodes them together)."""
    result = translator.translate_batch(
        sources,
        beam_size=beams,
        num_hypotheses=1,
        min_decoding_length=new_tokens,
        max_decoding_length=new_tokens,
        max_input_length=0,
        length_penalty=1.0,
        repetition_penalty=1.0,
        no_repeat_ngram_size=0,
        return_scores=False,
        return_end_token=False,
    )
    return [r.hypotheses[0] for r in result]


def with_backend_log(load):
    """Runs load() with CTranslate2's load-time log captured: which ISA, GEMM backends and
    compute type it picked on this CPU (it differs between Intel and AMD). The log goes
    to file descriptor 2 from C++, so that descriptor is pointed at a file meanwhile."""
    os.environ["CT2_VERBOSE"] = "1"  # read when the library loads
    with tempfile.TemporaryFile(mode="w+") as log:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(log.fileno(), 2)
        try:
            value = load()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        log.seek(0)
        lines = [ln.split("[info]", 1)[1].strip(" -") for ln in log.read().splitlines() if "[info]" in ln]
    keep = ("CPU:", "Selected ISA", "Use Intel MKL", "backend", "Selected compute type", "GPU")
    return value, [ln for ln in lines if any(k in ln for k in keep)]


def load_translator(args):
    import ctranslate2

    device, index = parse_device(args.device)
    return ctranslate2.Translator(
        str(model_dir(args.models, source_quantization(args))),
        device=device,
        device_index=index,
        compute_type=args.compute_type,
        inter_threads=1,
        intra_threads=args.threads,
    )


def parse_device(name):
    """("cpu", 0) or ("cuda", N) for --device cpu / cuda / cuda:N."""
    if name == "cpu":
        return "cpu", 0
    return "cuda", int(name.partition(":")[2] or 0)


def device_arg(value):
    """argparse type of --device (here, in bench_python.py and run.py): cpu, cuda or cuda:N."""
    if value in ("cpu", "cuda") or (value.startswith("cuda:") and value[5:].isdigit()):
        return value
    raise argparse.ArgumentTypeError(f"unknown device {value!r}: use cpu, cuda or cuda:N")


def source_quantization(args):
    """The converted model a run loads: int8 for the int8* compute types, float32 otherwise."""
    return GPU_COMPUTE_TYPES[args.compute_type] if args.device != "cpu" else args.compute_type


def check_gpu(args):
    """Exits 2 where CTranslate2 sees no GPU at --device, or cannot run --compute-type on it."""
    import ctranslate2

    device, index = parse_device(args.device)
    count = ctranslate2.get_cuda_device_count()
    if index >= count:
        seen = "no CUDA GPU" if count == 0 else f"{count} CUDA GPU(s), numbered 0 to {count - 1}"
        fail(f"--device {args.device}: CTranslate2 {ctranslate2.__version__} sees {seen} here (no NVIDIA driver "
             "or GPU visible, or a CTranslate2 build without CUDA); use --device cpu")
    try:
        supported = ctranslate2.get_supported_compute_types(device, index)
    except RuntimeError as e:  # e.g. a driver older than CTranslate2's CUDA
        fail(f"--device {args.device}: CTranslate2 {ctranslate2.__version__} cannot use the GPU: {e}")
    if args.compute_type not in supported:
        fail(f"--compute-type {args.compute_type}: CTranslate2 cannot run it on GPU {index} "
             f"(it runs {', '.join(sorted(supported))} there)")


def fail(message):
    print(f"bench_ctranslate2: {message}", file=sys.stderr)
    sys.exit(2)


def stage_summary(args, inputs, beams):
    t0 = time.perf_counter()
    tok = load_tokenizer(args.models)
    translator, backend = with_backend_log(lambda: load_translator(args))
    translate(translator, source_tokens(tok, WARMUP_TEXT), 1, 2)
    load_s = time.perf_counter() - t0
    texts = inputs["summary_inputs"][: args.articles]
    times, in_tokens, new_tokens = [], [], []
    for start in range(0, len(texts), max(args.batch, 1)):
        batch = texts[start:start + max(args.batch, 1)]
        t0 = time.perf_counter()
        sources = [source_tokens(tok, text) for text in batch]
        outs = translate_many(translator, sources, beams, args.new_tokens)
        elapsed = time.perf_counter() - t0
        for tokens, out in zip(sources, outs):
            times.append(elapsed / len(batch))
            in_tokens.append(len(tokens))
            new_tokens.append(len(out))
    if any(n != args.new_tokens for n in new_tokens):
        raise SystemExit(f"bench_ctranslate2: expected {args.new_tokens} new tokens per summary, got {new_tokens}")
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
        "ctranslate2": sys.modules["ctranslate2"].__version__,
        "ctranslate2_backend": backend,
    }


def check(args, inputs):
    """Checks that this side does the other engines' work: the same input ids and token
    strings as transformers' tokenizer, and, in float32, the same 64 summary tokens as
    transformers' generate (greedy and beam 4) on the first article."""
    import torch
    from transformers import MT5ForConditionalGeneration, T5TokenizerFast

    torch.set_num_threads(args.threads)
    path = args.models / "mt5-base"
    hf_tok, tok = T5TokenizerFast.from_pretrained(path), load_tokenizer(args.models)
    texts = inputs["summary_inputs"]
    for text in texts:
        ids = hf_tok(text, truncation=True)["input_ids"]
        if ids != tok.encode(text).ids or hf_tok.convert_ids_to_tokens(ids) != source_tokens(tok, text):
            raise SystemExit(f"bench_ctranslate2 --check: input tokens differ from transformers' on {text[:60]!r}")
    args.compute_type = "float32"
    translator = load_translator(args)
    model = MT5ForConditionalGeneration.from_pretrained(path).eval()
    src = tok.encode(texts[0]).ids
    # Output ids through CTranslate2's vocabulary: past the tokenizer's ~2.9k pieces the
    # converter names the rows of the 250k-row output layer <extra_id_N>.
    vocab = json.loads((model_dir(args.models, "float32") / "shared_vocabulary.json").read_text(encoding="utf-8"))
    index = {token: i for i, token in enumerate(vocab)}
    report = {"texts_tokenized_alike": len(texts)}
    for beams in (1, 4):
        ours = [index[t] for t in translate(translator, source_tokens(tok, texts[0]), beams, args.new_tokens)]
        with torch.inference_mode():
            theirs = model.generate(
                torch.tensor([src]), num_beams=beams, do_sample=False, min_new_tokens=args.new_tokens,
                max_new_tokens=args.new_tokens, no_repeat_ngram_size=0, length_penalty=1.0, early_stopping=False,
            )[0].tolist()[1:]  # after the decoder start token
        same = sum(a == b for a, b in zip(ours, theirs))
        report[f"beams{beams}_same_tokens"] = f"{same}/{len(theirs)} (ctranslate2 {len(ours)} tokens)"
        if ours != theirs:
            raise SystemExit(f"bench_ctranslate2 --check: beam {beams} summary differs from transformers': {report}")
    print(json.dumps(report))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", type=Path, default=default_models(), help="dir from make_models.py")
    parser.add_argument("--convert", action="store_true", help="convert mt5-base (int8, float32) if needed, then exit")
    parser.add_argument(
        "--check", action="store_true", help="check inputs and float32 summaries against transformers, then exit"
    )
    parser.add_argument("--stage", choices=["greedy", "beam4"])
    parser.add_argument(
        "--compute-type",
        choices=list(GPU_COMPUTE_TYPES),
        default="int8",
        help="int8 or float32 on the CPU; on a GPU also int8_float16, int8_bfloat16, float16, bfloat16",
    )
    parser.add_argument("--device", type=device_arg, default="cpu", help="cpu (default), cuda or cuda:N")
    parser.add_argument("--articles", type=int, default=1, help="articles to process")
    parser.add_argument("--batch", type=int, default=1, help="articles per translate_batch call")
    parser.add_argument("--threads", type=int, default=2, help="CTranslate2 intra_threads")
    parser.add_argument("--new-tokens", type=int, default=64, help="tokens per summary (smoke tests: fewer)")
    args = parser.parse_args()
    if args.convert:
        convert(args.models)
        return
    if not (args.stage or args.check):
        parser.error("--stage, --convert or --check is required")
    if args.check and args.device != "cpu":
        parser.error("--check runs on the CPU (drop --device)")
    if args.device == "cpu" and args.compute_type not in QUANTIZATIONS:
        parser.error(f"--compute-type {args.compute_type} runs on a GPU only (--device cuda); the CPU runs "
                     f"{' or '.join(QUANTIZATIONS)}")
    if args.device != "cpu":
        check_gpu(args)
    quantization = "float32" if args.check else source_quantization(args)
    if not is_current(args.models, quantization):
        raise SystemExit(
            f"bench_ctranslate2: {model_dir(args.models, quantization)} is missing or older than "
            f"mt5-base; run scripts/bench/bench_ctranslate2.py --convert --models {args.models}"
        )

    inputs = json.loads((args.models / "inputs.json").read_text(encoding="utf-8"))
    if args.check:
        check(args, inputs)
        return
    result = stage_summary(args, inputs, 4 if args.stage == "beam4" else 1)
    kind, index = parse_device(args.device)
    device = "cpu" if kind == "cpu" else f"cuda:{index}"
    result.update(
        {
            "engine": ENGINE_NAME[args.compute_type] + ("" if kind == "cpu" else f"-{device}"),
            "precision": args.compute_type,
            "device": device,
            "stage": args.stage,
            "threads": args.threads,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
            "pid": os.getpid(),
        }
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
