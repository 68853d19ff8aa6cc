//! `codex mcp list|get|add|remove`: the `[mcp_servers]` of config.toml. Listing reads the
//! resolved config (profile and `-c` overrides applied); adding and removing edit
//! `$CODEX_HOME/config.toml` in place, keeping the user's comments and layout.

use std::io::Write;

use codex_config::{McpServerConfig, McpTransport, NewMcpServer};
use serde_json::{Value, json};

use crate::args::{McpAddArgs, McpCommand, SharedOptions};
use crate::setup::{Extra, adjust_config, load_config, process_env, start_options};

/// `codex mcp-server`: serves until the client closes stdin.
pub fn serve(shared: &SharedOptions, approval: Option<crate::args::ApprovalArg>) -> i32 {
    let extra = Extra {
        approval: approval.map(Into::into),
        exec: false,
    };
    // Fail early, with the reason, on a config that does not load.
    let loaded = match load_config(shared, extra) {
        Ok(loaded) => loaded,
        Err(message) => {
            eprintln!("error: {message}");
            return 1;
        }
    };
    crate::logging::init(&loaded.config.codex_home);
    for warning in &loaded.warnings {
        eprintln!("warning: {warning}");
    }
    let extra = Extra {
        approval: approval.map(Into::into),
        exec: false,
    };
    let options = codex_mcp_server::ServerOptions {
        base: start_options(shared, extra),
        env: process_env(),
        adjust: std::sync::Arc::new(|config: &mut codex_config::Config| {
            adjust_config(config);
            // Sandboxed commands are started through this executable, re-run as the helper.
            config.sandbox_exe = std::env::current_exe().ok();
        }),
    };
    let runtime = match crate::setup::current_thread_runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    match runtime.block_on(codex_mcp_server::serve_stdio(options)) {
        Ok(()) => 0,
        Err(message) => {
            eprintln!("error: {message}");
            1
        }
    }
}

pub fn run(shared: &SharedOptions, command: McpCommand) -> i32 {
    let result = match command {
        McpCommand::List { json } => list(shared, json),
        McpCommand::Get { name, json } => get(shared, &name, json),
        McpCommand::Add(args) => add(args),
        McpCommand::Remove { name } => remove(&name),
    };
    match result {
        Ok(()) => 0,
        Err(message) => {
            eprintln!("error: {message}");
            1
        }
    }
}

fn servers(
    shared: &SharedOptions,
) -> Result<std::collections::BTreeMap<String, McpServerConfig>, String> {
    let extra = Extra {
        approval: None,
        exec: false,
    };
    Ok(load_config(shared, extra)?.config.mcp_servers)
}

/// Values of `env` are secrets as often as not: only the names are shown.
fn masked_env(env: &std::collections::BTreeMap<String, String>) -> String {
    if env.is_empty() {
        return "-".into();
    }
    env.keys()
        .map(|k| format!("{k}=*****"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn auth_status(server: &McpServerConfig) -> &'static str {
    match &server.transport {
        McpTransport::StreamableHttp {
            bearer_token_env_var: Some(_),
            ..
        } => "bearer_token",
        _ => "unsupported",
    }
}

fn server_json(name: &str, server: &McpServerConfig, with_filters: bool) -> Value {
    let transport = match &server.transport {
        McpTransport::Stdio {
            command,
            args,
            env,
            env_vars,
            cwd,
        } => json!({"type": "stdio", "command": command, "args": args,
            "env": (!env.is_empty()).then_some(env), "env_vars": env_vars, "cwd": cwd}),
        McpTransport::StreamableHttp {
            url,
            bearer_token_env_var,
            http_headers,
            env_http_headers,
        } => json!({"type": "streamable_http", "url": url,
            "bearer_token_env_var": bearer_token_env_var,
            "http_headers": (!http_headers.is_empty()).then_some(http_headers),
            "env_http_headers": (!env_http_headers.is_empty()).then_some(env_http_headers)}),
    };
    let mut out = json!({"name": name, "enabled": server.enabled, "disabled_reason": null,
        "transport": transport});
    if with_filters {
        out["enabled_tools"] = json!(server.enabled_tools);
        out["disabled_tools"] =
            json!((!server.disabled_tools.is_empty()).then_some(&server.disabled_tools));
    }
    out["startup_timeout_sec"] = json!(server.startup_timeout.as_secs_f64());
    out["tool_timeout_sec"] = json!(server.tool_timeout.as_secs_f64());
    if !with_filters {
        out["auth_status"] = json!(auth_status(server));
    }
    out
}

fn status(server: &McpServerConfig) -> &'static str {
    if server.enabled {
        "enabled"
    } else {
        "disabled"
    }
}

/// Rows under a header, each column as wide as its widest cell.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let line = |cells: Vec<String>| -> String {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<w$}", w = widths[i]))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = line(header.iter().map(|h| h.to_string()).collect());
    for row in rows {
        out.push('\n');
        out.push_str(&line(row.clone()));
    }
    out
}

