// The launcher's resolution under faked platforms, libc probes and installed packages, and the
// real launcher (npm/codex/bin/codex.js) running a stand-in binary: arguments, stdio, the
// terminal, the environment, forwarded signals and the exit status.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, "..", "..");
const launcherBin = join(repo, "npm", "codex", "bin", "codex.js");
const require = createRequire(import.meta.url);
const {
  FORWARDED_SIGNALS,
  LaunchError,
  canReplaceProcess,
  PLATFORM_KEYS,
  detectLibc,
  platformKey,
  resolveBinary,
} = require(join(repo, "npm", "codex", "lib", "launcher.js"));

const GLIBC_LDD = { status: 0, stdout: "ldd (Debian GLIBC 2.36-9+deb12u9) 2.36\nCopyright (C) 2022\n", stderr: "" };
const MUSL_LDD = { status: 1, stdout: "", stderr: "musl libc (x86_64)\nVersion 1.2.5\nDynamic Program Loader\n" };
const NO_LDD = { error: Object.assign(new Error("spawnSync ldd ENOENT"), { code: "ENOENT" }) };

function never(name) {
  return () => {
    throw new Error(`${name} should not be called`);
  };
}

/**
 * A fake machine: `packages` are the installed platform keys, `files` other existing paths.
 * Probes not given throw, so a test shows which ones were consulted.
 */
function fakeHost({ platform = "linux", arch = "x64", env = {}, packages = [], files = [], report, exec, executable = true } = {}) {
  const existing = new Set(files);
  for (const key of packages) {
    existing.add(join("/nm", `@jgt/codex-${key}`, "bin", platform === "win32" ? "codex.exe" : "codex"));
  }
  return {
    platform,
    arch,
    env,
    root: "/meta",
    version: "1.2.3",
    report: report || never("report"),
    exec: exec || never("exec"),
    exists: (p) => existing.has(p),
    executable: (p) => executable && existing.has(p),
    resolvePackage: (name) => (packages.includes(name.replace("@jgt/codex-", "")) ? join("/nm", name) : null),
  };
}

function launchError(host) {
  try {
    resolveBinary(host);
  } catch (err) {
    assert.ok(err instanceof LaunchError, err.stack);
    return err;
  }
  assert.fail("expected a LaunchError");
}

test("platform keys match the packages the release builds", () => {
  const { platforms } = JSON.parse(readFileSync(join(repo, "npm", "platforms.json"), "utf8"));
  assert.deepEqual(PLATFORM_KEYS, platforms.map((p) => p.key));
  assert.equal(platformKey("linux", "x64", "gnu"), "linux-x64-gnu");
  assert.equal(platformKey("linux", "arm64", "musl"), "linux-arm64-musl");
  assert.equal(platformKey("darwin", "arm64"), "darwin-arm64");
  assert.equal(platformKey("darwin", "x64"), "darwin-x64");
  assert.equal(platformKey("win32", "x64"), "win32-x64-msvc");
  assert.equal(platformKey("win32", "arm64"), null);
  assert.equal(platformKey("linux", "ia32", "gnu"), null);
  assert.equal(platformKey("freebsd", "x64"), null);
});

test("libc: Node's report is enough on glibc", () => {
  const host = fakeHost({ report: () => ({ header: { glibcVersionRuntime: "2.36" } }) });
  assert.deepEqual(detectLibc(host), { libc: "gnu", how: "process.report" });
});

test("libc: without glibc in the report, ldd decides from stdout or stderr", () => {
  const emptyReport = () => ({});
  assert.deepEqual(detectLibc(fakeHost({ report: emptyReport, exec: () => GLIBC_LDD })), {
    libc: "gnu",
    how: "ldd --version",
  });
  // musl's ldd exits 1 and prints its banner on stderr.
  assert.deepEqual(detectLibc(fakeHost({ report: emptyReport, exec: () => MUSL_LDD })), {
    libc: "musl",
    how: "ldd --version",
  });
});

