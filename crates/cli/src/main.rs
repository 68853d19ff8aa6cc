//! The `codex` binary: argument parsing, subcommands, exit codes. Everything else is in the
//! library crates.

mod args;
mod config_cmd;
mod exec;
mod logging;
mod setup;

use clap::{CommandFactory, Parser};

use args::{Cli, Command, ConfigCommand, Shell};
use setup::{Extra, load_config, merge};

fn main() {
    let cli = Cli::parse();
    let code = match cli.command {
        Some(Command::Exec(args)) => exec::run(&cli.shared, args),
        Some(Command::Config {
            command: ConfigCommand::Show { json, shared },
        }) => config_show(&merge(&cli.shared, &shared), cli.approval, json),
        Some(Command::Completion { shell }) => {
            let shell = match shell {
                Shell::Bash => clap_complete::Shell::Bash,
                Shell::Zsh => clap_complete::Shell::Zsh,
                Shell::Fish => clap_complete::Shell::Fish,
            };
            clap_complete::generate(shell, &mut Cli::command(), "codex", &mut std::io::stdout());
            0
        }
        None => {
            eprintln!(
                "The interactive terminal UI is not available in this version.\n\
                 Run a task with `codex exec \"<task>\"`; see `codex --help`."
            );
            2
        }
    };
    std::process::exit(code);
}

fn config_show(
    options: &args::SharedOptions,
    approval: Option<args::ApprovalArg>,
    json: bool,
) -> i32 {
    let loaded = match load_config(
        options,
        Extra {
            approval: approval.map(Into::into),
            exec: false,
        },
    ) {
        Ok(loaded) => loaded,
        Err(message) => {
            eprintln!("error: {message}");
            return 1;
        }
    };
    for warning in &loaded.warnings {
        eprintln!("warning: {warning}");
    }
    match config_cmd::show(&loaded, json) {
        Ok(()) => 0,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}
