//! The command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use codex_protocol::{AskForApproval, SandboxMode};

const EXAMPLES: &str = "\
Examples:
  codex exec \"explain what src/main.rs does\"
  echo \"fix the failing test\" | codex exec --full-auto -
  codex exec --json -s danger-full-access \"run the tests\" > events.jsonl
  codex exec -m o3 -c model_reasoning_effort=high \"review this diff\"
  codex exec --oss \"summarise README.md\"        (local Ollama or LM Studio)
  codex config show                              (each value and where it came from)
  codex jgt status                               (a JGT broker config found, and its protections)
  codex completion zsh > ~/.zfunc/_codex";

#[derive(Debug, Parser)]
#[command(
    name = "codex-cli",
    bin_name = "codex",
    version,
    about = "A coding agent for the terminal: it reads your task, runs commands and edits files.",
    after_help = EXAMPLES,
    subcommand_negates_reqs = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub shared: SharedOptions,

    /// When the agent asks before running a command (interactive mode).
    #[arg(short = 'a', long = "ask-for-approval", value_enum, global = false)]
    pub approval: Option<ApprovalArg>,

    /// Images to attach to the first message (repeatable, or comma-separated).
    #[arg(short = 'i', long = "image", value_name = "FILE", value_delimiter = ',', num_args = 1..)]
    pub images: Vec<PathBuf>,

    /// Draw the interactive UI on the alternate screen instead of inline below the prompt
    /// (the transcript then does not stay in the terminal's scrollback).
    #[arg(long = "alt-screen", conflicts_with = "no_alt_screen")]
    pub alt_screen: bool,

    /// Draw inline (the default); accepted for the Codex CLI's flag of that name.
    #[arg(long = "no-alt-screen", hide = true)]
    pub no_alt_screen: bool,

    /// The first message of the interactive session.
    pub prompt: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a task without the interactive UI and print the result.
    #[command(visible_alias = "e", after_help = EXAMPLES)]
    Exec(ExecArgs),
    /// Review changes without making any (`codex exec review`): the uncommitted ones by
    /// default, a branch's, a commit's, or as your instructions say.
    Review(ReviewCommand),
    /// Inspect the configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Apply a patch (from the argument, or stdin with `-` or nothing) in the current directory.
    ApplyPatch {
        /// The patch text, or `-` to read it from stdin.
        patch: Option<String>,
    },
    /// Run a command under the sandbox, to see what it allows.
    Sandbox {
        #[command(subcommand)]
        platform: SandboxPlatform,
    },
    /// Continue an interactive session: pick one of this folder's sessions, or give its id.
    Resume {
        /// The session's id (a prefix is enough when it is unambiguous).
        session_id: Option<String>,
        /// The most recent session in this folder.
        #[arg(long)]
        last: bool,
        /// Sessions from every folder.
        #[arg(long)]
        all: bool,
    },
    /// Serve the agent over MCP on stdin/stdout (tools `codex` and `codex-reply`).
    McpServer {
        #[command(flatten)]
        shared: SharedOptions,
    },
    /// Serve the MCP reference memory server's tools (knowledge graph) on stdin/stdout, or
    /// over streamable HTTP with --listen, stored in SQLite.
    MemoryServer {
        /// The database (default `~/.jgt/memory.sqlite` when `~/.jgt` exists, else
        /// `$CODEX_HOME/memory.sqlite`).
        #[arg(long, value_name = "PATH")]
        db: Option<std::path::PathBuf>,
        /// Serve streamable HTTP at http://ADDR/mcp instead of stdio; a loopback address only
        /// (`127.0.0.1:PORT`, `[::1]:PORT`, `localhost:PORT`; port 0 picks a free one, printed
        /// on stderr). Stops on SIGINT or SIGTERM.
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
    },
    /// Move the reference memory server's JSONL file into or out of the memory database.
    Memory {
        #[command(subcommand)]
        command: MemoryCommand,
    },
    /// Manage the MCP servers in config.toml.
    Mcp {
        #[command(subcommand)]
        command: McpCommand,
    },
    /// Recorded sessions.
    Sessions {
        #[command(subcommand)]
        command: SessionsCommand,
    },
    /// The JGT trading tools' broker config: what was found and how it is protected.
    Jgt {
        #[command(subcommand)]
        command: JgtCommand,
    },
    /// Check or read the audit log (`[audit]`, default `$CODEX_HOME/audit.jsonl`).
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Print a shell completion script.
    Completion {
        #[arg(value_enum, default_value_t = Shell::Bash)]
        shell: Shell,
    },
}

#[derive(Debug, Subcommand)]
pub enum SandboxPlatform {
    /// Landlock, seccomp and namespaces (Linux).
    #[command(visible_alias = "landlock")]
    Linux(SandboxArgs),
    /// Seatbelt via /usr/bin/sandbox-exec (macOS).
    #[command(visible_alias = "seatbelt")]
    Macos(SandboxArgs),
}

#[derive(Debug, Args)]
pub struct SandboxArgs {
    #[command(flatten)]
    pub shared: SharedOptions,

