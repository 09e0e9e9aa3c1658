#!/usr/bin/env python3
"""Build float16 copies of three tiny fixtures and record what transformers
computes when it loads them.

mDeBERTa-v3-base-xnli-multilingual-nli-2mil7 publishes its weights in float16;
these fixtures hold the same layout at toy size so tests cover that path without
the real 558 MB file:

  mdeberta-nli-f16   from mdeberta-nli-tiny (DeBERTa-v2 NLI, spm.model + tokenizer.json)
  mt5-f16            from mt5-tiny (mT5 seq2seq)
  minilm-f16         from minilm-tiny (BERT sentence encoder)

Each model.safetensors stores every tensor as F16 (config.json says
`"dtype": "float16"`). The reference is transformers loading that very file with
its default float32 compute (`from_pretrained`, which upcasts float16 weights),
the same way `newsframe` runs it, so outputs must agree to float32 rounding.

Run after scripts/make_model_fixtures.py, with the same venv:
    ~/.cache/newsframe/torch-2.4.0-py311/bin/python scripts/make_f16_fixtures.py
"""

import shutil
import sys
from pathlib import Path

import torch
from safetensors import safe_open
from transformers import (
    AutoTokenizer,
    BertModel,
    DebertaV2ForSequenceClassification,
    MT5ForConditionalGeneration,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_model_fixtures as fixtures  # noqa: E402

OUT = fixtures.OUT
WEIGHT_FILES = {"model.safetensors", "reference.json"}


def convert(source: str, target: str, model_class, **load):
    """Copies `source`'s tokenizer and config files and saves its weights as float16."""
    src, out = OUT / source, fixtures.fresh_dir(target)
    for path in src.iterdir():
        if path.name not in WEIGHT_FILES:
            shutil.copy(path, out / path.name)
    model_class.from_pretrained(src, **load).half().save_pretrained(out, safe_serialization=True)
    with safe_open(out / "model.safetensors", "pt") as stored:
        dtypes = {stored.get_slice(name).get_dtype() for name in stored.keys()}
    assert dtypes == {"F16"}, f"{target}: stored dtypes {dtypes}"
    # transformers' default: float32 compute over the float16 file.
    model = model_class.from_pretrained(out, dtype=torch.float32, **load)
    assert next(model.parameters()).dtype == torch.float32
    return model, AutoTokenizer.from_pretrained(out), out


def main() -> int:
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    model, tokenizer, out = convert("mdeberta-nli-tiny", "mdeberta-nli-f16",
                                    DebertaV2ForSequenceClassification)
    fixtures.nli_reference(model, tokenizer, out)
    model, tokenizer, out = convert("mt5-tiny", "mt5-f16", MT5ForConditionalGeneration)
    fixtures.seq2seq_reference(model, tokenizer, out, {})
    model, tokenizer, out = convert("minilm-tiny", "minilm-f16", BertModel, add_pooling_layer=False)
    fixtures.embedding_reference(model, tokenizer, out)
    for name in ("mdeberta-nli-f16", "mt5-f16", "minilm-f16"):
        size = sum(f.stat().st_size for f in (OUT / name).iterdir())
        print(f"{name}: {size / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
