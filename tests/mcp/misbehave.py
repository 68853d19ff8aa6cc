#!/usr/bin/env python3
"""A stdio MCP server that misbehaves in one chosen way, for the client's failure tests.

Usage: misbehave.py MODE
  no-init      reads requests and never answers (initialize times out)
  garbage      writes lines that are not JSON-RPC before every answer
  die-on-call  answers initialize and tools/list, then exits when a tool is called
  hang-on-call answers initialize and tools/list, then never answers a call
  huge         answers a call with a text block of 8 MiB
  ok           behaves (one tool, `ping`, answering "pong")
"""

import json
import sys

MODE = sys.argv[1] if len(sys.argv) > 1 else "ok"
TOOLS = [{"name": "ping", "description": "Answers pong.",
          "inputSchema": {"type": "object", "properties": {}}}]


def send(message):
    if MODE == "garbage":
        sys.stdout.write("this is not JSON\n{\"half\": \n")
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


for line in sys.stdin:
    try:
        request = json.loads(line)
    except ValueError:
        continue
    if MODE == "no-init" or "id" not in request:
        continue
    method, rid = request.get("method"), request["id"]
    if method == "initialize":
        send({"jsonrpc": "2.0", "id": rid, "result": {
            "protocolVersion": request["params"]["protocolVersion"],
            "capabilities": {"tools": {}}, "serverInfo": {"name": "misbehave", "version": "1"}}})
    elif method == "tools/list":
        send({"jsonrpc": "2.0", "id": rid, "result": {"tools": TOOLS}})
    elif method == "tools/call":
        if MODE == "die-on-call":
            sys.exit(3)
        if MODE == "hang-on-call":
            continue
        text = "x" * (8 * 1024 * 1024) if MODE == "huge" else "pong"
        send({"jsonrpc": "2.0", "id": rid,
              "result": {"content": [{"type": "text", "text": text}]}})
    else:
        send({"jsonrpc": "2.0", "id": rid, "error": {"code": -32601, "message": "no such method"}})
