package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// The hostile audit's cases (docs/design/hostile-audit.md): input a user
// or an attacker may give, each found to fail before its fix.

// TestVerifyEventsAcrossTheBooksYears: a book whose events lie at the two
// ends of the years it holds (1000-01-01 and 9999-12-31, both accepted by
// import) verifies; the balance history's window of dates once overflowed
// an int32 and verify panicked (makeslice: len out of range).
func TestVerifyEventsAcrossTheBooksYears(t *testing.T) {
	onBothBackends(t, testVerifyEventsAcrossTheBooksYears)
}

func testVerifyEventsAcrossTheBooksYears(t *testing.T, newDB newDB) {
	db := newDB(t)
	usage := filepath.Join(t.TempDir(), "ends.csv")
	writeFile(t, usage, "event_id,occurred_at,seller,channel,amount,currency\n"+
		"first,1000-01-01T00:00:00Z,openai,direct,5.00,USD\n"+
		"last,9999-12-31T23:59:59Z,openai,direct,1.00,USD\n")
	cli(t, db, "import", "usage", usage)
	if out := cli(t, db, "verify"); !strings.HasPrefix(out, "ok: 2 entries, chain head ") {
		t.Errorf("verify: %q", out)
	}
}

// TestRunEventsBeyondTheBooksYearsLocally: an instant inside the books'
// years in UTC may fall outside them in the contract's time zone
// (9999-12-31T23:59:59Z is 10000-01-01 in UTC+14, 1000-01-01T00:00:00Z is
// 0999-12-31 in Los Angeles). No period outside those years has a label, so no
// rule counts such an event, even an open-ended one; once, the contract's
// usage held a period "10000" and every run failed on it (usage row:
// invalid period "10000"), through any period.
func TestRunEventsBeyondTheBooksYearsLocally(t *testing.T) {
	onBothBackends(t, testRunEventsBeyondTheBooksYearsLocally)
}

func testRunEventsBeyondTheBooksYearsLocally(t *testing.T, newDB newDB) {
	for _, c := range []struct{ tz, from, at string }{
		{"Pacific/Kiritimati", "from: 2025-01-01", "9999-12-31T23:59:59Z"},
		{"America/Los_Angeles", "", "1000-01-01T00:00:00Z"},
	} {
		t.Run(c.tz, func(t *testing.T) {
			db, dir := newDB(t), t.TempDir()
			contract := filepath.Join(dir, "edge.yaml")
			writeFile(t, contract, "id: edge\nname: Edge\ncurrency: USD\ntimezone: "+c.tz+"\nperiod: year\nparties: [openai, microsoft]\n"+
				"rules:\n  - id: r1\n    payer: openai\n    payee: microsoft\n    match: {seller: openai}\n    rate: \"0.20\"\n    "+c.from+"\n")
			usage := filepath.Join(dir, "edge.csv")
			writeFile(t, usage, "event_id,occurred_at,seller,channel,amount,currency\n"+
				"edge,"+c.at+",openai,direct,1000.00,USD\n"+
				"now,2025-06-01,openai,direct,100.00,USD\n")
			cli(t, db, "contract", "add", contract)
			cli(t, db, "import", "usage", usage)
			if got, want := cli(t, db, "run", "--through", "2025"), "run edge through 2025: 1 entry booked (0 prior-period adjustments)\n"; got != want {
				t.Errorf("run: %q, want %q", got, want)
			}
			st, _ := statementJSONOf(t, db, "edge", "2025")
			if got := st.Rules[0].Obligation; got != "20.00" {
				t.Errorf("2025's obligation %s, want 20.00", got)
			}
			if out := cli(t, db, "verify"); !strings.HasPrefix(out, "ok: ") {
				t.Errorf("verify: %q", out)
			}
		})
	}
}

// TestRenamedSourceCaught: a usage source's name is half of its events'
// idempotency key. Renamed by hand (on SQLite a plain UPDATE: no trigger
// guarded event_sources), the same events imported again under the old
// name posted twice and verify said ok. The rename is now refused by the
// schema, and verify names the batch (SQLite) or the event (PostgreSQL)
// whose source differs.
func TestRenamedSourceCaught(t *testing.T) { onBothBackends(t, testRenamedSourceCaught) }

