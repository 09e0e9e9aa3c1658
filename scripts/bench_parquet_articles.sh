#!/usr/bin/env sh
# Resource benchmark for `analyze --format parquet`: N seeded short articles
# (scripts/make_short_articles.py; default 100,000) with the builtin engine,
# written as Parquet tables and, for comparison, as JSON lines. Prints wall
# time and peak RSS (GNU time) of each run, and the rows written.
#
# Usage: scripts/bench_parquet_articles.sh [N] [OUT_DIR]   (from the repository root)
# Needs: python3, /usr/bin/time (GNU time), a release build.
set -eu
cd "$(dirname "$0")/.."
n=${1:-100000}
out=${2:-target/bench-parquet}
mkdir -p "$out"
cargo build --release --quiet
bin=target/release/newsframe
python3 scripts/make_short_articles.py "$n" "$out/articles-$n.jsonl"
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p')"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf "$out/tables-$n"
/usr/bin/time -f "parquet: wall %e s, peak RSS %M KB, exit %x" \
    "$bin" analyze --engine builtin --actors data/actors/venezuela.toml \
    "$out/articles-$n.jsonl" --format parquet --out "$out/tables-$n" 2>"$out/parquet.stderr" || true
tail -n 1 "$out/parquet.stderr"
ls -l "$out/tables-$n"
/usr/bin/time -f "jsonl: wall %e s, peak RSS %M KB, exit %x" \
    "$bin" analyze --engine builtin --actors data/actors/venezuela.toml \
    "$out/articles-$n.jsonl" --out "$out/records-$n.jsonl" 2>"$out/jsonl.stderr" || true
tail -n 1 "$out/jsonl.stderr"
echo "records: $(wc -l <"$out/records-$n.jsonl")"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