test("libc: then the musl loader, then glibc by default", () => {
  const throwing = () => {
    throw new Error("no report here");
  };
  const arm = fakeHost({ arch: "arm64", report: throwing, exec: () => NO_LDD, files: ["/lib/ld-musl-aarch64.so.1"] });
  assert.deepEqual(detectLibc(arm), { libc: "musl", how: "/lib/ld-musl-aarch64.so.1" });
  const x64 = fakeHost({ report: () => null, exec: () => ({ status: 0, stdout: "", stderr: "" }), files: ["/lib/ld-musl-x86_64.so.1"] });
  assert.equal(detectLibc(x64).libc, "musl");
  assert.deepEqual(detectLibc(fakeHost({ report: () => null, exec: () => NO_LDD })), { libc: "gnu", how: "default" });
});

test("one Linux package installed: used without probing the libc", () => {
  for (const key of ["linux-x64-gnu", "linux-x64-musl"]) {
    const found = resolveBinary(fakeHost({ packages: [key] }));
    assert.equal(found.binary, join("/nm", `@jgt/codex-${key}`, "bin", "codex"));
    assert.equal(found.source, `@jgt/codex-${key}`);
  }
});

test("both Linux packages installed: the detected libc picks", () => {
  const packages = ["linux-arm64-gnu", "linux-arm64-musl"];
  const glibc = fakeHost({ arch: "arm64", packages, report: () => ({ header: { glibcVersionRuntime: "2.39" } }) });
  assert.equal(resolveBinary(glibc).key, "linux-arm64-gnu");
  const musl = fakeHost({ arch: "arm64", packages, report: () => ({ header: {} }), exec: () => MUSL_LDD });
  assert.equal(resolveBinary(musl).key, "linux-arm64-musl");
});

test("JGT_CODEX_LIBC overrides the probes, and the other libc's package is still the fallback", () => {
  const both = ["linux-x64-gnu", "linux-x64-musl"];
  assert.equal(resolveBinary(fakeHost({ packages: both, env: { JGT_CODEX_LIBC: "musl" } })).key, "linux-x64-musl");
  assert.equal(resolveBinary(fakeHost({ packages: both, env: { JGT_CODEX_LIBC: "glibc" } })).key, "linux-x64-gnu");
  const onlyMusl = fakeHost({ packages: ["linux-x64-musl"], env: { JGT_CODEX_LIBC: "gnu" } });
  assert.equal(resolveBinary(onlyMusl).key, "linux-x64-musl");
  const bad = launchError(fakeHost({ packages: both, env: { JGT_CODEX_LIBC: "uclibc" } }));
  assert.equal(bad.message, '@jgt/codex: JGT_CODEX_LIBC must be "gnu" (glibc) or "musl", not "uclibc".');
});

test("JGT_CODEX_BIN names the binary to run", () => {
  const host = fakeHost({ env: { JGT_CODEX_BIN: "/opt/codex" }, files: ["/opt/codex"] });
  assert.deepEqual(resolveBinary(host), { binary: "/opt/codex", key: null, source: "JGT_CODEX_BIN" });
  const missing = launchError(fakeHost({ env: { JGT_CODEX_BIN: "/opt/nothing" }, packages: ["linux-x64-gnu"] }));
  assert.equal(missing.message, "@jgt/codex: JGT_CODEX_BIN is set to /opt/nothing, which does not exist.");
});

test("macOS and Windows take their one package", () => {
  const mac = resolveBinary(fakeHost({ platform: "darwin", arch: "arm64", packages: ["darwin-arm64"] }));
  assert.equal(mac.binary, join("/nm", "@jgt/codex-darwin-arm64", "bin", "codex"));
  const win = resolveBinary(fakeHost({ platform: "win32", arch: "x64", packages: ["win32-x64-msvc"] }));
  assert.equal(win.binary, join("/nm", "@jgt/codex-win32-x64-msvc", "bin", "codex.exe"));
});

test("a development copy in vendor/<key>/bin is the last resort", () => {
  const host = fakeHost({ platform: "darwin", arch: "x64", files: [join("/meta", "vendor", "darwin-x64", "bin", "codex")] });
  assert.deepEqual(resolveBinary(host), {
    binary: join("/meta", "vendor", "darwin-x64", "bin", "codex"),
    key: "darwin-x64",
    source: "vendor",
  });
});

