//! `newsframe stance`: `analyze` without the summary — actors, stance and
//! evidence only. Same options, same records (with no `summary` field).

use clap::Args;

use crate::commands::Outcome;
use crate::commands::args::{ActorArgs, EngineArgs, InputArgs, RecordOutputArgs};
use crate::commands::records::write_records;

#[derive(Debug, Args)]
pub struct StanceArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub actors: ActorArgs,

    #[command(flatten)]
    pub engine: EngineArgs,

    #[command(flatten)]
    pub output: RecordOutputArgs,
}

pub fn run(args: &StanceArgs) -> anyhow::Result<Outcome> {
    write_records(&args.input, &args.actors, &args.engine, None, &args.output)
}
