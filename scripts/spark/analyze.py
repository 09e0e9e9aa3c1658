#!/usr/bin/env python3
"""newsframe as a Spark stage: analyze articles from any Spark source into Parquet.

    spark-submit --master 'local[2]' --conf spark.driver.memory=1g \
        scripts/spark/analyze.py --input data/eval/articles.jsonl --out analysis/ \
        --newsframe target/release/newsframe --actors data/actors/venezuela.toml \
        -- --engine builtin

Reads articles, repartitions them (``--partitions``), runs one long-lived
``newsframe analyze`` process per partition (``mapPartitions``: the partition's
articles stream to its standard input as JSON lines, its records stream back
in input order), and writes the records as the flat Parquet tables of
``docs/schema.md`` ("Parquet"):

    OUT/articles/outlet=<source>/month=<YYYY-MM>/part-*.parquet
    OUT/actors/outlet=<source>/month=<YYYY-MM>/part-*.parquet
    OUT/failed/part-*.parquet

Inputs (``--input-format``):

- ``jsonl`` (default; ``.jsonl``/``.json`` line files): each line goes to
  newsframe as it is, so newsframe reads the fields (``--text-field`` etc.) and
  reports a malformed line itself;
- ``files``: whole documents (``.txt``/``.md`` with front matter or a wire
  header, ``.html``, whole ``.jsonl`` files), read with Spark's ``binaryFile``
  source and analyzed from a folder per partition, exactly as
  ``newsframe analyze DIR`` reads them (``--source-from-dir`` works);
- any other name is a Spark ``DataFrameReader`` format (``parquet``, ``orc``,
  ``csv``, ``json``, ``delta`` …, ``--read-option KEY=VALUE`` for its options):
  the columns named by ``--text-field``, ``--id-field`` … become the fields of
  a JSON line.

A failing article never fails the job: newsframe writes an error record in its
place (malformed line, null or empty text, unreadable document), which goes to
``OUT/failed``. A newsframe process that exits 2 (a usage or fatal error: a
missing actor set, a model that cannot load) fails its task with newsframe's
standard error in the message.

Reruns replace output partitions (Spark's dynamic partition overwrite): an
``outlet``/``month`` partition the run writes replaces the one on disk, the
others stay, and ``OUT/failed`` holds the failures of the latest run.
``--replace all`` replaces the whole output instead.

Files reach the executors the way Spark ships files: a path given to
``--newsframe``, ``--actors`` or ``--stance-model`` that does not exist where the
task runs is looked up with ``SparkFiles.get(basename)``, so
``spark-submit --files newsframe,venezuela.toml`` (or ``--archives
model.tar.gz#model`` for a model directory) works as well as a path every node
sees. Arguments after ``--`` go to ``newsframe analyze`` unchanged.

The JSON-record-to-rows functions (``flatten_record`` and below) import
nothing from Spark, so they are tested without it
(``scripts/spark/test_analyze.py``).
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from itertools import chain
from urllib.parse import unquote, urlparse

SCHEMA_VERSION = 1
UNKNOWN = "unknown"
FIELD_OPTIONS = ("id", "text", "title", "source", "date", "url", "lang")

# Column names and order of docs/schema.md ("Parquet"); the Spark types are
# attached in spark_schemas(). The last element says whether nulls are allowed.
ACTOR_COLUMNS = [
    ("schema_version", "int", False),
    ("article_id", "string", False),
    ("source", "string", True),
    ("date", "string", True),
    ("lang", "string", False),
    ("title", "string", True),
    ("engine_stance", "string", True),
    ("engine_actors", "string", True),
    ("actor_id", "string", False),
    ("actor_name", "string", False),
    ("actor_kind", "string", True),
    ("mentions", "long", False),
    ("stance", "string", True),
    ("score", "double", True),
    ("confidence", "double", True),
    ("p_positive", "double", True),
    ("p_neutral", "double", True),
    ("p_negative", "double", True),
    ("evidence", "string", True),
    ("naming", "string", True),
]
ARTICLE_COLUMNS = [
    ("schema_version", "int", False),
    ("article_id", "string", False),
    ("source", "string", True),
    ("date", "string", True),
    ("lang", "string", False),
    ("title", "string", True),
    ("url", "string", True),
    ("origin_path", "string", False),
    ("origin_line", "long", True),
    ("content_hash", "string", True),
    ("extra", "string", True),
    ("engine_summary", "string", True),
    ("engine_stance", "string", True),
    ("engine_actors", "string", True),
    ("summary", "string", True),
    ("summary_method", "string", True),
    ("summary_lang", "string", True),
    ("quotes", "string", True),
    ("warnings", "array<string>", False),
]
FAILED_COLUMNS = [
    ("schema_version", "int", False),
    ("article_id", "string", True),
    ("source", "string", True),
    ("origin_path", "string", False),
    ("origin_line", "long", True),
    ("error", "string", False),
]
PARTITION_COLUMNS = ["outlet", "month"]


# --- JSON record -> table rows (no Spark here) ---------------------------------


def compact_json(value):
    """JSON text as serde_json writes it compactly: no spaces, UTF-8 kept."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def partition_values(source, date):
    """The `outlet` and `month` partition values of a record."""
    outlet = source if source else UNKNOWN
    match = re.match(r"(\d{4})-(\d{2})", date or "")
    month = f"{match.group(1)}-{match.group(2)}" if match else UNKNOWN
    return outlet, month


