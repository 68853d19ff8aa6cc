//! Changes the program itself makes to `config.toml`: recording whether a project folder is
//! trusted, and adding or removing MCP servers (`codex mcp add|remove`). The file is edited in place with `toml_edit`, so the user's comments, order and
//! formatting stay, and replaced atomically (a new file renamed over the old one, with the old
//! one's permissions), so a crash leaves the old file or the new one, never half of one.

use std::io::Write;
use std::path::Path;

use toml_edit::{DocumentMut, Item, Table, value};

use crate::file::{MAX_CONFIG_FILE_BYTES, read_text_file};
use crate::tables::TrustLevel;

fn level_name(level: TrustLevel) -> &'static str {
    match level {
        TrustLevel::Trusted => "trusted",
        TrustLevel::Untrusted => "untrusted",
    }
}

/// What `[projects."<project>"] trust_level` says, if the file says anything about it.
pub fn project_trust(config_path: &Path, project: &Path) -> Result<Option<TrustLevel>, String> {
    let text = match read_text_file(config_path, MAX_CONFIG_FILE_BYTES) {
        Ok(text) => text,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    let doc: DocumentMut = text
        .parse()
        .map_err(|e| format!("{}: {e}", config_path.display()))?;
    let key = project.to_string_lossy();
    let level = doc
        .get("projects")
        .and_then(|p| p.get(key.as_ref()))
        .and_then(|p| p.get("trust_level"))
        .and_then(|t| t.as_str());
    Ok(match level {
        Some("trusted") => Some(TrustLevel::Trusted),
        Some("untrusted") => Some(TrustLevel::Untrusted),
        _ => None,
    })
}

/// Sets `[projects."<project>"] trust_level` in `config_path`, creating the file (mode 0600)
/// and its directory when needed.
pub fn set_project_trust(
    config_path: &Path,
    project: &Path,
    level: TrustLevel,
) -> Result<(), String> {
    edit_file(config_path, |doc| {
        let what = config_path.display();
        let projects = doc
            .entry("projects")
            .or_insert_with(|| {
                let mut table = Table::new();
                table.set_implicit(true);
                Item::Table(table)
            })
            .as_table_like_mut()
            .ok_or_else(|| format!("{what}: `projects` is not a table"))?;
        let key = project.to_string_lossy().into_owned();
        let entry = projects
            .entry(&key)
            .or_insert_with(|| Item::Table(Table::new()))
            .as_table_like_mut()
            .ok_or_else(|| format!("{what}: `projects.\"{key}\"` is not a table"))?;
        entry.insert("trust_level", value(level_name(level)));
        Ok(())
    })
}

/// A new `[mcp_servers.<name>]` entry, as `codex mcp add` takes it.
#[derive(Debug, Clone, PartialEq)]
pub enum NewMcpServer {
    Stdio {
        command: String,
        args: Vec<String>,
        env: Vec<(String, String)>,
    },
    Http {
        url: String,
        bearer_token_env_var: Option<String>,
    },
}

/// Adds (or replaces) `[mcp_servers.<name>]`; the rest of the file is left as it was.
pub fn add_mcp_server(config_path: &Path, name: &str, server: &NewMcpServer) -> Result<(), String> {
    edit_file(config_path, |doc| {
        let servers = mcp_servers_table(doc, config_path)?;
        let mut table = Table::new();
        match server {
            NewMcpServer::Stdio { command, args, env } => {
                table.insert("command", value(command.as_str()));
                if !args.is_empty() {
                    let list: toml_edit::Array = args.iter().map(String::as_str).collect();
                    table.insert("args", value(list));
                }
                if !env.is_empty() {
                    let mut vars = Table::new();
                    for (k, v) in env {
                        vars.insert(k, value(v.as_str()));
                    }
                    table.insert("env", Item::Table(vars));
                }
            }
            NewMcpServer::Http {
                url,
                bearer_token_env_var,
            } => {
                table.insert("url", value(url.as_str()));
                if let Some(var) = bearer_token_env_var {
                    table.insert("bearer_token_env_var", value(var.as_str()));
                }
            }
        }
        servers.insert(name, Item::Table(table));
        Ok(())
    })
}

/// Removes `[mcp_servers.<name>]`; `Ok(false)` when there was none (the file is not touched).
pub fn remove_mcp_server(config_path: &Path, name: &str) -> Result<bool, String> {
    let mut removed = false;
    let present = match read_text_file(config_path, MAX_CONFIG_FILE_BYTES) {
        Ok(text) => {
            let doc: DocumentMut = text
                .parse()
                .map_err(|e| format!("{}: {e}", config_path.display()))?;
            doc.get("mcp_servers").and_then(|s| s.get(name)).is_some()
        }
        Err(e) if e.is_not_found() => false,
        Err(e) => return Err(e.to_string()),
    };
    if !present {
        return Ok(false);
    }
    edit_file(config_path, |doc| {
        let servers = mcp_servers_table(doc, config_path)?;
        removed = servers.remove(name).is_some();
        Ok(())
    })?;
    Ok(removed)
}

fn mcp_servers_table<'a>(
    doc: &'a mut DocumentMut,
    config_path: &Path,
) -> Result<&'a mut dyn toml_edit::TableLike, String> {
    doc.entry("mcp_servers")
        .or_insert_with(|| {
            let mut table = Table::new();
            table.set_implicit(true);
            Item::Table(table)
        })
        .as_table_like_mut()
        .ok_or_else(|| format!("{}: `mcp_servers` is not a table", config_path.display()))
}

