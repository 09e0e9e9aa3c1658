#!/usr/bin/env python3
"""Unit tests of the benchmark driver's GPU side, and of the GPU refusals where there is no GPU.

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


def commands(*argv):
    """Every command line (a list) the rounds of `run.py ARGV` would start, in order."""
    args, stages, engines, peers, peer_types = planned(*argv)
    return [
        cmd
        for rnd in range(args.rounds)
        for stage in stages
        for cmd in run.round_commands(args, stage, rnd, engines, peers, peer_types)
    ]


def engine_of(cmd):
    """'python', 'python-bf16', 'newsframe[-bf16|-int8]', 'rust-bert' or 'ctranslate2:<compute type>'."""
    if cmd[1].endswith("bench_python.py"):
        return "python-bf16" if "bf16" in cmd else "python"
    if cmd[1].endswith("bench_ctranslate2.py"):
        return "ctranslate2:" + cmd[cmd.index("--compute-type") + 1]
    engine = cmd[cmd.index("--engine") + 1]
    if "--precision" in cmd:
        engine += "-" + cmd[cmd.index("--precision") + 1]
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


class TimeLimit(unittest.TestCase):
    def test_rounds_stop_where_the_next_would_end_past_the_limit(self):
        started = []

        def one(cmd, env, gpu=None):
            started.append(cmd)
            stage = cmd[cmd.index("--stage") + 1]
            return fake_run(stage, engine_of(cmd), 1.0)

        saved, run.run_one = run.run_one, one
        argv = ["run.py", "--rounds", "3", "--time-limit", "0", "--stages", "embed", "--no-roofline", "--no-write",
                "--peer-engines", "", "--profiles", ""]
        try:
            with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.redirect_stderr(io.StringIO()) as err:
                sys.argv = argv
                run.main()
        finally:
            run.run_one = saved
        report = json.loads(out.getvalue())
        self.assertEqual(report["rounds"], 1)
        self.assertEqual(len(started), 5)  # python, python-bf16, newsframe, newsframe-bf16, newsframe-int8
        self.assertIn("stopping after 1 round(s)", err.getvalue())


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
