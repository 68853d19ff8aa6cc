//! The session's side of the audit log (`[audit]`, see the `codex-audit` crate): one record per
//! decision and effect — the session's start and end, each command, patch and MCP tool call
//! with who let it run, each denial and each escalation. The tools call the small functions
//! here; nothing else in core builds audit records.
//!
//! A log that cannot be opened or written is reported once as a warning; the session goes on.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use codex_audit::{AuditWriter, Chain, KEY_ENV};
use codex_config::Config;
use codex_protocol::EventMsg;
use codex_sandbox::SandboxType;
use serde_json::{Map, Value, json};

use crate::events::EventSender;

/// Who answers the session's approval requests, as the audit log names them. Set by the
/// front-end (`SessionOptions::approver`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Approver {
    /// A person at a terminal (the TUI, `codex exec`).
    #[default]
    User,
    /// The approval callback of a JavaScript host (the Node addon).
    JsCallback,
    /// The client of `codex mcp-server`, through elicitation.
    McpClient,
}

impl Approver {
    fn name(self) -> &'static str {
        match self {
            Approver::User => "user",
            Approver::JsCallback => "js_callback",
            Approver::McpClient => "mcp_client",
        }
    }
}

/// Why something was let run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ApprovedBy {
    /// The approval policy let it run without asking (known safe, `never`, `on-failure`, …).
    Policy,
    /// It was approved for the session earlier.
    SessionGrant,
    /// The session's approver said yes this time.
    Asked,
}

/// Who said no.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeniedBy {
    Policy,
    Approver,
}

/// What a denial or an escalation is about.
pub(crate) enum Subject<'a> {
    Command { argv: &'a [String], cwd: &'a Path },
    Patch { paths: &'a [PathBuf] },
    McpTool { server: &'a str, tool: &'a str },
}

/// A file a patch touched: its content's SHA-256 before and after (`None`: no file).
pub(crate) struct FileHashes {
    pub path: PathBuf,
    pub before: Option<String>,
    pub after: Option<String>,
}

pub(crate) struct SessionAudit {
    writer: Option<Mutex<AuditWriter>>,
    session_id: String,
    approver: Approver,
    seq: AtomicU64,
    /// Set once a failed write has been reported.
    warned: AtomicBool,
    events: EventSender,
    redactor: std::sync::Arc<codex_secrets::Redactor>,
}

impl SessionAudit {
    /// Opens the configured log (unless `[audit] enabled = false`); what went wrong, or what
    /// opening noticed, goes to `warnings`.
    pub fn open(
        config: &Config,
        session_id: &str,
        approver: Approver,
        events: EventSender,
        redactor: std::sync::Arc<codex_secrets::Redactor>,
        warnings: &mut Vec<String>,
    ) -> SessionAudit {
        let writer = if config.audit.enabled {
            let chain = Chain::from_key(config.env_var(KEY_ENV));
            match AuditWriter::open(&config.audit.path, chain) {
                Ok(mut writer) => {
                    writer.set_fsync(config.audit.fsync);
                    warnings.extend(writer.take_notes());
                    Some(Mutex::new(writer))
                }
                Err(e) => {
                    warnings.push(format!("{e}; this session is not audited"));
                    None
                }
            }
        } else {
            None
        };
        SessionAudit {
            writer,
            session_id: session_id.to_string(),
            approver,
            seq: AtomicU64::new(0),
            warned: AtomicBool::new(false),
            events,
            redactor,
        }
    }

    /// Whether records are written (callers skip work only a record needs).
    pub fn enabled(&self) -> bool {
        self.writer.is_some()
    }

    pub fn session_start(&self, config: &Config, sandbox_type: SandboxType) {
        let sandbox_type = match sandbox_type {
            SandboxType::LinuxSeccomp => "seccomp",
            SandboxType::MacosSeatbelt => "seatbelt",
            SandboxType::None => "none",
        };
        let overrides: Vec<String> = config.cli_overrides.iter().map(|o| self.scrub(o)).collect();
        self.write(
            "session_start",
            vec![
                ("version", json!(env!("CARGO_PKG_VERSION"))),
                ("source", json!(config.session_source)),
                ("model", json!(config.model)),
                ("provider", json!(config.model_provider.id)),
                ("approval_policy", json!(config.approval_policy)),
                ("sandbox_mode", json!(config.sandbox_policy.mode())),
                ("sandbox_type", json!(sandbox_type)),
                ("cwd", json!(self.scrub_path(&config.cwd))),
                ("profile", json!(config.active_profile)),
                ("deny_read", json!(config.deny_read.len())),
                ("cli_overrides", json!(overrides)),
                ("approver", json!(self.approver.name())),
            ],
        );
    }

