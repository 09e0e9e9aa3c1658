#!/usr/bin/env bash
# The GPU benchmark in one command, for a machine with an NVIDIA GPU: newsframe's engine
# (--device cuda, f32 and bf16) against transformers pipelines (f32, bf16) and CTranslate2
# on the same GPU, with the models and inputs of the CPU benchmark (scripts/bench/run.sh).
#
#     scripts/bench/gpu.sh                 # rounds as fit in GPU_BENCH_SECONDS (480) from its start
#     GPU_BENCH_SECONDS=900 scripts/bench/gpu.sh --rounds 5    # more time; other arguments go to run.py
#
# Steps, each skipped where its result is there already:
#   1. nvidia-smi must list the GPU, and the Python's torch must see it (exit 2 otherwise);
#   2. the benchmark models (make_models.py, ~4.5 GB under ${NEWSFRAME_CACHE:-~/.cache/newsframe});
#   3. mt5-base converted for CTranslate2 when it imports (its rows are left out otherwise);
#   4. target/release/examples/bench_engine: built with cargo only where it is missing, then
#      checked to start and to see the GPU (it needs the libtorch it was built against:
#      scripts/setup's torch 2.4.0 venv);
#   5. scripts/bench/run.py --device cuda: stages greedy, beam4, nli, embed, analyze; every
#      process on the GPU; up to 3 interleaved rounds, as many as fit in GPU_BENCH_SECONDS
#      (default 480) from this script's start (run.py --time-limit; one round always runs).
#
# Outputs: with $OUT set (a folder), $OUT/benchmarks-gpu.json (the report),
# $OUT/benchmarks.md (docs/benchmarks.md with its GPU section filled), $OUT/gpu-runs.jsonl
# (each run as it ends: kept where the run is cut short) and $OUT/gpu.log; without $OUT,
# docs/benchmarks-gpu.json and the GPU section of docs/benchmarks.md. To take a report
# from $OUT into the docs: cp it to docs/benchmarks-gpu.json, then
# `scripts/bench/run.py --render docs/benchmarks-gpu.json`.
#
# Python: $PYTHON, else scripts/setup's venv, else python3 (torch with CUDA, transformers,
# sentencepiece; ctranslate2 for its rows). Exit codes: 0 done, 2 no GPU or a missing
# prerequisite (named), else run.py's.
set -euo pipefail
cd "$(dirname "$0")/../.."
T0=$SECONDS
BUDGET="${GPU_BENCH_SECONDS:-480}"

fail() {
    echo "gpu.sh: $*" >&2
    exit 2
}
step() {
    echo "gpu.sh: [$((SECONDS - T0)) s] $*" >&2
}

# 1. The GPU.
command -v nvidia-smi >/dev/null ||
    fail "no NVIDIA GPU here: nvidia-smi is not installed. The CPU benchmark is scripts/bench/run.sh"
GPU=$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1) ||
    fail "no NVIDIA GPU here: nvidia-smi says: ${GPU%.}. The CPU benchmark is scripts/bench/run.sh"
[[ -n "$GPU" ]] || fail "nvidia-smi lists no GPU. The CPU benchmark is scripts/bench/run.sh"
step "GPU: $GPU"

CACHE="${NEWSFRAME_CACHE:-$HOME/.cache/newsframe}"
if [[ -n "${PYTHON:-}" ]]; then
    PY="$PYTHON"
elif [[ -x "$CACHE/torch-2.4.0-py311/bin/python" ]]; then
    PY="$CACHE/torch-2.4.0-py311/bin/python"
else
    PY=python3
fi
"$PY" -c "import torch, transformers, sentencepiece" 2>/dev/null ||
    fail "$PY lacks torch, transformers or sentencepiece (NEWSFRAME_FIXTURE_DEPS=1 scripts/setup installs them; or set PYTHON)"
WHY=$("$PY" -c "
import torch
if not torch.cuda.is_available():
    print(f'torch {torch.__version__} sees no CUDA GPU: '
          + ('a CPU-only build' if torch.version.cuda is None else
             f'built for CUDA {torch.version.cuda}; no driver or GPU it can use'))
") || WHY="$PY cannot import torch"
[[ -z "$WHY" ]] || fail "$PY: $WHY"
step "Python: $PY ($("$PY" -c 'import torch, transformers; print("torch", torch.__version__, "transformers", transformers.__version__)'))"

# 2. The models.
MODELS="$CACHE/bench-models"
if [[ ! -f "$MODELS/inputs.json" || ! -f "$MODELS/mt5-base/model.safetensors" ]]; then
    step "building the benchmark models in $MODELS"
    "$PY" scripts/bench/make_models.py --out "$MODELS" >&2
fi

# 3. CTranslate2's conversion (its rows are left out where it does not import or convert).
PEERS=()
if "$PY" -c "import ctranslate2" 2>/dev/null; then
    step "converting mt5-base for CTranslate2 where needed"
    "$PY" scripts/bench/bench_ctranslate2.py --convert --models "$MODELS" >&2 || {
        echo "gpu.sh: CTranslate2's conversion failed: its rows are left out" >&2
        PEERS=(--peer-engines '')
    }
else
    echo "gpu.sh: ctranslate2 does not import in $PY: its rows are left out" >&2
fi

# 4. The Rust side.
BIN=target/release/examples/bench_engine
if [[ ! -x "$BIN" ]]; then
    command -v cargo >/dev/null ||
        fail "$BIN is missing and cargo is not here: build it where scripts/setup ran (cargo build --release --example bench_engine) and bring target/release along"
    step "building $BIN"
    cargo build --release --example bench_engine >&2
fi
# Errors without backtraces: the first lines say what went wrong.
export RUST_BACKTRACE=0
if ! ERR=$("$BIN" --stage embed --device cuda --models "$MODELS" --threads 2 2>&1 >/dev/null); then
    fail "$BIN cannot run on the GPU: $(head -n 3 <<<"$ERR")
(it needs the libtorch 2.4.0 it was built against, a CUDA build: scripts/setup's venv)"
fi

# 5. The benchmark.
RUNS=()
if [[ -n "${OUT:-}" ]]; then
    mkdir -p "$OUT"
    JSON="$OUT/benchmarks-gpu.json" MD="$OUT/benchmarks.md" LOG="$OUT/gpu.log"
    cp docs/benchmarks.md "$MD"
    : >"$OUT/gpu-runs.jsonl"
    RUNS=(--runs-log "$OUT/gpu-runs.jsonl")
else
    JSON=docs/benchmarks-gpu.json MD=docs/benchmarks.md LOG=/dev/null
fi
LIMIT=$((BUDGET - (SECONDS - T0) - 20))
((LIMIT > 0)) || LIMIT=1
step "running scripts/bench/run.py --device cuda (rounds within ${LIMIT} s)"
# run.py's JSON goes to $JSON; its progress (stderr) to the terminal and $LOG.
BENCH_LAUNCHER="scripts/bench/gpu.sh: run.py" PYTHONUNBUFFERED=1 \
    "$PY" scripts/bench/run.py --device cuda --models "$MODELS" --python "$PY" --rust-bin "$BIN" \
    --stages greedy,beam4,nli,embed,analyze --rounds 3 --time-limit "$LIMIT" \
    --articles 2 --beam-articles 1 --nli-articles 2 \
    --json "$JSON" --markdown "$MD" ${RUNS[@]+"${RUNS[@]}"} ${PEERS[@]+"${PEERS[@]}"} "$@" \
    2>&1 >/dev/null | tee -a "$LOG" >&2
step "done: $JSON and the GPU section of $MD"
