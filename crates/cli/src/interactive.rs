//! `codex [PROMPT]` and `codex resume`: the interactive UI, started with the same options as
//! `codex exec` where they apply, plus `-a/--ask-for-approval`.

use std::path::PathBuf;

use codex_frontend::{ResumeTarget, check_images, find_resume};
use codex_tui::{Resume, TuiOptions};

use crate::args::{ApprovalArg, SharedOptions};
use crate::setup::{Extra, load_config};

pub struct Interactive {
    pub shared: SharedOptions,
    pub approval: Option<ApprovalArg>,
    pub prompt: Option<String>,
    pub images: Vec<PathBuf>,
    pub alt_screen: bool,
    pub resume: Option<ResumeArg>,
}

pub enum ResumeArg {
    Id(String),
    Last { all: bool },
    Pick { all: bool },
}

pub fn run(options: Interactive) -> i32 {
    // Before anything else can fail: in a pipe, this is the problem to report.
    if let Err(message) = codex_tui::check_terminal() {
        eprintln!("error: {message}");
        return 1;
    }
    let load = {
        let shared = options.shared.clone();
        let approval = options.approval;
        move |extra: &[String]| {
            let mut shared = shared.clone();
            shared.config_overrides.extend(extra.iter().cloned());
            let loaded = load_config(
                &shared,
                Extra {
                    approval: approval.map(Into::into),
                    exec: false,
                },
            )?;
            let mut config = loaded.config;
            // Sandboxed commands are started through this executable, re-run as the helper.
            config.sandbox_exe = std::env::current_exe().ok();
            config.session_source = "cli".into();
            Ok::<_, String>((config, loaded.warnings))
        }
    };
    let (config, warnings) = match load(&[]) {
        Ok(loaded) => loaded,
        Err(message) => {
            eprintln!("error: {message}");
            return 1;
        }
    };
    for warning in &warnings {
        eprintln!("warning: {warning}");
    }
    crate::logging::init(&config.codex_home);
    let images = match check_images(&options.images) {
        Ok(images) => images,
        Err(message) => {
            eprintln!("error: {message}");
            return 1;
        }
    };
    let resume = match options.resume {
        None => Resume::No,
        Some(ResumeArg::Pick { all }) => Resume::Pick { all },
        Some(ResumeArg::Id(id)) => match find_resume(&config, &ResumeTarget::Id(id)) {
            Ok(path) => Resume::Path(path),
            Err(message) => {
                eprintln!("error: {message}");
                return 1;
            }
        },
        Some(ResumeArg::Last { all }) => match find_resume(&config, &ResumeTarget::Last { all }) {
            Ok(path) => Resume::Path(path),
            Err(message) => {
                eprintln!("error: {message}");
                return 1;
            }
        },
    };
    codex_tui::run(TuiOptions {
        config,
        prompt: options.prompt,
        images,
        resume,
        alt_screen: options.alt_screen,
        reload: Box::new(move |extra: &[String]| load(extra).map(|(config, _)| config)),
    })
}
