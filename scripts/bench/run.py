#!/usr/bin/env python3
"""Runs the engine benchmark: Rust, Python and CTranslate2 interleaved, medians, ratios, roofline.

Use scripts/bench/run.sh (it builds the models and the release binary first); this
script only orchestrates. Every measurement is a fresh process running one stage
(bench_python.py, bench_ctranslate2.py or the bench_engine example), so each has its own load time and
peak RSS (each reports its own: getrusage ru_maxrss / VmHWM). Each round reverses the engines'
order of the round before. Results: JSON on stdout (and --json FILE), and the tables between the
markers in docs/benchmarks.md (--markdown FILE; --no-write for smoke tests).

--device cuda runs newsframe (f32, bf16), transformers (f32, bf16) and CTranslate2 on the GPU
instead (scripts/bench/gpu.sh): no roofline, profiles or probes; the GPU's name in the header;
its own JSON (docs/benchmarks-gpu.json) and its own markers in docs/benchmarks.md, so the CPU
results stay as they are. --dry-run prints the processes a run would start, and starts none.
"""

import argparse
import datetime
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
# The models' default folder, without importing torch (make_models does).
from bench_ctranslate2 import default_models as cache_dir  # noqa: E402
from bench_ctranslate2 import device_arg  # noqa: E402

RATE_KEY = {
    "greedy": "articles_per_s",
    "beam4": "articles_per_s",
    "nli": "pairs_per_s",
    "nli-raw": "pairs_per_s",
    "embed": "sentences_per_s",
    "analyze": "articles_per_s",
    "analyze-batch": "articles_per_s",
}
UNIT = {
    "greedy": "articles/s",
    "beam4": "articles/s",
    "nli": "pairs/s",
    "nli-raw": "pairs/s",
    "embed": "sentences/s",
    "analyze": "articles/s",
    "analyze-batch": "articles/s",
}
# Peer engines: CTranslate2 runs the mT5 stages only (it has no DeBERTa or pipeline of ours).
PEER_STAGES = ("greedy", "beam4")
PEER_COMPUTE_TYPE = {"ctranslate2-int8": "int8", "ctranslate2-f32": "float32"}
# On a GPU: int8 weights with float16 activations (CTranslate2's fast GPU setting), and the
# like-for-like bfloat16 and float32; ctranslate2-f16 / -int8-bf16 on request (mT5's
# feed-forward overflows float16: speed only).
GPU_PEER_COMPUTE_TYPE = {"ctranslate2-int8-f16": "int8_float16", "ctranslate2-bf16": "bfloat16",
                         "ctranslate2-f32": "float32"}
GPU_EXTRA_PEERS = {"ctranslate2-f16": "float16", "ctranslate2-int8-bf16": "int8_bfloat16",
                   "ctranslate2-int8": "int8"}
# The summary model in int8, the NLI model in bf16 (newsframe analyze --summary-precision int8
# --stance-precision bf16): on --mixed-stages only.
MIXED_ENGINE = "newsframe-int8-nli-bf16"
# The Rust engines a CPU run starts by default; those that run on a GPU (the rest are CPU-only:
# int8 is fbgemm's, rust-bert and newsframe-t5 load on the CPU).
CPU_RUST_ENGINES = ("newsframe", "newsframe-bf16", "newsframe-int8", MIXED_ENGINE, "rust-bert")
GPU_RUST_ENGINES = ("newsframe", "newsframe-bf16")
# CPU flags that decide which kernels the engines can use (recorded with every run).
SPEED_FLAGS = ("avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx_vnni", "avx512_bf16",
               "avx512_fp16", "amx_tile", "amx_bf16", "amx_int8")
ROOF = {"greedy": "greedy", "beam4": "beam4", "nli": "nli", "nli-raw": "nli", "embed": "embed", "analyze": "analyze",
        "analyze-batch": "analyze"}
# The stage a process runs where the report's differs: analyze-batch is analyze on --analyze-batch
# articles (Rust: decoded together); its processes report "analyze", and run.py files them under
# the stage it asked for.
PROCESS_STAGE = {"analyze-batch": "analyze"}
# bench_engine's flags for each Rust engine name (the rest: --engine NAME).
RUST_ENGINE_FLAGS = {
    "newsframe-bf16": ["--engine", "newsframe", "--precision", "bf16"],
    "newsframe-int8": ["--engine", "newsframe", "--precision", "int8"],
    MIXED_ENGINE: ["--engine", "newsframe", "--precision", "int8", "--nli-precision", "bf16"],
}
BEGIN, END = "<!-- bench:begin (written by scripts/bench/run.py) -->", "<!-- bench:end -->"
GPU_BEGIN = "<!-- bench-gpu:begin (written by scripts/bench/run.py --device cuda) -->"
GPU_END = "<!-- bench-gpu:end -->"


def loadavg():
    return os.getloadavg()


def run_one(cmd, env, gpu=None):
    """Runs one benchmark process; returns its JSON plus wall time and peak RSS (and, with a
    GpuMemory, the most GPU memory nvidia-smi saw in use meanwhile, above what was in use before)."""
    t0 = time.perf_counter()
    if gpu:
        gpu.start()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    gpu_used = gpu.stop() if gpu else None
    if proc.returncode != 0:
        raise SystemExit(f"benchmark process failed ({proc.returncode}): {shlex.join(cmd)}\n{err[-3000:]}")
    line = [ln for ln in out.splitlines() if ln.startswith("{")][-1]
    res = json.loads(line)
    res["process_wall_s"] = wall
    if gpu_used is not None:
        res["gpu_used_mib"] = gpu_used
    return res


