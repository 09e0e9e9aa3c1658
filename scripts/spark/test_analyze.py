#!/usr/bin/env python3
"""Unit tests of the Spark job's record flattening and process driving.

Standard library only (no Spark): `python3 scripts/spark/test_analyze.py`.
"""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import analyze  # noqa: E402

RECORD = {
    "schema_version": 1,
    "id": "ev-001",
    "source": "Meridian Wire",
    "date": "2019-05-17",
    "lang": "en",
    "title": "Envoys meet in Oslo",
    "url": "https://example.org/a",
    "origin": {"path": "-", "line": 3},
    "content_hash": "9aea5f333c646bca",
    "extra": {"section": "world", "desk": "Américas"},
    "engine": {
        "summary": "builtin-extractive@0.2.0",
        "stance": "builtin-lexicon@0.2.0",
        "actors": "venezuela#29ffa8cf0452",
    },
    "summary": {"text": "Envoys met.", "method": "extractive", "sentences": [0]},
    "actors": [
        {
            "id": "norway",
            "name": "Norway",
            "kind": "country",
            "mentions": 2,
            "stance": "positive",
            "score": 0.657498,
            "confidence": 0.725941,
            "probs": {"positive": 0.725941, "neutral": 0.205615, "negative": 0.068443},
            "evidence": [
                {
                    "sentence": 9,
                    "span": {"start": 1180, "end": 1326},
                    "text": "Norway’s “help”",
                    "label": "positive",
                    "p": 1,
                }
            ],
            "naming": [{"term": "norwegian mediators", "count": 1, "example": "Norwegian mediators"}],
        },
        {
            "id": "un",
            "name": "the United Nations",
            "mentions": 0,
            "stance": None,
            "score": None,
            "confidence": None,
            "probs": None,
            "evidence": [],
        },
    ],
    "warnings": ["a warning"],
}


def columns(spec, row):
    names = [name for name, _, _ in spec] + analyze.PARTITION_COLUMNS
    assert len(names) >= len(row)
    return dict(zip(names, row))


