#!/usr/bin/env bash
# Push and pull of N versions of one profile through a loopback OCI registry (Debian's
# docker-registry, plain HTTP on 127.0.0.1), beside plain HTTP fetches of the same manifests
# and blobs by curl (one process, --parallel, 16 at once) in the same run, and the requests a
# pull with nothing new makes (counted in the registry's access log). The pull's peak RSS is
# measured with GNU time (`/usr/bin/time -v`, Debian's `time` package).
#
#   ./bench/oci.sh [VERSIONS]          # default 1000; BIN=path/to/mcp-orchestration to choose the build
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000}"
BIN="${BIN:-target/release/mcp-orchestration}"
[ -x "$BIN" ] || cargo build --release -p mcp-orchestration --quiet
command -v docker-registry >/dev/null || { echo "docker-registry missing: run scripts/install-test-deps.sh" >&2; exit 1; }

WORK="$(mktemp -d)"
REG_PID=""
cleanup() { [ -n "$REG_PID" ] && kill "$REG_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
cat > "$WORK/config.yml" <<EOF
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $WORK/storage
http:
  addr: 127.0.0.1:$PORT
EOF
docker-registry serve "$WORK/config.yml" > "$WORK/registry.log" 2>&1 &
REG_PID=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/v2/" >/dev/null && break; sleep 0.1; done

now() { date +%s.%N; }
secs() { python3 -c "print(f'{$2 - $1:.2f}')"; }
A() { MCP_ORCHESTRATION_HOME="$WORK/a" HOME="$WORK" "$BIN" -q "$@"; }
B() { MCP_ORCHESTRATION_HOME="$WORK/b" HOME="$WORK" "$BIN" -q "$@"; }

A init-configs >/dev/null
echo "publishing $N versions of _shared/bench …" >&2
for i in $(seq "$N"); do
  printf '{"mcpServers": {"s%d": {"command": "npx", "args": ["-y", "pkg-%d"]}}}' "$i" "$i" > "$WORK/doc.json"
  A publish --all --profile bench --file "$WORK/doc.json" >/dev/null
done
A remote add team "oci://127.0.0.1:$PORT/bench/mcp" --plain-http >/dev/null

t0=$(now); A push team --shared --profile bench >/dev/null; t1=$(now)
PUSH=$(secs "$t0" "$t1")

B init-configs >/dev/null
A keys export > "$WORK/a.pub"
B keys trust "$WORK/a.pub" >/dev/null
B remote add team "oci://127.0.0.1:$PORT/bench/mcp" --plain-http >/dev/null
TIMEV=(); [ -x /usr/bin/time ] && TIMEV=(/usr/bin/time -v -o "$WORK/pull.time")
t0=$(now); MCP_ORCHESTRATION_HOME="$WORK/b" HOME="$WORK" "${TIMEV[@]}" "$BIN" -q pull team --shared --profile bench >/dev/null; t1=$(now)
PULL=$(secs "$t0" "$t1")
RSS_KB=$(grep -o 'Maximum resident set size (kbytes): [0-9]*' "$WORK/pull.time" 2>/dev/null | grep -o '[0-9]*$' || echo "?")

# Plain fetches of the same bytes: every version manifest, then both blobs of each.
TAGS="$(curl -sf "http://127.0.0.1:$PORT/v2/bench/mcp/tags/list?n=100000")"
python3 - "$PORT" "$WORK" <<PY
import json, sys, urllib.request
port, work = sys.argv[1], sys.argv[2]
tags = [t for t in json.loads('''$TAGS''')["tags"] if "__v" in t]
base = f"http://127.0.0.1:{port}/v2/bench/mcp"
accept = 'header = "Accept: application/vnd.oci.image.manifest.v1+json"\n'
with open(f"{work}/manifests.cfg", "w") as m, open(f"{work}/blobs.cfg", "w") as b:
    for t in tags:
        m.write(f'url = "{base}/manifests/{t}"\noutput = "/dev/null"\n{accept}')
        req = urllib.request.Request(f"{base}/manifests/{t}", headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})
        for layer in json.load(urllib.request.urlopen(req))["layers"]:
            b.write(f'url = "{base}/blobs/{layer["digest"]}"\noutput = "/dev/null"\n')
PY
t0=$(now)
curl -sf --parallel --parallel-max 16 -K "$WORK/manifests.cfg"
curl -sf --parallel --parallel-max 16 -K "$WORK/blobs.cfg"
t1=$(now)
PLAIN=$(secs "$t0" "$t1")

# A pull with nothing new: requests counted in the access log.
before=$(grep -c '"GET \|"HEAD ' "$WORK/registry.log" || true)
t0=$(now); B pull team --shared --profile bench >/dev/null; t1=$(now)
NOOP=$(secs "$t0" "$t1")
after=$(grep -c '"GET \|"HEAD ' "$WORK/registry.log" || true)
before_all=$(grep -c '"GET \|"HEAD ' "$WORK/registry.log" || true)
B pull team >/dev/null
after_all=$(grep -c '"GET \|"HEAD ' "$WORK/registry.log" || true)
PROFILES=$(B profiles --all --json 2>/dev/null | python3 -c 'import json,sys; print(len(json.load(sys.stdin).get("profiles", [])))' 2>/dev/null || echo "?")

printf '\n%-58s %10s\n' "operation ($N versions, loopback docker-registry)" "seconds"
printf '%-58s %10s\n' "push: $N versions (3 blobs + 1 manifest each, head last)" "$PUSH"
printf '%-58s %10s\n' "pull: fetch + verify + store $N versions" "$PULL"
printf '%-58s %10s\n' "plain curl --parallel 16: the same $N manifests + $((2 * N)) blobs" "$PLAIN"
printf '%-58s %10s\n' "pull with nothing new (one profile named)" "$NOOP"
printf '%-58s %10s\n' "pull / plain" "$(python3 -c "print(f'{$PULL / $PLAIN:.2f}x')")"
printf '%-58s %10s\n' "pull: peak RSS (MiB)" "$([ "$RSS_KB" = "?" ] && echo "?" || echo $((RSS_KB / 1024)))"
printf 'requests of a no-op pull of one named profile: %s; of every profile (%s shared here): %s\n' \
  "$((after - before))" "$PROFILES" "$((after_all - before_all))"
