//! The benchmark scripts' GPU side (`scripts/bench/test_run.py`): the processes
//! `run.py --device cuda` starts (every one on the GPU, no CPU-only engine), its
//! report and markdown section apart from the CPU ones, the CPU run's processes
//! without a device flag, and the refusals of `bench_python.py`,
//! `bench_ctranslate2.py`, `run.py` and `gpu.sh` where there is no GPU.

use std::path::Path;

use crate::common::{process, python_needed, python_with, require};
use crate::spark_job::assert_ran;

#[test]
#[ignore = "needs Python"]
fn bench_scripts_plan_gpu_runs_and_refuse_without_a_gpu() {
    let modules = ["torch", "transformers", "ctranslate2"];
    let python = require(python_with(&modules), &python_needed(&modules));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/bench/test_run.py");
    let output = process(python).arg(&script).output().unwrap();
    // unittest reports on stderr: show it, skips included.
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    assert_ran(&output, "scripts/bench/test_run.py");
}
