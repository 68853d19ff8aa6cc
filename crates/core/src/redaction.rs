//! Secrets kept from the model: the session's [`Redactor`], built once from the secrets this
//! session knows by name, applied to every tool output before it reaches the model, the
//! events or the rollout, and to command output as it streams.

use std::borrow::Cow;

use codex_config::Config;
use codex_protocol::{ContentItem, FunctionOutput};
use codex_secrets::Redactor;
use serde_json::Value;

/// Every secret this session knows by name, `(name, value)`, that output must not show:
///
/// - each variable of our environment that `[shell_environment_policy]` excludes from
///   commands — by the default rules (unless `ignore_default_excludes`) or by the user's
///   `exclude` globs — whether or not `inherit` would have passed it on at all; for a URL
///   with a password, the URL and the password on its own;
///
/// Values shorter than [`codex_secrets::MIN_SECRET_LEN`] are dropped by the redactor.
pub(crate) fn session_secrets(config: &Config) -> Vec<(String, String)> {
    let policy = &config.shell_environment_policy;
    let mut secrets = Vec::new();
    for (name, value) in config.env.iter() {
        if !codex_process::is_excluded(policy, name, value) {
            continue;
        }
        if let Some(password) = codex_secrets::url_password(value) {
            secrets.push((name.clone(), password.to_string()));
        }
        secrets.push((name.clone(), value.clone()));
    }
    secrets
}

/// The JGT broker configuration's credentials (`password`, `password_demo`, `pin`): known to
/// be secrets, so redacted down to [`codex_secrets::MIN_KNOWN_SECRET_LEN`] characters.
fn jgt_secrets(config: &Config) -> Vec<(String, String)> {
    config.jgt.secrets()
}

/// The session's redactor.
pub(crate) fn session_redactor(config: &Config) -> Redactor {
    Redactor::with_known(session_secrets(config), jgt_secrets(config))
}

/// A tool's output with its secrets replaced (images are left as they are).
pub(crate) fn redact_output(redactor: &Redactor, output: FunctionOutput) -> FunctionOutput {
    match output {
        FunctionOutput::Text(text) => FunctionOutput::Text(redact_string(redactor, text)),
        FunctionOutput::Content(parts) => FunctionOutput::Content(
            parts
                .into_iter()
                .map(|part| match part {
                    ContentItem::InputText { text } => ContentItem::InputText {
                        text: redact_string(redactor, text),
                    },
                    ContentItem::OutputText { text } => ContentItem::OutputText {
                        text: redact_string(redactor, text),
                    },
                    other => other,
                })
                .collect(),
        ),
    }
}

/// Every string in a JSON value (keys too) with its secrets replaced.
pub(crate) fn redact_json(redactor: &Redactor, value: &mut Value) {
    match value {
        Value::String(text) => {
            if let Cow::Owned(clean) = redactor.redact(text) {
                *text = clean;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| redact_json(redactor, v)),
        Value::Object(map) => {
            let entries = std::mem::take(map);
            for (key, mut v) in entries {
                redact_json(redactor, &mut v);
                map.insert(redactor.redact(&key).into_owned(), v);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// `text` with its secrets replaced; `text` itself when it had none (no copy).
pub(crate) fn redact_string(redactor: &Redactor, text: String) -> String {
    let clean = match redactor.redact(&text) {
        Cow::Borrowed(_) => None,
        Cow::Owned(clean) => Some(clean),
    };
    clean.unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use codex_config::{LoadOptions, load};

    fn config(env: &[(&str, &str)], overrides: &[&str]) -> Config {
        let dir = tempfile::tempdir().unwrap();
        load(LoadOptions {
            codex_home: Some(dir.path().to_path_buf()),
            cwd: Some(dir.path().to_path_buf()),
            cli_overrides: overrides.iter().map(|s| s.to_string()).collect(),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        })
        .unwrap()
        .config
    }

    #[test]
    fn the_excluded_variables_are_the_named_secrets() {
        let env = [
            ("BROKER_PASSWORD", "correct-horse-battery"),
            ("DATABASE_URL", "postgres://u:db-password-1@db/x"),
            ("MY_CUSTOM", "custom-value-1234"),
            ("HOME_DIRECTORY", "/home/someone-long"),
        ];
        let names = |secrets: Vec<(String, String)>| -> Vec<String> {
            secrets
                .into_iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect()
        };
        assert_eq!(
            names(session_secrets(&config(
                &env,
                &["shell_environment_policy.exclude=[\"MY_*\"]"]
            ))),
            [
                "BROKER_PASSWORD=correct-horse-battery",
                "DATABASE_URL=db-password-1",
                "DATABASE_URL=postgres://u:db-password-1@db/x",
                "MY_CUSTOM=custom-value-1234",
            ]
        );
        // Not inherited at all, still a secret by the rules.
        assert_eq!(
            session_secrets(&config(
                &env,
                &["shell_environment_policy.inherit=\"core\""]
            ))
            .len(),
            3
        );
        // The Codex CLI's behaviour: nothing filtered, so nothing named.
        assert!(
            session_secrets(&config(
                &env,
                &["shell_environment_policy.ignore_default_excludes=true"]
            ))
            .is_empty()
        );
    }

    #[test]
    fn outputs_and_json_are_redacted() {
        let redactor = Redactor::new(vec![("PW".into(), "correct-horse".into())]);
        let out = redact_output(
            &redactor,
            FunctionOutput::Content(vec![ContentItem::InputText {
                text: "x correct-horse".into(),
            }]),
        );
        assert_eq!(out.text(), "x [REDACTED:PW]");
        let mut json = serde_json::json!({"a": ["correct-horse", 1], "correct-horse": null});
        redact_json(&redactor, &mut json);
        assert_eq!(
            json,
            serde_json::json!({"a": ["[REDACTED:PW]", 1], "[REDACTED:PW]": null})
        );
    }
}
