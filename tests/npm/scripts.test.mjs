// @jgt/codex used as a program would use it: scripts in temporary projects (an ES module one
// and a CommonJS one, installed from the packed tarballs), run by each Node here (this one, and
// 18 and 22 from the npm registry when tests/npm/run installed them). Each script ends on its
// own: a process that does not exit after its last turn fails the test.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  addonInPackage,
  checkPrerequisites,
  cleanUp,
  codexEnv,
  codexHome,
  execJson,
  hostKey,
  installProject,
  nodeBinaries,
  platformPackageDir,
  scratch,
  startMock,
} from "./support.mjs";

checkPrerequisites();
const root = scratch();
const esm = installProject(root, { name: "esm-project", type: "module" });
const cjs = installProject(root, { name: "cjs-project", type: "commonjs" });
const nodes = nodeBinaries();
const native = addonInPackage(esm);

after(cleanUp);

/** How long a script may take before it counts as hanging (it is then killed). */
const HANG_MS = 60_000;

/**
 * Runs `node file` in `cwd` with `env`; resolves with its exit code, signal, stdout lines
 * parsed as JSON, and stderr. A script still running after HANG_MS is killed and reported as
 * hanging: the process did not exit by itself.
 */
function runScript(node, file, { cwd, env }) {
  return new Promise((resolve, reject) => {
    const child = spawn(node.path, [file], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      child.kill("SIGKILL");
    }, HANG_MS);
    child.once("error", reject);
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      const lines = stdout.split("\n").filter(Boolean);
      let output;
      try {
        output = lines.map((l) => JSON.parse(l));
      } catch {
        output = lines;
      }
      resolve({ code, signal, hung, output, stderr });
    });
  });
}

function assertExitedByItself(result, what) {
  assert.ok(!result.hung, `${what}: still running after ${HANG_MS} ms (something keeps Node's event loop alive)\n${result.stderr}`);
  assert.equal(result.code, 0, `${what}: exit ${result.code} ${result.signal || ""}\n${result.stderr}`);
}

/**
 * A script's text for a project of `type`: the ES module form imports @jgt/codex, the CommonJS
 * form requires it; `body` is the same async code for both, with `Codex` in scope and
 * `emit(value)` printing one JSON line.
 */
function script(type, body) {
  const head =
    type === "module"
      ? 'import { Codex } from "@jgt/codex";\n'
      : 'const { Codex } = require("@jgt/codex");\n';
  return `${head}const emit = (value) => process.stdout.write(JSON.stringify(value) + "\\n");\n(async () => {\n${body}\n})().catch((err) => { process.exitCode = 1; console.error(err); });\n`;
}

const TURNS = `
  const options = JSON.parse(process.env.TEST_THREAD_OPTIONS);
  const codex = new Codex({ env: JSON.parse(process.env.TEST_CODEX_ENV) });
  emit({ transport: codex.transport });
  const thread = codex.startThread(options);
  const { events } = await thread.runStreamed("run echo hello");
  const seen = [];
  for await (const event of events) seen.push(event);
  emit({ events: seen, id: thread.id });
  const result = await codex.startThread(options).run("run echo hello");
  emit({ finalResponse: result.finalResponse, items: result.items.map((i) => i.type) });
`;

for (const [type, project] of [
  ["module", esm],
  ["commonjs", cjs],
]) {
  test(`${type} scripts: streamed events equal codex exec --json's, run() collects them, the process exits by itself`, async (t) => {
    const file = join(project, type === "module" ? "turns.mjs" : "turns.cjs");
    writeFileSync(file, script(type, TURNS));
    for (const node of nodes) {
      await t.test(`Node ${node.version}`, async () => {
        const mock = await startMock(["--scenario", "shell"]);
        const home = codexHome(root, mock.url);
        const work = scratch("jgt-script-work-");
        const options = { skipGitRepoCheck: true, workingDirectory: work, sandboxMode: "danger-full-access" };
        const exec = execJson(project, ["--skip-git-repo-check", "-s", "danger-full-access", "run echo hello"], {
          cwd: work,
          env: codexEnv(home),
        });
        assert.equal(exec.status, 0, exec.stderr);
        const result = await runScript(node, file, {
          cwd: project,
          env: {
            ...codexEnv(home),
            TEST_CODEX_ENV: JSON.stringify(codexEnv(home)),
            TEST_THREAD_OPTIONS: JSON.stringify(options),
          },
        });
        assertExitedByItself(result, `Node ${node.version} ${file}`);
        const [which, streamed, ran] = result.output;
        assert.deepStrictEqual(which, { transport: native ? "native" : "subprocess" });
        assert.equal(result.stderr, "", "nothing on stderr: no warning, no output of the engine's");
        const strip = (events) => events.map((e) => (e.type === "thread.started" ? { ...e, thread_id: "<id>" } : e));
        assert.deepStrictEqual(strip(streamed.events), strip(exec.events));
        assert.deepStrictEqual(streamed.events[0], { type: "thread.started", thread_id: streamed.id });
        assert.deepStrictEqual(ran, { finalResponse: "The command printed hello.", items: ["command_execution", "agent_message"] });
        await mock.stop();
      });
    }
  });
}

