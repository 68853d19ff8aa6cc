// The subprocess transport: each turn runs `codex exec --experimental-json` (the platform
// package's binary, or `codexPathOverride`), with the prompt on stdin and one event per stdout
// line, as @openai/codex-sdk does. Used where the in-process addon cannot load, or when asked
// for with `transport: "subprocess"`. See TRANSPORT.md for the interface.
"use strict";

const { spawn } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");
const readline = require("readline");
const launcher = require("./launcher.js");
const { abortError, needsAddon } = require("./errors.js");
const { execArgs, execEnv, normaliseInput } = require("./exec-args.js");

/** How long a stopped `codex exec` has to end its turn (it kills its commands) before SIGKILL. */
const KILL_AFTER_MS = 5000;
/** The most of a child's stderr kept for an error message. */
const STDERR_LIMIT = 64 * 1024;

const IN_PROCESS_ONLY = ["onApproval", "tools"];

/** The codex binary the launcher would run (JGT_CODEX_BIN, else this platform's package). */
function packagedBinary() {
  try {
    return launcher.resolveBinary(launcher.realHost()).binary;
  } catch (err) {
    if (err instanceof launcher.LaunchError) throw new Error(err.message);
    throw err;
  }
}

/** Writes `schema` to a temporary file for `--output-schema`; `cleanup` removes it. */
async function outputSchemaFile(schema) {
  if (schema === undefined) return { cleanup: async () => {} };
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) {
    throw new Error("outputSchema must be a plain JSON object");
  }
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), "codex-output-schema-"));
  const cleanup = () => fs.promises.rm(dir, { recursive: true, force: true }).catch(() => {});
  try {
    const file = path.join(dir, "schema.json");
    await fs.promises.writeFile(file, JSON.stringify(schema), "utf8");
    return { schemaPath: file, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/**
 * What a `codex exec` that ended without finishing its turn reports: its own `error: …` line,
 * else the exit status and everything it printed (as @openai/codex-sdk words it).
 */
function exitError(code, signal, stderr) {
  const lines = stderr.split(/\r?\n/);
  const errorLine = lines.filter((l) => l.startsWith("error: ")).pop();
  if (errorLine) return new Error(errorLine.slice("error: ".length));
  const detail = signal ? `signal ${signal}` : `code ${code === null ? 1 : code}`;
  return new Error(`Codex Exec exited with ${detail}: ${stderr}`);
}

/** Collects a stream's text, keeping at most the last STDERR_LIMIT characters. */
function collect(stream) {
  let text = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk) => {
    text += chunk;
    if (text.length > STDERR_LIMIT) text = text.slice(-STDERR_LIMIT);
  });
  return () => text;
}

/**
 * Ends a running `codex exec`: SIGINT first, which makes it stop the turn, kill the commands it
 * started and exit; SIGKILL if it has not gone after KILL_AFTER_MS.
 */
function stop(run) {
  if (run.stopping) return;
  run.stopping = true;
  try {
    run.child.kill("SIGINT");
  } catch {
    // Already gone.
  }
  run.killTimer = setTimeout(() => {
    try {
      run.child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }, KILL_AFTER_MS);
}

/**
 * Runs one `codex exec` turn: resolves once the child has exited after delivering every event
 * (a finished or failed turn), rejects when it could not run or ended without finishing the
 * turn, or with an AbortError when `signal` stopped it.
 */
function runExec({ binary, args, env, prompt, signal, onEvent, onThreadId, running }) {
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn(binary, args, { env, stdio: ["pipe", "pipe", "pipe"], windowsHide: true });
    } catch (err) {
      reject(err);
      return;
    }
    const run = { child, stopping: false, interrupted: false, killTimer: null, exited: null };
    run.exited = new Promise((done) => child.once("close", done));
    running.add(run);
    let aborted = false;
    let terminal = false;
    let failure = null;
    let spawnError = null;
    const onAbort = () => {
      aborted = true;
      stop(run);
    };
    if (signal) signal.addEventListener("abort", onAbort, { once: true });
    child.once("error", (err) => {
      spawnError = err;
    });
    // A child that is gone before reading its prompt closes the pipe; its exit says why.
    child.stdin.on("error", () => {});
    child.stdin.end(prompt);
    const stderr = collect(child.stderr);
    const lines = readline.createInterface({ input: child.stdout, crlfDelay: Infinity });
    const linesDone = new Promise((done) => lines.once("close", done));
    lines.on("line", (line) => {
      if (aborted || failure) return;
      let event;
      try {
        event = JSON.parse(line);
      } catch (cause) {
        failure = new Error(`Failed to parse item: ${line}`, { cause });
        stop(run);
        return;
      }
      if (event.type === "thread.started") onThreadId(event.thread_id);
      if (event.type === "turn.completed" || event.type === "turn.failed") terminal = true;
      try {
        onEvent(event);
      } catch (err) {
        failure = err;
        stop(run);
      }
    });
    child.once("close", async (code, exitSignal) => {
      await linesDone;
      clearTimeout(run.killTimer);
      if (signal) signal.removeEventListener("abort", onAbort);
      running.delete(run);
      if (aborted) return reject(abortError(signal));
      if (failure) return reject(failure);
      if (spawnError) return reject(spawnError);
      if (terminal || code === 0) return resolve();
      if (run.interrupted) {
        // Stopped before it could say so itself (Windows ends the process outright).
        try {
          onEvent({ type: "turn.failed", error: { message: "the turn was interrupted" } });
        } catch (err) {
          return reject(err);
        }
        return resolve();
      }
      return reject(exitError(code, exitSignal, stderr()));
    });
  });
}

