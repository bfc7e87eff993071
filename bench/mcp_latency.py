"""Latency of MCP requests against one running server session (stdio or streamable HTTP).

Sends each request N times, one after another, on one session, and prints p50/p95/p99 and
throughput per method; writes a Markdown table when --out is given. Pure standard library, so
the numbers are the server's (plus one pipe or one loopback TCP round trip), not a client SDK's.

  python3 bench/mcp_latency.py stdio BIN HOME [--runs N] [--out FILE]
  python3 bench/mcp_latency.py http URL TOKEN [--runs N] [--out FILE]
"""

import argparse
import http.client
import json
import statistics
import subprocess
import time
import urllib.parse

REQUESTS = [
    ("ping", "ping", None),
    ("tools/list", "tools/list", None),
    ("list_clients", "tools/call", {"name": "list_clients", "arguments": {}}),
    ("list_profiles", "tools/call", {"name": "list_profiles", "arguments": {"client_id": "cursor"}}),
    ("get_config", "tools/call", {"name": "get_config", "arguments": {"client_id": "cursor"}}),
    ("resources/read config://", "resources/read", {"uri": "config://cursor/default"}),
]

INIT = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}


class Stdio:
    def __init__(self, binary, home):
        self.proc = subprocess.Popen([binary, "--home", home, "serve"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.next_id = 0

    def send(self, message):
        self.proc.stdin.write((json.dumps(message) + "\n").encode())
        self.proc.stdin.flush()

    def request(self, method, params):
        self.next_id += 1
        message = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)
        while True:
            reply = json.loads(self.proc.stdout.readline())
            if reply.get("id") == self.next_id:
                return reply

    def notify(self, method):
        self.send({"jsonrpc": "2.0", "method": method})

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


class Http:
    def __init__(self, url, token):
        parsed = urllib.parse.urlparse(url)
        self.conn = http.client.HTTPConnection(parsed.hostname, parsed.port)
        self.path = parsed.path
        self.headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
                        "Authorization": f"Bearer {token}"}
        self.next_id = 0

    def post(self, message):
        self.conn.request("POST", self.path, json.dumps(message), self.headers)
        response = self.conn.getresponse()
        body = response.read().decode()
        if "mcp-session-id" in response.headers:
            self.headers["Mcp-Session-Id"] = response.headers["mcp-session-id"]
            self.headers["MCP-Protocol-Version"] = INIT["protocolVersion"]
        for line in body.splitlines():
            if line.startswith("data:") and line[5:].strip().startswith("{"):
                return json.loads(line[5:])
        return json.loads(body) if body.strip().startswith("{") else None

    def request(self, method, params):
        self.next_id += 1
        message = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            message["params"] = params
        return self.post(message)

    def notify(self, method):
        self.post({"jsonrpc": "2.0", "method": method})

    def close(self):
        self.conn.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("transport", choices=["stdio", "http"])
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--out")
    args = parser.parse_args()
    client = Stdio(args.a, args.b) if args.transport == "stdio" else Http(args.a, args.b)
    client.request("initialize", INIT)
    client.notify("notifications/initialized")
    rows = []
    for name, method, params in REQUESTS:
        for _ in range(20):
            client.request(method, params)
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            reply = client.request(method, params)
            times.append((time.perf_counter() - start) * 1000)
            if "error" in reply or reply.get("result", {}).get("isError"):
                raise SystemExit(f"{name} failed: {reply}")
        times.sort()
        q = statistics.quantiles(times, n=100)
        rows.append((name, q[49], q[94], q[98], 1000 / statistics.mean(times)))
    client.close()
    lines = [f"| {args.transport}: request | p50 ms | p95 ms | p99 ms | req/s |", "| --- | ---: | ---: | ---: | ---: |"]
    lines += [f"| {n} | {p50:.2f} | {p95:.2f} | {p99:.2f} | {rps:.0f} |" for n, p50, p95, p99, rps in rows]
    text = "\n".join(lines)
    print(text)
    if args.out:
        with open(args.out, "a") as f:
            f.write(text + "\n\n")


main()
