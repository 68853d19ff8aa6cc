#!/usr/bin/env node
// Builds the npm packages: @jgt/codex (the launcher and the JavaScript API) and @jgt/codex-<key>
// (one per platform: bin/codex, the Node addon codex.<key>.node and path/rg). The templates are
// in npm/; the version comes from the workspace Cargo.toml at pack time; ripgrep's version from
// scripts/rg-version.
//
//   scripts/package host [--out DIR] [--no-addon]
//                                           build this machine's codex, Node addon and rg (reused
//                                           when up to date), pack its platform package and the
//                                           meta package; --no-addon packs the platform package
//                                           without the addon (the API then runs codex exec)
//   scripts/package platform --key K --codex PATH --rg PATH (--addon PATH | --no-addon) --out DIR
//                                           pack prebuilt binaries as @jgt/codex-K
//   scripts/package meta --out DIR          pack @jgt/codex
//   scripts/package rg [--target T] [--root DIR]
//                                           build the pinned ripgrep into DIR/bin (default
//                                           .cache/rg), unless that version is already there
//   scripts/package publish [--dist DIR] [--tag vX.Y.Z] [--dry-run true]
//                                           publish the seven platform packages, each checked on
//                                           the registry, then @jgt/codex; already published
//                                           versions are skipped
//   scripts/package version                 print the version the packages get
//
// Runs on Linux, macOS and Windows with Node 18 or later; no dependencies.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const NPM_DIR = path.join(ROOT, "npm");
const require = createRequire(import.meta.url);
const launcher = require(path.join(NPM_DIR, "codex", "lib", "launcher.js"));
const { platforms } = JSON.parse(fs.readFileSync(path.join(NPM_DIR, "platforms.json"), "utf8"));
const windows = process.platform === "win32";

class UsageError extends Error {}

function fail(message) {
  process.stderr.write(`scripts/package: ${message}\n`);
  process.exit(1);
}

/** The workspace version: `[workspace.package] version` in Cargo.toml. */
export function workspaceVersion() {
  const text = fs.readFileSync(path.join(ROOT, "Cargo.toml"), "utf8");
  const section = text.split(/^\[workspace\.package\]\s*$/m)[1];
  const match = section && section.split(/^\[/m)[0].match(/^version\s*=\s*"([^"]+)"/m);
  if (!match) fail("no version in [workspace.package] of Cargo.toml");
  return match[1];
}

export function rgVersion() {
  return fs.readFileSync(path.join(ROOT, "scripts", "rg-version"), "utf8").trim();
}

/** `--name value` pairs for `known`, and `--flag` alone for `flags` (then true). */
function parseArgs(argv, known, flags = []) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, "");
    if (argv[i].startsWith("--") && flags.includes(name)) {
      out[name] = true;
      continue;
    }
    if (!argv[i].startsWith("--") || !known.includes(name) || i + 1 >= argv.length) {
      throw new UsageError(`unexpected argument ${argv[i]}`);
    }
    out[name] = argv[++i];
  }
  return out;
}

function seconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}

function megabytes(bytes) {
  return `${(bytes / 1e6).toFixed(2)} MB`;
}

function step(label, fn) {
  const start = Date.now();
  const result = fn();
  process.stderr.write(`  ${label}: ${seconds(Date.now() - start)}\n`);
  return result;
}

function runOrFail(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { stdio: "inherit", shell: windows && cmd === "npm", ...options });
  if (result.error) fail(`cannot run ${cmd}: ${result.error.message}`);
  if (result.status !== 0) fail(`${cmd} ${args.join(" ")} failed (exit ${result.status})`);
  return result;
}

function cargoEnv() {
  return { ...process.env, CARGO_BUILD_JOBS: process.env.CARGO_BUILD_JOBS || "2" };
}

/** `ripgrep X.Y.Z` from `rg --version`, or null when it cannot run. */
function installedRg(binary) {
  if (!fs.existsSync(binary)) return null;
  const result = spawnSync(binary, ["--version"], { encoding: "utf8" });
  if (result.status !== 0) return null;
  const match = result.stdout.match(/^ripgrep (\S+)/);
  return match ? match[1] : null;
}

/**
 * The pinned ripgrep in `root/bin`, built with ripgrep's own release profile (fat LTO,
 * stripped) from crates.io unless that version is already there. Static for musl targets.
 */
