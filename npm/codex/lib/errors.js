// Errors shared by the transports and the Codex API.
"use strict";

/**
 * What a turn stopped by its AbortSignal rejects with: the same name, code and message as
 * Node's own AbortError (which @openai/codex-sdk passes on from `child_process.spawn`), with
 * the signal's reason as its cause.
 */
function abortError(signal) {
  const err = new Error("The operation was aborted");
  err.name = "AbortError";
  err.code = "ABORT_ERR";
  if (signal && signal.reason !== undefined) err.cause = signal.reason;
  return err;
}

function isAbortError(err) {
  return Boolean(err) && err.name === "AbortError";
}

/**
 * What using an in-process-only feature without the addon throws: `what` (e.g. "codex.search")
 * and why the addon is not there.
 */
function needsAddon(what, why) {
  const err = new Error(`${what} needs the in-process addon: ${why}`);
  err.code = "JGT_CODEX_NEEDS_ADDON";
  return err;
}

module.exports = { abortError, isAbortError, needsAddon };
