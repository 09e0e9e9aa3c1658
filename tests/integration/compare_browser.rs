//! The HTML report as a reader sees it: rendered by headless Chromium, with a
//! screenshot, no console errors, the numbers of the JSON report on the
//! page, and article text that stays text (no script runs, no markup
//! breaks out), even when an article carries `<script>` or `</svg>`.
//!
//! Needs `chromium` (Debian: `apt-get install -y chromium`) or the browser
//! named by `NEWSFRAME_CHROMIUM`, so the tests are ignored unless asked for
//! (`cargo test -- --ignored`), and then fail without one.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/records")
        .join(name)
}

fn find_chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("NEWSFRAME_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome", "chrome"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// The browser, or a failure saying how to get one.
fn browser() -> PathBuf {
    common::require(
        find_chromium(),
        "Chromium: apt-get install -y chromium, or set NEWSFRAME_CHROMIUM to a Chromium/Chrome binary",
    )
}

/// Runs headless Chromium on `page` with extra `args`; returns (stdout,
/// stderr). A fresh profile each time; no network features.
fn chromium(browser: &Path, page: &Path, args: &[&str]) -> (String, String) {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    // Read both pipes while it runs: a page larger than a pipe's buffer
    // (64 KiB) would otherwise block Chromium on `--dump-dom` forever.
    let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut text);
            }
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
    );
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            panic!("chromium did not finish in 90 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    (stdout.join().unwrap(), stderr.join().unwrap())
}

fn render(records: &Path, format: &str, out: &Path) {
    let status = common::process(common::BIN)
        .args([
            "compare",
            records.to_str().unwrap(),
            "--format",
            format,
            "-o",
        ])
        .arg(out)
        .env("SOURCE_DATE_EPOCH", "1558483200")
        .status()
        .unwrap();
    assert!(matches!(status.code(), Some(0) | Some(1)), "compare failed");
}

/// Console messages (errors, CSP violations, failed loads) in the log.
fn console_lines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.contains(":CONSOLE")).collect()
}

fn shown(x: f64) -> String {
    let r = (x * 100.0).round() / 100.0;
    if r == 0.0 {
        "0.00".into()
    } else {
        format!("{r:+.2}")
    }
}

fn unescape(s: &str) -> String {
    html_escape::decode_html_entities(s).into_owned()
}

#[test]
#[ignore = "needs Chromium"]
fn report_renders_with_the_json_numbers() {
    let browser = browser();
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("report.html");
    let json = dir.path().join("report.json");
    render(&fixture("venezuela_2019.jsonl"), "html", &html);
    render(&fixture("venezuela_2019.jsonl"), "json", &json);
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let section = &report["sections"][0];

    // A screenshot, kept for people to look at.
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("compare-report.png");
    let _ = std::fs::remove_file(&shot);
    let (_, stderr) = chromium(
        &browser,
        &html,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,2000",
        ],
    );
    let png =
        std::fs::read(&shot).unwrap_or_else(|_| panic!("no screenshot; chromium said:\n{stderr}"));
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "screenshot looks empty"
    );
    eprintln!("screenshot: {}", shot.display());

    // The page as loaded: no console messages, the numbers of the JSON.
    let (dom, stderr) = chromium(&browser, &html, &["--dump-dom"]);
    assert!(
        console_lines(&stderr).is_empty(),
        "console:\n{}",
        console_lines(&stderr).join("\n")
    );
    assert!(
        dom.contains("<title>How outlets frame:"),
        "page did not load:\n{stderr}"
    );
    let cell_re = regex::Regex::new(
        r#"<g class="cell" data-group="([^"]*)" data-actor="([^"]*)" data-score="([^"]*)"><title>[^<]*</title>(?:<rect[^>]*>(?:</rect>)?)+<text[^>]*>([^<]*)</text>"#,
    )
    .unwrap();
    let mut seen = 0;
    for m in cell_re.captures_iter(&dom) {
        let (group, actor) = (unescape(&m[1]), unescape(&m[2]));
        let cell = section["cells"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["group"] == group.as_str() && c["actor"] == actor.as_str())
            .unwrap();
        match cell["mean_score"].as_f64() {
            Some(x) => assert_eq!(&m[4], shown(x), "{group} × {actor}"),
            None => assert_eq!(&m[4], "not mentioned", "{group} × {actor}"),
        }
        seen += 1;
    }
    assert_eq!(
        seen,
        section["cells"].as_array().unwrap().len(),
        "heatmap cells in the DOM"
    );

    // Divergence table and evidence, as shown.
    for actor in section["actors"].as_array().unwrap() {
        if let Some(d) = actor["divergence"].as_object() {
            let row = format!(
                "{:.2}</td><td class=\"num\">{:.2}</td>",
                d["range"].as_f64().unwrap(),
                d["sd"].as_f64().unwrap()
            );
            assert!(
                dom.contains(&row),
                "divergence of {} not shown as {row}",
                actor["id"]
            );
        }
    }
    let evidence = section["cells"][0]["evidence"]["text"].as_str().unwrap();
    assert!(dom.contains(&format!("“{evidence}”")));
    assert!(dom.contains("<details>"), "evidence is behind <details>");
    assert!(dom.contains("builtin-lexicon@0.1.0") && dom.contains("2019-05-22T00:00:00Z"));
}

