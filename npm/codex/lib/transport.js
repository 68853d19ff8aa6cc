// Which transport a Codex uses: the in-process addon when it loads ("native"), else `codex exec`
// subprocesses with one warning per process; `transport` (or JGT_CODEX_TRANSPORT) chooses.
"use strict";

const { loadBindingOnce } = require("./binding.js");

/**
 * The subprocess transport, loaded only when used: it needs child_process, streams and
 * readline, which a program on the addon never loads.
 */
function createSubprocessTransport(options, why) {
  return require("./subprocess.js").createSubprocessTransport(options, why);
}

const TRANSPORTS = ["native", "subprocess"];
const WARNING_CODE = "JGT_CODEX_SUBPROCESS";
let warned = false;

/** The addon and the native transport's module, or an Error saying why not. */
function loadNative() {
  const { binding, paths } = loadBindingOnce();
  let native;
  try {
    native = require("./native.js");
  } catch (err) {
    if (err && err.code === "MODULE_NOT_FOUND" && String(err.message).includes("native.js")) {
      throw new Error("lib/native.js, which drives the addon, is missing from this copy of @jgt/codex");
    }
    throw err;
  }
  return { binding, paths, createNativeTransport: native.createNativeTransport };
}

function requested(options) {
  if (options.transport !== undefined) {
    if (!TRANSPORTS.includes(options.transport)) {
      throw new TypeError(`transport must be "native" or "subprocess", not ${JSON.stringify(options.transport)}`);
    }
    return { transport: options.transport, by: `this Codex was created with transport: "${options.transport}"` };
  }
  const fromEnv = process.env.JGT_CODEX_TRANSPORT;
  if (fromEnv) {
    if (!TRANSPORTS.includes(fromEnv)) {
      throw new TypeError(`JGT_CODEX_TRANSPORT must be "native" or "subprocess", not ${JSON.stringify(fromEnv)}`);
    }
    return { transport: fromEnv, by: `JGT_CODEX_TRANSPORT=${fromEnv} is set` };
  }
  return { transport: undefined, by: null };
}

/** Why the addon did not load, on one line. */
function shortReason(err) {
  if (err && Array.isArray(err.attempts) && err.attempts.length) {
    return err.attempts.map((a) => `${a.source}: ${a.reason}`).join("; ");
  }
  return String((err && err.message) || err).split("\n")[0];
}

function warnOnce(reason) {
  if (warned) return;
  warned = true;
  process.emitWarning(
    "@jgt/codex: the in-process addon did not load, so each turn runs `codex exec` as a " +
      "subprocess, without onApproval, tools, thread.compact() or codex.search(). " +
      'Pass transport: "subprocess" to choose this without a warning.',
    { code: WARNING_CODE, detail: reason },
  );
}

/**
 * The transport for `new Codex(options)`. A `codexPathOverride` is the binary the subprocess
 * transport runs, and the sandbox helper of the native one.
 */
function chooseTransport(options) {
  const { transport, by } = requested(options);
  if (transport === "subprocess") return createSubprocessTransport(options, { unavailable: by });
  let native;
  try {
    native = loadNative();
  } catch (err) {
    if (transport === "native") {
      const error = new Error(
        `@jgt/codex: the native transport was asked for (${by}), but the in-process addon did not load: ${err.message}`,
        { cause: err },
      );
      error.code = "JGT_CODEX_NO_ADDON";
      throw error;
    }
    const created = createSubprocessTransport(options, { unavailable: `it did not load (${shortReason(err)})` });
    warnOnce(err.message);
    return created;
  }
  const paths = options.codexPathOverride ? { ...native.paths, sandboxExe: options.codexPathOverride } : native.paths;
  return native.createNativeTransport(native.binding, paths, options);
}

module.exports = { TRANSPORTS, WARNING_CODE, chooseTransport };