export function buildRg({ root = path.join(ROOT, ".cache", "rg"), target } = {}) {
  const version = rgVersion();
  const binary = path.join(root, "bin", windows ? "rg.exe" : "rg");
  if (installedRg(binary) === version) {
    process.stderr.write(`  rg ${version}: up to date in ${root}\n`);
    return binary;
  }
  const args = ["install", "ripgrep", "--locked", "--version", version, "--profile", "release-lto", "--root", root, "--force"];
  if (target) args.push("--target", target);
  step(`cargo install ripgrep ${version}`, () => runOrFail("cargo", args, { env: cargoEnv() }));
  if (!fs.existsSync(binary)) fail(`cargo install did not produce ${binary}`);
  return binary;
}

function targetDir() {
  return process.env.CARGO_TARGET_DIR ? path.resolve(process.env.CARGO_TARGET_DIR) : path.join(ROOT, "target");
}

function platformFor(key) {
  const platform = platforms.find((p) => p.key === key);
  if (!platform) fail(`unknown platform key ${key} (known: ${platforms.map((p) => p.key).join(", ")})`);
  return platform;
}

/** The file cargo writes for the addon crate (a cdylib) on `os`. */
export function addonArtifact(os) {
  if (os === "win32") return "codex_node.dll";
  if (os === "darwin") return "libcodex_node.dylib";
  return "libcodex_node.so";
}

function hostKey() {
  const host = launcher.realHost();
  const libc = process.platform === "linux" ? launcher.detectLibc(host).libc : undefined;
  const key = launcher.platformKey(process.platform, process.arch, libc);
  if (!key) fail(`no package is built for ${process.platform} ${process.arch}`);
  return key;
}

function fill(template, values) {
  return template.replace(/\{\{(\w+)\}\}/g, (_, name) => {
    if (!(name in values)) fail(`template placeholder {{${name}}} has no value`);
    return values[name];
  });
}

