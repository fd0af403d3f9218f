# Sourced by .ci/run (bash): makes PostgreSQL reachable for ledger/postgres's
# tests (issue 14) and exports REVSHARE_TEST_POSTGRES, the URL they read.
#
# A server already answering at 127.0.0.1:$REVSHARE_CI_PG_PORT (5432 unless
# set) is used as it is: one pg_isready, milliseconds. Otherwise Debian's
# postgresql is installed (when initdb is missing) and a throwaway cluster
# is started as the postgres user in a temporary directory (trust auth,
# listening on 127.0.0.1 only); it is stopped and removed when the calling
# shell exits. REVSHARE_CI_PG_PORT exists to try that path on a machine
# whose 5432 is taken: REVSHARE_CI_PG_PORT=5439 bash .ci/run.

ci_pg_port="${REVSHARE_CI_PG_PORT:-5432}"
ci_pg_url="postgres://postgres@127.0.0.1:${ci_pg_port}/postgres?sslmode=disable"

ci_pg_answers() { command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p "$ci_pg_port"; }

ci_pg_initdb() { ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1; }

# ci_pg_as_postgres runs a command as the postgres user (initdb refuses root).
ci_pg_as_postgres() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}

ci_pg_start() {
	local sudo="" initdb
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	if [ -z "$(ci_pg_initdb)" ] || ! command -v pg_isready >/dev/null; then
		$sudo apt-get update
		# The package's own cluster may start on 5432 (where services can
		# start); the throwaway one below is used only if nothing answers.
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y postgresql
		ci_pg_answers && return 0
	fi
	initdb="$(ci_pg_initdb)"
	[ -n "$initdb" ] || { echo "no initdb under /usr/lib/postgresql after installing postgresql" >&2; return 1; }
	ci_pg_bin="$(dirname "$initdb")"
	ci_pg_dir="$(mktemp -d /tmp/revshare-ci-pg.XXXXXX)"
	trap ci_pg_stop EXIT
	$sudo chown postgres: "$ci_pg_dir"
	ci_pg_as_postgres "$initdb" -D "$ci_pg_dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
	ci_pg_as_postgres "$ci_pg_bin/pg_ctl" -D "$ci_pg_dir/data" -l "$ci_pg_dir/log" -w -t 60 start \
		-o "-c listen_addresses=127.0.0.1 -p $ci_pg_port -k $ci_pg_dir -c fsync=off -c full_page_writes=off" >/dev/null
	ci_pg_answers || { cat "$ci_pg_dir/log" >&2; echo "PostgreSQL did not start at 127.0.0.1:$ci_pg_port" >&2; return 1; }
	echo "Throwaway PostgreSQL cluster in $ci_pg_dir at 127.0.0.1:$ci_pg_port"
}

# ci_pg_stop stops the throwaway cluster and removes it (the EXIT trap).
ci_pg_stop() {
	ci_pg_as_postgres "$ci_pg_bin/pg_ctl" -D "$ci_pg_dir/data" -m fast -w stop >/dev/null || true
	rm -rf "$ci_pg_dir"
}

if ci_pg_answers; then
	echo "PostgreSQL answers at 127.0.0.1:$ci_pg_port"
else
	echo "No PostgreSQL at 127.0.0.1:$ci_pg_port: starting a throwaway cluster"
	ci_pg_start
fi
export REVSHARE_TEST_POSTGRES="${REVSHARE_TEST_POSTGRES:-$ci_pg_url}"