def flatten_record(record, origin=None):
    """Splits one newsframe JSON record into table rows.

    Returns ``(articles, actors, failed)``: lists of tuples in the column order
    of ARTICLE_COLUMNS, ACTOR_COLUMNS, FAILED_COLUMNS; the article and actor
    rows end with the partition values (outlet, month). An error record gives
    one failed row and nothing else. ``origin`` (a dict with ``path``, ``line``,
    ``id``, ``source``) replaces the record's origin, which names newsframe's
    standard input or a temporary folder, by where the article came from; its
    ``id`` and ``source`` fill a failed row whose record has none.
    """
    origin = origin or {}
    record_origin = record.get("origin") or {}
    path = origin.get("path") or record_origin.get("path") or "-"
    line = origin["line"] if "line" in origin else record_origin.get("line")
    if "error" in record:
        failed = (
            SCHEMA_VERSION,
            record.get("id", origin.get("id")),
            record.get("source", origin.get("source")),
            path,
            line,
            record["error"],
        )
        return [], [], [failed]
    engine = record.get("engine") or {}
    summary = record.get("summary") or {}
    source, date, title = record.get("source"), record.get("date"), record.get("title")
    partition = partition_values(source, date)
    article = (
        SCHEMA_VERSION,
        record["id"],
        source,
        date,
        record["lang"],
        title,
        record.get("url"),
        path,
        line,
        record.get("content_hash"),
        compact_json(record["extra"]) if record.get("extra") else None,
        engine.get("summary"),
        engine.get("stance"),
        engine.get("actors"),
        summary.get("text"),
        summary.get("method"),
        summary.get("lang"),
        compact_json(record["quotes"]) if record.get("quotes") is not None else None,
        list(record.get("warnings") or []),
    ) + partition
    actors = []
    for actor in record.get("actors") or []:
        probs = actor.get("probs") or {}
        evidence = actor.get("evidence")
        naming = actor.get("naming")
        actors.append(
            (
                SCHEMA_VERSION,
                record["id"],
                source,
                date,
                record["lang"],
                title,
                engine.get("stance"),
                engine.get("actors"),
                actor["id"],
                actor["name"],
                actor.get("kind"),
                int(actor.get("mentions", 0)),
                actor.get("stance"),
                as_float(actor.get("score")),
                as_float(actor.get("confidence")),
                as_float(probs.get("positive")),
                as_float(probs.get("neutral")),
                as_float(probs.get("negative")),
                compact_json(evidence) if evidence else None,
                compact_json(naming) if naming else None,
            )
            + partition
        )
    return [article], actors, []


