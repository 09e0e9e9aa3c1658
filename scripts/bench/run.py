#!/usr/bin/env python3
"""Runs the engine benchmark: Rust, Python and CTranslate2 interleaved, medians, ratios, roofline.

Use scripts/bench/run.sh (it builds the models and the release binary first); this
script only orchestrates. Every measurement is a fresh process running one stage
(bench_python.py, bench_ctranslate2.py or the bench_engine example), so each has its own load time and
peak RSS (each reports its own: getrusage ru_maxrss / VmHWM). Each round reverses the engines'
order of the round before. Results: JSON on stdout (and --json FILE), and the tables between the
markers in docs/benchmarks.md (--markdown FILE; --no-write for smoke tests).
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
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
from make_models import cache_dir  # noqa: E402

RATE_KEY = {
    "greedy": "articles_per_s",
    "beam4": "articles_per_s",
    "nli": "pairs_per_s",
    "nli-raw": "pairs_per_s",
    "embed": "sentences_per_s",
    "analyze": "articles_per_s",
}
UNIT = {
    "greedy": "articles/s",
    "beam4": "articles/s",
    "nli": "pairs/s",
    "nli-raw": "pairs/s",
    "embed": "sentences/s",
    "analyze": "articles/s",
}
# Peer engines: CTranslate2 runs the mT5 stages only (it has no DeBERTa or pipeline of ours).
PEER_STAGES = ("greedy", "beam4")
PEER_COMPUTE_TYPE = {"ctranslate2-int8": "int8", "ctranslate2-f32": "float32"}
# CPU flags that decide which kernels the engines can use (recorded with every run).
SPEED_FLAGS = ("avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx_vnni", "avx512_bf16",
               "avx512_fp16", "amx_tile", "amx_bf16", "amx_int8")
ROOF = {"greedy": "greedy", "beam4": "beam4", "nli": "nli", "nli-raw": "nli", "embed": "embed", "analyze": "analyze"}
BEGIN, END = "<!-- bench:begin (written by scripts/bench/run.py) -->", "<!-- bench:end -->"


def loadavg():
    return os.getloadavg()


def run_one(cmd, env):
    """Runs one benchmark process; returns its JSON plus wall time and peak RSS."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"benchmark process failed ({proc.returncode}): {shlex.join(cmd)}\n{err[-3000:]}")
    line = [ln for ln in out.splitlines() if ln.startswith("{")][-1]
    res = json.loads(line)
    res["process_wall_s"] = wall
    return res


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


def summarize(results, roof):
    """Medians per (stage, engine), ratios against python, roofline fractions."""
    table = {}
    for r in results:
        key = (r["stage"], r["engine"])
        table.setdefault(key, []).append(r)
    rows = []
    stage_order = list(RATE_KEY)
    engine_order = ["python", "newsframe", "python-bf16", "newsframe-bf16", "newsframe-int8", "newsframe-t5",
                    "rust-bert",
                    "ctranslate2-int8", "ctranslate2-f32"]
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
        st = roof["stages"].get(ROOF[stage]) if roof else None
        if st and rate:
            row["hw_fraction"] = st["ideal_s_per_unit"] * rate
            row["gflops"] = st["flops_per_unit"] * rate / 1e9 if "flops_per_unit" in st else None
        py = table.get((stage, "python"))
        if py and engine != "python":
            py_rate = median([r[RATE_KEY[stage]] for r in py])
            row["speed_vs_python"] = rate / py_rate
            row["rss_vs_python"] = row["peak_rss_mb"] / median([r["peak_rss_mb"] for r in py])
            row["load_vs_python"] = row["load_s"] / median([r["load_s"] for r in py])
        py_bf16 = table.get((stage, "python-bf16"))
        if py_bf16 and engine == "newsframe-bf16":
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
    n = get("nli", engine)
    if n and "speed_vs_python" in n:
        out.append(("NLI >= 2x Python zero-shot pipeline pairs/s", n["speed_vs_python"], n["speed_vs_python"] >= 2.0))
    rss = [r["rss_vs_python"] for r in rows if r["engine"] == engine and "rss_vs_python" in r]
    if rss:
        out.append(("peak RSS <= 1.3x Python (worst stage)", max(rss), max(rss) <= 1.3))
    return out


