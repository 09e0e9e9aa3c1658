#!/usr/bin/env python3
"""Build tests/fixtures/models/stance-deberta-tiny: a tiny DeBERTa-v2 target
sentiment classifier (random weights, seeded) and what Hugging Face
transformers computes with it.

The model reads a sequence pair, (sentence, target), and its id2label names
the three stance labels in a NON-standard order (0 positive, 1 negative,
2 neutral), so a reader that takes labels by position instead of by name
fails the parity test in tests/integration/stance_classifier.rs. Config and tokenizer
come from the committed mdeberta-nli-tiny fixture (mDeBERTa-v3 style:
relative attention, shared position keys, no token types).

`reference.json` holds, per pair: token ids as transformers' pair template
gives them with `truncation="only_first"` at MAX_LENGTH, the logits of one
padded batch, and the label probabilities by name.

Run with the venv made by scripts/setup:
    ~/.cache/newsframe/torch-2.4.0-py311/bin/python scripts/make_stance_fixture.py
Deterministic: fixed seed, single thread.
"""

import json
import shutil
from pathlib import Path

import torch
import transformers
from transformers import DebertaV2Config, DebertaV2ForSequenceClassification, DebertaV2TokenizerFast

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "tests" / "fixtures" / "models"
SOURCE = MODELS / "mdeberta-nli-tiny"
OUT = MODELS / "stance-deberta-tiny"
SEED = 20190530
MAX_LENGTH = 40
LABELS = {0: "positive", 1: "negative", 2: "neutral"}

PAIRS = [
    ("The president rejected the criticism and accused the opposition of spreading fear.", "opposition"),
    ("The president rejected the criticism and accused the opposition of spreading fear.", "president"),
    ("Norway offered to host the negotiations in Oslo, a spokesman said.", "Norway"),
    ("El presidente rechazó las críticas y acusó a la oposición de sembrar el miedo.", "oposición"),
    ("Die Vereinten Nationen forderten beide Seiten auf, die Gespräche wieder aufzunehmen.", "Vereinten Nationen"),
    # Longer than the window: only the sentence is cut, never the target.
    (" ".join(["The government announced a new budget on Tuesday, and the opposition called it a betrayal."] * 3),
     "government"),
]


def main() -> None:
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    base = json.loads((SOURCE / "config.json").read_text())
    for key in ("id2label", "label2id", "architectures", "transformers_version", "dtype"):
        base.pop(key, None)
    base.pop("model_type")
    config = DebertaV2Config(**base, id2label=LABELS, label2id={v: k for k, v in LABELS.items()})
    torch.manual_seed(SEED)
    model = DebertaV2ForSequenceClassification(config)
    model.eval()
    model.save_pretrained(OUT, safe_serialization=True)
    tokenizer = DebertaV2TokenizerFast(vocab_file=str(SOURCE / "spm.model"))
    tokenizer.save_pretrained(OUT)
    (OUT / "spm.model").unlink(missing_ok=True)
    sentences = [s for s, _ in PAIRS]
    targets = [t for _, t in PAIRS]
    with torch.no_grad():
        batch = tokenizer(sentences, targets, truncation="only_first", max_length=MAX_LENGTH,
                          padding=True, return_tensors="pt")
        logits = model(**batch).logits
        probs = torch.softmax(logits, dim=-1)
    single = [tokenizer(s, t, truncation="only_first", max_length=MAX_LENGTH)["input_ids"]
              for s, t in PAIRS]
    reference = {
        "generated_by": "scripts/make_stance_fixture.py",
        "transformers": transformers.__version__,
        "torch": torch.__version__.split("+")[0],
        "max_length": MAX_LENGTH,
        "pairs": [{"sentence": s, "target": t} for s, t in PAIRS],
        "input_ids": single,
        "logits": [[float(f"{v:.7g}") for v in row] for row in logits.tolist()],
        "probs": [{LABELS[i]: float(f"{v:.7g}") for i, v in enumerate(row)} for row in probs.tolist()],
    }
    (OUT / "reference.json").write_text(json.dumps(reference, ensure_ascii=False) + "\n", encoding="utf-8")
    size = sum(f.stat().st_size for f in OUT.iterdir())
    print(f"{OUT.name}: {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