def as_float(value):
    """A JSON number as a double (JSON writes 1.0 as 1), None kept."""
    return None if value is None else float(value)


def failed_row(error, origin):
    """A failed row for an input the job refuses before newsframe sees it."""
    record = {"schema_version": SCHEMA_VERSION, "error": error}
    return flatten_record(record, origin)[2][0]


def local_path(uri):
    """A local path for Spark's `file:` URIs; other URIs (hdfs:, s3a:) as given."""
    parsed = urlparse(uri or "")
    if parsed.scheme == "file":
        return unquote(parsed.path)
    return uri


# --- driving newsframe on one partition ---------------------------------------


class NewsframeFailed(RuntimeError):
    """newsframe exited with a fatal error (exit status 2 or a signal)."""


def shipped(path, what):
    """`path` where the task runs: as given, else from SparkFiles (`--files`)."""
    if path is None or os.path.exists(path):
        return path
    try:
        from pyspark import SparkFiles

        candidate = SparkFiles.get(os.path.basename(path.rstrip("/")))
    except Exception:  # not inside Spark: report the path as given
        candidate = None
    if candidate and os.path.exists(candidate):
        return candidate
    raise FileNotFoundError(
        f"{what} {path!r} is neither on this node nor shipped with the job: pass a path "
        f"every node sees, or ship it with spark-submit --files (--archives for a folder)"
    )


def executable(path):
    """The newsframe binary, executable (a file shipped by --files may lose its mode)."""
    try:
        path = shipped(path, "the newsframe binary")
    except FileNotFoundError:
        # A bare name neither here nor shipped: the executor's PATH.
        on_path = shutil.which(path) if os.sep not in path else None
        if on_path is None:
            raise
        return on_path
    if not os.access(path, os.X_OK):
        os.chmod(path, os.stat(path).st_mode | 0o755)
    return path


def run_newsframe(command, lines, on_stderr=None):
    """Runs `command`, writes `lines` to its stdin, yields its stdout lines.

    The writer runs in a thread so that records stream back while articles
    still go in (no deadlock on full pipes); standard error goes to a file and
    is passed to ``on_stderr`` at the end (the executor's log). Exit status 0 or
    1 (some articles failed, each with its error record) ends normally; any
    other status raises NewsframeFailed with the end of standard error.
    """
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE if lines is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
        writer_error = []

        def write():
            try:
                for line in lines:
                    process.stdin.write(line.encode("utf-8") + b"\n")
            except BrokenPipeError:
                pass  # newsframe stopped reading: its exit status says why
            except BaseException as err:  # reported after the process ends
                writer_error.append(err)
            finally:
                try:
                    process.stdin.close()
                except BrokenPipeError:
                    pass

        writer = None
        if lines is not None:
            writer = threading.Thread(target=write, daemon=True)
            writer.start()
        try:
            for out in process.stdout:
                yield out.decode("utf-8")
        except GeneratorExit:  # the consumer stopped early: so does newsframe
            process.kill()
            raise
        finally:
            process.stdout.close()
            status = process.wait()
            if writer is not None:
                writer.join()
            stderr.seek(0)
            text = stderr.read().decode("utf-8", "replace")
        if on_stderr is not None and text:
            on_stderr(text)
        if writer_error:
            raise writer_error[0]
        if status not in (0, 1):
            tail = text.strip()[-4000:]
            raise NewsframeFailed(
                f"newsframe exited with status {status}: {' '.join(command)}\n{tail}"
            )


def log_stderr(text):
    sys.stderr.write(text)
    sys.stderr.flush()


def task_threads(configured):
    """Threads per newsframe process: --threads, else the task's cores."""
    if configured:
        return configured
    try:
        from pyspark import TaskContext

        context = TaskContext.get()
        if context is not None:
            return max(1, int(context.cpus()))
    except Exception:
        pass
    return 1


