//! Article inputs through the pipeline into records: the shared body of
//! `analyze` (with summaries) and `stance` (without), and the text view of
//! a record for people.

use std::io::{IsTerminal, Write};

use anyhow::bail;

use crate::commands::Outcome;
use crate::commands::args::{
    ActorArgs, EngineArgs, InputArgs, RecordFormat, RecordOutputArgs, SummaryArgs,
};
use crate::output::Destination;
use crate::output::guard::ReadPaths;
use crate::output::parquet::{ParquetClaim, ParquetRecords};
use crate::output::records::{Layout, RecordStream};
use crate::output::resume::ResumeState;
use crate::pipeline::{Pipeline, PipelineConfig};
use crate::record::{ArticleAnalysis, Record};
use crate::terminal::printable;

/// Reads the articles of `input`, analyzes them and writes one record per
/// article: the body of `analyze` (`summary: Some(..)`) and `stance`
/// (`None`: no summaries).
pub fn write_records(
    input: &InputArgs,
    actors: &ActorArgs,
    engine: &EngineArgs,
    summary: Option<&SummaryArgs>,
    output: &RecordOutputArgs,
) -> anyhow::Result<Outcome> {
    // Parse and validate everything cheap before loading any model.
    let format = output.format();
    if output.resume && format != RecordFormat::Jsonl {
        bail!("--resume needs JSONL output (drop --format or use --format jsonl)");
    }
    let parquet_out = match (format, output.out.as_deref()) {
        (RecordFormat::Parquet, Some(out)) if out.as_os_str() != "-" => Some(out),
        (RecordFormat::Parquet, _) => bail!(
            "--format parquet needs --out DIR (or --out FILE.parquet): Parquet cannot stream to standard output"
        ),
        _ => None,
    };
    let actors_path = actors.actors.clone();
    let mut config = PipelineConfig::new(actors.actor_set()?);
    engine.configure(&mut config);
    config.summarize = false;
    if let Some(summary) = summary {
        summary.configure(&mut config);
    }

    // Nothing is opened before the output is known not to be an input.
    let reads = ReadPaths::new()
        .articles(&input.inputs)
        .file("--actors", actors_path.as_deref());
    match parquet_out {
        Some(out) => {
            for (_, path) in crate::output::parquet::table_paths(out) {
                reads.refuse_output(Some(&path), "--out")?;
            }
        }
        None => reads.refuse_output(output.out.as_deref(), "--out")?,
    }
    let sink = match parquet_out {
        Some(out) => Sink::Parquet(ParquetRecords::claim(out)?),
        None => Sink::Stream(Destination::claim(output.out.as_deref())?),
    };
    let mut resume = match (output.resume, output.out.as_deref()) {
        (false, _) => None,
        (true, Some(path)) if path.as_os_str() != "-" => Some(ResumeState::scan(path)?),
        (true, _) => bail!("--resume needs --out FILE (not standard output)"),
    };
    let pipeline = start_pipeline(config)?;
    let mut sink = match sink {
        Sink::Parquet(claim) => RecordSink::Parquet(Box::new(claim.open()?)),
        Sink::Stream(destination) => {
            let out = match &resume {
                Some(state) => {
                    state.check_engine(&pipeline.engine_info())?;
                    state.repair()?;
                    destination.append()?
                }
                None => destination.journal()?,
            };
            let layout = format.layout().unwrap_or(Layout::JsonLines);
            RecordSink::Stream(RecordStream::new(out, layout)?)
        }
    };
    let progress = Progress::new();
    let mut failures = 0usize;
    let mut skipped = 0usize;
    let shard = output.shard;
    let articles = input.articles(&input.inputs).filter(|item| {
        let id = match item {
            Ok(article) => Some(article.id.as_str()),
            Err(failed) => failed.id.as_deref(),
        };
        if shard.is_some_and(|shard| !shard.keeps(id)) {
            return false;
        }
        match item {
            Ok(article) if resume.as_mut().is_some_and(|state| state.take(article)) => {
                skipped += 1;
                false
            }
            _ => true,
        }
    });
    pipeline.analyze_stream(articles, |record| {
        if let Record::Failed(f) = &record {
            failures += 1;
            progress.println(&printable(&format!("newsframe: {}: {}", f.origin, f.error)));
        }
        match &mut sink {
            RecordSink::Stream(stream) => {
                stream.write(&record, |out| write_record_text(out, &record))?
            }
            RecordSink::Parquet(tables) => tables.write(&record)?,
        }
        progress.inc();
        anyhow::Ok(())
    })?;
    progress.finish();
    match sink {
        RecordSink::Stream(stream) => {
            let analyzed = stream.written() - failures;
            stream.finish_unless_all_failed(analyzed, failures)?;
        }
        RecordSink::Parquet(tables) => {
            let analyzed = tables.written() - failures;
            tables.finish_unless_all_failed(analyzed, failures)?;
        }
    }
    if skipped > 0 {
        eprintln!("newsframe: resumed: skipped {skipped} articles already in the output");
    }
    Ok(Outcome::from_failures(failures))
}