    /// Skip the mount and PID namespaces (Landlock and seccomp only), to see the fallback.
    #[arg(long = "no-namespaces", hide = true)]
    pub no_namespaces: bool,

    /// The command and its arguments.
    #[arg(last = true, required = true)]
    pub command: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum MemoryCommand {
    /// Add a memory file's entities and relations to the database.
    Import {
        /// The JSONL file (`MEMORY_FILE_PATH` of the reference server).
        file: std::path::PathBuf,
        /// The database (default as for `memory-server`).
        #[arg(long, value_name = "PATH")]
        db: Option<std::path::PathBuf>,
    },
    /// Write the database as a memory file.
    Export {
        /// The JSONL file to write.
        file: std::path::PathBuf,
        /// The database (default as for `memory-server`).
        #[arg(long, value_name = "PATH")]
        db: Option<std::path::PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum McpCommand {
    /// The configured servers.
    List {
        #[arg(long)]
        json: bool,
    },
    /// One server's settings.
    Get {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Add a server: `add NAME [--env K=V]... -- COMMAND ARGS...` (stdio) or
    /// `add NAME --url URL [--bearer-token-env-var VAR]` (streamable HTTP).
    Add(McpAddArgs),
    /// Remove a server.
    Remove { name: String },
}

#[derive(Debug, Args)]
pub struct McpAddArgs {
    /// The server's name (letters, digits, `_` and `-`); its tools are `mcp__<name>__<tool>`.
    pub name: String,
    /// An environment variable for a stdio server, `KEY=VALUE` (repeatable).
    #[arg(long, value_name = "KEY=VALUE", conflicts_with = "url")]
    pub env: Vec<String>,
    /// The URL of a streamable-HTTP server.
    #[arg(long)]
    pub url: Option<String>,
    /// The environment variable holding the bearer token for `--url`.
    #[arg(long, requires = "url")]
    pub bearer_token_env_var: Option<String>,
    /// The command that starts a stdio server, and its arguments.
    #[arg(last = true, conflicts_with = "url")]
    pub command: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum SessionsCommand {
    /// Id, time, directory and first prompt of each session, newest first.
    List {
        /// Sessions from every directory, not just this one.
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum JgtCommand {
    /// Where the broker config was found, live or demo, and which protections are on. Prints
    /// no password, pin or account id.
    Status {
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        shared: SharedOptions,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain: OK with the number of records and sessions, or the first line that
    /// was edited, removed, reordered or truncated (exit status 1). A log written with
    /// CODEX_AUDIT_KEY set needs the same key set to verify.
    Verify {
        /// The log (default: the configured one).
        file: Option<PathBuf>,
    },
    /// Print the records: time, session, kind and a summary, one line each.
    Show {
        /// The log (default: the configured one).
        file: Option<PathBuf>,
        /// Only this session's records (an id prefix is enough).
        #[arg(long)]
        session: Option<String>,
        /// The records as JSON lines, as written.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the resolved configuration and where each value came from.
    Show {
        /// Print JSON instead of TOML-like lines.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        shared: SharedOptions,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

/// Options shared by the interactive mode and `exec`.
#[derive(Debug, Default, Clone, Args)]
pub struct SharedOptions {
    /// Override a config value: -c key=value (value parsed as TOML, else taken as a string).
    #[arg(short = 'c', long = "config", value_name = "key=value", global = true)]
    pub config_overrides: Vec<String>,

    /// Model to use.
    #[arg(short = 'm', long = "model")]
    pub model: Option<String>,

    /// Profile from config.toml ([profiles.NAME]).
    #[arg(short = 'p', long = "profile")]
    pub profile: Option<String>,

    /// Where commands may write: read-only, workspace-write or danger-full-access.
    #[arg(short = 's', long = "sandbox", value_enum)]
    pub sandbox: Option<SandboxArg>,

    /// Low-friction automatic mode: sandbox workspace-write, approvals on request.
    #[arg(long = "full-auto", conflicts_with = "yolo")]
    pub full_auto: bool,

    /// Run every command without asking and without a sandbox. Only for isolated machines.
    #[arg(
        long = "dangerously-bypass-approvals-and-sandbox",
        alias = "yolo",
        id = "yolo"
    )]
    pub yolo: bool,

    /// Use a local model server (Ollama by default, or `oss_provider`).
    #[arg(long = "oss")]
    pub oss: bool,

    /// Which local provider --oss uses.
    #[arg(long = "local-provider", value_enum)]
    pub local_provider: Option<LocalProviderArg>,

    /// Work in this directory instead of the current one.
    #[arg(short = 'C', long = "cd", value_name = "DIR")]
    pub cwd: Option<PathBuf>,

    /// Another directory commands may write to (with --sandbox workspace-write).
    #[arg(long = "add-dir", value_name = "DIR")]
    pub add_dirs: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    #[command(flatten)]
    pub shared: SharedOptions,

    /// Print events as JSON lines on stdout.
    #[arg(long = "json", alias = "experimental-json")]
    pub json: bool,

    /// Write the agent's last message to this file.
    #[arg(short = 'o', long = "output-last-message", value_name = "FILE")]
    pub output_last_message: Option<PathBuf>,

    /// JSON Schema the final answer must match.
    #[arg(long = "output-schema", value_name = "FILE")]
    pub output_schema: Option<PathBuf>,

    /// Allow running outside a Git repository.
    #[arg(long = "skip-git-repo-check")]
    pub skip_git_repo_check: bool,

    /// Colour in human output.
    #[arg(long = "color", value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,

    /// Attach an image to the prompt (repeatable, or several separated by commas).
    #[arg(
        short = 'i',
        long = "image",
        value_name = "FILE",
        value_delimiter = ',',
        global = true
    )]
    pub images: Vec<PathBuf>,

    /// With --json: add `estimated_cost_usd` to `turn.completed` (also `json_estimated_cost =
    /// true` in config.toml).
    #[arg(long = "include-cost")]
    pub include_cost: bool,

    /// Have the model of this profile (from `[profiles]`) review the finished turn (also
    /// `[second_opinion] profile = "..."` in config.toml).
    #[arg(long = "second-opinion", value_name = "PROFILE")]
    pub second_opinion: Option<String>,

    /// Request an OpenAI access program for this turn (built-in openai provider only).
    #[arg(long = "cyber-access-program", value_enum, global = true)]
    pub cyber_access_program: Option<CyberAccessProgram>,

    #[command(subcommand)]
    pub command: Option<ExecCommand>,

    /// How the caller classifies a new thread (recorded in its session file).
    #[arg(long = "thread-source", value_name = "SOURCE", global = true)]
    pub thread_source: Option<String>,

    /// The task; `-` or nothing reads it from stdin.
    pub prompt: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ExecCommand {
    /// Continue a recorded session with its history.
    Resume(ResumeArgs),
    /// Review changes: the model reads them (read-only) and reports prioritized findings.
    Review(ReviewArgs),
}

#[derive(Debug, Args)]
pub struct ReviewCommand {
    #[command(flatten)]
    pub shared: SharedOptions,

    /// Print events as JSON lines on stdout.
    #[arg(long = "json")]
    pub json: bool,

    #[command(flatten)]
    pub review: ReviewArgs,
}

/// What to review. Commands run read-only: a workspace-write sandbox becomes read-only.
#[derive(Debug, Clone, Default, Args)]
pub struct ReviewArgs {
    /// Staged, unstaged and untracked changes (the default).
    #[arg(long, conflicts_with_all = ["base", "commit", "prompt"])]
    pub uncommitted: bool,

    /// The changes since this branch left BRANCH (their merge base).
    #[arg(long, value_name = "BRANCH", conflicts_with_all = ["commit", "prompt"])]
    pub base: Option<String>,

    /// The changes one commit made.
    #[arg(long, value_name = "SHA", conflicts_with = "prompt")]
    pub commit: Option<String>,

    /// The commit's title, shown with it.
    #[arg(long, value_name = "TITLE", requires = "commit")]
    pub title: Option<String>,

    /// Also have the model of this profile review the same changes, and show both reviews
    /// and where they agree or differ (also `[second_opinion] profile` in config.toml).
    #[arg(long = "second-opinion", value_name = "PROFILE")]
    pub second_opinion: Option<String>,

    /// Your own review instructions instead of a target; `-` reads them from stdin.
    pub prompt: Option<String>,
}

#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// The session id (as printed at the end of a run, or by `codex sessions list`).
    pub session_id: Option<String>,
    /// Continue the most recent session started in this directory.
    #[arg(long)]
    pub last: bool,
    /// With --last: the most recent session from any directory.
    #[arg(long)]
    pub all: bool,
    /// The next task; `-` or nothing reads it from stdin.
    pub prompt: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum CyberAccessProgram {
    Standard,
    DaybreakBlue,
    DaybreakRed,
}

impl CyberAccessProgram {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Standard => "standard",
            Self::DaybreakBlue => "daybreak_blue",
            Self::DaybreakRed => "daybreak_red",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Always,
    Never,
    Auto,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SandboxArg {
    ReadOnly,
    WorkspaceWrite,
    DangerFullAccess,
}

impl From<SandboxArg> for SandboxMode {
    fn from(s: SandboxArg) -> Self {
        match s {
            SandboxArg::ReadOnly => SandboxMode::ReadOnly,
            SandboxArg::WorkspaceWrite => SandboxMode::WorkspaceWrite,
            SandboxArg::DangerFullAccess => SandboxMode::DangerFullAccess,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ApprovalArg {
    Untrusted,
    OnFailure,
    OnRequest,
    Never,
}

impl From<ApprovalArg> for AskForApproval {
    fn from(a: ApprovalArg) -> Self {
        match a {
            ApprovalArg::Untrusted => AskForApproval::Untrusted,
            ApprovalArg::OnFailure => AskForApproval::OnFailure,
            ApprovalArg::OnRequest => AskForApproval::OnRequest,
            ApprovalArg::Never => AskForApproval::Never,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LocalProviderArg {
    Ollama,
    Lmstudio,
}
