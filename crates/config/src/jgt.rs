//! The bridge to the JGT trading tools: where their broker config (which holds a plain-text
//! account password) sits on this machine, whether it trades real money, and the secret values
//! in it, so that commands cannot read it and its secrets can be redacted.
//!
//! Discovery follows `jgtcore.core.readconfig()`, first match wins:
//! 1. `./config.json`, else `$HOME/config.json` — only when the file *qualifies* (below);
//! 2. `JGT_CONFIG_JSON_SECRET` (a JSON string);
//! 3. `JGT_CONFIG` (a JSON string), else the file `JGT_CONFIG_PATH` names;
//! 4. `~/.jgt/config.json`, then `/etc/jgt/config.json`;
//! 5. `~/.jgt/config_demo.json` (what demo mode reads).
//!
//! `config.json` is a common name in unrelated projects, so a `./config.json` or
//! `$HOME/config.json` counts as a JGT config only when it parses as a JSON object holding a
//! `connection` key, or a `url` key together with one of `user_id`, `user_id_demo`, `password`,
//! `password_demo`. In the JGT-specific places any JSON object counts.
//!
//! Nothing read here is sent anywhere or logged; a malformed JGT config is reported by where it
//! is and what is wrong with it (never its content) and treated as not found.

use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use wildmatch::WildMatch;

use crate::file::{MAX_CONFIG_FILE_BYTES, read_text_file};
use crate::load::Warnings;

/// The system-wide JGT directory (`/etc/jgt`).
pub const JGT_ETC_DIR: &str = "/etc/jgt";

/// Keys whose values are secrets, as `(key, name given to the redactor)`.
const SECRET_KEYS: &[(&str, &str)] = &[
    ("password", "jgt.password"),
    ("password_demo", "jgt.password_demo"),
    ("pin", "jgt.pin"),
];

/// Where the broker config in effect was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JgtSource {
    /// `./config.json` (qualifying).
    Cwd(PathBuf),
    /// `$HOME/config.json` (qualifying).
    Home(PathBuf),
    /// `JGT_CONFIG_JSON_SECRET`, a JSON string (the variable's name).
    EnvSecretJson(String),
    /// `JGT_CONFIG`, a JSON string (the variable's name).
    EnvJson(String),
    /// The file `JGT_CONFIG_PATH` names.
    EnvPath(PathBuf),
    /// `~/.jgt/config.json` or `~/.jgt/config_demo.json`.
    JgtHome(PathBuf),
    /// `/etc/jgt/config.json`.
    Etc(PathBuf),
}

impl JgtSource {
    /// The file, for sources that are one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            JgtSource::Cwd(p)
            | JgtSource::Home(p)
            | JgtSource::EnvPath(p)
            | JgtSource::JgtHome(p)
            | JgtSource::Etc(p) => Some(p),
            JgtSource::EnvSecretJson(_) | JgtSource::EnvJson(_) => None,
        }
    }

    /// A short tag for machine-readable output.
    pub fn kind(&self) -> &'static str {
        match self {
            JgtSource::Cwd(_) => "cwd",
            JgtSource::Home(_) => "home",
            JgtSource::EnvSecretJson(_) => "env_secret_json",
            JgtSource::EnvJson(_) => "env_json",
            JgtSource::EnvPath(_) => "env_path",
            JgtSource::JgtHome(_) => "jgt_home",
            JgtSource::Etc(_) => "etc",
        }
    }
}

impl fmt::Display for JgtSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JgtSource::EnvSecretJson(var) | JgtSource::EnvJson(var) => {
                write!(f, "the variable {var}")
            }
            JgtSource::EnvPath(path) => {
                write!(f, "{} (named by JGT_CONFIG_PATH)", path.display())
            }
            other => match other.path() {
                Some(path) => write!(f, "{}", path.display()),
                None => Ok(()),
            },
        }
    }
}

/// What a place holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CandidateStatus {
    /// A JGT broker config.
    Qualifies,
    /// A JSON file that is not a JGT config (`./config.json` or `$HOME/config.json` only).
    NotJgt,
    /// A JGT place whose content is not a JSON object; why (never the content).
    Malformed(String),
    /// A file that could not be read; why.
    Unreadable(String),
}

impl CandidateStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            CandidateStatus::Qualifies => "qualifies",
            CandidateStatus::NotJgt => "not a JGT config",
            CandidateStatus::Malformed(_) => "malformed",
            CandidateStatus::Unreadable(_) => "unreadable",
        }
    }
}