def nvidia_smi(query, index):
    """nvidia-smi --query-gpu=QUERY for GPU `index`, or None where it does not answer."""
    try:
        out = subprocess.run(["nvidia-smi", f"--query-gpu={query}", "--format=csv,noheader,nounits", "-i", str(index)],
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else None


class GpuMemory:
    """Samples the GPU's memory in use (nvidia-smi, every `every` s) while one process runs: one
    measure for every engine (the CUDA context and each framework's cache included), where the
    frameworks' own counters differ or are missing."""

    def __init__(self, index, every=0.2):
        self.index, self.every = index, every

    def used(self):
        out = nvidia_smi("memory.used", self.index)
        try:
            return float(out)
        except (TypeError, ValueError):
            return None

    def start(self):
        self.before, self.peak, self.done = self.used(), None, threading.Event()

        def sample():
            while not self.done.wait(self.every):
                mib = self.used()
                if mib is not None:
                    self.peak = mib if self.peak is None else max(self.peak, mib)

        self.thread = threading.Thread(target=sample, daemon=True)
        self.thread.start()

    def stop(self):
        self.done.set()
        self.thread.join()
        if self.before is None or self.peak is None:
            return None
        return max(self.peak - self.before, 0.0)


def gpu_index(device):
    return int(device.partition(":")[2] or 0)


def machine():
    info = {"platform": platform.platform(), "cpus": os.cpu_count()}
    keys = {"model name": "cpu", "vendor_id": "cpu_vendor", "cpu family": "cpu_family", "model": "cpu_model"}
    try:
        # The first processor's block: model name, vendor, family/model numbers, flags.
        for ln in Path("/proc/cpuinfo").read_text().split("\n\n", 1)[0].splitlines():
            key, _, value = (part.strip() for part in ln.partition(":"))
            if key in keys:
                info[keys[key]] = value
            elif key == "flags":
                flags = set(value.split())
                info["cpu_flags"] = {f: f in flags for f in SPEED_FLAGS}
        for ln in Path("/proc/meminfo").read_text().splitlines():
            if ln.startswith("MemTotal"):
                info["mem_gib"] = round(int(ln.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return info


def median(xs):
    return statistics.median(xs) if xs else None


def summarize(results, roof, suffix=""):
    """Medians per (stage, engine), ratios against python, roofline fractions. `suffix` is the
    device part of GPU engine names ("-cuda:0"): the baseline is then python + suffix."""
    table = {}
    for r in results:
        key = (r["stage"], r["engine"])
        table.setdefault(key, []).append(r)
    rows = []
    stage_order = list(RATE_KEY)
    engine_order = ["python", "newsframe", "python-bf16", "newsframe-bf16", "newsframe-int8", MIXED_ENGINE,
                    "newsframe-t5", "rust-bert", "ctranslate2-int8", "ctranslate2-f32"]
    if suffix:
        engine_order = [e + suffix for e in engine_order + list(GPU_PEER_COMPUTE_TYPE) + list(GPU_EXTRA_PEERS)]
    keys = sorted(
        table,
        key=lambda k: (
            stage_order.index(k[0]) if k[0] in stage_order else 99,
            engine_order.index(k[1]) if k[1] in engine_order else 99,
        ),
    )
    for stage, engine in keys:
        rs = table[(stage, engine)]
        rate = median([r[RATE_KEY[stage]] for r in rs])
        row = {
            "stage": stage,
            "engine": engine,
            "runs": len(rs),
            "rate": rate,
            "unit": UNIT[stage],
            "rate_runs": [r[RATE_KEY[stage]] for r in rs],
            "load_s": median([r["load_s"] for r in rs]),
            "peak_rss_mb": median([r["peak_rss_mb"] for r in rs]),
            "items": rs[0]["items"],
        }
        if "tokens_per_s" in rs[0]:
            row["tokens_per_s"] = median([r["tokens_per_s"] for r in rs])
            row["new_tokens"] = rs[0].get("new_tokens")
            row["input_tokens"] = rs[0].get("input_tokens")
        if "padded_tokens" in rs[0]:
            row["padded_tokens"] = rs[0]["padded_tokens"]
        for key in ("gpu_used_mib", "gpu_peak_mib"):
            if any(key in r for r in rs):
                row[key] = median([r[key] for r in rs if key in r])
        st = roof["stages"].get(ROOF[stage]) if roof else None
        if st and rate:
            row["hw_fraction"] = st["ideal_s_per_unit"] * rate
            row["gflops"] = st["flops_per_unit"] * rate / 1e9 if "flops_per_unit" in st else None
        py = table.get((stage, "python" + suffix))
        if py and engine != "python" + suffix:
            py_rate = median([r[RATE_KEY[stage]] for r in py])
            row["speed_vs_python"] = rate / py_rate
            row["rss_vs_python"] = row["peak_rss_mb"] / median([r["peak_rss_mb"] for r in py])
            row["load_vs_python"] = row["load_s"] / median([r["load_s"] for r in py])
        py_bf16 = table.get((stage, "python-bf16" + suffix))
        if py_bf16 and engine == "newsframe-bf16" + suffix:
            row["speed_vs_python_bf16"] = rate / median([r[RATE_KEY[stage]] for r in py_bf16])
        rows.append(row)
    return rows


def targets(rows, engine):
    def get(stage, eng):
        return next((r for r in rows if r["stage"] == stage and r["engine"] == eng), None)

    out = []
    a = get("analyze", engine)
    if a and "speed_vs_python" in a:
        out.append(("end-to-end analyze >= 1.5x Python articles/s", a["speed_vs_python"], a["speed_vs_python"] >= 1.5))
    b = get("analyze-batch", engine)
    if b and "speed_vs_python" in b:
        out.append((f"end-to-end analyze, batched ({b['items']} articles decoded together) >= 5x Python f32 "
                    "articles/s", b["speed_vs_python"], b["speed_vs_python"] >= 5.0))
    n = get("nli", engine)
    if n and "speed_vs_python" in n:
        out.append(("NLI >= 2x Python zero-shot pipeline pairs/s", n["speed_vs_python"], n["speed_vs_python"] >= 2.0))
    rss = [r["rss_vs_python"] for r in rows if r["engine"] == engine and "rss_vs_python" in r]
    if rss:
        out.append(("peak RSS <= 1.3x Python (worst stage)", max(rss), max(rss) <= 1.3))
    return out


def versus_peer(rows, peer="ctranslate2-int8", target=1.5, stages=PEER_STAGES):
    """Per stage (the mT5 ones by default): newsframe's fastest setting against the peer engine."""
    out = []
    for stage in stages:
        ours = [r for r in rows if r["stage"] == stage and r["engine"].startswith("newsframe") and r["rate"]]
        theirs = next((r for r in rows if r["stage"] == stage and r["engine"] == peer and r["rate"]), None)
        if ours and theirs:
            best = max(ours, key=lambda r: r["rate"])
            ratio = best["rate"] / theirs["rate"]
            out.append({"stage": stage, "engine": best["engine"], "ratio": ratio, "met": ratio >= target})
    return out


def cells(r):
    """The table cells a CPU and a GPU row share, formatted."""
    return {
        "stage": r["stage"],
        "engine": r["engine"],
        "rate": fmt(r["rate"], 3),
        "unit": r["unit"],
        "tok": fmt(r.get("tokens_per_s"), 1),
        "vs": fmt(r.get("speed_vs_python")) + ("x" if r.get("speed_vs_python") else ""),
        "rss": fmt(r["peak_rss_mb"], 0),
        "load": fmt(r["load_s"]),
        "runs": ", ".join(fmt(x, 3) for x in r["rate_runs"]),
    }


def versus_python(rows):
    """newsframe's fastest setting on analyze and analyze-batch against Python f32 (target 5x)."""
    return versus_peer(rows, peer="python", target=5.0, stages=("analyze", "analyze-batch"))


def best_lines(title, found):
    """A blank line and 'TITLE: stage 1.23x (engine) — met; ...' (none without a comparison)."""
    if not found:
        return []
    return ["", title + ": " + "; ".join(
        f"{p['stage']} {p['ratio']:.2f}x ({p['engine']}) — {'met' if p['met'] else 'NOT met'}" for p in found) + "."]


def bf16_like_for_like(rows):
    """The markdown lines comparing newsframe-bf16 with python-bf16 (none without both)."""
    like = [r for r in rows if r.get("speed_vs_python_bf16")]
    if not like:
        return []
    return ["", "newsframe-bf16 against python-bf16 (both in bfloat16): " + "; ".join(
        f"{r['stage']} {r['speed_vs_python_bf16']:.2f}x" for r in like) + "."]


def cpu_line(m):
    """'Intel(R) Xeon(R) ... (GenuineIntel family 6 model 143; avx2 ...; no amx_int8)'."""
    flags = m.get("cpu_flags") or {}
    has = " ".join(f for f, on in flags.items() if on)
    lacks = " ".join(f for f, on in flags.items() if not on)
    ident = " ".join(x for x in (m.get("cpu_vendor"), m.get("cpu_family") and f"family {m['cpu_family']}",
                                 m.get("cpu_model") and f"model {m['cpu_model']}") if x)
    detail = "; ".join(x for x in (ident, has, lacks and f"no {lacks}") if x)
    return f"{m.get('cpu', '?')}" + (f" ({detail})" if detail else "")


def fmt(x, nd=2):
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.{nd}f}"
    return str(x)


def markdown(report):
    m = report["machine"]
    lines = [
        f"Run {report['started']} to {report['finished']} (UTC) on {cpu_line(m)}, "
        f"{m.get('cpus')} CPUs, {m.get('mem_gib')} GiB; {report['threads']} threads in every engine; "
        f"{report['rounds']} interleaved rounds, medians shown.",
        f"Load average before / after: {report['load_before'][0]:.2f} / {report['load_after'][0]:.2f} "
        f"(1 min); max seen between runs: {max(report['load_seen']):.2f}.",
        "",
        f"Command: `{report['command']}`",
        "",
        "| stage | engine | rate | unit | tokens/s | vs Python | peak RSS MiB | RSS vs Py | load s | "
        "% of HW limit | runs |",
        "|---|---|---:|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in report["rows"]:
        lines.append(
            "| {stage} | {engine} | {rate} | {unit} | {tok} | {vs} | {rss} | {rssv} | {load} | {hw} | {runs} |".format(
                **cells(r),
                rssv=fmt(r.get("rss_vs_python")),
                hw=fmt(100 * r["hw_fraction"], 0) + "%" if r.get("hw_fraction") else "-",
            )
        )
    lines += [
        "",
        "Engines: `python` = transformers pipelines (float32); `newsframe` = the library's "
        "transformer engine in float32 (the default, outputs match transformers to ~1e-6); "
        "`newsframe-bf16` = the same with `--precision bf16` (dense layers of mT5, and dense layers and "
        "attention products of mDeBERTa and MiniLM, in bfloat16 with float32 accumulation; softmax, norms "
        "and score sums in float32; NLI probabilities within ~0.01 of float32); `python-bf16` = "
        "the transformers pipelines with `torch_dtype=torch.bfloat16` (the whole model in bfloat16), "
        "the like-for-like baseline of `newsframe-bf16`; `newsframe-int8` = `--precision int8` (dense "
        "layers' weights int8 per output row, activations per row, products on newsframe's AVX-512 VNNI "
        "kernel where the CPU has it and on fbgemm's otherwise, named below; the rest float32); `newsframe-int8-nli-bf16` = the summary model in int8 and the NLI model in bfloat16 "
        "(`bench_engine --precision int8 --nli-precision bf16`, as `newsframe analyze --summary-precision int8 "
        "--stance-precision bf16` runs them; analyze stages only); `rust-bert` = "
        "rust-bert's models called directly with the Python side's batches; `ctranslate2-int8` / "
        "`ctranslate2-f32` = CTranslate2 (`scripts/bench/bench_ctranslate2.py`) on the same mT5 converted "
        "with its converter (int8 / float32 weights), `Translator.translate_batch` on the same token ids "
        "(mT5 stages only). *% of HW limit* is "
        "against the float32 limits below and transformers' FLOP count (newsframe projects "
        "DeBERTa's relative positions once at load and multiplies only the position rows a batch "
        "uses), so it can exceed 100%.",
    ]
    batch = next((r["items"] for r in report["rows"] if r["stage"] == "analyze-batch"), None)
    if batch:
        lines += ["", f"`analyze-batch` = `analyze` on {batch} articles: the Rust engines decode their summaries "
                  "together (`bench_engine --stage analyze --batch`), then classify each article's NLI pairs; the "
                  "Python engines run the pipelines one article at a time, as a pipeline user does. "
                  "`newsframe analyze` decodes 4 such 512-token articles together by default "
                  "(`--summary-batch-tokens 2048`)."]
    lines += bf16_like_for_like(report["rows"])
    lines += best_lines("newsframe vs CTranslate2 int8 (newsframe's fastest setting / `ctranslate2-int8`, target "
                        ">= 1.5x)", versus_peer(report["rows"]))
    lines += best_lines("newsframe vs Python f32 end to end (newsframe's fastest setting / `python`, target >= 5x)",
                        versus_python(report["rows"]))
    kernels = sorted({r["int8_kernel"] for r in report.get("runs", []) if r.get("int8_kernel")})
    if kernels:
        lines += ["", "newsframe's int8 kernel in this run: " + ", ".join(kernels) +
                  " (`vnni`: its own AVX-512 VNNI kernel; `fbgemm`: libtorch's fbgemm, on CPUs without VNNI)."]
    log = ct2_log(report)
    if log:
        lines += ["", f"CTranslate2 {log[0]} on this CPU (its load log): " + "; ".join(log[1]) + "."]
    roof = report.get("roofline")
    if roof:
        bw = roof["bandwidth"]
        lines += [
            "",
            f"Hardware limits measured in the same session (libtorch 2.4.0, fp32, {roof['threads']} threads): "
            f"matmul peak {roof['peak_gflops']:.0f} GFLOP/s (best shape), "
            f"read bandwidth {bw['read_gbs']:.1f} GB/s (1 GiB sum {bw.get('sum_gbs', 0):.1f}, "
            f"output-layer GEMV {bw.get('gemv_gbs', 0):.1f}), copy {bw['copy_gbs']:.1f} GB/s.",
            "",
            "| matmul shape | GFLOP/s |",
            "|---|---:|",
        ]
        lines += [f"| {k} | {v:.1f} |" for k, v in roof["matmul_gflops"].items()]
        dk = roof.get("decode_kernels")
        if dk:
            lines += [
                "",
                "One decoding step's matrix-vector products (batch 1), fp32 vs fbgemm packed weights "
                "(`torch.fbgemm_linear_int8_weight_fp32_activation` / `..._fp16_weight_...`, aten ops tch "
                "also exposes):",
                "",
                "| weight | fp32 ms | fp32 GB/s | int8 ms | fp16 ms | int8 max error / max logit |",
                "|---|---:|---:|---:|---:|---:|",
            ]
            lines += [
                f"| {k} | {v['fp32_ms']:.3f} | {v['fp32_gbs']:.1f} | {v['int8_ms']:.3f} | {v['fp16_ms']:.3f} "
                f"| {v['int8_rel_err']:.3f} |"
                for k, v in dk.items()
            ]
        g, b4 = roof["stages"]["greedy"], roof["stages"]["beam4"]
        lines += [
            "",
            "| stage | work per unit | fastest possible s/unit | bound |",
            "|---|---|---:|---|",
            f"| greedy | encoder {g['encoder_flops'] / 1e9:.0f} GFLOP + 64 steps reading "
            f"{g['decoder_weight_mb_per_step']:.0f} MiB of decoder weights each | {g['ideal_s_per_unit']:.2f} | "
            f"decode: bandwidth ({g['decode_bandwidth_bound_s']:.2f} s) |",
            f"| beam4 | encoder {b4['encoder_flops'] / 1e9:.0f} GFLOP + decode {b4['decode_flops'] / 1e9:.0f} GFLOP "
            f"| {b4['ideal_s_per_unit']:.2f} | decode: bandwidth/compute |",
            f"| nli | {roof['stages']['nli']['flops_per_unit'] / 1e9:.1f} GFLOP/pair "
            f"({100 * roof['stages']['nli']['pos_projection_share']:.0f}% of it re-projecting relative positions) "
            f"| {roof['stages']['nli']['ideal_s_per_unit']:.3f} | compute |",
            f"| embed | {roof['stages']['embed']['flops_per_unit'] / 1e9:.2f} GFLOP/sentence "
            f"| {roof['stages']['embed']['ideal_s_per_unit']:.3f} | compute |",
            f"| analyze | greedy summary + the article's NLI pairs | "
            f"{roof['stages']['analyze']['ideal_s_per_unit']:.2f} | |",
            "",
            f"rust-bert 0.23 recomputes the cross-attention K/V projections at every decoding step: "
            f"+{g['rustbert_extra_flops'] / 1e9:.0f} GFLOP per greedy summary "
            f"({g['rustbert_extra_s_at_peak']:.1f} s at peak), "
            f"+{b4['rustbert_extra_flops'] / 1e9:.0f} GFLOP per beam-4 summary "
            f"({b4['rustbert_extra_s_at_peak']:.1f} s).",
        ]
    if report.get("loaders"):
        lines += [
            "",
            "Weight loading alone (construct the rust-bert model, then fill its weights): tch's "
            "`VarStore::load` vs reading each tensor's bytes into its variable (`pread`, "
            "`examples/bench_engine.rs` `load_pread`); same checksum of the weights either way.",
            "",
            "| model | loader | load s | peak RSS MiB | weights checksum |",
            "|---|---|---:|---:|---:|",
        ]
        for r in report["loaders"]:
            lines.append(f"| {r['model']} | {r['loader']} | {r['load_s']:.2f} | {r['peak_rss_mb']:.0f} | {r['checksum']:.9g} |")
    probe = report.get("probe")
    if probe:
        lines += [
            "",
            "What would help, measured with libtorch 2.4.0 through transformers in one process "
            "(`scripts/bench/probe_speedups.py`, medians; int8 = `quantize_dynamic` of every Linear, "
            "fbgemm int8 weights with fp32 activations; random weights, so speed only):",
            "",
            "| NLI variant (one article, 30 pairs) | pairs/s | padded tokens |",
            "|---|---:|---:|",
        ]
        for k, v in probe["nli_pairs_per_s"].items():
            lines.append(f"| {k} | {v['median']:.2f} | {v['padded_tokens']} |")
        g = probe.get("greedy_s")
        if g:
            lines += [
                "",
                "| greedy summary (512 in / 64 out) | s | encoder s | ms per decoding step |",
                "|---|---:|---:|---:|",
                f"| fp32 (transformers, cached cross-attention K/V) | {g['fp32']:.2f} | {g['encoder_s']['fp32']:.2f} "
                f"| {g['step_ms']['fp32']:.0f} |",
                f"| int8 dynamic | {g['int8']:.2f} | {g['encoder_s']['int8']:.2f} | {g['step_ms']['int8']:.0f} |",
            ]
    if report.get("profiles"):
        lines += ["", "Where the Rust side's run time goes (`scripts/bench/profile.sh STAGE ENGINE`: perf "
                  "samples after loading, self time by kind):", ""]
        for spec, text in report["profiles"].items():
            lines += [f"`{spec}`:", "", "```", text, "```", ""]
    for engine, checks in report["targets"].items():
        if not checks:
            continue
        lines += ["", f"Targets ({engine}):", ""]
        for name, value, ok in checks:
            lines.append(f"- {name}: {value:.2f}x — {'met' if ok else 'NOT met'}")
    return "\n".join(lines) + "\n"


def ct2_log(report):
    """'CTranslate2 4.8.5 on this CPU (its load log): ...' from the runs' captured load logs."""
    logs = {}  # engine -> CTranslate2's load log (ISA, GEMM backends, compute type chosen)
    for r in report.get("runs", []):
        if r.get("ctranslate2_backend"):
            logs.setdefault(r["engine"], (r["ctranslate2"], r["ctranslate2_backend"]))
    if not logs:
        return None
    version, first = next(iter(logs.values()))
    shared = [ln for ln in first if "compute type" not in ln]
    chosen = [f"{e} {ln}" for e, (_, log) in logs.items() for ln in log if "compute type" in ln]
    return version, shared + chosen


def markdown_gpu(report):
    """The GPU run's section: rates, memory on the GPU and on the host, ratios on the same GPU."""
    m, suffix = report["machine"], report["suffix"]
    lines = [
        f"Run {report['started']} to {report['finished']} (UTC) on {report['gpu']} (nvidia-smi), "
        f"`--device {report['device']}`; host {m.get('cpu', '?')}, {m.get('cpus')} CPUs, "
        f"{m.get('mem_gib')} GiB; {report['threads']} CPU threads in every engine; {report['rounds']} interleaved "
        "rounds, medians shown.",
        f"Load average before / after: {report['load_before'][0]:.2f} / {report['load_after'][0]:.2f} (1 min).",
        "",
        f"Command: `{report['command']}`",
        "",
        "| stage | engine | rate | unit | tokens/s | vs Python | GPU MiB used | torch GPU peak MiB | peak RSS MiB "
        "| load s | runs |",
        "|---|---|---:|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in report["rows"]:
        lines.append(
            "| {stage} | {engine} | {rate} | {unit} | {tok} | {vs} | {used} | {peak} | {rss} | {load} | {runs} |"
            .format(**cells(r), used=fmt(r.get("gpu_used_mib"), 0), peak=fmt(r.get("gpu_peak_mib"), 0))
        )
    versions = sorted({(r["torch"], r["transformers"]) for r in report.get("runs", []) if "transformers" in r})
    lines += [
        "",
        f"Engines, all on the GPU: `python{suffix}` / `python-bf16{suffix}` = transformers pipelines with the "
        "models in float32 / `torch_dtype=torch.bfloat16` ("
        + "; ".join(f"torch {t}, transformers {v}" for t, v in versions)
        + f"); `newsframe{suffix}` / `newsframe-bf16{suffix}` = the library's transformer engine with "
        "`--device cuda`, `--precision f32` / `bf16`; `ctranslate2-...` = CTranslate2's `Translator` with "
        "`device=\"cuda\"` and the compute type named (`int8-f16` = int8_float16, `bf16` = bfloat16, `f32` = "
        "float32), mT5 stages only. *vs Python* is against `python" + suffix + "` on the same GPU. *GPU MiB used* "
        "= the most memory nvidia-smi showed in use on the GPU while the process ran, less what was in use before "
        "it started (sampled every 0.2 s; the CUDA context and the frameworks' caches included), for every "
        "engine alike; *torch GPU peak MiB* = `torch.cuda.max_memory_allocated` of the transformers side "
        "(its tensors only); *load s* includes starting CUDA.",
    ]
    lines += bf16_like_for_like(report["rows"])
    peers = sorted({r["engine"] for r in report["rows"] if r["engine"].startswith("ctranslate2-")})
    for peer in peers:
        vs = versus_peer(report["rows"], peer=peer)
        if vs:
            lines += ["", f"newsframe's fastest setting against `{peer}`: " + "; ".join(
                f"{v['stage']} {v['ratio']:.2f}x ({v['engine']})" for v in vs) + "."]
    log = ct2_log(report)
    if log:
        lines += ["", f"CTranslate2 {log[0]} on this GPU (its load log): " + "; ".join(log[1]) + "."]
    return "\n".join(lines) + "\n"


def write_markdown(path, body, begin=BEGIN, end=END):
    """Puts `body` between the markers `begin` and `end` of `path` (appended where they are missing)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    block = f"{begin}\n{body}{end}"
    if begin in text and end in text:
        pre, rest = text.split(begin, 1)
        post = rest.split(end, 1)[1]
        text = pre + block + post
    else:
        text = (text.rstrip() + "\n\n" if text else "# Benchmarks\n\n") + block + "\n"
    path.write_text(text, encoding="utf-8")


def articles_for(args, stage):
    return {"beam4": args.beam_articles, "nli": args.nli_articles, "nli-raw": args.nli_articles,
            "analyze-batch": args.analyze_batch}.get(stage, args.articles)


def round_commands(args, stage, rnd, engines, peers, peer_types):
    """The processes round `rnd` runs for `stage`, in the order it runs them (odd rounds reversed)."""
    common = ["--stage", PROCESS_STAGE.get(stage, stage), "--articles", str(articles_for(args, stage)),
              "--threads", str(args.threads), "--new-tokens", str(args.new_tokens)]
    if args.device != "cpu":
        common += ["--device", args.device]
    cmds = [[args.python, str(HERE / "bench_python.py"), "--models", str(args.models)] + common]
    if args.python_bf16 and stage in args.bf16_stages.split(","):
        cmds.append(cmds[0] + ["--precision", "bf16"])
    if stage != "nli-raw":
        only_on = {"rust-bert": args.baseline_stages, "newsframe-t5": args.t5_stages,
                   "newsframe-bf16": args.bf16_stages, "newsframe-int8": args.int8_stages,
                   MIXED_ENGINE: args.mixed_stages}
        batch = ["--batch", str(args.analyze_batch)] if stage == "analyze-batch" else []
        for e in engines:
            if e in only_on and stage not in only_on[e].split(","):
                continue
            engine = RUST_ENGINE_FLAGS.get(e, ["--engine", e])
            cmds.append([str(args.rust_bin)] + engine + ["--models", str(args.models)] + common + batch)
    if stage in PEER_STAGES:
        for e in peers:
            cmds.append([args.python, str(HERE / "bench_ctranslate2.py"), "--models", str(args.models),
                         "--compute-type", peer_types[e]] + common)
    if rnd % 2 == 1:
        cmds.reverse()
    return cmds


def arg_parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--models", type=Path, default=Path(os.environ.get("BENCH_MODELS") or cache_dir()))
    p.add_argument(
        "--python",
        default=os.environ.get("BENCH_PYTHON") or sys.executable,
        help="interpreter with torch 2.4.0 + transformers",
    )
    p.add_argument("--rust-bin", type=Path, default=REPO / "target/release/examples/bench_engine")
    p.add_argument(
        "--rust-engines",
        help="comma list of engines (newsframe: the library's engine as the analysis stages use "
        "it, float32; newsframe-bf16 / newsframe-int8: the same with --precision bf16 / int8 "
        "(int8 on --int8-stages only); newsframe-int8-nli-bf16: the summary model in int8, the NLI "
        "model in bf16 (on --mixed-stages only); newsframe-t5: the T5 "
        "generator called directly; rust-bert: rust-bert's generator/models called directly, "
        "the baseline). Default: newsframe,newsframe-bf16,newsframe-int8,newsframe-int8-nli-bf16,rust-bert; with "
        "--device cuda newsframe,newsframe-bf16 (the others run on the CPU only)",
    )
    p.add_argument(
        "--peer-engines",
        help="comma list of peer engines on the mT5 stages: ctranslate2-int8, ctranslate2-f32 "
        "(the default); with --device cuda ctranslate2-int8-f16, ctranslate2-bf16, ctranslate2-f32 (the "
        "default), ctranslate2-f16, ctranslate2-int8-bf16, ctranslate2-int8. Skipped with a message when "
        "ctranslate2 does not import (or sees no GPU); '' for none",
    )
    p.add_argument(
        "--device",
        type=device_arg,
        default="cpu",
        help="cpu (default), or cuda / cuda:N: every engine's stages on that GPU (no roofline, profiles "
        "or probes), results in --json (default docs/benchmarks-gpu.json) and the GPU section of --markdown",
    )
    p.add_argument(
        "--bf16-stages",
        default="greedy,beam4,nli,embed,analyze,analyze-batch",
        help="stages newsframe-bf16 (and python-bf16) run",
    )
    p.add_argument(
        "--int8-stages",
        default="greedy,beam4,nli,embed,analyze,analyze-batch",
        help="stages newsframe-int8 runs",
    )
    p.add_argument(
        "--mixed-stages",
        default="analyze,analyze-batch",
        help="stages newsframe-int8-nli-bf16 runs",
    )
    p.add_argument(
        "--t5-stages",
        default="greedy,beam4,analyze",
        help="stages newsframe-t5 runs (its NLI and embeddings are newsframe's)",
    )
    p.add_argument(
        "--no-python-bf16",
        dest="python_bf16",
        action="store_false",
        help="skip the python-bf16 rows (transformers pipelines with torch_dtype=bfloat16)",
    )
    p.add_argument(
        "--baseline-stages",
        default="nli",
        help="stages the rust-bert baseline runs (it doubles the Rust time otherwise)",
    )
    p.add_argument("--stages", default="greedy,beam4,nli,nli-raw,embed,analyze,analyze-batch")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--time-limit", type=float, metavar="S",
                   help="start a round only where it should end within S seconds of the first round's start "
                   "(judged by the round before; the first always runs); the report counts the rounds run")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--articles", type=int, default=1, help="articles per greedy / analyze run")
    p.add_argument("--analyze-batch", type=int, default=4, metavar="N",
                   help="articles per analyze-batch run (the Rust engines decode them together, Python one at a "
                   "time); 4: what `newsframe analyze` decodes together by default at 512-token inputs "
                   "(--summary-batch-tokens 2048)")
    p.add_argument("--beam-articles", type=int, default=1, help="articles per beam-4 run")
    p.add_argument("--nli-articles", type=int, default=2, help="articles per NLI run (30 pairs each)")
    p.add_argument("--new-tokens", type=int, default=64, help="tokens per summary (fewer: smoke test only)")
    p.add_argument("--no-roofline", action="store_true")
    p.add_argument("--load-probe", action="store_true", help="also compare rust-bert weight loaders")
    p.add_argument("--speedup-probe", action="store_true", help="also run probe_speedups.py (int8, batching)")
    p.add_argument("--probe-rounds", type=int, default=3)
    p.add_argument(
        "--profiles",
        default="greedy:newsframe,nli:newsframe",
        help="stage:engine pairs to profile with perf after the rounds ('' to skip)",
    )
    p.add_argument("--no-write", action="store_true", help="do not touch docs/benchmarks.md")
    p.add_argument("--markdown", type=Path, default=REPO / "docs/benchmarks.md")
    p.add_argument("--json", type=Path, help="the report (default docs/benchmarks.json; "
                   "docs/benchmarks-gpu.json with --device cuda)")
    p.add_argument("--render", type=Path, help="only rewrite the markdown from a saved JSON report")
    p.add_argument("--dry-run", action="store_true",
                   help="print the processes every round would start (one command line each), start none")
    p.add_argument("--runs-log", type=Path, help="append each run's JSON to this file as it finishes")
    return p


def plan(p, args):
    """Fills the device's defaults into `args`; returns (stages, engines, peers, peer_types), or
    stops through p.error where an engine cannot run on the device."""
    gpu = args.device != "cpu"
    if args.rust_engines is None:
        args.rust_engines = ",".join(GPU_RUST_ENGINES if gpu else CPU_RUST_ENGINES)
    peer_types = {**GPU_PEER_COMPUTE_TYPE, **GPU_EXTRA_PEERS} if gpu else PEER_COMPUTE_TYPE
    if args.peer_engines is None:
        args.peer_engines = ",".join(GPU_PEER_COMPUTE_TYPE if gpu else PEER_COMPUTE_TYPE)
    if args.json is None:
        args.json = REPO / ("docs/benchmarks-gpu.json" if gpu else "docs/benchmarks.json")
    stages = [s for s in args.stages.split(",") if s]
    engines = [e for e in args.rust_engines.split(",") if e]
    peers = [e for e in args.peer_engines.split(",") if e]
    for e in peers:
        if e not in peer_types:
            p.error(f"unknown peer engine {e!r} (known: {', '.join(peer_types)})")
    if gpu:
        for e in engines:
            if e not in GPU_RUST_ENGINES:
                p.error(f"--rust-engines {e}: runs on the CPU only; on a GPU: {', '.join(GPU_RUST_ENGINES)}")
        if args.load_probe or args.speedup_probe:
            p.error("--load-probe and --speedup-probe measure the CPU: run them without --device")
    return stages, engines, peers, peer_types


def main():
    p = arg_parser()
    args = p.parse_args()
    if args.render:
        report = json.loads(args.render.read_text(encoding="utf-8"))
        if report.get("device", "cpu") != "cpu":
            write_markdown(args.markdown, markdown_gpu(report), GPU_BEGIN, GPU_END)
            return
        report["targets"] = {e: targets(report["rows"], e) for e in report["targets"]}
        write_markdown(args.markdown, markdown(report))
        return
    gpu = args.device != "cpu"
    stages, engines, peers, peer_types = plan(p, args)

    env = dict(os.environ)
    env.update(
        OMP_NUM_THREADS=str(args.threads),
        MKL_NUM_THREADS=str(args.threads),
        TOKENIZERS_PARALLELISM="false",
        TRANSFORMERS_VERBOSITY="error",
        PYTHONWARNINGS="ignore",
    )
    if args.dry_run:
        for rnd in range(args.rounds):
            for stage in stages:
                for cmd in round_commands(args, stage, rnd, engines, peers, peer_types):
                    print(shlex.join(cmd))
        return
    gpu_info = None
    if gpu:
        gpu_info = nvidia_smi("name,memory.total,driver_version", gpu_index(args.device))
        if gpu_info is None:
            print(f"run.py: --device {args.device}: nvidia-smi does not answer for GPU {gpu_index(args.device)} "
                  "(no NVIDIA driver or GPU here); run without --device for the CPU benchmark", file=sys.stderr)
            sys.exit(2)
        name, mem, driver = ([x.strip() for x in gpu_info.splitlines()[0].split(",")] + ["?", "?"])[:3]
        gpu_info = f"{name}, {mem} MiB, driver {driver}"
    ct2_check = "import ctranslate2"
    if gpu:
        ct2_check += f"; assert ctranslate2.get_cuda_device_count() > {gpu_index(args.device)}"
    if peers and subprocess.run([args.python, "-c", ct2_check], check=False,
                                capture_output=True).returncode != 0:
        why = "does not import or sees no CUDA GPU" if gpu else "does not import"
        print(f"run.py: skipping {', '.join(peers)}: ctranslate2 {why} in {args.python} "
              "(NEWSFRAME_FIXTURE_DEPS=1 scripts/setup installs it)", file=sys.stderr)
        peers = []
    started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")
    load_before = loadavg()
    load_seen = [load_before[0]]

    roof = None
    if not args.no_roofline and not gpu:
        out = subprocess.run(
            [args.python, str(HERE / "roofline.py"), "--models", str(args.models), "--threads", str(args.threads)],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        ).stdout
        roof = json.loads(out.strip().splitlines()[-1])
        print(f"roofline: peak {roof['peak_gflops']:.0f} GFLOP/s, read {roof['bandwidth']['read_gbs']:.1f} GB/s",
              file=sys.stderr)

    results = []
    sampler = GpuMemory(gpu_index(args.device)) if gpu else None
    rounds_run, t_start, t_round = 0, time.monotonic(), 0.0
    for rnd in range(args.rounds):
        elapsed = time.monotonic() - t_start
        if args.time_limit is not None and rnd > 0 and elapsed + t_round > args.time_limit:
            print(f"run.py: stopping after {rnd} round(s): another would end past --time-limit {args.time_limit:.0f} s "
                  f"({elapsed:.0f} s so far, {t_round:.0f} s a round)", file=sys.stderr)
            break
        for stage in stages:
            for cmd in round_commands(args, stage, rnd, engines, peers, peer_types):
                res = run_one(cmd, env, sampler)
                res["stage"] = stage  # the stage asked for (an analyze-batch process reports "analyze")
                results.append(res)
                load_seen.append(loadavg()[0])
                if args.runs_log:
                    with args.runs_log.open("a", encoding="utf-8") as log:
                        log.write(json.dumps(res) + "\n")
                on_gpu = f"  gpu {res['gpu_used_mib']:.0f} MiB" if res.get("gpu_used_mib") is not None else ""
                print(
                    f"round {rnd + 1} {stage:8} {res['engine']:14} {res[RATE_KEY[stage]]:.3f} {UNIT[stage]}"
                    f"  load {res['load_s']:.2f}s  rss {res['peak_rss_mb']:.0f} MiB{on_gpu}  "
                    f"(loadavg {load_seen[-1]:.2f})",
                    file=sys.stderr,
                )
        rounds_run, t_round = rnd + 1, time.monotonic() - t_start - elapsed

    loaders = []
    if args.load_probe:
        for model in ("mt5-base", "mdeberta-nli", "minilm-l12"):
            for loader in ("varstore", "pread"):
                cmd = [str(args.rust_bin), "--engine", "rust-bert", "--models", str(args.models), "--stage", "load",
                       "--model", model, "--loader", loader, "--threads", str(args.threads)]
                res = run_one(cmd, env)
                loaders.append(res)
                print(f"load {model:13} {loader:9} {res['load_s']:.2f}s rss {res['peak_rss_mb']:.0f} MiB "
                      f"checksum {res['checksum']:.6g}", file=sys.stderr)

    probe = None
    if args.speedup_probe:
        out = subprocess.run(
            [args.python, str(HERE / "probe_speedups.py"), "--models", str(args.models), "--threads",
             str(args.threads), "--rounds", str(args.probe_rounds)],
            check=True, capture_output=True, text=True, env=env,
        ).stdout
        probe = json.loads(out.strip().splitlines()[-1])
        print("speedup probe done", file=sys.stderr)

    profiles = {}
    if args.profiles and shutil.which("perf") and not gpu:
        for spec in args.profiles.split(","):
            stage, engine = spec.split(":")
            if engine not in engines:
                continue
            out = subprocess.run(
                [str(HERE / "profile.sh"), stage, engine, str(args.threads)],
                capture_output=True, text=True, env=env,
            )
            profiles[spec] = out.stdout.split("--- by kind (self time) ---")[-1].strip("\n") if out.returncode == 0 \
                else f"profile failed: {out.stderr[-500:]}"
            print(f"profiled {spec}", file=sys.stderr)

    suffix = f"-cuda:{gpu_index(args.device)}" if gpu else ""
    rows = summarize(results, roof, suffix)
    report = {
        "started": started,
        "finished": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"),
        "command": os.environ.get("BENCH_LAUNCHER", "scripts/bench/run.sh") + " "
        + " ".join(shlex.quote(a) for a in sys.argv[1:]),
        "machine": machine(),
        "threads": args.threads,
        "rounds": rounds_run,
        "load_before": load_before,
        "load_after": loadavg(),
        "load_seen": load_seen,
        "roofline": roof,
        "rows": rows,
        "targets": {e: targets(rows, e) for e in engines if e != "rust-bert"},
        "vs_ctranslate2_int8": versus_peer(rows),
        "vs_python_analyze": versus_python(rows),
        "runs": results,
        "loaders": loaders,
        "probe": probe,
        "profiles": profiles,
    }
    if gpu:
        # No CPU targets, roofline or probes; the ratios against CTranslate2 are in the markdown.
        report.update(targets={}, vs_ctranslate2_int8=[], vs_python_analyze=[], device=args.device, suffix=suffix,
                      gpu=gpu_info)
    render = markdown_gpu if gpu else markdown
    markers = (GPU_BEGIN, GPU_END) if gpu else (BEGIN, END)
    text = json.dumps(report, indent=1)
    print(text)
    if not args.no_write:
        args.json.write_text(text + "\n", encoding="utf-8")
        write_markdown(args.markdown, render(report), *markers)
    else:
        print(render(report), file=sys.stderr)


if __name__ == "__main__":
    main()
