// The command line and environment of `codex exec --experimental-json` for one turn, built
// from the Codex and thread options exactly as @openai/codex-sdk builds them, so a program
// moved from the SDK runs the same command.
"use strict";

const ORIGINATOR_ENV = "CODEX_INTERNAL_ORIGINATOR_OVERRIDE";
const ORIGINATOR = "codex_sdk_ts";
const BARE_KEY = /^[A-Za-z0-9_-]+$/;

function isPlainObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A value as a TOML literal, for `--config key=value`. */
function tomlValue(value, at) {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`Codex config override at ${at} must be a finite number`);
    return String(value);
  }
  if (typeof value === "boolean") return value ? "true" : "false";
  if (Array.isArray(value)) return `[${value.map((v, i) => tomlValue(v, `${at}[${i}]`)).join(", ")}]`;
  if (isPlainObject(value)) {
    const parts = [];
    for (const [key, v] of Object.entries(value)) {
      if (!key) throw new Error("Codex config override keys must be non-empty strings");
      if (v === undefined) continue;
      parts.push(`${BARE_KEY.test(key) ? key : JSON.stringify(key)} = ${tomlValue(v, `${at}.${key}`)}`);
    }
    return `{${parts.join(", ")}}`;
  }
  if (value === null) throw new Error(`Codex config override at ${at} cannot be null`);
  throw new Error(`Unsupported Codex config override value at ${at}: ${typeof value}`);
}

/** `config` as dotted `key=value` overrides: nested tables become dotted keys. */
function configOverrides(config) {
  if (!isPlainObject(config)) throw new Error("Codex config overrides must be a plain object");
  const out = [];
  const walk = (table, prefix) => {
    const entries = Object.entries(table);
    if (prefix && entries.length === 0) {
      out.push(`${prefix}={}`);
      return;
    }
    for (const [key, value] of entries) {
      if (!key) throw new Error("Codex config override keys must be non-empty strings");
      if (value === undefined) continue;
      const at = prefix ? `${prefix}.${key}` : key;
      if (isPlainObject(value)) walk(value, at);
      else out.push(`${at}=${tomlValue(value, at)}`);
    }
  };
  walk(config, "");
  return out;
}

/** The prompt and the image paths of an SDK input: text parts joined by blank lines. */
function normaliseInput(input) {
  if (typeof input === "string") return { prompt: input, images: [] };
  const texts = [];
  const images = [];
  for (const item of input) {
    if (item.type === "text") texts.push(item.text);
    else if (item.type === "local_image") images.push(item.path);
  }
  return { prompt: texts.join("\n\n"), images };
}

/** The `--config` values that come from the Codex options, in the SDK's order. */
function codexConfigOverrides(codex) {
  const out = [];
  if (codex.config) out.push(...configOverrides(codex.config));
  if (codex.configOverrides) out.push(...codex.configOverrides);
  if (codex.baseUrl) out.push(`openai_base_url=${tomlValue(codex.baseUrl, "openai_base_url")}`);
  return out;
}

/** The `--config` values that come from the thread options, in the SDK's order. */
function threadConfigOverrides(thread) {
  const out = [];
  if (thread.modelReasoningEffort) out.push(`model_reasoning_effort="${thread.modelReasoningEffort}"`);
  if (thread.networkAccessEnabled !== undefined) {
    out.push(`sandbox_workspace_write.network_access=${thread.networkAccessEnabled}`);
  }
  if (thread.webSearchMode) out.push(`web_search="${thread.webSearchMode}"`);
  else if (thread.webSearchEnabled === true) out.push('web_search="live"');
  else if (thread.webSearchEnabled === false) out.push('web_search="disabled"');
  if (thread.approvalPolicy) out.push(`approval_policy="${thread.approvalPolicy}"`);
  return out;
}

/**
 * The arguments after the binary. `turn`: `threadId` (resume it when set), `images`,
 * `outputSchemaFile`, `cyberAccessProgram`; `thread`: the ThreadOptions; `codex`: the
 * CodexOptions (`config`, `configOverrides`, `baseUrl`).
 */
function execArgs(codex, thread, turn) {
  const args = ["exec", "--experimental-json"];
  const config = (override) => args.push("--config", override);
  codexConfigOverrides(codex).forEach(config);
  if (thread.model) args.push("--model", thread.model);
  if (thread.threadSource !== undefined && !turn.threadId) args.push("--thread-source", thread.threadSource);
  if (thread.sandboxMode) args.push("--sandbox", thread.sandboxMode);
  if (thread.workingDirectory) args.push("--cd", thread.workingDirectory);
  if (thread.additionalDirectories && thread.additionalDirectories.length) {
    for (const dir of thread.additionalDirectories) args.push("--add-dir", dir);
  }
  if (thread.skipGitRepoCheck) args.push("--skip-git-repo-check");
  if (turn.outputSchemaFile) args.push("--output-schema", turn.outputSchemaFile);
  if (turn.cyberAccessProgram !== undefined) args.push("--cyber-access-program", turn.cyberAccessProgram);
  threadConfigOverrides(thread).forEach(config);
  if (turn.threadId) args.push("resume", turn.threadId);
  for (const image of turn.images || []) args.push("--image", image);
  return args;
}

/**
 * The child's environment: `env` when given (nothing inherited), else this process's; the
 * SDK's originator unless one is set; `apiKey` as CODEX_API_KEY.
 */
function execEnv(codex) {
  const env = {};
  for (const [key, value] of Object.entries(codex.env || process.env)) {
    if (value !== undefined) env[key] = String(value);
  }
  if (!env[ORIGINATOR_ENV]) env[ORIGINATOR_ENV] = ORIGINATOR;
  if (codex.apiKey) env.CODEX_API_KEY = codex.apiKey;
  return env;
}

module.exports = { codexConfigOverrides, configOverrides, execArgs, execEnv, normaliseInput, threadConfigOverrides, tomlValue };
