// The `codex` command of @jgt/codex: finds the native binary in this platform's package
// (@jgt/codex-<key>) and runs it with the same arguments, terminal and environment, then exits
// as it did. Plain CommonJS without dependencies, for Node 18 and later.
//
// Everything the resolution reads from the machine comes through a `host` object, so tests can
// fake the platform, the libc probes and the installed packages; `main` uses the real ones.
"use strict";

const fs = require("fs");
const os = require("os");
const path = require("path");

const SCOPE = "@jgt/codex-";

/** Every platform with a package of its own (`@jgt/codex-<key>`). */
const PLATFORM_KEYS = [
  "linux-x64-gnu",
  "linux-x64-musl",
  "linux-arm64-gnu",
  "linux-arm64-musl",
  "darwin-x64",
  "darwin-arm64",
  "win32-x64-msvc",
];

/** Signals passed on to the binary while it runs. SIGUSR1 is Node's debugger. */
const FORWARDED_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR2"];

/** A failure to start, told to the user as one message, without a stack trace. */
class LaunchError extends Error {
  constructor(message, exitCode) {
    super(message);
    this.name = "LaunchError";
    this.exitCode = exitCode === undefined ? 1 : exitCode;
  }
}

/** "gnu" or "musl" for a JGT_CODEX_LIBC value, else null. */
function normaliseLibc(value) {
  const v = String(value).trim().toLowerCase();
  if (v === "gnu" || v === "glibc") return "gnu";
  if (v === "musl") return "musl";
  return null;
}

/** The package key for a platform, an arch and (Linux) a libc; null when none is built. */
function platformKey(platform, arch, libc) {
  let key;
  if (platform === "linux") key = `linux-${arch}-${libc}`;
  else if (platform === "win32") key = `win32-${arch}-msvc`;
  else key = `${platform}-${arch}`;
  return PLATFORM_KEYS.includes(key) ? key : null;
}

function libcFromReport(report) {
  let header;
  try {
    const r = report();
    header = r && r.header;
  } catch {
    return null;
  }
  // Node reports the glibc it runs on; Bun and some embedders return an empty report.
  if (header && typeof header.glibcVersionRuntime === "string" && header.glibcVersionRuntime) {
    return "gnu";
  }
  return null;
}

function libcFromLdd(exec) {
  let result;
  try {
    result = exec("ldd", ["--version"]);
  } catch {
    return null;
  }
  if (!result || result.error) return null;
  // musl's ldd prints its banner on stderr and exits 1; glibc's prints on stdout and exits 0.
  const text = `${result.stdout || ""}\n${result.stderr || ""}`;
  if (/musl/i.test(text)) return "musl";
  if (/glibc|gnu libc|gnu c library/i.test(text)) return "gnu";
  return null;
}

/**
 * The C library of this Linux machine, each probe answering only when it is sure: Node's own
 * report, then `ldd --version`, then the musl loader on disk; glibc when none is.
 */
function detectLibc(host) {
  const fromReport = libcFromReport(host.report);
  if (fromReport) return { libc: fromReport, how: "process.report" };
  const fromLdd = libcFromLdd(host.exec);
  if (fromLdd) return { libc: fromLdd, how: "ldd --version" };
  const loaderArch = { x64: "x86_64", arm64: "aarch64" }[host.arch] || host.arch;
  const loader = `/lib/ld-musl-${loaderArch}.so.1`;
  if (host.exists(loader)) return { libc: "musl", how: loader };
  return { libc: "gnu", how: "default" };
}

function describePlatform(platform, arch, libc) {
  const names = { linux: "Linux", darwin: "macOS", win32: "Windows" };
  const name = names[platform] || platform;
  if (platform !== "linux" || !libc) return `${name} ${arch}`;
  return `${name} ${arch}, ${libc === "musl" ? "musl" : "glibc"}`;
}

function missingMessage(host, keys, libc) {
  const [wanted, ...others] = keys.map((k) => SCOPE + k);
  const meta = host.version ? `@jgt/codex@${host.version}` : "@jgt/codex";
  const also = others.length ? ` (nor ${others.join(", ")})` : "";
  return [
    `@jgt/codex: the codex binary for ${describePlatform(host.platform, host.arch, libc)} is missing.`,
    `It comes in ${wanted}, an optional dependency of @jgt/codex that is not installed${also}.`,
    "",
    "Install again with optional dependencies:",
    `  npm i -g ${meta} --include=optional`,
    `  pnpm add -g ${meta}`,
    `  bun add -g ${meta}`,
    "In a project, delete node_modules and package-lock.json, then run: npm install --include=optional",
    "",
    "Known causes:",
    "  - a package-lock.json written on another platform: npm follows it and leaves this",
    "    platform's package out (npm/cli#4828);",
    "  - optional dependencies turned off: --omit=optional, --no-optional, or omit=optional in",
    "    .npmrc or NPM_CONFIG_OMIT.",
    "To run a codex binary of your own instead, set JGT_CODEX_BIN to its path.",
  ].join("\n");
}

