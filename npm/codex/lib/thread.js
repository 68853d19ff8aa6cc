// A thread of turns with the agent: @openai/codex-sdk's Thread (run, runStreamed, id) over a
// transport handle (TRANSPORT.md), plus interrupt, compact and close.
"use strict";

const { abortError } = require("./errors.js");

function checkOutputSchema(schema) {
  if (schema === undefined) return;
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) {
    throw new Error("outputSchema must be a plain JSON object");
  }
}

function isTurnEnd(event) {
  return event.type === "turn.completed" || event.type === "turn.failed";
}

/** Represent a thread of conversation with the agent. One thread can have multiple consecutive turns. */
class Thread {
  #handle;
  #id;

  /* @internal: made by Codex.startThread and Codex.resumeThread. */
  constructor(handle, id) {
    this.#handle = handle;
    this.#id = id || null;
  }

  /** Returns the ID of the thread. Populated after the first turn starts. */
  get id() {
    return this.#id;
  }

  /**
   * Provides the input to the agent and streams events as they are produced during the turn.
   * Nothing runs until the events are read. After a `turn.failed` event, reading on throws an
   * Error with the failure's message.
   */
  async runStreamed(input, turnOptions = {}) {
    return { events: this.#streamed(input, turnOptions) };
  }

  async *#streamed(input, turnOptions) {
    let failure = null;
    for await (const event of this.#events(input, turnOptions)) {
      if (event.type === "turn.failed") failure = event.error;
      yield event;
    }
    if (failure) throw new Error(failure.message);
  }

  /** Provides the input to the agent and returns the completed turn. */
  async run(input, turnOptions = {}) {
    const items = [];
    let finalResponse = "";
    let usage = null;
    let failure = null;
    for await (const event of this.#events(input, turnOptions)) {
      if (event.type === "item.completed") {
        if (event.item.type === "agent_message") finalResponse = event.item.text;
        items.push(event.item);
      } else if (event.type === "turn.completed") {
        usage = event.usage;
      } else if (event.type === "turn.failed") {
        failure = event.error;
        break;
      }
    }
    if (failure) throw new Error(failure.message);
    return { items, finalResponse, usage };
  }

  /** Stops the running turn, which then ends with `turn.failed`; nothing when none runs. */
  async interrupt() {
    await this.#handle.interrupt();
  }

  /** Summarises the thread's history so far to free the model's context (in-process only). */
  async compact() {
    await this.#handle.compact();
  }

  /** Ends the thread and frees what it holds; a turn still running is stopped. Idempotent. */
  close() {
    this.#handle.close();
  }

  /**
   * One turn's events in order, as the transport delivers them. Ends after the turn's last
   * event; throws when the transport fails, or an AbortError when `signal` stops the turn.
   * Leaving early (a `break`) stops the turn and waits until it has stopped.
   */
  async *#events(input, turnOptions) {
    const options = turnOptions || {};
    checkOutputSchema(options.outputSchema);
    const userSignal = options.signal;
    if (userSignal && userSignal.aborted) throw abortError(userSignal);
    const stopper = new AbortController();
    const forwardAbort = () => stopper.abort(userSignal.reason);
    if (userSignal) userSignal.addEventListener("abort", forwardAbort, { once: true });

    const queue = [];
    let wake = null;
    let settled = false;
    let failure = null;
    let ended = false;
    const notify = () => {
      if (wake) {
        const resume = wake;
        wake = null;
        resume();
      }
    };
    const onEvent = (event) => {
      if (event.type === "thread.started") {
        this.#id = event.thread_id;
      } else if (event.type === "turn.completed" && event.usage && event.usage.cache_write_input_tokens == null) {
        event.usage.cache_write_input_tokens = 0;
      }
      if (isTurnEnd(event)) ended = true;
      queue.push(event);
      notify();
    };
    let turn;
    try {
      turn = Promise.resolve(this.#handle.runTurn({ ...options, input, signal: stopper.signal }, onEvent));
    } catch (err) {
      turn = Promise.reject(err);
    }
    const done = turn.then(
      () => {
        settled = true;
        notify();
      },
      (err) => {
        settled = true;
        failure = err;
        notify();
      },
    );

    let readToEnd = false;
    try {
      for (;;) {
        if (queue.length) {
          yield queue.shift();
          continue;
        }
        if (settled) break;
        await new Promise((resolve) => {
          wake = resolve;
        });
      }
      readToEnd = true;
      if (failure) throw failure;
    } finally {
      if (userSignal) userSignal.removeEventListener("abort", forwardAbort);
      if (!readToEnd) {
        if (!settled && !ended) stopper.abort(new Error("the turn's events were not read to the end"));
        await done;
      }
    }
  }
}

module.exports = { Thread };
