//! Nothing lost: on the real binary in temporary folders, an output that is
//! also an input is refused before anything is written, an existing output
//! survives a failed or killed run, `--resume` changes a file only after
//! checking it and tells articles apart by content, and two runs on one
//! output never interleave.

use crate::common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use common::{Isolated, newsframe};
use serde_json::Value;

const ACTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/actors/venezuela.toml");
const EVAL_FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/eval");

/// Runs and returns (exit code, stdout, stderr).
fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn article_line(id: &str, source: &str, text: &str) -> String {
    serde_json::json!({"id": id, "source": source, "text": text}).to_string()
}

/// A JSONL file of `n` articles of one outlet, ids 1..=n.
fn outlet(dir: &Path, name: &str, n: usize) -> PathBuf {
    let path = dir.join(format!("{name}.jsonl"));
    let lines: Vec<String> = (1..=n)
        .map(|i| {
            let text = format!(
                "{name} reports, in story {i}, that Norway is brokering talks between the Venezuelan government and the opposition. The US threatened sanctions."
            );
            article_line(&i.to_string(), name, &text)
        })
        .collect();
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

fn records(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}")))
        .collect()
}

fn analyze(inputs: &[&Path]) -> Isolated<Command> {
    let mut cmd = newsframe();
    cmd.arg("analyze")
        .args(inputs)
        .args(["--actors", ACTORS, "--engine", "builtin"]);
    cmd
}

/// Asserts a refusal: exit 2, a message naming both paths, the input as it was.
fn assert_refused(result: (i32, String, String), output: &Path, input: &Path, before: &[u8]) {
    let (code, _, stderr) = result;
    assert_eq!(code, 2, "{stderr}");
    let out_name = output.file_name().unwrap().to_string_lossy();
    let in_name = input.file_name().unwrap().to_string_lossy();
    assert!(
        stderr.contains(&*out_name) && stderr.contains(&*in_name),
        "the message names both files: {stderr}"
    );
    assert_eq!(
        std::fs::read(input).unwrap(),
        before,
        "the input is untouched"
    );
}

#[test]
fn analyze_and_segment_refuse_to_write_onto_their_input() {
    let dir = tempfile::tempdir().unwrap();
    let input = outlet(dir.path(), "wire", 2);
    let before = std::fs::read(&input).unwrap();

    let result = run(analyze(&[&input]).arg("--out").arg(&input));
    assert_refused(result, &input, &input, &before);

    let result = run(newsframe()
        .arg("segment")
        .arg(&input)
        .args(["--format", "jsonl", "--out"])
        .arg(&input));
    assert_refused(result, &input, &input, &before);

    // The same file under other names.
    let hard = dir.path().join("hard.jsonl");
    std::fs::hard_link(&input, &hard).unwrap();
    let result = run(analyze(&[&input]).arg("--out").arg(&hard));
    assert_refused(result, &hard, &input, &before);
    #[cfg(unix)]
    {
        let soft = dir.path().join("soft.jsonl");
        std::os::unix::fs::symlink(&input, &soft).unwrap();
        let result = run(analyze(&[&soft]).arg("--out").arg(&input));
        assert_refused(result, &input, &soft, &before);
    }

    // An output the input folder's walk would read back as an article.
    let folder = dir.path().join("articles");
    std::fs::create_dir(&folder).unwrap();
    std::fs::copy(&input, folder.join("a.jsonl")).unwrap();
    let (code, _, stderr) = run(analyze(&[&folder])
        .arg("--out")
        .arg(folder.join("out.jsonl")));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("inside the input folder"), "{stderr}");
    assert!(!folder.join("out.jsonl").exists());
}

