"""A stdio MCP client (the Python SDK) that starts a server exactly as a client's config file
says: it reads entry NAME of a Claude Desktop config file (the bridge entry `sync` wrote for a
remote server, since Claude Desktop starts only stdio servers), launches its `command` with its
`args` and `env`, and calls the remote's `add` tool through it. Prints one `ok:` line per
check; exits 1 on the first failure.

  python bridge_entry_client.py CONFIG_FILE NAME
"""

import asyncio
import json
import os
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

CONFIG, NAME = sys.argv[1], sys.argv[2]


def check(condition, what, detail=""):
    if not condition:
        print(f"FAIL: {what} {detail}", flush=True)
        sys.exit(1)
    print(f"ok: {what}", flush=True)


async def main():
    with open(CONFIG, encoding="utf-8") as f:
        entry = json.load(f)["mcpServers"][NAME]
    args = entry.get("args", [])
    check("url" not in entry and args[:1] == ["bridge"], "the entry runs the bridge (stdio)", entry)
    check(not any("bridge-token-" in a for a in args), "the entry holds a reference, not the token", args)
    params = StdioServerParameters(command=entry["command"], args=args,
                                   env={**os.environ, **entry.get("env", {})})
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            check(init.server_info.name == "bridge-test-server", "initialize through the entry", init.server_info)
            result = await session.call_tool("add", {"a": 20, "b": 22})
            text = " ".join(getattr(c, "text", "") for c in result.content)
            check(not result.is_error and "42" in text, "tools/call add(20, 22) = 42 through the entry", result)


asyncio.run(main())
