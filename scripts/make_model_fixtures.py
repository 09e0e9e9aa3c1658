#!/usr/bin/env python3
"""Build the tiny transformer fixtures under tests/fixtures/models/ and record
what Hugging Face transformers computes with them.

Each fixture is a complete Hugging Face model directory (config.json,
model.safetensors, tokenizer files incl. tokenizer.json) with random weights of
a real architecture, a vocabulary trained on the multilingual text below, and a
`reference.json` holding transformers' outputs for fixed inputs: token ids,
encoder states, logits, greedy and beam-search ids, NLI probabilities and
sentence embeddings. tests/integration/transformer_parity.rs checks the Rust engine
against them.

Fixtures:
  mt5-tiny         T5 in mT5 style (gated-gelu, untied lm_head), spiece.model
  bart-tiny        BART seq2seq (forced BOS/EOS like bart-large-cnn), byte-level BPE
  pegasus-tiny     Pegasus seq2seq (sinusoidal positions, scaled embeddings), spiece.model
  deberta-buckets-tiny  DeBERTa-v2 with few position buckets and separate position projections
  mdeberta-nli-tiny  DeBERTa-v2 in mDeBERTa-v3 style with an NLI head whose id2label
                   is 0 entailment, 1 neutral, 2 contradiction; spm.model
  bart-mnli-tiny   BART with an NLI head in bart-large-mnli order
                   (0 contradiction, 1 neutral, 2 entailment)
  xlmr-nli-tiny    XLM-RoBERTa with an NLI head (0 neutral, 1 entailment,
                   2 contradiction), sentencepiece.bpe.model
  minilm-tiny      BERT/MiniLM encoder for mean-pooled, L2-normalized embeddings
  bert-stance-tiny BertForSequenceClassification over (sentence, target) pairs, 3 stance labels

Run with the venv made by scripts/setup (NEWSFRAME_FIXTURE_DEPS=1 scripts/setup):
    ~/.cache/newsframe/torch-2.4.0-py311/bin/python scripts/make_model_fixtures.py
Deterministic: fixed seeds, single thread. Versions used: torch 2.4.0,
transformers 4.57, tokenizers 0.22, sentencepiece 0.2.
"""

import json
import os
import random
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import sentencepiece as spm
import torch
import transformers
from tokenizers import ByteLevelBPETokenizer, BertWordPieceTokenizer
from transformers import (
    BartConfig,
    BartForConditionalGeneration,
    BartForSequenceClassification,
    BartTokenizerFast,
    BertConfig,
    BertForSequenceClassification,
    BertModel,
    BertTokenizerFast,
    DebertaV2Config,
    DebertaV2ForSequenceClassification,
    DebertaV2TokenizerFast,
    MT5Config,
    PegasusConfig,
    PegasusForConditionalGeneration,
    PegasusTokenizerFast,
    MT5ForConditionalGeneration,
    T5Tokenizer,
    T5TokenizerFast,
    XLMRobertaConfig,
    XLMRobertaForSequenceClassification,
    XLMRobertaTokenizerFast,
)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "models"
SEED = 20190522

