// The @openai/codex-sdk contract test (tests/sdk/sdk.test.mjs) run a second time, against
// @jgt/codex installed from the tarballs, with nothing changed but its import: once on the
// in-process addon (the default), once with the subprocess transport.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { addonInPackage, checkPrerequisites, cleanUp, installProject, mockBin, platformPackageDir, repo, scratch } from "./support.mjs";

checkPrerequisites();
const root = scratch();
const project = installProject(root, { name: "sdk-contract", type: "module" });
after(cleanUp);

const original = readFileSync(join(repo, "tests", "sdk", "sdk.test.mjs"), "utf8");
const IMPORT = 'import { Codex } from "@openai/codex-sdk";';
assert.equal(original.split(IMPORT).length, 2, `tests/sdk/sdk.test.mjs imports the SDK once, as ${IMPORT}`);
const file = join(project, "sdk.test.mjs");
writeFileSync(file, original.replace(IMPORT, 'import { Codex } from "@jgt/codex";'));
const testCount = (original.match(/^test\(/gm) || []).length;

const transports = addonInPackage(project) ? [undefined, "subprocess"] : ["subprocess"];
for (const transport of transports) {
  test(`the SDK's contract holds for @jgt/codex (${transport ? `JGT_CODEX_TRANSPORT=${transport}` : "the in-process addon"})`, () => {
    const env = { ...process.env, CODEX_BIN: join(platformPackageDir(project), "bin", "codex"), MOCK_BIN: mockBin };
    // Not a subtest of this runner: a file of its own, as in tests/sdk.
    delete env.NODE_TEST_CONTEXT;
    delete env.JGT_CODEX_TRANSPORT;
    if (transport) env.JGT_CODEX_TRANSPORT = transport;
    // Node's test runner runs the file in a child process; it reports in TAP on stdout.
    const run = spawnSync(process.execPath, ["--test", "--test-reporter=tap", file], { cwd: project, env, encoding: "utf8", timeout: 300_000 });
    const detail = `${run.stdout}\n${run.stderr}`;
    assert.equal(run.status, 0, detail);
    assert.match(run.stdout, new RegExp(`^# pass ${testCount}$`, "m"), detail);
    assert.match(run.stdout, /^# fail 0$/m, detail);
    assert.ok(!detail.includes("JGT_CODEX_SUBPROCESS"), `no fallback warning: the ${transport || "native"} transport ran\n${detail}`);
  });
}
