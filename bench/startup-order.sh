#!/usr/bin/env bash
# Regenerates crates/cli/startup-order.ld: the functions the `serve` start-up runs (spawn,
# `initialize`, `notifications/initialized`), then those its first requests run (`tools/list`,
# `get_config`, `ping`), in that order, as a linker script that lays them out together at the
# start of the code (crates/cli/build.rs passes it to the linker; BENCHMARKS.md "idle RSS").
# Every page of the binary's code that start-up touches stays resident for the life of the
# server, and each fault maps a whole neighbourhood: start-up code spread over 18 MB of text
# costs about 7 MiB, laid out together about 1.5 MiB.
#
# How: the release binary is run under valgrind's callgrind twice (the handshake alone, then with
# the requests); every instruction address executed is mapped to its symbol with `nm`. A name
# whose path is unique in the binary is written with its hash as a wildcard, so it keeps
# matching after a dependency bump changes the hashes; a generic instance (several symbols
# with one path) keeps its exact name. A name that no longer exists matches nothing: the
# function is laid out where it would have been, and nothing breaks (only RSS goes back up).
# Re-run after dependency bumps or large changes to the start-up path, and commit the result.
# Usage: [MCP_ORCHESTRATION_BIN=path] bench/startup-order.sh   (needs valgrind, nm (binutils), python3)
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in valgrind nm python3; do
  command -v "$tool" >/dev/null || {
    echo "bench/startup-order.sh needs $tool: install it with \`sudo apt-get install -y ${tool/nm/binutils}\`" >&2
    exit 1
  }
done
# MCP_ORCHESTRATION_BIN: a release binary already built from this tree (else it is built here).
bin=${MCP_ORCHESTRATION_BIN:-}
if [ -z "$bin" ]; then
  cargo build --release -q -p mcp-orchestration --bin mcp-orchestration
  bin=${CARGO_TARGET_DIR:-$PWD/target}/release/mcp-orchestration
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME=$work
"$bin" --home "$work/home" init-configs >/dev/null 2>&1
sleep 2.2 # the read cache remembers only files 2 s old where inotify is not used

profile() { # $1: output file; $2: requests after the handshake (0 or 1)
  python3 - "$1" "$2" "$bin" "$work/home" <<'PY'
import os, subprocess, sys, time
out, requests, binary, home = sys.argv[1], sys.argv[2] == "1", sys.argv[3], sys.argv[4]
cmd = ["valgrind", "--tool=callgrind", "--dump-instr=yes", "--compress-strings=no",
       "--compress-pos=no", f"--callgrind-out-file={out}", binary, "--home", home, "serve"]
p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
def send(line):
    p.stdin.write(line.encode() + b"\n"); p.stdin.flush()
def answer():
    line = p.stdout.readline()
    if b'"result"' not in line: sys.exit(f"unexpected answer from serve: {line[:200]!r}")
send('{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18",'
     '"capabilities":{},"clientInfo":{"name":"startup-order","version":"0"}}}')
answer()
send('{"jsonrpc":"2.0","method":"notifications/initialized"}')
time.sleep(1)
# Where the binary is mapped: callgrind names only addresses in `.text` by their link-time
# address and leaves those of other code sections (`.text.startup`, laid out by an earlier
# startup-order.ld) under `ob=???` at their run-time address.
real = os.path.realpath(binary)
for line in open(f"/proc/{p.pid}/maps"):
    f = line.split()
    if len(f) >= 6 and f[5] == real and int(f[2], 16) == 0:
        open(out + ".base", "w").write(f[0].split("-")[0])
        break
else:
    sys.exit(f"{binary} not found in the maps of serve under valgrind")
if requests:
    send('{"jsonrpc":"2.0","id":1,"method":"tools/list"}'); answer()
    for i in range(2, 5):
        send('{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"get_config",'
             '"arguments":{"client_id":"claude-desktop","profile_id":"default"}}}' % i); answer()
    send('{"jsonrpc":"2.0","id":9,"method":"ping"}'); answer()
p.stdin.close()
if p.wait() != 0: sys.exit(f"serve under valgrind exited with {p.returncode}")
PY
}
profile "$work/start.cg" 0
profile "$work/requests.cg" 1

python3 - "$bin" "$work/start.cg" "$work/requests.cg" >crates/cli/startup-order.ld <<'PY'
import bisect, re, subprocess, sys
binary, profiles = sys.argv[1], sys.argv[2:]
syms = []
for line in subprocess.run(["nm", "-S", "--defined-only", binary], capture_output=True, text=True, check=True).stdout.splitlines():
    f = line.split()
    if len(f) == 4 and f[2] in "tTwW":
        syms.append((int(f[0], 16), int(f[1], 16), f[3]))
syms.sort()
starts = [s[0] for s in syms]

def pattern(name):
    """The name with its hashes as wildcards: `17h<16 hex>E` (legacy mangling), `Cs<id>_` (v0
    crate ids) and an LTO suffix `.123`."""
    p = re.sub(r"\.\d+$", "", name)
    p = re.sub(r"17h[0-9a-f]{16}E$", "17h????????????????E", p)
    return re.sub(r"Cs[0-9A-Za-z]+_", "Cs*_", p)

paths = {}
for _, _, n in syms:
    paths[pattern(n)] = paths.get(pattern(n), 0) + 1

ordered, seen = [], set()
for prof in profiles:
    hit = {}
    current = None
    base = int(open(prof + ".base").read(), 16)
    for line in open(prof):
        if line.startswith("ob="):
            current = line[3:].strip()
        elif line.startswith("0x") and current in (binary, "???"):
            addr = int(line.split()[0], 16) - (base if current == "???" else 0)
            i = bisect.bisect_right(starts, addr) - 1
            if i >= 0 and syms[i][0] <= addr < syms[i][0] + max(syms[i][1], 1):
                hit.setdefault(syms[i][2], syms[i][0])
    for name in sorted(hit, key=hit.get):
        if name == "_start":
            continue  # the C start-up file's, in a plain `.text`
        p = pattern(name)
        entry = p if paths[p] == 1 else name
        if entry not in seen:
            seen.add(entry); ordered.append(entry)
print("/* Generated by bench/startup-order.sh: do not edit. The functions `serve` runs from spawn")
print("   through the MCP handshake, then through its first requests, laid out together at the")
print("   start of the code (crates/cli/build.rs). An entry that matches nothing is ignored.")
print("   LLVM names a function's section .text.NAME, or .text.unlikely.NAME when it is cold. */")
print("SECTIONS {\n  .text.startup : {")
for e in ordered:
    print(f"    *(.text.{e} .text.{e}.* .text.unlikely.{e} .text.unlikely.{e}.*)")
print("  }\n}\nINSERT BEFORE .text;")
print(f"{len(ordered)} entries", file=sys.stderr)
PY
