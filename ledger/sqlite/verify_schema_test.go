package sqlite_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite/tempdb"
	"github.com/revshare/revshare/ledger/storetest"
)

// TestVerifySchema: verify compares the book's schema with a new book's,
// so a guard removed, replaced or added by hand is named even when every
// row is intact; an untouched book passes, and so does one with an index
// or view a DBA added.
func TestVerifySchema(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct{ name, sql, want string }{
		{"untouched", ``, ``},
		{"trigger dropped", `DROP TRIGGER entries_no_update`,
			`schema: the book lacks trigger entries_no_update (on entries), which revshare's migrations create (removed outside revshare)`},
		{"trigger replaced", `DROP TRIGGER postings_no_update; CREATE TRIGGER postings_no_update BEFORE UPDATE ON postings BEGIN SELECT 1; END`,
			`schema: the book's trigger postings_no_update (on postings) is not the one revshare's migrations create (changed outside revshare)`},
		{"trigger added", `CREATE TRIGGER aa_extra AFTER INSERT ON entries BEGIN SELECT 1; END`,
			`schema: the book has trigger aa_extra (on entries), which revshare's migrations do not create (added outside revshare)`},
		{"index dropped", `DROP INDEX entries_date`,
			`schema: the book lacks index entries_date (on entries), which revshare's migrations create (removed outside revshare)`},
		{"index and view added", `CREATE INDEX my_entries_desc ON entries (description); CREATE VIEW my_sales AS SELECT * FROM entries`, ``},
		{"table added", `CREATE TABLE notes (x TEXT)`,
			`schema: the book has table notes, which revshare's migrations do not create (added outside revshare)`},
		{"white space only", `DROP TRIGGER entries_no_delete; CREATE TRIGGER entries_no_delete   BEFORE DELETE ON entries
			BEGIN   SELECT RAISE(ABORT, 'entries are immutable: post a correcting entry instead'); END`, ``},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := tempdb.Open(t, storetest.NewClock(storetest.T0))
			if _, err := db.Post(ctx, []ledger.Entry{storetest.Sale("1", "2026-01-10", "10", "USD")}); err != nil {
				t.Fatal(err)
			}
			if tc.sql != "" {
				raw, err := sql.Open("sqlite3", "file:"+db.Path())
				if err != nil {
					t.Fatal(err)
				}
				mustExec(t, raw, tc.sql)
				raw.Close()
			}
			res, err := db.Verify(ctx)
			if err != nil || res.Violation != tc.want {
				t.Errorf("verify: violation %q, %v\nwant %q", res.Violation, err, tc.want)
			}
		})
	}
}
