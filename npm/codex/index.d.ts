// Types of @jgt/codex: those of @openai/codex-sdk 0.163.0 under the same names, plus the
// additions of the in-process API (onApproval, tools, transport, interrupt, compact, close,
// search, applyPatch).

/** A block of MCP tool result content (text, image, audio, resource link or embedded resource). */
export type ContentBlock =
  | { type: "text"; text: string; [key: string]: unknown }
  | { type: "image"; data: string; mimeType: string; [key: string]: unknown }
  | { type: "audio"; data: string; mimeType: string; [key: string]: unknown }
  | { type: "resource_link"; uri: string; name: string; [key: string]: unknown }
  | {
      type: "resource";
      resource:
        | { uri: string; text: string; mimeType?: string; [key: string]: unknown }
        | { uri: string; blob: string; mimeType?: string; [key: string]: unknown };
      [key: string]: unknown;
    };

/** The status of a command execution. */
export type CommandExecutionStatus = "in_progress" | "completed" | "failed";
/** A command executed by the agent. */
export type CommandExecutionItem = {
  id: string;
  type: "command_execution";
  /** The command line executed by the agent. */
  command: string;
  /** Aggregated stdout and stderr captured while the command was running. */
  aggregated_output: string;
  /** Set when the command exits; omitted while still running. */
  exit_code?: number;
  /** Current status of the command execution. */
  status: CommandExecutionStatus;
};
/** Indicates the type of the file change. */
export type PatchChangeKind = "add" | "delete" | "update";
/** A set of file changes by the agent. */
export type FileUpdateChange = {
  path: string;
  kind: PatchChangeKind;
};
/** The status of a file change. */
export type PatchApplyStatus = "completed" | "failed";
/** A set of file changes by the agent. Emitted once the patch succeeds or fails. */
export type FileChangeItem = {
  id: string;
  type: "file_change";
  /** Individual file changes that comprise the patch. */
  changes: FileUpdateChange[];
  /** Whether the patch ultimately succeeded or failed. */
  status: PatchApplyStatus;
};
/** The status of an MCP tool call. */
export type McpToolCallStatus = "in_progress" | "completed" | "failed";
/**
 * Represents a call to an MCP tool. The item starts when the invocation is dispatched
 * and completes when the MCP server reports success or failure.
 */
export type McpToolCallItem = {
  id: string;
  type: "mcp_tool_call";
  /** Name of the MCP server handling the request. */
  server: string;
  /** The tool invoked on the MCP server. */
  tool: string;
  /** Arguments forwarded to the tool invocation. */
  arguments: unknown;
  /** Result payload returned by the MCP server for successful calls. */
  result?: {
    content: ContentBlock[];
    _meta?: unknown;
    structured_content: unknown;
  };
  /** Error message reported for failed calls. */
  error?: {
    message: string;
  };
  /** Current status of the tool invocation. */
  status: McpToolCallStatus;
};
/** Response from the agent. Either natural-language text or JSON when structured output is requested. */
export type AgentMessageItem = {
  id: string;
  type: "agent_message";
  /** Either natural-language text or JSON when structured output is requested. */
  text: string;
};
/** Agent's reasoning summary. */
export type ReasoningItem = {
  id: string;
  type: "reasoning";
  text: string;
};
/** Captures a web search request. Completes when results are returned to the agent. */
export type WebSearchItem = {
  id: string;
  type: "web_search";
  query: string;
};
/** Describes a non-fatal error surfaced as an item. */
export type ErrorItem = {
  id: string;
  type: "error";
  message: string;
};
/** An item in the agent's to-do list. */
export type TodoItem = {
  text: string;
  completed: boolean;
};
/**
 * Tracks the agent's running to-do list. Starts when the plan is issued, updates as steps change,
 * and completes when the turn ends.
 */
export type TodoListItem = {
  id: string;
  type: "todo_list";
  items: TodoItem[];
};
/** Canonical union of thread items and their type-specific payloads. */
export type ThreadItem =
  | AgentMessageItem
  | ReasoningItem
  | CommandExecutionItem
  | FileChangeItem
  | McpToolCallItem
  | WebSearchItem
  | TodoListItem
  | ErrorItem;

/** Emitted when a new thread is started as the first event. */
export type ThreadStartedEvent = {
  type: "thread.started";
  /** The identifier of the new thread. Can be used to resume the thread later. */
  thread_id: string;
};
/**
 * Emitted when a turn is started by sending a new prompt to the model.
 * A turn encompasses all events that happen while the agent is processing the prompt.
 */