    pub fn session_end(&self) {
        self.write("session_end", Vec::new());
    }

    /// A command that ran (or was started and could not run: `exit_code` `None`).
    #[allow(clippy::too_many_arguments)]
    pub fn command(
        &self,
        config: &Config,
        argv: &[String],
        cwd: &Path,
        sandboxed: bool,
        approved_by: ApprovedBy,
        exit_code: Option<i32>,
        duration: Duration,
    ) {
        self.write(
            "command",
            vec![
                ("argv", self.scrub_argv(argv)),
                ("cwd", json!(self.scrub_path(cwd))),
                ("sandbox_mode", json!(config.sandbox_policy.mode())),
                ("sandboxed", json!(sandboxed)),
                ("approval_policy", json!(config.approval_policy)),
                ("approved_by", json!(self.approved_by(approved_by))),
                ("exit_code", json!(exit_code)),
                ("duration_ms", json!(duration.as_millis() as u64)),
            ],
        );
    }

    /// The hashes of the files a patch will touch, as they are now (empty when not auditing).
    pub fn hash_files(&self, paths: &[PathBuf]) -> Vec<FileHashes> {
        if !self.enabled() {
            return Vec::new();
        }
        paths
            .iter()
            .map(|path| FileHashes {
                path: path.clone(),
                before: codex_audit::file_sha256(path).ok().flatten(),
                after: None,
            })
            .collect()
    }

    /// A patch applied (or that failed to apply); `files` from [`SessionAudit::hash_files`]
    /// before it was applied: their `after` is read now.
    pub fn patch(&self, mut files: Vec<FileHashes>, approved_by: ApprovedBy, success: bool) {
        if !self.enabled() {
            return;
        }
        for file in &mut files {
            file.after = codex_audit::file_sha256(&file.path).ok().flatten();
        }
        let files: Vec<Value> = files
            .iter()
            .map(
                |f| json!({"path": self.scrub_path(&f.path), "before": f.before, "after": f.after}),
            )
            .collect();
        self.write(
            "patch",
            vec![
                ("files", json!(files)),
                ("approved_by", json!(self.approved_by(approved_by))),
                ("success", json!(success)),
            ],
        );
    }

    pub fn mcp_tool_call(
        &self,
        server: &str,
        tool: &str,
        arguments: Option<&Map<String, Value>>,
        approved_by: ApprovedBy,
        success: bool,
        duration: Duration,
    ) {
        let arguments = arguments
            .map(|a| self.scrub_value(&Value::Object(a.clone())))
            .unwrap_or(Value::Null);
        self.write(
            "mcp_tool_call",
            vec![
                ("server", json!(self.scrub(server))),
                ("tool", json!(self.scrub(tool))),
                ("arguments", arguments),
                ("approved_by", json!(self.approved_by(approved_by))),
                ("success", json!(success)),
                ("duration_ms", json!(duration.as_millis() as u64)),
            ],
        );
    }

    /// Another model's review of a finished turn (`[second_opinion]`).
    pub fn second_opinion(&self, event: &codex_protocol::SecondOpinionEvent) {
        let concerns: Vec<Value> = event
            .concerns
            .iter()
            .map(|c| json!({"text": self.scrub(&c.text), "file": c.file, "line": c.line}))
            .collect();
        self.write(
            "second_opinion",
            vec![
                ("model", json!(event.model)),
                ("verdict", json!(event.verdict)),
                ("concerns", json!(concerns)),
                (
                    "error",
                    json!(event.error.as_deref().map(|e| self.scrub(e))),
                ),
                (
                    "review",
                    match &event.review {
                        Some(r) => json!({
                            "findings": r.review.findings.len(),
                            "agreed": r.agreed.len(),
                            "only_first": r.only_first.len(),
                            "only_second": r.only_second.len(),
                            "same_correctness": r.same_correctness,
                        }),
                        None => Value::Null,
                    },
                ),
            ],
        );
    }

