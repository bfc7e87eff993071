#!/usr/bin/env bash
# What the benchmark scripts share, sourced by them (`. bench/lib.sh` from the repository root):
# the tool check, the scratch directory and its cleanup, the CPU-busy probe and commit line of
# a results file, and starting `serve --http` on a free loopback port. Expects `bin` (the mcp-orchestration binary) set.

# need_tools SCRIPT TOOL...: exits 1, saying how to install it, when a tool is missing.
need_tools() {
  local script=$1 tool
  shift
  for tool in "$@"; do
    if ! command -v "$tool" >/dev/null; then
      echo "$script needs $tool: install it with \`sudo apt-get install -y $tool\` (Debian/Ubuntu) or \`brew install $tool\`" >&2
      exit 1
    fi
  done
}

# bench_workdir: a temp directory in `work` (HOME-like scratch), removed at exit after the
# server `serve_http` started (if any) is stopped.
bench_workdir() {
  work=$(mktemp -d)
  pid=""
  trap bench_cleanup EXIT
}
bench_cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}

# cpu_busy: percent of CPU time busy over one second, from /proc/stat.
cpu_busy() {
  local a b
  read -ra a < <(head -1 /proc/stat)
  sleep 1
  read -ra b < <(head -1 /proc/stat)
  awk -v u="$((b[1] + b[2] + b[3] + b[6] + b[7] - a[1] - a[2] - a[3] - a[6] - a[7]))" \
    -v i="$((b[4] + b[5] - a[4] - a[5]))" 'BEGIN {printf "%.0f", 100 * u / (u + i)}'
}

# bench_commit: the short commit measured, "(dirty)" after it when the tree has changes.
bench_commit() {
  local commit
  commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
  git diff --quiet HEAD 2>/dev/null || commit="$commit (dirty)"
  echo "$commit"
}

# serve_http HOME LOG [DIR]: starts `$bin --home HOME serve --http 127.0.0.1:0` in the
# background (run from DIR when given, stderr to LOG) and waits for its listening line. Sets
# `pid` (for the caller's cleanup trap) and `base` (`http://127.0.0.1:PORT`); exits 1 with the
# log when the server does not start within 10 s.
serve_http() {
  local home=$1 log=$2 dir=${3:-$PWD}
  (cd "$dir" && exec "$bin" --home "$home" serve --http 127.0.0.1:0) 2>"$log" &
  pid=$!
  base=""
  for _ in $(seq 100); do
    base=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$log" | head -1 | sed 's|listening on ||' || true)
    [ -n "$base" ] && break
    sleep 0.1
  done
  [ -n "$base" ] || { echo "serve --http did not start:" >&2; cat "$log" >&2; exit 1; }
}
