package sqlite_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/revshare/revshare/ledger/sqlite"
	"github.com/revshare/revshare/ledger/usage"
)

// TestVerifyCheckConstraints breaks each CHECK constraint of the schema
// (with the triggers dropped and the constraints ignored, as a hand edit
// could): verify names the row where its own reads check the constraint
// (verify_quickcheck.go), and quick_check names the table for the others.
func TestVerifyCheckConstraints(t *testing.T) {
	const damaged = "the database PATH is damaged (quick_check: CHECK constraint failed in %s): restore it from a backup"
	for _, tc := range []struct{ name, sql, want string }{
		{"postings.amount_format: exponent", `UPDATE postings SET amount = '1e3' WHERE entry_id = 5 AND seq = 1`,
			`entry 5: unreadable: entry 5 posting 1: malformed amount "1e3"`},
		{"postings.amount_format: 19 fractional digits", `UPDATE postings SET amount = '0.0000000000000000001' WHERE entry_id = 5 AND seq = 2`,
			`entry 5: posting 2: malformed amount "0.0000000000000000001"`},
		{"postings.amount_format: 55 integer digits", `UPDATE postings SET amount = '-1` + strings.Repeat("0", 54) + `' WHERE entry_id = 5 AND seq = 2`,
			`entry 5: posting 2: malformed amount "-1` + strings.Repeat("0", 54) + `"`},
		{"postings.amount_format: point last", `UPDATE postings SET amount = '50.' WHERE entry_id = 5 AND seq = 1`,
			`entry 5: unreadable: entry 5 posting 1: malformed amount "50."`},
		{"postings.amount_format: minus inside", `UPDATE postings SET amount = '5-0.25' WHERE entry_id = 5 AND seq = 1`,
			`entry 5: unreadable: entry 5 posting 1: malformed amount "5-0.25"`},
		{"postings.seq", `UPDATE postings SET seq = 0 WHERE entry_id = 5 AND seq = 1`,
			`entry 5: postings are numbered 0 where 1 is expected`},
		{"postings.currency", `UPDATE postings SET currency = 'US' WHERE entry_id = 5`,
			`entry 5: posting 1: unknown ISO 4217 currency "US"`},
		{"entries.date", `UPDATE entries SET date = '2026-3-05' WHERE id = 5`,
			`entry 5: unreadable: invalid date "2026-3-05": want YYYY-MM-DD`},
		{"accounts.type", `UPDATE accounts SET type = 'wizard' WHERE name = 'income:revenue:s:c5'`,
			strings.ReplaceAll(damaged, "%s", "accounts")},
		{"journal_head.id", `UPDATE journal_head SET id = 2`,
			strings.ReplaceAll(damaged, "%s", "journal_head")},
		{"period_closes.through", `INSERT INTO period_closes VALUES ('2026-03', '2026-04-01T00:00:00Z', 0, '')`,
			strings.ReplaceAll(damaged, "%s", "period_closes")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, raw := tamperJournal(t)
			mustExec(t, raw, `PRAGMA ignore_check_constraints = ON`)
			mustExec(t, raw, tc.sql)
			_, err := db.VerifyReport(context.Background())
			var ve *sqlite.VerifyError
			want := strings.ReplaceAll(tc.want, "PATH", db.Path())
			if !errors.As(err, &ve) || err.Error() != want {
				t.Fatalf("Verify = %v\nwant %s", err, want)
			}
		})
	}
	// event_index.dim: a row of a dimension the events do not have.
	for _, tc := range []struct{ name, sql, want string }{
		{"event_index.dim 7", `INSERT INTO event_index VALUES (7, 'zz', 1, 1, 1, x'02')`,
			`event index of dimension 7 "zz" disagrees with the events: it lists 1 event(s), 0 have that dimension 7; first difference: it lists event 1 where the events give none`},
		{"event_index.dim 0", `UPDATE event_index SET dim = 0 WHERE dim = 5`,
			`event index of dimension 0 "us" disagrees with the events: it lists 3 event(s), 0 have that dimension 0; first difference: it lists event 1 where the events give none`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "revshare.db")
			db, err := sqlite.Open(ctx, path, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			csv := "event_id,occurred_at,seller,channel,customer,product,region,amount,currency\n" +
				"a,2026-01-05,s,c,acme,p,us,1,USD\nb,2026-01-06,s,c,acme,p,us,2,USD\nc,2026-01-07,s,c,beta,p,us,3,USD\n"
			if _, err := db.ImportUsage(ctx, strings.NewReader(csv), usage.ImportOptions{FileName: "t.csv"}); err != nil {
				t.Fatal(err)
			}
			raw := openUnguarded(t, path)
			mustExec(t, raw, `PRAGMA ignore_check_constraints = ON`)
			mustExec(t, raw, tc.sql)
			_, err = db.VerifyReport(ctx)
			var ve *sqlite.VerifyError
			if !errors.As(err, &ve) || err.Error() != tc.want {
				t.Fatalf("Verify = %v\nwant %s", err, tc.want)
			}
		})
	}
}

// TestQuickCheckLeavesSelfCheckedToVerify: the commands' whole-file check
// (QuickCheck) is verify's: a CHECK constraint of a table verify does not
// read is named as damage, one of the rows verify reads and checks itself
// (a malformed amount) is left to verify, which names the entry and
// posting.
func TestQuickCheckLeavesSelfCheckedToVerify(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct{ name, sql, check, verify string }{
		{"accounts.type", `UPDATE accounts SET type = 'wizard' WHERE name = 'income:revenue:s:c5'`,
			"the database PATH is damaged (quick_check: CHECK constraint failed in accounts): restore it from a backup",
			"the database PATH is damaged (quick_check: CHECK constraint failed in accounts): restore it from a backup"},
		{"postings.amount_format", `UPDATE postings SET amount = '0.0000000000000000001' WHERE entry_id = 5 AND seq = 2`,
			"", `entry 5: posting 2: malformed amount "0.0000000000000000001"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, raw := tamperJournal(t)
			mustExec(t, raw, `PRAGMA ignore_check_constraints = ON`)
			mustExec(t, raw, tc.sql)
			got := ""
			if err := db.QuickCheck(ctx); err != nil {
				got = err.Error()
			}
			if want := strings.ReplaceAll(tc.check, "PATH", db.Path()); got != want {
				t.Fatalf("QuickCheck = %q\nwant %q", got, want)
			}
			want := strings.ReplaceAll(tc.verify, "PATH", db.Path())
			if _, err := db.VerifyReport(ctx); err == nil || err.Error() != want {
				t.Fatalf("Verify = %v\nwant %s", err, want)
			}
		})
	}
}