func testRenamedSourceCaught(t *testing.T, newDB newDB) {
	db := newDB(t)
	addRunsFixture(t, db)
	raw := rawDB(t, db)
	_, err := raw.Exec(`UPDATE event_sources SET name = 'crm'`)
	if err == nil || !strings.Contains(err.Error(), "event sources are immutable: a source's name is part of its events' idempotency key") {
		t.Fatalf("rename of a source: %v", err)
	}
	raw.Close()
	tamper(t, db, `UPDATE event_sources SET name = 'crm'`)
	want := "revshare: verify failed: import_batches id=1: source is \"default\", expected \"crm (the source of its events)\"\n"
	if onServer(db) {
		want = "revshare: verify failed: event 1 (crm \"e1\"): its source differs from its import batch 1's (\"default\")\n"
	}
	if _, errOut, err := runCLI(t, "--db", db, "verify"); err == nil || errOut != want {
		t.Errorf("verify of a renamed source: %v %q, want %q", err, errOut, want)
	}
}

// TestDamagedTimestampsNamed: an import batch's or a token's time that
// revshare does not write (a hand edit on SQLite, whose columns take any
// text) is an error naming the table, the row and the column, where it
// was Go's `parsing time "junk" as "2006-01-02T15:04:05.000000000Z"`
// naming none; verify names a batch's too (it passed it).
func TestDamagedTimestampsNamed(t *testing.T) {
	db := newRunsBook(t)
	cli(t, db, "token", "create", "--role", "auditor", "--name", "a")
	tamper(t, db, `UPDATE import_batches SET started_at = 'junk' WHERE id = 1`, `UPDATE api_tokens SET revoked_at = '7' WHERE id = 1`)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"import", "list"}, `revshare: import_batches id=1: started_at "junk" is not a timestamp revshare writes (the database is damaged: run revshare verify)`},
		{[]string{"token", "list"}, `revshare: api_tokens id=1: revoked_at "7" is not a timestamp revshare writes (the database is damaged: run revshare verify)`},
		{[]string{"verify"}, `revshare: verify failed: import_batches id=1: started_at "junk" is not a timestamp revshare writes`},
	} {
		_, errOut, err := runCLI(t, append([]string{"--db", db}, c.args...)...)
		if err == nil || errOut != c.want+"\n" {
			t.Errorf("%v: %v %q, want %q", c.args, err, errOut, c.want)
		}
	}
}

// TestStoredValueOfWrongTypeNamed: SQLite keeps any value in any column of
// a table that is not STRICT, so a hand edit can leave a text in an
// INTEGER column. Commands and verify said database/sql's `sql: Scan error
// on column index 1, name "version": converting driver.Value type string
// ("junk") to a int: invalid syntax`, naming neither table nor row; now
// they name both.
func TestStoredValueOfWrongTypeNamed(t *testing.T) {
	for _, c := range []struct {
		edit string
		args []string
		want string
	}{
		{`UPDATE contracts SET version = 'junk'`, []string{"contract", "show", "small"},
			`revshare: the database {db} is damaged (contracts id=small version=junk: version holds 'junk', not an integer): restore it from a backup`},
		{`UPDATE contracts SET version = 'junk'`, []string{"verify"},
			`revshare: verify failed: contracts id=small version=junk: version holds 'junk', not an integer`},
		{`UPDATE import_batches SET posted = x'00ff' WHERE id = 1`, []string{"import", "list"},
			`revshare: the database {db} is damaged (import_batches id=1: posted holds X'00FF', not an integer): restore it from a backup`},
		{`UPDATE entries SET reverses = 'junk' WHERE id = 3`, []string{"export", "hledger"},
			`revshare: the database {db} is damaged (entries id=3: reverses holds 'junk', not an integer): restore it from a backup`},
		{`UPDATE import_batches SET posted = x'00ff' WHERE id = 1`, []string{"verify"},
			`revshare: verify failed: import_batches id=1: posted holds X'00FF', not an integer`},
		// A violation verify words itself keeps its words (it names the usage set).
		{`UPDATE usage_rows SET events = 'zz' WHERE rowid = 1`, []string{"verify"},
			`revshare: verify failed: usage set 1: sql: Scan error on column index 7, name "events": converting driver.Value type string ("zz") to a int: invalid syntax`},
	} {
		db := newRunsBook(t)
		tamper(t, db, c.edit)
		_, errOut, err := runCLI(t, append([]string{"--db", db}, c.args...)...)
		if want := strings.ReplaceAll(c.want, "{db}", db) + "\n"; err == nil || errOut != want {
			t.Errorf("%s, then %v: %v %q\nwant %q", c.edit, c.args, err, errOut, want)
		}
	}
}
