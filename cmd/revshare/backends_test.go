package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/revshare/revshare/ledger/postgres/pgtest"
)

// The command-line tests run against both backends where the test only
// drives commands: SQLite in a temporary folder, and PostgreSQL in a fresh
// schema of the run's throwaway database (pgtest: $REVSHARE_TEST_POSTGRES
// or the local server; without one those subtests skip, except under
// CI=true).

// pg is the test run's PostgreSQL database.
var pg pgtest.Database

// newDB returns a fresh, empty database of one backend for t: a path or a
// URL, what --db takes.
type newDB func(t *testing.T) string

func newSQLite(t *testing.T) string { return filepath.Join(t.TempDir(), "book.db") }

// newPostgres is a fresh book on PostgreSQL as revshare's login role: the
// schema belongs to the run's owner role, which migrated it and granted
// the login role (revshare grant), so every command the tests run goes
// through the login role's privileges (docs/postgres.md, "Two roles").
// pg.SchemaURL is an empty schema of the server's role, the single-role
// setup.
func newPostgres(t *testing.T) string { return pg.LoginURL(t) }

// onBothBackends runs fn as the subtests sqlite and postgres.
func onBothBackends(t *testing.T, fn func(t *testing.T, newDB newDB)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, newSQLite) })
	t.Run("postgres", func(t *testing.T) {
		pg.Need(t)
		fn(t, newPostgres)
	})
}

// TestDemoSameOnBothBackends: `demo --no-serve` prints the same table, cap
// and projection on PostgreSQL as on SQLite (only the line naming the
// database and the one repeating it differ), and the last closed
// statement is the same to the byte.
func TestDemoSameOnBothBackends(t *testing.T) {
	pg.Need(t)
	lite, url := newSQLite(t), newPostgres(t)
	outs := map[string]string{}
	for _, db := range []string{lite, url} {
		out := cli(t, db, "demo", "--no-serve")
		masked := 0
		lines := strings.Split(out, "\n")
		for i, l := range lines {
			if strings.HasPrefix(l, "database "+db+"; usage") || l == "statement of the last closed period: revshare --db "+shellWord(db)+" statement openai-microsoft 2026-01" {
				lines[i] = "(the database)"
				masked++
			}
		}
		// The command to paste quotes a URL (its ? and & are the shell's).
		if db == url && !strings.Contains(out, "revshare --db '"+url+"' statement") {
			t.Errorf("demo on %s does not quote the URL in the command it suggests:\n%s", url, out)
		}
		if masked != 2 {
			t.Fatalf("demo on %s printed:\n%s", db, out)
		}
		outs[db] = strings.Join(lines, "\n") + cli(t, db, "statement", "openai-microsoft", "2026-01", "--format", "md")
	}
	if outs[lite] != outs[url] {
		t.Errorf("demo on SQLite:\n%s\ndemo on PostgreSQL:\n%s", outs[lite], outs[url])
	}
	if _, errOut, err := runCLI(t, "--db", url, "demo", "--no-serve"); err == nil || !strings.HasPrefix(errOut, "revshare: demo: "+url+" already holds a book (rows in accounts, ") {
		t.Errorf("a second demo into the same schema: %v %q", err, errOut)
	}
}

