//! The built-in `trading-secure` profile, and the live guard that applies it when the JGT broker
//! config in effect trades real money.
//!
//! The guard merges the profile (the user's own `[profiles.trading-secure]` when defined, else
//! the built-in one) above everything else, flags included, except where what was chosen is
//! already stricter: a `read-only` sandbox stays read-only, `inherit = "none"` stays, an
//! `untrusted` approval policy stays, network access stays off, and the excluded variables are
//! the union of both lists.

use crate::layers::{Layered, Source};

pub const TRADING_SECURE: &str = "trading-secure";

const TRADING_SECURE_TOML: &str = r#"
approval_policy = "untrusted"
sandbox_mode = "workspace-write"

[sandbox_workspace_write]
network_access = false

[shell_environment_policy]
inherit = "core"
exclude = ["*TOKEN*", "*KEY*", "*SECRET*", "BROKER_*", "TRADING_*", "API_*"]
set = { JGT_TRADING_MODE = "sandbox" }
"#;

/// The built-in `trading-secure` profile table.
pub(crate) fn built_in() -> toml::Table {
    // A constant checked by the tests below: it always parses.
    TRADING_SECURE_TOML.parse().unwrap_or_default()
}

fn key(path: &str) -> Vec<String> {
    path.split('.').map(String::from).collect()
}

fn rank(value: Option<&toml::Value>, order: &[&str]) -> Option<usize> {
    let s = value?.as_str()?;
    order.iter().position(|o| *o == s)
}

/// Merges `guard` into `effective` above everything, keeping what is already stricter.
/// `from` names where the guard's table came from (built-in, or the user's profile).
pub(crate) fn apply_live_guard(
    effective: &mut Layered,
    mut guard: toml::Table,
    from: &dyn Fn(&[String]) -> Source,
) {
    // Strictest first.
    let stricter = [
        (
            "sandbox_mode",
            &["read-only", "workspace-write", "danger-full-access"][..],
        ),
        (
            "approval_policy",
            &["untrusted", "on-request", "on-failure", "never"][..],
        ),
        (
            "shell_environment_policy.inherit",
            &["none", "core", "all"][..],
        ),
    ];
    for (path, order) in stricter {
        let path = key(path);
        let chosen = rank(effective.get(&path), order);
        let guarded = rank(get(&guard, &path), order);
        if let (Some(chosen), Some(guarded)) = (chosen, guarded)
            && chosen < guarded
        {
            remove(&mut guard, &path);
        }
    }
    // Off is stricter for both.
    for path in [
        "sandbox_workspace_write.network_access",
        "shell_environment_policy.ignore_default_excludes",
    ] {
        let path = key(path);
        let off = Some(&toml::Value::Boolean(false));
        if effective.get(&path) == off && get(&guard, &path) != off {
            remove(&mut guard, &path);
        }
    }
    let exclude = key("shell_environment_policy.exclude");
    if let (Some(toml::Value::Array(chosen)), Some(toml::Value::Array(guarded))) =
        (effective.get(&exclude), get(&guard, &exclude))
    {
        let mut union = guarded.clone();
        for v in chosen {
            if !union.contains(v) {
                union.push(v.clone());
            }
        }
        set(&mut guard, &exclude, toml::Value::Array(union));
    }
    effective.merge(&guard, &mut |path| Source::LiveGuard(Box::new(from(path))));
}

fn get<'a>(table: &'a toml::Table, path: &[String]) -> Option<&'a toml::Value> {
    let (last, parents) = path.split_last()?;
    let mut t = table;
    for p in parents {
        t = t.get(p)?.as_table()?;
    }
    t.get(last)
}

fn remove(table: &mut toml::Table, path: &[String]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut t = table;
    for p in parents {
        match t.get_mut(p).and_then(toml::Value::as_table_mut) {
            Some(inner) => t = inner,
            None => return,
        }
    }
    t.remove(last);
}

fn set(table: &mut toml::Table, path: &[String], value: toml::Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut t = table;
    for p in parents {
        match t.get_mut(p).and_then(toml::Value::as_table_mut) {
            Some(inner) => t = inner,
            None => return,
        }
    }
    t.insert(last.clone(), value);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_profile_parses() {
        let t: toml::Table = TRADING_SECURE_TOML.parse().unwrap();
        assert_eq!(t, built_in());
        assert_eq!(
            get(&t, &key("shell_environment_policy.set.JGT_TRADING_MODE")),
            Some(&toml::Value::String("sandbox".into()))
        );
    }

    #[test]
    fn stricter_choices_are_kept_and_excludes_united() {
        let mut effective = Layered::default();
        let chosen: toml::Table = r#"
            sandbox_mode = "read-only"
            approval_policy = "never"
            [shell_environment_policy]
            inherit = "none"
            exclude = ["MY_*"]
        "#
        .parse()
        .unwrap();
        effective.merge(&chosen, &mut |_| Source::Default);
        apply_live_guard(&mut effective, built_in(), &|_| Source::BuiltIn);
        let s = |p: &str| effective.get(&key(p)).cloned();
        assert_eq!(s("sandbox_mode"), Some("read-only".into()));
        assert_eq!(s("approval_policy"), Some("untrusted".into()));
        assert_eq!(s("shell_environment_policy.inherit"), Some("none".into()));
        let excl = s("shell_environment_policy.exclude").unwrap();
        let excl = excl.as_array().unwrap();
        assert!(excl.contains(&"MY_*".into()) && excl.contains(&"BROKER_*".into()));
        assert_eq!(
            effective
                .source(&key("approval_policy"))
                .map(|s| s.to_string()),
            Some("jgt live guard (built-in)".into())
        );
        assert_eq!(
            effective.source(&key("sandbox_mode")),
            Some(&Source::Default)
        );
    }
}