test("a missing platform package is one actionable message", () => {
  const err = launchError(fakeHost({ report: () => ({ header: {} }), exec: () => MUSL_LDD }));
  assert.equal(err.exitCode, 1);
  const lines = err.message.split("\n");
  assert.equal(lines[0], "@jgt/codex: the codex binary for Linux x64, musl is missing.");
  assert.equal(
    lines[1],
    "It comes in @jgt/codex-linux-x64-musl, an optional dependency of @jgt/codex that is not installed (nor @jgt/codex-linux-x64-gnu).",
  );
  for (const expected of [
    "  npm i -g @jgt/codex@1.2.3 --include=optional",
    "  pnpm add -g @jgt/codex@1.2.3",
    "  bun add -g @jgt/codex@1.2.3",
  ]) {
    assert.ok(lines.includes(expected), `${expected}\nnot in:\n${err.message}`);
  }
  assert.match(err.message, /npm\/cli#4828/);
  assert.match(err.message, /--omit=optional, --no-optional/);
  assert.match(err.message, /JGT_CODEX_BIN/);
  assert.doesNotMatch(err.message, /\n\s+at /);

  const win = launchError(fakeHost({ platform: "win32", arch: "x64" }));
  assert.match(win.message, /^@jgt\/codex: the codex binary for Windows x64 is missing\.\nIt comes in @jgt\/codex-win32-x64-msvc, /);
});

test("an unsupported platform says which exist", () => {
  const err = launchError(fakeHost({ platform: "freebsd", arch: "x64" }));
  assert.equal(
    err.message,
    "@jgt/codex: there is no codex binary for freebsd x64.\n" +
      `Packages exist for: ${PLATFORM_KEYS.join(", ")}.\n` +
      "To run a codex binary built for this machine, set JGT_CODEX_BIN to its path.",
  );
});

test("the process is replaced only where Node can and the binary is known to start", () => {
  const withExecve = { platform: "linux", execve: () => {} };
  const gnu = { binary: "/nm/@jgt/codex-linux-x64-gnu/bin/codex", key: "linux-x64-gnu" };
  const musl = { binary: "/nm/@jgt/codex-linux-x64-musl/bin/codex", key: "linux-x64-musl" };
  const loader = "/lib64/ld-linux-x86-64.so.2";
  const host = (files, executable = true) => fakeHost({ files: [gnu.binary, musl.binary, ...files], executable });
  assert.equal(canReplaceProcess(gnu, host([loader]), withExecve), true);
  // A glibc build whose loader is missing would make execve fail, and Node abort.
  assert.equal(canReplaceProcess(gnu, host([]), withExecve), false);
  assert.equal(canReplaceProcess(musl, host([]), withExecve), true);
  assert.equal(canReplaceProcess(musl, host([], false), withExecve), false);
  assert.equal(canReplaceProcess(musl, host([]), { platform: "linux" }), false, "Node before 22.15");
  assert.equal(canReplaceProcess(musl, host([]), { platform: "win32", execve: () => {} }), false);
  const override = { binary: "/opt/codex", key: null, source: "JGT_CODEX_BIN" };
  assert.equal(canReplaceProcess(override, fakeHost({ files: ["/opt/codex"] }), withExecve), false);
});

// The real launcher, running a shell script as the binary.

const scratch = mkdtempSync(join(tmpdir(), "jgt-launcher-"));
process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));

