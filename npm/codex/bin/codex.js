#!/usr/bin/env node
// `codex` and `jgt-codex`: run the native codex binary of this platform's package.
"use strict";

require("../lib/launcher.js").main();
