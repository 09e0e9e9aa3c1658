#!/usr/bin/env python3
"""End-to-end check of scripts/spark/analyze.py in `local[2]` against a plain run.

    python3 scripts/spark/check_job.py --newsframe target/debug/newsframe

Runs the job with spark-submit, as the README shows, on data/eval (JSON lines),
data/samples (whole documents, `--source-from-dir`; binary and actor set
shipped with `--files`), a Parquet table made from
data/eval with renamed columns and one row without text, and JSON lines with
one corrupt line; runs the first again into the same output. Checks:

- the job's articles and actors tables hold the records of a plain
  `newsframe analyze --engine builtin` of the same inputs: the same article ids
  (each once), summaries, labels and mentions, scores and probabilities within
  1e-9, evidence and naming terms;
- the partitions: `outlet=<source>/month=<YYYY-MM>`;
- the columns, in the order and with the types of docs/schema.md ("Parquet");
- a rerun leaves the same rows (no duplicates);
- a corrupt line and a row with null text each become one failed row while
  the job succeeds; a fatal newsframe error (exit 2) fails the job with
  newsframe's message;
- `newsframe compare` on the Parquet output equals `compare` on the plain
  records.

Needs Java 17 and pyspark (`NEWSFRAME_SPARK_DEPS=1 scripts/setup`). Prints
`N passed, N failed` and exits non-zero when a check fails.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import analyze  # noqa: E402

ACTORS = os.path.join(ROOT, "data/actors/venezuela.toml")
EVAL = os.path.join(ROOT, "data/eval/articles.jsonl")
SAMPLES = os.path.join(ROOT, "data/samples")
TOLERANCE = 1e-9


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = []

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"ok   {name}", flush=True)
        else:
            self.failed.append(name)
            print(f"FAIL {name}: {detail}", flush=True)


def spark_env():
    """spark-submit of the pyspark package next to this Python."""
    import pyspark

    env = dict(os.environ)
    env["SPARK_HOME"] = os.path.dirname(pyspark.__file__)
    env["PYSPARK_PYTHON"] = sys.executable
    env["PYSPARK_DRIVER_PYTHON"] = sys.executable
    return env


def run_job(newsframe, inputs, out, *options, newsframe_args=("--engine", "builtin"),
            ship=False):
    """The job as the README runs it; returns (exit status, seconds, log).

    ship: the binary and the actor set go with spark-submit --files and the
    job names them by file name only, from a folder that holds neither (the
    way a cluster gets them: SparkFiles).
    """
    env = spark_env()
    command = [os.path.join(env["SPARK_HOME"], "bin", "spark-submit"), "--master", "local[2]",
               "--conf", "spark.driver.memory=1g", "--conf", "spark.ui.enabled=false"]
    files = [newsframe, ACTORS]
    if ship:
        command += ["--files", ",".join(files)]
        files = [os.path.basename(path) for path in files]
    command += [os.path.join(HERE, "analyze.py"), "--input", *inputs, "--out", out,
                "--newsframe", files[0], "--actors", files[1], "--partitions", "2", *options,
                "--", *newsframe_args]
    cwd = os.path.dirname(out) if ship else ROOT
    start = time.monotonic()
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=cwd)
    seconds = time.monotonic() - start
    log = done.stdout + done.stderr
    summary = [line for line in log.splitlines() if line.startswith("newsframe on Spark")]
    print(f"     job {os.path.basename(out)}: exit {done.returncode}, {seconds:.1f} s; "
          f"{summary[-1] if summary else 'no summary line'}", flush=True)
    return done.returncode, seconds, log


def plain_records(newsframe, inputs, *options):
    done = subprocess.run(
        [newsframe, "analyze", *inputs, "--engine", "builtin", "--actors", ACTORS,
         "--format", "jsonl", *options],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if done.returncode not in (0, 1):
        raise SystemExit(f"plain newsframe analyze failed ({done.returncode}):\n{done.stderr}")
    records = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return records


def read_tables(spark, out):
    def rows(name):
        path = os.path.join(out, name)
        if not os.path.isdir(path):
            return []
        return [row.asDict() for row in spark.read.parquet(path).collect()]

    return rows("articles"), rows("actors"), rows("failed")


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= TOLERANCE


def compare_to_plain(checks, name, records, tables):
    """The tables hold exactly the plain run's analyses and failures."""
    articles, actors, failed = tables
    analyses = [r for r in records if "error" not in r]
    errors = [r for r in records if "error" in r]
    ids = [row["article_id"] for row in articles]
    checks.check(f"{name}: each article once", len(ids) == len(set(ids)),
                 f"{len(ids) - len(set(ids))} duplicates")
    plain_ids = {r["id"] for r in analyses}
    checks.check(f"{name}: same article ids", set(ids) == plain_ids,
                 f"only in Spark {sorted(set(ids) - plain_ids)[:5]}, "
                 f"only in the plain run {sorted(plain_ids - set(ids))[:5]}")
    checks.check(f"{name}: same failures", len(failed) == len(errors),
                 f"spark {len(failed)}, plain {len(errors)}")
    by_id = {row["article_id"]: row for row in articles}
    actor_rows = {(row["article_id"], row["actor_id"]): row for row in actors}
    problems = []
    for record in analyses:
        row = by_id.get(record["id"])
        if row is None:
            continue
        summary = record.get("summary") or {}
        expected = {
            "source": record.get("source"),
            "date": record.get("date"),
            "lang": record["lang"],
            "title": record.get("title"),
            "content_hash": record.get("content_hash"),
            "summary": summary.get("text"),
            "summary_lang": summary.get("lang"),
            "quotes": None if record.get("quotes") is None else json.dumps(
                record["quotes"], separators=(",", ":"), ensure_ascii=False),
            "engine_stance": record["engine"].get("stance"),
            "engine_actors": record["engine"].get("actors"),
            "warnings": record.get("warnings") or [],
        }
        for column, value in expected.items():
            if row[column] != value:
                problems.append(f"{record['id']} {column}: {row[column]!r} != {value!r}")
        outlet, month = analyze.partition_values(record.get("source"), record.get("date"))
        if (row["outlet"], row["month"]) != (outlet, month):
            problems.append(f"{record['id']} partition {row['outlet']}/{row['month']}")
        for actor in record["actors"]:
            got = actor_rows.get((record["id"], actor["id"]))
            if got is None:
                problems.append(f"{record['id']}/{actor['id']}: no actor row")
                continue
            probs = actor.get("probs") or {}
            if got["stance"] != actor["stance"] or got["mentions"] != actor["mentions"]:
                problems.append(f"{record['id']}/{actor['id']}: label {got['stance']} "
                                f"mentions {got['mentions']} != {actor['stance']} "
                                f"{actor['mentions']}")
            for column, value in (("score", actor["score"]),
                                  ("confidence", actor["confidence"]),
                                  ("p_positive", probs.get("positive")),
                                  ("p_neutral", probs.get("neutral")),
                                  ("p_negative", probs.get("negative"))):
                if not close(got[column], value):
                    problems.append(f"{record['id']}/{actor['id']} {column}: "
                                    f"{got[column]} != {value}")
            evidence = json.loads(got["evidence"]) if got["evidence"] else []
            if evidence != actor["evidence"]:
                problems.append(f"{record['id']}/{actor['id']}: evidence differs")
            naming = json.loads(got["naming"]) if got["naming"] else []
            if naming != actor.get("naming", []):
                problems.append(f"{record['id']}/{actor['id']}: naming differs")
    expected_actor_rows = sum(len(r["actors"]) for r in analyses)
    checks.check(f"{name}: one actor row per article and actor",
                 len(actors) == expected_actor_rows, f"{len(actors)} != {expected_actor_rows}")
    checks.check(f"{name}: same records (labels, scores within {TOLERANCE})", not problems,
                 "; ".join(problems[:10]))


