// The native transport's events are the objects `codex exec --json` prints for the same run;
// its errors are exec's messages; resume, output schemas and the session environment behave
// as the SDK's `codex exec` children do.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execJson, nativeTransport, runTurn, startMock, tempDir, withoutThreadId } from "./support.mjs";

// Each run gets its own mock: a script is used up by one.
async function compare(scenario, thread, prompt) {
  const home = tempDir();
  const work = tempDir();
  const options = { skipGitRepoCheck: true, workingDirectory: work, ...thread };
  const exec = await execJson((await startMock(scenario)).url, home, options, prompt);
  const handle = nativeTransport((await startMock(scenario)).url).startThread(options, null);
  const native = await runTurn(handle, prompt);
  handle.close();
  assert.deepStrictEqual(withoutThreadId(native), withoutThreadId(exec.events));
  return native;
}

test("a plain answer: the same events as codex exec --json", async () => {
  const events = await compare("plain", {}, "say hello");
  assert.deepEqual(
    events.map((e) => e.type),
    ["thread.started", "turn.started", "item.completed", "turn.completed"],
  );
});

test("a shell command without a sandbox: the same events", async () => {
  const events = await compare("shell", { sandboxMode: "danger-full-access" }, "run echo hello");
  assert.equal(events.find((e) => e.type === "item.completed").item.aggregated_output, "hello\n");
});

test("a shell command sandboxed through the CLI binary: the same events", async () => {
  const events = await compare("shell", { sandboxMode: "read-only" }, "run echo hello");
  const done = events.find((e) => e.type === "item.completed");
  assert.equal(done.item.aggregated_output, "hello\n");
  assert.equal(done.item.status, "completed");
});

test("a model that fails: the same turn.failed", async () => {
  const script = [{ status: 400, body: '{"error":{"message":"no such model"}}' }];
  const events = await compare(script, {}, "hi");
  assert.equal(events.at(-1).type, "turn.failed");
});

test("without onApproval the policy never asks, as in codex exec", async () => {
  const script = [{ events: [{ shell: "touch made-here", call_id: "c1" }] }, { events: [{ text: "done" }] }];
  const events = await compare(script, { approvalPolicy: "untrusted", sandboxMode: "danger-full-access" }, "touch it");
  assert.equal(events.find((e) => e.type === "item.completed").item.exit_code, 0);
});

test("the second turn is what codex exec resume prints: thread.started again, items from item_0", async () => {
  const mock = await startMock("plain");
  const home = tempDir();
  const options = { skipGitRepoCheck: true, workingDirectory: tempDir() };
  const first = await execJson(mock.url, home, options, "one");
  const id = first.events[0].thread_id;
  const second = await execJson(mock.url, home, options, "two", { resume: id });
  assert.equal(second.code, 0, second.stderr);
  const handle = nativeTransport(mock.url).startThread(options, null);
  const one = await runTurn(handle, "one");
  const two = await runTurn(handle, "two");
  handle.close();
  assert.deepStrictEqual(withoutThreadId(one), withoutThreadId(first.events));
  assert.deepStrictEqual(withoutThreadId(two), withoutThreadId(second.events));
  assert.equal(two[0].thread_id, one[0].thread_id);
});

test("exec's checks reject with exec's message (without `error: `)", async () => {
  const mock = await startMock("plain");
  const home = tempDir();
  const work = tempDir();
  const exec = await execJson(mock.url, home, { workingDirectory: work }, "hi");
  assert.equal(exec.code, 1);
  const line = exec.stderr.split("\n").find((l) => l.startsWith("error: "));
  const handle = nativeTransport(mock.url, { home }).startThread({ workingDirectory: work }, null);
  await assert.rejects(runTurn(handle, "hi"), (err) => {
    assert.equal(err.message, line.slice("error: ".length));
    assert.equal(err.message, "Not inside a trusted directory and --skip-git-repo-check was not specified.");
    return true;
  });
  // Nothing was started: the thread can still run once the directory is a repository.
  const trusted = nativeTransport(mock.url, { home }).startThread({ workingDirectory: work, skipGitRepoCheck: true }, null);
  await assert.rejects(runTurn(trusted, "   "), /^Error: the prompt is empty$/);
  await assert.rejects(runTurn(trusted, "hi", { outputSchema: { type: 5 } }), /^Error: outputSchema is not a valid JSON Schema: \/type: /);
  const image = join(work, "not.png");
  writeFileSync(image, "text");
  await assert.rejects(runTurn(trusted, [{ type: "text", text: "look" }, { type: "local_image", path: image }]), /is not an image this agent can send/);
  await assert.rejects(
    runTurn(nativeTransport(mock.url, { home }).startThread({ sandboxMode: "nope" }, null), "hi"),
    /invalid value 'nope' for '--sandbox <SANDBOX>'/,
  );
  trusted.close();
});

