// onApproval: called for each approval the policy asks for, its answer decides.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { nativeTransport, runTurn, startMock, tempDir } from "./support.mjs";

const ASKING = { skipGitRepoCheck: true, approvalPolicy: "untrusted", sandboxMode: "danger-full-access" };

function shellSteps(...commands) {
  const steps = commands.map((command, i) => ({ events: [{ shell: command, call_id: `c${i + 1}` }] }));
  return [...steps, { events: [{ text: "finished" }] }];
}

async function turnWith(script, onApproval, thread = {}) {
  const mock = await startMock(script, { record: true });
  const work = tempDir();
  const requests = [];
  const handle = nativeTransport(mock.url, {
    onApproval: async (request) => {
      requests.push(request);
      return onApproval(request);
    },
  }).startThread({ ...ASKING, workingDirectory: work, ...thread }, null);
  const events = await runTurn(handle, "do it");
  handle.close();
  return { events, requests, work, recorded: await mock.stop() };
}

function commands(events) {
  return events.filter((e) => e.type === "item.completed" && e.item.type === "command_execution").map((e) => e.item);
}

test("approved: the command runs", async () => {
  const { events, requests, work } = await turnWith(shellSteps("touch approved.txt"), () => "approved");
  assert.equal(requests.length, 1);
  const [request] = requests;
  assert.equal(request.type, "exec");
  assert.equal(request.id, "c1");
  assert.deepEqual(request.command.slice(-1), ["touch approved.txt"]);
  assert.equal(request.cwd, work);
  assert.ok(existsSync(join(work, "approved.txt")));
  assert.equal(commands(events)[0].exit_code, 0);
  assert.equal(events.at(-1).type, "turn.completed");
});

test("denied: the command does not run and the model is told", async () => {
  const { events, work, recorded } = await turnWith(shellSteps("touch denied.txt"), () => "denied");
  assert.ok(!existsSync(join(work, "denied.txt")));
  assert.equal(commands(events).length, 0);
  assert.match(JSON.stringify(recorded[1].input), /rejected by the user/);
  assert.equal(events.at(-1).type, "turn.completed");
});

test("approved_for_session: the same command later runs without asking", async () => {
  const { requests, events, work } = await turnWith(
    shellSteps("echo again >> log.txt", "echo again >> log.txt"),
    () => "approved_for_session",
  );
  assert.equal(requests.length, 1);
  assert.equal(commands(events).length, 2);
  assert.equal(readFileSync(join(work, "log.txt"), "utf8"), "again\nagain\n");
});

test("abort: the command does not run and the turn stops", async () => {
  const { events, work, recorded } = await turnWith(shellSteps("touch aborted.txt"), () => "abort");
  assert.ok(!existsSync(join(work, "aborted.txt")));
  assert.deepEqual(events.at(-1), { type: "turn.failed", error: { message: "the turn was interrupted" } });
  assert.equal(recorded.length, 1);
});

test("a throwing callback, or an answer not in the list, counts as denied", async () => {
  const thrown = await turnWith(shellSteps("touch thrown.txt"), () => {
    throw new Error("no");
  });
  assert.ok(!existsSync(join(thrown.work, "thrown.txt")));
  assert.equal(thrown.events.at(-1).type, "turn.completed");
  const odd = await turnWith(shellSteps("touch odd.txt"), () => "yes please");
  assert.ok(!existsSync(join(odd.work, "odd.txt")));
  assert.match(JSON.stringify(odd.recorded[1].input), /rejected by the user/);
});

test("a patch asks with its changes", async () => {
  const patch = "*** Begin Patch\n*** Add File: added.txt\n+hello\n*** End Patch\n";
  const script = [{ events: [{ custom: "apply_patch", input: patch, call_id: "p1" }] }, { events: [{ text: "patched" }] }];
  const { requests, events, work } = await turnWith(script, () => "approved", { sandboxMode: "read-only" });
  assert.equal(requests.length, 1);
  const [request] = requests;
  assert.equal(request.type, "patch");
  assert.equal(request.id, "p1");
  assert.deepStrictEqual(request.changes, { [join(work, "added.txt")]: { kind: "add", content: "hello\n" } });
  assert.equal(readFileSync(join(work, "added.txt"), "utf8"), "hello\n");
  const change = events.find((e) => e.type === "item.completed" && e.item.type === "file_change");
  assert.equal(change.item.status, "completed");
});
