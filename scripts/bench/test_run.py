#!/usr/bin/env python3
"""Unit tests of the benchmark driver: its plans, reports and GPU side, and the GPU refusals where there is no GPU.

`python3 scripts/bench/test_run.py` (standard library; the refusal checks of bench_python.py
and bench_ctranslate2.py run with the interpreter's torch / ctranslate2, and are skipped,
saying so, where it lacks them or a GPU is visible).
"""

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402


def planned(*argv):
    """(args, stages, engines, peers, peer_types) of `run.py ARGV`."""
    p = run.arg_parser()
    args = p.parse_args(list(argv))
    return (args, *run.plan(p, args))


def staged_commands(*argv):
    """(stage, command line) of every process the rounds of `run.py ARGV` would start, in order."""
    args, stages, engines, peers, peer_types = planned(*argv)
    return [
        (stage, cmd)
        for rnd in range(args.rounds)
        for stage in stages
        for cmd in run.round_commands(args, stage, rnd, engines, peers, peer_types)
    ]


def commands(*argv):
    """Every command line (a list) the rounds of `run.py ARGV` would start, in order."""
    return [cmd for _, cmd in staged_commands(*argv)]


def flag(cmd, name):
    """The value after `name` in `cmd`, or None."""
    return cmd[cmd.index(name) + 1] if name in cmd else None


def engine_of(cmd):
    """'python', 'python-bf16', 'newsframe[-bf16|-int8[-nli-bf16]]', 'rust-bert' or 'ctranslate2:<compute type>'."""
    if cmd[1].endswith("bench_python.py"):
        return "python-bf16" if "bf16" in cmd else "python"
    if cmd[1].endswith("bench_ctranslate2.py"):
        return "ctranslate2:" + flag(cmd, "--compute-type")
    engine = flag(cmd, "--engine")
    if "--precision" in cmd:
        engine += "-" + flag(cmd, "--precision")
    if "--nli-precision" in cmd:
        engine += "-nli-" + flag(cmd, "--nli-precision")
    return engine


class Plans(unittest.TestCase):
    def test_cpu_run_starts_the_cpu_engines_without_a_device_flag(self):
        cmds = commands("--rounds", "1")
        self.assertTrue(cmds)
        self.assertFalse([c for c in cmds if "--device" in c])
        greedy = {engine_of(c) for c in cmds if c[c.index("--stage") + 1] == "greedy"}
        self.assertEqual(greedy, {"python", "python-bf16", "newsframe", "newsframe-bf16", "newsframe-int8",
                                  "ctranslate2:int8", "ctranslate2:float32"})
        nli = {engine_of(c) for c in cmds if c[c.index("--stage") + 1] == "nli"}
        self.assertIn("rust-bert", nli)

    def test_analyze_batch_comes_after_analyze_and_decodes_its_articles_together_on_the_rust_side(self):
        stages = planned()[1]
        self.assertEqual(stages[stages.index("analyze") + 1], "analyze-batch")
        self.assertEqual(list(run.RATE_KEY).index("analyze-batch"), list(run.RATE_KEY).index("analyze") + 1)
        cmds = commands("--rounds", "1", "--stages", "analyze-batch", "--analyze-batch", "6", "--articles", "1")
        self.assertEqual({engine_of(c) for c in cmds}, {"python", "python-bf16", "newsframe", "newsframe-bf16",
                                                         "newsframe-int8", "newsframe-int8-nli-bf16"})
        for cmd in cmds:
            with self.subTest(engine=engine_of(cmd)):
                self.assertEqual(flag(cmd, "--stage"), "analyze")  # the processes know no analyze-batch
                self.assertEqual(flag(cmd, "--articles"), "6")
                rust = cmd[0].endswith("bench_engine")
                self.assertEqual(flag(cmd, "--batch"), "6" if rust else None)
        # Plain analyze stays one article at a time.
        for cmd in commands("--rounds", "1", "--stages", "analyze"):
            self.assertNotIn("--batch", cmd)
            self.assertEqual(flag(cmd, "--articles"), "1")

    def test_mixed_engine_runs_on_the_mixed_stages_with_both_precisions(self):
        mixed = [(stage, cmd) for stage, cmd in staged_commands("--rounds", "1")
                 if engine_of(cmd) == "newsframe-int8-nli-bf16"]
        self.assertEqual([stage for stage, _ in mixed], ["analyze", "analyze-batch"])
        for _, cmd in mixed:
            self.assertEqual((flag(cmd, "--engine"), flag(cmd, "--precision"), flag(cmd, "--nli-precision")),
                             ("newsframe", "int8", "bf16"))
        only = {stage for stage, cmd in staged_commands("--rounds", "1", "--mixed-stages", "analyze")
                if engine_of(cmd) == "newsframe-int8-nli-bf16"}
        self.assertEqual(only, {"analyze"})

    def test_gpu_run_puts_every_process_on_the_gpu(self):
        cmds = commands("--device", "cuda", "--rounds", "2")
        self.assertTrue(cmds)
        for cmd in cmds:
            self.assertEqual(cmd[cmd.index("--device") + 1], "cuda", cmd)
        engines = {engine_of(c) for c in cmds}
        self.assertEqual(engines, {"python", "python-bf16", "newsframe", "newsframe-bf16", "ctranslate2:int8_float16",
                                   "ctranslate2:bfloat16", "ctranslate2:float32"})
        # Each round runs the same processes; the second in the reverse order, stage by stage.
        half = len(cmds) // 2
        self.assertEqual(sorted(map(tuple, cmds[:half])), sorted(map(tuple, cmds[half:])))
        self.assertNotEqual(cmds[:half], cmds[half:])

    def test_gpu_run_writes_its_own_json(self):
        self.assertEqual(planned("--device", "cuda")[0].json.name, "benchmarks-gpu.json")
        self.assertEqual(planned()[0].json.name, "benchmarks.json")

    def test_gpu_run_refuses_cpu_only_engines_and_probes(self):
        for argv in (["--rust-engines", "newsframe,newsframe-int8"], ["--rust-engines", "rust-bert"],
                     ["--rust-engines", "newsframe,newsframe-int8-nli-bf16"],
                     ["--load-probe"], ["--speedup-probe"], ["--peer-engines", "ctranslate2-nope"]):
            with self.subTest(argv=argv), contextlib.redirect_stderr(io.StringIO()) as err:
                with self.assertRaises(SystemExit) as stop:
                    planned("--device", "cuda", *argv)
                self.assertEqual(stop.exception.code, 2)
                self.assertIn("run.py: error:", err.getvalue())