test("a worker thread runs a turn, and the process exits by itself after it", async (t) => {
  writeFileSync(
    join(esm, "worker-main.mjs"),
    `import { Worker } from "node:worker_threads";
const worker = new Worker(new URL("./worker-turn.mjs", import.meta.url), { env: process.env });
worker.on("message", (m) => process.stdout.write(JSON.stringify(m) + "\\n"));
worker.on("error", (e) => { process.exitCode = 1; console.error(e); });
`,
  );
  writeFileSync(
    join(esm, "worker-turn.mjs"),
    `import { parentPort } from "node:worker_threads";
import { Codex } from "@jgt/codex";
const codex = new Codex({ env: JSON.parse(process.env.TEST_CODEX_ENV) });
const thread = codex.startThread(JSON.parse(process.env.TEST_THREAD_OPTIONS));
const result = await thread.run("run echo hello");
parentPort.postMessage({ transport: codex.transport, finalResponse: result.finalResponse, id: thread.id });
`,
  );
  for (const node of nodes) {
    await t.test(`Node ${node.version}`, async () => {
      const mock = await startMock(["--scenario", "shell"]);
      const home = codexHome(root, mock.url);
      const options = { skipGitRepoCheck: true, workingDirectory: scratch("jgt-script-work-"), sandboxMode: "danger-full-access" };
      const result = await runScript(node, join(esm, "worker-main.mjs"), {
        cwd: esm,
        env: { ...codexEnv(home), TEST_CODEX_ENV: JSON.stringify(codexEnv(home)), TEST_THREAD_OPTIONS: JSON.stringify(options) },
      });
      assertExitedByItself(result, `Node ${node.version} worker`);
      assert.equal(result.output.length, 1, result.stderr);
      assert.equal(result.output[0].transport, native ? "native" : "subprocess");
      assert.equal(result.output[0].finalResponse, "The command printed hello.");
      assert.match(result.output[0].id, /^[0-9a-f-]{36}$/);
      await mock.stop();
    });
  }
});

test("an addon that cannot load: one warning saying why, the turns run through codex exec, in-process options throw", { skip: !native && "the platform package has no addon" }, async (t) => {
  // A broken install: the platform package's addon is not a loadable library.
  const broken = installProject(root, { name: "broken-project", type: "commonjs" });
  writeFileSync(join(platformPackageDir(broken), `codex.${hostKey}.node`), "not a shared library\n");
  const file = join(broken, "fallback.cjs");
  writeFileSync(
    file,
    script(
      "commonjs",
      `
  const env = JSON.parse(process.env.TEST_CODEX_ENV);
  const first = new Codex({ env });
  const second = new Codex({ env });
  emit({ transports: [first.transport, second.transport] });
  const result = await first.startThread(JSON.parse(process.env.TEST_THREAD_OPTIONS)).run("run echo hello");
  emit({ finalResponse: result.finalResponse });
  for (const make of [
    () => new Codex({ env, onApproval: async () => "approved" }),
    () => second.startThread({ tools: [{ name: "t", description: "", parameters: {}, handler: () => "" }] }),
    () => new Codex({ env, transport: "native" }),
  ]) {
    try { make(); emit({ threw: null }); } catch (err) { emit({ threw: err.message.split("\\n")[0], code: err.code }); }
  }
  try { await second.search({ pattern: "x" }); } catch (err) { emit({ threw: err.message.split("\\n")[0], code: err.code }); }
`,
    ),
  );
  for (const node of nodes) {
    await t.test(`Node ${node.version}`, async () => {
      const mock = await startMock(["--scenario", "shell"]);
      const home = codexHome(root, mock.url);
      const options = { skipGitRepoCheck: true, workingDirectory: scratch("jgt-script-work-"), sandboxMode: "danger-full-access" };
      const result = await runScript(node, file, {
        cwd: broken,
        env: { ...codexEnv(home), TEST_CODEX_ENV: JSON.stringify(codexEnv(home)), TEST_THREAD_OPTIONS: JSON.stringify(options) },
      });
      assertExitedByItself(result, `Node ${node.version} fallback`);
      const warnings = result.stderr.split("\n").filter((l) => l.includes("[JGT_CODEX_SUBPROCESS]"));
      assert.equal(warnings.length, 1, `exactly one warning for two Codex instances:\n${result.stderr}`);
      assert.match(warnings[0], /the in-process addon did not load, so each turn runs `codex exec`/);
      assert.match(result.stderr, new RegExp(`codex-${hostKey}/codex\\.${hostKey}\\.node`), "the detail names the file that failed");
      const [transports, ran, approval, tools, nativeAsked, search] = result.output;
      assert.deepStrictEqual(transports, { transports: ["subprocess", "subprocess"] });
      assert.deepStrictEqual(ran, { finalResponse: "The command printed hello." });
      assert.match(approval.threw, /^onApproval needs the in-process addon: it did not load \(/);
      assert.equal(approval.code, "JGT_CODEX_NEEDS_ADDON");
      assert.match(tools.threw, /^ThreadOptions\.tools needs the in-process addon: it did not load/);
      assert.match(nativeAsked.threw, /^@jgt\/codex: the native transport was asked for/);
      assert.equal(nativeAsked.code, "JGT_CODEX_NO_ADDON");
      assert.match(search.threw, /^codex\.search needs the in-process addon/);
      await mock.stop();
    });
  }
});