test("resume by id continues the recorded session with its history", async () => {
  const mock = await startMock("plain", { record: true });
  const home = tempDir();
  const options = { skipGitRepoCheck: true, workingDirectory: tempDir() };
  const first = nativeTransport(mock.url, { home }).startThread(options, null);
  const one = await runTurn(first, "the first question");
  first.close();
  const id = one[0].thread_id;
  const resumed = nativeTransport(mock.url, { home }).startThread(options, id);
  const two = await runTurn(resumed, "the second question");
  resumed.close();
  assert.equal(two[0].thread_id, id);
  const requests = await mock.stop();
  assert.equal(requests.length, 2);
  const history = JSON.stringify(requests[1].input);
  assert.ok(history.includes("the first question") && history.includes("the second question"), history);
  const unknown = nativeTransport(mock.url, { home }).startThread(options, "no-such-id");
  await assert.rejects(runTurn(unknown, "hi"), /^Error: no recorded session `no-such-id` under .*sessions; `codex sessions list --all` shows them$/);
});

test("outputSchema reaches the model as the response format", async () => {
  const mock = await startMock([{ events: [{ text: '{"answer":42}' }] }], { record: true });
  const schema = {
    type: "object",
    properties: { answer_marker_7f3: { type: "integer" } },
    required: ["answer_marker_7f3"],
    additionalProperties: false,
  };
  const handle = nativeTransport(mock.url).startThread({ skipGitRepoCheck: true, workingDirectory: tempDir() }, null);
  const events = await runTurn(handle, "answer", { outputSchema: schema });
  handle.close();
  assert.equal(events.find((e) => e.type === "item.completed").item.text, '{"answer":42}');
  const [request] = await mock.stop();
  assert.deepStrictEqual(request.text.format.schema, schema);
});

test("env replaces the process environment for the session, which is left alone", async () => {
  process.env.JGT_NODE_TEST_SECRET = "from-the-host";
  const script = [
    { events: [{ shell: 'echo "[$JGT_NODE_TEST_SECRET][$ONLY_IN_ENV]"', call_id: "c1" }] },
    { events: [{ text: "done" }] },
  ];
  const mock = await startMock(script);
  const home = tempDir();
  const before = { ...process.env };
  const transport = nativeTransport(mock.url, {
    home,
    env: { PATH: process.env.PATH, HOME: home, CODEX_HOME: home, ONLY_IN_ENV: "given" },
  });
  const handle = transport.startThread({ skipGitRepoCheck: true, workingDirectory: tempDir(), sandboxMode: "danger-full-access" }, null);
  const events = await runTurn(handle, "print them");
  handle.close();
  assert.equal(events.find((e) => e.type === "item.completed").item.aggregated_output, "[][given]\n");
  assert.deepStrictEqual({ ...process.env }, before);
  assert.equal(process.env.CODEX_API_KEY, undefined);
  assert.ok(existsSync(join(home, "sessions")), "the session is recorded under the given CODEX_HOME");
});

test("codex options' config is flattened into overrides as the SDK does", async () => {
  const mock = await startMock("plain", { record: true });
  const handle = nativeTransport(mock.url, {
    config: { model: "configured-model", model_reasoning_effort: "low" },
  }).startThread({ skipGitRepoCheck: true, workingDirectory: tempDir(), modelReasoningEffort: "high" }, null);
  await runTurn(handle, "hi");
  handle.close();
  const [request] = await mock.stop();
  assert.equal(request.model, "configured-model");
  assert.equal(request.reasoning.effort, "high");
  assert.throws(
    () => nativeTransport(mock.url, { config: { a: null } }).startThread({}, null),
    /Codex config override at a cannot be null/,
  );
});
