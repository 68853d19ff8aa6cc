//! The environment a stdio server starts with: a few variables every program needs, then the
//! ones its config names (`env_vars`, taken from ours), then its `env`. Nothing else of ours —
//! API keys, broker credentials, tokens — reaches a server unless the config names it: even a
//! base variable is left out when it looks like a secret by the default rules
//! ([`codex_secrets::is_secret_variable`], e.g. a URL with a password in it).

use std::collections::BTreeMap;

/// What every stdio server gets from our environment, when set.
#[cfg(not(windows))]
pub const BASE_VARS: &[&str] = &[
    "HOME", "LOGNAME", "PATH", "SHELL", "USER", "LANG", "LC_ALL", "TERM", "TMPDIR", "TZ",
];

/// What every stdio server gets from our environment, when set (Windows programs also need
/// their system and profile directories to start at all).
#[cfg(windows)]
pub const BASE_VARS: &[&str] = &[
    "PATH",
    "PATHEXT",
    "SYSTEMROOT",
    "SYSTEMDRIVE",
    "WINDIR",
    "COMSPEC",
    "USERNAME",
    "USERDOMAIN",
    "USERPROFILE",
    "HOMEDRIVE",
    "HOMEPATH",
    "APPDATA",
    "LOCALAPPDATA",
    "PROGRAMDATA",
    "PROGRAMFILES",
    "TEMP",
    "TMP",
];

/// `parent` is our environment; `env_vars` and `env` come from the server's config.
pub fn server_env(
    parent: &[(String, String)],
    env_vars: &[String],
    env: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (name, value) in parent {
        // Windows variable names are case-insensitive (`Path`, `SystemRoot`).
        let base = if cfg!(windows) {
            BASE_VARS.iter().any(|b| b.eq_ignore_ascii_case(name))
        } else {
            BASE_VARS.contains(&name.as_str())
        };
        let named = env_vars.iter().any(|v| v == name);
        if named || (base && !codex_secrets::is_secret_variable(name, value)) {
            out.insert(name.clone(), value.clone());
        }
    }
    for (name, value) in env {
        out.insert(name.clone(), value.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(not(windows))]
    fn only_base_and_named_variables_pass() {
        let parent: Vec<(String, String)> = [
            ("PATH", "/bin"),
            ("HOME", "/home/u"),
            ("OPENAI_API_KEY", "sk-secret"),
            ("BROKER_PASSWORD", "hunter2"),
            ("MEMORY_FILE", "/tmp/m.json"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let env = BTreeMap::from([("DEBUG".to_string(), "1".to_string())]);
        let out = server_env(&parent, &["MEMORY_FILE".to_string()], &env);
        assert_eq!(
            out.keys().map(String::as_str).collect::<Vec<_>>(),
            ["DEBUG", "HOME", "MEMORY_FILE", "PATH"]
        );
    }

    #[test]
    #[cfg(not(windows))]
    fn base_variables_that_hold_secrets_stay_out_unless_named() {
        let parent: Vec<(String, String)> = [
            ("PATH", "/bin"),
            ("TERM", "postgres://u:pw@db/x"),
            ("BROKER_PASSWORD", "hunter2"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let out = server_env(&parent, &[], &BTreeMap::new());
        assert_eq!(out.keys().collect::<Vec<_>>(), ["PATH"]);
        // Named by the server's config: passed as asked.
        let out = server_env(&parent, &["BROKER_PASSWORD".into()], &BTreeMap::new());
        assert_eq!(out["BROKER_PASSWORD"], "hunter2");
    }
}