// session is a user's session with the runs fixture: every command that
// writes or reads the books, in order, each with what it must print (""
// for output that is only compared between the backends).
var session = []struct {
	args string
	want string
}{
	{"contract add ../../testdata/runs/contract.yaml", "contract small version 1\n"},
	{"contract list", ""},
	{"import usage ../../testdata/runs/usage.csv", ""},
	{"import usage ../../testdata/runs/usage.csv", ""}, // all duplicates
	{"import rates RATES", ""},
	{"import list --format json", ""},
	{"run --through 2026-02", "run small through 2026-02: 3 entries booked (0 prior-period adjustments)\n"},
	{"statement small 2026-02 --format json", ""},
	{"close 2026-01", "closed 2026-01: nothing may be booked on or before 2026-01-31\n"},
	{"statement small 2026-01 --format md", ""},
	{"pay --contract small --payer openai --payee microsoft --amount 16.00 --date 2026-02-10 --reference wire-1", ""},
	{"pay --contract small --payer openai --payee microsoft --amount 16.00 --date 2026-02-10 --reference wire-1", ""},
	{"import usage ../../testdata/runs/late.csv", ""},
	{"run --through 2026-02", "run small through 2026-02: 2 entries booked (1 prior-period adjustment)\n"},
	{"statement small 2026-02 --format csv", ""},
	{"statement small 2026-01 --format json", ""},
	{"verify", ""},
	{"balance", ""},
	{"balance --as-of 2026-01 --format json", ""},
	{"balance --known-at 2026-03-01T12:00:00Z --format csv", ""},
	{"close 2026-02", "closed 2026-02: nothing may be booked on or before 2026-02-28\n"},
	{"verify", ""},
	{"export hledger", ""},
	{"export ledger", ""},
	{"export beancount", ""},
	{"contract show small", ""},
	{"close 2026-01", ""}, // already closed
	{"pay --contract small --payer openai --payee microsoft --amount 1.00 --date 2026-02-10", ""}, // in a closed period
}

// TestSessionSameOnBothBackends runs the session on SQLite and on
// PostgreSQL: each command prints the same to the byte, and fails alike.
func TestSessionSameOnBothBackends(t *testing.T) {
	pg.Need(t)
	lite, url := newSQLite(t), newPostgres(t)
	rates := filepath.Join(t.TempDir(), "rates.csv")
	if err := os.WriteFile(rates, []byte("date,from,to,rate\n2026-01-01,EUR,USD,1.10\n2026-02-01,EUR,USD,1.12\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, step := range session {
		args := strings.Fields(strings.ReplaceAll(step.args, "RATES", rates))
		want, wantErr, _ := runCLI(t, append([]string{"--db", lite}, args...)...)
		got, gotErr, _ := runCLI(t, append([]string{"--db", url}, args...)...)
		if got != want || gotErr != wantErr {
			t.Errorf("revshare %s:\nSQLite printed\n%s%s\nPostgreSQL printed\n%s%s", step.args, want, wantErr, got, gotErr)
		}
		if step.want != "" && want != step.want {
			t.Errorf("revshare %s: %q, want %q", step.args, want, step.want)
		}
	}
}

// TestPostgresOpenErrors: a read-only command on a schema without a book
// says so and creates nothing; an unreachable server is named without the
// password.
func TestPostgresOpenErrors(t *testing.T) {
	pg.Need(t)
	url := pg.SchemaURL(t)
	for _, args := range [][]string{{"balance"}, {"verify"}, {"statement", "small", "2026-01"}, {"export", "hledger"}} {
		_, errOut, err := runCLI(t, append([]string{"--db", url}, args...)...)
		if want := "revshare: " + url + " holds no revshare book (its schema has no revshare tables; see --db; a new book is made by contract add, import usage, import rates, demo, migrate or grant)\n"; err == nil || errOut != want {
			t.Errorf("revshare %s on an empty schema: %q, want %q", strings.Join(args, " "), errOut, want)
		}
	}
	cli(t, url, "contract", "add", "../../testdata/runs/contract.yaml") // a write creates the book
	if got := cli(t, url, "verify"); !strings.HasPrefix(got, "ok: 0 entries, chain head (empty journal); fact chain head facts:1:") || len(got) != 132 {
		t.Errorf("verify after the first write: %q", got)
	}
	_, errOut, err := runCLI(t, "--db", "postgres://alice:s3cret@127.0.0.1:1/books?sslmode=disable", "balance")
	if want := "revshare: cannot reach PostgreSQL at postgres://alice:xxxxx@127.0.0.1:1/books?sslmode=disable: connection refused\n"; err == nil || errOut != want {
		t.Errorf("an unreachable server: %q, want %q", errOut, want)
	}
}
