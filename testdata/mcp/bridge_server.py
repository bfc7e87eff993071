"""A streamable-HTTP MCP server (or with `--sse` an HTTP+SSE one, protocol 2024-11-05) written
with the Python SDK (PyPI `mcp` 2.3, MCPServer, the successor of FastMCP), for the bridge test
(scripts/test-mcp-clients.sh). It refuses every request
without `Authorization: Bearer TOKEN` (401), and has:

  - tools: `add` (a + b), `fail` (raises: an isError result), `progress` (three progress
    notifications and a log message before its result), `slow` (writes MARKDIR/started, then
    waits; writes MARKDIR/cancelled when its request is cancelled)
  - a resource `greeting://bridge` and a prompt `review(code)`

It listens on 127.0.0.1 on a free port and prints `listening on http://127.0.0.1:PORT/mcp`
(with `--sse`: `listening on http://127.0.0.1:PORT/sse`, the event stream; messages are POSTed to
the `/messages/` endpoint it names).

  python bridge_server.py TOKEN MARKDIR [--sse]
"""

import asyncio
import pathlib
import socket
import sys

import uvicorn
from starlette.responses import PlainTextResponse

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError

TOKEN, MARKS = sys.argv[1], pathlib.Path(sys.argv[2])
SSE = sys.argv[3:] == ["--sse"]

server = MCPServer("bridge-test-server", instructions="A server for the bridge test.", version="1.0.0")


@server.tool()
def add(a: int, b: int) -> int:
    """Adds two numbers."""
    return a + b


@server.tool()
def fail() -> str:
    """Always fails."""
    raise ToolError("boom: this tool always fails")


@server.tool()
async def progress(ctx: Context) -> str:
    """Reports progress three times and logs a message."""
    for step in (1, 2, 3):
        await ctx.report_progress(step, 3, f"step {step}")
    await ctx.info("progress done")
    return "done"


@server.tool()
async def slow(ctx: Context) -> str:
    """Waits for a minute unless cancelled."""
    (MARKS / "started").write_text("started")
    try:
        await asyncio.sleep(60)
    except asyncio.CancelledError:
        (MARKS / "cancelled").write_text("cancelled")
        raise
    return "finished"


@server.resource("greeting://bridge", name="greeting", mime_type="text/plain")
def greeting() -> str:
    return "hello through the bridge"


@server.prompt()
def review(code: str) -> str:
    """Asks for a review."""
    return f"Please review this code: {code}"


mcp_app = server.sse_app(host="127.0.0.1") if SSE else server.streamable_http_app(host="127.0.0.1")


async def app(scope, receive, send):
    """The MCP app behind a bearer-token check."""
    if scope["type"] == "http":
        headers = dict(scope.get("headers") or [])
        if headers.get(b"authorization") != f"Bearer {TOKEN}".encode():
            response = PlainTextResponse("401 Unauthorized", status_code=401, headers={"WWW-Authenticate": "Bearer"})
            await response(scope, receive, send)
            return
    await mcp_app(scope, receive, send)


def main():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    path = "sse" if SSE else "mcp"
    print(f"listening on http://127.0.0.1:{sock.getsockname()[1]}/{path}", flush=True)
    uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on")).run(sockets=[sock])


main()
