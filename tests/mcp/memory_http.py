#!/usr/bin/env python3
"""`codex memory-server --listen` over streamable HTTP against the reference memory server over
stdio, both driven by the official Python MCP SDK.

Usage: memory_http.py URL REFERENCE_BIN MEMORY_FILE [STEPS]

The same seeded random sequence of tool calls goes to both; every answer (text, structured
content, error flag) must be equal. Then two HTTP clients write at once and a third reads the
graph back. Prints one JSON object with what it saw; exits 1 with the first difference.
"""

import json
import os
import random
import sys

import anyio
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

NAMES = ["Alice", "bob", "Carol", "DAVE", "Ève", "frank", "Grace"]
TYPES = ["person", "Person", "city", "project"]
OBS = ["likes Rust", "lives in Paris", "ab", "AB cd", "works at Acme", "é"]
RELS = ["knows", "works_with", "manages"]
QUERIES = ["", "a", "AB", "rust", "PERSON", "paris", "ève", "li", "xyz", "s i"]


def some(rng, items, most):
    """Up to `most` distinct items (the reference stores a name repeated in one call twice)."""
    out = []
    for _ in range(rng.randint(1, most)):
        item = rng.choice(items)
        if item not in out:
            out.append(item)
    return out


def relations(rng):
    seen = []
    for _ in range(rng.randint(1, 3)):
        r = (rng.choice(NAMES), rng.choice(NAMES), rng.choice(RELS))
        if r not in seen:
            seen.append(r)
    return [{"from": f, "to": t, "relationType": k} for f, t, k in seen]


def random_call(rng):
    kind = rng.randrange(10)
    if kind in (0, 1):
        return "create_entities", {"entities": [
            {"name": n, "entityType": rng.choice(TYPES), "observations": some(rng, OBS, 2)}
            for n in some(rng, NAMES, 3)]}
    if kind in (2, 3):
        return "create_relations", {"relations": relations(rng)}
    if kind == 4:
        return "add_observations", {"observations": [
            {"entityName": rng.choice(NAMES), "contents": some(rng, OBS, 3)}]}
    if kind == 5:
        return "delete_entities", {"entityNames": some(rng, NAMES, 1)}
    if kind == 6:
        return "delete_observations", {"deletions": [
            {"entityName": rng.choice(NAMES), "observations": some(rng, OBS, 2)}]}
    if kind == 7:
        return "delete_relations", {"relations": relations(rng)}
    if kind == 8:
        return "search_nodes", {"query": rng.choice(QUERIES)}
    return "open_nodes", {"names": some(rng, NAMES, 3)}


def answer(result):
    """What a client sees of a tool result."""
    return {
        "isError": bool(result.is_error),
        "text": [c.text for c in result.content if getattr(c, "type", "") == "text"],
        "structured": result.structured_content,
    }


def http(url):
    return streamable_http_client(url)


async def write_many(url, prefix, count):
    async with http(url) as streams:
        async with ClientSession(streams[0], streams[1]) as session:
            await session.initialize()
            for i in range(count):
                result = await session.call_tool("create_entities", {"entities": [
                    {"name": f"{prefix}-{i}", "entityType": "note",
                     "observations": [f"written by {prefix}"]}]})
                if result.is_error:
                    raise SystemExit(f"{prefix}-{i}: {answer(result)}")


async def main() -> None:
    url, reference, memory_file = sys.argv[1], sys.argv[2], sys.argv[3]
    steps = int(sys.argv[4]) if len(sys.argv) > 4 else 120
    report = {}
    theirs = StdioServerParameters(command=reference, args=[],
                                   env={"MEMORY_FILE_PATH": memory_file,
                                        "PATH": os.environ.get("PATH", "")})
    async with stdio_client(theirs) as (their_read, their_write), http(url) as streams:
        async with ClientSession(their_read, their_write) as ref, \
                ClientSession(streams[0], streams[1]) as ours:
            await ref.initialize()
            info = await ours.initialize()
            report["server"] = info.server_info.name
            our_tools = sorted(t.name for t in (await ours.list_tools()).tools)
            their_tools = sorted(t.name for t in (await ref.list_tools()).tools)
            if our_tools != their_tools:
                raise SystemExit(f"tools differ: ours {our_tools}, theirs {their_tools}")
            report["tools"] = our_tools
            rng = random.Random(20261123)
            for step in range(steps):
                tool, args = random_call(rng)
                a = answer(await ours.call_tool(tool, args))
                b = answer(await ref.call_tool(tool, args))
                if a != b:
                    raise SystemExit(f"step {step}: {tool} {json.dumps(args)}\n"
                                     f"ours:   {json.dumps(a)}\ntheirs: {json.dumps(b)}")
                if step % 10 == 9:
                    a = answer(await ours.call_tool("read_graph", {}))
                    b = answer(await ref.call_tool("read_graph", {}))
                    if a != b:
                        raise SystemExit(f"step {step}: read_graph differs\n"
                                         f"ours:   {json.dumps(a)}\ntheirs: {json.dumps(b)}")
            report["steps"] = steps

    # Two clients writing at once; a third reads everything back.
    async with anyio.create_task_group() as group:
        group.start_soon(write_many, url, "http-a", 100)
        group.start_soon(write_many, url, "http-b", 100)
    async with http(url) as streams:
        async with ClientSession(streams[0], streams[1]) as session:
            await session.initialize()
            graph = (await session.call_tool("read_graph", {})).structured_content
            names = [e["name"] for e in graph["entities"]]
            report["concurrent"] = sum(1 for n in names if n.startswith("http-"))
            report["entities"] = len(names)
    print(json.dumps(report))


anyio.run(main)