def check_columns(checks, spark, out):
    """Each table's files hold the columns of docs/schema.md, in order, typed."""
    types = {"int": "int", "long": "bigint", "double": "double", "string": "string",
             "array<string>": "array<string>"}
    for table, spec in (("articles", analyze.ARTICLE_COLUMNS),
                        ("actors", analyze.ACTOR_COLUMNS),
                        ("failed", analyze.FAILED_COLUMNS)):
        files = [os.path.join(folder, name)
                 for folder, _, names in os.walk(os.path.join(out, table))
                 for name in names if name.startswith("part-") and name.endswith(".parquet")]
        if not files:
            checks.check(f"columns of {table}", False, "no part files")
            continue
        # One file read alone: no partition columns added from the path.
        schema = spark.read.parquet(files[0]).schema
        got = [(field.name, field.dataType.simpleString()) for field in schema.fields]
        expected = [(name, types[kind]) for name, kind, _ in spec]
        checks.check(f"columns of {table}", got == expected, f"{got} != {expected}")


def check_compare(checks, newsframe, out, records_file):
    """`compare` on the Parquet output equals `compare` on the JSON lines."""
    def report(path):
        done = subprocess.run([newsframe, "compare", path, "--format", "csv"],
                              capture_output=True, text=True, cwd=ROOT)
        return done.returncode, done.stdout, done.stderr

    parquet, plain = report(out), report(records_file)
    checks.check("compare on Parquet equals compare on JSON lines",
                 parquet[:2] == plain[:2],
                 f"exit {parquet[0]} vs {plain[0]}; stderr: {parquet[2][-500:]}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--newsframe", required=True, help="the newsframe binary")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    newsframe = os.path.abspath(args.newsframe)
    work = tempfile.mkdtemp(prefix="newsframe-spark-check-")
    checks = Checks()
    try:
        from pyspark.sql import SparkSession

        spark = (SparkSession.builder.master("local[1]").appName("check newsframe on Spark")
                 .config("spark.driver.memory", "512m").config("spark.ui.enabled", "false")
                 .config("spark.ui.showConsoleProgress", "false").getOrCreate())
        spark.sparkContext.setLogLevel("ERROR")

        # data/eval, JSON lines, then the same job again into the same output.
        plain = plain_records(newsframe, [EVAL])
        records_file = os.path.join(work, "plain.jsonl")
        with open(records_file, "w", encoding="utf-8") as file:
            file.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in plain)
        out = os.path.join(work, "eval")
        status, _, log = run_job(newsframe, [EVAL], out)
        checks.check("data/eval: job succeeds", status == 0, log[-3000:])
        compare_to_plain(checks, "data/eval", plain, read_tables(spark, out))
        check_columns(checks, spark, out)
        status, _, log = run_job(newsframe, [EVAL], out)
        checks.check("data/eval rerun: job succeeds", status == 0, log[-3000:])
        compare_to_plain(checks, "data/eval rerun", plain, read_tables(spark, out))
        check_compare(checks, newsframe, out, records_file)

        # data/samples: whole documents, outlets from the folder names; the
        # binary and the actor set shipped with --files.
        plain = plain_records(newsframe, [SAMPLES], "--source-from-dir")
        out = os.path.join(work, "samples")
        status, _, log = run_job(newsframe, [SAMPLES], out, "--input-format", "files",
                                 newsframe_args=("--engine", "builtin", "--source-from-dir"),
                                 ship=True)
        checks.check("data/samples: job succeeds", status == 0, log[-3000:])
        compare_to_plain(checks, "data/samples", plain, read_tables(spark, out))

        # A Parquet table with its own column names and one row without text.
        table = os.path.join(work, "articles.parquet")
        frame = spark.read.json(EVAL).selectExpr(
            "id AS doc_id", "text AS body", "title", "source AS outlet_name", "date", "lang")
        null_row = spark.createDataFrame(
            [("no-text", None, "Empty", "Meridian Wire", "2019-05-17", "en")], frame.schema)
        frame.unionByName(null_row).coalesce(1).write.parquet(table)
        out = os.path.join(work, "parquet")
        status, _, log = run_job(newsframe, [table], out, "--input-format", "parquet",
                                 "--id-field", "doc_id", "--text-field", "body",
                                 "--source-field", "outlet_name")
        checks.check("parquet with a null text: job succeeds", status == 0, log[-3000:])
        articles, actors, failed = read_tables(spark, out)
        plain = plain_records(newsframe, [EVAL])
        compare_to_plain(checks, "parquet", plain, (articles, actors, []))
        checks.check("parquet: the row without text is one failed row",
                     [(f["article_id"], f["source"]) for f in failed]
                     == [("no-text", "Meridian Wire")], repr(failed))

        # JSON lines with one corrupt line between good ones.
        corrupt = os.path.join(work, "corrupt.jsonl")
        with open(EVAL, encoding="utf-8") as source:
            good = [next(source) for _ in range(3)]
        with open(corrupt, "w", encoding="utf-8") as file:
            file.writelines([good[0], '{"id": "broken", "text": \n', *good[1:]])
        out = os.path.join(work, "corrupt")
        status, _, log = run_job(newsframe, [corrupt], out)
        checks.check("corrupt line: job succeeds", status == 0, log[-3000:])
        articles, actors, failed = read_tables(spark, out)
        compare_to_plain(checks, "corrupt line", plain_records(newsframe, [corrupt]),
                         (articles, actors, failed))
        checks.check("corrupt line: one failed row naming the file and the JSON error",
                     len(failed) == 1 and failed[0]["origin_path"] == corrupt
                     and "malformed JSON" in failed[0]["error"], repr(failed))

        # A fatal newsframe error (exit 2) fails the job and shows newsframe's message.
        out = os.path.join(work, "fatal")
        status, _, log = run_job(newsframe, [corrupt], out,
                                 newsframe_args=("--engine", "builtin", "--max-mentions", "x"))
        checks.check("newsframe exit 2: the job fails with newsframe's message",
                     status != 0 and "newsframe exited with status 2" in log
                     and "--max-mentions" in log, log[-3000:])
        spark.stop()
    finally:
        if args.keep:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{checks.passed} passed, {len(checks.failed)} failed")
    sys.exit(1 if checks.failed else 0)


if __name__ == "__main__":
    main()
