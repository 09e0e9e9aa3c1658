#!/usr/bin/env sh
# Times sentence segmentation on 1 MB and 5 MB articles (one huge paragraph,
# and many short ones) to check that it scales linearly: 5 MB should take
# about five times as long as 1 MB. Prints seconds for sentencex alone,
# sentencex plus the project's rules, and the whole preprocessing stage.
#
# Usage: scripts/bench_segment.sh        (from the repository root)
# Needs no models: it builds without the transformer engine.
set -eu
cd "$(dirname "$0")/.."
exec cargo run --quiet --release --no-default-features --example bench_segment
