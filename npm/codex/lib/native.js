// The native transport of TRANSPORT.md: threads run in this process on the addon
// (crates/node), which speaks to the engine as `codex exec` does. The Codex and thread options
// become what @openai/codex-sdk would pass `codex exec` (`--config` texts in its order, flag
// values, the child's environment); the addon resolves them with the CLI's own code.
"use strict";

const util = require("util");
const { abortError } = require("./errors.js");
const { codexConfigOverrides, execEnv, normaliseInput, threadConfigOverrides } = require("./exec-args.js");

const log = util.debuglog("jgt-codex");

const ANSWERS = ["approved", "approved_for_session", "denied", "abort"];

function isPlainObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The `--config` texts @openai/codex-sdk would pass `codex exec`, in its order. */
function configOverrides(codex, thread) {
  return [...codexConfigOverrides(codex), ...threadConfigOverrides(thread)];
}

function checkTools(tools) {
  if (tools === undefined) return [];
  if (!Array.isArray(tools)) throw new TypeError("tools must be an array of { name, description, parameters, handler }");
  for (const tool of tools) {
    if (!tool || typeof tool.name !== "string" || !tool.name) throw new TypeError("each tool needs a name (a string)");
    if (typeof tool.handler !== "function") throw new TypeError(`tool \`${tool.name}\` needs a handler function`);
    if (tool.parameters !== undefined && !isPlainObject(tool.parameters)) {
      throw new TypeError(`the parameters of tool \`${tool.name}\` must be a JSON Schema object`);
    }
  }
  return tools;
}

/** `onApproval` for the addon: always an answer from the list; anything else is "denied". */
function approvalCallback(onApproval) {
  if (onApproval === undefined) return undefined;
  if (typeof onApproval !== "function") throw new TypeError("onApproval must be a function");
  return async (json) => {
    const request = JSON.parse(json);
    try {
      const answer = await onApproval(request);
      if (ANSWERS.includes(answer)) return answer;
      log("onApproval answered %j for %s; taken as denied", answer, request.id);
    } catch (err) {
      log("onApproval failed for %s; taken as denied: %s", request.id, err && err.stack);
    }
    return "denied";
  };
}

/** Runs one JavaScript tool call; the answer is `{ ok, output }` as JSON. */
async function runTool(byName, controllers, json) {
  const call = JSON.parse(json);
  const tool = byName.get(call.name);
  if (!tool) return JSON.stringify({ ok: false, output: `unsupported call: ${call.name}` });
  let args;
  try {
    args = call.arguments ? JSON.parse(call.arguments) : {};
  } catch (err) {
    return JSON.stringify({ ok: false, output: `failed to parse function arguments: ${err.message}` });
  }
  const controller = new AbortController();
  controllers.set(call.callId, controller);
  try {
    const result = await tool.handler(args, { signal: controller.signal, callId: call.callId, threadId: call.threadId });
    const output = typeof result === "string" ? result : result === undefined ? "" : JSON.stringify(result);
    return JSON.stringify({ ok: true, output: output === undefined ? "" : output });
  } catch (err) {
    const message = err && typeof err.message === "string" ? err.message : String(err);
    return JSON.stringify({ ok: false, output: message });
  } finally {
    controllers.delete(call.callId);
  }
}

