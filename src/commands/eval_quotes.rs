//! `newsframe eval quotes`: precision and recall of quotation extraction per
//! language, on labeled passages (`data/eval/quotes/`), as a table or JSON.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use crate::commands::Outcome;
use crate::commands::args::ActorArgs;
use crate::commands::args::EvalFormat;
use crate::eval::quotes::{QuoteScores, evaluate, load};

#[derive(Debug, Args)]
pub struct EvalQuotesArgs {
    /// Labeled passages (JSONL), files or folders of `*.jsonl`
    /// (e.g. data/eval/quotes).
    #[arg(value_name = "DATASET", required = true)]
    pub datasets: Vec<PathBuf>,

    /// The actor set speakers are resolved with.
    #[command(flatten)]
    pub actors: ActorArgs,

    /// Output: a readable table or JSON with every number.
    #[arg(long, value_enum, default_value_t = EvalFormat::Table)]
    pub format: EvalFormat,

    /// List every missed, spurious or misattributed quotation.
    #[arg(long)]
    pub errors: bool,
}

fn files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| anyhow::anyhow!("cannot read folder {}: {e}", path.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
                .collect();
            found.sort();
            anyhow::ensure!(!found.is_empty(), "no *.jsonl file in {}", path.display());
            out.extend(found);
        } else {
            out.push(path.clone());
        }
    }
    Ok(out)
}

fn row(name: &str, s: &QuoteScores) -> String {
    format!(
        "{name:<5} {:>8} {:>5} {:>5} {:>7} {:>6.3} {:>6.3} {:>6.3} {:>6.3}",
        s.examples,
        s.gold,
        s.predicted,
        s.matched,
        s.detection_precision,
        s.detection_recall,
        s.attribution_precision,
        s.attribution_recall
    )
}

pub fn run(args: &EvalQuotesArgs) -> anyhow::Result<Outcome> {
    let set = args.actors.actor_set()?;
    let mut examples = Vec::new();
    let mut failed = 0;
    for file in files(&args.datasets)? {
        let (loaded, errors) = load(&file)?;
        for e in &errors {
            eprintln!("newsframe: {e}");
        }
        failed += errors.len();
        examples.extend(loaded);
    }
    anyhow::ensure!(
        !examples.is_empty(),
        "no usable labeled passage in {} (see data/eval/quotes/README.md for the format)",
        args.datasets
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let eval = evaluate(&examples, &set);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        EvalFormat::Json => {
            let mut value = serde_json::to_value(&eval)?;
            if !args.errors {
                value.as_object_mut().map(|o| o.remove("errors"));
            }
            serde_json::to_writer_pretty(&mut out, &value)?;
            writeln!(out)?;
        }
        EvalFormat::Table => {
            writeln!(
                out,
                "quotation extraction ({} passages, actor set {})",
                eval.all.examples,
                set.fingerprint()
            )?;
            writeln!(
                out,
                "{:<5} {:>8} {:>5} {:>5} {:>7} {:>6} {:>6} {:>6} {:>6}",
                "lang", "passages", "gold", "pred", "matched", "det-P", "det-R", "spk-P", "spk-R"
            )?;
            for (lang, s) in &eval.by_lang {
                writeln!(out, "{}", row(lang, s))?;
            }
            writeln!(out, "{}", row("all", &eval.all))?;
            writeln!(
                out,
                "det: quotation found (span overlap ≥ half); spk: found with the right speaker and actor"
            )?;
            if args.errors {
                for e in &eval.errors {
                    writeln!(
                        out,
                        "{} {:<8} {:?} gold={} predicted={}",
                        e.id,
                        e.kind,
                        e.text,
                        e.gold.as_deref().unwrap_or("-"),
                        e.predicted.as_deref().unwrap_or("-")
                    )?;
                }
            }
        }
    }
    Ok(Outcome::from_failures(failed))
}