#[test]
#[ignore = "needs Chromium"]
fn hostile_article_text_stays_text() {
    let browser = browser();
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("hostile.html");
    render(&fixture("hostile.jsonl"), "html", &html);
    let source = std::fs::read_to_string(&html).unwrap();
    let svgs_made = source.matches("<svg ").count();

    // Without the page's Content-Security-Policy too: escaping alone must
    // keep the payloads inert.
    let no_csp = dir.path().join("hostile-no-csp.html");
    let csp_re = regex::Regex::new(r#"<meta http-equiv="Content-Security-Policy"[^>]*>"#).unwrap();
    assert!(csp_re.is_match(&source));
    std::fs::write(&no_csp, csp_re.replace(&source, "").as_bytes()).unwrap();

    let title_re = regex::Regex::new(r"<title>([^<]*)</title>").unwrap();
    let tag_re = regex::Regex::new(r"<[a-zA-Z][^>]*>").unwrap();
    let handler_re = regex::Regex::new(r#"\son[a-z]+\s*=\s*""#).unwrap();
    for page in [&html, &no_csp] {
        let (dom, stderr) = chromium(&browser, page, &["--dump-dom"]);
        assert!(
            console_lines(&stderr).is_empty(),
            "{}: console:\n{}",
            page.display(),
            console_lines(&stderr).join("\n")
        );
        let title = title_re.captures(&dom).unwrap()[1].to_string();
        assert_ne!(title, "PWNED", "a payload ran");
        assert!(title.starts_with("How outlets frame"), "{title}");
        assert!(
            !dom.contains("<script"),
            "a <script> element reached the DOM"
        );
        assert!(!dom.contains("<img"), "an <img> element reached the DOM");
        for tag in tag_re.find_iter(&dom) {
            assert!(
                !handler_re.is_match(tag.as_str()),
                "an event handler reached the DOM: {}",
                tag.as_str()
            );
        }
        assert_eq!(
            dom.matches("<svg ").count(),
            svgs_made,
            "an </svg> in the text broke a chart"
        );
        // The payloads show as text, in HTML and inside SVG <text>/<title>.
        assert!(
            dom.contains("&lt;script&gt;document.title='PWNED';window.__pwned=1&lt;/script&gt;")
        );
        assert!(dom.contains(
            "Evil &lt;img src=x onerror=\"document.title='PWNED';window.__pwned=1\"&gt; Outlet"
        ));
        assert!(dom.contains("Gov &lt;/svg&gt;&lt;/text&gt;&lt;script&gt;"));
    }

    // An article carrying the payloads, through the analyze pipeline.
    let articles = dir.path().join("articles.jsonl");
    let article = serde_json::json!({
        "id": "evil", "lang": "en",
        "source": "Evil <img src=x onerror=\"document.title='PWNED'\"> Outlet",
        "title": "Talks <script>document.title='PWNED'</script> in Oslo",
        "text": "Norway <script>document.title='PWNED'</script> praised the talks in Oslo. The opposition </svg><script>window.__pwned=1</script> condemned the government."
    });
    std::fs::write(&articles, format!("{article}\n")).unwrap();
    let analyzed = dir.path().join("analyzed.html");
    let status = common::process(common::BIN)
        .args([
            "compare",
            articles.to_str().unwrap(),
            "--engine",
            "builtin",
            "-o",
        ])
        .arg(&analyzed)
        .args([
            "--actor",
            "norway:Norway=Norway|Oslo",
            "--actor",
            "opposition:Opposition=opposition",
            "--actor",
            "government:Government=government",
        ])
        .status()
        .unwrap();
    assert!(status.success());
    let (dom, stderr) = chromium(&browser, &analyzed, &["--dump-dom"]);
    assert!(
        console_lines(&stderr).is_empty(),
        "console:\n{}",
        console_lines(&stderr).join("\n")
    );
    assert!(!dom.contains("<script") && !dom.contains("<img"));
    assert!(dom.contains(
        "Norway &lt;script&gt;document.title='PWNED'&lt;/script&gt; praised the talks in Oslo."
    ));

    // The Markdown escapes them too (viewers pass HTML through).
    let md = dir.path().join("hostile.md");
    render(&fixture("hostile.jsonl"), "md", &md);
    let md = std::fs::read_to_string(&md).unwrap();
    assert!(!md.contains("<script") && !md.contains("<img") && !md.contains("</svg"));
}

#[test]
#[ignore = "needs Chromium"]
fn voices_charts_show_the_json_numbers() {
    let browser = browser();
    let dir = tempfile::tempdir().unwrap();
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/samples");
    let actors = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/actors/venezuela.toml");
    let mut outputs = Vec::new();
    for format in ["html", "json"] {
        let out = dir.path().join(format!("report.{format}"));
        let status = common::process(common::BIN)
            .arg("compare")
            .arg(&samples)
            .arg("--actors")
            .arg(&actors)
            .args([
                "--engine",
                "builtin",
                "--source-from-dir",
                "--format",
                format,
                "-o",
            ])
            .arg(&out)
            .env("SOURCE_DATE_EPOCH", "1558483200")
            .status()
            .unwrap();
        assert_eq!(status.code(), Some(0), "compare --format {format}");
        outputs.push(out);
    }
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&outputs[1]).unwrap()).unwrap();
    let voices = &report["sections"][0]["voices"];

    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("compare-voices.png");
    let _ = std::fs::remove_file(&shot);
    let (_, stderr) = chromium(
        &browser,
        &outputs[0],
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,4000",
        ],
    );
    assert!(
        std::fs::read(&shot).is_ok_and(|png| png.starts_with(b"\x89PNG")),
        "no screenshot; chromium said:\n{stderr}"
    );
    eprintln!("screenshot: {}", shot.display());

    let (dom, stderr) = chromium(&browser, &outputs[0], &["--dump-dom"]);
    assert!(
        console_lines(&stderr).is_empty(),
        "console:\n{}",
        console_lines(&stderr).join("\n")
    );
    assert!(
        dom.contains("Voices: who each outlet quotes"),
        "no voices section"
    );
    // Every bar of every actor's chart carries the JSON's numbers.
    let bar_re = regex::Regex::new(
        r#"<g class="voice" data-group="([^"]*)" data-quotes="([^"]*)" data-share="([^"]*)">"#,
    )
    .unwrap();
    let bars: Vec<(String, u64, f64)> = bar_re
        .captures_iter(&dom)
        .map(|m| {
            (
                unescape(&m[1]),
                m[2].parse().unwrap(),
                m[3].parse().unwrap(),
            )
        })
        .collect();
    let cells = voices["cells"].as_array().unwrap();
    assert_eq!(bars.len(), cells.len(), "one bar per outlet × actor");
    let mut sorted: Vec<(String, u64, f64)> = cells
        .iter()
        .map(|c| {
            (
                c["group"].as_str().unwrap().to_string(),
                c["quotes"].as_u64().unwrap(),
                c["share"].as_f64().unwrap(),
            )
        })
        .collect();
    // The charts go actor by actor, the JSON group by group.
    let key = |x: &(String, u64, f64)| (x.0.clone(), x.1, (x.2 * 1e9) as i64);
    sorted.sort_by_key(key);
    let mut shown = bars.clone();
    shown.sort_by_key(key);
    assert_eq!(shown, sorted);
    assert!(dom.contains("Never quoted by:"));
}

