#!/usr/bin/env python3
"""Drives `codex mcp-server` with the official Python MCP SDK, as an editor would.

Usage: python_client.py CODEX WORKDIR [SERVER ARGS...]
Prints one JSON object with what it saw; the Rust test (crates/cli/tests/mcp_server.rs)
scripts the mock model and checks the report. The model's answers come in this order:
  1 `codex` "first"          -> text
  2 `codex-reply` "second"   -> a command needing approval (accepted), 3 -> text
  4 `codex` "A"              -> a command needing approval; the answer waits for B to finish
  5 `codex` "B"              -> text, 6 -> A's text
  7 `codex` "C"              -> a long command; the client cancels the call
  8 `codex-reply` on C       -> text (the thread still works after the cancellation)
"""

import json
import os
import sys

import anyio
from mcp import ClientSession, StdioServerParameters, types
from mcp.client.extension import NotificationBinding
from mcp.client.stdio import stdio_client
from pydantic import BaseModel, ConfigDict


class EventParams(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str | None = None
    msg: dict


async def main() -> None:
    codex, work, server_args = sys.argv[1], sys.argv[2], sys.argv[3:]
    report: dict = {"asked": [], "events": [], "sessions": []}
    b_done = anyio.Event()
    aborted = anyio.Event()
    a_asked = anyio.Event()

    async def on_event(params: EventParams) -> None:
        report["events"].append(params.msg.get("type"))
        if params.msg.get("type") == "turn_aborted":
            aborted.set()
        if params.msg.get("type") == "session_configured":
            report["sessions"].append(params.msg.get("session_id"))

    async def elicit(context, params):
        message = params.message
        report["asked"].append(message)
        if "a.txt" in message:
            a_asked.set()
            # Answered only once thread B has finished: the server must run both at once.
            await b_done.wait()
        return types.ElicitResult(action="accept", content={})

    server = StdioServerParameters(command=codex, args=["mcp-server", *server_args], cwd=work,
                                   env={"CODEX_HOME": os.environ["CODEX_HOME"]})
    binding = NotificationBinding(method="codex/event", params_type=EventParams, handler=on_event)
    async with stdio_client(server) as (read, write):
        async with ClientSession(
            read, write, elicitation_callback=elicit, notification_bindings=[binding]
        ) as session:
            await session.initialize()
            tools = await session.list_tools()
            report["tools"] = sorted(t.name for t in tools.tools)
            report["codex_required"] = next(
                t.input_schema.get("required") for t in tools.tools if t.name == "codex"
            )

            first = await session.call_tool("codex", {"prompt": "first", "cwd": work,
                                                      "approval-policy": "untrusted",
                                                      "sandbox": "workspace-write"})
            thread = first.structured_content["threadId"]
            report["first"] = {"text": first.content[0].text, "thread": thread,
                               "structured": first.structured_content}

            second = await session.call_tool(
                "codex-reply", {"threadId": thread, "prompt": "second"}
            )
            report["second"] = second.content[0].text

            results = {}

            async def run(name: str, args: dict) -> None:
                result = await session.call_tool("codex", args)
                results[name] = result.content[0].text
                if name == "B":
                    b_done.set()

            async with anyio.create_task_group() as group:
                group.start_soon(run, "A", {"prompt": "A", "cwd": work,
                                            "approval-policy": "untrusted",
                                            "sandbox": "workspace-write"})
                await a_asked.wait()
                group.start_soon(run, "B", {"prompt": "B", "cwd": work})
            report["A"], report["B"] = results["A"], results["B"]

            # Cancelled while its command runs; the thread must still take a reply.
            with anyio.move_on_after(3) as scope:
                await session.call_tool("codex", {"prompt": "C", "cwd": work,
                                                  "sandbox": "danger-full-access",
                                                  "approval-policy": "never"})
            report["c_cancelled"] = scope.cancelled_caught
            c_thread = report["sessions"][-1]
            # The interruption reaches the session before the reply does.
            with anyio.fail_after(20):
                await aborted.wait()
            after = await session.call_tool(
                "codex-reply", {"threadId": c_thread, "prompt": "after"}
            )
            report["after_cancel"] = after.content[0].text
            report["unknown_thread"] = (await session.call_tool(
                "codex-reply", {"threadId": "nope", "prompt": "x"})).is_error
    print(json.dumps(report))


anyio.run(main)
