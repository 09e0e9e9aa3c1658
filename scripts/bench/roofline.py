#!/usr/bin/env python3
"""Hardware limits and the work of each benchmark stage, for the roofline columns.

    python scripts/bench/roofline.py [--threads 2]   # prints JSON

Measures, with libtorch 2.4.0 (the library both engines run on) and fp32:

* matmul throughput (GFLOP/s) on the shapes the models use and on a large square
  product (the best of them is the "peak" the stages are held against);
* memory bandwidth: a 1 GiB copy (read + write bytes), a 1 GiB reduction and the
  matrix-vector product of the 250k-vocabulary output layer (read; the faster of the
  two is the bound of decoding, where each new token reads every decoder weight).

Then counts, from the model configs and the benchmark inputs (inputs.json), the
FLOPs (2 per multiply-add; matmuls only, which is >97% of the work) and the weight
bytes each stage must move, and derives the fastest possible time of each stage:
    encoder / NLI / embeddings: FLOPs / peak
    each decoding step:         max(FLOPs / peak, bytes read / read bandwidth)
`run.py` divides these by the measured medians: the fraction of the hardware limit.
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

NEW_TOKENS = 64
INPUT_TOKENS = 512
F32 = 4


def best_time(fn, repeat=5, min_s=0.3):
    fn()
    times = []
    for _ in range(repeat):
        n, t0 = 0, time.perf_counter()
        while True:
            fn()
            n += 1
            el = time.perf_counter() - t0
            if el >= min_s / repeat:
                break
        times.append(el / n)
    return statistics.median(times)


def measure_matmul():
    shapes = {
        "square 2048": (2048, 2048, 2048),
        "encoder qkvo 512x768x768": (512, 768, 768),
        "encoder ffn 512x768x2048": (512, 768, 2048),
        "nli ffn 470x768x3072": (470, 768, 3072),
        "decode lm_head 1x768x250112": (1, 768, 250112),
        "decode ffn 1x768x2048": (1, 768, 2048),
        "beam4 lm_head 4x768x250112": (4, 768, 250112),
    }
    out = {}
    for name, (m, k, n) in shapes.items():
        a, b = torch.randn(m, k), torch.randn(k, n)
        c = torch.empty(m, n)
        t = best_time(lambda: torch.mm(a, b, out=c))
        out[name] = 2 * m * k * n / t / 1e9
    return out


def measure_bandwidth():
    n = (1 << 30) // F32
    src, dst = torch.ones(n), torch.empty(n)
    copy_t = best_time(lambda: dst.copy_(src), repeat=5, min_s=1.0)
    sum_t = best_time(lambda: src.sum(), repeat=5, min_s=1.0)
    # Decoding's own access pattern: a matrix-vector product over the 250k-vocabulary
    # output layer (0.72 GiB), whose time is all weight reading.
    w, x = torch.randn(250112, 768), torch.randn(1, 768)
    gemv_t = best_time(lambda: torch.nn.functional.linear(x, w), repeat=5, min_s=1.0)
    sum_gbs, gemv_gbs = n * F32 / sum_t / 1e9, w.numel() * F32 / gemv_t / 1e9
    return {
        "copy_gbs": 2 * n * F32 / copy_t / 1e9,
        "sum_gbs": sum_gbs,
        "gemv_gbs": gemv_gbs,
        # The bound uses the faster of the two reading patterns.
        "read_gbs": max(sum_gbs, gemv_gbs),
    }


def measure_decode_kernels():
    """One decoding step's matrix-vector products in fp32 and with fbgemm's int8 / fp16
    packed weights (`torch.fbgemm_*`, aten ops that tch exposes too), in ms."""
    import warnings

    warnings.filterwarnings("ignore")  # the fbgemm_* ops are marked deprecated
    out = {}
    for name, (n, k) in {"lm_head 250112x768": (250112, 768), "ffn wi 2048x768": (2048, 768),
                         "attn 768x768": (768, 768)}.items():
        w, x, b = torch.randn(n, k), torch.randn(1, k), torch.zeros(n)
        qw, col, scale, zp = torch.fbgemm_linear_quantize_weight(w)
        packed = torch.fbgemm_pack_quantized_matrix(qw)
        fp16 = torch.fbgemm_pack_gemm_matrix_fp16(w)
        t32 = best_time(lambda: torch.nn.functional.linear(x, w))
        t8 = best_time(lambda: torch.fbgemm_linear_int8_weight_fp32_activation(x, qw, packed, col, scale, zp, b))
        t16 = best_time(lambda: torch.fbgemm_linear_fp16_weight_fp32_activation(x, fp16, b))
        ref = torch.nn.functional.linear(x, w)
        err = (torch.fbgemm_linear_int8_weight_fp32_activation(x, qw, packed, col, scale, zp, b) - ref).abs().max()
        out[name] = {
            "fp32_ms": 1e3 * t32,
            "int8_ms": 1e3 * t8,
            "fp16_ms": 1e3 * t16,
            "fp32_gbs": n * k * F32 / t32 / 1e9,
            "int8_rel_err": float(err / ref.abs().max()),
        }
    return out


def mt5_work(cfg, beams):
    """FLOPs and bytes of one 512-in / 64-out summary (transformers' cached decoding)."""
    d, inner, ff, L, V = (
        cfg["d_model"],
        cfg["num_heads"] * cfg["d_kv"],
        cfg["d_ff"],
        cfg["num_layers"],
        cfg["vocab_size"],
    )
    Ld = cfg.get("num_decoder_layers") or L
    n = INPUT_TOKENS
    ffn_mats = 3 if "gated" in cfg.get("feed_forward_proj", "") else 2
    enc = L * (4 * n * d * inner + 2 * n * n * inner + ffn_mats * n * d * ff)
    cross_kv = Ld * 2 * n * d * inner  # once per article (per beam: encoder output is expanded)
    per_layer_weights = 4 * d * inner + 4 * d * inner + ffn_mats * d * ff  # self + cross + ffn
    steps = []
    for t in range(1, NEW_TOKENS + 1):
        macs = beams * (
            Ld * (4 * d * inner + 2 * t * inner + 2 * d * inner + 2 * n * inner + ffn_mats * d * ff) + d * V
        )
        # Weights read once per step (all beams share them); caches read per beam.
        weight_bytes = (Ld * (per_layer_weights - 2 * d * inner) + d * V) * F32
        cache_bytes = beams * Ld * 2 * (n + t) * inner * F32
        steps.append((2 * macs, weight_bytes + cache_bytes))
    return {
        "encoder_flops": 2 * enc,
        "cross_kv_flops": 2 * cross_kv * beams,
        "decode_steps": steps,
        # rust-bert 0.23 recomputes the cross-attention K/V projections at every step.
        "rustbert_extra_flops": 2 * cross_kv * beams * (NEW_TOKENS - 1),
        "decoder_weight_bytes_per_step": steps[0][1] - beams * Ld * 2 * (n + 1) * inner * F32,
    }


def deberta_flops(cfg, batches):
    d, ff, L, H = cfg["hidden_size"], cfg["intermediate_size"], cfg["num_hidden_layers"], cfg["num_attention_heads"]
    span = 2 * cfg.get("position_buckets", 256)
    total = 0
    for b, w in batches:
        tokens = b * w
        lin = L * (4 * tokens * d * d + 2 * tokens * d * ff)
        attn = L * (2 * b * w * w * d + 2 * b * w * span * d)  # content + c2p + p2c
        pos = L * 2 * span * d * d  # relative embeddings through key/query projections
        total += 2 * (lin + attn + pos) + 2 * b * d * d
    return total


def bert_flops(cfg, batches):
    d, ff, L = cfg["hidden_size"], cfg["intermediate_size"], cfg["num_hidden_layers"]
    total = 0
    for b, w in batches:
        total += 2 * L * (4 * b * w * d * d + 2 * b * w * d * ff + 2 * b * w * w * d)
    return total


def nli_batches(models, inputs):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(models / "mdeberta-nli"))
    nli = inputs["nli"]
    out = []
    for art in nli["articles"]:
        by_actor = {}
        for m in art["mentions"]:
            by_actor.setdefault(m["actor"], []).append(m["premise"])
        pairs_per_art = []
        for actor, premises in by_actor.items():
            template = nli["hypothesis_template"].replace("{actor}", actor)
            hyps = [template.format(label) for label in nli["labels"]]
            pairs = [(p, h) for p in premises for h in hyps]
            enc = tok([p for p, _ in pairs], [h for _, h in pairs], truncation="only_first", max_length=512)
            pairs_per_art.append((len(pairs), max(len(x) for x in enc["input_ids"])))
        out.append(pairs_per_art)
    return out


