//! Deep-merging TOML tables while remembering where every value came from.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

/// Where a resolved config value came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    Default,
    /// A built-in model provider entry.
    BuiltIn,
    File {
        path: PathBuf,
        position: Option<(usize, usize)>,
    },
    /// A `-c key=value` override (its text).
    Override(String),
    /// A value of the active profile, and where the profile table set it.
    Profile {
        name: String,
        from: Box<Source>,
    },
    /// A dedicated command-line flag (its spelling).
    Flag(String),
    /// Set by the JGT live guard (a live broker config was found), from the `trading-secure`
    /// profile: where that profile set it.
    LiveGuard(Box<Source>),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::BuiltIn => f.write_str("built-in"),
            Source::File { path, position } => match position {
                Some((line, column)) => write!(f, "file {}:{line}:{column}", path.display()),
                None => write!(f, "file {}", path.display()),
            },
            Source::Override(text) => write!(f, "-c {text}"),
            Source::Profile { name, from } => write!(f, "profile {name} ({from})"),
            Source::Flag(flag) => write!(f, "flag {flag}"),
            Source::LiveGuard(from) => write!(f, "jgt live guard ({from})"),
        }
    }
}

pub type KeyPath = Vec<String>;

/// Renders a key path the way a user would write it on the command line.
pub fn dotted(path: &[String]) -> String {
    path.iter()
        .map(|segment| {
            let bare = !segment.is_empty()
                && segment
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if bare {
                segment.clone()
            } else {
                format!("{segment:?}")
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// A table and the source of each of its leaf values.
#[derive(Debug, Clone, Default)]
pub struct Layered {
    pub table: toml::Table,
    pub sources: BTreeMap<KeyPath, Source>,
}

impl Layered {
    /// Merge `src` on top; `source_of` names the origin of each leaf written.
    pub fn merge(&mut self, src: &toml::Table, source_of: &mut dyn FnMut(&[String]) -> Source) {
        let mut prefix = Vec::new();
        merge_into(
            &mut self.table,
            src,
            &mut prefix,
            &mut self.sources,
            source_of,
        );
    }

    pub fn get(&self, path: &[String]) -> Option<&toml::Value> {
        let (last, parents) = path.split_last()?;
        let mut table = &self.table;
        for p in parents {
            table = table.get(p)?.as_table()?;
        }
        table.get(last)
    }

    pub fn source(&self, path: &[String]) -> Option<&Source> {
        self.sources.get(path)
    }
}

fn merge_into(
    dst: &mut toml::Table,
    src: &toml::Table,
    prefix: &mut Vec<String>,
    sources: &mut BTreeMap<KeyPath, Source>,
    source_of: &mut dyn FnMut(&[String]) -> Source,
) {
    for (key, value) in src {
        prefix.push(key.clone());
        match (dst.get_mut(key), value) {
            (Some(toml::Value::Table(existing)), toml::Value::Table(incoming)) => {
                merge_into(existing, incoming, prefix, sources, source_of);
            }
            _ => {
                sources.retain(|path, _| !path.starts_with(prefix));
                record_leaves(value, prefix, sources, source_of);
                dst.insert(key.clone(), value.clone());
            }
        }
        prefix.pop();
    }
}

fn record_leaves(
    value: &toml::Value,
    prefix: &mut Vec<String>,
    sources: &mut BTreeMap<KeyPath, Source>,
    source_of: &mut dyn FnMut(&[String]) -> Source,
) {
    match value {
        toml::Value::Table(table) if !table.is_empty() => {
            for (key, inner) in table {
                prefix.push(key.clone());
                record_leaves(inner, prefix, sources, source_of);
                prefix.pop();
            }
        }
        _ => {
            let source = source_of(prefix);
            sources.insert(prefix.clone(), source);
        }
    }
}

/// Builds `{a = {b = value}}` from `["a", "b"]` and `value`.
pub fn table_at(path: &[String], value: toml::Value) -> toml::Table {
    let mut value = value;
    for segment in path.iter().skip(1).rev() {
        let mut t = toml::Table::new();
        t.insert(segment.clone(), value);
        value = toml::Value::Table(t);
    }
    let mut root = toml::Table::new();
    if let Some(first) = path.first() {
        root.insert(first.clone(), value);
    }
    root
}

/// Every leaf of a table with its path, in key order.
pub fn leaves(table: &toml::Table) -> Vec<(KeyPath, &toml::Value)> {
    let mut out = Vec::new();
    let mut prefix = Vec::new();
    collect_leaves(table, &mut prefix, &mut out);
    out
}

fn collect_leaves<'a>(
    table: &'a toml::Table,
    prefix: &mut Vec<String>,
    out: &mut Vec<(KeyPath, &'a toml::Value)>,
) {
    for (key, value) in table {
        prefix.push(key.clone());
        match value {
            toml::Value::Table(inner) if !inner.is_empty() => collect_leaves(inner, prefix, out),
            _ => out.push((prefix.clone(), value)),
        }
        prefix.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> toml::Table {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn merge_keeps_sibling_keys_and_tracks_sources() {
        let mut layered = Layered::default();
        layered.merge(&parse("a = 1\n[t]\nx = 1\ny = 2"), &mut |_| Source::Default);
        layered.merge(&parse("[t]\ny = 3"), &mut |_| Source::Flag("--y".into()));
        let path = |s: &str| s.split('.').map(String::from).collect::<Vec<_>>();
        assert_eq!(layered.get(&path("t.x")), Some(&toml::Value::Integer(1)));
        assert_eq!(layered.get(&path("t.y")), Some(&toml::Value::Integer(3)));
        assert_eq!(layered.source(&path("t.x")), Some(&Source::Default));
        assert_eq!(
            layered.source(&path("t.y")),
            Some(&Source::Flag("--y".into()))
        );
    }

    #[test]
    fn replacing_a_table_with_a_scalar_drops_nested_sources() {
        let mut layered = Layered::default();
        layered.merge(&parse("[t]\nx = 1"), &mut |_| Source::Default);
        layered.merge(&parse("t = 5"), &mut |_| Source::BuiltIn);
        assert_eq!(layered.sources.len(), 1);
        assert_eq!(layered.source(&["t".to_string()]), Some(&Source::BuiltIn));
    }

    #[test]
    fn dotted_quotes_odd_segments() {
        let p = vec![
            "projects".to_string(),
            "/a/b".to_string(),
            "trust_level".to_string(),
        ];
        assert_eq!(dotted(&p), "projects.\"/a/b\".trust_level");
    }
}
