//! How a session begins: a new one with its opening context, or one resumed from its rollout.

use std::path::Path;

use codex_config::Config;
use codex_protocol::ResponseItem;

use crate::context::{agents_message, discover_agents_md};
use crate::error::CodexError;
use crate::prompt::environment_context;
use crate::rollout::{RolloutLine, RolloutRecorder, SessionMeta, load_rollout};
use crate::user_shell::{shell_name, user_shell};

/// Who is calling, as sent to the provider and recorded in the rollout.
pub(crate) fn originator(config: &Config) -> String {
    config
        .env_var("CODEX_INTERNAL_ORIGINATOR_OVERRIDE")
        .unwrap_or("codex_cli_rs")
        .to_string()
}

/// How a session begins: its id, its opening history, and its record.
pub(crate) struct Start {
    pub session_id: String,
    pub history: Vec<ResponseItem>,
    pub recorder: Option<RolloutRecorder>,
    pub warnings: Vec<String>,
}

impl Start {
    pub fn new(config: &Config, session_id: String) -> Start {
        let shell = shell_name(&user_shell(config.env_var("SHELL")));
        let mut history = Vec::new();
        if let Some(dev) = &config.developer_instructions {
            history.push(ResponseItem::Message {
                id: None,
                role: "developer".into(),
                content: vec![codex_protocol::ContentItem::InputText { text: dev.clone() }],
            });
        }
        let mut warnings = Vec::new();
        if let Some(text) = discover_agents_md(
            &config.codex_home,
            &config.cwd,
            &config.project_doc_fallback_filenames,
            config.project_doc_max_bytes,
            &mut warnings,
        ) {
            history.push(agents_message(&config.cwd, &text));
        }
        history.push(environment_context(
            &config.cwd,
            config.approval_policy,
            &config.sandbox_policy,
            &shell,
        ));
        let recorder = match RolloutRecorder::create(&config.codex_home, &session_id) {
            Ok(recorder) => {
                let mut lines = vec![RolloutLine::SessionMeta(SessionMeta {
                    id: session_id.clone(),
                    timestamp: crate::rollout::time::utc_now(),
                    cwd: config.cwd.clone(),
                    originator: originator(config),
                    cli_version: env!("CARGO_PKG_VERSION").to_string(),
                    source: config.session_source.clone(),
                    thread_source: config.thread_source.clone(),
                    model_provider: config.model_provider.id.clone(),
                })];
                lines.extend(history.iter().cloned().map(RolloutLine::ResponseItem));
                match recorder.record(&lines) {
                    Ok(()) => Some(recorder),
                    Err(e) => {
                        warnings.push(format!("cannot record this session: {e}"));
                        None
                    }
                }
            }
            Err(e) => {
                warnings.push(format!(
                    "cannot record this session under {}: {e}; it will not be resumable",
                    config.codex_home.join("sessions").display()
                ));
                None
            }
        };
        Start {
            session_id,
            history,
            recorder,
            warnings,
        }
    }

    pub fn resumed(config: &Config, path: &Path) -> Result<Start, CodexError> {
        let window = config.context_window;
        // About half the window (4 bytes a token), so the first request has room to spare.
        let budget = (window * 2) as usize;
        let loaded = load_rollout(path, budget)
            .map_err(|e| CodexError::Resume(format!("cannot read {}: {e}", path.display())))?;
        let mut warnings = loaded.warnings;
        if loaded.dropped > 0 {
            warnings.push(format!(
                "resumed with the most recent part of the session; {} older items do not fit the \
                 context window and were left out",
                loaded.dropped
            ));
        }
        let recorder = RolloutRecorder::open(path)
            .map_err(|e| CodexError::Resume(format!("cannot append to {}: {e}", path.display())))?;
        Ok(Start {
            session_id: loaded.meta.id,
            history: loaded.history,
            recorder: Some(recorder),
            warnings,
        })
    }
}
