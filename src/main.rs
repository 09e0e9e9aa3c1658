//! The `newsframe` binary: parse arguments, dispatch, turn the result into an
//! exit code (0 ok, 1 some inputs failed, 2 usage or fatal error).

use std::process::ExitCode;

use clap::Parser;
use newsframe::cli::{Cli, Command};
use newsframe::commands::{self, Outcome};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Compare(args) => commands::compare::run(&args),
        Command::Eval(args) => commands::eval::run(&args),
        Command::Segment(args) => commands::segment::run(&args),
        Command::Analyze(args) => commands::analyze::run(&args),
        Command::Stance(args) => commands::stance::run(&args),
        Command::Models(args) => commands::models::run(&args),
        #[cfg(feature = "transformer")]
        Command::Train(args) => commands::train::run(&args),
    };
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::SomeFailed) => ExitCode::from(1),
        Err(err) if newsframe::output::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("newsframe: error: {err:#}");
            ExitCode::from(2)
        }
    }
}
