#!/usr/bin/env python3
"""Builds the benchmark models: the shapes newsframe ships, with random weights.

    ~/.cache/newsframe/torch-2.4.0-py311/bin/python scripts/bench/make_models.py

Writes, under ${NEWSFRAME_CACHE:-~/.cache/newsframe}/bench-models/ (about 4.5 GB,
never committed):

* mt5-base/      google/mt5-base shapes: d_model 768, d_ff 2048, 12+12 layers,
                 12 heads, vocab 250112, gated-gelu, untied lm_head;
* mdeberta-nli/  mDeBERTa-v3-base shapes: 12 layers, hidden 768, vocab 251000,
                 relative attention with 256 position buckets, 3 labels in the
                 MoritzLaurer order {0: entailment, 1: neutral, 2: contradiction};
* minilm-l12/    paraphrase-multilingual-MiniLM-L12-v2 shapes: BERT, 12 layers,
                 hidden 384, 12 heads, intermediate 1536, vocab 250037;
* inputs.json    the benchmark work (see corpus.py), identical for both engines.

Each model dir holds model.safetensors + config.json + a tokenizer. The weights are
random (seed 20190522): speed does not depend on weight values, and the hub is not
needed. The tokenizers are SentencePiece unigram models trained on the benchmark
text with as large a vocabulary as the text allows; inputs are truncated to fixed
token counts, so both engines do the same work whatever the vocabulary.

Re-running rebuilds everything (use --only NAME to rebuild one model).
"""

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import sentencepiece as spm
import torch
from transformers import (
    BertConfig,
    BertModel,
    DebertaV2Config,
    DebertaV2ForSequenceClassification,
    DebertaV2TokenizerFast,
    MT5Config,
    MT5ForConditionalGeneration,
    T5TokenizerFast,
    XLMRobertaTokenizerFast,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402

SEED = 20190522


def cache_dir():
    root = os.environ.get("NEWSFRAME_CACHE") or os.path.expanduser("~/.cache/newsframe")
    return Path(root) / "bench-models"


def train_spm(text_file, prefix, **specials):
    """Trains a unigram model, shrinking the vocab until the text supports it."""
    vocab = 8000
    while True:
        try:
            spm.SentencePieceTrainer.train(
                input=str(text_file),
                model_prefix=str(prefix),
                vocab_size=vocab,
                model_type="unigram",
                character_coverage=1.0,
                num_threads=1,
                minloglevel=2,
                **specials,
            )
            return vocab
        except RuntimeError as err:
            if "Vocabulary size too high" not in str(err) or vocab <= 100:
                raise
            # The message names the largest size the text allows.
            digits = str(err).rsplit("<=", 1)[-1].strip().rstrip(".")
            vocab = int(digits) if digits.isdigit() else vocab // 2


def save_model(model, out):
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)


def make_mt5(out, text_file, work):
    torch.manual_seed(SEED)
    vocab = train_spm(
        text_file, work / "spiece", pad_id=0, eos_id=1, unk_id=2, bos_id=-1
    )
    config = MT5Config(
        vocab_size=250112,
        d_model=768,
        d_kv=64,
        d_ff=2048,
        num_layers=12,
        num_decoder_layers=12,
        num_heads=12,
        relative_attention_num_buckets=32,
        relative_attention_max_distance=128,
        dropout_rate=0.1,
        layer_norm_epsilon=1e-6,
        feed_forward_proj="gated-gelu",
        tie_word_embeddings=False,
        decoder_start_token_id=0,
        pad_token_id=0,
        eos_token_id=1,
    )
    model = MT5ForConditionalGeneration(config).eval()
    save_model(model, out)
    tok = T5TokenizerFast(vocab_file=str(work / "spiece.model"), extra_ids=0, model_max_length=512)
    tok.save_pretrained(out)
    (out / "spiece.model").write_bytes((work / "spiece.model").read_bytes())
    return vocab, tok


