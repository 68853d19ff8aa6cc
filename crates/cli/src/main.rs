//! The `codex` binary: argument parsing, subcommands, exit codes. Everything else is in the
//! library crates.

mod args;
mod audit_cmd;
mod config_cmd;
mod exec;
mod hardening;
mod interactive;
mod jgt_cmd;
mod logging;
mod mcp_cmd;
mod memory_cmd;
mod sandbox_cmd;
mod sessions_cmd;
mod setup;

use clap::{CommandFactory, Parser};

use args::{Cli, Command, ConfigCommand, Shell};
use setup::merge;

fn main() {
    // The same binary is the standalone patch tool when started under that name.
    let mut argv = std::env::args_os();
    let argv0 = argv.next().unwrap_or_default();
    let name = std::path::Path::new(&argv0)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name == "apply_patch" || name == "applypatch" {
        let args: Vec<String> = argv.map(|a| a.to_string_lossy().into_owned()).collect();
        std::process::exit(apply_patch_main(&args));
    }
    #[cfg(target_os = "linux")]
    if name == codex_sandbox::LINUX_SANDBOX_ARG0 {
        let args: Vec<String> = argv.map(|a| a.to_string_lossy().into_owned()).collect();
        std::process::exit(sandbox_cmd::helper_main(&args));
    }
    hardening::harden();
    let cli = Cli::parse();
    let code = match cli.command {
        Some(Command::Exec(args)) => exec::run(&cli.shared, args),
        Some(Command::Review(review)) => exec::run(&cli.shared, exec::review_args(review)),
        Some(Command::Config {
            command: ConfigCommand::Show { json, shared },
        }) => config_show(&merge(&cli.shared, &shared), cli.approval, json),
        Some(Command::ApplyPatch { patch }) => {
            let args: Vec<String> = patch.into_iter().collect();
            apply_patch_main(&args)
        }
        Some(Command::Sandbox { platform }) => sandbox_cmd::run(&cli.shared, platform),
        Some(Command::Resume {
            session_id,
            last,
            all,
        }) => interactive::run(interactive::Interactive {
            shared: cli.shared.clone(),
            approval: cli.approval,
            prompt: None,
            images: Vec::new(),
            alt_screen: cli.alt_screen,
            resume: Some(match (session_id, last) {
                (Some(id), _) => interactive::ResumeArg::Id(id),
                (None, true) => interactive::ResumeArg::Last { all },
                (None, false) => interactive::ResumeArg::Pick { all },
            }),
        }),
        Some(Command::Mcp { command }) => mcp_cmd::run(&cli.shared, command),
        Some(Command::McpServer { shared }) => {
            mcp_cmd::serve(&merge(&cli.shared, &shared), cli.approval)
        }
        Some(Command::MemoryServer { db, listen }) => memory_cmd::serve(db, listen),
        Some(Command::Memory { command }) => memory_cmd::run(command),
        Some(Command::Sessions {
            command: args::SessionsCommand::List { all, json },
        }) => sessions_cmd::list(&cli.shared, all, json),
        Some(Command::Jgt {
            command: args::JgtCommand::Status { json, shared },
        }) => jgt_cmd::status(&merge(&cli.shared, &shared), cli.approval, json),
        Some(Command::Audit { command }) => audit_cmd::run(&cli.shared, command),
        Some(Command::Completion { shell }) => {
            let shell = match shell {
                Shell::Bash => clap_complete::Shell::Bash,
                Shell::Zsh => clap_complete::Shell::Zsh,
                Shell::Fish => clap_complete::Shell::Fish,
            };
            clap_complete::generate(shell, &mut Cli::command(), "codex", &mut std::io::stdout());
            0
        }
        None => interactive::run(interactive::Interactive {
            shared: cli.shared.clone(),
            approval: cli.approval,
            prompt: cli.prompt.clone(),
            images: cli.images.clone(),
            alt_screen: cli.alt_screen,
            resume: None,
        }),
    };
    std::process::exit(code);
}

fn apply_patch_main(args: &[String]) -> i32 {
    let cwd = match std::env::current_dir() {
        Ok(cwd) => cwd,
        Err(e) => {
            eprintln!("cannot read the current directory: {e}");
            return 1;
        }
    };
    codex_apply_patch::run_cli(
        args,
        &cwd,
        &mut std::io::stdin().lock(),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    )
}

fn config_show(
    options: &args::SharedOptions,
    approval: Option<args::ApprovalArg>,
    json: bool,
) -> i32 {
    let loaded = match crate::setup::load_or_report(options, approval.map(Into::into)) {
        Ok(loaded) => loaded,
        Err(code) => return code,
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