function stub(name, body) {
  const file = join(scratch, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

function launch(bin, args = [], options = {}) {
  return spawn(process.execPath, [launcherBin, ...args], {
    ...options,
    env: { ...(options.env || { PATH: process.env.PATH }), JGT_CODEX_BIN: bin },
  });
}

function exited(child) {
  return new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
}

/** Waits for the stand-in to print "ready", so its traps are set. */
function ready(child) {
  const lines = createInterface({ input: child.stdout });
  return new Promise((resolve, reject) => {
    lines.on("line", (line) => line === "ready" && resolve());
    child.on("exit", () => reject(new Error("exited before it was ready")));
  });
}

const skipOnWindows = { skip: process.platform === "win32" ? "POSIX signals" : false };

test("arguments, stdin, stdout and the exit code pass through", skipOnWindows, async () => {
  const bin = stub("echo-args", 'for a in "$@"; do printf "<%s>\\n" "$a"; done; cat; exit 3');
  const child = launch(bin, ["exec", "two words", "", "--json"], { stdio: ["pipe", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stdin.end("from stdin\n");
  const { code } = await exited(child);
  assert.equal(code, 3);
  assert.equal(out, "<exec>\n<two words>\n<>\n<--json>\nfrom stdin\n");
});

test("the environment is passed on unchanged", skipOnWindows, () => {
  const bin = stub("env", "env");
  const env = { PATH: process.env.PATH, SOME_SETTING: "x y", JGT_CODEX_BIN: bin };
  const result = spawnSync(process.execPath, [launcherBin], { env, encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  const seen = result.stdout
    .trim()
    .split("\n")
    .map((l) => l.split("=")[0])
    .filter((k) => !["PWD", "SHLVL", "_", "OLDPWD"].includes(k))
    .sort();
  assert.deepEqual(seen, ["JGT_CODEX_BIN", "PATH", "SOME_SETTING"]);
});

test("the binary gets the terminal itself", { skip: process.platform !== "linux" ? "uses util-linux script" : false }, () => {
  const bin = stub("tty", 'test -t 0 && test -t 1 && test -t 2 && echo "on a terminal"');
  const command = `JGT_CODEX_BIN='${bin}' '${process.execPath}' '${launcherBin}'`;
  const result = spawnSync("script", ["-qec", command, "/dev/null"], { encoding: "utf8", timeout: 20000 });
  assert.equal(result.status, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /on a terminal/);
});

for (const [signal, status] of [
  ["SIGTERM", 42],
  ["SIGINT", 43],
  ["SIGHUP", 44],
  ["SIGQUIT", 45],
  ["SIGUSR2", 46],
]) {
  test(`${signal} is forwarded and the binary's exit code ${status} mirrored`, { ...skipOnWindows, timeout: 20000 }, async () => {
    assert.ok(FORWARDED_SIGNALS.includes(signal));
    const name = signal.replace("SIG", "");
    const bin = stub(`trap-${name}`, `trap 'exit ${status}' ${name}\necho ready\nwhile :; do sleep 0.05; done`);
    const child = launch(bin, [], { stdio: ["ignore", "pipe", "inherit"] });
    await ready(child);
    child.kill(signal);
    assert.deepEqual(await exited(child), { code: status, signal: null });
  });
}

test("a binary killed by a signal takes the launcher down with the same signal", skipOnWindows, async () => {
  const bin = stub("dies", "echo ready\nwhile :; do sleep 0.05; done");
  const child = launch(bin, [], { stdio: ["ignore", "pipe", "inherit"] });
  await ready(child);
  child.kill("SIGTERM");
  assert.deepEqual(await exited(child), { code: null, signal: "SIGTERM" });

  const selfKill = stub("self-kill", "kill -KILL $$");
  assert.deepEqual(await exited(launch(selfKill, [], { stdio: "ignore" })), { code: null, signal: "SIGKILL" });
});

test("a binary that cannot start is one message", skipOnWindows, () => {
  const notExecutable = join(scratch, "not-executable");
  writeFileSync(notExecutable, "#!/bin/sh\n");
  chmodSync(notExecutable, 0o644);
  const result = spawnSync(process.execPath, [launcherBin, "--version"], {
    env: { PATH: process.env.PATH, JGT_CODEX_BIN: notExecutable },
    encoding: "utf8",
  });
  assert.equal(result.status, 126);
  assert.match(result.stderr, /^@jgt\/codex: .*not-executable is not executable \(spawn .* EACCES\); chmod \+x it\.\n$/);
});
