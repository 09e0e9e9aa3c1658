#!/usr/bin/env python3
"""Writes the reference values that newsframe's evaluator is tested against.

Outputs (under tests/fixtures/eval/):
  rouge_parity.jsonl   360 (target, prediction) pairs built from sentences
                       written for this project, with the scores of Google's
                       rouge-score (rouge1, rouge2, rougeL, rougeLsum;
                       precision, recall, fmeasure), with and without stemming.
  stance_metrics.json  label sequences with scikit-learn's accuracy, per-class
                       precision/recall/F1/support, macro-F1 and confusion matrix.

Run from the repository root with a Python that has rouge-score (0.1.2, which
uses nltk's PorterStemmer in its default NLTK_EXTENSIONS mode) and
scikit-learn:

    python3 -m venv /tmp/evalref && /tmp/evalref/bin/pip install rouge-score scikit-learn
    /tmp/evalref/bin/python scripts/make_eval_fixtures.py

Generation is seeded (random.Random(20190430)), so a rerun gives the same files.
The Rust tests (tests/integration/eval_rouge_parity.rs, tests/integration/eval_stance_metrics.rs)
compare newsframe's numbers with these to 1e-6 (ROUGE) and 1e-9 (stance).
"""

import json
import os
import random

import numpy as np
from rouge_score import rouge_scorer
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)

OUT = os.path.join("tests", "fixtures", "eval")
SEED = 20190430
ROUGE_TYPES = ["rouge1", "rouge2", "rougeL", "rougeLsum"]

# Sentences written for these fixtures: news register, punctuation, numbers,
# abbreviations, repeated words, inflected forms that stemmers treat
# differently (nltk's Porter vs Snowball), and a few non-ASCII words that
# rouge-score's tokenizer drops.
SENTENCES = [
    "The government and the opposition agreed to meet in Oslo on Tuesday.",
    "Norway's foreign ministry said the talks were exploratory.",
    "Opposition leader Juan Guaidó confirmed that envoys had travelled to Norway.",
    "The U.S. embassy said sanctions would stay in place until free elections.",
    "Prices rose 1.5% in April, and 2,000 workers walked out of the refinery.",
    "The UN secretary-general welcomed any effort toward a negotiated solution.",
    "Protesters marched, marched again, and kept marching through Caracas.",
    "Officials denied the reports; they called them \"fake news\".",
    "A spokesman for the ministry declined to comment on the negotiations.",
    "Mediators hoped that generously offered guarantees would restore trust.",
    "The crisis has driven 3.7 million people to leave the country since 2015.",
    "Both delegations were flying home after the first round of meetings.",
    "The president's allies accused the opposition of plotting a coup.",
    "Relations between Washington and Caracas have deteriorated sharply.",
    "Analysts say the sky-high inflation makes daily life a struggle.",
    "Dying patients waited for medicines that never arrived at the hospitals.",
    "Electricity failures cut water supplies in several states.",
    "He said: 'We are ready to talk, but not to surrender.'",
    "The agreement, signed at 10:30 a.m., covers humanitarian aid only.",
    "Nothing was decided, nothing was signed, and nothing was announced.",
    "São Paulo and Bogotá hosted meetings of the regional contact group.",
    "Sources told Reuters that the conversations were \"productive\".",
    "The military remained loyal to the government, generals insisted.",
    "Critics argued that elections organized by the council were unfair.",
    "Troops blocked the bridge; trucks carrying aid could not cross.",
    "International observers were hopeful, cautiously hopeful, about the process.",
    "The ministries' statements conflicted with each other on key points.",
    "Oil exports fell by roughly a third, according to industry data.",
    "Residents queued for hours to buy bread, rice and cooking gas.",
    "Ties between the two countries are at their lowest point in decades.",
]

# Inflected forms that exercise the Porter stemmer's rules (steps 1a-5 and
# nltk's extensions: irregular forms, "-li" endings, short words).
STEM_WORDS = (
    "caresses ponies ties caress cats feed agreed plastered bled motoring sing "
    "conflated troubled sized hopping tanned falling hissing fizzed failing filing "
    "happy sky relational conditional rational valenci hesitanci digitizer "
    "conformabli radicalli differentli vileli analogousli vietnamization "
    "predication operator feudalism decisiveness hopefulness callousness "
    "formaliti sensitiviti sensibiliti triplicate formative formalize "
    "electriciti electrical hopeful goodness revival allowance inference "
    "airliner gyroscopic adjustable defensible irritant replacement adjustment "
    "dependent adoption homologou communism activate angulariti homologous "
    "effective bowdlerize probate rate cease controll roll dying lying news "
    "generously generous generalizations oscillators negotiations negotiated "
    "negotiating elections elected electing sanctions sanctioned protesters "
    "protested protesting agreement agreements agreeing ministries ministry "
    "says said saying skies flies flying died dies"
).split()

WORDS = sorted({w for s in SENTENCES for w in s.replace("\n", " ").split()})
PUNCT = [",", ".", ";", ":", "!", "?", "--", "(", ")", "\"", "'", "%", "&", "/"]


def mutate(sentence, rng):
    """A paraphrase-like variant: drop, swap, repeat or replace some words."""
    words = sentence.split()
    out = []
    for w in words:
        r = rng.random()
        if r < 0.12:
            continue
        if r < 0.20:
            out.append(rng.choice(WORDS))
        elif r < 0.25:
            out.extend([w, w])
        elif r < 0.30:
            out.append(w.upper())
        elif r < 0.33:
            out.append(w + rng.choice(PUNCT))
        elif r < 0.40:
            out.append(w + rng.choice(["s", "es", "ing", "ed", "ly", "ness", "ation"]))
        else:
            out.append(w)
    if len(out) > 2 and rng.random() < 0.3:
        i = rng.randrange(len(out) - 1)
        out[i], out[i + 1] = out[i + 1], out[i]
    return " ".join(out)


