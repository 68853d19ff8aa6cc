// @jgt/codex as a library: the API of @openai/codex-sdk (Codex, Thread, run, runStreamed, the
// same events and items), served by the in-process addon, or by `codex exec` subprocesses where
// the addon cannot load. Additions: onApproval, tools, transport, thread.interrupt(),
// thread.compact(), thread.close(), codex.search(), codex.applyPatch(). Types: index.d.ts.
"use strict";

const { Thread } = require("./lib/thread.js");
const { chooseTransport } = require("./lib/transport.js");

/**
 * Codex is the main class for interacting with the Codex agent.
 *
 * Use the `startThread()` method to start a new thread or `resumeThread()` to resume a
 * previously started thread.
 */
class Codex {
  #transport;

  constructor(options = {}) {
    this.#transport = chooseTransport(options || {});
  }

  /** "native" (the in-process addon) or "subprocess" (`codex exec` for each turn). */
  get transport() {
    return this.#transport.kind;
  }

  /**
   * Starts a new conversation with an agent.
   * @returns A new thread instance.
   */
  startThread(options = {}) {
    return new Thread(this.#transport.startThread(options || {}, null), null);
  }

  /**
   * Resumes a conversation with an agent based on the thread id.
   * Threads are persisted in ~/.codex/sessions.
   */
  resumeThread(id, options = {}) {
    return new Thread(this.#transport.startThread(options || {}, id), id);
  }

  /** Content search (ripgrep's engine) or fuzzy file-name search, in-process only. */
  search(options) {
    return this.#transport.search(options);
  }

  /** Applies a patch in the apply_patch format under `cwd`: `{ ok, output }`. */
  applyPatch(patch, options = {}) {
    return this.#transport.applyPatch(patch, options || {});
  }
}

module.exports = { Codex, Thread };
