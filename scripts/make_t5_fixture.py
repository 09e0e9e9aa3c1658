#!/usr/bin/env python3
"""Record what Hugging Face transformers computes for the T5 engine's parity tests
(tests/integration/t5_parity.rs), in tests/fixtures/models/t5-own/.

Two models:

* tests/fixtures/models/mt5-tiny (made by scripts/make_model_fixtures.py: mT5 style,
  gated-gelu, untied lm_head, 8 relative-position buckets over distance 20): this
  script only adds references for a padded batch of inputs, written to
  t5-own/mt5-tiny-batch.json. Rerun it whenever mt5-tiny is regenerated.
* t5-own/t5-relu-tied/: a tiny T5 in the original T5 style (ReLU feed-forward,
  lm_head tied to the embeddings, so the decoder output is scaled by d_model^-0.5),
  random weights (seeded), no tokenizer: its reference.json feeds token ids directly.

Each reference holds the padded input ids and attention mask, encoder states,
teacher-forced decoder logits, and generated ids for greedy and beam-search settings
(min_length, no_repeat_ngram_size, length_penalty, each early_stopping mode).

Run with the venv made by scripts/setup:
    ~/.cache/newsframe/torch-2.4.0-py311/bin/python scripts/make_t5_fixture.py
Deterministic: fixed seed, one thread. Versions used: torch 2.4.0, transformers 4.57.
"""

import json
import random
import shutil
from pathlib import Path

import numpy as np
import torch
import transformers
from transformers import T5Config, T5ForConditionalGeneration, T5TokenizerFast

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "tests" / "fixtures" / "models"
OUT = MODELS / "t5-own"
SEED = 20240611

BATCH_INPUTS = [
    "The government announced a new budget on Tuesday, and the opposition called it a betrayal.",
    "Norwegen bot an.",
    "El gobierno anunció un nuevo presupuesto y la oposición lo calificó de traición.",
    "Le président a rejeté les critiques.",
]

# max_length counts the decoder start token, as transformers does.
MT5_CASES = [
    {"name": "greedy", "num_beams": 1, "max_length": 14, "min_length": 0,
     "no_repeat_ngram_size": 0, "length_penalty": 1.0, "early_stopping": False},
    {"name": "greedy_min_no_repeat", "num_beams": 1, "max_length": 18, "min_length": 10,
     "no_repeat_ngram_size": 2, "length_penalty": 1.0, "early_stopping": False},
    {"name": "beam4", "num_beams": 4, "max_length": 16, "min_length": 0,
     "no_repeat_ngram_size": 0, "length_penalty": 1.0, "early_stopping": False},
    {"name": "beam4_min_no_repeat", "num_beams": 4, "max_length": 20, "min_length": 8,
     "no_repeat_ngram_size": 3, "length_penalty": 1.0, "early_stopping": False},
    {"name": "beam4_early_true_lp2", "num_beams": 4, "max_length": 18, "min_length": 3,
     "no_repeat_ngram_size": 2, "length_penalty": 2.0, "early_stopping": True},
    {"name": "beam3_never_lp06", "num_beams": 3, "max_length": 15, "min_length": 0,
     "no_repeat_ngram_size": 2, "length_penalty": 0.6, "early_stopping": "never"},
]

# The random tied model repeats itself without n-gram blocking; with it, it ends
# hypotheses at different lengths, which exercises beam search's bookkeeping.
RELU_TIED_CASES = [
    {"name": "greedy_no_repeat1", "num_beams": 1, "max_length": 20, "min_length": 0,
     "no_repeat_ngram_size": 1, "length_penalty": 1.0, "early_stopping": False},
    {"name": "greedy_min", "num_beams": 1, "max_length": 12, "min_length": 6,
     "no_repeat_ngram_size": 0, "length_penalty": 1.0, "early_stopping": False},
    {"name": "beam4_no_repeat1", "num_beams": 4, "max_length": 20, "min_length": 0,
     "no_repeat_ngram_size": 1, "length_penalty": 1.0, "early_stopping": False},
    {"name": "beam4_no_repeat2", "num_beams": 4, "max_length": 20, "min_length": 0,
     "no_repeat_ngram_size": 2, "length_penalty": 1.0, "early_stopping": False},
    {"name": "beam4_min6", "num_beams": 4, "max_length": 20, "min_length": 6,
     "no_repeat_ngram_size": 1, "length_penalty": 1.0, "early_stopping": False},
    {"name": "beam4_early_true_lp2", "num_beams": 4, "max_length": 20, "min_length": 0,
     "no_repeat_ngram_size": 1, "length_penalty": 2.0, "early_stopping": True},
    {"name": "beam4_lp2", "num_beams": 4, "max_length": 20, "min_length": 0,
     "no_repeat_ngram_size": 1, "length_penalty": 2.0, "early_stopping": False},
    {"name": "beam3_never_lp06", "num_beams": 3, "max_length": 20, "min_length": 0,
     "no_repeat_ngram_size": 1, "length_penalty": 0.6, "early_stopping": "never"},
    {"name": "beam5_never_lp15", "num_beams": 5, "max_length": 16, "min_length": 0,
     "no_repeat_ngram_size": 1, "length_penalty": 1.5, "early_stopping": "never"},
]


