#!/usr/bin/env bash
# Random kill -9 loop: each writing operation (publish, import --publish, keys rotate, deploy,
# rollback, gc) is started RUNS times and killed with SIGKILL after a random delay (0 to the
# operation's own median duration, so kills land anywhere in it); after every kill the home
# must pass `verify --all`, `doctor` must report no failed check, and a further publish and
# deploy must succeed. Counts every run where one of those failed, and temp files left in the
# home after the further writes. Not part of the test suite (it is random and slow).
# Usage: [OPS="publish import …"] bench/kill-loop.sh [RUNS]   (default 200; writes
# bench/results/kill-loop.md; the directories holding temp files left are listed on stderr)
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-200}
# The debug build (no fail points): slower steps spread the random kills over more instants.
# MCP_ORCHESTRATION_BIN may name another build (e.g. target/release/mcp-orchestration).
if [ -z "${MCP_ORCHESTRATION_BIN:-}" ]; then
  cargo build -q -p mcp-orchestration || exit 1
  MCP_ORCHESTRATION_BIN=$PWD/target/debug/mcp-orchestration
fi
bin=$MCP_ORCHESTRATION_BIN
out_md=$PWD/bench/results/kill-loop.md
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0
doc() { n=$((n + 1)); printf '{"mcpServers": {"s-%d": {"command": "npx", "args": ["-y", "pkg"]}}}' "$n" > "$work/doc.json"; }
# A fresh home per operation, so the checks after each kill do not slow down as the history of
# the earlier operations grows.
fresh_home() {
  export HOME=$work/home-$1 MCP_ORCHESTRATION_HOME=$work/home-$1/.mcp-orchestration
  mkdir -p "$HOME/c"
  file=$HOME/c/mcp.json
  printf '{\n  "mcpServers": {"keep": {"command": "user"}}\n}\n' > "$file"
  "$bin" init-configs >/dev/null 2>&1 || { echo "init failed"; exit 1; }
  doc; "$bin" publish cursor --profile a --file "$work/doc.json" >/dev/null 2>&1
  "$bin" deploy cursor --profile a --file "$file" >/dev/null 2>&1
}

op_cmd() {
  case $1 in
    publish) doc; echo "publish cursor --profile a --file $work/doc.json" ;;
    import) echo "import cursor --file $file --profile a --publish" ;;
    rotate) echo "keys rotate" ;;
    deploy) doc; "$bin" publish cursor --profile a --file "$work/doc.json" >/dev/null 2>&1; echo "deploy cursor --profile a --file $file" ;;
    rollback) echo "rollback cursor --file $file" ;;
    gc) echo "gc --yes --keep-backups 2 --events-max-age-days 0" ;;
  esac
}

# Median wall time of one uninterrupted run of the operation, in microseconds.
median_us() {
  local op=$1 times=() i cmd t0 t1
  for i in 1 2 3 4 5 6 7; do
    cmd=$(op_cmd "$op")
    t0=$(date +%s%N); $bin $cmd >/dev/null 2>&1; t1=$(date +%s%N)
    times+=($(((t1 - t0) / 1000)))
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n 4p
}

check() {
  "$bin" verify --all >/dev/null 2>&1 || return 1
  "$bin" doctor --json 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(any(c["verdict"]=="fail" for c in d["checks"]))' || return 2
  doc; "$bin" publish cursor --profile a --file "$work/doc.json" >/dev/null 2>&1 || return 3
  "$bin" deploy cursor --profile a --file "$file" >/dev/null 2>&1 || return 4
  return 0
}

{
  echo "| operation | runs | median run | killed before exit | verify --all failed | doctor failed | publish failed | deploy failed | temps left |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
} > "$work/table.md"
for op in ${OPS:-publish import rotate deploy rollback gc}; do
  fresh_home "$op"
  med=$(median_us "$op")
  killed=0; f1=0; f2=0; f3=0; f4=0
  for ((i = 0; i < runs; i++)); do
    cmd=$(op_cmd "$op")
    delay=$((RANDOM * 32768 + RANDOM))
    delay=$((delay % (med + 1)))
    $bin $cmd >/dev/null 2>&1 &
    pid=$!
    sleep "$(printf '0.%06d' "$delay")"
    if kill -9 "$pid" 2>/dev/null; then killed=$((killed + 1)); fi
    wait "$pid" 2>/dev/null
    check; rc=$?
    case $rc in 1) f1=$((f1 + 1)) ;; 2) f2=$((f2 + 1)) ;; 3) f3=$((f3 + 1)) ;; 4) f4=$((f4 + 1)) ;; esac
  done
  temps=$(find "$MCP_ORCHESTRATION_HOME" -name '.tmp-*' | wc -l)
  # Where they are, for the reader of the log.
  find "$MCP_ORCHESTRATION_HOME" -name '.tmp-*' | sed "s|$MCP_ORCHESTRATION_HOME/||; s|/\.tmp-.*||" | sort | uniq -c >&2
  echo "| $op | $runs | $((med / 1000)) ms | $killed | $f1 | $f2 | $f3 | $f4 | $temps |" | tee -a "$work/table.md"
done
mkdir -p "$(dirname "$out_md")"
{ echo "# Random kill -9 loop ($(date -u +%Y-%m-%d), $runs runs per operation)"; echo; cat "$work/table.md"; } > "$out_md"
echo "written to $out_md"
