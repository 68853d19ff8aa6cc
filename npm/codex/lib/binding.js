// Finds and loads the in-process addon of @jgt/codex: `codex.<key>.node` in this platform's
// package (@jgt/codex-<key>), resolved the same way the launcher finds the codex binary (the
// shared functions of launcher.js), or the file named by JGT_CODEX_ADDON.
//
// Unlike the static CLI binary, the addon is loaded into Node's own process, so on Linux it must
// be built for Node's libc: there is no falling back to the other libc's package here.
"use strict";

const path = require("path");
const launcher = require("./launcher.js");

/** Why the addon did not load: one message, with every attempt in `attempts`. */
class AddonLoadError extends Error {
  constructor(message, attempts) {
    super(message);
    this.name = "AddonLoadError";
    this.code = "JGT_CODEX_ADDON_LOAD";
    this.attempts = attempts;
    const firstCause = attempts.find((a) => a.error);
    if (firstCause) this.cause = firstCause.error;
  }
}

function addonName(key) {
  return `codex.${key}.node`;
}

function firstLine(err) {
  const text = err && err.message ? err.message : String(err);
  return text.split("\n")[0];
}

/**
 * The platform key whose addon this Node can load: on Linux the libc Node itself runs on
 * (JGT_CODEX_LIBC, else Node's report, `ldd --version`, the musl loader), elsewhere the
 * platform and architecture alone. Null when no package is built for it.
 */
function addonKey(host) {
  if (host.platform !== "linux") return { key: launcher.platformKey(host.platform, host.arch), libc: null };
  const libc = launcher.libcOverride(host) || launcher.detectLibc(host).libc;
  return { key: launcher.platformKey("linux", host.arch, libc), libc };
}

/** The sandbox helper and the bundled tools' directory for an addon found in `dir`. */
function packagePaths(host, dir, addonFile) {
  const exe = host.platform === "win32" ? "codex.exe" : "codex";
  let sandboxExe = null;
  if (host.env.JGT_CODEX_BIN) sandboxExe = host.env.JGT_CODEX_BIN;
  else if (dir && host.exists(path.join(dir, "bin", exe))) sandboxExe = path.join(dir, "bin", exe);
  // An addon given by JGT_CODEX_ADDON next to a codex binary, as in a cargo target directory.
  else if (addonFile && host.exists(path.join(path.dirname(addonFile), exe))) {
    sandboxExe = path.join(path.dirname(addonFile), exe);
  }
  const bundled = dir ? path.join(dir, "path") : null;
  return { sandboxExe, bundledPath: bundled && host.exists(bundled) ? bundled : null };
}

/**
 * Loads the addon: `{ binding, paths: { sandboxExe, bundledPath } }`, where `sandboxExe` is the
 * codex binary that confines each command (the platform package's `bin/codex`, or
 * JGT_CODEX_BIN) and `bundledPath` the package's `path/` directory (rg), either null when there
 * is none. Throws an AddonLoadError saying what was tried and why each failed.
 *
 * `host` is the launcher's view of the machine (`realHost()`), plus `load(file)`, which
 * `require`s a `.node` file.
 */
function loadBinding(host) {
  host = host || realHost();
  const attempts = [];
  const tryLoad = (file, source, dir) => {
    try {
      const binding = host.load(file);
      return { binding, paths: packagePaths(host, dir, file), file, source };
    } catch (error) {
      attempts.push({ file, source, error, reason: firstLine(error) });
      return null;
    }
  };
  const fail = (headline) => {
    const lines = attempts.map((a) => `  - ${a.source}: ${a.reason}`);
    throw new AddonLoadError([headline, ...lines].join("\n"), attempts);
  };

  const override = host.env.JGT_CODEX_ADDON;
  if (override) {
    if (!host.exists(override)) {
      attempts.push({ file: override, source: "JGT_CODEX_ADDON", reason: `${override} does not exist` });
      fail("the in-process addon named by JGT_CODEX_ADDON did not load:");
    }
    let dir = null;
    try {
      const { key } = addonKey(host);
      const found = key && launcher.locatePlatformFile(host, key, "package.json");
      dir = found ? found.dir : null;
    } catch {
      // An unknown platform or a bad JGT_CODEX_LIBC: the override still loads, without paths.
    }
    const loaded = tryLoad(override, "JGT_CODEX_ADDON", dir);
    if (!loaded) fail("the in-process addon named by JGT_CODEX_ADDON did not load:");
    return loaded;
  }

  let key;
  let libc;
  try {
    ({ key, libc } = addonKey(host));
  } catch (err) {
    attempts.push({ source: "JGT_CODEX_LIBC", reason: firstLine(err), error: err });
    fail("the in-process addon was not looked for:");
  }
  const platform = launcher.describePlatform(host.platform, host.arch, libc);
  if (!key) {
    attempts.push({ source: "platform", reason: `no package is built for ${platform}` });
    fail(`there is no in-process addon for ${platform}:`);
  }
  const name = addonName(key);
  const found = launcher.locatePlatformFile(host, key, name);
  if (found) {
    const loaded = tryLoad(found.file, `${found.source === "vendor" ? `vendor/${key}` : found.source}/${name}`, found.dir);
    if (loaded) return loaded;
  } else {
    const pkg = launcher.locatePlatformFile(host, key, "package.json");
    if (pkg) {
      attempts.push({ source: `${launcher.SCOPE}${key}`, reason: `installed without ${name} (packed with --no-addon?)` });
    } else {
      attempts.push({
        source: `${launcher.SCOPE}${key}`,
        reason: "not installed (an optional dependency of @jgt/codex: npm i --include=optional)",
      });
    }
    if (host.platform === "linux") {
      const other = launcher.platformKey("linux", host.arch, libc === "musl" ? "gnu" : "musl");
      if (other && launcher.locatePlatformFile(host, other, addonName(other))) {
        attempts.push({
          source: `${launcher.SCOPE}${other}`,
          reason: `installed, but its addon is for the other libc and cannot load into this Node (${libc === "musl" ? "musl" : "glibc"})`,
        });
      }
    }
  }
  fail(`the in-process addon for ${platform} did not load:`);
}

const loaded = new Map();

/** The launcher's machine, plus loading a `.node` file. */
function realHost() {
  const host = launcher.realHost();
  // The package this file belongs to, whose siblings are the platform packages.
  host.resolvePackage = (name) => {
    try {
      return path.dirname(require.resolve(`${name}/package.json`));
    } catch {
      return null;
    }
  };
  // process.dlopen rather than require: the file need not end in `.node` (JGT_CODEX_ADDON may
  // name cargo's libcodex_node.so), and it is loaded once per file like require would.
  host.load = (file) => {
    const resolved = path.resolve(file);
    if (!loaded.has(resolved)) {
      const module = { exports: {} };
      process.dlopen(module, resolved);
      loaded.set(resolved, module.exports);
    }
    return loaded.get(resolved);
  };
  return host;
}

let cached = null;

/** `loadBinding()` for this process, tried once: the result, or the same error, every time. */
function loadBindingOnce() {
  if (!cached) {
    try {
      cached = { value: loadBinding() };
    } catch (error) {
      cached = { error };
    }
  }
  if (cached.error) throw cached.error;
  return cached.value;
}

module.exports = { AddonLoadError, addonName, loadBinding, loadBindingOnce, realHost };
