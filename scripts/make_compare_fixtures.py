#!/usr/bin/env python3
"""Writes the sample analysis records of tests/fixtures/records/ used by the
`newsframe compare` tests.

The outlets, sentences and scores are fictional, written for this project:
five outlets (Spanish, English, Norwegian) covering the 2019 talks between
Venezuela's government and opposition, with different framings; a record of
the same story from another engine; a second story (the March 2019
blackout); records carrying hostile markup; and malformed lines. Every
record follows src/record.rs (schema_version 1): score = P(positive) −
P(negative), stance = the most probable label, evidence spans are byte
offsets into the sentences joined by spaces.

Usage: python3 scripts/make_compare_fixtures.py   (standard library only;
deterministic: no randomness).
"""
import json, os
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "records")
os.makedirs(OUT, exist_ok=True)
BUILTIN = {"summary": "builtin-extractive@0.1.0", "stance": "builtin-lexicon@0.1.0",
           "actors": "venezuela-2019.toml@sha256:5f1c0a9e"}
TRANSFORMER = {"summary": "mt5-xlsum@2437a524effdbadc327ced84595508f1e32025b3",
               "stance": "mdeberta-nli@a3a3bb0a4f4b6d4f1c2c3b6b0e1f9e2d7c8b9a10",
               "actors": "venezuela-2019.toml@sha256:5f1c0a9e"}
ACTORS = [("government", "Government of Venezuela", "government"),
          ("opposition", "Opposition", "party"),
          ("us", "United States", "state"),
          ("norway", "Norway", "state"),
          ("un", "United Nations", "organization"),
          ("eu", "European Union", "organization")]

def probs_for(score):
    # a plausible 3-way distribution whose P(pos)-P(neg) equals score
    neu = round(max(0.08, 0.6 - abs(score) * 0.55), 2)
    rest = 1.0 - neu
    pos = round((rest + score) / 2, 4)
    neg = round(1.0 - neu - pos, 4)
    return {"positive": pos, "neutral": neu, "negative": neg}

def actor(aid, stances, body_sents):
    name = next(a for a in ACTORS if a[0] == aid)
    if aid not in stances:
        return {"id": aid, "name": name[1], "kind": name[2], "mentions": 0, "stance": None,
                "score": None, "confidence": None, "probs": None, "evidence": []}
    mentions, score, ev = stances[aid]
    p = probs_for(score)
    label = max(["negative", "neutral", "positive"], key=lambda k: (p[k], k == "neutral"))
    evidence = []
    for idx, elabel, ep in ev:
        text = body_sents[idx]
        start = sum(len(s.encode()) + 1 for s in body_sents[:idx])
        evidence.append({"sentence": idx, "span": {"start": start, "end": start + len(text.encode())},
                         "text": text, "label": elabel, "p": ep})
    return {"id": aid, "name": name[1], "kind": name[2], "mentions": mentions, "stance": label,
            "score": round(p["positive"] - p["negative"], 4), "confidence": max(p.values()),
            "probs": p, "evidence": evidence}

def record(path, line, rid, source, date, lang, title, summary, summary_idx, sents, stances,
           engine=BUILTIN, method="extractive", warnings=()):
    return {"schema_version": 1, "id": rid, "source": source, "date": date, "lang": lang,
            "title": title, "url": f"https://example.org/{rid}",
            "origin": {"path": path, "line": line}, "engine": engine,
            "summary": {"text": summary, "method": method, "sentences": summary_idx},
            "actors": [actor(a[0], stances, sents) for a in ACTORS], "warnings": list(warnings)}

def write(name, rows):
    with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")

P = "corpus/venezuela.jsonl"
rows = []
def add(source, date, lang, title, sents, summary_idx, stances, **kw):
    rid = f"{source.lower().replace(' ', '-')}-{len([r for r in rows if r.get('source') == source]) + 1}"
    summary = " ".join(sents[i] for i in summary_idx)
    rows.append(record(P, len(rows) + 1, rid, source, date, lang, title, summary, summary_idx, sents, stances, **kw))

