#!/usr/bin/env bash
# Where the time of one benchmark stage goes, from `perf` samples of the Rust side.
#
#     scripts/bench/profile.sh [STAGE] [ENGINE] [THREADS]   # defaults: greedy newsframe 2
#
# Records target/release/examples/bench_engine (build it with scripts/bench/run.sh or
# `cargo build --release --example bench_engine`) on one article, sampling only after
# the models are loaded, and prints the hottest symbols (self time) and their share
# by kind: matmul kernels, OpenMP runtime, copies. Needs `perf` (Debian:
# apt-get install linux-perf) and permission to sample (perf_event_paranoid <= 1, or root).
set -euo pipefail
cd "$(dirname "$0")/../.."
STAGE="${1:-greedy}"
ENGINE="${2:-newsframe}"
THREADS="${3:-2}"
BIN=target/release/examples/bench_engine
[[ -x "$BIN" ]] || { echo "profile.sh: build $BIN first (scripts/bench/run.sh)" >&2; exit 2; }
command -v perf >/dev/null || { echo "profile.sh: perf not found (apt-get install linux-perf)" >&2; exit 2; }
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkfifo "$WORK/ctl" "$WORK/ack"

# perf starts with sampling disabled; bench_engine enables it after loading.
BENCH_PERF_CTL="$WORK/ctl" OMP_NUM_THREADS="$THREADS" MKL_NUM_THREADS="$THREADS" \
    perf record -q -F 499 -D -1 --control "fifo:$WORK/ctl,$WORK/ack" -o "$WORK/perf.data" -- \
    "$BIN" --engine "$ENGINE" --stage "$STAGE" --articles 1 --threads "$THREADS" ${PRECISION:+--precision "$PRECISION"}
perf report -i "$WORK/perf.data" --no-children --sort dso,symbol --percent-limit 1 --stdio 2>/dev/null |
    grep -v '^#' | grep -v '^$' | sed -E 's/ +$//' | cut -c1-160 | head -25
echo "--- by kind (self time) ---"
perf report -i "$WORK/perf.data" --no-children --sort dso,symbol --stdio 2>/dev/null | grep -v '^#' | awk '
    /%/ { p = $1 + 0; s = $0
          if (s ~ /gemv/) g["matrix-vector kernels (decoding: MKL sgemv)"] += p
          else if (s ~ /sgemm|gemm_kernel|brgemm|jit_avx|mkl_blas|fbgemm/) g["matrix-matrix kernels (MKL/oneDNN)"] += p
          else if (s ~ /libgomp|gomp|omp_|kmp|GOMP/) g["OpenMP runtime (threads waiting at barriers)"] += p
          else if (s ~ /memcpy|memmove|copy_|cat_|index_select|clone|clear_page/) g["copies and page clearing"] += p
          else if (s ~ /softmax|exp|tanh|gelu|erf/) g["activations, softmax"] += p
          else g["other"] += p }
    END { for (k in g) printf "%6.1f%%  %s\n", g[k], k }' | sort -rn