def make_deberta(out, text_file, work):
    torch.manual_seed(SEED + 1)
    vocab = train_spm(
        text_file,
        work / "spm",
        pad_id=0,
        bos_id=1,
        eos_id=2,
        unk_id=3,
        pad_piece="[PAD]",
        bos_piece="[CLS]",
        eos_piece="[SEP]",
        unk_piece="[UNK]",
        user_defined_symbols=["[MASK]"],
    )
    config = DebertaV2Config(
        vocab_size=251000,
        hidden_size=768,
        num_hidden_layers=12,
        num_attention_heads=12,
        intermediate_size=3072,
        hidden_act="gelu",
        max_position_embeddings=512,
        type_vocab_size=0,
        relative_attention=True,
        max_relative_positions=-1,
        position_buckets=256,
        norm_rel_ebd="layer_norm",
        share_att_key=True,
        pos_att_type=["p2c", "c2p"],
        position_biased_input=False,
        layer_norm_eps=1e-7,
        pooler_hidden_size=768,
        pooler_dropout=0,
        pooler_hidden_act="gelu",
        pad_token_id=0,
        id2label={0: "entailment", 1: "neutral", 2: "contradiction"},
        label2id={"entailment": 0, "neutral": 1, "contradiction": 2},
    )
    model = DebertaV2ForSequenceClassification(config).eval()
    save_model(model, out)
    tok = DebertaV2TokenizerFast(vocab_file=str(work / "spm.model"), model_max_length=512)
    tok.save_pretrained(out)
    (out / "spm.model").write_bytes((work / "spm.model").read_bytes())
    return vocab


def make_minilm(out, text_file, work):
    torch.manual_seed(SEED + 2)
    vocab = train_spm(text_file, work / "sentencepiece.bpe")
    config = BertConfig(
        vocab_size=250037,
        hidden_size=384,
        num_hidden_layers=12,
        num_attention_heads=12,
        intermediate_size=1536,
        hidden_act="gelu",
        max_position_embeddings=512,
        type_vocab_size=2,
        layer_norm_eps=1e-12,
        pad_token_id=0,
    )
    model = BertModel(config, add_pooling_layer=True).eval()
    save_model(model, out)
    tok = XLMRobertaTokenizerFast(
        vocab_file=str(work / "sentencepiece.bpe.model"), model_max_length=128
    )
    tok.save_pretrained(out)
    (out / "sentencepiece.bpe.model").write_bytes((work / "sentencepiece.bpe.model").read_bytes())
    return vocab


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=cache_dir(), help="output dir")
    parser.add_argument(
        "--only", choices=["mt5-base", "mdeberta-nli", "minilm-l12", "inputs"], help="rebuild one"
    )
    args = parser.parse_args()
    torch.set_num_threads(2)

    articles, origin = corpus.load_articles()
    args.out.mkdir(parents=True, exist_ok=True)
    text = "\n".join(a["text"] for a in articles)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        text_file = work / "text.txt"
        # One sentence per line keeps SentencePiece's input sentences short.
        text_file.write_text(
            "\n".join(s for a in articles for s in corpus.sentences(a["text"])), encoding="utf-8"
        )
        made = {}
        want = lambda name: args.only in (None, name)  # noqa: E731
        if want("mt5-base"):
            made["mt5-base"] = make_mt5(args.out / "mt5-base", text_file, work)[0]
        if want("mdeberta-nli"):
            made["mdeberta-nli"] = make_deberta(args.out / "mdeberta-nli", text_file, work)
        if want("minilm-l12"):
            made["minilm-l12"] = make_minilm(args.out / "minilm-l12", text_file, work)

    tok = T5TokenizerFast.from_pretrained(args.out / "mt5-base")
    inputs = corpus.build_inputs(articles, lambda t: len(tok(t)["input_ids"]))
    inputs["origin"] = origin
    inputs["seed"] = SEED
    (args.out / "inputs.json").write_text(json.dumps(inputs, ensure_ascii=False, indent=1))
    pairs = sum(len(a["mentions"]) * len(inputs["nli"]["labels"]) for a in inputs["nli"]["articles"])
    print(
        json.dumps(
            {
                "out": str(args.out),
                "articles": len(articles),
                "origin": origin,
                "tokenizer_vocab": made,
                "nli_pairs": pairs,
                "embed_sentences": len(inputs["embed_sentences"]),
                "chars": len(text),
            }
        )
    )


if __name__ == "__main__":
    main()
