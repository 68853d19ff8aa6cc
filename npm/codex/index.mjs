// The ES module entry of @jgt/codex: the same classes as the CommonJS one (index.js).
import api from "./index.js";

export const Codex = api.Codex;
export const Thread = api.Thread;