# Diario Bolivariano (es): close to the government
s = ["El gobierno del presidente Nicolás Maduro envió una delegación a Oslo para dialogar por la paz.",
     "El ministro de Comunicación celebró la madurez del gobierno bolivariano.",
     "La oposición golpista llega debilitada tras el fracaso del 30 de abril.",
     "Washington insiste en sus sanciones ilegales contra el pueblo venezolano.",
     "Noruega ofreció su territorio como facilitador neutral."]
add("Diario Bolivariano", "2019-05-16", "es", "Gobierno bolivariano apuesta por el diálogo en Oslo", s, [0, 1],
    {"government": (3, 0.78, [(1, "positive", 0.91), (0, "positive", 0.74)]),
     "opposition": (1, -0.71, [(2, "negative", 0.88)]),
     "us": (1, -0.83, [(3, "negative", 0.93)]),
     "norway": (1, 0.31, [(4, "positive", 0.62)])})
s = ["Las conversaciones en Oslo continúan por iniciativa del gobierno venezolano.",
     "El presidente Maduro afirmó que la paz se construye con diálogo y no con amenazas.",
     "Dirigentes de la oposición admitieron que no tienen respaldo en las calles.",
     "El bloqueo de Estados Unidos afecta la compra de alimentos y medicinas."]
add("Diario Bolivariano", "2019-05-22", "es", "Maduro: la paz se construye con diálogo", s, [0, 1],
    {"government": (2, 0.66, [(1, "positive", 0.86)]),
     "opposition": (1, -0.52, [(2, "negative", 0.77)]),
     "us": (1, -0.74, [(3, "negative", 0.89)])})
s = ["El gobierno anunció una nueva ronda de conversaciones en Barbados.",
     "Caracas agradeció el apoyo de Noruega al proceso.",
     "La oposición volvió a pedir la intervención extranjera."]
add("Diario Bolivariano", "2019-07-09", "es", "Nueva ronda de diálogo en Barbados", s, [0, 1],
    {"government": (2, 0.55, [(0, "positive", 0.71)]),
     "opposition": (1, -0.64, [(2, "negative", 0.83)]),
     "norway": (1, 0.58, [(1, "positive", 0.79)])})

# El Observador Libre (es): close to the opposition
s = ["Representantes de Juan Guaidó viajaron a Oslo sin abandonar la presión en la calle.",
     "La oposición exige elecciones libres como única salida a la crisis.",
     "El régimen de Maduro usa el diálogo para ganar tiempo, advierten analistas.",
     "Estados Unidos respaldó la búsqueda de una transición democrática.",
     "Noruega mantiene la confidencialidad de las reuniones."]
add("El Observador Libre", "2019-05-17", "es", "La oposición va a Oslo sin renunciar a la calle", s, [0, 1],
    {"government": (2, -0.81, [(2, "negative", 0.92)]),
     "opposition": (3, 0.72, [(1, "positive", 0.84), (0, "positive", 0.66)]),
     "us": (1, 0.49, [(3, "positive", 0.73)]),
     "norway": (1, 0.02, [(4, "neutral", 0.81)])})
s = ["Guaidó aseguró que no habrá acuerdo sin fecha para elecciones presidenciales.",
     "El chavismo reprimió una protesta en Caracas mientras sus negociadores hablaban de paz.",
     "La ONU documentó cientos de detenciones arbitrarias en el país."]
add("El Observador Libre", "2019-07-05", "es", "Guaidó: sin elecciones no hay acuerdo", s, [0, 2],
    {"government": (2, -0.88, [(1, "negative", 0.95)]),
     "opposition": (1, 0.61, [(0, "positive", 0.79)]),
     "un": (1, 0.22, [(2, "neutral", 0.58)])})

# Atlantic Ledger (en): US outlet
s = ["Envoys of Nicolás Maduro and opposition leader Juan Guaidó met in Oslo this week.",
     "Washington said any deal must end with Maduro leaving power.",
     "The opposition, recognized by more than 50 countries, pressed for a new vote.",
     "Critics say the government has used past talks to stall.",
     "Norway, a veteran mediator, kept the venue secret."]
