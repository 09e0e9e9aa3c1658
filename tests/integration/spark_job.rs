//! The PySpark job (`scripts/spark/analyze.py`): its record flattening and
//! process driving (Python unit tests), and the job itself in `local[2]`
//! against a plain `newsframe analyze` of the same inputs
//! (`scripts/spark/check_job.py`: same ids, labels and scores, reruns without
//! duplicates, a corrupt line and a row without text as failed rows).

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::{BIN, process, python_needed, python_with, require};

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scripts/spark")
        .join(name)
}

/// Fails the test with the script's output, which says what went wrong.
pub(crate) fn assert_ran(output: &Output, what: &str) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
}

#[test]
#[ignore = "needs Python"]
fn spark_job_flattens_records_and_drives_newsframe() {
    let python = require(python_with(&["json"]), &python_needed(&["json"]));
    let output = process(python)
        .arg(script("test_analyze.py"))
        .output()
        .unwrap();
    assert_ran(&output, "scripts/spark/test_analyze.py");
}

/// `java -version` runs (pyspark finds Java on PATH or through JAVA_HOME).
fn java() -> Option<()> {
    let java = match std::env::var_os("JAVA_HOME") {
        Some(home) => PathBuf::from(home).join("bin/java"),
        None => PathBuf::from("java"),
    };
    let runs = std::process::Command::new(java)
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    runs.then_some(())
}

#[test]
#[ignore = "needs Java and pyspark"]
fn spark_job_in_local_mode_equals_a_plain_run() {
    require(
        java(),
        "Java 17 (apt-get install openjdk-17-jre-headless, or set JAVA_HOME)",
    );
    let python = require(
        python_with(&["pyspark"]),
        &format!(
            "pyspark in the Python at {} (NEWSFRAME_SPARK_DEPS=1 scripts/setup, or set \
             NEWSFRAME_PYTHON)",
            newsframe::models::convert::python_path().display()
        ),
    );
    let output = process(python)
        .arg(script("check_job.py"))
        .arg("--newsframe")
        .arg(BIN)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_ran(&output, "scripts/spark/check_job.py");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.lines().any(|l| l.ends_with(" passed, 0 failed")),
        "no summary line from check_job.py:\n{stdout}"
    );
}
