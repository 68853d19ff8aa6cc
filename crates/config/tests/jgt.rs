#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The JGT bridge: finding the broker config, its secrets, deny-read, the `trading-secure`
//! profile and the live guard.

use std::path::{Path, PathBuf};

use codex_config::{
    CandidateStatus, ConfigError, EnvInherit, FlagOverrides, JgtSource, LoadOptions, Loaded, load,
    show_entries,
};
use codex_protocol::{AskForApproval, SandboxPolicy};

const REAL: &str = r#"{"user_id":"U-REAL-1","password":"pw-real-MARKER","url":"https://u:x@fx.example:443/Hosts","connection":"Real","pin":"4321-pin"}"#;
const DEMO: &str = r#"{"user_id_demo":"U-DEMO","password_demo":"pw-demo-MARKER","url":"https://demo.example/x","connection":"Demo"}"#;

/// A CODEX_HOME, a HOME, a work directory and an `/etc/jgt` stand-in, all temporary.
struct Machine {
    _dir: tempfile::TempDir,
    codex_home: PathBuf,
    home: PathBuf,
    cwd: PathBuf,
    etc: PathBuf,
    env: Vec<(String, String)>,
}

impl Machine {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let m = Machine {
            codex_home: root.join("codex"),
            home: root.join("home"),
            cwd: root.join("work"),
            etc: root.join("etc-jgt"),
            env: Vec::new(),
            _dir: dir,
        };
        for d in [&m.codex_home, &m.home, &m.cwd, &m.etc] {
            std::fs::create_dir_all(d).unwrap();
        }
        m
    }

    fn write(&self, path: &Path, text: &str) -> PathBuf {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        path.to_path_buf()
    }

    fn config(&self, text: &str) {
        self.write(&self.codex_home.join("config.toml"), text);
    }

    fn var(mut self, k: &str, v: &str) -> Self {
        self.env.push((k.into(), v.into()));
        self
    }

    fn options(&self, overrides: &[&str], flags: FlagOverrides) -> LoadOptions {
        let mut env = self.env.clone();
        env.push(("HOME".into(), self.home.to_string_lossy().into_owned()));
        LoadOptions {
            codex_home: Some(self.codex_home.clone()),
            cwd: Some(self.cwd.clone()),
            cli_overrides: overrides.iter().map(|s| s.to_string()).collect(),
            flags,
            env,
            jgt_etc_dir: Some(self.etc.clone()),
            ..Default::default()
        }
    }

    fn try_load(&self, overrides: &[&str], flags: FlagOverrides) -> Result<Loaded, ConfigError> {
        load(self.options(overrides, flags))
    }

    fn load_with(&self, overrides: &[&str], flags: FlagOverrides) -> Loaded {
        self.try_load(overrides, flags).unwrap()
    }

    fn load(&self) -> Loaded {
        self.load_with(&[], FlagOverrides::default())
    }
}

fn source_of(loaded: &Loaded, key: &str) -> String {
    show_entries(&loaded.effective)
        .into_iter()
        .find(|(k, _, _)| k == key)
        .map(|(_, _, s)| s.to_string())
        .unwrap_or_else(|| panic!("{key} not shown"))
}

fn found(loaded: &Loaded) -> (JgtSource, bool) {
    let f = loaded.config.jgt.found.clone().expect("a JGT config");
    (f.source, f.live)
}

#[test]
fn nothing_found_on_a_clean_machine() {
    let m = Machine::new();
    let loaded = m.load();
    assert_eq!(loaded.config.jgt.found, None);
    assert!(loaded.config.jgt.candidates.is_empty());
    assert!(loaded.config.jgt.secrets().is_empty());
    assert!(!loaded.config.jgt.live_guard_applied);
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
}

