// Tools written in JavaScript: offered to the model, called with their arguments, answered in
// the next request; a throw is the error output; an interrupted turn aborts ctx.signal.
import { test } from "node:test";
import assert from "node:assert/strict";
import { nativeTransport, runTurn, startMock, tempDir, waitFor } from "./support.mjs";

const THREAD = { skipGitRepoCheck: true };

function outputOf(request, callId) {
  const item = request.input.find((i) => i.type === "function_call_output" && i.call_id === callId);
  return item && item.output;
}

const lookup = {
  name: "lookup",
  description: "Looks a word up.",
  parameters: { type: "object", properties: { word: { type: "string" } }, required: ["word"] },
};

test("the model calls a JavaScript tool and gets its result in the next request", async () => {
  const script = [
    { events: [{ function: "lookup", arguments: { word: "ocean" }, call_id: "t1" }] },
    { events: [{ text: "It means a sea." }] },
  ];
  const mock = await startMock(script, { record: true });
  const calls = [];
  const tools = [
    {
      ...lookup,
      handler: async (args, ctx) => {
        calls.push({ args, ctx });
        return { word: args.word, meaning: "a large sea" };
      },
    },
  ];
  const handle = nativeTransport(mock.url, { tools }).startThread({ ...THREAD, workingDirectory: tempDir() }, null);
  const events = await runTurn(handle, "what is an ocean?");
  handle.close();
  assert.equal(events.at(-1).type, "turn.completed");
  assert.equal(calls.length, 1);
  assert.deepStrictEqual(calls[0].args, { word: "ocean" });
  assert.equal(calls[0].ctx.callId, "t1");
  assert.equal(calls[0].ctx.threadId, events[0].thread_id);
  assert.ok(calls[0].ctx.signal instanceof AbortSignal && !calls[0].ctx.signal.aborted);
  const requests = await mock.stop();
  const offered = requests[0].tools.find((t) => t.name === "lookup");
  assert.deepStrictEqual(offered.parameters, lookup.parameters);
  assert.equal(offered.description, "Looks a word up.");
  assert.equal(outputOf(requests[1], "t1"), '{"word":"ocean","meaning":"a large sea"}');
});

test("a throwing tool answers the model with its error message", async () => {
  const script = [
    { events: [{ function: "lookup", arguments: { word: "x" }, call_id: "t1" }] },
    { events: [{ function: "lookup", arguments: "{not json", call_id: "t2" }] },
    { events: [{ text: "ok" }] },
  ];
  const mock = await startMock(script, { record: true });
  const tools = [
    {
      ...lookup,
      handler: () => {
        throw new Error("the dictionary is closed");
      },
    },
  ];
  const handle = nativeTransport(mock.url, { tools }).startThread({ ...THREAD, workingDirectory: tempDir() }, null);
  const events = await runTurn(handle, "look it up");
  handle.close();
  assert.equal(events.at(-1).type, "turn.completed");
  const requests = await mock.stop();
  assert.equal(outputOf(requests[1], "t1"), "the dictionary is closed");
  assert.match(outputOf(requests[2], "t2"), /^failed to parse function arguments/);
});

test("interrupting the turn aborts the tool's ctx.signal", async () => {
  const script = [{ events: [{ function: "wait", arguments: {}, call_id: "w1" }] }, { events: [{ text: "never" }] }];
  const mock = await startMock(script);
  let signal = null;
  const tools = [
    {
      name: "wait",
      description: "Waits until aborted.",
      parameters: { type: "object", properties: {} },
      handler: (args, ctx) =>
        new Promise((resolve) => {
          signal = ctx.signal;
          ctx.signal.addEventListener("abort", () => resolve("stopped"));
        }),
    },
  ];
  const handle = nativeTransport(mock.url, { tools }).startThread({ ...THREAD, workingDirectory: tempDir() }, null);
  const events = [];
  const turn = handle.runTurn({ input: "wait" }, (e) => events.push(e));
  await waitFor(() => signal, 10_000, "the tool to be called");
  await handle.interrupt();
  await turn;
  handle.close();
  assert.ok(signal.aborted);
  assert.deepEqual(events.at(-1), { type: "turn.failed", error: { message: "the turn was interrupted" } });
});

test("a tool named like a built-in one, or twice, is refused at startThread", async () => {
  const mock = await startMock("plain");
  const handler = () => "x";
  const transport = nativeTransport(mock.url);
  assert.throws(
    () => transport.startThread({ tools: [{ name: "shell", description: "", parameters: {}, handler }] }, null),
    /a tool named `shell` is already registered \(a built-in tool has that name\)/,
  );
  assert.throws(
    () =>
      transport.startThread({ tools: [{ name: "a", handler }, { name: "a", handler }] }, null),
    /a tool named `a` is already registered/,
  );
  assert.throws(() => transport.startThread({ tools: [{ name: "b" }] }, null), /needs a handler function/);
});