    /// Something that was not let run, and who said no.
    pub fn denial(&self, subject: Subject<'_>, by: DeniedBy, reason: &str) {
        let by = match by {
            DeniedBy::Policy => "policy",
            DeniedBy::Approver => self.approver.name(),
        };
        let mut fields = self.subject(subject);
        fields.push(("by", json!(by)));
        fields.push(("reason", json!(self.scrub(reason))));
        self.write("denial", fields);
    }

    /// A request to run outside the sandbox: `requested` by the model, or `sandbox_retry`
    /// after the sandbox stood in the way; `approved`: what the approver said, when asked.
    pub fn escalation(
        &self,
        subject: Subject<'_>,
        reason: &str,
        justification: Option<&str>,
        approved: Option<bool>,
    ) {
        let mut fields = self.subject(subject);
        fields.push(("reason", json!(reason)));
        if let Some(justification) = justification {
            fields.push(("justification", json!(self.scrub(justification))));
        }
        if let Some(approved) = approved {
            fields.push(("approved", json!(approved)));
            fields.push(("by", json!(self.approver.name())));
        }
        self.write("escalation", fields);
    }

    fn subject(&self, subject: Subject<'_>) -> Vec<(&'static str, Value)> {
        match subject {
            Subject::Command { argv, cwd } => vec![
                ("what", json!("command")),
                ("argv", self.scrub_argv(argv)),
                ("cwd", json!(self.scrub_path(cwd))),
            ],
            Subject::Patch { paths } => vec![
                ("what", json!("patch")),
                (
                    "paths",
                    json!(paths.iter().map(|p| self.scrub_path(p)).collect::<Vec<_>>()),
                ),
            ],
            Subject::McpTool { server, tool } => vec![
                ("what", json!("mcp_tool")),
                ("server", json!(self.scrub(server))),
                ("tool", json!(self.scrub(tool))),
            ],
        }
    }

    fn approved_by(&self, approved_by: ApprovedBy) -> &'static str {
        match approved_by {
            ApprovedBy::Policy => "policy",
            ApprovedBy::SessionGrant => "session_grant",
            ApprovedBy::Asked => self.approver.name(),
        }
    }

    /// Every string that goes into a record passes through here: argv, arguments and paths
    /// are logged with the session's secrets redacted, like the rest of its output.
    fn scrub(&self, s: &str) -> String {
        self.redactor.redact(s).into_owned()
    }

    fn scrub_path(&self, path: &Path) -> String {
        self.scrub(&path.to_string_lossy())
    }

    fn scrub_argv(&self, argv: &[String]) -> Value {
        json!(argv.iter().map(|a| self.scrub(a)).collect::<Vec<_>>())
    }

    /// Scrubs every string in a JSON value, keys included.
    fn scrub_value(&self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.scrub(s)),
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.scrub_value(v)).collect())
            }
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (self.scrub(k), self.scrub_value(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    fn write(&self, kind: &str, fields: Vec<(&str, Value)>) {
        let Some(writer) = &self.writer else {
            return;
        };
        // Numbered under the lock, so a session's records are in `seq` order in the file.
        let mut writer = writer.lock().unwrap_or_else(|e| e.into_inner());
        let mut record = Map::new();
        record.insert("ts".into(), json!(crate::rollout::time::utc_now()));
        record.insert("session".into(), json!(self.session_id));
        record.insert(
            "seq".into(),
            json!(self.seq.fetch_add(1, Ordering::SeqCst) + 1),
        );
        record.insert("kind".into(), json!(kind));
        for (key, value) in fields {
            record.insert(key.to_string(), value);
        }
        let result = writer.append(record);
        drop(writer);
        if let Err(e) = result
            && !self.warned.swap(true, Ordering::SeqCst)
        {
            self.events.send(
                "",
                EventMsg::Warning {
                    message: format!("{e}; audit records may be missing from now on"),
                },
            );
        }
    }
}
