#!/bin/sh
# The trial balance at 1,000,000 entries on PostgreSQL beside SQLite
# (issue #14, docs/postgres.md "Measurements"), in one run: the in-process
# calls (current, --as-of, and the statements before session 7), then the
# one-shot command `revshare --db … balance [--as-of D]` (one process a
# call, rounds alternating between the backends) and the REST API on a
# warm `revshare serve` of each backend (cached and --no-cache).
#
#   bench/trial-balance.sh            # from the repository's root
#
# Needs PostgreSQL on this machine (REVSHARE_TEST_POSTGRES, by default
# 127.0.0.1:5432 as user postgres): the server's CPU is read from /proc.
# Building the two 1M journals takes 5-15 minutes; the knobs below may be
# overridden from the environment. The tables come at the end of the log.
set -eu
cd "$(dirname "$0")/.."
export REVSHARE_BENCH_ROUNDS="${REVSHARE_BENCH_ROUNDS:-3}"
export REVSHARE_BENCH_PROCESS_ROUNDS="${REVSHARE_BENCH_PROCESS_ROUNDS:-30}"
export REVSHARE_BENCH_REQUESTS="${REVSHARE_BENCH_REQUESTS:-2000}"
export REVSHARE_BENCH_REST_ROUNDS="${REVSHARE_BENCH_REST_ROUNDS:-3}"
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; HEAD at $(git rev-parse --short HEAD)"
go test ./ledger/postgres -run '^$' -bench 'TrialBalance1M/^(round-trip|current.*|as-of.*)$/' \
	-benchtime "${REVSHARE_BENCH_CALLS:-2000}x" -timeout 2h -v
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