/// The naming tables as a reader sees them: one per actor the JSON names,
/// each group's terms in the JSON's order with its counts and z.
#[test]
#[ignore = "needs Chromium"]
fn naming_tables_render_with_the_json_terms() {
    let browser = browser();
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("samples.jsonl");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let status = common::process(common::BIN)
        .arg("analyze")
        .arg(repo.join("data/samples"))
        .arg("--actors")
        .arg(repo.join("data/actors/venezuela.toml"))
        .args(["--engine", "builtin", "-o"])
        .arg(&records)
        .status()
        .unwrap();
    assert!(status.success());
    let html = dir.path().join("naming.html");
    let json = dir.path().join("naming.json");
    render(&records, "html", &html);
    render(&records, "json", &json);
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let (dom, stderr) = chromium(&browser, &html, &["--dump-dom"]);
    assert!(
        console_lines(&stderr).is_empty(),
        "console:\n{}",
        console_lines(&stderr).join("\n")
    );
    let table_re =
        regex::Regex::new(r#"(?s)<table class="naming" data-actor="([^"]*)">(.*?)</table>"#)
            .unwrap();
    let row_re = regex::Regex::new(r#"(?s)<tr data-group="([^"]*)">(.*?)</tr>"#).unwrap();
    let term_re = regex::Regex::new(
        r#"<span class="term( distinctive)?" title="[^"]*" data-count="(\d+)" data-z="([^"]*)">([^<]*) <span class="nm">(\d+) · z ([^<]*)</span></span>"#,
    )
    .unwrap();
    let naming = report["sections"][0]["naming"].as_array().unwrap();
    let tables: Vec<_> = table_re.captures_iter(&dom).collect();
    assert_eq!(tables.len(), naming.len(), "one naming table per actor");
    for (table, n) in tables.iter().zip(naming) {
        assert_eq!(unescape(&table[1]), n["actor"].as_str().unwrap());
        let rows: Vec<_> = row_re.captures_iter(&table[2]).collect();
        let groups = n["groups"].as_array().unwrap();
        assert_eq!(rows.len(), groups.len(), "{}", n["actor"]);
        for (row, g) in rows.iter().zip(groups) {
            assert_eq!(unescape(&row[1]), g["group"].as_str().unwrap());
            let on_page: Vec<(bool, String, String, String)> = term_re
                .captures_iter(&row[2])
                .map(|t| {
                    assert_eq!(&t[2], &t[5], "count attribute and text agree");
                    assert_eq!(&t[3], &t[6], "z attribute and text agree");
                    (
                        t.get(1).is_some(),
                        unescape(&t[4]),
                        t[5].to_string(),
                        t[6].to_string(),
                    )
                })
                .collect();
            let expected: Vec<(bool, String, String, String)> = g["terms"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| {
                    let z = t["z"].as_f64().unwrap();
                    (
                        z >= 1.96,
                        t["term"].as_str().unwrap().to_string(),
                        t["count"].to_string(),
                        shown(z),
                    )
                })
                .collect();
            assert_eq!(on_page, expected, "{} × {}", g["group"], n["actor"]);
        }
    }
    // The outlet that calls the opposition putschists, as shown.
    assert!(dom.contains(">putschists <span class=\"nm\">1 · z "));
}