def fake_run(stage, engine, rate, **extra):
    key = run.RATE_KEY[stage]
    return {"stage": stage, "engine": engine, key: rate, "load_s": 1.0, "peak_rss_mb": 900.0, "items": 2, **extra}


class GpuReport(unittest.TestCase):
    def test_ratios_are_against_python_on_the_same_gpu(self):
        results = [
            fake_run("greedy", "python-cuda:0", 1.0, gpu_peak_mib=2500.0, gpu_used_mib=3100.0),
            fake_run("greedy", "python-cuda:0", 3.0, gpu_peak_mib=2500.0, gpu_used_mib=3000.0),
            fake_run("greedy", "newsframe-cuda:0", 4.0, gpu_used_mib=2600.0),
            fake_run("greedy", "python-bf16-cuda:0", 2.0),
            fake_run("greedy", "newsframe-bf16-cuda:0", 5.0),
            fake_run("greedy", "ctranslate2-int8-f16-cuda:0", 8.0),
        ]
        rows = {r["engine"]: r for r in run.summarize(results, None, "-cuda:0")}
        self.assertEqual(rows["python-cuda:0"]["rate"], 2.0)
        self.assertEqual(rows["newsframe-cuda:0"]["speed_vs_python"], 2.0)
        self.assertEqual(rows["newsframe-bf16-cuda:0"]["speed_vs_python_bf16"], 2.5)
        self.assertEqual(rows["python-cuda:0"]["gpu_used_mib"], 3050.0)
        self.assertEqual(rows["python-cuda:0"]["gpu_peak_mib"], 2500.0)
        self.assertNotIn("gpu_peak_mib", rows["newsframe-cuda:0"])
        report = {
            "started": "2026-01-01 00:00", "finished": "2026-01-01 00:05", "machine": {"cpu": "x", "cpus": 16},
            "threads": 2, "rounds": 2, "load_before": [0.5], "load_after": [0.7], "command": "gpu.sh",
            "rows": list(rows.values()), "runs": results, "device": "cuda", "suffix": "-cuda:0",
            "gpu": "NVIDIA H200, 143771 MiB, driver 580.159.03",
        }
        text = run.markdown_gpu(report)
        self.assertIn("NVIDIA H200", text)
        self.assertIn("| greedy | newsframe-cuda:0 | 4.000 | articles/s | - | 2.00x | 2600 | - |", text)
        self.assertIn("`ctranslate2-int8-f16-cuda:0`: greedy 0.62x (newsframe-bf16-cuda:0)", text)

    def test_gpu_section_leaves_the_cpu_section_as_it_was(self):
        with tempfile.TemporaryDirectory() as tmp:
            doc = Path(tmp) / "benchmarks.md"
            cpu_block = f"{run.BEGIN}\n| the CPU table |\n{run.END}"
            doc.write_text(f"# B\n\n{cpu_block}\n\n## GPU\n\n{run.GPU_BEGIN}\nNo GPU run yet.\n{run.GPU_END}\n\ntail\n")
            for body in ("first GPU table\n", "second GPU table\n"):
                run.write_markdown(doc, body, run.GPU_BEGIN, run.GPU_END)
            self.assertEqual(doc.read_text(), f"# B\n\n{cpu_block}\n\n## GPU\n\n{run.GPU_BEGIN}\nsecond GPU table\n"
                                              f"{run.GPU_END}\n\ntail\n")

    def test_the_docs_have_both_sections(self):
        text = (HERE.parents[1] / "docs/benchmarks.md").read_text(encoding="utf-8")
        for marker in (run.BEGIN, run.END, run.GPU_BEGIN, run.GPU_END):
            self.assertEqual(text.count(marker), 1, marker)
        self.assertLess(text.index(run.END), text.index(run.GPU_BEGIN))


