#!/usr/bin/env node
// The release workflow's check of one platform package on a machine that runs it: installs the
// meta and platform tarballs into a temporary prefix (offline), then `codex --version`, the
// bundled `rg --version`, one `codex exec` against the mock model server, and one turn through
// the JS API on the package's Node addon.
//
//   node tests/npm/smoke.mjs --dist DIR --key KEY (--mock PATH | --mock-url URL) [--scenario shell|plain]
//
// Plain Node 18+, no dependencies: it also runs inside node:*-alpine and -slim containers.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const windows = process.platform === "win32";

function fail(message) {
  process.stderr.write(`smoke: ${message}\n`);
  process.exit(1);
}

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
for (const name of ["dist", "key"]) if (!args[name]) fail(`--${name} is required`);
if (!args.mock && !args["mock-url"]) fail("--mock or --mock-url is required");
const scenario = args.scenario || "shell";

const cargo = readFileSync(join(repo, "Cargo.toml"), "utf8");
const version = cargo.split(/^\[workspace\.package\]/m)[1].match(/^version\s*=\s*"([^"]+)"/m)[1];
const rgVersion = readFileSync(join(repo, "scripts", "rg-version"), "utf8").trim();
const meta = join(args.dist, `jgt-codex-${version}.tgz`);
const platform = join(args.dist, `jgt-codex-${args.key}-${version}.tgz`);
for (const file of [meta, platform]) if (!existsSync(file)) fail(`${file} is missing`);

const scratch = mkdtempSync(join(tmpdir(), "jgt-smoke-"));
process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));

function run(cmd, cmdArgs, options = {}) {
  // npm and the installed codex are .cmd shims on Windows, which only a shell starts; the
  // shell gets one command line, so arguments with spaces are quoted.
  const shell = options.shell === undefined ? windows : options.shell;
  const line = shell ? cmdArgs.map((a) => (/\s/.test(a) ? `"${a}"` : a)) : cmdArgs;
  const result = spawnSync(cmd, line, { encoding: "utf8", ...options, shell });
  if (result.error) fail(`${cmd}: ${result.error.message}`);
  if (result.status !== 0) fail(`${cmd} ${cmdArgs.join(" ")} exited ${result.status}\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

function expect(what, actual, expected) {
  if (actual !== expected) fail(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  process.stdout.write(`ok: ${what}\n`);
}

const prefix = join(scratch, "prefix");
const npmEnv = { ...process.env, npm_config_cache: join(scratch, "npm-cache"), npm_config_update_notifier: "false" };
run("npm", ["install", "--global", "--prefix", prefix, "--offline", "--no-audit", "--no-fund", "--loglevel=error", meta, platform], { env: npmEnv });
const bin = windows ? join(prefix, "codex.cmd") : join(prefix, "bin", "codex");
const modules = windows ? join(prefix, "node_modules") : join(prefix, "lib", "node_modules");
const pkg = join(modules, "@jgt", `codex-${args.key}`);

expect("codex --version", run(bin, ["--version"]), `codex-cli ${version}\n`);
expect("jgt-codex --version", run(windows ? join(prefix, "jgt-codex.cmd") : join(prefix, "bin", "jgt-codex"), ["--version"]), `codex-cli ${version}\n`);
const rg = run(join(pkg, "path", windows ? "rg.exe" : "rg"), ["--version"], { shell: false });
expect("bundled rg --version", rg.split("\n")[0].trim(), `ripgrep ${rgVersion}`);

async function mockUrl() {
  if (args["mock-url"]) return { url: args["mock-url"], stop: () => {} };
  const child = spawn(args.mock, ["--scenario", scenario], { stdio: ["pipe", "pipe", "inherit"] });
  const url = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`the mock exited with ${code}`)));
  });
  return { url, stop: () => child.stdin.end() };
}

const mock = await mockUrl();
const home = join(scratch, "home");
const work = join(scratch, "work");
for (const d of [home, work]) mkdirSync(d, { recursive: true });
writeFileSync(
  join(home, "config.toml"),
  `model = "mock-model"\nmodel_provider = "mock"\n[model_providers.mock]\nname = "mock"\nbase_url = "${mock.url}"\nwire_api = "responses"\nenv_key = "MOCK_API_KEY"\n`,
);
const [prompt, answer] = scenario === "shell" ? ["run echo hello", "The command printed hello."] : ["say hello", "Hello! How can I help?"];
const out = run(bin, ["exec", "--skip-git-repo-check", "-s", "danger-full-access", prompt], {
  cwd: work,
  env: { ...process.env, HOME: home, USERPROFILE: home, CODEX_HOME: home, MOCK_API_KEY: "dummy" },
});
expect(`codex exec (${scenario} scenario)`, out.trim(), answer);

// The JS API on the platform package's addon: a turn in-process, in a Node that must then exit
// by itself (run() would hang on a live handle).
const addon = join(pkg, `codex.${args.key}.node`);
if (existsSync(addon)) {
  const api = join(scratch, "api.cjs");
  writeFileSync(
    api,
    `const { Codex } = require(${JSON.stringify(join(modules, "@jgt", "codex"))});
const codex = new Codex({ env: JSON.parse(process.env.SMOKE_ENV), transport: "native" });
codex.startThread({ skipGitRepoCheck: true, workingDirectory: process.env.SMOKE_WORK, sandboxMode: "danger-full-access" })
  .run(process.env.SMOKE_PROMPT)
  .then((r) => process.stdout.write(codex.transport + " " + r.finalResponse));
`,
  );
  const env = { ...process.env, HOME: home, USERPROFILE: home, CODEX_HOME: home, MOCK_API_KEY: "dummy" };
  const answered = run(process.execPath, [api], {
    shell: false,
    env: { ...env, SMOKE_ENV: JSON.stringify(env), SMOKE_WORK: work, SMOKE_PROMPT: prompt },
    timeout: 120_000,
  });
  expect(`the in-process API (${scenario} scenario)`, answered, `native ${answer}`);
} else {
  process.stdout.write(`note: @jgt/codex-${args.key} has no addon; the API runs codex exec there\n`);
}
mock.stop();
process.stdout.write(`smoke: @jgt/codex-${args.key}@${version} works\n`);