/// A place looked at that exists: a file, or a variable that is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JgtCandidate {
    /// The file, or `None` for a variable.
    pub path: Option<PathBuf>,
    /// The variable, for a JSON string in the environment.
    pub variable: Option<String>,
    pub status: CandidateStatus,
    /// Its `connection` value, when it qualifies and has one.
    pub connection: Option<String>,
    /// Whether it is the config in effect.
    pub in_effect: bool,
}

impl JgtCandidate {
    /// A JGT file (or one that would be, were it well-formed): one commands must not read.
    pub fn is_jgt_file(&self) -> bool {
        self.path.is_some()
            && matches!(
                self.status,
                CandidateStatus::Qualifies | CandidateStatus::Malformed(_)
            )
    }

    pub fn live(&self) -> bool {
        is_live(self.connection.as_deref())
    }
}

/// The broker config in effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JgtFound {
    pub source: JgtSource,
    /// `connection`, as written (`"Real"` or `"Demo"`).
    pub connection: Option<String>,
    /// `connection` is `"Real"` (any case): the account trades real money.
    pub live: bool,
    /// The host of `url` (no user, port or path).
    pub url_host: Option<String>,
}

/// The JGT broker config found on this machine (`Config.jgt`). Its `Debug` shows no secret.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Jgt {
    pub found: Option<JgtFound>,
    /// Every place looked at that exists, in lookup order.
    pub candidates: Vec<JgtCandidate>,
    /// The `trading-secure` restrictions were applied because the config in effect is live.
    pub live_guard_applied: bool,
    /// Where `[jgt] live_guard = false` was set, when it was.
    pub live_guard_off_by: Option<String>,
    secrets: Vec<(String, String)>,
}

impl fmt::Debug for Jgt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Jgt")
            .field("found", &self.found)
            .field("candidates", &self.candidates)
            .field("live_guard_applied", &self.live_guard_applied)
            .field("live_guard_off_by", &self.live_guard_off_by)
            .field(
                "secrets",
                &format_args!("<{} redacted>", self.secrets.len()),
            )
            .finish()
    }
}

impl Jgt {
    /// The secret values of every JGT config found (not only the one in effect), as
    /// `(name, value)`: `jgt.password`, `jgt.password_demo`, `jgt.pin`. Each value once.
    pub fn secrets(&self) -> Vec<(String, String)> {
        self.secrets.clone()
    }

    /// The config in effect trades real money.
    pub fn live(&self) -> bool {
        self.found.as_ref().is_some_and(|f| f.live)
    }

    /// One line for a front-end's header when the config in effect is live: where it is, and
    /// whether the `trading-secure` restrictions apply. `None` for a demo config or none.
    pub fn live_notice(&self) -> Option<String> {
        let found = self.found.as_ref().filter(|f| f.live)?;
        let at = match &found.source {
            JgtSource::EnvSecretJson(var) | JgtSource::EnvJson(var) => format!("in ${var}"),
            other => format!("at {other}"),
        };
        Some(if self.live_guard_applied {
            format!(
                "live broker account (connection \"Real\") found {at}: the trading-secure \
                 restrictions apply (turn off with [jgt] live_guard = false)"
            )
        } else {
            let by = self
                .live_guard_off_by
                .as_deref()
                .map(|s| format!(" ({s})"))
                .unwrap_or_default();
            format!(
                "live broker account (connection \"Real\") found {at}: the live guard is off \
                 by [jgt] live_guard = false{by}"
            )
        })
    }

    /// The files commands must not read beyond the built-in list: every JGT file found.
    pub fn deny_read_paths(&self) -> Vec<PathBuf> {
        self.candidates
            .iter()
            .filter(|c| c.is_jgt_file())
            .filter_map(|c| c.path.clone())
            .collect()
    }

    fn add_secrets(&mut self, object: &Map<String, Value>) {
        for (key, name) in SECRET_KEYS {
            let value = match object.get(*key) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => continue,
            };
            if value.trim().is_empty() || self.secrets.iter().any(|(_, v)| *v == value) {
                continue;
            }
            self.secrets.push(((*name).to_string(), value));
        }
    }
}

/// Where to look.
pub(crate) struct Places<'a> {
    pub cwd: &'a Path,
    pub home: Option<&'a Path>,
    /// `/etc/jgt` unless a test says otherwise.
    pub etc_dir: &'a Path,
    pub lookup: &'a dyn Fn(&str) -> Option<String>,
}