def embed_batches(models, inputs):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(models / "minilm-l12"))
    sents = inputs["embed_sentences"]
    out = []
    for i in range(0, len(sents), 16):
        enc = tok(sents[i : i + 16], truncation=True, max_length=128)
        out.append((len(enc["input_ids"]), max(len(x) for x in enc["input_ids"])))
    return out


def ideal_summary_s(work, peak, read_bw):
    t = (work["encoder_flops"] + work["cross_kv_flops"]) / peak
    for flops, bytes_ in work["decode_steps"]:
        t += max(flops / peak, bytes_ / read_bw)
    return t


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", type=Path, default=cache_dir())
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="shorter measurements (smoke test)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.quick:
        global best_time
        fast = best_time
        best_time = lambda fn, repeat=5, min_s=0.3: fast(fn, 2, 0.05)  # noqa: E731

    models = args.models
    inputs = json.loads((models / "inputs.json").read_text(encoding="utf-8"))
    mt5 = json.loads((models / "mt5-base" / "config.json").read_text())
    deb = json.loads((models / "mdeberta-nli" / "config.json").read_text())
    bert = json.loads((models / "minilm-l12" / "config.json").read_text())

    with torch.inference_mode():
        matmul = measure_matmul()
        bw = measure_bandwidth()
        kernels = measure_decode_kernels()
    peak = max(matmul.values()) * 1e9
    read_bw = bw["read_gbs"] * 1e9

    stages = {}
    for name, beams in (("greedy", 1), ("beam4", 4)):
        w = mt5_work(mt5, beams)
        decode_flops = sum(f for f, _ in w["decode_steps"])
        decode_bytes = sum(b for _, b in w["decode_steps"])
        ideal = ideal_summary_s(w, peak, read_bw)
        stages[name] = {
            "unit": "article",
            "flops_per_unit": w["encoder_flops"] + w["cross_kv_flops"] + decode_flops,
            "encoder_flops": w["encoder_flops"],
            "decode_flops": decode_flops,
            "decode_bytes": decode_bytes,
            "decoder_weight_mb_per_step": w["decoder_weight_bytes_per_step"] / 2**20,
            "rustbert_extra_flops": w["rustbert_extra_flops"],
            "rustbert_extra_s_at_peak": w["rustbert_extra_flops"] / peak,
            "ideal_s_per_unit": ideal,
            "decode_bandwidth_bound_s": sum(b for _, b in w["decode_steps"]) / read_bw,
        }
    batches = nli_batches(models, inputs)
    flat = [b for art in batches for b in art]
    pairs = sum(b for b, _ in flat)
    nli_flops = deberta_flops(deb, flat)
    stages["nli"] = {
        "unit": "pair",
        "flops_per_unit": nli_flops / pairs,
        "ideal_s_per_unit": nli_flops / pairs / peak,
        "padded_tokens": sum(b * w for b, w in flat),
    }
    d, L = deb["hidden_size"], deb["num_hidden_layers"]
    stages["nli"]["pos_projection_share"] = (
        len(flat) * 2 * L * 2 * (2 * deb.get("position_buckets", 256)) * d * d / nli_flops
    )
    eb = embed_batches(models, inputs)
    sents = sum(b for b, _ in eb)
    ef = bert_flops(bert, eb)
    stages["embed"] = {"unit": "sentence", "flops_per_unit": ef / sents, "ideal_s_per_unit": ef / sents / peak}
    # analyze = one greedy summary + the article's NLI pairs.
    per_article_pairs = statistics.mean(sum(b for b, _ in art) for art in batches)
    stages["analyze"] = {
        "unit": "article",
        "ideal_s_per_unit": stages["greedy"]["ideal_s_per_unit"]
        + per_article_pairs * stages["nli"]["ideal_s_per_unit"],
    }
    print(
        json.dumps(
            {
                "threads": torch.get_num_threads(),
                "matmul_gflops": matmul,
                "peak_gflops": peak / 1e9,
                "bandwidth": bw,
                "decode_kernels": kernels,
                "stages": stages,
            }
        )
    )


if __name__ == "__main__":
    main()