function createNativeTransport(binding, paths, codexOptions) {
  const codex = codexOptions || {};
  const addonPaths = paths || {};
  checkTools(codex.tools);
  approvalCallback(codex.onApproval);

  function startThread(threadOptions, resumeId) {
    const thread = threadOptions || {};
    const tools = checkTools(thread.tools !== undefined ? thread.tools : codex.tools);
    const onApproval = approvalCallback(thread.onApproval !== undefined ? thread.onApproval : codex.onApproval);
    const config = {
      configOverrides: configOverrides(codex, thread),
      model: thread.model || undefined,
      sandboxMode: thread.sandboxMode || undefined,
      workingDirectory: thread.workingDirectory || undefined,
      additionalDirectories: thread.additionalDirectories && thread.additionalDirectories.length ? thread.additionalDirectories : undefined,
      skipGitRepoCheck: Boolean(thread.skipGitRepoCheck),
      threadSource: thread.threadSource,
      env: execEnv(codex),
      askForApproval: onApproval !== undefined,
      sandboxExe: addonPaths.sandboxExe || undefined,
      bundledPath: addonPaths.bundledPath || undefined,
      resumeId: resumeId || undefined,
    };
    const definitions = tools.map((t) => ({
      name: t.name,
      description: t.description === undefined ? "" : String(t.description),
      parameters: t.parameters === undefined ? undefined : JSON.stringify(t.parameters),
    }));
    const native = binding.startThread(config, definitions);
    const byName = new Map(tools.map((t) => [t.name, t]));
    const controllers = new Map();
    const onTool = tools.length ? (json) => runTool(byName, controllers, json) : undefined;
    let closed = false;
    let running = null;

    function startTurn(turn, onEvent) {
      const { input, outputSchema, signal, cyberAccessProgram } = turn || {};
      return new Promise((resolve, reject) => {
        if (closed) return reject(new Error("this thread is closed"));
        if (signal && signal.aborted) return reject(abortError(signal));
        let aborted = false;
        let failure = null;
        let finished = false;
        const onAbort = () => {
          aborted = true;
          native.interrupt();
        };
        const finish = (error) => {
          if (finished) return;
          finished = true;
          if (signal) signal.removeEventListener("abort", onAbort);
          for (const controller of controllers.values()) controller.abort(new Error("the turn ended"));
          if (aborted) reject(abortError(signal));
          else if (failure) reject(failure);
          else if (error) reject(error);
          else resolve();
        };
        const onMessage = (kind, payload) => {
          if (kind === "event") {
            if (aborted || failure) return;
            try {
              onEvent(JSON.parse(payload));
            } catch (err) {
              failure = err;
              native.interrupt();
            }
          } else if (kind === "done") finish();
          else if (kind === "error") finish(new Error(payload));
          else if (kind === "tool.abort") {
            const controller = controllers.get(payload);
            if (controller) controller.abort(new Error("the turn was interrupted"));
          }
        };
        try {
          const { prompt, images } = normaliseInput(input);
          const request = { prompt, images };
          if (outputSchema !== undefined) request.outputSchema = JSON.stringify(outputSchema);
          if (cyberAccessProgram !== undefined) request.cyberAccessProgram = cyberAccessProgram;
          native.runTurn(request, onMessage, onApproval, onTool);
        } catch (err) {
          finished = true;
          return reject(err);
        }
        if (signal) signal.addEventListener("abort", onAbort, { once: true });
      });
    }

    function runTurn(turn, onEvent) {
      const result = startTurn(turn, onEvent);
      const settled = result.then(
        () => {},
        () => {},
      );
      running = settled;
      settled.then(() => {
        if (running === settled) running = null;
      });
      return result;
    }

    return {
      runTurn,
      async interrupt() {
        const turn = running;
        native.interrupt();
        if (turn) await turn;
      },
      async compact() {
        if (closed) throw new Error("this thread is closed");
        await native.compact();
      },
      close() {
        if (closed) return;
        closed = true;
        native.close();
      },
    };
  }

  async function search(options) {
    if (!isPlainObject(options)) throw new TypeError("search options must be an object");
    const json = await binding.search(JSON.stringify({ cwd: process.cwd(), ...options }));
    return JSON.parse(json);
  }

  async function applyPatch(patch, options = {}) {
    if (typeof patch !== "string") throw new TypeError("the patch must be a string");
    const cwd = (options && options.cwd) || process.cwd();
    const { ok, output } = await binding.applyPatch(patch, cwd);
    return { ok, output };
  }

  return { kind: "native", startThread, search, applyPatch };
}

module.exports = { createNativeTransport };