#[test]
fn compare_and_eval_refuse_to_replace_their_inputs_with_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let articles = outlet(dir.path(), "wire", 2);
    let records_file = dir.path().join("records.jsonl");
    let (code, _, stderr) = run(analyze(&[&articles]).arg("--out").arg(&records_file));
    assert_eq!(code, 0, "{stderr}");
    let records_before = std::fs::read(&records_file).unwrap();
    let articles_before = std::fs::read(&articles).unwrap();

    let result = run(newsframe()
        .arg("compare")
        .arg(&records_file)
        .arg("--out")
        .arg(&records_file));
    assert_refused(result, &records_file, &records_file, &records_before);

    let result = run(newsframe()
        .arg("compare")
        .arg(&articles)
        .args(["--actors", ACTORS, "--engine", "builtin", "--records-out"])
        .arg(&articles));
    assert_refused(result, &articles, &articles, &articles_before);

    // Two outputs of one run on one file.
    let both = dir.path().join("both.jsonl");
    let (code, _, stderr) = run(newsframe()
        .arg("compare")
        .arg(&articles)
        .args([
            "--actors", ACTORS, "--engine", "builtin", "--format", "json",
        ])
        .arg("--records-out")
        .arg(&both)
        .arg("--out")
        .arg(&both));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("are the same file"), "{stderr}");
    assert!(!both.exists());

    let dataset = dir.path().join("dataset.jsonl");
    std::fs::copy(format!("{EVAL_FIXTURES}/project.jsonl"), &dataset).unwrap();
    let preds = dir.path().join("preds.jsonl");
    std::fs::copy(format!("{EVAL_FIXTURES}/summaries_pred.jsonl"), &preds).unwrap();
    let dataset_before = std::fs::read(&dataset).unwrap();
    let preds_before = std::fs::read(&preds).unwrap();

    let result = run(newsframe()
        .args(["eval", "summarize"])
        .arg(&dataset)
        .args(["--engine", "builtin", "--out"])
        .arg(&dataset));
    assert_refused(result, &dataset, &dataset, &dataset_before);

    let result = run(newsframe()
        .args(["eval", "summarize"])
        .arg(&dataset)
        .arg("--pred")
        .arg(&preds)
        .arg("--out")
        .arg(&preds));
    assert_refused(result, &preds, &preds, &preds_before);
}

#[test]
fn an_existing_output_survives_a_mistyped_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("analysis.jsonl");
    std::fs::write(&out, "{\"previous\": \"results\"}\n").unwrap();
    let before = std::fs::read(&out).unwrap();

    let (code, _, stderr) = run(analyze(&[&dir.path().join("tpyo.txt")])
        .arg("--out")
        .arg(&out));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("tpyo.txt"), "{stderr}");
    assert!(stderr.contains("kept as it was"), "{stderr}");
    assert_eq!(std::fs::read(&out).unwrap(), before);

    let report = dir.path().join("segments.json");
    std::fs::write(&report, "[]\n").unwrap();
    let (code, _, stderr) = run(newsframe()
        .arg("segment")
        .arg(dir.path().join("tpyo.txt"))
        .args(["--format", "json", "--out"])
        .arg(&report));
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(std::fs::read_to_string(&report).unwrap(), "[]\n");

    let litter: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.'))
        .collect();
    assert!(
        litter.is_empty(),
        "temporary or lock files left: {litter:?}"
    );
}

/// Waits until `ready` holds, or panics after 60 s.
fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `analyze` reading JSONL articles from a pipe, so the test decides when
/// it ends.
fn analyze_from_stdin(out: &Path) -> Child {
    common::process(common::BIN)
        .args(["analyze", "-", "--stdin-format", "jsonl"])
        .args(["--actors", ACTORS, "--engine", "builtin", "--out"])
        .arg(out)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn temp_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".tmp"))
        .collect()
}

#[cfg(unix)]
#[test]
fn a_killed_run_leaves_the_existing_output_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("analysis.jsonl");
    std::fs::write(&out, "{\"previous\": \"results\"}\n").unwrap();
    let mut child = analyze_from_stdin(&out);
    let mut stdin = child.stdin.take().unwrap();
    for i in 0..9 {
        let line = article_line(&format!("k{i}"), "wire", "Norway is brokering talks.");
        writeln!(stdin, "{line}").unwrap();
    }
    stdin.flush().unwrap();
    // One batch of records is written (wherever it goes), then kill.
    wait_for("the first batch", || {
        std::fs::read_to_string(&out).is_ok_and(|text| text != "{\"previous\": \"results\"}\n")
            || temp_files(dir.path())
                .iter()
                .any(|t| std::fs::metadata(t).is_ok_and(|m| m.len() > 0))
    });
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "{\"previous\": \"results\"}\n"
    );
}

#[test]
fn a_second_run_on_the_same_output_fails_fast_and_names_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("analysis.jsonl");
    let other = outlet(dir.path(), "other", 1);
    let mut first = analyze_from_stdin(&out);
    let lock = dir.path().join(".analysis.jsonl.lock");
    wait_for("the first run's lock", || {
        std::fs::read_to_string(&lock).is_ok_and(|pid| pid.trim() == first.id().to_string())
    });

    for args in [vec!["analyze"], vec!["stance"]] {
        let (code, _, stderr) = run(newsframe()
            .args(&args)
            .arg(&other)
            .args(["--actors", ACTORS, "--engine", "builtin", "--out"])
            .arg(&out));
        assert_eq!(code, 2, "{stderr}");
        assert!(
            stderr.contains(&format!("process {}", first.id())),
            "names the holder: {stderr}"
        );
    }
    let (code, _, stderr) = run(newsframe()
        .arg("segment")
        .arg(&other)
        .arg("--out")
        .arg(&out));
    assert_eq!(code, 2, "{stderr}");

    let mut stdin = first.stdin.take().unwrap();
    for i in 0..3 {
        let line = article_line(&format!("s{i}"), "wire", "Norway is brokering talks.");
        writeln!(stdin, "{line}").unwrap();
    }
    drop(stdin);
    let status = first.wait().unwrap();
    assert!(status.success());
    let written = records(&out);
    assert_eq!(written.len(), 3);
    assert!(!lock.exists(), "the lock file is removed at the end");
}

