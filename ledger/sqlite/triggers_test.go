package sqlite_test

import (
	"strings"
	"testing"

	"github.com/revshare/revshare/ledger/sqlite/tempdb"
	"github.com/revshare/revshare/ledger/storetest"
)

// TestChainGuardsAfterInsert covers the chain rules of the AFTER INSERT
// guard (migration 0006) at the ends of the journal: an empty journal, IDs
// below 1, a reused ID.
func TestChainGuardsAfterInsert(t *testing.T) {
	db := tempdb.Open(t, storetest.NewClock(storetest.T0))
	raw := rawDB(t, db)
	mustExec(t, raw, `INSERT INTO accounts (id, name, type) VALUES (1, 'assets:cash', 'asset'), (2, 'income:sales', 'income')`)
	entry := func(id, prevHash string) []string {
		return []string{
			`INSERT INTO postings (entry_id, seq, account_id, currency, amount) VALUES (` + id + `, 1, 1, 'USD', '1'), (` + id + `, 2, 2, 'USD', '-1')`,
			`INSERT INTO entries VALUES (` + id + `, 'raw', 'x` + id + `', '2026-02-11', '2026-04-01T09:00:00.000000000Z', '', '{}', NULL, '` + prevHash + `', 'h` + id + `')`,
		}
	}
	write := func(sqls []string) error {
		tx, err := raw.Begin()
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range sqls {
			if _, err = tx.Exec(q); err != nil {
				tx.Rollback()
				return err
			}
		}
		return tx.Commit()
	}
	for _, tc := range []struct {
		name string
		sql  []string
		want string
	}{
		{"entry 2 first", entry("2", ""), "entry id must follow the last entry"},
		{"entry 0 first", entry("0", ""), "entry id must follow the last entry"},
		{"entry -1 first", entry("-1", ""), "entry id must follow the last entry"},
		{"entry 1 with a prev_hash", entry("1", "h0"), "entry prev_hash must be the hash of the last entry"},
		{"entry 1", entry("1", ""), ""},
		{"entry 1 again", entry("1", ""), "UNIQUE constraint failed: postings.entry_id, postings.seq"},
		{"posting added to entry 1", []string{`INSERT INTO postings (entry_id, seq, account_id, currency, amount) VALUES (1, 3, 1, 'USD', '0')`},
			"entry is sealed: no postings may be added"},
		{"entry 1 again without postings", entry("1", "")[1:], "UNIQUE constraint failed: entries.id"},
		{"entry 0 after 1", entry("0", ""), "entry id must follow the last entry"},
		{"entry 3 after 1", entry("3", "h1"), "entry id must follow the last entry"},
		{"entry 2 with entry 1's prev_hash", entry("2", ""), "entry prev_hash must be the hash of the last entry"},
		{"entry 2", entry("2", "h1"), ""},
	} {
		err := write(tc.sql)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
	var n int
	if err := raw.QueryRow(`SELECT count(*) FROM entries`).Scan(&n); err != nil || n != 2 {
		t.Errorf("%d entries (%v), want 2", n, err)
	}
}