def versus_peer(rows, peer="ctranslate2-int8", target=1.5):
    """Per mT5 stage: newsframe's fastest setting against the peer engine (issue target 1.5x)."""
    out = []
    for stage in PEER_STAGES:
        ours = [r for r in rows if r["stage"] == stage and r["engine"].startswith("newsframe") and r["rate"]]
        theirs = next((r for r in rows if r["stage"] == stage and r["engine"] == peer and r["rate"]), None)
        if ours and theirs:
            best = max(ours, key=lambda r: r["rate"])
            ratio = best["rate"] / theirs["rate"]
            out.append({"stage": stage, "engine": best["engine"], "ratio": ratio, "met": ratio >= target})
    return out


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
                stage=r["stage"],
                engine=r["engine"],
                rate=fmt(r["rate"], 3),
                unit=r["unit"],
                tok=fmt(r.get("tokens_per_s"), 1),
                vs=fmt(r.get("speed_vs_python")) + ("x" if r.get("speed_vs_python") else ""),
                rss=fmt(r["peak_rss_mb"], 0),
                rssv=fmt(r.get("rss_vs_python")),
                load=fmt(r["load_s"]),
                hw=fmt(100 * r["hw_fraction"], 0) + "%" if r.get("hw_fraction") else "-",
                runs=", ".join(fmt(x, 3) for x in r["rate_runs"]),
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
        "layers' weights int8 per output row, activations quantized per product by fbgemm; the rest "
        "float32); `rust-bert` = "
        "rust-bert's models called directly with the Python side's batches; `ctranslate2-int8` / "
        "`ctranslate2-f32` = CTranslate2 (`scripts/bench/bench_ctranslate2.py`) on the same mT5 converted "
        "with its converter (int8 / float32 weights), `Translator.translate_batch` on the same token ids "
        "(mT5 stages only). *% of HW limit* is "
        "against the float32 limits below and transformers' FLOP count (newsframe projects "
        "DeBERTa's relative positions once at load and multiplies only the position rows a batch "
        "uses), so it can exceed 100%.",
    ]
    like = [r for r in report["rows"] if r.get("speed_vs_python_bf16")]
    if like:
        lines += ["", "newsframe-bf16 against python-bf16 (both in bfloat16): " + "; ".join(
            f"{r['stage']} {r['speed_vs_python_bf16']:.2f}x" for r in like) + "."]
    peer = versus_peer(report["rows"])
    if peer:
        lines += ["", "newsframe vs CTranslate2 int8 (newsframe's fastest setting / `ctranslate2-int8`, target "
                  ">= 1.5x): " + "; ".join(
                      f"{p['stage']} {p['ratio']:.2f}x ({p['engine']}) — {'met' if p['met'] else 'NOT met'}"
                      for p in peer) + "."]
    logs = {}  # engine -> CTranslate2's load log (ISA, GEMM backends, compute type chosen on this CPU)
    for r in report.get("runs", []):
        if r.get("ctranslate2_backend"):
            logs.setdefault(r["engine"], (r["ctranslate2"], r["ctranslate2_backend"]))
    if logs:
        version, first = next(iter(logs.values()))
        shared = [ln for ln in first if "compute type" not in ln]
        chosen = [f"{e} {ln}" for e, (_, log) in logs.items() for ln in log if "compute type" in ln]
        lines += ["", f"CTranslate2 {version} on this CPU (its load log): " + "; ".join(shared + chosen) + "."]
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


def write_markdown(path, body):
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    block = f"{BEGIN}\n{body}{END}"
    if BEGIN in text and END in text:
        pre, rest = text.split(BEGIN, 1)
        post = rest.split(END, 1)[1]
        text = pre + block + post
    else:
        text = (text.rstrip() + "\n\n" if text else "# Benchmarks\n\n") + block + "\n"
    path.write_text(text, encoding="utf-8")


