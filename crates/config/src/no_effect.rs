//! Keys this product parses but does not act on yet, and the warning for each one set.

use crate::layers::{Layered, Source};
use crate::load::Warnings;

/// Keys that are parsed, so that Codex CLI configs load unchanged, but that nothing in this
/// product reads yet. Each one the user sets earns a warning; wiring a key up means deleting its
/// line here. An entry naming a table covers every key inside it.
pub const NO_EFFECT_KEYS: &[&str] = &[
    "review_model",
    "model_reasoning_summary_format",
    "shell_environment_policy.experimental_use_profile",
    "features.unified_exec",
    "features.web_search_request",
    "features.ghost_commit",
    "features.enable_experimental_windows_sandbox",
    "features.tui2",
    "file_opener",
    "show_raw_agent_reasoning",
    "tool_output_token_limit",
    "tui",
    "check_for_update_on_startup",
    "chatgpt_base_url",
    "forced_login_method",
    "forced_chatgpt_workspace_id",
    "cli_auth_credentials_store",
    "mcp_oauth_credentials_store",
    "otel",
    "ghost_snapshot",
    "windows_wsl_setup_acknowledged",
    "notice",
    "disable_response_storage",
    "web_search",
    // Legacy switches for the features above.
    "experimental_use_exec_command_tool",
    "experimental_use_unified_exec_tool",
    "tools.web_search",
];

/// Warns once about each entry of [`NO_EFFECT_KEYS`] the user set (in the file, the active
/// profile, a `-c` override or a flag; built-in defaults do not count, nor unknown keys inside
/// a table, which have their own warning), naming where.
pub(crate) fn warn(effective: &Layered, warnings: &mut Warnings) {
    for entry in NO_EFFECT_KEYS {
        let prefix: Vec<&str> = entry.split('.').collect();
        let set_at = effective.sources.iter().find_map(|(path, source)| {
            let under = path.len() >= prefix.len()
                && path.iter().zip(&prefix).all(|(segment, p)| segment == p);
            let by_user = !matches!(source, Source::Default | Source::BuiltIn);
            (under && by_user && !warnings.is_unknown(path)).then_some(source)
        });
        if let Some(source) = set_at {
            warnings.push_keyed(
                &format!("no effect: {entry}"),
                format!(
                    "{entry} is accepted but has no effect yet ({})",
                    where_set(source)
                ),
            );
        }
    }
}

