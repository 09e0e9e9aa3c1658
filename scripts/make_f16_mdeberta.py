#!/usr/bin/env python3
"""A DeBERTa-v2 NLI classifier of mDeBERTa-v3-base's shape with random weights,
stored in float16 as MoritzLaurer/mDeBERTa-v3-base-xnli-multilingual-nli-2mil7
publishes it (about 558 MB; for memory measurements, never committed):

    ~/.cache/newsframe/torch-2.4.0-py311/bin/python scripts/make_f16_mdeberta.py /tmp/mdeb16
    cargo run --example nli_load_memory -- /tmp/mdeb16

The tokenizer is the tiny fixture's (token ids stay inside the vocabulary).
"""

import shutil
import sys
from pathlib import Path

import torch
from transformers import DebertaV2Config, DebertaV2ForSequenceClassification
out = Path(sys.argv[1]); out.mkdir(parents=True, exist_ok=True)
torch.manual_seed(20190522)
config = DebertaV2Config(vocab_size=251000, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
    intermediate_size=3072, hidden_act="gelu", max_position_embeddings=512, type_vocab_size=0,
    relative_attention=True, max_relative_positions=-1, position_buckets=256, norm_rel_ebd="layer_norm",
    share_att_key=True, pos_att_type=["p2c", "c2p"], position_biased_input=False, layer_norm_eps=1e-7,
    pooler_hidden_size=768, pooler_dropout=0, pooler_hidden_act="gelu", pad_token_id=0,
    id2label={0: "entailment", 1: "neutral", 2: "contradiction"},
    label2id={"entailment": 0, "neutral": 1, "contradiction": 2})
model = DebertaV2ForSequenceClassification(config).eval().half()
model.save_pretrained(out, safe_serialization=True)
tiny = Path(__file__).resolve().parent.parent / "tests/fixtures/models/mdeberta-nli-tiny"
for name in ["spm.model", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"]:
    shutil.copy(tiny / name, out / name)
print((out / "model.safetensors").stat().st_size)