export type TurnStartedEvent = {
  type: "turn.started";
};
/** Describes the usage of tokens during a turn. */
export type Usage = {
  /** The number of input tokens used during the turn. */
  input_tokens: number;
  /** The number of cached input tokens used during the turn. */
  cached_input_tokens: number;
  /** The number of input tokens written to the prompt cache during the turn. */
  cache_write_input_tokens: number;
  /** The number of output tokens used during the turn. */
  output_tokens: number;
  /** The number of reasoning output tokens used during the turn. */
  reasoning_output_tokens: number;
};
/** Emitted when a turn is completed. Typically right after the assistant's response. */
export type TurnCompletedEvent = {
  type: "turn.completed";
  usage: Usage;
};
/** Indicates that a turn failed with an error. */
export type TurnFailedEvent = {
  type: "turn.failed";
  error: ThreadError;
};
/** Emitted when a new item is added to the thread. Typically the item is initially "in progress". */
export type ItemStartedEvent = {
  type: "item.started";
  item: ThreadItem;
};
/** Emitted when an item is updated. */
export type ItemUpdatedEvent = {
  type: "item.updated";
  item: ThreadItem;
};
/** Signals that an item has reached a terminal state—either success or failure. */
export type ItemCompletedEvent = {
  type: "item.completed";
  item: ThreadItem;
};
/** Fatal error emitted by the stream. */
export type ThreadError = {
  message: string;
};
/** Represents an unrecoverable error emitted directly by the event stream. */
export type ThreadErrorEvent = {
  type: "error";
  message: string;
};
/** Top-level JSONL events emitted by codex exec. */
export type ThreadEvent =
  | ThreadStartedEvent
  | TurnStartedEvent
  | TurnCompletedEvent
  | TurnFailedEvent
  | ItemStartedEvent
  | ItemUpdatedEvent
  | ItemCompletedEvent
  | ThreadErrorEvent;

export type CyberAccessProgram = "standard" | "daybreak_blue" | "daybreak_red";
export type TurnOptions = {
  /**
   * Experimental Cyber selection for this turn with the built-in OpenAI provider.
   * Omit to use server defaults.
   */
  cyberAccessProgram?: CyberAccessProgram;
  /** JSON schema describing the expected agent output. */
  outputSchema?: unknown;
  /** AbortSignal to cancel the turn: it stops, and the run rejects with an AbortError. */
  signal?: AbortSignal;
};

/** Completed turn. */
export type Turn = {
  items: ThreadItem[];
  finalResponse: string;
  usage: Usage | null;
};
/** Alias for `Turn` to describe the result of `run()`. */
export type RunResult = Turn;
/** The result of the `runStreamed` method. */
export type StreamedTurn = {
  events: AsyncGenerator<ThreadEvent>;
};
/** Alias for `StreamedTurn` to describe the result of `runStreamed()`. */
export type RunStreamedResult = StreamedTurn;
/** An input to send to the agent. */
export type UserInput =
  | {
      type: "text";
      text: string;
    }
  | {
      type: "local_image";
      path: string;
    };
export type Input = string | UserInput[];

export type CodexConfigValue = string | number | boolean | CodexConfigValue[] | CodexConfigObject;
export type CodexConfigObject = {
  [key: string]: CodexConfigValue;
};

export type ApprovalMode = "never" | "on-request" | "on-failure" | "untrusted";
export type SandboxMode = "read-only" | "workspace-write" | "danger-full-access";
export type ModelReasoningEffort = "minimal" | "low" | "medium" | "high" | "xhigh" | "max" | "ultra" | "persistent";
export type WebSearchMode = "disabled" | "cached" | "live";

// ---- Additions of @jgt/codex ----------------------------------------------------------------

/** How a Codex runs its turns: the in-process addon, or `codex exec` for each turn. */
export type Transport = "native" | "subprocess";

/** A command the agent wants to run, waiting for approval. */
export type ExecApprovalRequest = {
  type: "exec";
  /** The tool call's id. */
  id: string;
  /** The program and its arguments. */
  command: string[];
  /** The directory it would run in. */
  cwd: string;
  /** Why the agent asks (e.g. it needs to write outside the sandbox). */
  reason?: string;
};
/** A change to one file in a patch waiting for approval. */
export type PatchApprovalChange =
  | { kind: "add"; content: string }
  | { kind: "delete"; content: string }
  | {
      kind: "update";
      /** The change as a unified diff. */
      unified_diff: string;
      /** Where the file moves to, when it does. */
      move_path?: string;
    };
/** A patch the agent wants to apply, waiting for approval. */
export type PatchApprovalRequest = {
  type: "patch";
  /** The tool call's id. */
  id: string;
  /** The files it changes, by path. */
  changes: { [path: string]: PatchApprovalChange };
  reason?: string;
  /** A directory the patch asks to be allowed to write under for the rest of the session. */
  grant_root?: string;
};
export type ApprovalRequest = ExecApprovalRequest | PatchApprovalRequest;
/**
 * The answer to an approval request. "approved_for_session" approves this command (or these
 * files) for the rest of the session; "abort" stops the turn.
 */