def main():
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
        default="newsframe,newsframe-bf16,newsframe-int8,rust-bert",
        help="comma list of engines (newsframe: the library's engine as the analysis stages use "
        "it, float32; newsframe-bf16 / newsframe-int8: the same with --precision bf16 / int8 "
        "(int8 on --int8-stages only); newsframe-t5: the T5 "
        "generator called directly; rust-bert: rust-bert's generator/models called directly, "
        "the baseline)",
    )
    p.add_argument(
        "--peer-engines",
        default=",".join(PEER_COMPUTE_TYPE),
        help="comma list of peer engines on the mT5 stages: ctranslate2-int8, ctranslate2-f32 "
        "(skipped with a message when ctranslate2 does not import; '' for none)",
    )
    p.add_argument(
        "--bf16-stages",
        default="greedy,beam4,nli,embed,analyze",
        help="stages newsframe-bf16 (and python-bf16) run",
    )
    p.add_argument(
        "--int8-stages",
        default="greedy,beam4,nli,embed,analyze",
        help="stages newsframe-int8 runs",
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
    p.add_argument("--stages", default="greedy,beam4,nli,nli-raw,embed,analyze")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--articles", type=int, default=1, help="articles per greedy / analyze run")
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
    p.add_argument("--json", type=Path, default=REPO / "docs/benchmarks.json")
    p.add_argument("--render", type=Path, help="only rewrite the markdown from a saved JSON report")
    args = p.parse_args()
    if args.render:
        report = json.loads(args.render.read_text(encoding="utf-8"))
        report["targets"] = {e: targets(report["rows"], e) for e in report["targets"]}
        write_markdown(args.markdown, markdown(report))
        return

    env = dict(os.environ)
    env.update(
        OMP_NUM_THREADS=str(args.threads),
        MKL_NUM_THREADS=str(args.threads),
        TOKENIZERS_PARALLELISM="false",
        TRANSFORMERS_VERBOSITY="error",
        PYTHONWARNINGS="ignore",
    )
    stages = [s for s in args.stages.split(",") if s]
    engines = [e for e in args.rust_engines.split(",") if e]
    peers = [e for e in args.peer_engines.split(",") if e]
    for e in peers:
        if e not in PEER_COMPUTE_TYPE:
            p.error(f"unknown peer engine {e!r} (known: {', '.join(PEER_COMPUTE_TYPE)})")
    if peers and subprocess.run([args.python, "-c", "import ctranslate2"], check=False,
                                capture_output=True).returncode != 0:
        print(f"run.py: skipping {', '.join(peers)}: ctranslate2 does not import in {args.python} "
              "(NEWSFRAME_FIXTURE_DEPS=1 scripts/setup installs it)", file=sys.stderr)
        peers = []
    started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")
    load_before = loadavg()
    load_seen = [load_before[0]]

    roof = None
    if not args.no_roofline:
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

    def articles_for(stage):
        return {"beam4": args.beam_articles, "nli": args.nli_articles, "nli-raw": args.nli_articles}.get(
            stage, args.articles
        )

    results = []
    for rnd in range(args.rounds):
        for stage in stages:
            common = ["--stage", stage, "--articles", str(articles_for(stage)), "--threads", str(args.threads),
                      "--new-tokens", str(args.new_tokens)]
            cmds = [[args.python, str(HERE / "bench_python.py"), "--models", str(args.models)] + common]
            if args.python_bf16 and stage in args.bf16_stages.split(","):
                cmds.append(cmds[0] + ["--precision", "bf16"])
            if stage != "nli-raw":
                for e in engines:
                    if e == "rust-bert" and stage not in args.baseline_stages.split(","):
                        continue
                    if e == "newsframe-t5" and stage not in args.t5_stages.split(","):
                        continue
                    if e == "newsframe-bf16" and stage not in args.bf16_stages.split(","):
                        continue
                    if e == "newsframe-int8" and stage not in args.int8_stages.split(","):
                        continue
                    precision = {"newsframe-bf16": "bf16", "newsframe-int8": "int8"}.get(e)
                    engine = ["--engine", "newsframe", "--precision", precision] if precision \
                        else ["--engine", e]
                    cmds.append([str(args.rust_bin)] + engine + ["--models", str(args.models)] + common)
            if stage in PEER_STAGES:
                for e in peers:
                    cmds.append([args.python, str(HERE / "bench_ctranslate2.py"), "--models", str(args.models),
                                 "--compute-type", PEER_COMPUTE_TYPE[e]] + common)
            if rnd % 2 == 1:
                cmds.reverse()
            for cmd in cmds:
                res = run_one(cmd, env)
                results.append(res)
                load_seen.append(loadavg()[0])
                print(
                    f"round {rnd + 1} {stage:8} {res['engine']:14} {res[RATE_KEY[stage]]:.3f} {UNIT[stage]}"
                    f"  load {res['load_s']:.2f}s  rss {res['peak_rss_mb']:.0f} MiB  (loadavg {load_seen[-1]:.2f})",
                    file=sys.stderr,
                )

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
    if args.profiles and shutil.which("perf"):
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

    rows = summarize(results, roof)
    report = {
        "started": started,
        "finished": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"),
        "command": "scripts/bench/run.sh " + " ".join(shlex.quote(a) for a in sys.argv[1:]),
        "machine": machine(),
        "threads": args.threads,
        "rounds": args.rounds,
        "load_before": load_before,
        "load_after": loadavg(),
        "load_seen": load_seen,
        "roofline": roof,
        "rows": rows,
        "targets": {e: targets(rows, e) for e in engines if e != "rust-bert"},
        "vs_ctranslate2_int8": versus_peer(rows),
        "runs": results,
        "loaders": loaders,
        "probe": probe,
        "profiles": profiles,
    }
    text = json.dumps(report, indent=1)
    print(text)
    if not args.no_write:
        args.json.write_text(text + "\n", encoding="utf-8")
        write_markdown(args.markdown, markdown(report))
    else:
        print(markdown(report), file=sys.stderr)


if __name__ == "__main__":
    main()
