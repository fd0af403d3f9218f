package sqlite_test

import (
	"context"
	"strings"
	"testing"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite"
	"github.com/revshare/revshare/ledger/sqlite/tempdb"
	"github.com/revshare/revshare/ledger/storetest"
)

// TestDatabaseGuards writes with raw SQL, past the Go code, with the
// schema's triggers in place: every write that would break a journal rule is
// refused by the database itself and leaves it unchanged.
func TestDatabaseGuards(t *testing.T) {
	ctx := context.Background()
	db := tempdb.Open(t, storetest.NewClock(storetest.T0))
	if _, err := db.Post(ctx, []ledger.Entry{storetest.Sale("1", "2026-01-10", "10", "USD"), storetest.Sale("2", "2026-02-10", "5", "USD")}); err != nil {
		t.Fatal(err)
	}
	if err := db.ClosePeriods(ctx, storetest.D("2026-01-31")); err != nil {
		t.Fatal(err)
	}
	head, err := db.Entry(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	raw := rawDB(t, db)

	// entry 3 as revshare would chain it, with postings p.
	entry3 := func(date string) string {
		return `INSERT INTO entries VALUES (3, 'raw', 'x', '` + date + `', '2026-04-01T09:00:00.000000000Z', '', '{}', NULL, '` + head.Hash + `', 'h3')`
	}
	// The integer columns are generated from amount: raw SQL writes only it.
	posting := func(entry, seq, acct, amount string) string {
		return `INSERT INTO postings (entry_id, seq, account_id, currency, amount) VALUES (` + entry + `, ` + seq + `, ` + acct + `, 'USD', '` + amount + `')`
	}
	tests := []struct {
		name string
		sql  []string
		want string
	}{
		{"unbalanced", []string{posting("3", "1", "1", "10"), posting("3", "2", "2", "-9"), entry3("2026-02-11")},
			"entry does not balance"},
		{"unbalanced in the 18th digit", []string{
			posting("3", "1", "1", "0.000000000000000001"),
			posting("3", "2", "2", "-0.000000000000000002"), entry3("2026-02-11")},
			"entry does not balance"},
		{"unbalanced in one of two currencies", []string{
			posting("3", "1", "1", "1"), posting("3", "2", "2", "-1"),
			`INSERT INTO postings (entry_id, seq, account_id, currency, amount) VALUES (3, 3, 1, 'EUR', '1'), (3, 4, 2, 'EUR', '-2')`,
			entry3("2026-02-11")},
			"entry does not balance"},
		{"one posting", []string{posting("3", "1", "1", "0"), entry3("2026-02-11")},
			"entry has fewer than 2 postings"},
		{"no postings", []string{entry3("2026-02-11")}, "entry has fewer than 2 postings"},
		{"id gap", []string{posting("4", "1", "1", "1"), posting("4", "2", "2", "-1"),
			`INSERT INTO entries VALUES (4, 'raw', 'x', '2026-02-11', '2026-04-01T09:00:00.000000000Z', '', '{}', NULL, '` + head.Hash + `', 'h4')`},
			"entry id must follow the last entry"},
		{"prev_hash", []string{posting("3", "1", "1", "1"), posting("3", "2", "2", "-1"),
			`INSERT INTO entries VALUES (3, 'raw', 'x', '2026-02-11', '2026-04-01T09:00:00.000000000Z', '', '{}', NULL, 'forged', 'h3')`},
			"entry prev_hash must be the hash of the last entry"},
		{"closed period", []string{posting("3", "1", "1", "1"), posting("3", "2", "2", "-1"), entry3("2026-01-31")},
			"entry is dated in a closed period"},
		{"posting added to a sealed entry", []string{posting("2", "3", "1", "0")},
			"entry is sealed: no postings may be added"},
		{"postings without an entry", []string{posting("3", "1", "1", "1"), posting("3", "2", "2", "-1")},
			"FOREIGN KEY constraint failed"},
		{"malformed amount", []string{posting("3", "1", "1", "1e3")}, "CHECK constraint failed: amount_format"},
		{"19 fractional digits", []string{posting("3", "1", "1", "0.0000000000000000001")}, "CHECK constraint failed: amount_format"},
		{"too large", []string{posting("3", "1", "1", "-1000000000000000000000000000000000000000000000000000000")}, "CHECK constraint failed: amount_format"},
		{"limbs set directly", []string{`INSERT INTO postings (entry_id, seq, account_id, currency, amount, l2) VALUES (3, 1, 1, 'USD', '1', 5)`},
			"cannot INSERT into generated column"},
		{"update entry", []string{`UPDATE entries SET date = '2026-03-01' WHERE id = 2`}, "entries are immutable: post a correcting entry instead"},
		{"delete entry", []string{`DELETE FROM entries WHERE id = 2`}, "entries are immutable: post a correcting entry instead"},
		{"update posting", []string{`UPDATE postings SET amount = '6' WHERE entry_id = 2 AND seq = 1`}, "entries are immutable: postings cannot be changed"},
		{"delete posting", []string{`DELETE FROM postings WHERE entry_id = 2`}, "entries are immutable: postings cannot be deleted"},
		{"rename account", []string{`UPDATE accounts SET name = 'assets:x' WHERE id = 1`}, "accounts are immutable"},
		{"delete account", []string{`DELETE FROM accounts WHERE id = 1`}, "accounts are immutable"},
		{"reopen period", []string{`DELETE FROM period_closes`}, "closed periods cannot be reopened"},
		{"move close", []string{`UPDATE period_closes SET through = '2025-12-31'`}, "closed periods cannot be reopened"},
		{"close backwards", []string{`INSERT INTO period_closes VALUES ('2025-12-31', '', 0, '')`}, "periods close forward only"},
		{"journal head backwards", []string{`UPDATE journal_head SET entry_id = 1, hash = (SELECT hash FROM entries WHERE id = 1)`},
			"the journal head only moves forward, to an existing entry"},
		{"journal head forged", []string{`UPDATE journal_head SET hash = 'forged'`}, "the journal head only moves forward, to an existing entry"},
		{"journal head deleted", []string{`DELETE FROM journal_head`}, "the journal head cannot be deleted"},
	}
	before := sqlite.DBDigest(t, db.Reader())
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tx, err := raw.Begin()
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range tc.sql {
				if _, err = tx.Exec(q); err != nil {
					break
				}
			}
			if err == nil {
				err = tx.Commit()
			} else {
				tx.Rollback()
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
			if sqlite.DBDigest(t, db.Reader()) != before {
				t.Fatal("a refused write changed the database")
			}
		})
	}
	if _, err := db.VerifyReport(ctx); err != nil {
		t.Fatal(err)
	}
	// The integer columns carry exactly: 0.5 + (-0.5), generated as
	// (0, 500000000, 0) and (-1, 500000000, 0), balances.
	tx, _ := raw.Begin()
	for _, q := range []string{posting("3", "1", "1", "0.5"), posting("3", "2", "2", "-0.5"),
		`INSERT INTO entries VALUES (3, 'raw', 'x', '2026-02-11', '2026-04-01T09:00:00.000000000Z', '', '{}', NULL, '` + head.Hash + `', 'h3')`} {
		if _, err := tx.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	// Accepted by the guards, yet not written by revshare: Verify sees it.
	if _, err := db.VerifyReport(ctx); err == nil || !strings.HasPrefix(err.Error(), "entry 3: hash does not match its content") {
		t.Errorf("Verify after a raw insert: %v", err)
	}
}
