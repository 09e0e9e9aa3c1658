#!/usr/bin/env python3
"""Build tests/fixtures/models/mt5-crosssum-tiny, a tiny random mT5 made the way
csebuetnlp/mT5_m2m_crossSum is published, and record what Hugging Face
transformers generates with it for tests/integration/crosssum_parity.rs.

Like the real checkpoint, the directory holds spiece.model (no tokenizer.json),
and config.json's task_specific_params.langid_map maps language names to
[index, token] pairs whose tokens ("▁<extra_id_N>") are pieces of the
sentencepiece vocabulary. The target language is chosen as the model card does
it: the language's token id, read with the slow tokenizer's
`_convert_token_to_id(langid_map[name][1])`, is passed to
`generate(..., decoder_start_token_id=...)`.

reference.json holds, for every input and target language, the input ids of the
slow (sentencepiece) tokenizer and the generated ids for greedy decoding and
4-beam search with no_repeat_ngram_size=2 (the card's settings, shorter).

Run with the venv made by scripts/setup:
    ~/.cache/newsframe/torch-2.4.0-py311/bin/python scripts/make_crosssum_fixture.py
Deterministic: fixed seed, one thread. Versions used: torch 2.4.0, transformers 4.57,
sentencepiece 0.2.
"""

import json
import sys
import tempfile
from pathlib import Path

import torch
import transformers
from transformers import MT5Config, MT5ForConditionalGeneration, T5Tokenizer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_model_fixtures import round_floats, seed_all, tolist, train_spm  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "models" / "mt5-crosssum-tiny"
SEED = 20220420

# Names and token strings in the real checkpoint's format; the extra-id
# numbers are the fixture's own.
LANGID_MAP = {
    "english": [0, "▁<extra_id_3>"],
    "spanish": [1, "▁<extra_id_2>"],
    "french": [2, "▁<extra_id_1>"],
    "russian": [3, "▁<extra_id_0>"],
}

INPUTS = [
    "The government announced a new budget on Tuesday, and the opposition called it a betrayal.",
    "El gobierno anunció un nuevo presupuesto y la oposición lo calificó de traición.",
    "Le président a rejeté les critiques.",
]

# max_length counts the decoder start token, as transformers does.
CASES = [
    {"name": "greedy", "num_beams": 1, "max_length": 16, "no_repeat_ngram_size": 2},
    {"name": "beam4", "num_beams": 4, "max_length": 16, "no_repeat_ngram_size": 2},
]


def main() -> int:
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    if OUT.exists():
        for f in OUT.iterdir():
            f.unlink()
    OUT.mkdir(parents=True, exist_ok=True)
    tokens = [token for _, token in LANGID_MAP.values()]
    with tempfile.TemporaryDirectory() as tmp:
        model_file = train_spm(
            Path(tmp), "spiece", 320, pad_id=0, eos_id=1, unk_id=2, bos_id=-1,
            user_defined_symbols=sorted(tokens),
        )
        (OUT / "spiece.model").write_bytes(model_file.read_bytes())
    # The tokenizer files as the real checkpoint has them (its
    # tokenizer_config.json less the paths of the machine it was saved on):
    # the language tokens are additional special tokens.
    (OUT / "tokenizer_config.json").write_text(json.dumps({
        "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>", "extra_ids": 0,
        "additional_special_tokens": None, "tokenizer_file": None, "name_or_path": "google/mt5-base",
    }) + "\n", encoding="utf-8")
    (OUT / "special_tokens_map.json").write_text(json.dumps({
        "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>",
        "additional_special_tokens": sorted(tokens),
    }, ensure_ascii=False) + "\n", encoding="utf-8")
    # The card loads the slow (sentencepiece) tokenizer.
    tokenizer = T5Tokenizer.from_pretrained(OUT)
    # The card's get_lang_id.
    lang_ids = {name: tokenizer._convert_token_to_id(token) for name, (_, token) in LANGID_MAP.items()}
    unk = tokenizer.unk_token_id
    assert all(i != unk for i in lang_ids.values()), f"language tokens missing: {lang_ids}"
    seed_all(SEED)
    config = MT5Config(
        vocab_size=len(tokenizer), d_model=32, d_kv=8, d_ff=48, num_layers=2, num_decoder_layers=2,
        num_heads=4, relative_attention_num_buckets=8, relative_attention_max_distance=20,
        feed_forward_proj="gated-gelu", tie_word_embeddings=False, dropout_rate=0.0,
        pad_token_id=0, eos_token_id=1, decoder_start_token_id=lang_ids["english"],
        task_specific_params={"langid_map": LANGID_MAP},
    )
    model = MT5ForConditionalGeneration(config)
    # Larger random weights than the default init, so that outputs depend
    # clearly on the start token.
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(3.0)
    model.eval()
    # Short outputs for the command-line tests (the references pass their
    # settings explicitly).
    model.generation_config.max_length = 10
    model.generation_config.num_beams = 2
    model.save_pretrained(OUT, safe_serialization=True)
    (OUT / "model.safetensors").chmod(0o644)

    results = []
    with torch.no_grad():
        for text in INPUTS:
            enc = tokenizer(text, return_tensors="pt")
            per_lang = {}
            for name in LANGID_MAP:
                per_lang[name] = {
                    case["name"]: tolist(model.generate(
                        **enc, do_sample=False, decoder_start_token_id=lang_ids[name],
                        num_beams=case["num_beams"], max_length=case["max_length"],
                        no_repeat_ngram_size=case["no_repeat_ngram_size"],
                    )[0])
                    for case in CASES
                }
            results.append({"text": text, "input_ids": tolist(enc["input_ids"][0]), "ids": per_lang})
    reference = {
        "generated_by": "scripts/make_crosssum_fixture.py",
        "transformers": transformers.__version__,
        "torch": torch.__version__.split("+")[0],
        "lang_ids": lang_ids,
        "cases": CASES,
        "length_penalty": round_floats(model.generation_config.length_penalty),
        "results": results,
    }
    (OUT / "reference.json").write_text(json.dumps(reference, ensure_ascii=False) + "\n", encoding="utf-8")
    size = sum(f.stat().st_size for f in OUT.iterdir())
    print(f"mt5-crosssum-tiny: {size / 1024:.0f} KiB, language ids {lang_ids}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