/** `npm pack` of a staged directory into `out`; returns the tarball's path. */
function npmPack(stage, out) {
  fs.mkdirSync(out, { recursive: true });
  const result = spawnSync("npm", ["pack", stage, "--pack-destination", out, "--json", "--ignore-scripts", "--loglevel=error"], {
    encoding: "utf8",
    shell: windows,
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (result.error || result.status !== 0) fail(`npm pack ${stage} failed`);
  const [info] = JSON.parse(result.stdout);
  const tarball = path.join(out, info.filename);
  process.stderr.write(
    `  ${info.filename}: ${megabytes(fs.statSync(tarball).size)} packed, ${megabytes(info.unpackedSize)} unpacked, ${info.entryCount} files\n`,
  );
  return tarball;
}

/**
 * The repository the packages come from, for npm's provenance check (it must match the
 * workflow's repository): GitHub Actions says which; elsewhere none is written.
 */
function repositoryField() {
  const repo = process.env.GITHUB_REPOSITORY;
  if (!repo) return {};
  const server = process.env.GITHUB_SERVER_URL || "https://github.com";
  return { repository: { type: "git", url: `git+${server}/${repo}.git` } };
}

function stageDir(name) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
}

function copyExecutable(from, to) {
  if (!fs.existsSync(from)) fail(`${from} does not exist`);
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(from, to);
  // CI artifacts lose the exec bit; the tarball must carry it.
  fs.chmodSync(to, 0o755);
}

/**
 * Packs @jgt/codex-<key>: `codex` as bin/codex, `rg` as path/rg and `addon` (the codex-node
 * cdylib) as codex.<key>.node. `addon` is null only when asked for with --no-addon; the package
 * then has no `main` and the API falls back to running codex exec.
 */
export function packPlatform({ key, codex, rg, addon, out }) {
  const platform = platformFor(key);
  const version = workspaceVersion();
  const exe = platform.exe || "";
  const addonFile = `codex.${key}.node`;
  const stage = stageDir(`jgt-codex-${key}`);
  try {
    const template = JSON.parse(fill(fs.readFileSync(path.join(NPM_DIR, "platform", "package.json"), "utf8"), platform));
    const { name, description, ...rest } = template;
    const manifest = { name, version, description, os: [platform.os], cpu: [platform.cpu] };
    if (platform.libc) manifest.libc = [platform.libc];
    Object.assign(manifest, rest, { version }, repositoryField());
    if (!addon) {
      manifest.description = manifest.description.replace(", its Node addon", "");
      delete manifest.main;
      manifest.files = manifest.files.filter((f) => f !== addonFile);
    }
    fs.writeFileSync(path.join(stage, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    const libcName = platform.libc === "musl" ? "musl" : "glibc";
    const readme = fill(fs.readFileSync(path.join(NPM_DIR, "platform", "README.md"), "utf8"), {
      ...platform,
      exe,
      version,
      rgVersion: rgVersion(),
      libcNote: platform.libc ? "/`libc`" : "",
      addonUse: addon ? ", and its JavaScript API (`import { Codex } from \"@jgt/codex\"`) loads the addon" : "",
      addonRow: addon
        ? `\n| \`${addonFile}\` | the Node addon (Node-API) that runs the agent inside Node for \`@jgt/codex\`'s JavaScript API, version ${version}${platform.libc ? `; it loads into a Node built for ${libcName}` : ""} |`
        : "",
    });
    fs.writeFileSync(path.join(stage, "README.md"), readme);
    fs.copyFileSync(path.join(NPM_DIR, "platform", "THIRD_PARTY_NOTICES.md"), path.join(stage, "THIRD_PARTY_NOTICES.md"));
    copyExecutable(codex, path.join(stage, "bin", `codex${exe}`));
    copyExecutable(rg, path.join(stage, "path", `rg${exe}`));
    if (addon) {
      if (!fs.existsSync(addon)) fail(`${addon} does not exist`);
      fs.copyFileSync(addon, path.join(stage, addonFile));
      fs.chmodSync(path.join(stage, addonFile), 0o644);
    }
    process.stderr.write(
      `  bin/codex${exe} ${megabytes(fs.statSync(codex).size)}, path/rg${exe} ${megabytes(fs.statSync(rg).size)}, ` +
        `${addon ? `${addonFile} ${megabytes(fs.statSync(addon).size)}` : "no addon (--no-addon)"}\n`,
    );
    return npmPack(stage, out);
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

export function packMeta({ out }) {
  const version = workspaceVersion();
  const stage = stageDir("jgt-codex");
  try {
    const source = path.join(NPM_DIR, "codex");
    fs.cpSync(source, stage, {
      recursive: true,
      filter: (p) => !/[\\/](node_modules|vendor)$/.test(p),
    });
    const manifest = JSON.parse(fs.readFileSync(path.join(source, "package.json"), "utf8"));
    manifest.version = version;
    manifest.optionalDependencies = Object.fromEntries(platforms.map((p) => [`@jgt/codex-${p.key}`, version]));
    Object.assign(manifest, repositoryField());
    fs.writeFileSync(path.join(stage, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    return npmPack(stage, out);
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Whether `name@version` is on the registry. */
function published(name, version) {
  const result = spawnSync("npm", ["view", `${name}@${version}`, "version", "--loglevel=error"], {
    encoding: "utf8",
    shell: windows,
  });
  return result.status === 0 && result.stdout.trim() === version;
}

/**
 * Publishes every platform package, checks each is on the registry, then the meta package
 * last, so it never points at a package that is not there. A package whose version is already
 * published is skipped, so a failed release can be run again.
 */
function publish(args) {
  const dist = path.resolve(args.dist || path.join(ROOT, "dist", "npm"));
  const dryRun = args["dry-run"] === "true";
  const version = workspaceVersion();
  if (args.tag && args.tag !== `v${version}`) {
    fail(`the tag ${args.tag} does not match the version in Cargo.toml (${version})`);
  }
  const packages = [
    ...platforms.map((p) => [`@jgt/codex-${p.key}`, path.join(dist, `jgt-codex-${p.key}-${version}.tgz`)]),
    ["@jgt/codex", path.join(dist, `jgt-codex-${version}.tgz`)],
  ];
  const missing = packages.filter(([, tarball]) => !fs.existsSync(tarball)).map(([, t]) => path.basename(t));
  if (missing.length) fail(`not publishing: missing ${missing.join(", ")}`);
  // Pre-releases (1.2.0-rc.1) go to the `next` dist-tag, not `latest`.
  const distTag = version.includes("-") ? "next" : "latest";
  for (const [name, tarball] of packages) {
    if (published(name, version)) {
      process.stderr.write(`  ${name}@${version}: already published, skipped\n`);
      continue;
    }
    const flags = ["--access", "public", "--tag", distTag];
    if (dryRun) flags.push("--dry-run");
    else flags.push("--provenance");
    step(`npm publish ${name}@${version}${dryRun ? " (dry run)" : ""}`, () => runOrFail("npm", ["publish", tarball, ...flags]));
    if (dryRun) continue;
    // The registry takes a moment to show a new version.
    let seen = false;
    for (let attempt = 1; attempt <= 6 && !seen; attempt++) {
      seen = published(name, version);
      if (!seen) sleep(5000 * attempt);
    }
    if (!seen) fail(`${name}@${version} was published but the registry does not show it; not going on`);
    process.stderr.write(`  ${name}@${version}: on the registry\n`);
  }
}

function host(args) {
  const out = path.resolve(args.out || path.join(ROOT, "dist", "npm"));
  const key = hostKey();
  const platform = platformFor(key);
  const exe = platform.exe || "";
  const withAddon = !args["no-addon"];
  const started = Date.now();
  process.stderr.write(
    `scripts/package host: ${key}, version ${workspaceVersion()}, into ${out}${withAddon ? "" : " (without the Node addon: --no-addon)"}\n`,
  );
  // One cargo run for both, so the dependencies they share are built once.
  const packages = withAddon ? ["codex-cli", "codex-node"] : ["codex-cli"];
  step(`cargo build --release ${packages.map((p) => `-p ${p}`).join(" ")}`, () =>
    runOrFail("cargo", ["build", "--release", "--locked", ...packages.flatMap((p) => ["-p", p])], { cwd: ROOT, env: cargoEnv() }),
  );
  const rg = step("rg", () => buildRg());
  const codex = path.join(targetDir(), "release", `codex${exe}`);
  const addon = withAddon ? path.join(targetDir(), "release", addonArtifact(platform.os)) : null;
  const platformTarball = step(`pack @jgt/codex-${key}`, () => packPlatform({ key, codex, rg, addon, out }));
  const metaTarball = step("pack @jgt/codex", () => packMeta({ out }));
  process.stderr.write(`scripts/package host: done in ${seconds(Date.now() - started)}\n`);
  process.stdout.write(`${metaTarball}\n${platformTarball}\n`);
}

function main(argv) {
  const [command, ...rest] = argv;
  switch (command) {
    case "host":
      return host(parseArgs(rest, ["out"], ["no-addon"]));
    case "platform": {
      const args = parseArgs(rest, ["key", "codex", "rg", "addon", "out"], ["no-addon"]);
      for (const name of ["key", "codex", "rg", "out"]) {
        if (!args[name]) throw new UsageError(`platform needs --${name}`);
      }
      if (!args.addon === !args["no-addon"]) throw new UsageError("platform needs one of --addon PATH and --no-addon");
      const tarball = step(`pack @jgt/codex-${args.key}`, () =>
        packPlatform({
          key: args.key,
          codex: path.resolve(args.codex),
          rg: path.resolve(args.rg),
          addon: args.addon ? path.resolve(args.addon) : null,
          out: path.resolve(args.out),
        }),
      );
      process.stdout.write(`${tarball}\n`);
      return undefined;
    }
    case "meta": {
      const args = parseArgs(rest, ["out"]);
      if (!args.out) throw new UsageError("meta needs --out");
      process.stdout.write(`${step("pack @jgt/codex", () => packMeta({ out: path.resolve(args.out) }))}\n`);
      return undefined;
    }
    case "rg": {
      const args = parseArgs(rest, ["target", "root"]);
      const root = args.root ? path.resolve(args.root) : undefined;
      process.stdout.write(`${buildRg({ root, target: args.target })}\n`);
      return undefined;
    }
    case "publish":
      return publish(parseArgs(rest, ["dist", "tag", "dry-run"]));
    case "version":
      process.stdout.write(`${workspaceVersion()}\n`);
      return undefined;
    default:
      throw new UsageError(command ? `unknown command ${command}` : "no command");
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    fail(`${err.message}\nusage: scripts/package host [--out DIR] [--no-addon] | platform --key K --codex PATH --rg PATH (--addon PATH | --no-addon) --out DIR | meta --out DIR | rg [--target T] [--root DIR] | publish [--dist DIR] [--tag vX.Y.Z] [--dry-run true] | version`);
  }
}
