// The addon in its host: an aborted turn kills what it started; nothing it started outlives the
// Node process; a process with no running turn exits by itself (with or without close(), also
// from a worker thread); many threads at once do not interfere.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { createInterface } from "node:readline";
import {
  addonPath,
  codexBin,
  here,
  nativeJs,
  nativeTransport,
  pidsOf,
  runTurn,
  sessionEnv,
  startMock,
  tempDir,
  waitFor,
} from "./support.mjs";

const host = join(here, "fixtures/host.mjs");

/** Runs the host fixture with `plan`; resolves with its messages and exit code, or fails after `ms`. */
async function runHost(plan, { ms = 30_000, onMessage = () => {} } = {}) {
  const child = spawn(process.execPath, [host, JSON.stringify({ addon: addonPath, nativeJs, codexBin, ...plan })], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const messages = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    const message = JSON.parse(line);
    messages.push(message);
    onMessage(message, child);
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), ms);
  const [code, signal] = await once(child, "exit");
  clearTimeout(timer);
  return { messages, code, signal, stderr, pid: child.pid };
}

function hostPlan(url, thread, extra = {}) {
  const home = tempDir();
  return {
    codexOptions: { baseUrl: url, apiKey: "k", env: sessionEnv(home) },
    thread: { skipGitRepoCheck: true, workingDirectory: tempDir(), ...thread },
    prompt: "go",
    turns: 1,
    ...extra,
  };
}

for (const [sandboxMode, command] of [
  ["danger-full-access", "sleep 31.5"],
  ["read-only", "sleep 31.25"],
  ["danger-full-access", "sleep 31.75; echo after"],
]) {
  test(`an AbortSignal stops a running command and kills it (${sandboxMode}: ${command})`, async () => {
    const argv = command.split(";")[0].split(" ");
    const mock = await startMock([{ events: [{ shell: command, call_id: "s1" }] }, { events: [{ text: "x" }] }]);
    const handle = nativeTransport(mock.url).startThread({ skipGitRepoCheck: true, workingDirectory: tempDir(), sandboxMode }, null);
    const controller = new AbortController();
    const events = [];
    const turn = handle.runTurn({ input: "sleep", signal: controller.signal }, (e) => events.push(e));
    const [pid] = await waitFor(() => pidsOf(argv).length && pidsOf(argv), 15_000, "the command to start");
    const started = Date.now();
    controller.abort();
    await assert.rejects(turn, (err) => err.name === "AbortError");
    assert.ok(Date.now() - started < 5_000, "the abort took too long");
    await waitFor(() => pidsOf(argv).length === 0, 5_000, `pid ${pid} to go`);
    assert.ok(!events.some((e) => e.type === "turn.completed"));
    // The thread goes on after an abort.
    const next = await runTurn(handle, "again");
    assert.equal(next.at(-1).type, "turn.completed");
    handle.close();
  });
}

for (const [sandboxMode, command] of [
  ["danger-full-access", "sleep 32.5"],
  ["read-only", "sleep 32.75"],
  ["read-only", "sleep 32.25; echo after"],
  ["danger-full-access", "sleep 32.1; echo after"],
]) {
  test(`no command outlives its Node process (${sandboxMode}: ${command})`, async () => {
    const argv = command.split(";")[0].split(" ");
    const mock = await startMock([{ events: [{ shell: command, call_id: "s1" }] }, { events: [{ text: "x" }] }]);
    const { messages, code } = await runHost(hostPlan(mock.url, { sandboxMode }, { exitWhenStarted: true, exitCode: 3 }), {
      onMessage: (m) => {
        if (m.exiting) assert.ok(pidsOf(argv).length >= 0);
      },
    });
    assert.equal(code, 3, JSON.stringify(messages));
    assert.ok(messages.some((m) => m.exiting));
    await waitFor(() => pidsOf(argv).length === 0, 5_000, `${argv.join(" ")} to go after its host exited`);
  });
}