export type ApprovalDecision = "approved" | "approved_for_session" | "denied" | "abort";
/**
 * Decides each approval the approval policy asks for. A throw, a rejection, or an answer not
 * in ApprovalDecision counts as "denied". In-process only.
 */
export type ApprovalHandler = (request: ApprovalRequest) => ApprovalDecision | Promise<ApprovalDecision>;

/** What a JS tool's handler receives besides its arguments. */
export type ToolContext = {
  /** Aborted when the turn is stopped. */
  signal: AbortSignal;
  /** The model's id for this call. */
  callId: string;
  /** The thread the call belongs to. */
  threadId: string;
};
/**
 * A tool written in JavaScript, offered to the model beside the built-in ones. The handler's
 * result is the tool's output (a non-string is JSON-encoded); a throw becomes an error output
 * with the error's message. A name clashing with a built-in tool is an error at startThread.
 * In-process only.
 */
export type Tool<Args = any> = {
  name: string;
  description: string;
  /** JSON Schema of the arguments object. */
  parameters: { [key: string]: unknown };
  handler: (args: Args, context: ToolContext) => unknown | Promise<unknown>;
};

export type CodexOptions = {
  /**
   * The codex binary to use: the one the subprocess transport runs for each turn, and the
   * sandbox helper of the native transport (which must then be @jgt/codex's binary of the same
   * version). Default: the one in this platform's package.
   */
  codexPathOverride?: string;
  baseUrl?: string;
  apiKey?: string;
  /**
   * Additional `--config key=value` overrides to pass to the Codex CLI.
   *
   * Provide a JSON object and the SDK will flatten it into dotted paths and
   * serialize values as TOML literals so they are compatible with the CLI's
   * `--config` parsing.
   */
  config?: CodexConfigObject;
  /**
   * Raw `--config key=value` overrides to pass unchanged to the Codex CLI after
   * structured configuration and before SDK-managed or thread-specific overrides.
   */
  configOverrides?: string[];
  /**
   * Environment variables passed to the Codex CLI process. When provided, the SDK
   * will not inherit variables from `process.env`.
   */
  env?: Record<string, string>;
  /**
   * "native" runs turns in this process (the default when the addon loads; an error when it
   * does not); "subprocess" runs `codex exec` for each turn, as @openai/codex-sdk does (the
   * fallback, with one warning, when the addon does not load). Default: JGT_CODEX_TRANSPORT,
   * else as described.
   */
  transport?: Transport;
  /** Decides approvals for every thread of this Codex. In-process only. */
  onApproval?: ApprovalHandler;
  /** JS tools offered in every thread of this Codex. In-process only. */
  tools?: Tool[];
};

export type ThreadOptions = {
  model?: string;
  /** Source classification applied when this thread is first created. */
  threadSource?: string;
  sandboxMode?: SandboxMode;
  workingDirectory?: string;
  skipGitRepoCheck?: boolean;
  modelReasoningEffort?: ModelReasoningEffort;
  networkAccessEnabled?: boolean;
  webSearchMode?: WebSearchMode;
  webSearchEnabled?: boolean;
  approvalPolicy?: ApprovalMode;
  additionalDirectories?: string[];
  /** Decides approvals in this thread, instead of the Codex's onApproval. In-process only. */
  onApproval?: ApprovalHandler;
  /** JS tools for this thread, instead of the Codex's. In-process only. */
  tools?: Tool[];
};

/**
 * What both kinds of search walk, with ripgrep's defaults: ignore files honoured, hidden
 * entries and binary files skipped.
 */