function unsupportedMessage(host) {
  return [
    `@jgt/codex: there is no codex binary for ${describePlatform(host.platform, host.arch)}.`,
    `Packages exist for: ${PLATFORM_KEYS.join(", ")}.`,
    "To run a codex binary built for this machine, set JGT_CODEX_BIN to its path.",
  ].join("\n");
}

/**
 * The libc named by `JGT_CODEX_LIBC` ("gnu" or "musl"), null when it is not set; a LaunchError
 * when it names something else.
 */
function libcOverride(host) {
  const value = host.env.JGT_CODEX_LIBC;
  if (!value) return null;
  const libc = normaliseLibc(value);
  if (!libc) {
    throw new LaunchError(`@jgt/codex: JGT_CODEX_LIBC must be "gnu" (glibc) or "musl", not "${value}".`);
  }
  return libc;
}

/**
 * Where the files for platform `key` are: the directory of the installed `@jgt/codex-<key>`
 * package, else a development copy in `vendor/<key>/` beside this package, whichever holds
 * `relative` (e.g. `bin/codex`). Null when neither does.
 */
function locatePlatformFile(host, key, relative) {
  const dir = host.resolvePackage(SCOPE + key);
  if (dir) {
    const file = path.join(dir, relative);
    if (host.exists(file)) return { dir, file, key, source: SCOPE + key };
  }
  const vendorDir = path.join(host.root, "vendor", key);
  const vendored = path.join(vendorDir, relative);
  if (host.exists(vendored)) return { dir: vendorDir, file: vendored, key, source: "vendor" };
  return null;
}

/**
 * Where the codex binary is: `JGT_CODEX_BIN`, else this platform's package (or a development
 * copy in `vendor/<key>/bin/`). On Linux the other libc's package is tried before giving up,
 * and the libc is only probed when it matters: npm installs just the matching package, so
 * with one present there is nothing to choose. Throws a LaunchError when nothing is found.
 */
function resolveBinary(host) {
  const override = host.env.JGT_CODEX_BIN;
  if (override) {
    if (!host.exists(override)) {
      throw new LaunchError(`@jgt/codex: JGT_CODEX_BIN is set to ${override}, which does not exist.`);
    }
    return { binary: override, key: null, source: "JGT_CODEX_BIN" };
  }
  const exe = host.platform === "win32" ? "codex.exe" : "codex";
  const locate = (key) => {
    const found = locatePlatformFile(host, key, path.join("bin", exe));
    return found && { binary: found.file, key, source: found.source };
  };

  if (host.platform !== "linux") {
    const key = platformKey(host.platform, host.arch);
    if (!key) throw new LaunchError(unsupportedMessage(host));
    const found = locate(key);
    if (!found) throw new LaunchError(missingMessage(host, [key]));
    return found;
  }

  let libc = libcOverride(host);
  const keys = { gnu: platformKey("linux", host.arch, "gnu"), musl: platformKey("linux", host.arch, "musl") };
  if (!keys.gnu && !keys.musl) throw new LaunchError(unsupportedMessage(host));
  const found = {
    gnu: keys.gnu ? locate(keys.gnu) : null,
    musl: keys.musl ? locate(keys.musl) : null,
  };
  if (!libc && ((found.gnu && found.musl) || (!found.gnu && !found.musl))) {
    libc = detectLibc(host).libc;
  }
  const order = libc === "musl" ? ["musl", "gnu"] : ["gnu", "musl"];
  for (const l of order) {
    if (found[l]) return found[l];
  }
  throw new LaunchError(missingMessage(host, order.map((l) => keys[l]).filter(Boolean), libc));
}

/** The machine as it is: what `main` resolves with. */
function realHost() {
  const root = path.join(__dirname, "..");
  return {
    platform: process.platform,
    arch: process.arch,
    env: process.env,
    root,
    // Only a message needs it.
    get version() {
      try {
        return JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).version;
      } catch {
        return null;
      }
    },
    report: () => {
      if (!process.report) return null;
      try {
        process.report.excludeNetwork = true;
      } catch {
        // Older Node: the report includes the network interfaces, which only costs time.
      }
      return process.report.getReport();
    },
    exec: (cmd, args) =>
      require("child_process").spawnSync(cmd, args, {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        timeout: 5000,
      }),
    exists: (p) => fs.existsSync(p),
    executable: (p) => {
      try {
        fs.accessSync(p, fs.constants.X_OK);
        return true;
      } catch {
        return false;
      }
    },
    resolvePackage: (name) => {
      try {
        return path.dirname(require.resolve(`${name}/package.json`));
      } catch {
        return null;
      }
    },
  };
}