/// Looks in every place, in jgtcore's order; the first qualifying one is in effect.
pub(crate) fn discover(places: &Places<'_>, warnings: &mut Warnings) -> Jgt {
    let mut jgt = Jgt::default();
    let mut seen: Vec<PathBuf> = Vec::new();

    let cwd_file = places.cwd.join("config.json");
    look_at_file(
        &mut jgt,
        &mut seen,
        &cwd_file,
        true,
        Some(JgtSource::Cwd),
        warnings,
    );
    if let Some(home) = places.home {
        let file = home.join("config.json");
        look_at_file(
            &mut jgt,
            &mut seen,
            &file,
            true,
            Some(JgtSource::Home),
            warnings,
        );
    }
    look_at_var(&mut jgt, places, "JGT_CONFIG_JSON_SECRET", warnings);
    // `JGT_CONFIG`, when it holds a config, is read instead of the path (it is found first);
    // the path's file is still looked at for its secrets.
    look_at_var(&mut jgt, places, "JGT_CONFIG", warnings);
    if let Some(path) = (places.lookup)("JGT_CONFIG_PATH").filter(|p| !p.is_empty()) {
        let path = places.cwd.join(path);
        look_at_file(
            &mut jgt,
            &mut seen,
            &path,
            false,
            Some(JgtSource::EnvPath),
            warnings,
        );
    }
    let jgt_dir = places.home.map(|h| h.join(".jgt"));
    if let Some(dir) = &jgt_dir {
        let file = dir.join("config.json");
        look_at_file(
            &mut jgt,
            &mut seen,
            &file,
            false,
            Some(JgtSource::JgtHome),
            warnings,
        );
    }
    let etc_file = places.etc_dir.join("config.json");
    look_at_file(
        &mut jgt,
        &mut seen,
        &etc_file,
        false,
        Some(JgtSource::Etc),
        warnings,
    );
    if let Some(dir) = &jgt_dir {
        let file = dir.join("config_demo.json");
        look_at_file(
            &mut jgt,
            &mut seen,
            &file,
            false,
            Some(JgtSource::JgtHome),
            warnings,
        );
        // Any other `config*.json` there: never in effect, but its secrets are secrets.
        let pattern = WildMatch::new("config*.json");
        let mut others: Vec<PathBuf> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| pattern.matches(&e.file_name().to_string_lossy()))
            .map(|e| e.path())
            .collect();
        others.sort();
        for file in others {
            look_at_file(&mut jgt, &mut seen, &file, false, None, warnings);
        }
    }
    if let Some(found) = &jgt.found {
        for c in &mut jgt.candidates {
            c.in_effect = match (&found.source, &c.path, &c.variable) {
                (JgtSource::EnvSecretJson(v) | JgtSource::EnvJson(v), _, Some(var)) => v == var,
                (source, Some(path), _) => source.path() == Some(path.as_path()),
                _ => false,
            };
        }
    }
    jgt
}

fn is_live(connection: Option<&str>) -> bool {
    connection.is_some_and(|c| c.trim().eq_ignore_ascii_case("real"))
}

/// Reads one file; `qualify` applies the rule for the common name `config.json`; `source` is
/// how it is named when it takes effect (`None`: it never does).
fn look_at_file(
    jgt: &mut Jgt,
    seen: &mut Vec<PathBuf>,
    path: &Path,
    qualify: bool,
    source: Option<fn(PathBuf) -> JgtSource>,
    warnings: &mut Warnings,
) {
    if seen.iter().any(|p| p == path) {
        return;
    }
    let text = match read_text_file(path, MAX_CONFIG_FILE_BYTES) {
        Ok(text) => text,
        Err(e) if e.is_not_found() => return,
        Err(e) => {
            seen.push(path.to_path_buf());
            if !qualify {
                warnings.push(format!(
                    "JGT broker config: {e}; it is ignored (make it a regular JSON file, or \
                     remove it)"
                ));
            }
            jgt.candidates.push(JgtCandidate {
                path: Some(path.to_path_buf()),
                variable: None,
                status: CandidateStatus::Unreadable(e.to_string()),
                connection: None,
                in_effect: false,
            });
            return;
        }
    };
    seen.push(path.to_path_buf());
    let (status, object) = match parse_object(&text) {
        Ok(object) if !qualify || qualifies(&object) => (CandidateStatus::Qualifies, Some(object)),
        Ok(_) => (CandidateStatus::NotJgt, None),
        Err(_) if qualify => (CandidateStatus::NotJgt, None),
        Err(why) => {
            warnings.push(format!(
                "JGT broker config {}: {why}; it is ignored until fixed (it is still kept from \
                 commands)",
                path.display()
            ));
            (CandidateStatus::Malformed(why), None)
        }
    };
    let connection = object.as_ref().and_then(connection_of);
    jgt.candidates.push(JgtCandidate {
        path: Some(path.to_path_buf()),
        variable: None,
        status,
        connection: connection.clone(),
        in_effect: false,
    });
    if let Some(object) = object {
        jgt.add_secrets(&object);
        if let (None, Some(source)) = (&jgt.found, source) {
            jgt.found = Some(found(source(path.to_path_buf()), &object));
        }
    }
}

