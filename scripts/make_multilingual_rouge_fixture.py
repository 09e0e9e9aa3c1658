#!/usr/bin/env python3
"""Writes tests/fixtures/eval/rouge_multilingual.jsonl: (target, prediction)
pairs in German, Spanish, French, Portuguese, Russian and English, built from
sentences written for this project, with the ROUGE-1/2/L scores of the
XL-Sum authors' multilingual ROUGE (PyPI `multilingual-rouge` 0.0.1, a
packaged fork of csebuetnlp/xl-sum's multilingual_rouge_scoring), with
Snowball stemming of the pair's language.

nltk's Snowball stemmer is passed as `callable_stemmer` with stopwords
stemmed too (`ignore_stopwords=False`): the package's default needs nltk's
stopword corpus, a separate download. newsframe's multilingual mode stems
every token longer than three characters the same way.

    python3 -m venv /tmp/mlrouge && /tmp/mlrouge/bin/pip install multilingual-rouge==0.0.1
    /tmp/mlrouge/bin/python scripts/make_multilingual_rouge_fixture.py

Seeded (random.Random(20190522)); tests/integration/eval_rouge_parity.rs compares
newsframe's multilingual mode with every value to 1e-6.
"""

import json
import os
import random

from multilingual_rouge import rouge_scorer
from nltk.stem import SnowballStemmer

OUT = os.path.join("tests", "fixtures", "eval", "rouge_multilingual.jsonl")
SEED = 20190522
TYPES = ["rouge1", "rouge2", "rougeL"]
NAMES = {
    "de": "german",
    "es": "spanish",
    "fr": "french",
    "pt": "portuguese",
    "ru": "russian",
    "en": "english",
}

SENTENCES = {
    "de": [
        "Die Regierung und die Opposition trafen sich in Oslo zu ersten Gesprächen.",
        "Norwegens Außenministerium bestätigte, dass die Gespräche vertraulich bleiben.",
        "Die Inflation stieg im April um 1,5 Prozent, die Löhne stagnierten.",
        "Demonstranten zogen durch die Straßen und forderten Neuwahlen.",
        "Die Vereinten Nationen begrüßten jeden Schritt zu einer Verhandlungslösung.",
        "Washington verhängte neue Sanktionen gegen staatliche Unternehmen.",
        "Stromausfälle ließen mehrere Städte tagelang ohne Wasser.",
        "Der Sprecher sagte: „Wir sind zum Dialog bereit, aber nicht zur Kapitulation.“",
    ],
    "es": [
        "El Gobierno y la oposición se reunieron en Oslo para conversaciones exploratorias.",
        "Noruega confirmó su papel de facilitador en las negociaciones.",
        "EE.UU. anunció nuevas sanciones contra funcionarios del Gobierno.",
        "Los precios subieron un 1,5% en abril y 2.000 trabajadores dejaron la refinería.",
        "La ONU celebró los contactos y pidió una solución negociada.",
        "¿Habrá elecciones libres este año?, preguntó el dirigente opositor.",
        "Los manifestantes marcharon, marcharon otra vez y siguieron marchando.",
        "Un nuevo apagón dejó sin electricidad ni agua a varias ciudades.",
    ],
    "fr": [
        "L'opposition a dénoncé la répression des manifestations par les forces de l'ordre.",
        "Les Nations unies ont appelé au calme et au dialogue.",
        "Le gouvernement s'est dit prêt à reprendre les négociations à Oslo.",
        "Aujourd'hui, l'inflation dépasse 1 000 % selon les économistes.",
        "Washington a annoncé de nouvelles sanctions contre l'entreprise pétrolière.",
        "« Nous ne céderons pas », a déclaré le porte-parole du ministère.",
        "Les délégations sont rentrées sans accord après la première rencontre.",
        "Les hôpitaux manquent de médicaments depuis des mois.",
    ],
    "pt": [
        "O governo e a oposição reuniram-se em Oslo para conversações exploratórias.",
        "A Noruega confirmou o seu papel de mediadora nas negociações.",
        "Os EUA anunciaram novas sanções contra funcionários do governo.",
        "A inflação subiu 1,5% em abril, e os salários continuaram estagnados.",
        "A ONU saudou os contactos e pediu uma solução negociada.",
        "Manifestantes marcharam pelas ruas exigindo novas eleições.",
        "Apagões deixaram várias cidades sem água durante dias.",
        "O porta-voz disse: \"Estamos prontos para dialogar, mas não para nos rendermos.\"",
    ],
    "ru": [
        "Представители правительства и оппозиции провели встречи в Осло.",
        "Норвегия выступила посредником на переговорах.",
        "США объявили о новых санкциях против государственных компаний.",
        "Инфляция в апреле выросла на 1,5%, а зарплаты не изменились.",
        "ООН приветствовала любые шаги к мирному урегулированию.",
        "Демонстранты прошли по улицам столицы, требуя новых выборов.",
        "Отключения электричества оставили несколько городов без воды.",
        "«Мы готовы к диалогу, но не к капитуляции», — заявил представитель.",
    ],
    "en": [
        "The government and the opposition agreed to meet in Oslo on Tuesday.",
        "Norway's foreign ministry said the talks were exploratory.",
        "The U.S. embassy said sanctions would stay in place until free elections.",
        "Prices rose 1.5% in April, and 2,000 workers walked out of the refinery.",
        "Protesters marched, marched again, and kept marching through the capital.",
        "The UN welcomed any effort toward a negotiated solution.",
        "Dying patients waited for medicines that never arrived.",
        "Relations between the two governments have deteriorated sharply.",
    ],
}