def partition_settings(newsframe, command="analyze", actors=None, stance_model=None,
                       threads=0, field_args=(), newsframe_args=()):
    """What each partition needs to start newsframe (sent to the executors).

    Paths that exist here are made absolute; the others are looked up where
    the task runs (SparkFiles). threads 0: the task's cores.
    """

    def absolute(path):
        return os.path.abspath(path) if path and os.path.exists(path) else path

    return {
        "newsframe": absolute(newsframe),
        "command": command,
        "actors": absolute(actors),
        "stance_model": stance_model,
        "threads": threads,
        "field_args": list(field_args),
        "newsframe_args": list(newsframe_args),
    }


def newsframe_command(settings, inputs):
    """The `newsframe analyze` (or `stance`) command line of one partition."""
    command = [executable(settings["newsframe"]), settings["command"], *inputs]
    command += ["--format", "jsonl"]
    passed = settings["newsframe_args"]
    if not any(arg == "--threads" or arg.startswith("--threads=") for arg in passed):
        command += ["--threads", str(task_threads(settings["threads"]))]
    command += settings["field_args"]
    if settings["actors"]:
        command += ["--actors", shipped(settings["actors"], "the actor set")]
    if settings["stance_model"]:
        model = settings["stance_model"]
        try:  # a folder here or shipped (--archives model.tar.gz#NAME)
            model = shipped(model, "the stance model")
        except FileNotFoundError:
            pass  # a registry or bundled model name
        command += ["--stance-model", model]
    return command + list(passed)


def analyze_lines(settings, rows):
    """mapPartitions body for line inputs: rows are (json_line, origin) pairs.

    One newsframe process reads the partition's lines on stdin. Its records
    come back in input order and name their stdin line, which maps each to
    the origin of its row. Yields the records with their origin.
    """
    origins = []

    def lines():
        for line, origin in rows:
            text = line.strip().lstrip("\ufeff").strip()
            if not text:
                continue  # newsframe skips blank lines: no record comes back
            origins.append(origin)
            yield text

    pending = lines()
    first = next(pending, None)
    if first is None:
        return  # an empty partition: newsframe would call its stdin an empty file
    command = newsframe_command(settings, ["-", "--stdin-format", "jsonl"])
    count = 0
    for out in run_newsframe(command, guarded(chain([first], pending)), log_stderr):
        record = json.loads(out)
        line = (record.get("origin") or {}).get("line")
        if not isinstance(line, int) or not 1 <= line <= len(origins):
            raise NewsframeFailed(f"newsframe wrote a record for no input line: {out[:300]}")
        count += 1
        yield record, origins[line - 1]
    if count != len(origins):
        raise NewsframeFailed(f"newsframe read {len(origins)} lines but wrote {count} records")


def guarded(lines):
    """Lines for newsframe's stdin, with those it would misread replaced.

    A line starting with `[` would make newsframe read the whole stream as one
    JSON array; such a line is never an article object, so it goes in as a
    JSON string, which newsframe reports as "expected a JSON object per line".
    """
    for line in lines:
        yield compact_json(line) if line.startswith("[") else line


def analyze_files(settings, rows):
    """mapPartitions body for whole documents: rows are (path, bytes) pairs.

    The partition's files are written to a temporary folder, each in a folder
    named like its own parent (so --source-from-dir sees the outlet folder),
    and newsframe reads the folder as `newsframe analyze DIR` would. Yields the
    records with their original path as origin.
    """
    root = tempfile.mkdtemp(prefix="newsframe-spark-")
    try:
        origins = {}
        for index, (uri, content) in enumerate(rows):
            path = local_path(uri)
            parent = os.path.basename(os.path.dirname(path)) or "input"
            folder = os.path.join(root, str(index), parent)
            os.makedirs(folder)
            local = os.path.join(folder, os.path.basename(path))
            with open(local, "wb") as file:
                file.write(content)
            origins[local] = path
        if not origins:
            return
        command = newsframe_command(settings, [root])
        for out in run_newsframe(command, None, log_stderr):
            record = json.loads(out)
            origin = record.get("origin") or {}
            if origin.get("path") == root:
                continue  # "holds no articles": a partition of README files only
            path = origins.get(origin.get("path"))
            if path is None:
                raise NewsframeFailed(f"newsframe wrote a record for no input file: {out[:300]}")
            yield record, {"path": path, "line": origin.get("line")}
    finally:
        shutil.rmtree(root, ignore_errors=True)