export type SearchWalkOptions = {
  /** The base directory (default: process.cwd()); relative paths and `/`-anchored globs, and the reported paths, are relative to it. */
  cwd?: string;
  /** Content search: the files or directories to search (default: [cwd]). File search: the one directory to index. */
  paths?: string[];
  /** rg -g globs; a leading `!` excludes. */
  globs?: string[];
  /** Include hidden files and directories (rg --hidden). */
  hidden?: boolean;
  /** Do not honour .gitignore, .ignore and .rgignore (rg --no-ignore). */
  noIgnore?: boolean;
  /** How deep below each root to descend. */
  maxDepth?: number;
  /** Follow symbolic links (rg -L). */
  followLinks?: boolean;
};
/** Content search: ripgrep's engine in-process. */
export type ContentSearchOptions = SearchWalkOptions & {
  /** A regular expression (Rust syntax, as rg's), or plain text with `literal`. */
  pattern: string;
  query?: never;
  /** The pattern is plain text (rg -F). */
  literal?: boolean;
  /** Default "sensitive"; "smart" is case-insensitive unless the pattern has an upper-case letter. */
  caseSensitivity?: "sensitive" | "insensitive" | "smart";
  /** Lines of context before and after each match (rg -C); `before`/`after` set one side (rg -B/-A). */
  context?: number;
  before?: number;
  after?: number;
  /** Stop after this many matching lines in all. */
  maxMatches?: number;
  /** Only which files match (rg -l): each file's `lines` stay empty. */
  filesOnly?: boolean;
};
/** File search: fuzzy matching of paths, best first. */
export type FileSearchOptions = SearchWalkOptions & {
  /** Words that must all match a path, in order, fuzzily. */
  query: string;
  pattern?: never;
  /** The best N paths (default 50). */
  limit?: number;
};
export type SearchOptions = ContentSearchOptions | FileSearchOptions;
/** Something the walk could not read (an unreadable directory, a bad ignore file). */
export type SearchWarning = { path?: string; message: string };
export type ContentSearchLine = {
  /** 1-based line number. */
  number: number;
  kind: "match" | "context";
  text: string;
};
export type ContentSearchFile = {
  /** Relative to `cwd` (with `/`) when under it, else absolute. */
  path: string;
  matchedLines: number;
  lines: ContentSearchLine[];
  /** A binary file: "matches" (a match was found, the lines are not shown) or "stopped" (searching stopped at its first NUL). */
  binary?: { kind: "matches" | "stopped"; offset: number };
};
export type ContentSearchResult = {
  kind: "content";
  /** Sorted by path. */
  files: ContentSearchFile[];
  filesSearched: number;
  filesMatched: number;
  /** True when `maxMatches` stopped the search. */
  stoppedEarly: boolean;
  warnings: SearchWarning[];
  warningCount: number;
};
export type FileSearchMatch = {
  /** Relative to `cwd` (with `/`) when under it, else absolute. */
  path: string;
  score: number;
  /** Indices of the matched characters in `path`. */
  indices: number[];
};
export type FileSearchResult = {
  kind: "files";
  /** Best first. */
  matches: FileSearchMatch[];
  /** How many paths were considered. */
  indexed: number;
  warnings: SearchWarning[];
  warningCount: number;
};

export type ApplyPatchOptions = {
  /** The directory the patch's paths are relative to, and the only one it may write under. Default: process.cwd(). */
  cwd?: string;
};
export type ApplyPatchResult = {
  /** Whether every change was applied (nothing is applied otherwise). */
  ok: boolean;
  /** What changed ("Success. Updated the following files: …"), or why nothing did. */
  output: string;
};

/** Represent a thread of conversation with the agent. One thread can have multiple consecutive turns. */
export declare class Thread {
  private _handle;
  /** Returns the ID of the thread. Populated after the first turn starts. */
  get id(): string | null;
  /**
   * Provides the input to the agent and streams events as they are produced during the turn.
   * After a `turn.failed` event, reading on throws an Error with the failure's message.
   */
  runStreamed(input: Input, turnOptions?: TurnOptions): Promise<StreamedTurn>;
  /** Provides the input to the agent and returns the completed turn. */
  run(input: Input, turnOptions?: TurnOptions): Promise<Turn>;
  /** Stops the running turn, which then fails with "the turn was interrupted". */
  interrupt(): Promise<void>;
  /** Summarises the thread's history to free the model's context. In-process only. */
  compact(): Promise<void>;
  /** Ends the thread and frees what it holds; a running turn is stopped. Idempotent. */
  close(): void;
}

/**
 * Codex is the main class for interacting with the Codex agent.
 *
 * Use the `startThread()` method to start a new thread or `resumeThread()` to resume a previously started thread.
 */
export declare class Codex {
  private _transport;
  constructor(options?: CodexOptions);
  /** The transport in use. */
  get transport(): Transport;
  /**
   * Starts a new conversation with an agent.
   * @returns A new thread instance.
   */
  startThread(options?: ThreadOptions): Thread;
  /**
   * Resumes a conversation with an agent based on the thread id.
   * Threads are persisted in ~/.codex/sessions.
   *
   * @param id The id of the thread to resume.
   * @returns A new thread instance.
   */
  resumeThread(id: string, options?: ThreadOptions): Thread;
  /** Searches file contents with ripgrep's engine. In-process only. */
  search(options: ContentSearchOptions): Promise<ContentSearchResult>;
  /** Finds files by a fuzzy match of their paths. In-process only. */
  search(options: FileSearchOptions): Promise<FileSearchResult>;
  /** Applies a patch in the apply_patch format (all of it, or nothing). */
  applyPatch(patch: string, options?: ApplyPatchOptions): Promise<ApplyPatchResult>;
}
