#!/usr/bin/env bash
# Scale benchmark (issue 15 §3): the same operations on a 10-profile home and on a home with
# PROFILES profiles of one client (cursor) × VERSIONS versions each, in one run, each beside the
# other; `verify --all` beside the raw Ed25519 verify_strict + SHA-256 rate on every core; the
# server's RSS after get_config of every profile.
#
# Building the big home uses a bench-only bulk path (`mcp-load build`: the product's signing and
# layout, no fsync, spread over the cores); every measured operation is the product's own
# binary. Nothing here is a test: no figure is asserted.
#
# Usage: bench/scale.sh [--profiles 10000] [--versions 10] [--runs 20]
#   (release build; writes bench/results/scale.md; VERIFY_RUNS=3 pairs of verify --all and raw)
set -euo pipefail
cd "$(dirname "$0")/.."
profiles=10000
versions=10
runs=20
while [ $# -gt 0 ]; do
  case $1 in
    --profiles) profiles=$2; shift 2 ;;
    --versions) versions=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) echo "usage: bench/scale.sh [--profiles N] [--versions N] [--runs N]" >&2; exit 2 ;;
  esac
done

target=${CARGO_TARGET_DIR:-$PWD/target}
cargo build --release -q -p mcp-orchestration -p mcp-load
bin=${MCP_ORCHESTRATION_BIN:-$target/release/mcp-orchestration}
load=$target/release/mcp-load

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME=$work
small=$work/small
big=$work/big
doc=$work/servers.json
printf '%s\n' '{"mcpServers": {"fs": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/srv"]}}}' >"$doc"

# Each home has its own machine (HOME) with Cursor's file deployed from it, so `status` has a
# file to compare.
for home in "$small" "$big"; do
  mkdir -p "$home.machine/.cursor"
  HOME=$home.machine "$bin" --home "$home" init-configs >/dev/null 2>&1
done
# The small home: 10 profiles of cursor (default + 9), each with VERSIONS versions.
"$load" build --home "$small" --profiles 9 --versions "$versions"
"$load" build --home "$big" --profiles "$((profiles - 1))" --versions "$versions"
total_versions=$(find "$big/history" -name '*.json' | wc -l)
for home in "$small" "$big"; do
  HOME=$home.machine "$bin" --home "$home" deploy cursor --profile bulk00003 >/dev/null
done

out=$PWD/bench/results/scale.md
mkdir -p bench/results
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || commit="$commit (dirty)"
load_avg=$(cut -d' ' -f1-3 /proc/loadavg)
{
  echo "# Scale benchmark"
  echo
  echo "\`bench/scale.sh --profiles $profiles --versions $versions --runs $runs\` on $(uname -srm)," \
    "$(nproc) cores, $(date -u +%F), commit $commit; load average before the run: $load_avg."
  echo "Small home: 10 profiles of cursor (+ every client's default). Big home: $profiles profiles of"
  echo "cursor, $total_versions stored versions in all. Whole processes, median of $runs runs."
  echo
  echo "| operation | 10 profiles | $profiles profiles | ratio |"
  echo "| --- | ---: | ---: | ---: |"
} >"$out"

cli_ms() { # home, args… → median ms
  local home=$1
  shift
  HOME=$home.machine "$load" cli --bin "$bin" --home "$home" --runs "$runs" -- "$@" | sed -E 's/.*"median_ms":([0-9.]+).*/\1/'
}
cli_ms_removing() { # home, file removed before each run, args… → median ms
  local home=$1 file=$2
  shift 2
  HOME=$home.machine "$load" cli --bin "$bin" --home "$home" --runs "$runs" --remove-before "$file" -- "$@" |
    sed -E 's/.*"median_ms":([0-9.]+).*/\1/'
}
tool_us() { # home, tool, arguments → p50 µs
  HOME=$1.machine "$load" tool --bin "$bin" --home "$1" --tool "$2" --arguments "$3" --requests 2000 |
    sed -E 's/.*"p50_us":([0-9.]+).*/\1/'
}
row() { # name, unit, small, big
  awk -v n="$1" -v u="$2" -v a="$3" -v b="$4" 'BEGIN {printf "| %s | %.2f %s | %.2f %s | %.2f× |\n", n, a, u, b, u, b / a}' |
    tee -a "$out"
}

for home in "$small" "$big"; do "$bin" --home "$home" get cursor --profile bulk00003 >/dev/null; done
row "\`get cursor --profile bulk00003\`" ms "$(cli_ms "$small" get cursor --profile bulk00003)" \
  "$(cli_ms "$big" get cursor --profile bulk00003)"
row "\`publish cursor --profile bulk00004 --allow-same\`" ms \
  "$(cli_ms "$small" publish cursor --profile bulk00004 --file "$doc" --allow-same)" \
  "$(cli_ms "$big" publish cursor --profile bulk00004 --file "$doc" --allow-same)"
row "\`status\`" ms "$(cli_ms "$small" status)" "$(cli_ms "$big" status)"
# A one-shot listing reads the profile name index (cache/profile-names/) only once heads/cursor/
# is 2 s old (the racy window); the publish above just changed it. The first listing after that
# rebuilds the index, the row after next measures that cost alone.
sleep 3
row "\`profiles cursor --limit 10\` (the same page on both)" ms "$(cli_ms "$small" profiles cursor --limit 10 --json)" \
  "$(cli_ms "$big" profiles cursor --limit 10 --json)"