/** The dynamic loader a glibc build needs; musl builds are static. */
const GLIBC_LOADERS = {
  "linux-x64-gnu": "/lib64/ld-linux-x86-64.so.2",
  "linux-arm64-gnu": "/lib/ld-linux-aarch64.so.1",
};

/**
 * Whether this process can become the binary (`process.execve`, Node 22.15 and later, not on
 * Windows), which saves the child process, the signal forwarding and about 10 ms. A failed
 * execve aborts Node with a native stack trace, so it is only tried when the binary is known to
 * start: one from a platform package, executable, and with its loader present; otherwise the
 * binary runs as a child, whose failure is told in one line.
 */
function canReplaceProcess(found, host, proc) {
  if (proc.platform === "win32" || typeof proc.execve !== "function" || !found.key) return false;
  const loader = GLIBC_LOADERS[found.key];
  if (loader && !host.exists(loader)) return false;
  return host.executable(found.binary);
}

function spawnFailure(binary, err) {
  if (err.code === "EACCES") {
    return new LaunchError(`@jgt/codex: ${binary} is not executable (${err.message}); chmod +x it.`, 126);
  }
  if (err.code === "ENOENT") {
    return new LaunchError(
      `@jgt/codex: cannot run ${binary} (${err.message}). If the file is there, its loader is ` +
        "missing: a glibc build on a musl system, or the other way round. Install the package " +
        "for this system's libc, or set JGT_CODEX_LIBC.",
      127,
    );
  }
  return new LaunchError(`@jgt/codex: cannot run ${binary}: ${err.message}`, 1);
}

/**
 * Runs `binary` with `args` on this terminal and environment, passes termination signals on to
 * it, and exits as it did: with its exit code, or by its signal, raised again on this process.
 */
function run(binary, args, proc) {
  proc = proc || process;
  let child = null;
  const handlers = [];
  // On Windows the console delivers Ctrl-C to the binary itself, and `kill` would terminate it
  // outright; this process only has to stay alive until the binary is done.
  const windows = proc.platform === "win32";
  const signals = windows ? ["SIGINT", "SIGBREAK"] : FORWARDED_SIGNALS;
  // Listening before the spawn: a signal that comes while it starts is handled once this
  // function has returned, when `child` is set, rather than ending this process alone.
  for (const signal of signals) {
    const handler = () => {
      if (windows || !child) return;
      try {
        child.kill(signal);
      } catch {
        // It has already gone.
      }
    };
    handlers.push([signal, handler]);
    proc.on(signal, handler);
  }
  child = require("child_process").spawn(binary, args, { stdio: "inherit" });
  const stopForwarding = () => {
    for (const [signal, handler] of handlers) proc.removeListener(signal, handler);
  };
  child.on("error", (err) => {
    stopForwarding();
    const failure = spawnFailure(binary, err);
    proc.stderr.write(`${failure.message}\n`);
    proc.exitCode = failure.exitCode;
  });
  child.on("exit", (code, signal) => {
    stopForwarding();
    if (signal) {
      // Should the signal not end this process (Node ignores SIGPIPE), the shell's convention.
      proc.exitCode = 128 + (os.constants.signals[signal] || 0);
      if (!windows) proc.kill(proc.pid, signal);
      return;
    }
    proc.exit(code === null ? 1 : code);
  });
  return child;
}

function main() {
  const host = realHost();
  const args = process.argv.slice(2);
  let found;
  try {
    found = resolveBinary(host);
  } catch (err) {
    if (!(err instanceof LaunchError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exitCode = err.exitCode;
    return;
  }
  if (canReplaceProcess(found, host, process)) {
    // Signals Node ignores would stay ignored in the binary; with a handler, execve resets them.
    process.on("SIGPIPE", () => {});
    process.on("SIGXFSZ", () => {});
    process.execve(found.binary, [found.binary, ...args], process.env);
  }
  run(found.binary, args);
}

module.exports = {
  FORWARDED_SIGNALS,
  canReplaceProcess,
  LaunchError,
  PLATFORM_KEYS,
  SCOPE,
  describePlatform,
  detectLibc,
  libcOverride,
  locatePlatformFile,
  main,
  missingMessage,
  platformKey,
  realHost,
  resolveBinary,
  run,
  unsupportedMessage,
};
