//! `codex config show`.

use std::io::Write;

use codex_config::{Loaded, show_entries};
use serde_json::json;

pub fn show(loaded: &Loaded, as_json: bool) -> std::io::Result<()> {
    let entries = show_entries(&loaded.effective);
    let mut out = std::io::stdout().lock();
    if as_json {
        let list: Vec<_> = entries
            .iter()
            .map(|(key, value, source)| {
                json!({"key": key, "value": value, "source": source.to_string()})
            })
            .collect();
        let doc = json!({
            "config_file": loaded.config.config_path,
            "profile": loaded.config.active_profile,
            "values": list,
            "provider": loaded.config.model_provider,
            "shell_environment_excludes": excludes_json(loaded),
        });
        writeln!(out, "{doc:#}")?;
        return Ok(());
    }
    writeln!(
        out,
        "# config file: {}",
        loaded.config.config_path.display()
    )?;
    if let Some(profile) = &loaded.config.active_profile {
        writeln!(out, "# active profile: {profile}")?;
    }
    let width = entries
        .iter()
        .map(|(k, v, _)| k.len() + v.len() + 3)
        .max()
        .unwrap_or(0)
        .min(72);
    for (key, value, source) in entries {
        let line = format!("{key} = {value}");
        writeln!(out, "{line:<width$}  # {source}")?;
    }
    let p = &loaded.config.model_provider;
    writeln!(
        out,
        "# provider `{}` resolves to: {} wire at {}{}",
        p.id,
        p.wire_api.as_str(),
        p.base_url,
        p.env_key
            .as_ref()
            .map(|k| format!(", key from ${k}"))
            .unwrap_or_default()
    )?;
    write_excludes(&mut out, loaded)?;
    Ok(())
}

/// The variables commands do not get: the default rules (or that they are off) and the
/// user's `exclude` globs.
fn write_excludes(out: &mut impl Write, loaded: &Loaded) -> std::io::Result<()> {
    let policy = &loaded.config.shell_environment_policy;
    if policy.ignore_default_excludes {
        writeln!(
            out,
            "# commands get every inherited variable: the default excludes are off \
             (shell_environment_policy.ignore_default_excludes = true)"
        )?;
    } else {
        writeln!(
            out,
            "# commands do not get variables named {} (any case), nor {}",
            codex_secrets::DEFAULT_EXCLUDE_NAMES.join(", "),
            codex_secrets::DEFAULT_EXCLUDE_VALUE_RULE
        )?;
    }
    if !policy.exclude.is_empty() {
        writeln!(
            out,
            "# nor, by shell_environment_policy.exclude, {}",
            policy.exclude.join(", ")
        )?;
    }
    Ok(())
}

fn excludes_json(loaded: &Loaded) -> serde_json::Value {
    let policy = &loaded.config.shell_environment_policy;
    let defaults = !policy.ignore_default_excludes;
    json!({
        "defaults_enabled": defaults,
        "default_names": if defaults { codex_secrets::DEFAULT_EXCLUDE_NAMES } else { &[] },
        "default_value_rule": defaults.then_some(codex_secrets::DEFAULT_EXCLUDE_VALUE_RULE),
        "exclude": policy.exclude,
    })
}
