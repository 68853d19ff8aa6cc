// The TypeScript declarations of @jgt/codex, installed from the tarballs: `tsc --noEmit` on an
// ES module project and a CommonJS one (module: nodenext, strict), checking that the SDK's
// types and ours describe the same events, items and options, that the additions are typed, and
// that wrong code is rejected (so the declarations are not `any`).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkPrerequisites, cleanUp, installProject, repo, scratch } from "./support.mjs";

checkPrerequisites();
const tsc = join(repo, ".cache", "typescript", "node_modules", ".bin", "tsc");
const typeRoots = join(repo, ".cache", "typescript", "node_modules", "@types");
const sdkTypes = join(repo, "tests", "sdk", "node_modules", "@openai", "codex-sdk", "dist", "index.d.ts");
const mcpTypes = join(repo, ".cache", "typescript", "node_modules", "@modelcontextprotocol", "sdk", "dist", "esm", "types.d.ts");
const missing = [tsc, sdkTypes, mcpTypes].filter((f) => !existsSync(f));
const root = scratch();
after(cleanUp);

/** Code every program using the API might write: the SDK's surface and ours. */
const USES = `
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
// The SDK's event, item and result types and ours are the same types.
export const sameEvents: Same<ThreadEvent, sdk.ThreadEvent> = true;
export const sameItems: Same<ThreadItem, sdk.ThreadItem> = true;
export const sameUsage: Same<Usage, sdk.Usage> = true;
export const sameInput: Same<Input, sdk.Input> = true;
export const sameResult: Same<RunResult, sdk.RunResult> = true;
// Options written for the SDK are options here.
export function fromSdk(codexOptions: sdk.CodexOptions, threadOptions: sdk.ThreadOptions, turn: sdk.TurnOptions): void {
  const codex = new Codex(codexOptions);
  const thread: Thread = codex.startThread(threadOptions);
  void thread.run("hi", turn);
}

export async function main(): Promise<void> {
  const codex = new Codex({
    config: { model_providers: { local: { base_url: "http://127.0.0.1:11434/v1" } } },
    onApproval: async (request: ApprovalRequest): Promise<ApprovalDecision> =>
      request.type === "exec" && request.command[0] === "ls" ? "approved_for_session" : "denied",
    tools: [
      {
        name: "lookup",
        description: "Looks a word up",
        parameters: { type: "object", properties: { word: { type: "string" } }, required: ["word"] },
        handler: async (args: { word: string }, ctx: ToolContext) => {
          ctx.signal.throwIfAborted();
          return { word: args.word, call: ctx.callId, thread: ctx.threadId };
        },
      },
    ],
  });
  const which: Transport = codex.transport;
  const thread = codex.startThread({ sandboxMode: "workspace-write", approvalPolicy: "on-request" });
  const id: string | null = thread.id;
  const { events } = await thread.runStreamed([
    { type: "text", text: "describe" },
    { type: "local_image", path: "a.png" },
  ]);
  for await (const event of events) {
    if (event.type === "item.completed" && event.item.type === "command_execution") {
      const code: number | undefined = event.item.exit_code;
      void code;
    }
    if (event.type === "turn.completed") void event.usage.output_tokens;
  }
  const controller = new AbortController();
  const turn = await thread.run("go", { outputSchema: { type: "object" }, signal: controller.signal });
  const text: string = turn.finalResponse;
  await thread.interrupt();
  await thread.compact();
  thread.close();
  const found = await codex.search({ pattern: "TODO", globs: ["*.ts"], maxMatches: 10, context: 1 });
  const line: number = found.files[0].lines[0].number;
  const files = await codex.search({ query: "idx", limit: 5 });
  const score: number = files.matches[0].score;
  const patched: ApplyPatchResult = await codex.applyPatch("*** Begin Patch\\n*** End Patch\\n", { cwd: "." });
  void [which, id, text, line, score, patched.ok, codex.resumeThread("id", { model: "m" })];
}
`;

/** Code that must not compile, one error per line marked with its line's comment. */
const WRONG = `
export function wrong(): void {
  new Codex({ transport: "in-process" }); // a transport that does not exist
  new Codex({ onApproval: async () => "yes" }); // an answer not in ApprovalDecision
  new Codex().startThread({ sandboxMode: "everything" }); // not a SandboxMode
  new Codex({ tools: [{ name: "t", description: "d", parameters: {} }] }); // no handler
  void new Codex().search({ patern: "x" }); // neither content nor fuzzy options
}
`;

const COMPILER_OPTIONS = {
  strict: true,
  noEmit: true,
  module: "nodenext",
  moduleResolution: "nodenext",
  target: "es2022",
  lib: ["es2022"],
  typeRoots: [typeRoots],
  types: ["node"],
  // The SDK's declarations import the MCP SDK's ContentBlock, a devDependency of theirs that is
  // not installed with them: the MCP SDK's own declarations stand in.
  paths: { "@openai/codex-sdk": [sdkTypes], "@modelcontextprotocol/sdk/types.js": [mcpTypes] },
};

/** A project of module `type` with @jgt/codex installed and the two files to check. */
function project(type) {
  const dir = installProject(root, { name: `types-${type}`, type });
  const ext = type === "module" ? "mts" : "cts";
  const imports = `import { Codex, Thread, type ApplyPatchResult, type ApprovalDecision, type ApprovalRequest, type Input, type RunResult, type ThreadEvent, type ThreadItem, type ToolContext, type Transport, type Usage } from "@jgt/codex";\nimport type * as sdk from "@openai/codex-sdk";\n`;
  writeFileSync(join(dir, `uses.${ext}`), imports + USES);
  writeFileSync(join(dir, `wrong.${ext}`), `import { Codex } from "@jgt/codex";\n${WRONG}`);
  return { dir, ext };
}

/** `tsc -p` on a tsconfig.json naming only `file`. */
function check(dir, file) {
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: COMPILER_OPTIONS, files: [file] }, null, 2));
  return spawnSync(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: dir, encoding: "utf8" });
}

for (const type of ["module", "commonjs"]) {
  test(`tsc --noEmit accepts the SDK's usage and ours, and rejects wrong code (${type})`, { skip: missing.length > 0 && `missing ${missing.join(", ")} (tests/npm/run installs them)` }, () => {
    const { dir, ext } = project(type);
    const good = check(dir, `uses.${ext}`);
    assert.equal(good.status, 0, `uses.${ext} should type-check:\n${good.stdout}${good.stderr}`);

    const bad = check(dir, `wrong.${ext}`);
    assert.notEqual(bad.status, 0, "wrong code must not type-check");
    const flagged = new Set(
      [...bad.stdout.matchAll(new RegExp(`wrong\\.${ext}\\((\\d+),\\d+\\): error TS\\d+`, "g"))].map((m) => Number(m[1])),
    );
    // Line 1 is the import; WRONG's line i is the file's line i + 1.
    const expected = WRONG.split("\n").flatMap((l, i) => (l.includes("//") ? [i + 2] : []));
    assert.deepStrictEqual([...flagged].sort((a, b) => a - b), expected, bad.stdout);
  });
}
