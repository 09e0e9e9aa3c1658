"""Writes <lang>.jsonl from the passage lists in <lang>.py (run from this folder)."""
import json, runpy, sys
for lang in ["en", "es", "fr", "de", "pt"]:
    passages = runpy.run_path(f"{lang}.py")["P"]
    n = 0
    with open(f"{lang}.jsonl", "w", encoding="utf-8") as out:
        for i, (text, quotes) in enumerate(passages, 1):
            for q, _, _ in quotes:
                assert q in text, (lang, i, q)
            n += len(quotes)
            out.write(json.dumps({"id": f"{lang}-{i:02d}", "lang": lang, "text": text,
                                  "quotes": [{"text": q, "speaker": s, "actor": a} for q, s, a in quotes]},
                                 ensure_ascii=False) + "\n")
    print(lang, len(passages), "passages", n, "quotes", sum(1 for t, q in passages if not q), "without")