# --- the Spark job --------------------------------------------------------------


def spark_schemas():
    from pyspark.sql import types as T

    kinds = {
        "int": T.IntegerType(),
        "long": T.LongType(),
        "double": T.DoubleType(),
        "string": T.StringType(),
        "array<string>": T.ArrayType(T.StringType(), containsNull=False),
    }

    def schema(columns, partitioned):
        fields = [T.StructField(name, kinds[kind], nullable) for name, kind, nullable in columns]
        if partitioned:
            fields += [T.StructField(name, T.StringType(), False) for name in PARTITION_COLUMNS]
        return T.StructType(fields)

    return (
        schema(ARTICLE_COLUMNS, True),
        schema(ACTOR_COLUMNS, True),
        schema(FAILED_COLUMNS, False),
    )


def read_rows(spark, args):
    """The input as an RDD of (json_line, origin) or, for `files`, (path, bytes)."""
    from pyspark.sql import functions as F

    reader = spark.read
    for option in args.read_option:
        key, _, value = option.partition("=")
        reader = reader.option(key, value)
    if args.input_format == "files":
        frame = reader.format("binaryFile").option("recursiveFileLookup", "true").load(args.input)
        return frame.select("path", "content").rdd.map(tuple)
    if args.input_format == "jsonl":
        frame = reader.text(args.input).select(
            F.col("value").alias("line"), F.input_file_name().alias("file")
        )
        return frame.rdd.map(
            lambda row: (row.line, {"path": local_path(row.file) or None, "line": None})
        )
    frame = reader.format(args.input_format).load(args.input)
    fields = {name: getattr(args, f"{name}_field") for name in FIELD_OPTIONS}
    if fields["text"] not in frame.columns:
        raise SystemExit(
            f"analyze.py: the input has no column {fields['text']!r} for the article text "
            f"(columns: {', '.join(frame.columns)}); name it with --text-field"
        )
    present = [column for column in fields.values() if column in frame.columns]
    # Nulls are kept as JSON null, so a row with null text becomes newsframe's
    # own error record ("field must be a string") instead of a missing field.
    json_line = F.to_json(F.struct(*[F.col(c) for c in present]), {"ignoreNullFields": "false"})
    id_column = F.col(fields["id"]).cast("string") if fields["id"] in frame.columns else F.lit(None)
    source_column = (
        F.col(fields["source"]).cast("string") if fields["source"] in frame.columns else F.lit(None)
    )
    frame = frame.select(
        json_line.alias("line"),
        F.input_file_name().alias("file"),
        id_column.alias("id"),
        source_column.alias("source"),
    )
    return frame.rdd.map(
        lambda row: (
            row.line,
            {
                "path": local_path(row.file) or None,
                "line": None,
                "id": row.id,
                "source": row.source,
            },
        )
    )


def field_args(args):
    """--text-field etc. for newsframe: JSON lines keep the input's names (a
    table's rows are serialized under their column names)."""
    return [
        flag
        for name in FIELD_OPTIONS
        for flag in (f"--{name}-field", getattr(args, f"{name}_field"))
        if getattr(args, f"{name}_field") != name
    ]