/// The output claimed before the engines start.
enum Sink {
    Stream(Destination),
    Parquet(ParquetClaim),
}

/// The open output records are written to.
enum RecordSink {
    Stream(RecordStream),
    Parquet(Box<ParquetRecords>),
}

/// Starts the pipeline's engines and tells the user about the choice (the
/// `auto` fallback, options the engine ignores).
pub fn start_pipeline(config: PipelineConfig) -> anyhow::Result<Pipeline> {
    let pipeline = Pipeline::new(config)?;
    if let Some(notice) = pipeline.notice() {
        eprintln!("newsframe: notice: {notice}");
    }
    Ok(pipeline)
}

/// The human view of a record: an analysis, or the line of a failure.
fn write_record_text(out: &mut dyn Write, record: &Record) -> std::io::Result<()> {
    match record {
        Record::Analysis(a) => write_text(out, a),
        Record::Failed(f) => writeln!(
            out,
            "{}",
            printable(&format!("== {} FAILED: {}", f.origin, f.error))
        ),
    }
}

/// The human view: header, summary, then one row per actor with its best
/// evidence sentence.
pub fn write_text(out: &mut dyn Write, a: &ArticleAnalysis) -> std::io::Result<()> {
    let mut header = vec![a.lang.clone()];
    header.extend(a.source.clone());
    header.extend(a.date.clone());
    // Names, metadata and text come from the input: shown, never obeyed.
    let header = format!("== {} ({}) [{}]", a.id, a.origin, header.join(", "));
    writeln!(out, "{}", printable(&header))?;
    if let Some(title) = &a.title {
        writeln!(out, "{}", printable(title))?;
    }
    if let Some(summary) = &a.summary {
        writeln!(out)?;
        // A summary in another language than its article says which.
        match summary.lang.as_deref().filter(|l| *l != a.lang) {
            Some(lang) => writeln!(out, "Summary ({}):", printable(lang))?,
            None => writeln!(out, "Summary:")?,
        }
        for line in wrap(&summary.text, 96) {
            writeln!(out, "  {}", printable(&line))?;
        }
    }
    writeln!(out)?;
    let name_width = a
        .actors
        .iter()
        .map(|s| s.id.chars().count())
        .max()
        .unwrap_or(5)
        .max(5);
    writeln!(
        out,
        "  {:<name_width$}  {:>8}  {:<8}  {:>6}  {:>4}  evidence",
        "actor", "mentions", "stance", "score", "conf"
    )?;
    for s in &a.actors {
        let (stance, score, conf) = match (s.stance, s.score, s.confidence) {
            (Some(l), Some(sc), Some(c)) => (l.to_string(), format!("{sc:+.2}"), format!("{c:.2}")),
            _ => ("-".to_string(), "-".to_string(), "-".to_string()),
        };
        let evidence = s
            .evidence
            .first()
            .map(|e| format!("[{}] {}", e.sentence + 1, ellipsize(&e.text, 90)))
            .unwrap_or_default();
        writeln!(
            out,
            "  {:<name_width$}  {:>8}  {:<8}  {:>6}  {:>4}  {}",
            printable(&s.id),
            s.mentions,
            stance,
            score,
            conf,
            printable(&evidence)
        )?;
    }
    for w in &a.warnings {
        writeln!(out, "  warning: {}", printable(w))?;
    }
    let engine = [
        a.engine.summary.as_deref().map(|s| format!("summary {s}")),
        a.engine.stance.as_deref().map(|s| format!("stance {s}")),
        a.engine.actors.as_deref().map(|s| format!("actors {s}")),
    ];
    let engine: Vec<String> = engine.into_iter().flatten().collect();
    writeln!(out, "  engine: {}", engine.join("; "))?;
    Ok(())
}

fn ellipsize(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// A progress line on stderr when it is a terminal; nothing in pipes.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    fn new() -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} {pos} articles  {per_sec}  {elapsed}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
            bar
        });
        Progress { bar }
    }

    fn inc(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    fn println(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of(summary_lang: Option<&str>) -> String {
        let mut record = serde_json::json!({
            "schema_version": 2, "id": "a1", "lang": "es",
            "origin": {"path": "a.txt"}, "engine": {}, "actors": [],
            "summary": {"text": "El gobierno anunció un presupuesto.", "method": "abstractive"},
        });
        if let Some(lang) = summary_lang {
            record["summary"]["lang"] = lang.into();
        }
        let analysis: ArticleAnalysis = serde_json::from_value(record).unwrap();
        let mut out = Vec::new();
        write_text(&mut out, &analysis).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn text_view_names_the_summary_language_when_it_is_not_the_articles() {
        assert!(text_of(Some("en")).contains("\nSummary (en):\n"));
        assert!(text_of(Some("es")).contains("\nSummary:\n"));
        assert!(text_of(None).contains("\nSummary:\n"));
    }
}