/// Reads `config_path` (an empty document when it does not exist), lets `change` edit it, and
/// writes it back atomically, creating the file (mode 0600) and its directory when needed.
fn edit_file(
    config_path: &Path,
    change: impl FnOnce(&mut DocumentMut) -> Result<(), String>,
) -> Result<(), String> {
    let what = config_path.display();
    let (text, existed) = match read_text_file(config_path, MAX_CONFIG_FILE_BYTES) {
        Ok(text) => (text, true),
        Err(e) if e.is_not_found() => (String::new(), false),
        Err(e) => return Err(e.to_string()),
    };
    let mut doc: DocumentMut = text.parse().map_err(|e| format!("{what}: {e}"))?;
    change(&mut doc)?;
    let dir = config_path
        .parent()
        .ok_or_else(|| format!("{what} has no parent directory"))?;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mode = if existed {
        std::fs::metadata(config_path).ok().map(|m| m.permissions())
    } else {
        None
    };
    write_atomically(config_path, doc.to_string().as_bytes(), mode)
        .map_err(|e| format!("cannot write {what}: {e}"))
}

fn write_atomically(
    path: &Path,
    bytes: &[u8],
    permissions: Option<std::fs::Permissions>,
) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        fastrand::u32(..)
    ));
    let result = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        if let Some(permissions) = permissions {
            file.set_permissions(permissions)?;
        }
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn trust_is_recorded_without_disturbing_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "# my settings\nmodel = \"o3\" # the good one\n\n[profiles.fast]\nmodel = \"mini\"\n",
        )
        .unwrap();
        let project = Path::new("/home/me/project with space");
        assert_eq!(project_trust(&path, project).unwrap(), None);
        set_project_trust(&path, project, TrustLevel::Trusted).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("# my settings\nmodel = \"o3\" # the good one\n"),
            "{text}"
        );
        assert!(
            text.contains("[projects.\"/home/me/project with space\"]\ntrust_level = \"trusted\""),
            "{text}"
        );
        assert_eq!(
            project_trust(&path, project).unwrap(),
            Some(TrustLevel::Trusted)
        );
        set_project_trust(&path, project, TrustLevel::Untrusted).unwrap();
        assert_eq!(
            project_trust(&path, project).unwrap(),
            Some(TrustLevel::Untrusted)
        );
        let parsed: toml::Value = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(parsed["profiles"]["fast"]["model"].as_str(), Some("mini"));
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
    }

    #[test]
    fn a_missing_file_is_created_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("home").join("config.toml");
        set_project_trust(&path, Path::new("/p"), TrustLevel::Trusted).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "[projects.\"/p\"]\ntrust_level = \"trusted\"\n"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }

    #[test]
    fn mcp_servers_are_added_and_removed_without_disturbing_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "# mine\nmodel = \"o3\" # keep\n").unwrap();
        let docs = NewMcpServer::Stdio {
            command: "npx".into(),
            args: vec!["-y".into(), "server".into()],
            env: vec![("A".into(), "1".into())],
        };
        add_mcp_server(&path, "docs", &docs).unwrap();
        let web = NewMcpServer::Http {
            url: "https://example.com/mcp".into(),
            bearer_token_env_var: Some("TOK".into()),
        };
        add_mcp_server(&path, "web", &web).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "# mine\nmodel = \"o3\" # keep\n\n[mcp_servers.docs]\ncommand = \"npx\"\n\
             args = [\"-y\", \"server\"]\n\n[mcp_servers.docs.env]\nA = \"1\"\n\n\
             [mcp_servers.web]\nurl = \"https://example.com/mcp\"\nbearer_token_env_var = \"TOK\"\n"
        );
        assert!(remove_mcp_server(&path, "docs").unwrap());
        assert!(!remove_mcp_server(&path, "docs").unwrap());
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("# mine\nmodel = \"o3\" # keep\n"),
            "{text}"
        );
        assert!(!text.contains("docs"), "{text}");
        assert!(text.contains("[mcp_servers.web]"), "{text}");
    }

    #[test]
    fn a_broken_file_is_an_error_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "model = \n").unwrap();
        let err = set_project_trust(&path, Path::new("/p"), TrustLevel::Trusted).unwrap_err();
        assert!(err.contains("config.toml"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "model = \n");
        std::fs::write(&path, "projects = 3\n").unwrap();
        assert!(set_project_trust(&path, Path::new("/p"), TrustLevel::Trusted).is_err());
    }
}
