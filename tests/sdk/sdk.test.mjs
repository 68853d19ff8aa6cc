// The exec --json contract, checked by the real @openai/codex-sdk against our binary.
// CODEX_BIN and MOCK_BIN point at the built `codex` and `mock-model-server`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { once } from "node:events";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Codex } from "@openai/codex-sdk";

const codexBin = process.env.CODEX_BIN;
const mockBin = process.env.MOCK_BIN;
assert.ok(codexBin && mockBin, "set CODEX_BIN and MOCK_BIN");

// The default model runs `shell_command` scripts in the account's login shell, as the Codex CLI
// does (the password database entry, not $SHELL).
const loginShell = userInfo().shell || "/bin/bash";

const servers = [];
const dirs = [];

async function startMock(scenario, extra = []) {
  const child = spawn(mockBin, ["--scenario", scenario, ...extra], { stdio: ["pipe", "pipe", "inherit"] });
  servers.push(child);
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise((resolve, reject) => {
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`mock exited with ${code}`)));
  });
  return url;
}

function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), "codex-sdk-"));
  dirs.push(dir);
  return dir;
}

function client(url, home = tempDir()) {
  return new Codex({
    codexPathOverride: codexBin,
    baseUrl: url,
    apiKey: "test-key",
    env: { PATH: process.env.PATH, HOME: home, CODEX_HOME: home },
  });
}

