"""The lock tests' PyPI MCP server: a stdio server with no dependencies (so the package the tests
publish to their local pypiserver installs with `uvx` from that index alone), packaged with a
console entry point. `lock_support::PypiServer::add_server` fills in VERSION and ECHO (the
`echo` tool's description) when it builds the wheel.

Its tools depend on its version: 1.0.x lists `echo`; 1.1 and later add `add`. It answers
`initialize` (with the protocol version the client asks for), `ping` and `tools/list`, one
JSON-RPC message per line, and -32601 to anything else.
"""

import json
import sys

VERSION = "@VERSION@"
ECHO = "@ECHO@"


def tools():
    text = {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}
    listed = [{"name": "echo", "description": ECHO, "inputSchema": text}]
    major, minor = (int(part) for part in VERSION.split(".")[:2])
    if (major, minor) >= (1, 1):
        numbers = {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}
        listed.append({"name": "add", "description": "Add two numbers", "inputSchema": numbers})
    return listed


def answer(message):
    method = message.get("method")
    if method == "initialize":
        return {
            "protocolVersion": message.get("params", {}).get("protocolVersion", "2025-06-18"),
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "lock-py-server", "version": VERSION},
        }
    if method == "ping":
        return {}
    if method == "tools/list":
        return {"tools": tools()}
    return None


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        message = json.loads(line)
        if "id" not in message or "method" not in message:
            continue  # a notification or a response
        result = answer(message)
        if result is None:
            reply = {"jsonrpc": "2.0", "id": message["id"], "error": {"code": -32601, "message": "Method not found"}}
        else:
            reply = {"jsonrpc": "2.0", "id": message["id"], "result": result}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