def parse_args(argv):
    if "--" in argv:
        split = argv.index("--")
        argv, passed = argv[:split], argv[split + 1 :]
    else:
        passed = []
    parser = argparse.ArgumentParser(
        prog="analyze.py",
        description="Run `newsframe analyze` over a Spark source; write Parquet tables.",
        epilog="Arguments after `--` go to `newsframe analyze` (e.g. -- --engine builtin).",
    )
    parser.add_argument("--input", required=True, nargs="+", help="paths or URIs Spark reads")
    parser.add_argument(
        "--input-format",
        default="jsonl",
        help="jsonl (lines to newsframe as they are), files (whole documents as "
        "`newsframe analyze DIR` reads them), or a Spark reader format (parquet, orc, csv, "
        "json …); default jsonl",
    )
    parser.add_argument("--read-option", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--out", required=True, help="output folder (local path or URI)")
    parser.add_argument("--newsframe", default="newsframe", help="the newsframe binary")
    parser.add_argument(
        "--command",
        choices=["analyze", "stance"],
        default="analyze",
        help="newsframe analyze (summary and stance, default) or stance (no summaries)",
    )
    parser.add_argument("--actors", help="actor set (TOML)")
    parser.add_argument("--stance-model", help="--stance-model for newsframe (name or folder)")
    parser.add_argument(
        "--partitions",
        type=int,
        default=0,
        help="repartition the input into N partitions, one newsframe process each "
        "(default: Spark's default parallelism)",
    )
    parser.add_argument(
        "--threads", type=int, default=0, help="newsframe --threads (default: spark.task.cpus)"
    )
    parser.add_argument(
        "--replace",
        choices=["partitions", "all"],
        default="partitions",
        help="on rerun, replace the outlet/month partitions written (default) or all of OUT",
    )
    for name in FIELD_OPTIONS:
        parser.add_argument(f"--{name}-field", default=name, metavar="FIELD")
    args = parser.parse_args(argv)
    args.newsframe_args = passed
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from pyspark import StorageLevel
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.appName("newsframe analyze").getOrCreate()
    )
    spark.sparkContext.setLogLevel("WARN")
    settings = partition_settings(
        args.newsframe,
        command=args.command,
        actors=args.actors,
        stance_model=args.stance_model,
        threads=args.threads,
        field_args=field_args(args),
        newsframe_args=args.newsframe_args,
    )
    rows = read_rows(spark, args)
    partitions = args.partitions or spark.sparkContext.defaultParallelism
    rows = rows.repartition(partitions)
    body = analyze_files if args.input_format == "files" else analyze_lines
    records = rows.mapPartitions(lambda part: body(settings, part))
    # The three tables are written from one pass of newsframe: the flattened
    # rows are kept (memory, then disk) while the three writes read them.
    tables = records.map(lambda pair: flatten_record(*pair)).persist(
        StorageLevel.MEMORY_AND_DISK
    )
    article_schema, actor_schema, failed_schema = spark_schemas()
    out = args.out.rstrip("/")
    for index, name, schema, partitioned in (
        (0, "articles", article_schema, True),
        (1, "actors", actor_schema, True),
        (2, "failed", failed_schema, False),
    ):
        frame = spark.createDataFrame(tables.flatMap(lambda t, i=index: t[i]), schema)
        writer = frame.write.mode("overwrite")
        if partitioned:
            # dynamic: only the partitions this run writes are replaced.
            replace = "dynamic" if args.replace == "partitions" else "static"
            writer = writer.partitionBy(*PARTITION_COLUMNS).option(
                "partitionOverwriteMode", replace
            )
        writer.parquet(f"{out}/{name}")
    counts = tables.map(lambda t: (len(t[0]), len(t[1]), len(t[2]))).fold(
        (0, 0, 0), lambda a, b: tuple(x + y for x, y in zip(a, b))
    )
    tables.unpersist()
    print(
        f"newsframe on Spark: {counts[0]} articles, {counts[1]} actor rows, "
        f"{counts[2]} failed articles written to {out}",
        file=sys.stderr,
    )
    spark.stop()


if __name__ == "__main__":
    main()