#[test]
fn resume_refuses_a_file_of_articles_without_changing_it() {
    let dir = tempfile::tempdir().unwrap();
    let input = outlet(dir.path(), "wire", 2);
    // A user's article file, without a final newline, given as --out.
    let user_file = dir.path().join("mine.jsonl");
    let text = format!(
        "{}\n{}",
        article_line("u1", "mine", "First article."),
        article_line("u2", "mine", "Second article, the last line.")
    );
    std::fs::write(&user_file, &text).unwrap();
    let (code, _, stderr) = run(analyze(&[&input])
        .arg("--resume")
        .arg("--out")
        .arg(&user_file));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("not an analysis record"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&user_file).unwrap(), text);
}

#[test]
fn resume_keeps_a_whole_last_record_that_lacks_its_newline() {
    let dir = tempfile::tempdir().unwrap();
    let input = outlet(dir.path(), "wire", 3);
    let out = dir.path().join("analysis.jsonl");
    let (code, _, stderr) = run(analyze(&[&input]).arg("--out").arg(&out));
    assert_eq!(code, 0, "{stderr}");
    let complete = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = complete.lines().collect();
    std::fs::write(&out, format!("{}\n{}", lines[0], lines[1])).unwrap();

    let (code, _, stderr) = run(analyze(&[&input]).arg("--resume").arg("--out").arg(&out));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("skipped 2"), "{stderr}");
    assert!(!stderr.contains("dropped"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), complete);
}

#[test]
fn resume_tells_outlets_with_the_same_ids_apart() {
    let dir = tempfile::tempdir().unwrap();
    let a = outlet(dir.path(), "alpha", 8);
    let b = outlet(dir.path(), "beta", 8);
    let out = dir.path().join("analysis.jsonl");
    let (code, _, stderr) = run(analyze(&[&a, &b]).arg("--out").arg(&out));
    assert_eq!(code, 0, "{stderr}");
    let complete = std::fs::read_to_string(&out).unwrap();
    assert_eq!(complete.lines().count(), 16);

    // Interrupted after the first outlet.
    let first: Vec<&str> = complete.lines().take(8).collect();
    std::fs::write(&out, first.join("\n") + "\n").unwrap();
    let (code, _, stderr) = run(analyze(&[&a, &b]).arg("--resume").arg("--out").arg(&out));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("skipped 8 "), "{stderr}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), complete);
    let sources: Vec<Value> = records(&out).iter().map(|r| r["source"].clone()).collect();
    assert_eq!(sources.iter().filter(|s| **s == "beta").count(), 8);
}

#[test]
fn resume_refuses_records_of_another_actor_set_or_command() {
    let dir = tempfile::tempdir().unwrap();
    let input = outlet(dir.path(), "wire", 2);
    let out = dir.path().join("analysis.jsonl");
    let (code, _, stderr) = run(newsframe()
        .arg("analyze")
        .arg(&input)
        .args(["--actor", "norway=Norway", "--engine", "builtin", "--out"])
        .arg(&out));
    assert_eq!(code, 0, "{stderr}");
    let before = std::fs::read(&out).unwrap();

    let (code, _, stderr) = run(analyze(&[&input]).arg("--resume").arg("--out").arg(&out));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("resuming would mix them"), "{stderr}");
    assert!(stderr.contains("venezuela#"), "names the sets: {stderr}");
    assert_eq!(std::fs::read(&out).unwrap(), before);

    let (code, _, stderr) = run(newsframe()
        .arg("stance")
        .arg(&input)
        .args([
            "--actor",
            "norway=Norway",
            "--engine",
            "builtin",
            "--resume",
            "--out",
        ])
        .arg(&out));
    assert_eq!(code, 2, "stance records are not analyze records: {stderr}");
    assert_eq!(std::fs::read(&out).unwrap(), before);
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_is_an_error_that_names_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let input = outlet(dir.path(), "wire", 50);
    let (code, _, stderr) = run(newsframe().arg("segment").arg(&input).args([
        "--format",
        "json",
        "--out",
        "/dev/full",
    ]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("cannot write /dev/full"), "{stderr}");
    assert!(stderr.contains("No space left"), "{stderr}");

    let full = std::fs::File::create("/dev/full").unwrap();
    let out = common::process(common::BIN)
        .arg("segment")
        .arg(&input)
        .stdout(full)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot write standard output"), "{stderr}");
}
