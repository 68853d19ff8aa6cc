// The JavaScript API of @jgt/codex (`Codex`, `Thread`), installed from the packed tarballs into
// a temporary project and driven against the mock model, once per transport: the subprocess
// one always, the native (in-process) one whenever the platform package holds the addon.
import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  checkPrerequisites,
  cleanUp,
  codexEnv,
  codexHome,
  execJson,
  installProject,
  processesWith,
  recorded,
  scratch,
  startMock,
  startScript,
  subdir,
  transportsFor,
  waitFor,
} from "./support.mjs";

checkPrerequisites();
const root = scratch();
const project = installProject(root, { type: "commonjs" });
const { Codex, Thread } = createRequire(join(project, "package.json"))("@jgt/codex");
const transports = transportsFor(project);

after(cleanUp);

/** A Codex of `transport` whose config points at the mock at `url`, in a fresh CODEX_HOME. */
function codexFor(transport, url, extra = {}) {
  const home = codexHome(root, url);
  return { codex: new Codex({ transport, env: codexEnv(home), ...extra }), home };
}

function threadOptions(extra = {}) {
  return { skipGitRepoCheck: true, workingDirectory: scratch("jgt-api-work-"), ...extra };
}

async function collect(events) {
  const seen = [];
  for await (const event of events) seen.push(event);
  return seen;
}

/** The events with every thread id replaced, to compare runs of different threads. */
function withoutThreadId(events) {
  return events.map((e) => (e.type === "thread.started" ? { ...e, thread_id: "<id>" } : e));
}

test("the ES module entry exports the same classes", async () => {
  const esm = await import(join(project, "node_modules", "@jgt", "codex", "index.mjs"));
  assert.equal(esm.Codex, Codex);
  assert.equal(esm.Thread, Thread);
});

