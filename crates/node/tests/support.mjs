// Shared by the addon's tests: the built addon, CLI and mock model server (CODEX_NODE_ADDON,
// CODEX_BIN, MOCK_BIN; `crates/node/tests/run` builds and sets them), temporary directories,
// the mock server, and `codex exec --json` for comparison.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { after } from "node:test";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
export const here = dirname(fileURLToPath(import.meta.url));
export const nativeJs = join(here, "../../../npm/codex/lib/native.js");
export const addonPath = process.env.CODEX_NODE_ADDON;
export const codexBin = process.env.CODEX_BIN;
export const mockBin = process.env.MOCK_BIN;
assert.ok(addonPath && codexBin && mockBin, "set CODEX_NODE_ADDON, CODEX_BIN and MOCK_BIN (crates/node/tests/run does)");

export const binding = require(addonPath);
export const { createNativeTransport } = require(nativeJs);

const servers = [];
const dirs = [];
after(() => {
  for (const s of servers) s.stdin.end();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

export function tempDir(prefix = "codex-node-") {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/**
 * Starts the mock model server: `scenario` is "plain" or "shell", or an array of script steps
 * (see crates/test-support/src/script_file.rs). `record: true` keeps the requests; `stop()`
 * ends the server and returns them.
 */
export async function startMock(scenario, { record = false } = {}) {
  const args = [];
  if (Array.isArray(scenario)) {
    const file = join(tempDir(), "script.json");
    writeFileSync(file, JSON.stringify(scenario));
    args.push("--script", file);
  } else {
    args.push("--scenario", scenario);
  }
  const recordFile = record ? join(tempDir(), "requests.jsonl") : null;
  if (recordFile) args.push("--record", recordFile);
  const child = spawn(mockBin, args, { stdio: ["pipe", "pipe", "ignore"] });
  servers.push(child);
  const url = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`mock exited with ${code}`)));
  });
  return {
    url,
    async stop() {
      child.stdin.end();
      if (child.exitCode === null) await once(child, "exit");
      if (!recordFile) return [];
      const text = readFileSync(recordFile, "utf8").trim();
      return text ? text.split("\n").map((l) => JSON.parse(l)) : [];
    },
  };
}

/** The environment a session sees: nothing from this process but PATH. */
export function sessionEnv(home) {
  return { PATH: process.env.PATH, HOME: home, CODEX_HOME: home };
}

/** A native transport against the mock, with its own CODEX_HOME unless `home` is given. */
export function nativeTransport(url, { home = tempDir(), paths = {}, ...options } = {}) {
  const codexOptions = { baseUrl: url, apiKey: "test-key", env: sessionEnv(home), ...options };
  return createNativeTransport(binding, { sandboxExe: codexBin, ...paths }, codexOptions);
}

/** Runs one turn and collects its events. */
export async function runTurn(handle, input, options = {}) {
  const events = [];
  await handle.runTurn({ input, ...options }, (event) => events.push(event));
  return events;
}

/**
 * `codex exec --json` with the flags @openai/codex-sdk would pass for `thread` (the subset the
 * tests use), the prompt on stdin. Returns the events, stderr and exit code.
 */
export async function execJson(url, home, thread, prompt, { resume, images = [] } = {}) {
  const args = ["exec", "--experimental-json", "--config", `openai_base_url=${JSON.stringify(url)}`];
  if (thread.model) args.push("--model", thread.model);
  if (thread.sandboxMode) args.push("--sandbox", thread.sandboxMode);
  if (thread.workingDirectory) args.push("--cd", thread.workingDirectory);
  if (thread.skipGitRepoCheck) args.push("--skip-git-repo-check");
  if (thread.approvalPolicy) args.push("--config", `approval_policy="${thread.approvalPolicy}"`);
  if (resume) args.push("resume", resume);
  for (const image of images) args.push("--image", image);
  const env = { ...sessionEnv(home), CODEX_INTERNAL_ORIGINATOR_OVERRIDE: "codex_sdk_ts", CODEX_API_KEY: "test-key" };
  const child = spawn(codexBin, args, { env, stdio: ["pipe", "pipe", "pipe"] });
  child.stdin.end(prompt);
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
  const [code] = await once(child, "close");
  const events = stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  return { events, stderr, code };
}

/** Events with the thread id replaced, to compare two runs. */
export function withoutThreadId(events) {
  return events.map((e) => (e.type === "thread.started" ? { ...e, thread_id: "<id>" } : e));
}

/** Pids of live processes whose command line is exactly `argv`. */
export function pidsOf(argv) {
  const want = argv.join("\0");
  const pids = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8").replace(/\0$/, "");
      const state = readFileSync(`/proc/${name}/stat`, "utf8").split(") ")[1]?.[0];
      if (cmdline === want && state !== "Z") pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Waits until `check()` is truthy (polling), or fails after `ms`. */
export async function waitFor(check, ms, what) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