class CpuReport(unittest.TestCase):
    RATES = {  # stage -> engine -> articles/s
        "analyze": {"python": 1.0, "newsframe": 2.0, "newsframe-int8": 3.0, "newsframe-int8-nli-bf16": 3.5,
                    "newsframe-t5": 1.5},
        "analyze-batch": {"python": 1.0, "newsframe": 3.0, "newsframe-int8": 4.5, "newsframe-int8-nli-bf16": 6.0},
        "greedy": {"newsframe": 1.0, "newsframe-int8": 3.0, "ctranslate2-int8": 2.0},
    }

    def report(self):
        results = [fake_run(stage, engine, rate, items=8 if stage == "analyze-batch" else 1)
                   for stage, rates in self.RATES.items() for engine, rate in rates.items()]
        rows = run.summarize(results, None)
        return {
            "started": "2026-01-01 00:00", "finished": "2026-01-01 00:30", "machine": {"cpu": "x", "cpus": 2},
            "threads": 2, "rounds": 1, "load_before": [0.5], "load_after": [0.7], "load_seen": [0.5, 0.7],
            "command": "run.sh", "rows": rows, "runs": results, "roofline": None,
            "targets": {e: run.targets(rows, e) for e in ("newsframe", "newsframe-int8-nli-bf16")},
        }

    def test_batched_analyze_target_and_the_fastest_setting_against_python(self):
        report = self.report()
        batched = "end-to-end analyze, batched (8 articles decoded together) >= 5x Python f32 articles/s"
        self.assertEqual(report["targets"]["newsframe-int8-nli-bf16"][:2], [
            ("end-to-end analyze >= 1.5x Python articles/s", 3.5, True), (batched, 6.0, True)])
        self.assertEqual(report["targets"]["newsframe"][:2], [
            ("end-to-end analyze >= 1.5x Python articles/s", 2.0, True), (batched, 3.0, False)])
        self.assertEqual(run.versus_python(report["rows"]), [
            {"stage": "analyze", "engine": "newsframe-int8-nli-bf16", "ratio": 3.5, "met": False},
            {"stage": "analyze-batch", "engine": "newsframe-int8-nli-bf16", "ratio": 6.0, "met": True}])
        text = run.markdown(report)
        self.assertIn(f"- {batched}: 3.00x — NOT met", text)
        self.assertIn(f"- {batched}: 6.00x — met", text)
        self.assertIn("newsframe vs Python f32 end to end (newsframe's fastest setting / `python`, target >= 5x): "
                      "analyze 3.50x (newsframe-int8-nli-bf16) — NOT met; analyze-batch 6.00x "
                      "(newsframe-int8-nli-bf16) — met.", text)
        self.assertIn("target >= 1.5x): greedy 1.50x (newsframe-int8) — met.", text)
        self.assertIn("`analyze-batch` = `analyze` on 8 articles", text)
        table = [ln.split(" | ")[:2] for ln in text.splitlines() if ln.startswith("| analyze")]
        self.assertEqual(table, [["| analyze", e] for e in self.RATES["analyze"]]
                         + [["| analyze-batch", e] for e in self.RATES["analyze-batch"]])

    def test_no_batched_lines_without_analyze_batch_rows(self):
        report = self.report()
        report["rows"] = [r for r in report["rows"] if r["stage"] != "analyze-batch"]
        self.assertEqual([name for name, _, _ in run.targets(report["rows"], "newsframe")][:1],
                         ["end-to-end analyze >= 1.5x Python articles/s"])
        self.assertFalse([t for t in run.targets(report["rows"], "newsframe") if "batched" in t[0]])
        self.assertNotIn("analyze-batch", run.markdown(report).split("Targets")[0])