/**
 * The transport of TRANSPORT.md over `codex exec`. `unavailable` says why the addon is not in
 * use, for the errors of what only it can do.
 */
function createSubprocessTransport(codexOptions, { unavailable } = {}) {
  const options = codexOptions || {};
  const why = unavailable || 'this Codex was created with transport: "subprocess"';
  for (const name of IN_PROCESS_ONLY) {
    if (options[name] !== undefined) throw needsAddon(name, why);
  }
  const binary = options.codexPathOverride || packagedBinary();

  function startThread(threadOptions, resumeId) {
    const thread = threadOptions || {};
    for (const name of IN_PROCESS_ONLY) {
      if (thread[name] !== undefined) throw needsAddon(`ThreadOptions.${name}`, why);
    }
    let threadId = resumeId || null;
    let closed = false;
    const running = new Set();

    async function runTurn(turn, onEvent) {
      if (closed) throw new Error("this thread is closed");
      const { input, outputSchema, signal } = turn;
      if (signal && signal.aborted) throw abortError(signal);
      const { prompt, images } = normaliseInput(input);
      const schema = await outputSchemaFile(outputSchema);
      try {
        const args = execArgs(options, thread, {
          threadId,
          images,
          outputSchemaFile: schema.schemaPath,
          cyberAccessProgram: turn.cyberAccessProgram,
        });
        await runExec({
          binary,
          args,
          env: execEnv(options),
          prompt,
          signal,
          onEvent,
          onThreadId: (id) => {
            threadId = id;
          },
          running,
        });
      } finally {
        await schema.cleanup();
      }
    }

    /** Stops the running turns, which end with `turn.failed` ("the turn was interrupted"). */
    async function interrupt() {
      const runs = [...running];
      for (const run of runs) {
        run.interrupted = true;
        stop(run);
      }
      await Promise.all(runs.map((run) => run.exited));
    }

    async function compact() {
      throw needsAddon("thread.compact", why);
    }

    function close() {
      if (closed) return;
      closed = true;
      for (const run of running) stop(run);
    }

    return { runTurn, interrupt, compact, close };
  }

  async function search() {
    throw needsAddon("codex.search", why);
  }

  /** `codex apply-patch -` in `cwd`: `{ ok, output }`, output being its summary or its error. */
  function applyPatch(patch, { cwd } = {}) {
    if (typeof patch !== "string") return Promise.reject(new TypeError("applyPatch: the patch must be a string"));
    return new Promise((resolve, reject) => {
      let child;
      try {
        child = spawn(binary, ["apply-patch", "-"], {
          cwd: cwd || process.cwd(),
          env: execEnv(options),
          stdio: ["pipe", "pipe", "pipe"],
          windowsHide: true,
        });
      } catch (err) {
        reject(err);
        return;
      }
      let spawnError = null;
      child.once("error", (err) => {
        spawnError = err;
      });
      child.stdin.on("error", () => {});
      child.stdin.end(patch);
      const stdout = collect(child.stdout);
      const stderr = collect(child.stderr);
      child.once("close", (code, signal) => {
        if (spawnError) return reject(spawnError);
        if (code === 0) return resolve({ ok: true, output: stdout() });
        if (code === 1) return resolve({ ok: false, output: stderr() || stdout() });
        return reject(exitError(code, signal, stderr()));
      });
    });
  }

  return { kind: "subprocess", binary, startThread, search, applyPatch };
}

module.exports = { createSubprocessTransport, exitError };