class FlattenRecord(unittest.TestCase):
    def test_article_row_has_every_column_in_order(self):
        articles, actors, failed = analyze.flatten_record(RECORD)
        self.assertEqual((len(articles), len(actors), len(failed)), (1, 2, 0))
        row = articles[0]
        self.assertEqual(len(row), len(analyze.ARTICLE_COLUMNS) + 2)
        article = columns(analyze.ARTICLE_COLUMNS, row)
        self.assertEqual(article["schema_version"], 1)
        self.assertEqual(article["article_id"], "ev-001")
        self.assertEqual(article["url"], "https://example.org/a")
        self.assertEqual(article["origin_path"], "-")
        self.assertEqual(article["origin_line"], 3)
        self.assertEqual(article["content_hash"], "9aea5f333c646bca")
        # Compact JSON, key order and non-ASCII kept, as serde_json writes it.
        self.assertEqual(article["extra"], '{"section":"world","desk":"Américas"}')
        self.assertEqual(article["engine_summary"], "builtin-extractive@0.2.0")
        self.assertEqual(article["engine_actors"], "venezuela#29ffa8cf0452")
        self.assertEqual(article["summary"], "Envoys met.")
        self.assertEqual(article["summary_method"], "extractive")
        self.assertIsNone(article["summary_lang"])
        self.assertIsNone(article["quotes"], "a record without quotations recorded: null")
        self.assertEqual(article["warnings"], ["a warning"])
        self.assertEqual((article["outlet"], article["month"]), ("Meridian Wire", "2019-05"))

    def test_actor_rows_keep_every_actor_of_the_set(self):
        _, actors, _ = analyze.flatten_record(RECORD)
        norway = columns(analyze.ACTOR_COLUMNS, actors[0])
        self.assertEqual(len(actors[0]), len(analyze.ACTOR_COLUMNS) + 2)
        self.assertEqual(norway["article_id"], "ev-001")
        self.assertEqual(norway["engine_stance"], "builtin-lexicon@0.2.0")
        self.assertEqual((norway["actor_id"], norway["actor_name"]), ("norway", "Norway"))
        self.assertEqual(norway["actor_kind"], "country")
        self.assertEqual(norway["mentions"], 2)
        self.assertEqual(norway["stance"], "positive")
        self.assertEqual(norway["score"], 0.657498)
        self.assertEqual(
            (norway["p_positive"], norway["p_neutral"], norway["p_negative"]),
            (0.725941, 0.205615, 0.068443),
        )
        # JSON writes 1.0 as 1: the double column still gets a float.
        self.assertEqual(
            json.loads(norway["evidence"])[0]["text"], "Norway’s “help”"
        )
        self.assertNotIn(" ", norway["evidence"].replace("Norway’s “help”", ""))
        un = columns(analyze.ACTOR_COLUMNS, actors[1])
        self.assertEqual(un["mentions"], 0)
        self.assertIsNone(un["actor_kind"])
        for name in ("stance", "score", "confidence", "p_positive", "p_neutral", "p_negative"):
            self.assertIsNone(un[name], name)
        self.assertIsNone(un["evidence"], "empty evidence is null")
        self.assertEqual(json.loads(norway["naming"]), RECORD["actors"][0]["naming"])
        self.assertIsNone(un["naming"], "no naming terms is null")

    def test_scores_are_doubles_even_when_json_writes_integers(self):
        record = json.loads(json.dumps(RECORD))
        record["actors"][0]["score"] = 1
        record["actors"][0]["probs"] = {"positive": 1, "neutral": 0, "negative": 0}
        _, actors, _ = analyze.flatten_record(record)
        norway = columns(analyze.ACTOR_COLUMNS, actors[0])
        for name in ("score", "p_positive", "p_neutral", "p_negative"):
            self.assertIsInstance(norway[name], float, name)

    def test_missing_optional_fields_are_null_and_partitions_unknown(self):
        record = {
            "schema_version": 1,
            "id": "x",
            "lang": "und",
            "origin": {"path": "a.txt"},
            "engine": {"stance": "builtin-lexicon@0.2.0", "actors": "inline#0"},
            "actors": [],
            "warnings": [],
        }
        articles, actors, failed = analyze.flatten_record(record)
        self.assertEqual((actors, failed), ([], []))
        article = columns(analyze.ARTICLE_COLUMNS, articles[0])
        for name in ("source", "date", "title", "url", "origin_line", "content_hash", "extra"):
            self.assertIsNone(article[name], name)
        self.assertIsNone(article["engine_summary"], "stance records have no summary engine")
        self.assertIsNone(article["summary"])
        self.assertEqual(article["warnings"], [])
        self.assertEqual((article["outlet"], article["month"]), ("unknown", "unknown"))

    def test_error_record_becomes_one_failed_row(self):
        error = {
            "schema_version": 1,
            "origin": {"path": "-", "line": 4},
            "error": 'field "text" must be a string',
        }
        articles, actors, failed = analyze.flatten_record(
            error, {"path": "/data/in.parquet", "line": None, "id": "a-7", "source": "Wire"}
        )
        self.assertEqual((articles, actors), ([], []))
        self.assertEqual(
            failed,
            [(1, "a-7", "Wire", "/data/in.parquet", None, 'field "text" must be a string')],
        )
        # The record's own id wins over the input row's.
        _, _, failed = analyze.flatten_record(
            dict(error, id="own", source="S"), {"path": "p", "id": "row"}
        )
        self.assertEqual(failed[0][1:5], ("own", "S", "p", 4))

    def test_origin_replaces_the_stdin_origin(self):
        articles, _, _ = analyze.flatten_record(RECORD, {"path": "/in/a.jsonl", "line": None})
        article = columns(analyze.ARTICLE_COLUMNS, articles[0])
        self.assertEqual((article["origin_path"], article["origin_line"]), ("/in/a.jsonl", None))

    def test_partition_values(self):
        self.assertEqual(analyze.partition_values("W", "2019-05-17"), ("W", "2019-05"))
        self.assertEqual(analyze.partition_values("W", "2019-05"), ("W", "2019-05"))
        self.assertEqual(analyze.partition_values(None, "17 May 2019"), ("unknown", "unknown"))
        self.assertEqual(analyze.partition_values("", None), ("unknown", "unknown"))

    def test_local_path(self):
        self.assertEqual(analyze.local_path("file:///data/a%20b.jsonl"), "/data/a b.jsonl")
        self.assertEqual(analyze.local_path("hdfs://nn/data/a.jsonl"), "hdfs://nn/data/a.jsonl")
        self.assertEqual(analyze.local_path(""), "")


