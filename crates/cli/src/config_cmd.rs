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
    Ok(())
}