row "\`profiles cursor\` (first page: 10 rows vs 100)" ms "$(cli_ms "$small" profiles cursor --json)" \
  "$(cli_ms "$big" profiles cursor --json)"
row "\`profiles cursor --limit 10\`, index removed before each run (directory listed, index written)" ms \
  "$(cli_ms_removing "$small" "$small/cache/profile-names/cursor" profiles cursor --limit 10 --json)" \
  "$(cli_ms_removing "$big" "$big/cache/profile-names/cursor" profiles cursor --limit 10 --json)"
row "\`profiles cursor --limit 50\` (a later page)" ms \
  "$(cli_ms "$small" profiles cursor --limit 50 --cursor "$("$bin" --home "$small" profiles cursor --limit 5 --json | sed -nE 's/.*"next_cursor": "([^"]+)".*/\1/p')")" \
  "$(cli_ms "$big" profiles cursor --limit 50 --cursor "$("$bin" --home "$big" profiles cursor --limit "$((profiles / 2 > 1000 ? 1000 : profiles / 2))" --json | sed -nE 's/.*"next_cursor": "([^"]+)".*/\1/p')")"
row "\`history cursor --profile bulk00003\`" ms "$(cli_ms "$small" history cursor --profile bulk00003)" \
  "$(cli_ms "$big" history cursor --profile bulk00003)"
# A long-running server remembers a directory listing only once it is 2 s old (the racy window).
sleep 3
row "MCP stdio \`list_clients\` (p50)" µs "$(tool_us "$small" list_clients '{}')" "$(tool_us "$big" list_clients '{}')"
row "MCP stdio \`list_profiles\` cursor, limit 10 (p50)" µs \
  "$(tool_us "$small" list_profiles '{"client_id":"cursor","limit":10}')" \
  "$(tool_us "$big" list_profiles '{"client_id":"cursor","limit":10}')"
row "MCP stdio \`list_profiles\` cursor, default page (p50; 10 vs 50 rows)" µs \
  "$(tool_us "$small" list_profiles '{"client_id":"cursor"}')" \
  "$(tool_us "$big" list_profiles '{"client_id":"cursor"}')"
row "MCP stdio \`list_history\` bulk00003 (p50)" µs \
  "$(tool_us "$small" list_history '{"client_id":"cursor","profile_id":"bulk00003"}')" \
  "$(tool_us "$big" list_history '{"client_id":"cursor","profile_id":"bulk00003"}')"
row "MCP stdio \`get_config\` bulk00003 (p50)" µs \
  "$(tool_us "$small" get_config '{"client_id":"cursor","profile_id":"bulk00003"}')" \
  "$(tool_us "$big" get_config '{"client_id":"cursor","profile_id":"bulk00003"}')"

# verify --all on the big home (the signature cache is removed first: full verification), each
# run followed by the raw rate on every core, in turn VERIFY_RUNS times: each ratio is of two
# measurements side by side, and the median of the ratios is reported (the other processes on
# the machine change from minute to minute).
verify_runs=${VERIFY_RUNS:-3}
{
  echo
  echo "## verify --all"
  echo
} | tee -a "$out"
ratios=""
for i in $(seq "$verify_runs"); do
  rm -rf "$big/cache"
  started=$(date +%s.%N)
  "$bin" --home "$big" verify --all --json >"$work/verify.json"
  ended=$(date +%s.%N)
  rm -rf "$big/cache"
  raw=$("$load" raw-verify --home "$big" --client cursor --profile bulk00001)
  line=$(awk -v s="$started" -v e="$ended" -v n="$total_versions" -v raw="$raw" -v i="$i" 'BEGIN {
    match(raw, /"all_cores_per_sec":[0-9.]+/); all = substr(raw, RSTART + 20, RLENGTH - 20)
    match(raw, /"one_core_per_sec":[0-9.]+/); one = substr(raw, RSTART + 19, RLENGTH - 19)
    rate = n / (e - s)
    printf "- run %d: `verify --all` %d versions in %.2f s = **%.0f versions/s**; raw `verify_strict` + SHA-256 right after: %.0f/s on one core, %.0f/s on every core; ratio **%.2f×**\n", i, n, e - s, rate, one, all, rate / all
  }')
  echo "$line" | tee -a "$out"
  ratios="$ratios $(echo "$line" | sed -E 's/.*ratio \*\*([0-9.]+)×.*/\1/')"
  grep -q '"failed": 0' "$work/verify.json" || { echo "verify --all reported failures" >&2; exit 1; }
done
echo "- median ratio to the raw limit on every core: **$(echo "$ratios" | tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')×**" |
  tee -a "$out"
rss=$(HOME=$big.machine "$load" rss --bin "$bin" --home "$big" --client cursor)
{
  echo
  echo "## Server RSS"
  echo
  echo "- after get_config of every cursor profile over one stdio session: \`$rss\`"
} | tee -a "$out"
echo "written to $out" >&2