fn list(shared: &SharedOptions, as_json: bool) -> Result<(), String> {
    let servers = servers(shared)?;
    let mut out = std::io::stdout().lock();
    if as_json {
        let all: Vec<Value> = servers
            .iter()
            .map(|(name, s)| server_json(name, s, false))
            .collect();
        let text = serde_json::to_string_pretty(&all).map_err(|e| e.to_string())?;
        let _ = writeln!(out, "{text}");
        return Ok(());
    }
    if servers.is_empty() {
        let _ = writeln!(
            out,
            "No MCP servers configured yet. Try `codex mcp add my-tool -- my-command`."
        );
        return Ok(());
    }
    let (mut stdio, mut http) = (Vec::new(), Vec::new());
    for (name, server) in &servers {
        match &server.transport {
            McpTransport::Stdio {
                command,
                args,
                env,
                cwd,
                ..
            } => stdio.push(vec![
                name.clone(),
                command.clone(),
                if args.is_empty() {
                    "-".into()
                } else {
                    args.join(" ")
                },
                masked_env(env),
                cwd.as_ref()
                    .map(|c| c.display().to_string())
                    .unwrap_or_else(|| "-".into()),
                status(server).into(),
            ]),
            McpTransport::StreamableHttp {
                url,
                bearer_token_env_var,
                ..
            } => http.push(vec![
                name.clone(),
                url.clone(),
                bearer_token_env_var.clone().unwrap_or_else(|| "-".into()),
                status(server).into(),
            ]),
        }
    }
    let mut blocks = Vec::new();
    if !stdio.is_empty() {
        blocks.push(table(
            &["Name", "Command", "Args", "Env", "Cwd", "Status"],
            &stdio,
        ));
    }
    if !http.is_empty() {
        blocks.push(table(
            &["Name", "Url", "Bearer Token Env Var", "Status"],
            &http,
        ));
    }
    let _ = writeln!(out, "{}", blocks.join("\n\n"));
    Ok(())
}

fn get(shared: &SharedOptions, name: &str, as_json: bool) -> Result<(), String> {
    let servers = servers(shared)?;
    let server = servers
        .get(name)
        .ok_or_else(|| format!("no MCP server named `{name}` is configured"))?;
    let mut out = std::io::stdout().lock();
    if as_json {
        let text = serde_json::to_string_pretty(&server_json(name, server, true))
            .map_err(|e| e.to_string())?;
        let _ = writeln!(out, "{text}");
        return Ok(());
    }
    let mut lines = vec![name.to_string(), format!("  enabled: {}", server.enabled)];
    match &server.transport {
        McpTransport::Stdio {
            command,
            args,
            env,
            env_vars,
            cwd,
        } => {
            lines.push("  transport: stdio".into());
            lines.push(format!("  command: {command}"));
            lines.push(format!(
                "  args: {}",
                if args.is_empty() {
                    "-".into()
                } else {
                    args.join(" ")
                }
            ));
            lines.push(format!(
                "  cwd: {}",
                cwd.as_ref()
                    .map(|c| c.display().to_string())
                    .unwrap_or_else(|| "-".into())
            ));
            lines.push(format!("  env: {}", masked_env(env)));
            if !env_vars.is_empty() {
                lines.push(format!("  env_vars: {}", env_vars.join(", ")));
            }
        }
        McpTransport::StreamableHttp {
            url,
            bearer_token_env_var,
            http_headers,
            ..
        } => {
            lines.push("  transport: streamable_http".into());
            lines.push(format!("  url: {url}"));
            lines.push(format!(
                "  bearer_token_env_var: {}",
                bearer_token_env_var.as_deref().unwrap_or("-")
            ));
            if !http_headers.is_empty() {
                lines.push(format!("  http_headers: {}", masked_env(http_headers)));
            }
        }
    }
    lines.push(format!("  remove: codex mcp remove {name}"));
    let _ = writeln!(out, "{}", lines.join("\n"));
    Ok(())
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn config_path() -> Result<std::path::PathBuf, String> {
    codex_config::find_codex_home()
        .map(|home| home.join("config.toml"))
        .map_err(|e| e.to_string())
}

fn add(args: McpAddArgs) -> Result<(), String> {
    if !valid_name(&args.name) {
        return Err(format!(
            "invalid server name `{}`: use letters, digits, `_` and `-`",
            args.name
        ));
    }
    let server = match (args.url, args.command.split_first()) {
        (Some(url), None) => NewMcpServer::Http {
            url,
            bearer_token_env_var: args.bearer_token_env_var,
        },
        (None, Some((command, rest))) => {
            let mut env = Vec::new();
            for pair in &args.env {
                let (key, value) = pair
                    .split_once('=')
                    .filter(|(k, _)| !k.is_empty())
                    .ok_or_else(|| format!("`--env {pair}`: expected KEY=VALUE"))?;
                env.push((key.to_string(), value.to_string()));
            }
            NewMcpServer::Stdio {
                command: command.clone(),
                args: rest.to_vec(),
                env,
            }
        }
        _ => {
            return Err(
                "give the command after `--` (`codex mcp add NAME -- COMMAND ARGS…`) or a \
                 `--url` for an HTTP server"
                    .into(),
            );
        }
    };
    let path = config_path()?;
    codex_config::add_mcp_server(&path, &args.name, &server)?;
    println!("Added MCP server `{}` to {}.", args.name, path.display());
    Ok(())
}

fn remove(name: &str) -> Result<(), String> {
    let path = config_path()?;
    if codex_config::remove_mcp_server(&path, name)? {
        println!("Removed MCP server `{name}` from {}.", path.display());
    } else {
        println!("No MCP server named `{name}` in {}.", path.display());
    }
    Ok(())
}