/// Reads a variable holding a JSON config.
fn look_at_var(jgt: &mut Jgt, places: &Places<'_>, var: &str, warnings: &mut Warnings) {
    let Some(text) = (places.lookup)(var).filter(|v| !v.trim().is_empty()) else {
        return;
    };
    let (status, object) = match parse_object(&text) {
        Ok(object) => (CandidateStatus::Qualifies, Some(object)),
        Err(why) => {
            warnings.push(format!(
                "{var}: {why}; the variable is ignored as a JGT broker config"
            ));
            (CandidateStatus::Malformed(why), None)
        }
    };
    jgt.candidates.push(JgtCandidate {
        path: None,
        variable: Some(var.to_string()),
        status,
        connection: object.as_ref().and_then(connection_of),
        in_effect: false,
    });
    let Some(object) = object else {
        return;
    };
    jgt.add_secrets(&object);
    if jgt.found.is_none() {
        let source = if var == "JGT_CONFIG_JSON_SECRET" {
            JgtSource::EnvSecretJson(var.to_string())
        } else {
            JgtSource::EnvJson(var.to_string())
        };
        jgt.found = Some(found(source, &object));
    }
}

/// A JSON object, or why not (a position, never the content).
fn parse_object(text: &str) -> Result<Map<String, Value>, String> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err("not a JSON object".into()),
        Err(e) => Err(format!(
            "not valid JSON (line {}, column {})",
            e.line(),
            e.column()
        )),
    }
}

/// The rule for `./config.json` and `$HOME/config.json`.
fn qualifies(object: &Map<String, Value>) -> bool {
    object.contains_key("connection")
        || (object.contains_key("url")
            && ["user_id", "user_id_demo", "password", "password_demo"]
                .iter()
                .any(|k| object.contains_key(*k)))
}

fn connection_of(object: &Map<String, Value>) -> Option<String> {
    object
        .get("connection")
        .and_then(Value::as_str)
        .map(String::from)
}

fn found(source: JgtSource, object: &Map<String, Value>) -> JgtFound {
    let connection = connection_of(object);
    JgtFound {
        source,
        live: is_live(connection.as_deref()),
        connection,
        url_host: object.get("url").and_then(Value::as_str).and_then(url_host),
    }
}

/// `https://user:pw@host:443/path` → `host`.
fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host = if host_port.starts_with('[') {
        host_port.split(']').next().map(|h| format!("{h}]"))
    } else {
        host_port.split(':').next().map(String::from)
    };
    host.filter(|h| !h.is_empty() && h != "]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_host_drops_user_port_and_path() {
        assert_eq!(
            url_host("https://u:p@www.fxcorporate.com:443/Hosts.jsp").as_deref(),
            Some("www.fxcorporate.com")
        );
        assert_eq!(url_host("host.example/x").as_deref(), Some("host.example"));
        assert_eq!(url_host("").as_deref(), None);
    }

    #[test]
    fn the_qualifying_rule() {
        let obj = |s: &str| parse_object(s).unwrap();
        assert!(qualifies(&obj(r#"{"connection":"Demo"}"#)));
        assert!(qualifies(&obj(r#"{"url":"u","user_id":"1"}"#)));
        assert!(qualifies(&obj(r#"{"url":"u","password":"p"}"#)));
        assert!(!qualifies(&obj(r#"{"url":"u"}"#)));
        assert!(!qualifies(&obj(r#"{"name":"my-app","version":"1.0"}"#)));
        assert!(parse_object("[1]").is_err());
    }
}
