"""A real MCP client (the Python SDK, PyPI `mcp` 2.3) against mcp-orchestration.

Over stdio (it launches the server) or streamable HTTP (a running `serve --http`), it lists the
tools, calls get_config and diff_config, and runs draft -> publish -> deploy (dry run, then
confirm) into a temp client file inside WORKDIR/TRANSPORT-project, which it declares as a root
(`roots/list`) so the server's `file` rule allows it. Prints one `ok:` line per check; exits 1 on the first failure.

  python python_client.py stdio BIN HOME WORKDIR
  python python_client.py http URL TOKEN WORKDIR
"""

import asyncio
import json
import os
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client


def check(condition, what, detail=""):
    if not condition:
        print(f"FAIL: {what} {detail}", flush=True)
        sys.exit(1)
    print(f"ok: {what}", flush=True)


async def call(session, name, arguments):
    result = await session.call_tool(name, arguments)
    return bool(getattr(result, "is_error", False)), getattr(result, "structured_content", None) or {}


async def exercise(session, transport, workdir):
    await session.initialize()
    tools = (await session.list_tools()).tools
    names = {t.name for t in tools}
    check(len(names) == 23 and {"get_config", "diff_config", "deploy_config", "sync_clients"} <= names, f"{transport}: tools/list", sorted(names))

    failed, artifact = await call(session, "get_config", {"client_id": "cursor"})
    check(not failed and artifact.get("artifact_id", "").startswith("sha256:"), f"{transport}: get_config", artifact)
    check(artifact.get("profile_id") == "default" and "payload" in artifact and "signature" in artifact,
          f"{transport}: get_config fields")

    failed, diff = await call(session, "diff_config", {"client_id": "cursor", "local_payload": artifact["payload"]})
    check(not failed and diff.get("status") == "up-to-date", f"{transport}: diff_config up-to-date", diff)
    changed = json.loads(json.dumps(artifact["payload"]))
    changed["mcpServers"]["extra"] = {"command": "extra-server"}
    failed, diff = await call(session, "diff_config", {"client_id": "cursor", "local_payload": changed})
    check(not failed and diff.get("status") == "diverged" and diff["diff"]["servers_removed"] == ["extra"],
          f"{transport}: diff_config diverged", diff)
    check(diff["diff"]["summary"]["total_changes"] == 1 and diff.get("recommendation"), f"{transport}: diff summary")

    profile = f"py-{transport}"
    failed, draft = await call(session, "add_server_to_config",
                               {"client_id": "cursor", "profile_id": profile, "server_id": "memory"})
    check(not failed and "memory" in draft["document"]["mcpServers"], f"{transport}: add_server_to_config", draft)
    failed, report = await call(session, "validate_config", {"client_id": "cursor", "profile_id": profile})
    check(not failed and report.get("valid") is True, f"{transport}: validate_config", report)
    failed, published = await call(session, "publish_config",
                                   {"client_id": "cursor", "profile_id": profile, "note": f"from python over {transport}"})
    check(not failed and published.get("version") == 1, f"{transport}: publish_config", published)

    target = os.path.join(workdir, f"{transport}-project", ".cursor", "mcp.json")
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "w") as f:
        f.write('{\n  "mcpServers": {\n    "mine": {"command": "keep-me"}\n  }\n}\n')
    failed, dry = await call(session, "deploy_config", {"client_id": "cursor", "profile_id": profile, "file": target})
    with open(target) as f:
        untouched = f.read()
    check(not failed and dry.get("dry_run") is True and "memory" not in untouched, f"{transport}: deploy_config dry run", dry)
    failed, done = await call(session, "deploy_config",
                              {"client_id": "cursor", "profile_id": profile, "file": target, "confirm": True})
    with open(target) as f:
        written = f.read()
    check(not failed and done.get("changed") is True and "memory" in written and "keep-me" in written,
          f"{transport}: deploy_config confirm", written)

    failed, refused = await call(session, "deploy_config", {"client_id": "cursor", "file": "/etc/passwd", "confirm": True})
    check(failed and refused["error"]["kind"] == "unsafe", f"{transport}: unsafe file refused", refused)
    failed, refused = await call(session, "get_config", {"client_id": "../../etc"})
    check(failed and refused["error"]["kind"] == "unsafe", f"{transport}: traversal id refused", refused)

    caps = await session.read_resource("capabilities://server")
    text = caps.contents[0].text
    check(json.loads(text)["name"] == "mcp-orchestration", f"{transport}: resources/read capabilities://server")


def roots_callback(transport, workdir):
    from mcp import types

    async def list_roots(context):
        project = os.path.join(workdir, f"{transport}-project")
        return types.ListRootsResult(roots=[types.Root(uri=f"file://{project}")])

    return list_roots


async def main():
    transport = sys.argv[1]
    if transport == "stdio":
        binary, home, workdir = sys.argv[2:5]
        params = StdioServerParameters(command=binary, args=["--home", home, "serve"], env={"HOME": workdir})
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write, list_roots_callback=roots_callback("stdio", workdir)) as session:
                await exercise(session, "stdio", workdir)
    elif transport == "http":
        import httpx2

        url, token, workdir = sys.argv[2:5]
        async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http:
            async with streamable_http_client(url, http_client=http) as streams:
                read, write = streams[0], streams[1]
                async with ClientSession(read, write, list_roots_callback=roots_callback("http", workdir)) as session:
                    await exercise(session, "http", workdir)
    else:
        sys.exit(f"unknown transport {transport}")


asyncio.run(main())
