#!/usr/bin/env bash
# Load benchmark of revshare serve (issue 5): builds a database from the demo
# usage, serves it, and loads each endpoint for 10 s with wrk from another
# process on loopback. Needs wrk (apt-get install wrk).
#
#   reports/httpapi/bench/run.sh [DURATION] [CONNECTIONS]
#
# Prints wrk's report (requests/s and latency percentiles) per endpoint.
set -euo pipefail
cd "$(dirname "$0")/../../.."
dur="${1:-10s}"
conns="${2:-32}"
command -v wrk >/dev/null || { echo "run.sh: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
dir="$(mktemp -d)"
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
go build -o "$dir/revshare" ./cmd/revshare
go run ./reports/httpapi/bench/gendemo --events "${EVENTS:-40}" > "$dir/usage.csv"
db="$dir/bench.db"
"$dir/revshare" --db "$db" import usage "$dir/usage.csv"
# Contracts, runs and statements, when this build has them.
contract=""
if "$dir/revshare" --db "$db" contract add contracts/demo/openai-microsoft.yaml >/dev/null 2>&1 &&
	"$dir/revshare" --db "$db" run --through 2026-10 >/dev/null 2>&1; then
	contract=openai-microsoft
fi
tok="$("$dir/revshare" --db "$db" token create --role auditor --name bench 2>/dev/null)"
port="${PORT:-18181}"
# NOCACHE=1 measures every request computed afresh (no response cache).
"$dir/revshare" --db "$db" serve --addr "127.0.0.1:$port" --log-level warn ${NOCACHE:+--no-cache} &
pid=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/api/v1/healthz" >/dev/null && break; sleep 0.1; done
paths=(/api/v1/trial-balance "/api/v1/entries?limit=100" /api/v1/entries/1)
if [ -n "$contract" ]; then
	paths=("/api/v1/contracts/$contract/statements/2026-03" "${paths[@]}")
else
	echo "(no contract/run commands in this build: statements not measured)"
fi
for p in "${paths[@]}"; do
	echo "== GET $p"
	curl -sf -o /dev/null -w "status %{http_code}, %{size_download} bytes\n" -H "Authorization: Bearer $tok" "http://127.0.0.1:$port$p"
	wrk -t2 -c"$conns" -d"$dur" --latency -H "Authorization: Bearer $tok" "http://127.0.0.1:$port$p"
done