after(() => {
  for (const s of servers) s.stdin.end();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test("run() returns the final response, items and usage", async () => {
  const url = await startMock("shell");
  const thread = client(url).startThread({
    sandboxMode: "danger-full-access",
    skipGitRepoCheck: true,
    workingDirectory: tempDir(),
  });
  const result = await thread.run("run echo hello");
  assert.equal(result.finalResponse, "The command printed hello.");
  assert.match(thread.id, /^[0-9a-f-]{36}$/);
  const command = result.items.find((i) => i.type === "command_execution");
  assert.ok(command, JSON.stringify(result.items));
  assert.equal(command.command, `${loginShell} -lc 'echo hello'`);
  assert.equal(command.aggregated_output, "hello\n");
  assert.equal(command.exit_code, 0);
  assert.equal(command.status, "completed");
  assert.equal(result.usage.input_tokens, 200);
  assert.equal(result.usage.cached_input_tokens, 0);
  assert.equal(result.usage.output_tokens, 20);
});

test("runStreamed() yields the thread events in order", async () => {
  const url = await startMock("plain");
  const thread = client(url).startThread({ skipGitRepoCheck: true, workingDirectory: tempDir() });
  const { events } = await thread.runStreamed("say hello");
  const types = [];
  for await (const event of events) types.push(event.type);
  assert.deepEqual(types, ["thread.started", "turn.started", "item.completed", "turn.completed"]);
});

test("a failing model surfaces as a thrown error", async () => {
  const thread = client("http://127.0.0.1:9/v1").startThread({
    skipGitRepoCheck: true,
    workingDirectory: tempDir(),
  });
  await assert.rejects(thread.run("hi"), /cannot reach|giving up/);
});

test("resumeThread(id) continues the recorded session with its history", async () => {
  const record = join(tempDir(), "requests.jsonl");
  const url = await startMock("plain", ["--record", record]);
  const mock = servers[servers.length - 1];
  const home = tempDir();
  const work = tempDir();
  const options = { skipGitRepoCheck: true, workingDirectory: work };
  const first = client(url, home).startThread(options);
  await first.run("the first question");
  const resumed = client(url, home).resumeThread(first.id, options);
  const result = await resumed.run("the second question");
  assert.equal(result.finalResponse, "Hello! How can I help?");
  assert.equal(resumed.id, first.id);
  mock.stdin.end();
  await once(mock, "exit");
  const requests = readFileSync(record, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(requests.length, 2);
  const second = JSON.stringify(requests[1].input);
  assert.ok(second.includes("the first question"), second);
  assert.ok(second.includes("the second question"), second);
});

async function stopAndRead(mock, record) {
  mock.stdin.end();
  await once(mock, "exit");
  return readFileSync(record, "utf8").trim().split("\n").map((l) => JSON.parse(l));
}

test("events are exactly the objects the SDK's types describe", async () => {
  const url = await startMock("shell");
  const thread = client(url).startThread({
    sandboxMode: "danger-full-access",
    skipGitRepoCheck: true,
    workingDirectory: tempDir(),
  });
  const { events } = await thread.runStreamed("run echo hello");
  const seen = [];
  for await (const event of events) seen.push(event);
  const command = {
    id: "item_0",
    type: "command_execution",
    command: `${loginShell} -lc 'echo hello'`,
  };
  assert.deepStrictEqual(seen, [
    { type: "thread.started", thread_id: thread.id },
    { type: "turn.started" },
    {
      type: "item.started",
      item: { ...command, aggregated_output: "", exit_code: null, status: "in_progress" },
    },
    {
      type: "item.completed",
      item: { ...command, aggregated_output: "hello\n", exit_code: 0, status: "completed" },
    },
    {
      type: "item.completed",
      item: { id: "item_1", type: "agent_message", text: "The command printed hello." },
    },
    {
      type: "turn.completed",
      usage: {
        input_tokens: 200,
        cached_input_tokens: 0,
        cache_write_input_tokens: 0,
        output_tokens: 20,
        reasoning_output_tokens: 0,
      },
    },
  ]);
});

test("local images, extra directories, effort and the access program reach the request", async () => {
  const record = join(tempDir(), "requests.jsonl");
  const url = await startMock("plain", ["--record", record]);
  const mock = servers[servers.length - 1];
  const work = tempDir();
  const image = join(work, "dot.png");
  // A 1x1 PNG.
  const png = Buffer.from(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVQI12P4z8AAAAMBAQAY3Y2wAAAAAElFTkSuQmCC",
    "base64",
  );
  (await import("node:fs")).writeFileSync(image, png);
  const thread = client(url).startThread({
    skipGitRepoCheck: true,
    workingDirectory: work,
    additionalDirectories: [join(work, "not-there-yet")],
    modelReasoningEffort: "max",
    threadSource: "sdk-test",
  });
  const result = await thread.run(
    [
      { type: "text", text: "what is in the picture?" },
      { type: "local_image", path: image },
    ],
    { cyberAccessProgram: "standard" },
  );
  assert.equal(result.finalResponse, "Hello! How can I help?");
  const [request] = await stopAndRead(mock, record);
  const user = request.input.filter((i) => i.role === "user").at(-1);
  const imagePart = user.content.find((p) => p.type === "input_image");
  assert.ok(imagePart?.image_url.startsWith("data:image/png;base64,"), JSON.stringify(user));
  assert.equal(user.content.at(-1).text, "what is in the picture?");
  assert.deepStrictEqual(request.access_programs, { cyber: "standard" });
  assert.equal(request.reasoning?.effort, "max");
});

test("a stream that keeps breaking rejects with the Codex CLI's wording", async () => {
  const dir = tempDir();
  const script = join(dir, "script.json");
  const broken = { disconnect_after: 0, events: [{ text: "partial" }] };
  (await import("node:fs")).writeFileSync(script, JSON.stringify([broken, broken, broken, broken, broken, broken, broken]));
  const url = await startMock("plain", ["--script", script]);
  const thread = new Codex({
    codexPathOverride: codexBin,
    baseUrl: url,
    apiKey: "test-key",
    env: { PATH: process.env.PATH, HOME: dir, CODEX_HOME: dir },
    config: {
      model_provider: "mock",
      model_providers: {
        mock: { name: "mock", base_url: url, env_key: "CODEX_API_KEY", stream_max_retries: 1 },
      },
    },
  }).startThread({ skipGitRepoCheck: true, workingDirectory: tempDir() });
  await assert.rejects(thread.run("hi"), /^Error: stream disconnected before completion: /);
});