# Inflected forms sharing stems, to exercise each language's stemmer.
INFLECTED = {
    "de": "Verhandlung Verhandlungen verhandeln verhandelte verhandelten Regierung "
    "Regierungen regieren regierte Gespräch Gespräche Gesprächen Wahl Wahlen wählen "
    "gewählt Stadt Städte städtischen Sanktion Sanktionen",
    "es": "negociación negociaciones negociar negociaron negociado gobierno gobiernos "
    "gobernar gobernaba elección elecciones elegir elegido ciudad ciudades sanción "
    "sanciones sancionar protestas protestaron manifestantes manifestación",
    "fr": "négociation négociations négocier négocié négociaient gouvernement "
    "gouvernements gouverner gouvernait élection élections élire élu ville villes "
    "sanction sanctions sanctionner manifestants manifestation manifestations",
    "pt": "negociação negociações negociar negociaram negociado governo governos "
    "governar governava eleição eleições eleger eleito cidade cidades sanção sanções "
    "sancionar manifestantes manifestação manifestações",
    "ru": "переговоры переговоров переговорах правительство правительства "
    "правительством выборы выборов выборах город города городов санкции санкций "
    "санкциями демонстранты демонстрантов заявил заявила заявили",
    "en": "negotiation negotiations negotiate negotiated governments governing "
    "elections elected electing cities city sanctions sanctioned protesters "
    "protested protesting agreement agreed agreeing",
}

# Suffixes glued to words by `mutate`, in each language's script: nltk's
# Russian stemmer transliterates, so a Latin letter on a Cyrillic word comes
# back changed (an artifact of nltk, not of ROUGE, kept out of the fixture).
SUFFIXES = {"ru": ["ы", "ами", "ой", ",", "."]}
LATIN_SUFFIXES = ["s", "en", "es", "ait", "ão", ",", "."]


def mutate(sentence, words, rng, suffixes):
    out = []
    for w in sentence.split():
        r = rng.random()
        if r < 0.12:
            continue
        if r < 0.20:
            out.append(rng.choice(words))
        elif r < 0.25:
            out.extend([w, w])
        elif r < 0.30 and "ß" not in w:
            # newsframe folds case fully (Straße = STRASSE); the XL-Sum
            # scorer lowercases (straße != strasse): a known, deliberate
            # difference kept out of the fixture.
            out.append(w.upper())
        elif r < 0.45:
            out.append(w + rng.choice(suffixes))
        else:
            out.append(w)
    if len(out) > 2 and rng.random() < 0.3:
        i = rng.randrange(len(out) - 1)
        out[i], out[i + 1] = out[i + 1], out[i]
    return " ".join(out)


def main():
    rng = random.Random(SEED)
    with open(OUT, "w", encoding="utf-8") as f:
        for lang, sentences in SENTENCES.items():
            words = sorted({w for s in sentences for w in s.split()})
            stemmer = SnowballStemmer(NAMES[lang])
            scorers = {
                "nostem": rouge_scorer.RougeScorer(TYPES, use_stemmer=False, lang=NAMES[lang]),
                "stem": rouge_scorer.RougeScorer(
                    TYPES, use_stemmer=True, lang=NAMES[lang], callable_stemmer=stemmer.stem
                ),
            }
            inflected = INFLECTED[lang].split()
            for i in range(10):
                target = " ".join(rng.choice(inflected) for _ in range(rng.randint(4, 10)))
                pred = " ".join(rng.choice(inflected) for _ in range(rng.randint(4, 10)))
                rec = {"id": f"{lang}-i{i:02d}", "lang": lang, "target": target, "prediction": pred}
                for name, scorer in scorers.items():
                    s = scorer.score(target, pred)
                    rec[name] = {t: [s[t].precision, s[t].recall, s[t].fmeasure] for t in TYPES}
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
            for i in range(40):
                k = rng.randint(1, 3)
                target = " ".join(rng.sample(sentences, k))
                if rng.random() < 0.6:
                    suffixes = SUFFIXES.get(lang, LATIN_SUFFIXES)
                    pred = " ".join(mutate(s, words, rng, suffixes) for s in target.split(". "))
                else:
                    pred = " ".join(rng.sample(sentences, rng.randint(1, 3)))
                rec = {"id": f"{lang}-{i:02d}", "lang": lang, "target": target, "prediction": pred}
                for name, scorer in scorers.items():
                    s = scorer.score(target, pred)
                    rec[name] = {t: [s[t].precision, s[t].recall, s[t].fmeasure] for t in TYPES}
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(OUT)


if __name__ == "__main__":
    main()
