//! `codex jgt status`: the JGT broker config found and the protections in force. It prints no
//! secret value and no account id: only places, `connection`, the server's host and key names.

use std::io::Write;

use codex_config::{CandidateStatus, Config, EnvInherit, JgtCandidate, Loaded};
use serde_json::{Value, json};

use crate::args::{ApprovalArg, SharedOptions};

/// Variables holding a whole broker config, which commands must not inherit.
const JGT_ENV_VARS: &[&str] = &["JGT_CONFIG", "JGT_CONFIG_JSON_SECRET"];

pub fn status(options: &SharedOptions, approval: Option<ApprovalArg>, json: bool) -> i32 {
    let loaded = match crate::setup::load_or_report(options, approval.map(Into::into)) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    for warning in &loaded.warnings {
        eprintln!("warning: {warning}");
    }
    let written = if json {
        let doc = report(&loaded);
        writeln!(std::io::stdout().lock(), "{doc:#}")
    } else {
        write_human(&loaded, &mut std::io::stdout().lock())
    };
    match written {
        Ok(()) => 0,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}

fn place(c: &JgtCandidate) -> String {
    match (&c.path, &c.variable) {
        (Some(path), _) => path.display().to_string(),
        (None, Some(var)) => format!("${var}"),
        (None, None) => String::new(),
    }
}

fn detail(status: &CandidateStatus) -> Option<&str> {
    match status {
        CandidateStatus::Malformed(why) | CandidateStatus::Unreadable(why) => Some(why),
        _ => None,
    }
}

/// `applied`, `off` or `not_applicable`, and why.
fn live_guard(config: &Config) -> (&'static str, String) {
    let jgt = &config.jgt;
    if jgt.live_guard_applied {
        return (
            "applied",
            format!(
                "the broker config in effect is live (connection \"Real\"): the trading-secure \
                 restrictions apply over the options chosen, unless these are stricter \
                 (now approval {}, sandbox {}); turn off with [jgt] live_guard = false",
                config.approval_policy,
                config.sandbox_policy.mode()
            ),
        );
    }
    if jgt.live() {
        let by = jgt
            .live_guard_off_by
            .as_deref()
            .map(|s| format!(" ({s})"))
            .unwrap_or_default();
        return (
            "off",
            format!("the broker config in effect is live, but [jgt] live_guard = false{by}"),
        );
    }
    let why = match &jgt.found {
        Some(_) => "the broker config in effect is not live (connection is not \"Real\")",
        None => "no JGT broker config was found",
    };
    ("not_applicable", why.to_string())
}

fn env_protection(config: &Config) -> (bool, String) {
    let p = &config.shell_environment_policy;
    let inherit = match p.inherit {
        EnvInherit::All => "all",
        EnvInherit::Core => "core",
        EnvInherit::None => "none",
    };
    if p.ignore_default_excludes {
        (
            false,
            format!(
                "{} are not excluded by default: shell_environment_policy.\
                 ignore_default_excludes = true (inherit = \"{inherit}\")",
                JGT_ENV_VARS.join(", ")
            ),
        )
    } else {
        (
            true,
            format!(
                "{} are among the default excludes: commands do not inherit them \
                 (inherit = \"{inherit}\")",
                JGT_ENV_VARS.join(", ")
            ),
        )
    }
}

fn report(loaded: &Loaded) -> Value {
    let config = &loaded.config;
    let jgt = &config.jgt;
    let found = jgt.found.as_ref().map(|f| {
        json!({
            "source": f.source.kind(),
            "path": f.source.path(),
            "variable": match &f.source {
                codex_config::JgtSource::EnvSecretJson(v) | codex_config::JgtSource::EnvJson(v) => Some(v),
                _ => None,
            },
            "connection": f.connection,
            "live": f.live,
            "url_host": f.url_host,
        })
    });
    let candidates: Vec<Value> = jgt
        .candidates
        .iter()
        .map(|c| {
            json!({
                "path": c.path,
                "variable": c.variable,
                "status": c.status.as_str(),
                "detail": detail(&c.status),
                "connection": c.connection,
                "in_effect": c.in_effect,
                "deny_read": c.path.as_ref().is_some_and(|p| config.deny_read.contains(p)),
            })
        })
        .collect();
    let denied: Vec<_> = jgt
        .candidates
        .iter()
        .filter_map(|c| c.path.as_ref())
        .filter(|p| config.deny_read.contains(p))
        .collect();
    let (env_on, env_text) = env_protection(config);
    let (guard, guard_why) = live_guard(config);
    let names = secret_names(config);
    json!({
        "found": found,
        "candidates": candidates,
        "protections": {
            "deny_read": denied,
            "env_excludes": {"enabled": env_on, "variables": JGT_ENV_VARS, "detail": env_text},
            "redaction": {"secret_values": jgt.secrets().len(), "names": names},
            "live_guard": {"state": guard, "detail": guard_why},
        },
    })
}

fn write_human(loaded: &Loaded, out: &mut impl Write) -> std::io::Result<()> {
    let config = &loaded.config;
    let jgt = &config.jgt;
    match &jgt.found {
        Some(f) => {
            let mode = if f.live { "live" } else { "demo" };
            let connection = f
                .connection
                .as_deref()
                .map(|c| format!("connection \"{c}\""))
                .unwrap_or_else(|| "no connection key".into());
            let host = f
                .url_host
                .as_deref()
                .map(|h| format!(", server {h}"))
                .unwrap_or_default();
            writeln!(
                out,
                "broker config: {} ({mode}: {connection}{host})",
                f.source
            )?;
        }
        None => writeln!(out, "broker config: none found")?,
    }
    if jgt.candidates.is_empty() {
        writeln!(out, "places that exist: none")?;
    } else {
        writeln!(out, "places that exist, in lookup order:")?;
        for c in &jgt.candidates {
            let mut notes = vec![c.status.as_str().to_string()];
            if let Some(why) = detail(&c.status) {
                notes[0] = format!("{}: {why}", c.status.as_str());
            }
            if let Some(conn) = &c.connection {
                notes.push(format!("connection \"{conn}\""));
            }
            if c.in_effect {
                notes.push("in effect".into());
            }
            if c.path
                .as_ref()
                .is_some_and(|p| config.deny_read.contains(p))
            {
                notes.push("deny-read".into());
            }
            writeln!(out, "  {}  ({})", place(c), notes.join(", "))?;
        }
    }
    writeln!(out, "protections:")?;
    let denied: Vec<String> = jgt
        .candidates
        .iter()
        .filter_map(|c| c.path.as_ref())
        .filter(|p| config.deny_read.contains(p))
        .map(|p| p.display().to_string())
        .collect();
    let ignored_defaults = loaded
        .effective
        .get(&[
            "sandbox".to_string(),
            "ignore_default_deny_read".to_string(),
        ])
        .and_then(|v| v.as_bool())
        == Some(true);
    let deny_text = if ignored_defaults {
        "off for the JGT files: [sandbox] ignore_default_deny_read = true".to_string()
    } else if denied.is_empty() {
        "~/.jgt/config*.json and /etc/jgt/config.json are in the built-in list (none exists now)"
            .to_string()
    } else {
        format!("commands and tools may not read {}", denied.join(", "))
    };
    writeln!(out, "  deny-read: {deny_text}")?;
    writeln!(out, "  environment: {}", env_protection(config).1)?;
    let secrets = jgt.secrets();
    if secrets.is_empty() {
        writeln!(out, "  redaction: no secret values found")?;
    } else {
        let names = secret_names(config);
        writeln!(
            out,
            "  redaction: {} secret value(s) known ({}), handed to the output redactor",
            secrets.len(),
            names.join(", ")
        )?;
    }
    let (state, why) = live_guard(config);
    writeln!(out, "  live guard: {}: {why}", state.replace('_', " "))?;
    Ok(())
}

/// The names of the secret values known, each once.
fn secret_names(config: &Config) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (name, _) in config.jgt.secrets() {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}