# Project-written text in several languages, for the tiny vocabularies.
CORPUS = """\
The government announced a new budget on Tuesday, and the opposition called it a betrayal of voters.
Ministers said the plan would cut taxes for families while raising spending on schools and hospitals.
The United Nations urged both sides to return to talks before the election in May.
Norway offered to host the negotiations in Oslo, a spokesman for the foreign ministry said.
The president rejected the criticism and accused the opposition of spreading fear.
Protesters gathered outside parliament on Wednesday evening, holding signs and singing.
Police said the demonstration was peaceful and that nobody had been arrested.
The central bank kept interest rates unchanged and warned that inflation remained high.
Farmers in the north complained that the drought had destroyed most of the harvest.
A court in the capital ruled that the election commission had acted within the law.
El gobierno anunció un nuevo presupuesto el martes y la oposición lo calificó de traición.
Los ministros dijeron que el plan reduciría los impuestos de las familias.
Las Naciones Unidas pidieron a ambas partes que volvieran a la mesa de negociación.
Noruega se ofreció a acoger las conversaciones en Oslo, según un portavoz.
El presidente rechazó las críticas y acusó a la oposición de sembrar el miedo.
Le gouvernement a annoncé un nouveau budget mardi et l'opposition a dénoncé une trahison.
Les ministres ont déclaré que le plan réduirait les impôts des familles.
Les Nations unies ont exhorté les deux camps à reprendre le dialogue avant les élections.
La Norvège a proposé d'accueillir les négociations à Oslo, selon un porte-parole.
Le président a rejeté les critiques et accusé l'opposition de semer la peur.
Die Regierung stellte am Dienstag einen neuen Haushalt vor, die Opposition sprach von Verrat.
Die Vereinten Nationen forderten beide Seiten auf, die Gespräche wieder aufzunehmen.
Norwegen bot an, die Verhandlungen in Oslo auszurichten, sagte ein Sprecher.
Regjeringen la fram et nytt budsjett tirsdag, og opposisjonen kalte det et svik.
FN ba begge parter om å vende tilbake til forhandlingsbordet før valget.
Правительство во вторник представило новый бюджет, оппозиция назвала его предательством.
Организация Объединённых Наций призвала стороны вернуться к переговорам.
أعلنت الحكومة يوم الثلاثاء عن ميزانية جديدة ووصفتها المعارضة بأنها خيانة.
دعت الأمم المتحدة الطرفين إلى العودة إلى المفاوضات قبل الانتخابات.
Serikali ilitangaza bajeti mpya siku ya Jumanne na upinzani ukaiita usaliti.
"""

SEQ2SEQ_INPUTS = [
    "The government announced a new budget on Tuesday, and the opposition called it a betrayal.",
    "El gobierno anunció un nuevo presupuesto y la oposición lo calificó de traición.",
    "Norwegen bot an, die Verhandlungen in Oslo auszurichten.",
]

# Generation settings; `max_length` counts the decoder start token, as in transformers.
GENERATION_CASES = [
    {"name": "greedy", "num_beams": 1, "max_length": 16, "min_length": 0,
     "no_repeat_ngram_size": 0, "length_penalty": 1.0, "early_stopping": False},
    {"name": "greedy_min_len_no_repeat", "num_beams": 1, "max_length": 20, "min_length": 8,
     "no_repeat_ngram_size": 2, "length_penalty": 1.0, "early_stopping": False},
    {"name": "beam4_early", "num_beams": 4, "max_length": 20, "min_length": 4,
     "no_repeat_ngram_size": 3, "length_penalty": 2.0, "early_stopping": True},
    {"name": "beam3_lp08", "num_beams": 3, "max_length": 18, "min_length": 0,
     "no_repeat_ngram_size": 2, "length_penalty": 0.8, "early_stopping": False},
]

NLI_PAIRS = [
    ("The government announced a new budget on Tuesday.", "This text is about the government."),
    ("The opposition called the budget a betrayal of voters.", "The opposition is criticized."),
    ("El gobierno anunció un nuevo presupuesto.", "Este texto es positivo sobre el gobierno."),
    ("Norwegen bot an, die Verhandlungen in Oslo auszurichten.", "Norwegen wird gelobt."),
    # Longer than the window: truncation must cut the premise, never the hypothesis.
    (" ".join(CORPUS.splitlines()[:6]), "The United Nations is praised."),
]
NLI_MAX_LENGTH = 48

EMBED_SENTENCES = [
    "The government announced a new budget.",
    "El gobierno anunció un nuevo presupuesto.",
    "Le président a rejeté les critiques.",
    "Norwegen bot an, die Verhandlungen auszurichten.",
    "Police said the demonstration was peaceful and that nobody had been arrested on Wednesday.",
]
EMBED_MAX_LENGTH = 24