def multi(rng, lo, hi, mutated):
    n = rng.randint(lo, hi)
    sents = rng.sample(SENTENCES, n)
    if mutated:
        sents = [mutate(s, rng) for s in sents]
    return "\n".join(sents)


def make_pairs(rng):
    pairs = [
        ("", ""),
        ("", "The government agreed."),
        ("The government agreed.", ""),
        ("...", "!!!"),
        ("a", "a"),
        ("the the the the", "the the"),
        ("2019 2019 1.5", "2019 1 5"),
        ("Guaidó São Bogotá", "Guaidó São Bogotá"),
        ("running runs ran runner", "run running ranning"),
        ("\n\nThe talks.\n\n", "The talks\n"),
        ("generously generous generosity", "generous generously"),
        ("sky skies dying dies lying ties", "skies sky die dying tie"),
        ("The U.S. and the U.N.", "the us and the un"),
        ("İstanbul KELVIN Straße", "istanbul kelvin strasse"),
    ]
    for _ in range(60):
        target = " ".join(rng.choice(STEM_WORDS) for _ in range(rng.randint(3, 12)))
        pred = " ".join(rng.choice(STEM_WORDS) for _ in range(rng.randint(3, 12)))
        if rng.random() < 0.5:
            pred = target.replace("s ", " ").replace("ing", "ed")
        pairs.append((target, pred))
    while len(pairs) < 360:
        kind = rng.random()
        if kind < 0.35:
            target = rng.choice(SENTENCES)
            pred = mutate(target, rng)
        elif kind < 0.55:
            target = rng.choice(SENTENCES)
            pred = rng.choice(SENTENCES)
        elif kind < 0.85:
            target = multi(rng, 2, 4, False)
            pred = multi(rng, 1, 4, True)
        else:
            target = multi(rng, 1, 3, True)
            sents = target.split("\n")
            rng.shuffle(sents)
            pred = "\n".join(mutate(s, rng) for s in sents)
        pairs.append((target, pred))
    return pairs


def rouge_fixture(rng):
    scorers = {
        "nostem": rouge_scorer.RougeScorer(ROUGE_TYPES, use_stemmer=False),
        "stem": rouge_scorer.RougeScorer(ROUGE_TYPES, use_stemmer=True),
    }
    path = os.path.join(OUT, "rouge_parity.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for i, (target, pred) in enumerate(make_pairs(rng)):
            rec = {"id": f"pair-{i:03d}", "target": target, "prediction": pred}
            for name, scorer in scorers.items():
                s = scorer.score(target, pred)
                rec[name] = {
                    t: [s[t].precision, s[t].recall, s[t].fmeasure] for t in ROUGE_TYPES
                }
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return path


def stance_case(name, labels, y_true, y_pred):
    """scikit-learn's metrics over `labels`; a prediction outside them (the
    evaluator's "missing") counts as wrong and is no class's prediction."""
    p, r, f, s = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    cm = confusion_matrix(y_true, y_pred, labels=labels + ["missing"])
    case = {
        "name": name,
        "labels": labels,
        "y_true": y_true,
        "y_pred": y_pred,
        "accuracy": accuracy_score(y_true, y_pred),
        "macro_f1": f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0),
        "precision": p.tolist(),
        "recall": r.tolist(),
        "f1": f.tolist(),
        "support": [int(x) for x in s],
        "confusion": cm[: len(labels)].tolist(),
    }
    if "positive" in labels and "negative" in labels:
        # SemEval-2016 Task 6's F_avg: mean F1 of FAVOR (positive) and AGAINST (negative).
        fav = f1_score(y_true, y_pred, labels=["positive"], average="macro", zero_division=0)
        ag = f1_score(y_true, y_pred, labels=["negative"], average="macro", zero_division=0)
        case["f_avg"] = (fav + ag) / 2
    return case


def stance_fixture(rng):
    three = ["negative", "neutral", "positive"]
    two = ["negative", "positive"]
    cases = [
        stance_case("perfect", three, ["positive", "neutral", "negative"],
                    ["positive", "neutral", "negative"]),
        stance_case("never_predicted_class", three,
                    ["positive", "positive", "neutral", "negative", "negative"],
                    ["positive", "neutral", "neutral", "neutral", "negative"]),
        stance_case("with_missing", three,
                    ["positive", "neutral", "negative", "negative", "neutral"],
                    ["positive", "missing", "negative", "missing", "positive"]),
        stance_case("binary", two,
                    ["positive", "negative", "negative", "positive", "negative"],
                    ["negative", "negative", "negative", "positive", "positive"]),
    ]
    for k in range(6):
        labels = three if k % 2 == 0 else two
        n = rng.randint(20, 120)
        y_true = [rng.choice(labels) for _ in range(n)]
        y_pred = []
        for t in y_true:
            r = rng.random()
            if r < 0.55:
                y_pred.append(t)
            elif r < 0.95:
                y_pred.append(rng.choice(labels))
            else:
                y_pred.append("missing")
        cases.append(stance_case(f"random_{k}", labels, y_true, y_pred))
    path = os.path.join(OUT, "stance_metrics.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"cases": cases}, f, indent=1)
        f.write("\n")
    return path


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = random.Random(SEED)
    np.random.seed(SEED)
    print(rouge_fixture(rng))
    print(stance_fixture(rng))


if __name__ == "__main__":
    main()