add("Atlantic Ledger", "2019-05-17", "en", "Maduro and Guaidó envoys meet in Oslo", s, [0, 1],
    {"government": (3, -0.58, [(3, "negative", 0.81)]),
     "opposition": (2, 0.54, [(2, "positive", 0.76)]),
     "us": (1, 0.41, [(1, "positive", 0.69)]),
     "norway": (1, 0.35, [(4, "positive", 0.64)])})
s = ["The talks in Barbados ended without an agreement.",
     "US officials dismissed the process as a delaying tactic by the Maduro government.",
     "Guaidó's team said it would return only with a firm election date.",
     "The United Nations urged both sides to keep talking."]
add("Atlantic Ledger", "2019-07-12", "en", "Venezuela talks stall in Barbados", s, [0, 1],
    {"government": (2, -0.69, [(1, "negative", 0.87)]),
     "opposition": (1, 0.33, [(2, "positive", 0.61)]),
     "us": (1, 0.12, [(1, "neutral", 0.55)]),
     "un": (1, 0.28, [(3, "positive", 0.6)])})
s = ["Sanctions on Venezuelan oil were tightened as talks resumed.",
     "The Treasury said the measures target the government, not ordinary Venezuelans.",
     "Opposition lawmakers welcomed the pressure."]
add("Atlantic Ledger", "2019-08-06", "en", "US tightens sanctions as talks resume", s, [0, 1],
    {"government": (1, -0.47, [(1, "negative", 0.7)]),
     "opposition": (1, 0.44, [(2, "positive", 0.72)]),
     "us": (2, 0.63, [(1, "positive", 0.8)])})

# Nordlys Nyheter (no): Norwegian outlet
s = ["Norge leder samtaler mellom regjeringen og opposisjonen i Venezuela.",
     "Utenriksdepartementet bekrefter at partene har møttes i Oslo.",
     "Norge har lang erfaring som tilrettelegger i fredsprosesser.",
     "FN ønsker initiativet velkommen.",
     "Opposisjonen og regjeringen står fortsatt langt fra hverandre."]
add("Nordlys Nyheter", "2019-05-17", "no", "Norge megler mellom Maduro og Guaidó i Oslo", s, [0, 1],
    {"government": (1, -0.05, [(4, "neutral", 0.83)]),
     "opposition": (1, -0.03, [(4, "neutral", 0.83)]),
     "norway": (3, 0.81, [(2, "positive", 0.9), (0, "positive", 0.7)]),
     "un": (1, 0.64, [(3, "positive", 0.78)])})
s = ["Samtalene fortsetter på Barbados med norsk støtte.",
     "Norske diplomater beskriver atmosfæren som konstruktiv.",
     "Regjeringen i Caracas og opposisjonen har ikke kommet til enighet."]
add("Nordlys Nyheter", "2019-07-10", "no", "Samtalene om Venezuela flyttes til Barbados", s, [0, 1],
    {"government": (1, -0.08, [(2, "neutral", 0.8)]),
     "opposition": (1, -0.08, [(2, "neutral", 0.8)]),
     "norway": (2, 0.74, [(1, "positive", 0.85)])})

# Global Desk (en): wire service, a single article
s = ["Envoys of Nicolás Maduro and opposition leader Juan Guaidó held talks in Oslo, Norway said.",
     "Neither side commented on the content of the meetings.",
     "The United States and the United Nations have called for a negotiated solution."]
add("Global Desk", "2019-05-17", "en", "Venezuela rivals hold talks in Oslo", s, [0, 1],
    {"government": (1, 0.0, [(0, "neutral", 0.86)]),
     "opposition": (1, 0.0, [(0, "neutral", 0.86)]),
     "us": (1, 0.05, [(2, "neutral", 0.8)]),
     "norway": (1, 0.1, [(0, "neutral", 0.82)]),
     "un": (1, 0.06, [(2, "neutral", 0.8)])})

rows.insert(7, {"schema_version": 1, "id": "atlantic-ledger-broken", "source": "Atlantic Ledger",
                "origin": {"path": P, "line": 8},
                "error": "field \"text\" is empty; nothing to analyze"})
for i, r in enumerate(rows):
    r["origin"]["line"] = i + 1