FAKE_NEWSFRAME = """#!/bin/sh
# Stands in for `newsframe analyze - --stdin-format jsonl`: one record per line,
# numbered as newsframe numbers stdin lines; a line holding "bad" fails.
n=0
while IFS= read -r line; do
  n=$((n + 1))
  case "$line" in
    *bad*) echo '{"schema_version":1,"origin":{"path":"-","line":'$n'},"error":"malformed"}' ;;
    *) echo '{"schema_version":1,"id":"a'$n'","lang":"en","origin":{"path":"-","line":'$n'},"actors":[],"warnings":[]}' ;;
  esac
done
exit 1
"""


class AnalyzeLines(unittest.TestCase):
    def settings(self, newsframe):
        return analyze.partition_settings(newsframe, threads=1)

    def test_records_get_the_origin_of_their_row(self):
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            fake = os.path.join(folder, "newsframe")
            with open(fake, "w") as file:
                file.write(FAKE_NEWSFRAME)
            os.chmod(fake, 0o755)
            rows = [
                ('{"text": "one"}', {"path": "f1"}),
                ("   ", {"path": "blank"}),
                ('{"bad"', {"path": "f2"}),
                ('{"text": "three"}', {"path": "f3"}),
            ]
            out = list(analyze.analyze_lines(self.settings(fake), iter(rows)))
        self.assertEqual(
            [(record.get("id"), "error" in record, origin["path"]) for record, origin in out],
            [("a1", False, "f1"), (None, True, "f2"), ("a3", False, "f3")],
        )

    def test_an_empty_partition_starts_no_process(self):
        rows = iter([("", {"path": "a"}), ("  \ufeff ", {"path": "b"})])
        settings = self.settings("/nonexistent/newsframe")
        self.assertEqual(list(analyze.analyze_lines(settings, rows)), [])


class NewsframeCommand(unittest.TestCase):
    def test_threads_follow_the_task_unless_passed(self):
        settings = analyze.partition_settings("/bin/sh", threads=3, newsframe_args=["--x"])
        command = analyze.newsframe_command(settings, ["-"])
        self.assertEqual(command[command.index("--threads") + 1], "3")
        self.assertEqual(command[-1], "--x")
        settings = analyze.partition_settings(
            "/bin/sh", threads=3, newsframe_args=["--threads", "8"]
        )
        command = analyze.newsframe_command(settings, ["-"])
        self.assertEqual(command.count("--threads"), 1)
        self.assertEqual(command[command.index("--threads") + 1], "8")


class RunNewsframe(unittest.TestCase):
    """The process driver, with `sh` standing in for newsframe."""

    def run_script(self, script, lines):
        return list(analyze.run_newsframe(["sh", "-c", script], lines, lambda text: None))

    def test_lines_stream_through_and_exit_1_is_normal(self):
        # More input than a pipe buffer holds: the writer must not block the reader.
        lines = [f'{{"n":{i},"pad":"{"x" * 100}"}}' for i in range(5000)]
        out = self.run_script("cat; exit 1", iter(lines))
        self.assertEqual([line.rstrip("\n") for line in out], lines)

    def test_fatal_exit_raises_with_stderr(self):
        with self.assertRaises(analyze.NewsframeFailed) as raised:
            self.run_script("echo 'no actors to look for' >&2; exit 2", iter(["{}"]))
        self.assertIn("status 2", str(raised.exception))
        self.assertIn("no actors to look for", str(raised.exception))

    def test_a_consumer_that_stops_early_stops_newsframe(self):
        lines = analyze.run_newsframe(["sh", "-c", "yes '{}'"], None, lambda text: None)
        self.assertEqual(next(lines), "{}\n")
        lines.close()  # returns, raising nothing: the process is ended, not waited for

    def test_guarded_lines_never_start_a_json_array(self):
        lines = list(analyze.guarded(['{"a":1}', '["not", "an object"]']))
        self.assertEqual(lines[0], '{"a":1}')
        self.assertEqual(json.loads(lines[1]), '["not", "an object"]')


if __name__ == "__main__":
    unittest.main()
