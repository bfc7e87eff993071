"""A stdio MCP client (the Python SDK, PyPI `mcp` 2.3) that launches `mcp-orchestration bridge
URL --header 'Authorization=Bearer ${secret:BRIDGE_TOKEN}'` and reaches the server of
bridge_server.py through it: the server's identity, tools, an isError result, a resource, a
prompt, progress notifications with the client's own token, a log message, and cancellation
(the server sees its request cancelled, the session goes on). Prints one `ok:` line per check;
exits 1 on the first failure.

With TRANSPORT `sse` the bridge is started with `--transport sse` (URL is then the server's
SSE endpoint).

  python bridge_client.py BIN HOME URL MARKDIR [TRANSPORT]
"""

import asyncio
import pathlib
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

BIN, HOME, URL, MARKS = sys.argv[1], sys.argv[2], sys.argv[3], pathlib.Path(sys.argv[4])
TRANSPORT = ["--transport", sys.argv[5]] if len(sys.argv) > 5 else []


def check(condition, what, detail=""):
    if not condition:
        print(f"FAIL: {what} {detail}", flush=True)
        sys.exit(1)
    print(f"ok: {what}", flush=True)


def text_of(result):
    return " ".join(getattr(c, "text", "") for c in result.content)


async def wait_for(path, seconds):
    for _ in range(int(seconds * 10)):
        if path.exists():
            return True
        await asyncio.sleep(0.1)
    return False


async def exercise(session, logs):
    init = await session.initialize()
    info = init.server_info
    check(info.name == "bridge-test-server" and info.version == "1.0.0", "initialize: the remote's serverInfo", info)
    check(init.instructions == "A server for the bridge test.", "initialize: the remote's instructions", init.instructions)

    names = {t.name for t in (await session.list_tools()).tools}
    check({"add", "fail", "progress", "slow"} <= names, "tools/list: the remote's tools", sorted(names))

    result = await session.call_tool("add", {"a": 2, "b": 3})
    check(not result.is_error and "5" in text_of(result), "tools/call add(2, 3) = 5", result)

    result = await session.call_tool("fail", {})
    check(result.is_error and "boom" in text_of(result), "tools/call fail: the failed-tool result as the server gave it", result)

    resources = (await session.list_resources()).resources
    check([str(r.uri) for r in resources] == ["greeting://bridge"], "resources/list", resources)
    read = await session.read_resource("greeting://bridge")
    check(read.contents[0].text == "hello through the bridge", "resources/read", read)

    prompts = (await session.list_prompts()).prompts
    check([p.name for p in prompts] == ["review"], "prompts/list", prompts)
    prompt = await session.get_prompt("review", {"code": "x = 1"})
    check("x = 1" in prompt.messages[0].content.text, "prompts/get", prompt)

    seen = []

    async def on_progress(progress, total, message):
        seen.append((progress, total, message))

    result = await session.call_tool("progress", {}, progress_callback=on_progress)
    check(text_of(result) == "done", "tools/call progress", result)
    check([p for p, _, _ in seen] == [1, 2, 3] and seen[0][2] == "step 1",
          "progress notifications reach the client with its own token", seen)
    for _ in range(20):
        if logs:
            break
        await asyncio.sleep(0.1)
    check(any("progress done" in str(entry.data) for entry in logs), "a log message reaches the client", logs)

    call = asyncio.create_task(session.call_tool("slow", {}))
    check(await wait_for(MARKS / "started", 10), "the slow tool started on the remote")
    call.cancel()
    try:
        await call
    except asyncio.CancelledError:
        pass
    check(await wait_for(MARKS / "cancelled", 10), "cancelling the call cancels it on the remote server")

    result = await session.call_tool("add", {"a": 40, "b": 2})
    check("42" in text_of(result), "the session goes on after a cancellation", result)


async def main():
    logs = []

    async def on_log(params):
        logs.append(params)

    params = StdioServerParameters(
        command=BIN,
        args=["bridge", URL, *TRANSPORT, "--header", "Authorization=Bearer ${secret:BRIDGE_TOKEN}"],
        env={"MCP_ORCHESTRATION_HOME": HOME, "HOME": str(pathlib.Path(HOME).parent)},
    )
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write, logging_callback=on_log) as session:
            await exercise(session, logs)


asyncio.run(main())
