#!/usr/bin/env bash
# Whole-process benchmarks of the commands people run most, each beside a baseline process
# that only starts and exits (`mcp-orchestration --version`), measured in the same run:
#   clients --json   detect and list every client's files (issue: dialects)
#   status --json    drift of every detected client file (issue: diff/deploy/status)
#   init-configs     a fresh home: key pair, trust, one shared profile signed (issue 15: target
#                    at most 30 ms over the baseline, same run)
# on a temp HOME where every supported client has a config file with servers deployed.
# Needs hyperfine and GNU time (Debian packages `hyperfine` and `time`).
# Usage: bench/cli.sh [--runs N]   (writes bench/results/cli.md)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${2:-200}
command -v hyperfine >/dev/null || { echo "install hyperfine (apt-get install hyperfine)"; exit 1; }
cargo build --release -q -p mcp-orchestration
bin=$PWD/target/release/mcp-orchestration
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME=$work/home MCP_ORCHESTRATION_HOME=$work/home/.mcp-orchestration
mkdir -p "$HOME" && cd "$work"
"$bin" init-configs >/dev/null 2>&1
# Every client's user config file, created by deploying its default profile into it.
detected=0
for client in $("$bin" clients --json | python3 -c 'import json,sys; print(" ".join(c["client_id"] for c in json.load(sys.stdin)))'); do
  if "$bin" deploy "$client" --create >/dev/null 2>&1; then detected=$((detected + 1)); fi
done
echo "clients with a deployed config file: $detected"
"$bin" status --json | python3 -c 'import json,sys; rows=json.load(sys.stdin); print("status rows:", len(rows), "up-to-date:", sum(r["status"]=="up-to-date" for r in rows))'
mkdir -p "$OLDPWD/bench/results"
hyperfine -N --warmup 20 --runs "$runs" --export-markdown "$OLDPWD/bench/results/cli.md" --export-json "$work/cli.json" \
  -n baseline "$bin --version" -n "clients --json" "$bin clients --json" -n "status --json" "$bin status --json"
python3 - "$work/cli.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
base = r["baseline"]["median"]
for name in ("clients --json", "status --json"):
    m = r[name]["median"]
    print(f"{name}: median {m*1e3:.2f} ms, baseline {base*1e3:.2f} ms, +{(m-base)*1e3:.2f} ms, {m/base:.2f}x baseline, stddev {r[name]['stddev']*1e3:.2f} ms")
PY
# A fresh home each run (removed before it, untimed); the baseline beside it in the same run.
fresh=$work/fresh-home
init_runs=$((runs < 100 ? runs : 100))
hyperfine -N --warmup 5 --runs "$init_runs" --prepare "rm -rf $fresh" --export-json "$work/init.json" \
  -n baseline "$bin --version" -n "init-configs (fresh home)" "$bin --home $fresh init-configs"
python3 - "$work/init.json" <<'PY' | tee -a "$OLDPWD/bench/results/cli.md"
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
base, m = r["baseline"]["median"], r["init-configs (fresh home)"]["median"]
over = (m - base) * 1e3
print(f"\ninit-configs (fresh home): median {m*1e3:.2f} ms, baseline {base*1e3:.2f} ms, +{over:.2f} ms over it "
      f"(target <= +30 ms: {'met' if over <= 30 else 'NOT met'}), stddev {r['init-configs (fresh home)']['stddev']*1e3:.2f} ms")
PY
for cmd in "--version" "clients --json" "status --json"; do
  rss=$(/usr/bin/time -f %M "$bin" $cmd 2>&1 >/dev/null | tail -1)
  echo "peak RSS of '$cmd': ${rss} KiB"
done
