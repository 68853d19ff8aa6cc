// What only the in-process transport offers beyond the SDK: compact(), search(), applyPatch();
// and the handle's life: interrupt() with nothing running, close() twice, a turn after close.
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { nativeTransport, runTurn, startMock, tempDir } from "./support.mjs";

test("compact() replaces the history with the model's summary", async () => {
  const script = [
    { events: [{ text: "first answer" }, { usage: [100, 0, 10, 0] }] },
    { events: [{ text: "SUMMARY-OF-THE-THREAD" }, { usage: [50, 0, 5, 0] }] },
    { events: [{ text: "second answer" }] },
  ];
  const mock = await startMock(script, { record: true });
  const handle = nativeTransport(mock.url).startThread({ skipGitRepoCheck: true, workingDirectory: tempDir() }, null);
  await runTurn(handle, "the first question");
  await handle.compact();
  const events = await runTurn(handle, "the second question");
  handle.close();
  assert.equal(events.at(-1).type, "turn.completed");
  const requests = await mock.stop();
  assert.equal(requests.length, 3);
  const last = JSON.stringify(requests[2].input);
  assert.ok(last.includes("SUMMARY-OF-THE-THREAD"), last);
  assert.ok(!last.includes("first answer"), last);
});

test("compact() on a thread that never ran does nothing; a failing one rejects", async () => {
  const mock = await startMock([{ events: [{ text: "a" }] }, { status: 400, body: '{"error":{"message":"nope"}}' }]);
  const handle = nativeTransport(mock.url).startThread({ skipGitRepoCheck: true, workingDirectory: tempDir() }, null);
  await handle.compact();
  await runTurn(handle, "hi");
  await assert.rejects(handle.compact(), /nope/);
  handle.close();
});

test("interrupt() with nothing running, close() twice, a turn after close", async () => {
  const mock = await startMock("plain");
  const handle = nativeTransport(mock.url).startThread({ skipGitRepoCheck: true, workingDirectory: tempDir() }, null);
  await handle.interrupt();
  await runTurn(handle, "hi");
  handle.close();
  handle.close();
  await assert.rejects(runTurn(handle, "again"), /this thread is closed/);
  await assert.rejects(handle.compact(), /this thread is closed/);
});

test("a second turn while one runs is refused; the first goes on", async () => {
  const mock = await startMock([{ events: [{ shell: "sleep 0.5", call_id: "c1" }] }, { events: [{ text: "done" }] }]);
  const handle = nativeTransport(mock.url).startThread(
    { skipGitRepoCheck: true, workingDirectory: tempDir(), sandboxMode: "danger-full-access" },
    null,
  );
  const first = runTurn(handle, "one");
  await assert.rejects(runTurn(handle, "two"), /a turn is already running on this thread/);
  const events = await first;
  handle.close();
  assert.equal(events.at(-1).type, "turn.completed");
});

test("search() finds content as rg does and paths by fuzzy match", async () => {
  const dir = tempDir();
  mkdirSync(join(dir, "src"));
  writeFileSync(join(dir, "src/lib.rs"), "pub fn alpha() {}\n// TODO: beta\n");
  writeFileSync(join(dir, "notes.md"), "todo later\n");
  writeFileSync(join(dir, ".gitignore"), "ignored.txt\n");
  writeFileSync(join(dir, "ignored.txt"), "TODO ignored\n");
  mkdirSync(join(dir, ".git"));
  const transport = nativeTransport("http://127.0.0.1:9/v1");
  const found = await transport.search({ pattern: "TODO", cwd: dir });
  assert.equal(found.kind, "content");
  assert.deepStrictEqual(
    found.files.map((f) => [f.path, f.lines]),
    [["src/lib.rs", [{ number: 2, kind: "match", text: "// TODO: beta" }]]],
  );
  const smart = await transport.search({ pattern: "todo", cwd: dir, caseSensitivity: "smart", filesOnly: true });
  assert.deepStrictEqual(smart.files.map((f) => f.path).sort(), ["notes.md", "src/lib.rs"]);
  const paths = await transport.search({ query: "srclib", cwd: dir });
  assert.equal(paths.kind, "files");
  assert.equal(paths.matches[0].path, "src/lib.rs");
  assert.ok(paths.matches[0].indices.length > 0);
  await assert.rejects(transport.search({ pattern: "(", cwd: dir }), /regex|parse|unclosed/i);
  await assert.rejects(transport.search({ pattern: "a", limt: 3 }), /unknown field `limt`/);
});

test("applyPatch() applies all or nothing, with codex apply-patch's output", async () => {
  const dir = tempDir();
  writeFileSync(join(dir, "a.txt"), "one\ntwo\n");
  const transport = nativeTransport("http://127.0.0.1:9/v1");
  const good = "*** Begin Patch\n*** Update File: a.txt\n@@\n-two\n+three\n*** Add File: b.txt\n+new\n*** End Patch\n";
  const applied = await transport.applyPatch(good, { cwd: dir });
  assert.equal(applied.ok, true, applied.output);
  assert.match(applied.output, /a\.txt/);
  assert.equal(readFileSync(join(dir, "a.txt"), "utf8"), "one\nthree\n");
  assert.equal(readFileSync(join(dir, "b.txt"), "utf8"), "new\n");
  const bad = "*** Begin Patch\n*** Add File: c.txt\n+c\n*** Update File: a.txt\n@@\n-missing line\n+x\n*** End Patch\n";
  const refused = await transport.applyPatch(bad, { cwd: dir });
  assert.equal(refused.ok, false);
  assert.match(refused.output, /missing line/);
  assert.throws(() => readFileSync(join(dir, "c.txt")), /ENOENT/, "nothing of a refused patch is written");
});

test("paths.bundledPath comes first on the commands' PATH, sandboxed or not", async () => {
  const bundled = tempDir();
  writeFileSync(join(bundled, "rg"), "#!/bin/sh\necho bundled-rg\n");
  chmodSync(join(bundled, "rg"), 0o755);
  for (const sandboxMode of ["danger-full-access", "read-only"]) {
    const mock = await startMock([{ events: [{ shell: "rg --version", call_id: "c1" }] }, { events: [{ text: "ok" }] }]);
    const handle = nativeTransport(mock.url, { paths: { bundledPath: bundled } }).startThread(
      { skipGitRepoCheck: true, workingDirectory: tempDir(), sandboxMode },
      null,
    );
    const events = await runTurn(handle, "which rg");
    handle.close();
    const done = events.find((e) => e.type === "item.completed" && e.item.type === "command_execution");
    assert.equal(done.item.aggregated_output, "bundled-rg\n", sandboxMode);
  }
});
