//! The environment a command gets, built from `[shell_environment_policy]`.

use codex_config::{EnvInherit, ShellEnvironmentPolicy};
use wildmatch::WildMatchPattern;

/// What `inherit = "core"` keeps.
pub const CORE_VARS: &[&str] = &[
    "HOME", "LOGNAME", "PATH", "SHELL", "USER", "USERNAME", "TMPDIR", "TEMP", "TMP",
];

type Pattern = WildMatchPattern<'*', '?'>;

fn patterns(globs: &[String]) -> Vec<Pattern> {
    globs
        .iter()
        .map(|g| Pattern::new_case_insensitive(g))
        .collect()
}

fn matches_any(patterns: &[Pattern], name: &str) -> bool {
    patterns.iter().any(|p| p.matches(name))
}

/// Whether the policy keeps `name` (with `value`) out of commands: the default rules (unless
/// `ignore_default_excludes`) or the user's `exclude` globs. Variables not inherited
/// (`inherit = "core"` or `"none"`) are not "excluded" by this test.
pub fn is_excluded(policy: &ShellEnvironmentPolicy, name: &str, value: &str) -> bool {
    (!policy.ignore_default_excludes && codex_secrets::is_secret_variable(name, value))
        || matches_any(&patterns(&policy.exclude), name)
}

/// Applies the policy to `parent` (the process environment) in the documented order:
/// inherit, default excludes, `exclude`, `set`, `include_only`.
pub fn create_env(
    policy: &ShellEnvironmentPolicy,
    parent: &[(String, String)],
) -> Vec<(String, String)> {
    let mut vars: Vec<(String, String)> = match policy.inherit {
        EnvInherit::All => parent.to_vec(),
        EnvInherit::None => Vec::new(),
        EnvInherit::Core => parent
            .iter()
            .filter(|(k, _)| CORE_VARS.contains(&k.as_str()))
            .cloned()
            .collect(),
    };
    // Credential-looking names and URLs with passwords (`codex_secrets` has the rules).
    if !policy.ignore_default_excludes {
        vars.retain(|(k, v)| !codex_secrets::is_secret_variable(k, v));
    }
    let exclude = patterns(&policy.exclude);
    vars.retain(|(k, _)| !matches_any(&exclude, k));
    for (k, v) in &policy.set {
        match vars.iter_mut().find(|(name, _)| name == k) {
            Some(slot) => slot.1 = v.clone(),
            None => vars.push((k.clone(), v.clone())),
        }
    }
    if !policy.include_only.is_empty() {
        let keep = patterns(&policy.include_only);
        vars.retain(|(k, _)| matches_any(&keep, k));
    }
    vars
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn parent() -> Vec<(String, String)> {
        [
            ("PATH", "/bin"),
            ("HOME", "/root"),
            ("OPENAI_API_KEY", "sk"),
            ("broker_secret", "s"),
            ("GITHUB_TOKEN", "t"),
            ("KEYBOARD", "us"),
            ("AWS_REGION", "eu"),
            ("LANG", "C"),
            ("BROKER_PASSWORD", "pw"),
            ("DB_PASS", "pw"),
            ("GITHUB_PAT", "p"),
            ("BROKER_PIN", "1"),
            ("JGT_CONFIG", "{}"),
            ("DATABASE_URL", "postgres://u:pw@db/x"),
            ("HTTP_URL", "https://example.com"),
            ("UPSTREAM", "https://user@host/x"),
            ("PASSENGER_COUNT", "3"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    fn names(vars: &[(String, String)]) -> Vec<&str> {
        vars.iter().map(|(k, _)| k.as_str()).collect()
    }

    #[test]
    fn default_policy_drops_credential_looking_names_case_insensitively() {
        let env = create_env(&ShellEnvironmentPolicy::default(), &parent());
        assert_eq!(
            names(&env),
            [
                "PATH",
                "HOME",
                "AWS_REGION",
                "LANG",
                "HTTP_URL",
                "UPSTREAM",
                "PASSENGER_COUNT"
            ]
        );
    }

    #[test]
    fn ignore_default_excludes_keeps_them() {
        let policy = ShellEnvironmentPolicy {
            ignore_default_excludes: true,
            ..Default::default()
        };
        assert_eq!(create_env(&policy, &parent()), parent());
        assert!(!is_excluded(&policy, "BROKER_PASSWORD", "pw"));
    }

    #[test]
    fn excluded_by_default_rules_or_globs() {
        let policy = ShellEnvironmentPolicy {
            exclude: vec!["AWS_*".into()],
            ..Default::default()
        };
        assert!(is_excluded(&policy, "BROKER_PASSWORD", "x"));
        assert!(is_excluded(&policy, "DATABASE_URL", "mysql://a:b@h"));
        assert!(is_excluded(&policy, "aws_region", "eu"));
        assert!(!is_excluded(&policy, "PASSENGER_COUNT", "3"));
    }

    #[test]
    fn core_keeps_only_the_core_names() {
        let policy = ShellEnvironmentPolicy {
            inherit: EnvInherit::Core,
            ..Default::default()
        };
        assert_eq!(names(&create_env(&policy, &parent())), ["PATH", "HOME"]);
    }

    #[test]
    fn none_then_set() {
        let policy = ShellEnvironmentPolicy {
            inherit: EnvInherit::None,
            set: BTreeMap::from([("CI".to_string(), "1".to_string())]),
            ..Default::default()
        };
        assert_eq!(create_env(&policy, &parent()), [("CI".into(), "1".into())]);
    }

    #[test]
    fn exclude_then_set_then_include_only() {
        let policy = ShellEnvironmentPolicy {
            exclude: vec!["aws_*".into(), "L?NG".into()],
            // `set` runs after the excludes, so a set value survives them...
            set: BTreeMap::from([
                ("AWS_PROFILE".to_string(), "p".to_string()),
                ("PATH".to_string(), "/usr/bin".to_string()),
                ("MY_TOKEN".to_string(), "explicit".to_string()),
            ]),
            // ...but include_only runs last and filters everything.
            include_only: vec!["PATH".into(), "AWS_*".into(), "*TOKEN".into()],
            ..Default::default()
        };
        let env = create_env(&policy, &parent());
        assert_eq!(
            env,
            [
                ("PATH".to_string(), "/usr/bin".to_string()),
                ("AWS_PROFILE".to_string(), "p".to_string()),
                ("MY_TOKEN".to_string(), "explicit".to_string()),
            ]
        );
    }

    #[test]
    fn question_mark_matches_one_character() {
        let policy = ShellEnvironmentPolicy {
            exclude: vec!["HO?E".into()],
            ..Default::default()
        };
        assert!(!names(&create_env(&policy, &parent())).contains(&"HOME"));
    }
}