test("a command dies with a host killed by SIGKILL", async () => {
  const argv = ["sleep", "33.5"];
  const mock = await startMock([{ events: [{ shell: argv.join(" "), call_id: "s1" }] }, { events: [{ text: "x" }] }]);
  const result = await runHost(hostPlan(mock.url, { sandboxMode: "danger-full-access" }), {
    onMessage: async (m, child) => {
      if (m.started) {
        await waitFor(() => pidsOf(argv).length, 10_000, "the command");
        child.kill("SIGKILL");
      }
    },
  });
  assert.equal(result.signal, "SIGKILL");
  await waitFor(() => pidsOf(argv).length === 0, 5_000, "the command to die with its host");
});

test("a process exits by itself after its last turn, without close()", async () => {
  const mock = await startMock("shell");
  const { messages, code, stderr } = await runHost(hostPlan(mock.url, { sandboxMode: "danger-full-access" }, { turns: 2 }));
  assert.equal(code, 0, stderr);
  assert.deepEqual(messages.at(-1), { done: true });
  assert.equal(messages.filter((m) => m.turn !== undefined).length, 2);
  assert.equal(stderr, "", "the addon writes nothing to stderr");
});

test("a process exits by itself after close()", async () => {
  const mock = await startMock("plain");
  const { messages, code, stderr } = await runHost(hostPlan(mock.url, {}, { close: true }));
  assert.equal(code, 0, stderr);
  assert.deepEqual(messages.at(-1), { done: true });
});

test("a process with a thread that never ran a turn exits by itself", async () => {
  const { code, messages } = await runHost(hostPlan("http://127.0.0.1:9/v1", {}, { turns: 0 }));
  assert.equal(code, 0);
  assert.deepEqual(messages, [{ done: true }]);
});

test("a worker thread runs turns and ends; its process then exits", async () => {
  const mock = await startMock("shell");
  const { messages, code, stderr } = await runHost(
    hostPlan(mock.url, { sandboxMode: "danger-full-access" }, { inWorker: true, turns: 2 }),
  );
  assert.equal(code, 0, stderr);
  const turns = messages.filter((m) => m.turn !== undefined);
  assert.equal(turns.length, 2, JSON.stringify(messages));
  assert.equal(turns[0].last.type, "turn.completed");
  assert.deepEqual(messages.at(-1), { workerExit: 0 });
});

test("a worker terminated in the middle of a command takes the command with it", async () => {
  const argv = ["sleep", "34.5"];
  const mock = await startMock([{ events: [{ shell: argv.join(" "), call_id: "s1" }] }, { events: [{ text: "x" }] }]);
  const { messages, code, stderr } = await runHost(
    hostPlan(mock.url, { sandboxMode: "danger-full-access" }, { inWorker: true, terminateWhenStarted: true }),
  );
  assert.equal(code, 0, stderr);
  assert.deepEqual(messages.at(-1), { workerExit: 1 });
  await waitFor(() => pidsOf(argv).length === 0, 5_000, "the command to go with its worker");
});

test("20 threads at once, each with its own config, do not interfere", async () => {
  const mock = await startMock("shell", { record: true });
  const threads = Array.from({ length: 20 }, (_, i) => {
    const work = tempDir();
    return {
      work,
      model: `model-${i}`,
      handle: nativeTransport(mock.url).startThread(
        { skipGitRepoCheck: true, workingDirectory: work, sandboxMode: "danger-full-access", model: `model-${i}` },
        null,
      ),
    };
  });
  const results = await Promise.all(threads.map((t) => runTurn(t.handle, `run echo hello for ${t.model}`)));
  for (const t of threads) t.handle.close();
  const ids = new Set();
  for (const events of results) {
    ids.add(events[0].thread_id);
    const done = events.find((e) => e.type === "item.completed" && e.item.type === "command_execution");
    assert.equal(done.item.aggregated_output, "hello\n");
    assert.equal(events.at(-1).type, "turn.completed");
  }
  assert.equal(ids.size, 20);
  const requests = await mock.stop();
  assert.equal(requests.length, 40);
  for (const t of threads) {
    const own = requests.filter((r) => r.model === t.model);
    assert.equal(own.length, 2, t.model);
    assert.ok(JSON.stringify(own[0].input).includes(`run echo hello for ${t.model}`));
    assert.ok(JSON.stringify(own[0].input).includes(t.work), "each request carries its own thread's directory");
  }
});
