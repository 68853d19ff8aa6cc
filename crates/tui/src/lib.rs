//! The interactive terminal UI (`codex` with no subcommand): a front-end like `codex exec`
//! that speaks only `Op`s and `Event`s to `codex-core`, drawn with ratatui in an inline
//! viewport below the shell prompt, so finished transcript cells go into the terminal's own
//! scrollback.

mod app;
pub mod approval;
pub mod cells;
pub mod composer;
mod diff;
pub mod highlight;
mod history;
mod input;
pub mod markdown;
mod mcp;
mod notify;
mod picker;
mod popup;
pub mod slash;
mod status;
mod terminal;
pub mod theme;
mod trust;

use std::io::IsTerminal;
use std::path::PathBuf;

use codex_config::Config;

use crate::app::{App, Exit, SessionStart};
use crate::terminal::Tui;
use crate::theme::Theme;

pub type Reload = Box<dyn Fn(&[String]) -> Result<Config, String>>;

/// Which session the UI continues.
pub enum Resume {
    /// A new session.
    No,
    /// This recorded session (its rollout file).
    Path(PathBuf),
    /// One the user picks from this folder's sessions (`all`: every folder's).
    Pick { all: bool },
}

/// What `codex` (no subcommand) starts the UI with.
pub struct TuiOptions {
    pub config: Config,
    /// The first message, sent at once.
    pub prompt: Option<String>,
    pub images: Vec<PathBuf>,
    /// A session to continue.
    pub resume: Resume,
    /// Draw on the alternate screen instead of inline.
    pub alt_screen: bool,
    /// Loads the configuration again, with these `-c` overrides added to the command line's
    /// (after the folder's trust was recorded, which changes the defaults; `/model`).
    pub reload: Reload,
}

/// The UI draws on stdout and reads keys from stdin: both must be a terminal.
pub fn check_terminal() -> Result<(), String> {
    if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        return Ok(());
    }
    Err(
        "the interactive UI needs a terminal on stdin and stdout; for scripts and pipes use \
         `codex exec \"<task>\"`"
            .into(),
    )
}

/// Runs the UI until the user quits; the process exit status.
pub fn run(options: TuiOptions) -> i32 {
    if let Err(message) = check_terminal() {
        eprintln!("error: {message}");
        return 1;
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return 1;
        }
    };
    terminal::install_panic_hook();
    let no_color = options
        .config
        .env
        .iter()
        .find(|(k, _)| k == "NO_COLOR")
        .map(|(_, v)| v.clone());
    let theme = Theme::from_env(no_color.as_deref());
    let (outcome, session_id) = runtime.block_on(session(options, theme));
    match outcome {
        Ok(()) => {
            if let Some(id) = session_id {
                println!("To continue this session, run codex resume {id}");
            }
            0
        }
        Err(message) => {
            eprintln!("error: {message}");
            1
        }
    }
}

async fn session(options: TuiOptions, theme: Theme) -> (Result<(), String>, Option<String>) {
    let TuiOptions {
        mut config,
        prompt,
        images,
        resume,
        alt_screen,
        reload,
    } = options;
    let mut tui = match Tui::enter(1, alt_screen) {
        Ok(tui) => tui,
        Err(e) => return (Err(format!("cannot set up the terminal: {e}")), None),
    };
    // Only after the terminal was asked where the cursor is (see `input`).
    let mut input = match input::Input::start() {
        Ok(input) => input,
        Err(e) => {
            let _ = tui.leave();
            return (Err(format!("cannot read the terminal: {e}")), None);
        }
    };
    let resume = match resume {
        Resume::No => None,
        Resume::Path(path) => Some(path),
        Resume::Pick { all } => {
            match picker::pick(&mut tui, &mut input, &config, all, &theme).await {
                Ok(Some(path)) => Some(path),
                Ok(None) => {
                    let _ = tui.leave();
                    return (Ok(()), None);
                }
                Err(e) => {
                    let _ = tui.leave();
                    return (Err(e), None);
                }
            }
        }
    };
    if resume.is_none() {
        match trust::needs_asking(&config) {
            Ok(true) => {
                let answer = match trust::ask(&mut tui, &mut input, &config, &theme).await {
                    Ok(answer) => answer,
                    Err(e) => {
                        let _ = tui.leave();
                        return (Err(format!("cannot read the terminal: {e}")), None);
                    }
                };
                if matches!(answer, trust::Answer::Quit) {
                    let _ = tui.leave();
                    return (Ok(()), None);
                }
                if let Err(message) = trust::record(&config, &answer) {
                    let _ = tui.leave();
                    return (Err(message), None);
                }
                match reload(&[]) {
                    Ok(reloaded) => config = reloaded,
                    Err(message) => {
                        let _ = tui.leave();
                        return (Err(message), None);
                    }
                }
            }
            Ok(false) => {}
            // An unreadable config.toml was reported when it was loaded; do not ask.
            Err(_) => {}
        }
    }
    let app = match App::new(
        SessionStart {
            config,
            resume,
            reload,
        },
        theme,
    ) {
        Ok(app) => app,
        Err(message) => {
            let _ = tui.leave();
            return (Err(message), None);
        }
    };
    let session_id = app.session_id();
    let exit = app.run(&mut tui, &mut input, prompt, images).await;
    // Keys typed from here on belong to the shell.
    input.pause();
    let _ = tui.leave();
    match exit {
        Exit::Quit => (Ok(()), Some(session_id)),
        Exit::Error(message) => (Err(message), Some(session_id)),
    }
}