for (const transport of transports) {
  describe(`${transport} transport`, () => {
    test("the Codex says which transport it uses", () => {
      assert.equal(new Codex({ transport }).transport, transport);
    });

    test("runStreamed() yields exactly the events codex exec --json prints for the same run", async () => {
      for (const scenario of ["shell", "plain"]) {
        const mock = await startMock(["--scenario", scenario]);
        const { codex, home } = codexFor(transport, mock.url);
        const options = threadOptions({ sandboxMode: "danger-full-access" });
        const exec = execJson(project, ["--skip-git-repo-check", "-s", "danger-full-access", "run echo hello"], {
          cwd: options.workingDirectory,
          env: codexEnv(home),
        });
        assert.equal(exec.status, 0, exec.stderr);
        const thread = codex.startThread(options);
        assert.equal(thread.id, null, "no id before the first turn");
        const { events } = await thread.runStreamed("run echo hello");
        const seen = await collect(events);
        assert.deepStrictEqual(withoutThreadId(seen), withoutThreadId(exec.events), scenario);
        assert.deepStrictEqual(seen[0], { type: "thread.started", thread_id: thread.id });
        assert.match(thread.id, /^[0-9a-f-]{36}$/);
      }
    });

    test("run() collects the completed items, the last agent message and the usage", async () => {
      const mock = await startMock(["--scenario", "shell"]);
      const { codex, home } = codexFor(transport, mock.url);
      const options = threadOptions({ sandboxMode: "danger-full-access" });
      const exec = execJson(project, ["--skip-git-repo-check", "-s", "danger-full-access", "run echo hello"], {
        cwd: options.workingDirectory,
        env: codexEnv(home),
      });
      const result = await codex.startThread(options).run("run echo hello");
      assert.deepStrictEqual(result, {
        items: exec.events.filter((e) => e.type === "item.completed").map((e) => e.item),
        finalResponse: "The command printed hello.",
        usage: exec.events.find((e) => e.type === "turn.completed").usage,
      });
    });

    test("input as text and image parts: the texts joined by blank lines, the image attached", async () => {
      const work = scratch("jgt-api-work-");
      const record = join(work, "requests.jsonl");
      const mock = await startMock(["--scenario", "plain", "--record", record]);
      const { codex } = codexFor(transport, mock.url);
      const image = join(work, "dot.png");
      writeFileSync(
        image,
        Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVQI12P4z8AAAAMBAQAY3Y2wAAAAAElFTkSuQmCC", "base64"),
      );
      await codex.startThread(threadOptions({ workingDirectory: work })).run([
        { type: "text", text: "first part" },
        { type: "local_image", path: image },
        { type: "text", text: "second part" },
      ]);
      await mock.stop();
      const [request] = recorded(record);
      const user = request.input.filter((i) => i.role === "user").at(-1);
      assert.ok(user.content.some((p) => p.type === "input_image" && p.image_url.startsWith("data:image/png;base64,")), JSON.stringify(user));
      assert.equal(user.content.at(-1).text, "first part\n\nsecond part");
    });

    test("resumeThread(id) continues the thread with its history", async () => {
      const work = scratch("jgt-api-work-");
      const record = join(work, "requests.jsonl");
      const mock = await startMock(["--scenario", "plain", "--record", record]);
      const { codex, home } = codexFor(transport, mock.url);
      const options = threadOptions({ workingDirectory: work });
      const first = codex.startThread(options);
      await first.run("the first question");
      const id = first.id;
      const resumed = new Codex({ transport, env: codexEnv(home) }).resumeThread(id, options);
      assert.equal(resumed.id, id, "known before the turn");
      const { events } = await resumed.runStreamed("the second question");
      const seen = await collect(events);
      assert.deepStrictEqual(seen[0], { type: "thread.started", thread_id: id });
      assert.equal(resumed.id, id);
      await mock.stop();
      const requests = recorded(record);
      assert.equal(requests.length, 2);
      const second = JSON.stringify(requests[1].input);
      assert.ok(second.includes("the first question") && second.includes("the second question"), second);
    });

    test("outputSchema reaches the model, and the JSON answer is the final response", async () => {
      const work = scratch("jgt-api-work-");
      const record = join(work, "requests.jsonl");
      const answer = JSON.stringify({ answer: "42", sure: true });
      const mock = await startScript(root, [{ events: [{ text: answer }] }], ["--record", record]);
      const { codex } = codexFor(transport, mock.url);
      const schema = {
        type: "object",
        properties: { answer: { type: "string" }, sure: { type: "boolean" } },
        required: ["answer", "sure"],
        additionalProperties: false,
      };
      const result = await codex.startThread(threadOptions({ workingDirectory: work })).run("answer", { outputSchema: schema });
      assert.equal(result.finalResponse, answer);
      await mock.stop();
      const [request] = recorded(record);
      assert.deepStrictEqual(request.text?.format?.schema, schema, JSON.stringify(request.text));
      await assert.rejects(
        codex.startThread(threadOptions()).run("answer", { outputSchema: ["not", "an", "object"] }),
        { name: "Error", message: "outputSchema must be a plain JSON object" },
      );
    });

    test("a failed turn: run() rejects with its message; runStreamed() yields turn.failed, then throws it", async () => {
      const work = scratch("jgt-api-work-");
      const failed = { events: [{ failed: "server_error", message: "the model broke" }] };
      const mock = await startScript(root, [failed, failed]);
      const { codex } = codexFor(transport, mock.url, { config: { model_providers: { mock: { stream_max_retries: 0 } } } });
      const { events } = await codex.startThread(threadOptions({ workingDirectory: work })).runStreamed("hi");
      const seen = [];
      const thrown = await (async () => {
        try {
          for await (const event of events) seen.push(event);
        } catch (err) {
          return err;
        }
        return null;
      })();
      const last = seen.at(-1);
      assert.equal(last.type, "turn.failed", JSON.stringify(seen));
      assert.ok(thrown, "the events throw after turn.failed");
      assert.equal(thrown.message, last.error.message);
      await assert.rejects(codex.startThread(threadOptions({ workingDirectory: work })).run("hi"), (err) => {
        assert.equal(err.constructor, Error);
        assert.equal(err.message, last.error.message);
        return true;
      });
    });

    test("an AbortSignal stops a running command and leaves no process behind", { skip: process.platform !== "linux" && "reads /proc" }, async () => {
      for (const sandboxMode of ["danger-full-access", "read-only"]) {
        const work = scratch("jgt-api-work-");
        const token = `${4000 + Math.floor(Math.random() * 1000)}${Date.now() % 1000}`;
        const mock = await startScript(root, [
          { events: [{ shell: `sleep 1${token} & sleep 2${token}; echo never`, call_id: "c1" }] },
          { events: [{ text: "should not be reached" }] },
        ]);
        const { codex } = codexFor(transport, mock.url);
        const controller = new AbortController();
        const thread = codex.startThread(threadOptions({ workingDirectory: work, sandboxMode }));
        const { events } = await thread.runStreamed("sleep", { signal: controller.signal });
        const seen = [];
        const outcome = (async () => {
          for await (const event of events) {
            seen.push(event);
            if (event.type === "item.started") {
              await waitFor(() => processesWith(`sleep 2${token}`).length > 0, 10000, "the command to start");
              controller.abort(new Error("enough"));
            }
          }
        })();
        await assert.rejects(outcome, (err) => {
          assert.equal(err.name, "AbortError", err.stack);
          assert.equal(err.cause?.message, "enough");
          return true;
        });
        assert.deepStrictEqual(processesWith(`1${token}`), [], `${sandboxMode}: the background command is gone`);
        assert.deepStrictEqual(processesWith(`2${token}`), [], `${sandboxMode}: the command is gone`);
        // codex exec runs with --cd WORK, the sandbox helper with WORK as a writable root.
        assert.deepStrictEqual(processesWith(work), [], `${sandboxMode}: no codex process is left`);
        assert.ok(!seen.some((e) => e.type === "turn.completed"), JSON.stringify(seen));
      }
      const already = AbortSignal.abort();
      const { codex } = codexFor(transport, "http://127.0.0.1:9/v1");
      await assert.rejects(codex.startThread(threadOptions()).run("hi", { signal: already }), { name: "AbortError" });
    });

    test("interrupt() ends the running turn with turn.failed; the thread runs on", async () => {
      const work = scratch("jgt-api-work-");
      const mock = await startScript(root, [{ stall_after: 1, events: [{ text: "thinking about it" }] }, { events: [{ text: "back again" }] }]);
      const { codex } = codexFor(transport, mock.url);
      const thread = codex.startThread(threadOptions({ workingDirectory: work }));
      await thread.interrupt(); // nothing runs: nothing happens
      const { events } = await thread.runStreamed("wait");
      const seen = [];
      const thrown = await (async () => {
        try {
          for await (const event of events) {
            seen.push(event);
            // The model has answered in part and stalls: the request is in, the turn running.
            if (event.type === "item.completed") await thread.interrupt();
          }
        } catch (err) {
          return err;
        }
        return null;
      })();
      assert.deepStrictEqual(seen.at(-2), { type: "item.completed", item: { id: "item_0", type: "agent_message", text: "thinking about it" } });
      assert.deepStrictEqual(seen.at(-1), { type: "turn.failed", error: { message: "the turn was interrupted" } });
      assert.equal(thrown?.message, "the turn was interrupted");
      const next = await thread.run("again");
      assert.equal(next.finalResponse, "back again");
    });

    test("leaving the events early stops the turn", async () => {
      const work = scratch("jgt-api-work-");
      const mock = await startScript(root, [{ stall_after: 1, events: [{ text: "thinking about it" }] }, { events: [{ text: "next turn" }] }]);
      const { codex } = codexFor(transport, mock.url);
      const thread = codex.startThread(threadOptions({ workingDirectory: work }));
      const { events } = await thread.runStreamed("wait");
      for await (const event of events) {
        if (event.type === "item.completed") break;
      }
      assert.deepStrictEqual(processesWith(work), [], "nothing left running");
      assert.equal((await thread.run("again")).finalResponse, "next turn");
    });

    test("20 threads run at the same time", async () => {
      const mock = await startMock(["--scenario", "shell"]);
      const { codex } = codexFor(transport, mock.url);
      const threads = Array.from({ length: 20 }, () => codex.startThread(threadOptions({ sandboxMode: "danger-full-access" })));
      const results = await Promise.all(threads.map((t, i) => t.run(`run echo hello ${i}`)));
      for (const result of results) {
        assert.equal(result.finalResponse, "The command printed hello.");
        assert.equal(result.items.find((i) => i.type === "command_execution")?.aggregated_output, "hello\n");
      }
      assert.equal(new Set(threads.map((t) => t.id)).size, 20);
    });

    test("applyPatch applies all of a patch or none of it", async () => {
      const { codex } = codexFor(transport, "http://127.0.0.1:9/v1");
      const work = scratch("jgt-api-work-");
      writeFileSync(join(work, "keep.txt"), "one\n");
      const good = await codex.applyPatch(
        "*** Begin Patch\n*** Add File: new.txt\n+hello\n*** Update File: keep.txt\n@@\n-one\n+two\n*** End Patch\n",
        { cwd: work },
      );
      assert.equal(good.ok, true, good.output);
      assert.match(good.output, /new\.txt/);
      assert.equal(readFileSync(join(work, "new.txt"), "utf8"), "hello\n");
      assert.equal(readFileSync(join(work, "keep.txt"), "utf8"), "two\n");
      const bad = await codex.applyPatch(
        "*** Begin Patch\n*** Add File: other.txt\n+x\n*** Update File: missing.txt\n@@\n-a\n+b\n*** End Patch\n",
        { cwd: work },
      );
      assert.equal(bad.ok, false);
      assert.match(bad.output, /missing\.txt/);
      assert.ok(!existsSync(join(work, "other.txt")), "nothing applied");
    });

    if (transport === "subprocess") {
      test("what needs the addon throws, naming it and why the addon is not in use", async () => {
        const why = 'needs the in-process addon: this Codex was created with transport: "subprocess"';
        assert.throws(() => new Codex({ transport, onApproval: async () => "approved" }), { message: `onApproval ${why}` });
        const tool = { name: "t", description: "d", parameters: { type: "object" }, handler: async () => "x" };
        assert.throws(() => new Codex({ transport, tools: [tool] }), { message: `tools ${why}` });
        const codex = new Codex({ transport });
        assert.throws(() => codex.startThread({ onApproval: async () => "denied" }), { message: `ThreadOptions.onApproval ${why}` });
        assert.throws(() => codex.startThread({ tools: [tool] }), { message: `ThreadOptions.tools ${why}` });
        await assert.rejects(codex.startThread().compact(), { message: `thread.compact ${why}` });
        await assert.rejects(codex.search({ pattern: "x" }), { message: `codex.search ${why}` });
        assert.throws(() => new Codex({ transport: "in-process" }), { name: "TypeError", message: /transport must be "native" or "subprocess"/ });
      });
    }

    if (transport === "native") {
      describe("in-process only", () => {
        test("onApproval decides each command the policy asks about", async () => {
          const work = scratch("jgt-api-work-");
          const mock = await startScript(root, [
            { events: [{ shell: "touch approved.txt", call_id: "a1" }] },
            { events: [{ text: "first done" }] },
            { events: [{ shell: "touch denied.txt", call_id: "d1" }] },
            { events: [{ text: "second done" }] },
          ]);
          const requests = [];
          const { codex } = codexFor(transport, mock.url, {
            onApproval: async (request) => {
              requests.push(request);
              return request.command.join(" ").includes("approved.txt") ? "approved" : "denied";
            },
          });
          const thread = codex.startThread(threadOptions({ workingDirectory: work, approvalPolicy: "untrusted", sandboxMode: "workspace-write" }));
          await thread.run("make the first file");
          await thread.run("make the second file");
          assert.equal(requests.length, 2, JSON.stringify(requests));
          assert.equal(requests[0].type, "exec");
          assert.equal(requests[0].id, "a1");
          assert.equal(typeof requests[0].cwd, "string");
          assert.ok(existsSync(join(work, "approved.txt")));
          assert.ok(!existsSync(join(work, "denied.txt")));
        });

        test("approved_for_session: asked once, the same command later runs without asking", async () => {
          const work = scratch("jgt-api-work-");
          const mock = await startScript(root, [
            { events: [{ shell: "touch session.txt", call_id: "s1" }] },
            { events: [{ shell: "touch session.txt", call_id: "s2" }] },
            { events: [{ text: "both done" }] },
          ]);
          const asked = [];
          const { codex } = codexFor(transport, mock.url, {
            onApproval: async (request) => {
              asked.push(request.id);
              return "approved_for_session";
            },
          });
          const thread = codex.startThread(threadOptions({ workingDirectory: work, approvalPolicy: "untrusted", sandboxMode: "workspace-write" }));
          const result = await thread.run("touch it twice");
          assert.equal(result.finalResponse, "both done");
          assert.deepStrictEqual(asked, ["s1"]);
          const commands = result.items.filter((i) => i.type === "command_execution");
          assert.deepStrictEqual(commands.map((c) => c.status), ["completed", "completed"]);
          assert.ok(existsSync(join(work, "session.txt")));
        });

        test("a throwing JS tool is an error output for the model, and the turn goes on", async () => {
          const work = scratch("jgt-api-work-");
          const record = join(work, "requests.jsonl");
          const mock = await startScript(
            work,
            [{ events: [{ function: "lookup_city", call_id: "c1", arguments: { city: "Atlantis" } }] }, { events: [{ text: "No such city." }] }],
            ["--record", record],
          );
          const { codex } = codexFor(transport, mock.url, {
            tools: [
              {
                name: "lookup_city",
                description: "Facts about a city",
                parameters: { type: "object", properties: { city: { type: "string" } } },
                handler: async ({ city }) => {
                  throw new Error(`no city called ${city}`);
                },
              },
            ],
          });
          const result = await codex.startThread(threadOptions({ workingDirectory: work })).run("tell me about Atlantis");
          assert.equal(result.finalResponse, "No such city.");
          await mock.stop();
          const second = recorded(record)[1];
          const output = second.input.find((i) => i.type === "function_call_output" && i.call_id === "c1");
          assert.match(JSON.stringify(output?.output), /no city called Atlantis/, JSON.stringify(second.input));
        });

        test("a JS tool is offered to the model and its result goes back", async () => {
          const work = scratch("jgt-api-work-");
          const record = join(work, "requests.jsonl");
          const mock = await startScript(
            work,
            [
              { events: [{ function: "lookup_weather", call_id: "w1", arguments: { city: "Paris" } }] },
              { events: [{ text: "It is mild." }] },
            ],
            ["--record", record],
          );
          const calls = [];
          const { codex } = codexFor(transport, mock.url);
          const thread = codex.startThread(
            threadOptions({
              workingDirectory: work,
              tools: [
                {
                  name: "lookup_weather",
                  description: "The weather in a city",
                  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
                  handler: async (args, ctx) => {
                    calls.push({ args, callId: ctx.callId, threadId: ctx.threadId });
                    return { celsius: 21 };
                  },
                },
              ],
            }),
          );
          const result = await thread.run("weather?");
          assert.equal(result.finalResponse, "It is mild.");
          assert.deepStrictEqual(calls, [{ args: { city: "Paris" }, callId: "w1", threadId: thread.id }]);
          await mock.stop();
          const [first, second] = recorded(record);
          assert.ok(JSON.stringify(first.tools).includes("lookup_weather"));
          const output = second.input.find((i) => i.type === "function_call_output" && i.call_id === "w1");
          assert.equal(output?.output, JSON.stringify({ celsius: 21 }), JSON.stringify(second.input));
        });

        test("search finds content and file names in-process", async () => {
          const work = scratch("jgt-api-work-");
          writeFileSync(join(work, "notes.txt"), "alpha\na needle here\nomega\n");
          writeFileSync(join(work, "other.md"), "nothing\n");
          const codex = new Codex({ transport });
          const content = await codex.search({ pattern: "needle", cwd: work, context: 1 });
          assert.equal(content.kind, "content");
          assert.equal(content.stoppedEarly, false);
          assert.deepStrictEqual(content.files, [
            {
              path: "notes.txt",
              matchedLines: 1,
              lines: [
                { number: 1, kind: "context", text: "alpha" },
                { number: 2, kind: "match", text: "a needle here" },
                { number: 3, kind: "context", text: "omega" },
              ],
            },
          ]);
          const fuzzy = await codex.search({ query: "nts", cwd: work });
          assert.equal(fuzzy.kind, "files");
          assert.equal(fuzzy.matches[0].path, "notes.txt", JSON.stringify(fuzzy));
          await assert.rejects(codex.search({ pattern: "needle", path: work }), /unknown field `path`/);
        });

        test("compact() summarises the history and the thread goes on", async () => {
          const work = scratch("jgt-api-work-");
          const mock = await startMock(["--scenario", "plain"]);
          const { codex } = codexFor(transport, mock.url);
          const thread = codex.startThread(threadOptions({ workingDirectory: work }));
          await thread.run("hello");
          await thread.compact();
          assert.equal((await thread.run("again")).finalResponse, "Hello! How can I help?");
          thread.close();
          thread.close();
        });
      });
    }
  });
}
