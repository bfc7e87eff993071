"""The Python SDK of mid-2025 (PyPI `mcp` 1.12) against `serve --http`: initialize, get_config,
diff_config, close (DELETE). That SDK logs "Error parsing SSE message" for an empty priming
event and warns on a DELETE answered 202; logs go to stderr at WARNING so the test script can
assert that the client logged no error or warning. Prints one `ok:` line per check; exits 1 on
the first failure.

  python python_legacy_client.py URL TOKEN
"""

import asyncio
import logging
import sys

from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client


def check(condition, what, detail=""):
    if not condition:
        print(f"FAIL: {what} {detail}", flush=True)
        sys.exit(1)
    print(f"ok: {what}", flush=True)


async def main():
    url, token = sys.argv[1:3]
    async with streamablehttp_client(url, headers={"Authorization": f"Bearer {token}"}) as (read, write, _):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            check(init.serverInfo.name == "mcp-orchestration", "python 1.12 http: initialize", init)
            result = await session.call_tool("get_config", {"client_id": "cursor"})
            artifact = result.structuredContent or {}
            check(not result.isError and artifact.get("artifact_id", "").startswith("sha256:"),
                  "python 1.12 http: get_config", result)
            result = await session.call_tool("diff_config",
                                             {"client_id": "cursor", "local_artifact_id": artifact["artifact_id"]})
            check(not result.isError and (result.structuredContent or {}).get("status") == "up-to-date",
                  "python 1.12 http: diff_config", result)


logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
asyncio.run(main())