/// Where a value was set, as a warning names it.
fn where_set(source: &Source) -> String {
    match source {
        Source::File {
            path,
            position: Some((line, column)),
        } => format!("{}:{line}:{column}", path.display()),
        Source::File { path, .. } => path.display().to_string(),
        Source::Profile { name, from } => format!("profile `{name}`, {}", where_set(from)),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use crate::{LoadOptions, Loaded, load};

    use super::NO_EFFECT_KEYS;

    const SUFFIX: &str = " is accepted but has no effect yet";

    fn load_in(dir: &std::path::Path, file: &str, overrides: &[&str]) -> Loaded {
        std::fs::write(dir.join("config.toml"), file).unwrap();
        load(LoadOptions {
            codex_home: Some(dir.to_path_buf()),
            cwd: Some(dir.to_path_buf()),
            cli_overrides: overrides.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        })
        .unwrap()
    }

    fn about<'a>(loaded: &'a Loaded, key: &str) -> Vec<&'a String> {
        let start = format!("{key}{SUFFIX}");
        loaded
            .warnings
            .iter()
            .filter(|w| w.starts_with(&start))
            .collect()
    }

    #[test]
    fn defaults_and_keys_in_use_do_not_warn() {
        let dir = tempfile::tempdir().unwrap();
        // Several of these have built-in defaults (`file_opener`, `[tui]`, …); none is set here.
        let loaded = load_in(
            dir.path(),
            "model = \"o3\"\n[features]\nview_image_tool = false\nread_file = true\n\
             list_dir = false\ngrep_files = true\n[history]\nmax_bytes = 10\n",
            &["features.apply_patch_freeform=true"],
        );
        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    }

    #[test]
    fn a_key_set_in_the_file_warns_once_naming_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let loaded = load_in(
            dir.path(),
            "model = \"o3\"\nreview_model = \"o3\"\n[tui]\nanimations = false\nnotifications = true\n",
            &["review_model=o4-mini"],
        );
        let review = about(&loaded, "review_model");
        assert_eq!(review.len(), 1, "{:?}", loaded.warnings);
        // The override is merged over the file; the warning names where the value now comes from.
        assert!(
            review[0].ends_with("(-c review_model=o4-mini)"),
            "{review:?}"
        );
        let tui = about(&loaded, "tui");
        assert_eq!(tui.len(), 1, "{:?}", loaded.warnings);
        assert!(tui[0].contains("config.toml:4:1)"), "{tui:?}");
        assert_eq!(loaded.warnings.len(), 2, "{:?}", loaded.warnings);
    }

    #[test]
    fn a_key_in_the_active_profile_names_the_profile() {
        let dir = tempfile::tempdir().unwrap();
        let file = "profile = \"fast\"\n[profiles.fast]\nshow_raw_agent_reasoning = true\n\
                    [profiles.slow]\nfile_opener = \"cursor\"\n";
        let loaded = load_in(dir.path(), file, &[]);
        let raw = about(&loaded, "show_raw_agent_reasoning");
        assert_eq!(raw.len(), 1, "{:?}", loaded.warnings);
        assert!(raw[0].contains("(profile `fast`, "), "{raw:?}");
        assert!(raw[0].contains("config.toml:3:1)"), "{raw:?}");
        // An inactive profile changes nothing, so it is not warned about.
        assert!(
            about(&loaded, "file_opener").is_empty(),
            "{:?}",
            loaded.warnings
        );
    }

    #[test]
    fn an_unknown_key_inside_a_table_is_only_unknown() {
        let dir = tempfile::tempdir().unwrap();
        let file = "profile = \"p\"\n[tui]\nanimatoins = false\n[profiles.p.tui]\nanimatons = 1\n";
        let loaded = load_in(dir.path(), file, &["tui.animatins=false"]);
        assert!(about(&loaded, "tui").is_empty(), "{:?}", loaded.warnings);
        assert_eq!(loaded.warnings.len(), 3, "{:?}", loaded.warnings);
        let loaded = load_in(dir.path(), file, &["tui.animations=false"]);
        assert_eq!(about(&loaded, "tui").len(), 1, "{:?}", loaded.warnings);
    }

    #[test]
    fn features_warn_one_by_one() {
        let dir = tempfile::tempdir().unwrap();
        let loaded = load_in(
            dir.path(),
            "[features]\nunified_exec = true\nview_image_tool = true\ntui2 = false\n",
            &[],
        );
        assert_eq!(about(&loaded, "features.unified_exec").len(), 1);
        assert_eq!(about(&loaded, "features.tui2").len(), 1);
        assert_eq!(loaded.warnings.len(), 2, "{:?}", loaded.warnings);
    }

    /// Every entry is a key the schema accepts (a typo would be an unknown key instead) and
    /// warns when set. A value for each; an entry wired up and removed from the list is skipped.
    #[test]
    fn every_entry_is_a_known_key_that_warns() {
        let samples = [
            "review_model=\"o3\"",
            "model_reasoning_summary_format=\"experimental\"",
            "shell_environment_policy.experimental_use_profile=true",
            "features.unified_exec=true",
            "features.web_search_request=true",
            "features.ghost_commit=true",
            "features.enable_experimental_windows_sandbox=true",
            "features.tui2=true",
            "file_opener=\"cursor\"",
            "show_raw_agent_reasoning=true",
            "tool_output_token_limit=100",
            "tui.animations=false",
            "check_for_update_on_startup=false",
            "chatgpt_base_url=\"https://chatgpt.com/backend-api/\"",
            "forced_login_method=\"api\"",
            "forced_chatgpt_workspace_id=\"w\"",
            "cli_auth_credentials_store=\"file\"",
            "mcp_oauth_credentials_store=\"auto\"",
            "otel.environment=\"prod\"",
            "ghost_snapshot.ignore_large_untracked_files=1",
            "windows_wsl_setup_acknowledged=true",
            "notice.hide_full_access_warning=true",
            "disable_response_storage=true",
            "web_search=\"live\"",
            "experimental_use_exec_command_tool=true",
            "experimental_use_unified_exec_tool=true",
            "tools.web_search=true",
        ];
        let covers = |entry: &str, sample: &str| {
            let key = sample.split('=').next().unwrap_or_default();
            key == entry || key.starts_with(&format!("{entry}."))
        };
        for entry in NO_EFFECT_KEYS {
            assert!(
                samples.iter().any(|s| covers(entry, s)),
                "add a sample value for {entry}"
            );
        }
        let dir = tempfile::tempdir().unwrap();
        for sample in samples {
            let Some(entry) = NO_EFFECT_KEYS.iter().find(|e| covers(e, sample)) else {
                continue;
            };
            let loaded = load_in(dir.path(), "", &[sample]);
            assert!(
                !loaded.warnings.iter().any(|w| w.contains("unknown")),
                "{sample}: {:?}",
                loaded.warnings
            );
            assert_eq!(
                about(&loaded, entry),
                [&format!("{entry}{SUFFIX} (-c {sample})")],
                "{:?}",
                loaded.warnings
            );
        }
    }
}