write("venezuela_2019.jsonl", rows)

# The same story analyzed by another engine: must never be averaged with the builtin rows.
rows2 = []
r = json.loads(json.dumps(rows[0])); r["engine"] = TRANSFORMER; r["summary"]["method"] = "abstractive"
r["summary"]["sentences"] = []; r["id"] = "diario-bolivariano-1-mt5"; rows2.append(r)
write("venezuela_2019_transformer.jsonl", rows2)

# Another story mixed in: the March 2019 blackout (for story clustering).
rows3 = []
def add3(source, date, lang, title, sents, stances):
    rid = f"blackout-{source.lower().replace(' ', '-')}"
    rows3.append(record("corpus/blackout.jsonl", len(rows3) + 1, rid, source, date, lang, title,
                        " ".join(sents[:2]), [0, 1], sents, stances))
add3("Atlantic Ledger", "2019-03-08", "en", "Blackout plunges Venezuela into darkness",
     ["A nationwide blackout left most of Venezuela without electricity on Thursday.",
      "The outage began at the Guri hydroelectric plant, officials said.",
      "The government blamed sabotage while engineers pointed to years of neglect."],
     {"government": (1, -0.6, [(2, "negative", 0.8)])})
add3("Diario Bolivariano", "2019-03-09", "es", "Sabotaje eléctrico contra Venezuela",
     ["Un ataque de sabotaje dejó sin electricidad a gran parte de Venezuela.",
      "El gobierno denunció un ataque cibernético contra la central de Guri.",
      "Los trabajadores eléctricos restablecen el servicio."],
     {"government": (1, 0.5, [(1, "positive", 0.7)]), "us": (1, -0.7, [(1, "negative", 0.8)])})
add3("Global Desk", "2019-03-08", "en", "Venezuela blackout leaves millions without electricity",
     ["A massive blackout left millions of Venezuelans without electricity.",
      "The outage hit Caracas and most states.",
      "Officials gave no timeline for restoring power."],
     {"government": (1, 0.0, [(2, "neutral", 0.8)])})
write("blackout_2019.jsonl", rows3)

# Hostile text: every field a browser might run or a page might break on.
X = "<script>document.title='PWNED';window.__pwned=1</script>"
IMG = "<img src=x onerror=\"document.title='PWNED';window.__pwned=1\">"
SVG = "</svg></text><script>window.__pwned=1</script>"
rows4 = []
s = [f"Officials said {X} the talks went well.",
     f"Critics replied {IMG} that nothing changed.",
     f"An observer wrote {SVG} & \"quotes\" 'too'."]
r = record("corpus/hostile.jsonl", 1, "hostile-1", f"Evil {IMG} Outlet", "2019-05-17", "en",
           f"Talks {X} in Oslo", " ".join(s[:2]), [0, 1], s,
           {"government": (1, 0.4, [(0, "positive", 0.7)]), "opposition": (1, -0.5, [(1, "negative", 0.75)]),
            "norway": (1, 0.0, [(2, "neutral", 0.8)])})
r["actors"][0]["name"] = f"Gov {SVG}"
r["actors"][1]["name"] = f"Opp {IMG}"
rows4.append(r)
s = ["Plain outlet text about Oslo.", "Nothing to see."]
rows4.append(record("corpus/hostile.jsonl", 2, "plain-1", "Plain </svg> Outlet", "2019-05-18", "en",
                    "Plain title", s[0], [0], s, {"government": (1, -0.2, [(0, "neutral", 0.6)])}))
rows4[1]["actors"][0]["name"] = f"Gov {SVG}"
rows4[1]["actors"][1]["name"] = f"Opp {IMG}"
write("hostile.jsonl", rows4)

with open(os.path.join(OUT, "malformed.jsonl"), "w") as f:
    f.write(json.dumps(rows[0], ensure_ascii=False) + "\n")
    f.write('{"schema_version": 1, "id": "cut-off", "actors": [\n')
    f.write("\n")
    f.write(json.dumps(rows[1], ensure_ascii=False) + "\n")
    f.write('{"schema_version": 1, "id": "no-actors", "lang": "en"}\n')
