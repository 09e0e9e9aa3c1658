"""Benchmark inputs: the articles both engines read, and the work derived from them.

Articles come from the project's own data as they appear in the tree
(data/samples/**.txt|.jsonl, data/eval/articles.jsonl); when there are none, from
scripts/bench/fallback_articles.jsonl. From them `build_inputs` derives, in a fixed
order and without randomness:

* summary inputs: one text per article, extended by the following articles until it
  is longer than the 512-token input window, so both engines truncate to exactly
  512 tokens and do identical work;
* NLI pairs: for each article and each of 5 actors, 2 mention sentences x 3 stance
  hypotheses (30 pairs per article). Sentences are taken in order (the benchmark
  measures the engines, not the mention finder);
* embedding sentences: the first 128 sentences of the articles, in order.

Used by make_models.py (tokenizer training text, inputs.json) and by nothing else at
run time: both benchmark programs read inputs.json.
"""

import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FALLBACK = Path(__file__).resolve().parent / "fallback_articles.jsonl"

ACTORS = ["the government", "the opposition", "the United States", "Norway", "the United Nations"]
# Zero-shot stance: one hypothesis per label, filled with the actor's name.
STANCE_LABELS = ["positive", "neutral", "negative"]
HYPOTHESIS_TEMPLATE = "This text is {} about {actor}."  # as src/stance/nli.rs
SENTENCES_PER_ACTOR = 2
EMBED_SENTENCES = 128


def _read_jsonl(path):
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue
        text = rec.get("text") or rec.get("body") or ""
        if isinstance(text, str) and text.strip():
            out.append({"id": str(rec.get("id", f"{path.name}:{len(out) + 1}")), "text": text})
    return out


def load_articles():
    """Returns (articles, origin) with articles as [{id, text}] in a stable order."""
    articles, origins = [], []
    samples = REPO / "data" / "samples"
    if samples.is_dir():
        origins.append("data/samples")
        for path in sorted(samples.rglob("*")):
            if path.suffix == ".txt":
                text = path.read_text(encoding="utf-8", errors="replace")
                if text.strip():
                    articles.append({"id": str(path.relative_to(REPO)), "text": text})
            elif path.suffix == ".jsonl":
                articles.extend(_read_jsonl(path))
    eval_file = REPO / "data" / "eval" / "articles.jsonl"
    if eval_file.is_file():
        articles.extend(_read_jsonl(eval_file))
        origins.append("data/eval/articles.jsonl")
    if articles:
        return articles, " + ".join(origins)
    return _read_jsonl(FALLBACK), str(FALLBACK.relative_to(REPO))


def sentences(text):
    """Simple sentence split: enough to get realistic premise lengths."""
    parts = re.split(r"(?<=[.!?\u201d\"])\s+|\n+", text)
    return [p.strip() for p in parts if len(p.strip().split()) >= 5]


def build_inputs(articles, count_tokens, input_tokens=512):
    """Derives the benchmark work; `count_tokens(text)` counts the summarizer's tokens."""
    texts = [a["text"].strip() for a in articles]
    summary_inputs = []
    for i in range(len(texts)):
        text = texts[i]
        j = i + 1
        while count_tokens(text) <= input_tokens:
            text = text + "\n\n" + texts[j % len(texts)]
            j += 1
            if j > i + 10 * len(texts) + 10:
                raise SystemExit("benchmark text too short to fill the input window")
        summary_inputs.append(text)

    nli_articles = []
    for art in articles:
        sents = sentences(art["text"])
        if not sents:
            continue
        pairs = []
        k = 0
        for actor in ACTORS:
            for _ in range(SENTENCES_PER_ACTOR):
                pairs.append({"premise": sents[k % len(sents)], "actor": actor})
                k += 1
        nli_articles.append({"id": art["id"], "mentions": pairs})

    embed_sentences = [s for art in articles for s in sentences(art["text"])][:EMBED_SENTENCES]
    return {
        "summary_inputs": summary_inputs,
        "nli": {
            "labels": STANCE_LABELS,
            "hypothesis_template": HYPOTHESIS_TEMPLATE,
            "articles": nli_articles,
        },
        "embed_sentences": embed_sentences,
    }


def hypotheses(actor):
    return [HYPOTHESIS_TEMPLATE.replace("{actor}", actor).format(label) for label in STANCE_LABELS]
