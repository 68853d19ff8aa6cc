//! `-c dotted.key=value` overrides.

use crate::error::ConfigError;
use crate::layers::KeyPath;

/// One parsed override: where it goes and what it sets.
#[derive(Debug, Clone, PartialEq)]
pub struct CliOverride {
    pub text: String,
    pub path: KeyPath,
    pub value: toml::Value,
}

/// Parses `key=value`. The value is read as TOML; if that fails it is taken as a string,
/// so `-c model=o3` works without quoting.
pub fn parse_override(text: &str) -> Result<CliOverride, ConfigError> {
    let err = |message: String| ConfigError::Override {
        text: text.to_string(),
        message,
    };
    let Some((raw_key, raw_value)) = text.split_once('=') else {
        return Err(err(
            "expected key=value, for example -c model=\"o3\" or -c sandbox_workspace_write.network_access=true".into(),
        ));
    };
    let path = parse_key(raw_key.trim()).map_err(err)?;
    let value = parse_value(raw_value.trim());
    Ok(CliOverride {
        text: text.to_string(),
        path,
        value,
    })
}

fn parse_key(key: &str) -> Result<KeyPath, String> {
    if key.is_empty() {
        return Err("the key is empty".to_string());
    }
    // Let TOML itself read the dotted key, so quoted segments like projects."/a/b" work.
    let doc: toml::Table = format!("{key} = 0")
        .parse()
        .map_err(|_| format!("`{key}` is not a valid dotted key"))?;
    let mut path = Vec::new();
    let mut table = &doc;
    loop {
        let mut entries = table.iter();
        let (Some((k, v)), None) = (entries.next(), entries.next()) else {
            return Err(format!("`{key}` is not a valid dotted key"));
        };
        path.push(k.clone());
        match v {
            toml::Value::Table(inner) => table = inner,
            _ => return Ok(path),
        }
    }
}

fn parse_value(raw: &str) -> toml::Value {
    let parsed: Option<toml::Table> = format!("v = {raw}").parse().ok();
    match parsed {
        Some(mut t) if t.len() == 1 => t
            .remove("v")
            .unwrap_or_else(|| toml::Value::String(raw.to_string())),
        _ => toml::Value::String(raw.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_words_become_strings() {
        let o = parse_override("model=o3").unwrap();
        assert_eq!(o.path, vec!["model"]);
        assert_eq!(o.value, toml::Value::String("o3".into()));
    }

    #[test]
    fn toml_values_are_typed() {
        let o = parse_override("sandbox_workspace_write.network_access=true").unwrap();
        assert_eq!(o.path, vec!["sandbox_workspace_write", "network_access"]);
        assert_eq!(o.value, toml::Value::Boolean(true));
        let o = parse_override("notify=[\"a\", \"b\"]").unwrap();
        assert!(o.value.is_array());
        let o = parse_override("model='\"quoted\"'").unwrap();
        assert_eq!(o.value, toml::Value::String("\"quoted\"".into()));
    }

    #[test]
    fn quoted_key_segments() {
        let o = parse_override("projects.\"/tmp/x\".trust_level=trusted").unwrap();
        assert_eq!(o.path, vec!["projects", "/tmp/x", "trust_level"]);
    }

    #[test]
    fn values_cannot_smuggle_other_keys() {
        let o = parse_override("model=x\nsandbox_mode=\"danger-full-access\"").unwrap();
        assert_eq!(o.path, vec!["model"]);
        assert!(matches!(o.value, toml::Value::String(_)));
    }

    #[test]
    fn missing_equals_is_an_error() {
        let e = parse_override("model").unwrap_err().to_string();
        assert!(e.contains("expected key=value"), "{e}");
        let e = parse_override("=x").unwrap_err().to_string();
        assert!(e.contains("key is empty"), "{e}");
    }
}
