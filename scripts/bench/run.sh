#!/usr/bin/env bash
# Engine benchmark: newsframe's transformer engine (Rust, libtorch 2.4.0) against
# Hugging Face transformers, and on the mT5 stages CTranslate2, on the same models,
# inputs, batches and threads.
#
#     scripts/bench/run.sh                 # full run: 3 interleaved rounds, ~25 min
#     scripts/bench/run.sh --rounds 1 --articles 1 --nli-articles 1 --no-write   # smoke test
#
# Steps: builds the benchmark models once (scripts/bench/make_models.py: real shapes,
# random weights, ~4 GB under ${NEWSFRAME_CACHE:-~/.cache/newsframe}/bench-models),
# converts mt5-base for CTranslate2 once when it is installed (bench_ctranslate2.py
# --convert: int8 and float32, ~2.9 GB more), builds the Rust side in release mode
# (examples/bench_engine.rs; BENCH_PROFILE=debug builds a debug binary instead, for
# smoke tests only: its numbers are not comparable), then runs
# scripts/bench/run.py, which measures the hardware limits (roofline.py), runs each
# stage of each engine in its own process, alternating the order, and writes the
# medians, Rust/Python ratios and roofline fractions to docs/benchmarks.md (between
# its markers) and docs/benchmarks.json. Other arguments go to run.py (--help).
#
# Needs: scripts/setup done (libtorch), and a Python with torch 2.4.0 +
# transformers 4.57 + sentencepiece (+ ctranslate2 for its rows; all installed by
# NEWSFRAME_FIXTURE_DEPS=1 scripts/setup), taken from $PYTHON or the setup venv. Measure on an otherwise idle machine: the report
# records the load average.
set -euo pipefail
cd "$(dirname "$0")/../.."

CACHE="${NEWSFRAME_CACHE:-$HOME/.cache/newsframe}"
PY="${PYTHON:-$CACHE/torch-2.4.0-py311/bin/python}"
MODELS="$CACHE/bench-models"

"$PY" -c "import torch, transformers, sentencepiece" 2>/dev/null || {
    echo "run.sh: $PY lacks torch/transformers/sentencepiece; run NEWSFRAME_FIXTURE_DEPS=1 scripts/setup" >&2
    exit 2
}
if [[ ! -f "$MODELS/inputs.json" || ! -f "$MODELS/mt5-base/model.safetensors" ]]; then
    "$PY" scripts/bench/make_models.py --out "$MODELS" >&2
fi
if "$PY" -c "import ctranslate2" 2>/dev/null; then
    "$PY" scripts/bench/bench_ctranslate2.py --convert --models "$MODELS" >&2
fi
if [[ "${BENCH_PROFILE:-release}" == release ]]; then
    cargo build --release --example bench_engine >&2
    RUST_BIN=()
else
    cargo build --example bench_engine >&2
    RUST_BIN=(--rust-bin target/debug/examples/bench_engine)
fi
BENCH_PYTHON="$PY" BENCH_MODELS="$MODELS" exec "$PY" scripts/bench/run.py ${RUST_BIN[@]+"${RUST_BIN[@]}"} "$@"