#[test]
fn cwd_config_json_counts_only_when_it_qualifies() {
    let m = Machine::new();
    let unrelated = m.write(&m.cwd.join("config.json"), r#"{"name":"app","port":8080}"#);
    let loaded = m.load();
    assert_eq!(loaded.config.jgt.found, None);
    assert_eq!(
        loaded.config.jgt.candidates[0].status,
        CandidateStatus::NotJgt
    );
    assert!(!loaded.config.deny_read.contains(&unrelated));
    // Not JSON at all: an unrelated file, no warning.
    m.write(&unrelated, "port: 8080\n");
    let loaded = m.load();
    assert_eq!(loaded.config.jgt.found, None);
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);

    for (text, live) in [(REAL, true), (DEMO, false)] {
        let path = m.write(&m.cwd.join("config.json"), text);
        let loaded = m.load();
        assert_eq!(found(&loaded), (JgtSource::Cwd(path.clone()), live));
        assert!(loaded.config.deny_read.contains(&path));
    }
    // `url` with a user id qualifies without `connection`.
    m.write(&m.cwd.join("config.json"), r#"{"url":"h","user_id":"1"}"#);
    assert!(!found(&m.load()).1);
}

#[test]
fn home_config_json_when_cwd_has_none() {
    let m = Machine::new();
    for (text, live) in [(REAL, true), (DEMO, false)] {
        let path = m.write(&m.home.join("config.json"), text);
        let loaded = m.load();
        assert_eq!(found(&loaded), (JgtSource::Home(path.clone()), live));
        assert!(loaded.config.deny_read.contains(&path));
    }
}

#[test]
fn environment_variables_in_order() {
    for (text, live) in [(REAL, true), (DEMO, false)] {
        let m = Machine::new().var("JGT_CONFIG_JSON_SECRET", text);
        let (source, l) = found(&m.load());
        assert_eq!(
            source,
            JgtSource::EnvSecretJson("JGT_CONFIG_JSON_SECRET".into())
        );
        assert_eq!(l, live);

        let m = Machine::new().var("JGT_CONFIG", text);
        assert_eq!(
            found(&m.load()),
            (JgtSource::EnvJson("JGT_CONFIG".into()), live)
        );

        let m = Machine::new();
        let path = m.write(&m.home.join("elsewhere/broker.json"), text);
        let m = m.var("JGT_CONFIG_PATH", path.to_str().unwrap());
        let loaded = m.load();
        assert_eq!(found(&loaded), (JgtSource::EnvPath(path.clone()), live));
        assert!(loaded.config.deny_read.contains(&path));
    }
    // JGT_CONFIG is read instead of JGT_CONFIG_PATH; the path's file is still denied and its
    // secrets still known.
    let m = Machine::new();
    let path = m.write(&m.home.join("b.json"), REAL);
    let m = m
        .var("JGT_CONFIG", DEMO)
        .var("JGT_CONFIG_PATH", path.to_str().unwrap());
    let loaded = m.load();
    assert_eq!(
        found(&loaded),
        (JgtSource::EnvJson("JGT_CONFIG".into()), false)
    );
    assert!(loaded.config.deny_read.contains(&path));
    let values: Vec<String> = loaded
        .config
        .jgt
        .secrets()
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    assert!(values.contains(&"pw-real-MARKER".to_string()), "{values:?}");
}

#[test]
fn jgt_home_and_etc_files() {
    for (text, live) in [(REAL, true), (DEMO, false)] {
        let m = Machine::new();
        let path = m.write(&m.home.join(".jgt/config.json"), text);
        let loaded = m.load();
        assert_eq!(found(&loaded), (JgtSource::JgtHome(path.clone()), live));
        assert!(loaded.config.deny_read.contains(&path));

        let m = Machine::new();
        let path = m.write(&m.etc.join("config.json"), text);
        let loaded = m.load();
        assert_eq!(found(&loaded), (JgtSource::Etc(path.clone()), live));
        assert!(loaded.config.deny_read.contains(&path));
    }
    // Only the demo file: demo mode reads it.
    let m = Machine::new();
    let path = m.write(&m.home.join(".jgt/config_demo.json"), DEMO);
    assert_eq!(found(&m.load()), (JgtSource::JgtHome(path), false));
}

#[test]
fn first_match_wins_in_jgtcores_order() {
    let m = Machine::new();
    let etc = m.write(&m.etc.join("config.json"), DEMO);
    let jgt_home = m.write(&m.home.join(".jgt/config.json"), DEMO);
    let demo = m.write(&m.home.join(".jgt/config_demo.json"), DEMO);
    let path_file = m.write(&m.home.join("p.json"), DEMO);
    let m = m.var("JGT_CONFIG_PATH", path_file.to_str().unwrap());
    assert_eq!(found(&m.load()).0, JgtSource::EnvPath(path_file.clone()));
    let m = m.var("JGT_CONFIG", DEMO);
    assert_eq!(found(&m.load()).0, JgtSource::EnvJson("JGT_CONFIG".into()));
    let m = m.var("JGT_CONFIG_JSON_SECRET", DEMO);
    assert_eq!(
        found(&m.load()).0,
        JgtSource::EnvSecretJson("JGT_CONFIG_JSON_SECRET".into())
    );
    let home = m.write(&m.home.join("config.json"), DEMO);
    assert_eq!(found(&m.load()).0, JgtSource::Home(home.clone()));
    let cwd = m.write(&m.cwd.join("config.json"), REAL);
    let loaded = m.load();
    assert_eq!(found(&loaded), (JgtSource::Cwd(cwd.clone()), true));
    // Every file is listed, exactly one is in effect, all are denied.
    let jgt = &loaded.config.jgt;
    assert_eq!(jgt.candidates.iter().filter(|c| c.in_effect).count(), 1);
    for p in [&etc, &jgt_home, &demo, &path_file, &home, &cwd] {
        assert!(loaded.config.deny_read.contains(p), "{}", p.display());
        assert!(jgt.candidates.iter().any(|c| c.path.as_ref() == Some(p)));
    }
}

#[test]
fn malformed_configs_warn_without_content_and_are_skipped_but_denied() {
    let m = Machine::new();
    let bad = m.write(
        &m.home.join(".jgt/config.json"),
        r#"{"password": "leaky-MARKER", "#,
    );
    m.write(&m.etc.join("config.json"), DEMO);
    let m = m.var("JGT_CONFIG", "not json leaky-MARKER2");
    let loaded = m.load();
    assert_eq!(found(&loaded).0, JgtSource::Etc(m.etc.join("config.json")));
    assert!(loaded.config.deny_read.contains(&bad));
    let all = loaded.warnings.join("\n");
    assert!(all.contains(&bad.display().to_string()), "{all}");
    assert!(all.contains("JGT_CONFIG"), "{all}");
    assert!(!all.contains("MARKER"), "{all}");
    assert!(matches!(
        loaded
            .config
            .jgt
            .candidates
            .iter()
            .find(|c| c.path.as_ref() == Some(&bad))
            .unwrap()
            .status,
        CandidateStatus::Malformed(_)
    ));
}

#[test]
fn secrets_from_every_file_and_debug_shows_none() {
    let m = Machine::new();
    m.write(&m.home.join(".jgt/config.json"), REAL);
    m.write(&m.home.join(".jgt/config_demo.json"), DEMO);
    m.write(
        &m.home.join(".jgt/config_old.json"),
        r#"{"password":"pw-old-MARKER","password_demo":"","pin":1234}"#,
    );
    let loaded = m.load();
    let secrets = loaded.config.jgt.secrets();
    assert_eq!(
        secrets,
        vec![
            ("jgt.password".to_string(), "pw-real-MARKER".to_string()),
            ("jgt.pin".to_string(), "4321-pin".to_string()),
            (
                "jgt.password_demo".to_string(),
                "pw-demo-MARKER".to_string()
            ),
            ("jgt.password".to_string(), "pw-old-MARKER".to_string()),
            ("jgt.pin".to_string(), "1234".to_string()),
        ]
    );
    let debug = format!("{:?}", loaded.config);
    assert!(!debug.contains("MARKER"), "secret in Debug");
    assert!(!debug.contains("4321-pin"), "pin in Debug");
    assert!(debug.contains("redacted"));
    // Account ids and the url's user are not kept either.
    assert!(!debug.contains("U-REAL-1"));
    assert_eq!(
        loaded
            .config
            .jgt
            .found
            .as_ref()
            .unwrap()
            .url_host
            .as_deref(),
        Some("fx.example")
    );
}

#[test]
fn ignore_default_deny_read_drops_the_jgt_files_too() {
    let m = Machine::new();
    let a = m.write(&m.home.join(".jgt/config.json"), DEMO);
    let b = m.write(&m.cwd.join("config.json"), DEMO);
    let loaded = m.load();
    assert!(loaded.config.deny_read.contains(&a) && loaded.config.deny_read.contains(&b));
    m.config("[sandbox]\nignore_default_deny_read = true\n");
    let loaded = m.load();
    assert!(!loaded.config.deny_read.contains(&a) && !loaded.config.deny_read.contains(&b));
}

fn assert_trading_secure(loaded: &Loaded) {
    let c = &loaded.config;
    assert_eq!(c.approval_policy, AskForApproval::Untrusted);
    match &c.sandbox_policy {
        SandboxPolicy::WorkspaceWrite { network_access, .. } => assert!(!network_access),
        other => panic!("expected workspace-write, got {other:?}"),
    }
    let env = &c.shell_environment_policy;
    assert_eq!(env.inherit, EnvInherit::Core);
    for pattern in [
        "*TOKEN*",
        "*KEY*",
        "*SECRET*",
        "BROKER_*",
        "TRADING_*",
        "API_*",
    ] {
        assert!(env.exclude.contains(&pattern.to_string()), "{pattern}");
    }
    assert_eq!(
        env.set.get("JGT_TRADING_MODE").map(String::as_str),
        Some("sandbox")
    );
}

#[test]
fn trading_secure_is_built_in() {
    let m = Machine::new();
    let flags = FlagOverrides {
        profile: Some("trading-secure".into()),
        ..Default::default()
    };
    let loaded = m.load_with(&[], flags);
    assert_trading_secure(&loaded);
    assert_eq!(
        loaded.config.active_profile.as_deref(),
        Some("trading-secure")
    );
    assert_eq!(
        source_of(&loaded, "approval_policy"),
        "profile trading-secure (built-in)"
    );
    // Chosen in the file too.
    m.config("profile = \"trading-secure\"\n");
    assert_trading_secure(&m.load());
    // Another missing profile's error names it.
    let e = m
        .try_load(
            &[],
            FlagOverrides {
                profile: Some("nope".into()),
                ..Default::default()
            },
        )
        .unwrap_err()
        .to_string();
    assert!(e.contains("trading-secure"), "{e}");
}

#[test]
fn the_users_trading_secure_replaces_the_built_in_entirely() {
    let m = Machine::new();
    m.config("profile = \"trading-secure\"\n[profiles.trading-secure]\nmodel = \"o3\"\n");
    let loaded = m.load();
    assert_eq!(loaded.config.model, "o3");
    // Nothing of the built-in one: the defaults stay.
    assert_eq!(loaded.config.approval_policy, AskForApproval::OnRequest);
    assert_eq!(loaded.config.sandbox_policy, SandboxPolicy::ReadOnly);
    assert_eq!(
        loaded.config.shell_environment_policy.inherit,
        EnvInherit::All
    );
}

fn yolo() -> FlagOverrides {
    let mut flags = FlagOverrides::default();
    let flag = "--dangerously-bypass-approvals-and-sandbox";
    flags.set(flag, "approval_policy", "never");
    flags.set(flag, "sandbox_mode", "danger-full-access");
    flags
}

#[test]
fn live_guard_wins_over_danger_full_access_and_never() {
    let m = Machine::new();
    m.write(&m.home.join(".jgt/config.json"), REAL);
    m.config("[shell_environment_policy]\ninherit = \"all\"\nexclude = [\"MINE_*\"]\n");
    let loaded = m.load_with(&[], yolo());
    assert_trading_secure(&loaded);
    assert!(loaded.config.jgt.live_guard_applied);
    assert!(
        loaded
            .config
            .shell_environment_policy
            .exclude
            .contains(&"MINE_*".to_string())
    );
    assert_eq!(
        source_of(&loaded, "sandbox_mode"),
        "jgt live guard (profile trading-secure (built-in))"
    );
    // -s danger-full-access / -c approval_policy too.
    let mut flags = FlagOverrides::default();
    flags.set("--sandbox", "sandbox_mode", "danger-full-access");
    let loaded = m.load_with(&["approval_policy=\"never\""], flags);
    assert_trading_secure(&loaded);
}

#[test]
fn a_demo_config_does_not_trigger_the_guard() {
    let m = Machine::new();
    m.write(&m.home.join(".jgt/config.json"), DEMO);
    let loaded = m.load_with(&[], yolo());
    assert!(!loaded.config.jgt.live_guard_applied);
    assert_eq!(
        loaded.config.sandbox_policy,
        SandboxPolicy::DangerFullAccess
    );
}

#[test]
fn live_guard_off_by_file_or_override() {
    let m = Machine::new();
    m.write(&m.home.join(".jgt/config.json"), REAL);
    let loaded = m.load_with(&["jgt.live_guard=false"], yolo());
    assert!(!loaded.config.jgt.live_guard_applied);
    assert_eq!(
        loaded.config.sandbox_policy,
        SandboxPolicy::DangerFullAccess
    );
    assert_eq!(
        loaded.config.jgt.live_guard_off_by.as_deref(),
        Some("-c jgt.live_guard=false")
    );

    m.config("[jgt]\nlive_guard = false\n");
    let loaded = m.load_with(&[], yolo());
    assert!(!loaded.config.jgt.live_guard_applied);
    assert_eq!(loaded.config.approval_policy, AskForApproval::Never);
    assert!(
        loaded
            .config
            .jgt
            .live_guard_off_by
            .as_deref()
            .unwrap()
            .starts_with("file ")
    );
    // `true` (or unset) keeps it on.
    let loaded = m.load_with(&["jgt.live_guard=true"], yolo());
    assert!(loaded.config.jgt.live_guard_applied);
}

#[test]
fn live_guard_keeps_a_stricter_read_only_sandbox() {
    let m = Machine::new();
    m.write(&m.cwd.join("config.json"), REAL);
    let mut flags = FlagOverrides::default();
    flags.set("--sandbox", "sandbox_mode", "read-only");
    let loaded = m.load_with(&[], flags);
    assert!(loaded.config.jgt.live_guard_applied);
    assert_eq!(loaded.config.sandbox_policy, SandboxPolicy::ReadOnly);
    assert_eq!(loaded.config.approval_policy, AskForApproval::Untrusted);
    assert_eq!(source_of(&loaded, "sandbox_mode"), "flag --sandbox");
}

#[test]
fn live_guard_uses_the_users_trading_secure() {
    let m = Machine::new();
    m.write(&m.home.join(".jgt/config.json"), REAL);
    m.config(
        "[profiles.trading-secure]\napproval_policy = \"on-request\"\nsandbox_mode = \"workspace-write\"\n",
    );
    let loaded = m.load_with(&[], yolo());
    assert!(loaded.config.jgt.live_guard_applied);
    assert_eq!(loaded.config.approval_policy, AskForApproval::OnRequest);
    assert!(matches!(
        loaded.config.sandbox_policy,
        SandboxPolicy::WorkspaceWrite { .. }
    ));
    assert!(
        source_of(&loaded, "approval_policy")
            .starts_with("jgt live guard (profile trading-secure (file ")
    );
}
