#!/usr/bin/env sh
# Resource benchmark of `newsframe compare` on N synthetic records (default
# 100000; see scripts/make_compare_records.py): wall time and peak RSS (GNU
# time) for the Markdown and CSV reports, one story, grouped by outlet.
#
# Usage: scripts/bench_compare.sh [N] [OUT_DIR]   (from the repository root)
# Needs: python3, /usr/bin/time (GNU time), a release build.
set -eu
cd "$(dirname "$0")/.."
n=${1:-100000}
out=${2:-target/bench-compare}
mkdir -p "$out"
cargo build --release --quiet
bin=target/release/newsframe
records="$out/records-$n.jsonl"
[ -f "$records" ] || python3 scripts/make_compare_records.py "$n" "$records"
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p')"
echo "records: $n ($(du -h "$records" | cut -f1))"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for format in md csv; do
    /usr/bin/time -f "compare --format $format: wall %e s, peak RSS %M KB, exit %x" \
        "$bin" compare "$records" --format "$format" --out "$out/report-$n.$format" \
        2>"$out/compare-$format.stderr" || true
    tail -n 1 "$out/compare-$format.stderr"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
