#!/usr/bin/env sh
# Resource benchmark of `newsframe compare` on N synthetic records (default
# 100000; see scripts/make_compare_records.py): wall time and peak RSS (GNU
# time) for the Markdown, CSV and JSON reports from the JSONL records, and
# for the JSON report from the same records as Parquet tables (converted by
# examples/records_to_parquet.rs); the two JSON reports must hold the same
# sections.
# One story, grouped by outlet.
#
# Usage: scripts/bench_compare.sh [N] [OUT_DIR]   (from the repository root)
#   OUTLETS=60 ACTORS=12 scripts/bench_compare.sh 1000000   # more cells
#   PROFILE=debug ...                                      # the debug build
# Needs: python3, /usr/bin/time (GNU time), a release build.
set -eu
cd "$(dirname "$0")/.."
n=${1:-100000}
out=${2:-target/bench-compare}
outlets=${OUTLETS:-12}
actors=${ACTORS:-5}
profile=${PROFILE:-release}
mkdir -p "$out"
if [ "$profile" = release ]; then
    cargo build --release --quiet --bin newsframe --example records_to_parquet
else
    cargo build --quiet --bin newsframe --example records_to_parquet
fi
bin=target/$profile/newsframe
name="$n-$outlets-$actors"
records="$out/records-$name.jsonl"
tables="$out/tables-$name"
[ -f "$records" ] || python3 scripts/make_compare_records.py "$n" "$records" \
    --outlets "$outlets" --actors "$actors"
[ -f "$tables/actors.parquet" ] || "target/$profile/examples/records_to_parquet" "$records" "$tables"
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'), $profile build"
echo "records: $n, $outlets outlets x $actors actors ($(du -h "$records" | cut -f1) JSONL, $(du -sh "$tables" | cut -f1) Parquet)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
run() { # label, input, format
    SOURCE_DATE_EPOCH=0 /usr/bin/time -f "compare $1 --format $3: wall %e s, peak RSS %M KB, exit %x" \
        "$bin" compare "$2" --format "$3" --out "$out/report-$name-$1.$3" \
        2>"$out/compare-$1-$3.stderr" || true
    tail -n 1 "$out/compare-$1-$3.stderr"
}
run jsonl "$records" md
run jsonl "$records" csv
run jsonl "$records" json
run parquet "$tables" json
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$out/report-$name-jsonl.json" "$out/report-$name-parquet.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
same = a["sections"] == b["sections"] and a["failed"] == b["failed"]
print("JSONL and Parquet give the same sections:", same)
sys.exit(0 if same else 1)
PY
