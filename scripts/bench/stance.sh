#!/usr/bin/env bash
# Stance throughput: the target-sentiment classifier (--stance-model) against
# zero-shot NLI (the default transformer stance) on the same mentions, with the
# same mDeBERTa-v3-base-shaped random encoder, f32, bf16 and int8, 2 threads.
#
#     scripts/bench/stance.sh [--mentions N] [--rounds R]
#
# Builds the encoder once with make_models.py (mdeberta-nli: random weights,
# real shapes, under ${NEWSFRAME_CACHE:-~/.cache/newsframe}/bench-models), makes
# mdeberta-stance/ beside it (the same weights and tokenizer; config.json with
# the labels negative/neutral/positive), writes the mentions (benchmark corpus
# sentences, each with one of the corpus actors; see corpus.py) and runs
# examples/bench_stance.rs once per engine and precision per round, alternating
# the order. Prints one JSON line per run; the figure is mentions per second.
# Note the CPU model and the load average with the numbers (printed first).
set -euo pipefail
cd "$(dirname "$0")/../.."

MENTIONS=48
ROUNDS=1
while [[ $# -gt 0 ]]; do
    case "$1" in
        --mentions) MENTIONS="$2"; shift 2 ;;
        --rounds) ROUNDS="$2"; shift 2 ;;
        *) echo "stance.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

CACHE="${NEWSFRAME_CACHE:-$HOME/.cache/newsframe}"
PY="${PYTHON:-$CACHE/torch-2.4.0-py311/bin/python}"
MODELS="$CACHE/bench-models"

if [[ ! -f "$MODELS/mdeberta-nli/model.safetensors" ]]; then
    # --only builds that model, then stops at inputs.json (it needs mt5-base).
    "$PY" scripts/bench/make_models.py --out "$MODELS" --only mdeberta-nli >&2 || true
    [[ -f "$MODELS/mdeberta-nli/model.safetensors" ]] || { echo "stance.sh: building mdeberta-nli failed" >&2; exit 2; }
fi
"$PY" - "$MODELS" <<'PYEOF'
import json, os, sys
from pathlib import Path
sys.path.insert(0, "scripts/bench")
import corpus

models = Path(sys.argv[1])
nli, stance = models / "mdeberta-nli", models / "mdeberta-stance"
stance.mkdir(exist_ok=True)
for f in nli.iterdir():
    if f.name != "config.json" and not (stance / f.name).exists():
        os.symlink(f, stance / f.name)
config = json.loads((nli / "config.json").read_text())
labels = {"0": "negative", "1": "neutral", "2": "positive"}
config["id2label"] = labels
config["label2id"] = {v: int(k) for k, v in labels.items()}
(stance / "config.json").write_text(json.dumps(config, indent=1))
articles, origin = corpus.load_articles()
mentions = [
    {"sentence": s, "actor": corpus.ACTORS[i % len(corpus.ACTORS)]}
    for i, s in enumerate(s for a in articles for s in corpus.sentences(a["text"]))
]
(models / "stance_inputs.json").write_text(json.dumps({"origin": origin, "mentions": mentions}))
PYEOF
# BENCH_PROFILE=debug skips the release build: the time is in libtorch's
# kernels either way (the JSON's tokenize_s shows the Rust-side share).
PROFILE="${BENCH_PROFILE:-release}"
if [[ "$PROFILE" == release ]]; then
    cargo build --release --example bench_stance >&2
else
    cargo build --example bench_stance >&2
    PROFILE=debug
fi
echo "{\"cpu\": \"$(lscpu | sed -n 's/^Model name: *//p')\", \"profile\": \"$PROFILE\", \"load_average\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
BIN="target/$PROFILE/examples/bench_stance"
for round in $(seq "$ROUNDS"); do
    order=(nli classifier)
    (( round % 2 == 0 )) && order=(classifier nli)
    for precision in f32 bf16 int8; do
        for engine in "${order[@]}"; do
            "$BIN" --models "$MODELS" --engine "$engine" --precision "$precision" \
                --threads 2 --mentions "$MENTIONS"
        done
    done
done
echo "{\"load_average_after\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
