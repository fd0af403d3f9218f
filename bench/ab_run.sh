#!/bin/sh
# A/B of cmd/revshare BenchmarkRunAndStatements1M (import 1M events, run,
# 72 statements): the tree before the service layer (3d8a497^, "old")
# against this checkout ("new"), issue 13. Both test binaries are built
# first, then run alternately in ABBA order, ROUNDS rounds (default 3), so
# that both see the same load. The old benchmark reports wall time only:
# the script adds the same getrusage CPU metrics to its copy (import-cpu-s,
# run-cpu-s, statements-cpu-s, as the new one reports them). /usr/bin/time
# gives the whole process (user + sys, peak RSS). Figures: docs/design/runs.md.
#
#	sh bench/ab_run.sh [ROUNDS]
set -eu
rounds=${1:-3}
base=3d8a497^
repo=$(git rev-parse --show-toplevel)
work=$(mktemp -d /tmp/ab-run.XXXXXX)
trap 'rm -rf "$work"' EXIT

mkdir "$work/old"
git -C "$repo" archive "$base" | tar -x -C "$work/old"
f="$work/old/cmd/revshare/run_bench_test.go"
sed -i \
	-e 's/^\t\tstart := time.Now()$/\t\tstart, cpu := time.Now(), abCPU()/' \
	-e 's/^\t\tstart = time.Now()$/\t\tstart, cpu = time.Now(), abCPU()/' \
	-e 's/^\t\t\(import\|run\|stmt\)Time := time.Since(start)$/&\n\t\t\1CPU := abCPU() - cpu/' \
	-e 's/^\t\tb.ReportMetric(importTime.Seconds(), "import-s")$/&\n\t\tb.ReportMetric(importCPU.Seconds(), "import-cpu-s")\n\t\tb.ReportMetric(runCPU.Seconds(), "run-cpu-s")\n\t\tb.ReportMetric(stmtCPU.Seconds(), "statements-cpu-s")/' \
	"$f"
cat >"$work/old/cmd/revshare/ab_cpu_test.go" <<'EOF'
package main

import (
	"syscall"
	"time"
)

// abCPU is the process's CPU time so far (user + sys), added by bench/ab_run.sh.
func abCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
EOF
[ "$(grep -c abCPU "$f")" = 6 ] || { echo "ab_run.sh: the old benchmark did not take the CPU patch" >&2; exit 1; }

echo "building old ($(git -C "$repo" rev-parse --short "$base")) and new ($(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet HEAD || echo ', with uncommitted changes'))"
(cd "$work/old" && go test -c -o "$work/old.test" ./cmd/revshare)
(cd "$repo" && go test -c -o "$work/new.test" ./cmd/revshare)

run() { # side round
	(cd "$work" && /usr/bin/time -f "TIME %e %U %S %M" "./$1.test" -test.run '^$' \
		-test.bench '^BenchmarkRunAndStatements1M$' -test.benchtime 1x) >"$work/out" 2>&1 ||
		{ cat "$work/out" >&2; exit 1; }
	awk -v side="$1" -v round="$2" -v ld="$(cut -d' ' -f1 /proc/loadavg)" '
		/^BenchmarkRunAndStatements1M/ { for (i = 3; i < NF; i += 2) m[$(i+1)] = $i }
		/^TIME / { wall = $2; cpu = $3 + $4; rss = $5 }
		END { printf "%s %s %s %.2f %.2f %d %s %s %s %s %s %s\n", side, round, ld, wall, cpu, rss / 1024,
			m["import-s"], m["import-cpu-s"], m["run-s"], m["run-cpu-s"], m["statements-s"], m["statements-cpu-s"] }' "$work/out"
}

echo "side round load1 proc-wall-s proc-cpu-s rss-MB import-s import-cpu-s run-s run-cpu-s statements-s statements-cpu-s"
r=1
while [ "$r" -le "$rounds" ]; do
	if [ $((r % 2)) = 1 ]; then set -- old new; else set -- new old; fi
	for side; do
		run "$side" "$r" >>"$work/rows"
		tail -n 1 "$work/rows"
	done
	r=$((r + 1))
done

# Medians per side, and new/old.
awk '
	{ for (c = 4; c <= 12; c++) v[$1, c, ++n[$1, c]] = $c }
	function median(side, c,   k, i, j, t, a) {
		k = n[side, c]
		for (i = 1; i <= k; i++) a[i] = v[side, c, i]
		for (i = 2; i <= k; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
		return k % 2 ? a[(k+1)/2] : (a[k/2] + a[k/2+1]) / 2
	}
	END {
		split("proc-wall-s proc-cpu-s rss-MB import-s import-cpu-s run-s run-cpu-s statements-s statements-cpu-s", name)
		printf "\n%-17s %12s %12s %8s\n", "median", "old", "new", "new/old"
		for (c = 4; c <= 12; c++) {
			o = median("old", c); w = median("new", c)
			printf "%-17s %12.4f %12.4f %8.2f\n", name[c-3], o, w, o ? w / o : 0
		}
	}' "$work/rows"
