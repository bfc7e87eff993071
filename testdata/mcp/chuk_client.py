"""chuk-mcp (the Python client behind `mcp-cli`) against `serve --http`: initialize, then
get_config and diff_config. chuk-mcp dispatches only SSE events that carry `event: message`.
Prints one `ok:` line per check; exits 1 on the first failure. Logs go to stderr at WARNING,
so the test script can assert that the client logged no error.

  python chuk_client.py URL TOKEN
"""

import asyncio
import json
import logging
import sys

from chuk_mcp.protocol.messages.initialize.send_messages import send_initialize
from chuk_mcp.protocol.messages.tools.send_messages import send_tools_call
from chuk_mcp.transports.http.http_client import http_client
from chuk_mcp.transports.http.parameters import StreamableHTTPParameters


def check(condition, what, detail=""):
    if not condition:
        print(f"FAIL: {what} {detail}", flush=True)
        sys.exit(1)
    print(f"ok: {what}", flush=True)


def structured(result):
    data = result if isinstance(result, dict) else result.model_dump()
    if data.get("structuredContent"):
        return data.get("isError"), data["structuredContent"]
    text = "".join(c.get("text", "") for c in data.get("content", []))
    return data.get("isError"), json.loads(text) if text.startswith("{") else {}


async def main():
    url, token = sys.argv[1:3]
    params = StreamableHTTPParameters(url=url, bearer_token=token, timeout=30.0)
    async with http_client(params) as (read, write):
        init = await send_initialize(read, write, timeout=30.0)
        check(init is not None, "chuk http: initialize", init)
        failed, artifact = structured(await send_tools_call(read, write, "get_config", {"client_id": "cursor"}))
        check(not failed and artifact.get("artifact_id", "").startswith("sha256:"), "chuk http: get_config", artifact)
        failed, diff = structured(await send_tools_call(
            read, write, "diff_config", {"client_id": "cursor", "local_artifact_id": artifact["artifact_id"]}))
        check(not failed and diff.get("status") == "up-to-date", "chuk http: diff_config", diff)


logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
asyncio.run(main())