def run_main(*argv, rate=lambda cmd: 1.0):
    """(report, stderr, commands started) of `run.py ARGV --no-roofline --no-write --peer-engines ''
    --profiles ''` with every process faked: each reports the stage on its command line, at `rate(cmd)`."""
    started = []

    def one(cmd, env, gpu=None):
        started.append(cmd)
        return fake_run(flag(cmd, "--stage"), engine_of(cmd), rate(cmd))

    saved, saved_argv, run.run_one = run.run_one, sys.argv, one
    try:
        with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.redirect_stderr(io.StringIO()) as err:
            sys.argv = ["run.py", *argv, "--no-roofline", "--no-write", "--peer-engines", "", "--profiles", ""]
            run.main()
    finally:
        run.run_one, sys.argv = saved, saved_argv
    return json.loads(out.getvalue()), err.getvalue(), started


class Runs(unittest.TestCase):
    def test_analyze_batch_runs_are_filed_under_analyze_batch(self):
        report, _, started = run_main("--rounds", "1", "--stages", "analyze,analyze-batch", "--analyze-batch", "4",
                                      rate=lambda cmd: 4.0 if "--batch" in cmd else 1.0)
        self.assertEqual(len(started), 12)
        self.assertEqual([r["stage"] for r in report["runs"]], ["analyze"] * 6 + ["analyze-batch"] * 6)
        rows = {(r["stage"], r["engine"]): r for r in report["rows"]}
        self.assertEqual(len(rows), 12)
        self.assertEqual(rows[("analyze", "newsframe")]["rate"], 1.0)
        self.assertEqual(rows[("analyze-batch", "newsframe")]["rate"], 4.0)
        self.assertEqual(rows[("analyze-batch", "newsframe-int8-nli-bf16")]["speed_vs_python"], 4.0)
        self.assertEqual(rows[("analyze-batch", "python")]["unit"], "articles/s")


class TimeLimit(unittest.TestCase):
    def test_rounds_stop_where_the_next_would_end_past_the_limit(self):
        report, err, started = run_main("--rounds", "3", "--time-limit", "0", "--stages", "embed")
        self.assertEqual(report["rounds"], 1)
        self.assertEqual(len(started), 5)  # python, python-bf16, newsframe, newsframe-bf16, newsframe-int8
        self.assertIn("stopping after 1 round(s)", err)


def python_with(module):
    return subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True).returncode == 0


class Refusals(unittest.TestCase):
    """Where there is no GPU, each side says so and exits 2 before any work."""

    def refused(self, cmd, env=None):
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
        self.assertEqual(out.returncode, 2, out.stderr)
        return out.stderr

    def test_bench_python(self):
        if not python_with("torch"):
            self.skipTest(f"{sys.executable} lacks torch")
        if subprocess.run([sys.executable, "-c", "import sys, torch; sys.exit(torch.cuda.is_available())"]).returncode:
            self.skipTest("a CUDA GPU is visible here")
        err = self.refused([sys.executable, str(HERE / "bench_python.py"), "--stage", "embed", "--device", "cuda"])
        self.assertIn("sees no CUDA GPU", err)

    def test_bench_ctranslate2(self):
        if not python_with("ctranslate2"):
            self.skipTest(f"{sys.executable} lacks ctranslate2")
        if subprocess.run([sys.executable, "-c", "import sys, ctranslate2; "
                           "sys.exit(ctranslate2.get_cuda_device_count() > 0)"]).returncode:
            self.skipTest("a CUDA GPU is visible here")
        err = self.refused([sys.executable, str(HERE / "bench_ctranslate2.py"), "--stage", "greedy", "--device", "cuda",
                            "--compute-type", "int8_float16"])
        self.assertIn("sees no CUDA GPU", err)

    def test_gpu_sh_where_nvidia_smi_fails(self):
        with tempfile.TemporaryDirectory() as tmp:
            smi = Path(tmp) / "nvidia-smi"
            smi.write_text("#!/bin/sh\necho 'NVIDIA-SMI has failed: no driver.'\nexit 9\n")
            smi.chmod(0o755)
            env = {**os.environ, "PATH": f"{tmp}:{os.environ['PATH']}", "OUT": str(Path(tmp) / "out")}
            err = self.refused(["bash", str(HERE / "gpu.sh")], env)
            self.assertIn("no NVIDIA GPU here", err)
            self.assertFalse((Path(tmp) / "out").exists())

    def test_run_py_where_nvidia_smi_is_missing(self):
        if shutil.which("nvidia-smi"):
            self.skipTest("nvidia-smi is installed here")
        with tempfile.TemporaryDirectory() as tmp:
            err = self.refused([sys.executable, str(HERE / "run.py"), "--device", "cuda", "--json",
                                str(Path(tmp) / "r.json"), "--markdown", str(Path(tmp) / "b.md")])
            self.assertIn("nvidia-smi does not answer", err)
            self.assertEqual(list(Path(tmp).iterdir()), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
