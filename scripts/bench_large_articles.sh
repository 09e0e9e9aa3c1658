#!/usr/bin/env sh
# Resource benchmark for oversized inputs: `analyze --engine builtin` on
# generated 1 MB, 5 MB and 50 MB articles, each alone and all three in one
# batch, under a 4 GB address-space limit (prlimit). Prints wall time, peak
# RSS and exit status per run (GNU time), and the error record of any
# article refused. The 50 MB article is over the default --max-article-bytes
# (10 MB): the batch run shows it failing alone while the others finish;
# the last run raises the limit to show the 50 MB article itself.
#
# Usage: scripts/bench_large_articles.sh [OUT_DIR]   (from the repository root)
# Needs: python3, prlimit (util-linux), /usr/bin/time (GNU time), a release build.
set -eu
cd "$(dirname "$0")/.."
out=${1:-target/bench-large}
mkdir -p "$out"
cargo build --release --quiet
bin=target/release/newsframe
python3 scripts/make_large_articles.py "$out/articles" 1 5 50 >/dev/null
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p')"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
run() {
    label=$1
    shift
    /usr/bin/time -f "$label: wall %e s, peak RSS %M KB, exit %x" \
        prlimit --as=4294967296 "$bin" analyze --engine builtin \
        --actors data/actors/venezuela.toml --format jsonl "$@" \
        >"$out/$label.jsonl" 2>"$out/$label.stderr" || true
    tail -n 1 "$out/$label.stderr"
    grep -h '"error"' "$out/$label.jsonl" | cut -c1-200 || true
}
for size in 1 5 50; do
    run "alone-${size}mb" "$out/articles/large-${size}mb.txt"
done
run batch "$out/articles"
run alone-50mb-no-limit --max-article-bytes 0 "$out/articles/large-50mb.txt"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
