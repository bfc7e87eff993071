#!/usr/bin/env python3
"""Time from spawning `mcp-orchestration` (stdio) to its `tools/list` answer, and its resident
memory once idle after the handshake. Usage: mcp_spawn.py BIN HOME [--runs N] [--out FILE]."""

import argparse
import json
import subprocess
import time


def message(ident, method, params=None):
    body = {"jsonrpc": "2.0", "id": ident, "method": method}
    if params is not None:
        body["params"] = params
    return (json.dumps(body) + "\n").encode()


def one(binary, home):
    started = time.perf_counter()
    child = subprocess.Popen([binary, "--home", home], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)
    hello = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "0"}}
    child.stdin.write(message(1, "initialize", hello))
    child.stdin.flush()
    child.stdout.readline()
    child.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n' + message(2, "tools/list"))
    child.stdin.flush()
    child.stdout.readline()
    elapsed = time.perf_counter() - started
    time.sleep(0.05)
    with open(f"/proc/{child.pid}/status") as status:
        rss_kib = int(next(line for line in status if line.startswith("VmRSS")).split()[1])
    child.stdin.close()
    child.wait()
    return elapsed, rss_kib


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("home")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--out")
    args = parser.parse_args()
    results = [one(args.binary, args.home) for _ in range(args.runs)]
    times = sorted(r[0] * 1e3 for r in results)
    rss = sorted(r[1] for r in results)
    line = (f"| spawn → `tools/list` (stdio) | median {times[len(times) // 2]:.2f} ms, "
            f"p90 {times[int(len(times) * 0.9)]:.2f} ms | idle RSS median {rss[len(rss) // 2] / 1024:.1f} MiB |")
    print(line)
    if args.out:
        with open(args.out, "a") as out:
            out.write("\n| measure | time | memory |\n| --- | --- | --- |\n" + line + "\n")


if __name__ == "__main__":
    main()