def seed_all(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def round_floats(x, digits=7):
    if isinstance(x, list):
        return [round_floats(v, digits) for v in x]
    return float(f"{x:.{digits}g}")


def reference(model, input_ids, attention_mask, cases_in: list, extra: dict) -> dict:
    """Everything the Rust side compares, for one padded batch."""
    model.eval()
    with torch.no_grad():
        encoder_states = model.get_encoder()(
            input_ids=input_ids, attention_mask=attention_mask
        ).last_hidden_state
        cases = []
        for case in cases_in:
            settings = {k: v for k, v in case.items() if k != "name"}
            # Batched, exactly as a user would call it.
            batched = model.generate(input_ids=input_ids, attention_mask=attention_mask,
                                     do_sample=False, **settings)
            cases.append({**case, "ids": batched.tolist()})
        # Teacher-forced logits: start token, then the first greedy ids of each row.
        start = model.config.decoder_start_token_id
        greedy_ids = torch.tensor(cases[0]["ids"])
        decoder_ids = torch.cat([torch.full((len(input_ids), 1), start), greedy_ids[:, 1:5]], dim=1)
        logits = model(input_ids=input_ids, attention_mask=attention_mask,
                       decoder_input_ids=decoder_ids).logits
    return {
        "generated_by": "scripts/make_t5_fixture.py",
        "transformers": transformers.__version__,
        "torch": torch.__version__.split("+")[0],
        **extra,
        "input_ids": input_ids.tolist(),
        "attention_mask": attention_mask.tolist(),
        "encoder_states": round_floats(encoder_states.tolist()),
        "decoder_input_ids": decoder_ids.tolist(),
        "logits": round_floats(logits.tolist()),
        "generation": cases,
    }


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False) + "\n", encoding="utf-8")


def mt5_tiny_batch() -> None:
    model_dir = MODELS / "mt5-tiny"
    tokenizer = T5TokenizerFast.from_pretrained(model_dir)
    model = T5ForConditionalGeneration.from_pretrained(model_dir)
    batch = tokenizer(BATCH_INPUTS, padding=True, return_tensors="pt")
    data = reference(model, batch["input_ids"], batch["attention_mask"], MT5_CASES,
                     {"model": "tests/fixtures/models/mt5-tiny", "inputs": BATCH_INPUTS})
    write_json(OUT / "mt5-tiny-batch.json", data)


def t5_relu_tied() -> None:
    out = OUT / "t5-relu-tied"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    seed_all(SEED)
    config = T5Config(
        vocab_size=96, d_model=24, d_kv=6, d_ff=40, num_layers=2, num_decoder_layers=2,
        num_heads=4, relative_attention_num_buckets=16, relative_attention_max_distance=32,
        feed_forward_proj="relu", tie_word_embeddings=True, dropout_rate=0.0,
        pad_token_id=0, eos_token_id=1, decoder_start_token_id=0,
    )
    model = T5ForConditionalGeneration(config)
    # A longer end-of-sequence embedding, so that the (tied) output layer
    # predicts it now and then and hypotheses end at different lengths.
    with torch.no_grad():
        model.shared.weight[1] *= 1.5
    model.save_pretrained(out, safe_serialization=True)
    # Lengths 40, 7, 23: long enough to use the far (logarithmic) buckets.
    generator = torch.Generator().manual_seed(SEED)
    lengths = [40, 7, 23]
    rows, masks = [], []
    for n in lengths:
        ids = torch.randint(3, config.vocab_size, (n - 1,), generator=generator).tolist() + [1]
        rows.append(ids + [0] * (max(lengths) - n))
        masks.append([1] * n + [0] * (max(lengths) - n))
    data = reference(model, torch.tensor(rows), torch.tensor(masks), RELU_TIED_CASES,
                     {"model": "tests/fixtures/models/t5-own/t5-relu-tied"})
    write_json(out / "reference.json", data)


def main() -> int:
    torch.set_num_threads(1)
    OUT.mkdir(parents=True, exist_ok=True)
    mt5_tiny_batch()
    t5_relu_tied()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