def seed_all(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def tolist(t: torch.Tensor):
    return t if isinstance(t, list) else t.detach().cpu().tolist()


def corpus_file(tmp: Path) -> Path:
    path = tmp / "corpus.txt"
    path.write_text(CORPUS, encoding="utf-8")
    return path


def train_spm(tmp: Path, prefix: str, vocab_size: int, **ids) -> Path:
    spm.SentencePieceTrainer.train(
        input=str(corpus_file(tmp)),
        model_prefix=str(tmp / prefix),
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        seed_sentencepiece_size=10000,
        num_threads=1,
        minloglevel=2,
        # No NFKC charsmap: it alone would add ~240 KB to spiece.model and to tokenizer.json.
        normalization_rule_name="identity",
        **ids,
    )
    return tmp / f"{prefix}.model"


def fresh_dir(name: str) -> Path:
    path = OUT / name
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def write_reference(path: Path, data: dict) -> None:
    data = {
        "generated_by": f"scripts/{Path(sys.argv[0]).name}",
        "transformers": transformers.__version__,
        "torch": torch.__version__.split("+")[0],
        **data,
    }
    (path / "reference.json").write_text(json.dumps(data, ensure_ascii=False) + "\n", encoding="utf-8")


def round_floats(x, digits=7):
    if isinstance(x, list):
        return [round_floats(v, digits) for v in x]
    return float(f"{x:.{digits}g}")


def seq2seq_reference(model, tokenizer, out: Path, extra: dict) -> None:
    model.eval()
    cases = []
    with torch.no_grad():
        inputs = [tokenizer(text, return_tensors="pt") for text in SEQ2SEQ_INPUTS]
        encoder_states = [
            round_floats(tolist(model.get_encoder()(**enc).last_hidden_state[0])) for enc in inputs
        ]
        for case in GENERATION_CASES:
            settings = {k: v for k, v in case.items() if k != "name"}
            ids = []
            for enc in inputs:
                generated = model.generate(**enc, do_sample=False, **settings)
                ids.append(tolist(generated[0]))
            cases.append({**case, "ids": ids})
        # Teacher-forced logits on the start token followed by the first greedy ids.
        start = model.config.decoder_start_token_id
        decoder_ids = torch.tensor([[start] + cases[0]["ids"][0][1:6]])
        logits = model(**inputs[0], decoder_input_ids=decoder_ids).logits[0]
    write_reference(out, {
        "inputs": SEQ2SEQ_INPUTS,
        "input_ids": [tolist(enc["input_ids"][0]) for enc in inputs],
        "encoder_states": encoder_states,
        "decoder_input_ids": tolist(decoder_ids[0]),
        "logits": round_floats(tolist(logits)),
        "generation": cases,
        **extra,
    })


def make_mt5(tmp: Path) -> None:
    out = fresh_dir("mt5-tiny")
    model_file = train_spm(tmp, "spiece", 320, pad_id=0, eos_id=1, unk_id=2, bos_id=-1)
    shutil.copy(model_file, out / "spiece.model")
    tokenizer = T5TokenizerFast(vocab_file=str(out / "spiece.model"), extra_ids=0)
    seed_all(SEED)
    config = MT5Config(
        vocab_size=len(tokenizer), d_model=32, d_kv=8, d_ff=48, num_layers=2, num_decoder_layers=2,
        num_heads=4, relative_attention_num_buckets=8, relative_attention_max_distance=20,
        feed_forward_proj="gated-gelu", tie_word_embeddings=False, dropout_rate=0.0,
        pad_token_id=0, eos_token_id=1, decoder_start_token_id=0,
    )
    model = MT5ForConditionalGeneration(config)
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    # The slow (sentencepiece) tokenizer, which directories without
    # tokenizer.json get; it can differ from the fast one (e.g. a lone "▁").
    slow = T5Tokenizer(vocab_file=str(out / "spiece.model"), extra_ids=0, legacy=True)
    seq2seq_reference(model, tokenizer, out, {
        "input_ids_sentencepiece": [slow(text)["input_ids"] for text in SEQ2SEQ_INPUTS],
    })


def make_pegasus(tmp: Path) -> None:
    out = fresh_dir("pegasus-tiny")
    model_file = train_spm(tmp, "spiece", 300, pad_id=0, eos_id=1, unk_id=2, bos_id=-1)
    shutil.copy(model_file, out / "spiece.model")
    tokenizer = PegasusTokenizerFast(vocab_file=str(out / "spiece.model"))
    seed_all(SEED + 6)
    config = PegasusConfig(
        vocab_size=len(tokenizer), d_model=32, encoder_layers=2, decoder_layers=2,
        encoder_attention_heads=4, decoder_attention_heads=4, encoder_ffn_dim=48,
        decoder_ffn_dim=48, max_position_embeddings=128, dropout=0.0, attention_dropout=0.0,
        activation_dropout=0.0, init_std=0.3, pad_token_id=0, eos_token_id=1,
        decoder_start_token_id=0, forced_eos_token_id=1, scale_embedding=True,
    )
    model = PegasusForConditionalGeneration(config)
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    seq2seq_reference(model, tokenizer, out, {})


def make_bart_bpe(tmp: Path, out: Path) -> BartTokenizerFast:
    bpe = ByteLevelBPETokenizer()
    bpe.train(
        [str(corpus_file(tmp))], vocab_size=420, min_frequency=2,
        special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"], show_progress=False,
    )
    bpe.save_model(str(out))
    return BartTokenizerFast(vocab_file=str(out / "vocab.json"), merges_file=str(out / "merges.txt"))


def tiny_bart_config(vocab_size: int, **kw) -> BartConfig:
    return BartConfig(
        vocab_size=vocab_size, d_model=32, encoder_layers=2, decoder_layers=2,
        encoder_attention_heads=4, decoder_attention_heads=4, encoder_ffn_dim=48,
        decoder_ffn_dim=48, max_position_embeddings=128, dropout=0.0, attention_dropout=0.0,
        activation_dropout=0.0, pad_token_id=1, bos_token_id=0, eos_token_id=2,
        decoder_start_token_id=2, init_std=0.3, **kw,
    )


def make_bart(tmp: Path) -> None:
    out = fresh_dir("bart-tiny")
    tokenizer = make_bart_bpe(tmp, out)
    seed_all(SEED + 1)
    # As bart-large-cnn: generation starts </s> <s> (forced BOS) and is forced to end with </s>.
    config = tiny_bart_config(len(tokenizer), forced_bos_token_id=0, forced_eos_token_id=2)
    model = BartForConditionalGeneration(config)
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    seq2seq_reference(model, tokenizer, out, {})


def nli_reference(model, tokenizer, out: Path) -> None:
    model.eval()
    premises = [p for p, _ in NLI_PAIRS]
    hypotheses = [h for _, h in NLI_PAIRS]
    with torch.no_grad():
        batch = tokenizer(premises, hypotheses, truncation="only_first", max_length=NLI_MAX_LENGTH,
                          padding=True, return_tensors="pt")
        logits = model(**batch).logits
        probs = torch.softmax(logits, dim=-1)
        single = [
            tolist(tokenizer(p, h, truncation="only_first", max_length=NLI_MAX_LENGTH)["input_ids"])
            for p, h in NLI_PAIRS
        ]
    id2label = model.config.id2label
    write_reference(out, {
        "pairs": [{"premise": p, "hypothesis": h} for p, h in NLI_PAIRS],
        "max_length": NLI_MAX_LENGTH,
        "input_ids": single,
        "logits": round_floats(tolist(logits)),
        "probs": [
            {id2label[i].lower(): float(f"{v:.7g}") for i, v in enumerate(row)} for row in tolist(probs)
        ],
    })


NLI_LABELS_ENTAILMENT_FIRST = {0: "entailment", 1: "neutral", 2: "contradiction"}


def deberta_tokenizer(tmp: Path, out: Path):
    """A SentencePiece model with DeBERTa-v3's special pieces, saved into `out`."""
    model_file = train_spm(
        tmp, "spm", 360, pad_id=0, pad_piece="[PAD]", bos_id=1, bos_piece="[CLS]", eos_id=2,
        eos_piece="[SEP]", unk_id=3, unk_piece="[UNK]", user_defined_symbols=["[MASK]"],
    )
    shutil.copy(model_file, out / "spm.model")
    return DebertaV2TokenizerFast(vocab_file=str(out / "spm.model"))


def make_mdeberta(tmp: Path) -> None:
    out = fresh_dir("mdeberta-nli-tiny")
    tokenizer = deberta_tokenizer(tmp, out)
    seed_all(SEED + 2)
    config = DebertaV2Config(
        vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
        intermediate_size=48, max_position_embeddings=128, relative_attention=True,
        position_buckets=256, norm_rel_ebd="layer_norm", share_att_key=True,
        pos_att_type=["p2c", "c2p"], position_biased_input=False, type_vocab_size=0,
        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, pad_token_id=0,
        max_relative_positions=-1, layer_norm_eps=1e-7, initializer_range=0.3,
        id2label=NLI_LABELS_ENTAILMENT_FIRST,
        label2id={v: k for k, v in NLI_LABELS_ENTAILMENT_FIRST.items()},
    )
    model = DebertaV2ForSequenceClassification(config)
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    nli_reference(model, tokenizer, out)


def make_deberta_buckets(tmp: Path) -> None:
    """DeBERTa-v2 with the paths mdeberta-nli-tiny leaves out: few position buckets
    (log-bucketed and clamped relative positions on ordinary sentence pairs),
    separate pos_key/pos_query projections, absolute positions added to the input,
    the old "c2p|p2c" string form, and labels in another order."""
    out = fresh_dir("deberta-buckets-tiny")
    tokenizer = deberta_tokenizer(tmp, out)
    seed_all(SEED + 6)
    labels = {0: "contradiction", 1: "entailment", 2: "neutral"}
    config = DebertaV2Config(
        vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
        intermediate_size=48, max_position_embeddings=128, relative_attention=True,
        position_buckets=8, max_relative_positions=32, norm_rel_ebd="none", share_att_key=False,
        pos_att_type="c2p|p2c", position_biased_input=True, type_vocab_size=0,
        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, pad_token_id=0,
        layer_norm_eps=1e-7, initializer_range=0.3, hidden_act="gelu",
        id2label=labels, label2id={v: k for k, v in labels.items()},
    )
    model = DebertaV2ForSequenceClassification(config)
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    nli_reference(model, tokenizer, out)


def make_bart_mnli(tmp: Path) -> None:
    out = fresh_dir("bart-mnli-tiny")
    tokenizer = make_bart_bpe(tmp, out)
    seed_all(SEED + 3)
    labels = {0: "contradiction", 1: "neutral", 2: "entailment"}
    config = tiny_bart_config(len(tokenizer), id2label=labels,
                              label2id={v: k for k, v in labels.items()})
    model = BartForSequenceClassification(config)
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    nli_reference(model, tokenizer, out)


def make_xlmr(tmp: Path) -> None:
    out = fresh_dir("xlmr-nli-tiny")
    model_file = train_spm(tmp, "sentencepiece.bpe", 300, unk_id=0, bos_id=1, eos_id=2, pad_id=-1)
    shutil.copy(model_file, out / "sentencepiece.bpe.model")
    tokenizer = XLMRobertaTokenizerFast(vocab_file=str(out / "sentencepiece.bpe.model"))
    seed_all(SEED + 4)
    labels = {0: "NEUTRAL", 1: "ENTAILMENT", 2: "CONTRADICTION"}
    config = XLMRobertaConfig(
        vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
        intermediate_size=48, max_position_embeddings=130, type_vocab_size=1,
        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, pad_token_id=1,
        bos_token_id=0, eos_token_id=2, initializer_range=0.3, id2label=labels, label2id={v: k for k, v in labels.items()},
    )
    model = XLMRobertaForSequenceClassification(config)
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    nli_reference(model, tokenizer, out)


def wordpiece_tokenizer(tmp: Path, out: Path) -> BertTokenizerFast:
    """A lowercase WordPiece vocabulary of 400 trained on the corpus, saved into `out`."""
    wordpiece = BertWordPieceTokenizer(lowercase=True)
    wordpiece.train([str(corpus_file(tmp))], vocab_size=400, min_frequency=1, show_progress=False)
    wordpiece.save_model(str(out))
    return BertTokenizerFast(vocab_file=str(out / "vocab.txt"), do_lower_case=True,
                             model_max_length=EMBED_MAX_LENGTH)


def make_minilm(tmp: Path) -> None:
    out = fresh_dir("minilm-tiny")
    tokenizer = wordpiece_tokenizer(tmp, out)
    seed_all(SEED + 5)
    config = BertConfig(
        vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
        intermediate_size=48, max_position_embeddings=64, hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0, initializer_range=0.3,
    )
    model = BertModel(config, add_pooling_layer=False)
    model.eval()
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    # sentence-transformers layout: the window and the pooling it reads.
    (out / "sentence_bert_config.json").write_text(
        json.dumps({"max_seq_length": EMBED_MAX_LENGTH, "do_lower_case": False}) + "\n")
    embedding_reference(model, tokenizer, out)


def embedding_reference(model, tokenizer, out: Path) -> None:
    """Mean-pooled, L2-normalized sentence embeddings, as sentence-transformers computes them."""
    model.eval()
    with torch.no_grad():
        batch = tokenizer(EMBED_SENTENCES, padding=True, truncation=True,
                          max_length=EMBED_MAX_LENGTH, return_tensors="pt")
        states = model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(states.dtype)
        pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        embeddings = torch.nn.functional.normalize(pooled, p=2, dim=1)
    write_reference(out, {
        "sentences": EMBED_SENTENCES,
        "max_length": EMBED_MAX_LENGTH,
        "input_ids": [tolist(tokenizer(s, truncation=True, max_length=EMBED_MAX_LENGTH)["input_ids"])
                      for s in EMBED_SENTENCES],
        "embeddings": round_floats(tolist(embeddings)),
    })


STANCE_PAIRS = [
    ("The government announced a new budget.", "government"),
    ("Police said the demonstration was peaceful and that nobody had been arrested on Wednesday.",
     "Police"),
    ("El gobierno anunció un nuevo presupuesto.", "El gobierno"),
    ("Le président a rejeté les critiques.", "Le président"),
]
STANCE_LABELS = {0: "negative", 1: "neutral", 2: "positive"}


def make_bert_stance(tmp: Path) -> None:
    out = fresh_dir("bert-stance-tiny")
    tokenizer = wordpiece_tokenizer(tmp, out)
    seed_all(SEED + 9)
    config = BertConfig(
        vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
        intermediate_size=48, max_position_embeddings=64, initializer_range=0.3,
        num_labels=3, id2label=STANCE_LABELS, label2id={v: k for k, v in STANCE_LABELS.items()},
    )
    model = BertForSequenceClassification(config)
    model.eval()
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    sentences = [p for p, _ in STANCE_PAIRS]
    targets = [t for _, t in STANCE_PAIRS]
    with torch.no_grad():
        batch = tokenizer(sentences, targets, truncation="only_first", max_length=EMBED_MAX_LENGTH,
                          padding=True, return_tensors="pt")
        logits = model(**batch).logits
    single = [tokenizer(p, t, truncation="only_first", max_length=EMBED_MAX_LENGTH)
              for p, t in STANCE_PAIRS]
    write_reference(out, {
        "pairs": [{"text": p, "target": t} for p, t in STANCE_PAIRS],
        "max_length": EMBED_MAX_LENGTH,
        "input_ids": [tolist(e["input_ids"]) for e in single],
        "token_type_ids": [tolist(e["token_type_ids"]) for e in single],
        "logits": round_floats(tolist(logits)),
    })


def main() -> int:
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    only = set(sys.argv[1:])
    makers = {
        "mt5-tiny": make_mt5, "bart-tiny": make_bart, "pegasus-tiny": make_pegasus,
        "mdeberta-nli-tiny": make_mdeberta, "deberta-buckets-tiny": make_deberta_buckets,
        "bart-mnli-tiny": make_bart_mnli, "xlmr-nli-tiny": make_xlmr, "minilm-tiny": make_minilm,
        "bert-stance-tiny": make_bert_stance,
    }
    for name, make in makers.items():
        if only and name not in only:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            make(Path(tmp))
        size = sum(f.stat().st_size for f in (OUT / name).iterdir())
        print(f"{name}: {size / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
