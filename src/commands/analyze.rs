//! `newsframe analyze`: the main job. Reads articles, summarizes them, finds
//! the actors, scores the stance toward each, and writes one record per
//! article (see `docs/schema.md`) as text, JSON or JSONL. With `--out` a
//! new JSONL file is written record by record, so an interrupted run keeps
//! what it finished and `--resume` carries on from there; an existing file
//! is replaced only when the run ends (see [`crate::output`]).
//!
//! The work itself is [`crate::pipeline::Pipeline`], driven by
//! [`crate::commands::records`]; this module only names the arguments.

use clap::Args;

use crate::commands::Outcome;
use crate::commands::args::{ActorArgs, EngineArgs, InputArgs, RecordOutputArgs, SummaryArgs};
use crate::commands::records::write_records;

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub actors: ActorArgs,

    #[command(flatten)]
    pub engine: EngineArgs,

    #[command(flatten)]
    pub summary: SummaryArgs,

    #[command(flatten)]
    pub output: RecordOutputArgs,
}

pub fn run(args: &AnalyzeArgs) -> anyhow::Result<Outcome> {
    write_records(
        &args.input,
        &args.actors,
        &args.engine,
        Some(&args.summary),
        &args.output,
    )
}
