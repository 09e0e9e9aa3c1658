#!/usr/bin/env bash
# Where the time of one benchmark stage goes, from `perf` samples of the Rust side.
#
#     scripts/bench/profile.sh [STAGE] [ENGINE] [THREADS]   # defaults: greedy newsframe 2
#
# Records target/release/examples/bench_engine (build it with scripts/bench/run.sh or
# `cargo build --release --example bench_engine`) on one article and prints the
# hottest symbols (self time) and the share of the matmul kernels, OpenMP waiting
# and memory copies. Needs `perf` (Debian: apt-get install linux-perf) and
# permission to sample (kernel.perf_event_paranoid <= 1, or root).
set -euo pipefail
cd "$(dirname "$0")/../.."
STAGE="${1:-greedy}"
ENGINE="${2:-newsframe}"
THREADS="${3:-2}"
BIN=target/release/examples/bench_engine
OUT="${TMPDIR:-/tmp}/newsframe-bench-$STAGE-$ENGINE.perf"
[[ -x "$BIN" ]] || { echo "profile.sh: build $BIN first (scripts/bench/run.sh)" >&2; exit 2; }
command -v perf >/dev/null || { echo "profile.sh: perf not found (apt-get install linux-perf)" >&2; exit 2; }

OMP_NUM_THREADS="$THREADS" MKL_NUM_THREADS="$THREADS" \
    perf record -q -F 499 -o "$OUT" -- "$BIN" --engine "$ENGINE" --stage "$STAGE" --articles 1 --threads "$THREADS"
perf report -i "$OUT" --no-children --sort dso,symbol --percent-limit 0.7 --stdio 2>/dev/null |
    grep -v '^#' | grep -v '^$' | head -40
echo "--- grouped (self time) ---"
perf report -i "$OUT" --no-children --sort symbol --stdio 2>/dev/null | grep -v '^#' | awk '
    /%/ { p = $1 + 0; s = $0
          if (s ~ /sgemm|gemm_kernel|brgemm|jit_avx|mkl_blas|sgemv|gemv/) g["matmul kernels (MKL/oneDNN)"] += p
          else if (s ~ /gomp|omp_|kmp|GOMP|__kmp/) g["OpenMP runtime (waiting, scheduling)"] += p
          else if (s ~ /memcpy|memmove|copy_|cat_|index_select|clone/) g["copies (memcpy, copy_, cat, index_select)"] += p
          else if (s ~ /softmax|exp|tanh|gelu|erf/) g["activations / softmax"] += p
          else g["other"] += p }
    END { for (k in g) printf "%6.1f%%  %s\n", g[k], k }' | sort -rn
