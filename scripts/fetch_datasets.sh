#!/usr/bin/env bash
# Downloads public evaluation datasets in the formats `newsframe eval` reads.
# Needs internet access (the Hugging Face hub and GitHub) and a Python with
# the `datasets` package for the hub-hosted sets:
#
#     python3 -m venv ~/.cache/newsframe/datasets-venv
#     ~/.cache/newsframe/datasets-venv/bin/pip install datasets
#     PYTHON=~/.cache/newsframe/datasets-venv/bin/python scripts/fetch_datasets.sh xlsum:spanish cnndm
#
# Usage: scripts/fetch_datasets.sh [DATASET...]   (default: all)
#   xlsum[:LANGUAGE]   XL-Sum test split, one language (default english), JSONL
#   mlsum[:LANG]       MLSUM test split (de, es, fr, ru, tu; default de), JSONL
#   cnndm              CNN/DailyMail 3.0.0 test split, JSONL
#   xstance            X-Stance test split (de, fr, it), JSONL
#   newsmtsc           NewsMTSC devtest files, JSONL
#   semeval            SemEval-2016 Task 6: prints where to get it (manual)
#
# Files go to ${NEWSFRAME_DATA:-data/external}/ (ignored by git: these sets
# are not redistributed with newsframe). Each is scored with, e.g.:
#     newsframe eval summarize data/external/xlsum-spanish-test.jsonl --lang es
#     newsframe eval stance data/external/xstance-test.jsonl --pred my-preds.jsonl
#
# Sources and licenses (check the dataset cards before use; all of these
# restrict or condition use, several to non-commercial research):
#   XL-Sum        csebuetnlp/xlsum (hub)            CC BY-NC-SA 4.0
#   MLSUM         reciTAL/mlsum (hub)               research use; see its card
#   CNN/DailyMail abisee/cnn_dailymail 3.0.0 (hub)  Apache-2.0 (card); articles (c) CNN / Daily Mail
#   X-Stance      ZurichNLP/x_stance (hub)          CC BY-NC 4.0
#   NewsMTSC      github.com/fhamborg/NewsMTSC      see the repository's license
#   SemEval-2016  saifmohammad.com (Task 6 page)    research use; tweets under X/Twitter terms
set -euo pipefail

PYTHON=${PYTHON:-python3}
OUT=${NEWSFRAME_DATA:-data/external}
mkdir -p "$OUT"

need_datasets() {
    if ! "$PYTHON" -c 'import datasets' 2>/dev/null; then
        echo "error: $PYTHON has no 'datasets' package; see the top of $0" >&2
        exit 2
    fi
}

# hub_to_jsonl REPO CONFIG SPLIT OUTFILE
hub_to_jsonl() {
    need_datasets
    "$PYTHON" - "$@" <<'PY'
import json, sys
from datasets import load_dataset
repo, config, split, out = sys.argv[1:5]
ds = load_dataset(repo, config or None, split=split)
with open(out, "w", encoding="utf-8") as f:
    for row in ds:
        f.write(json.dumps(row, ensure_ascii=False) + "\n")
print(f"{out}: {len(ds)} rows")
PY
}

fetch() {
    local name=${1%%:*} arg=""
    [[ $1 == *:* ]] && arg=${1#*:}
    case $name in
        xlsum)
            local lang=${arg:-english}
            hub_to_jsonl csebuetnlp/xlsum "$lang" test "$OUT/xlsum-$lang-test.jsonl" ;;
        mlsum)
            local lang=${arg:-de}
            hub_to_jsonl reciTAL/mlsum "$lang" test "$OUT/mlsum-$lang-test.jsonl" ;;
        cnndm)
            hub_to_jsonl abisee/cnn_dailymail 3.0.0 test "$OUT/cnndm-test.jsonl" ;;
        xstance)
            hub_to_jsonl ZurichNLP/x_stance "" test "$OUT/xstance-test.jsonl" ;;
        newsmtsc)
            local base=https://raw.githubusercontent.com/fhamborg/NewsMTSC/main/NewsSentiment/controller_data/datasets/NewsMTSC-dataset
            for f in devtest_mt.jsonl devtest_rw.jsonl; do
                curl -fsSL "$base/$f" -o "$OUT/newsmtsc-$f"
                echo "$OUT/newsmtsc-$f"
            done ;;
        semeval)
            cat <<'TXT'
SemEval-2016 Task 6 (stance in tweets) is distributed by its organizers, not
through a package hub: get the gold test file (tab-separated ID, Target,
Tweet, Stance; often Latin-1) from the task's page on saifmohammad.com, save
it under data/external/, and run:
    newsframe eval stance data/external/SemEval2016-Task6-subtaskA-testdata-gold.txt --pred PRED.jsonl
The common comma-separated redistribution (train.csv/test.csv with Tweet,
Target, Stance columns) reads the same way with --dataset-format semeval.
TXT
            ;;
        *)
            echo "error: unknown dataset '$1' (xlsum[:LANGUAGE], mlsum[:LANG], cnndm, xstance, newsmtsc, semeval)" >&2
            exit 2 ;;
    esac
}

if [[ $# -eq 0 ]]; then
    set -- xlsum cnndm mlsum xstance newsmtsc semeval
fi
for dataset in "$@"; do
    fetch "$dataset"
done
