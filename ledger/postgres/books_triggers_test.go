package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/postgres"
	"github.com/revshare/revshare/ledger/storetest"
	"github.com/revshare/revshare/reports"
)

// openScenario opens a schema with the parity scenario's books in it, and
// a raw connection to it.
func openScenario(t *testing.T) (*postgres.DB, *pgx.Conn) {
	t.Helper()
	u := schemaURL(t)
	clock := storetest.NewClock(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
	db := openURL(t, u, clock)
	booksScenario(t, db, clock)
	return db, connect(t, u)
}

// The database refuses to change or remove the books' rows, a second
// final statement for a (contract, period), and a row without its entry,
// whoever writes.
func TestBooksDatabaseRefuses(t *testing.T) {
	ctx := context.Background()
	_, conn := openScenario(t)
	var payment int64
	if err := conn.QueryRow(ctx, `SELECT entry_id FROM payments WHERE reference = 'wire-1'`).Scan(&payment); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ sql, msg string }{
		{`UPDATE bookings SET amount = amount + 1`, "bookings are immutable"},
		{`DELETE FROM bookings`, "bookings are immutable"},
		{`TRUNCATE bookings`, "bookings are immutable"},
		{`UPDATE advance_bookings SET amount = 0`, "advance bookings are immutable"},
		{`DELETE FROM advance_bookings`, "advance bookings are immutable"},
		{`UPDATE recoupments SET period = '2026-05'`, "recoupments are immutable"},
		{`DELETE FROM recoupments`, "recoupments are immutable"},
		{`UPDATE payments SET amount = 1`, "payments are immutable"},
		{`DELETE FROM payments`, "payments are immutable"},
		{`TRUNCATE payments`, "payments are immutable"},
		{`UPDATE runs SET entries = 0`, "runs are immutable"},
		{`DELETE FROM runs`, "runs are immutable"},
		{`UPDATE statements SET body = body || ' '`, "final statements are immutable"},
		{`DELETE FROM statements WHERE period = '2026-01'`, "final statements are immutable"},
		{`TRUNCATE statements`, "final statements are immutable"},
		{`INSERT INTO statements (contract, period, body, hash, finalized_at, version, events_through, rates_through)
			VALUES ('deal', '2026-01', '{}', 'h', now(), 1, 0, 0)`, `duplicate key value violates unique constraint "statements_pkey"`},
		{`INSERT INTO payments (entry_id, contract, payer, payee, amount, date, reference)
			VALUES (999, 'deal', 'openai', 'microsoft', 1, '2026-04-01', 'forged')`, "payments row of entry 999: no entry with that id and date"},
		{fmt.Sprintf(`INSERT INTO payments (entry_id, contract, payer, payee, amount, date, reference)
			SELECT entry_id, contract, payer, payee, amount, date + 1, 'again' FROM payments WHERE entry_id = %d`, payment),
			`duplicate key value violates unique constraint "payments_pkey"`},
		{fmt.Sprintf(`INSERT INTO bookings SELECT %d, contract, version, rule, period, kind, booked_in, payer, payee, base, base_delta, amount, '2026-02-11'
			FROM bookings LIMIT 1`, payment), fmt.Sprintf("bookings row of entry %d: no entry with that id and date", payment)},
		{`INSERT INTO payments (entry_id, contract, payer, payee, amount, date, reference)
			VALUES ((SELECT max(id) FROM entries), 'deal', 'openai', 'microsoft', 0, '2026-04-01', 'zero')`,
			`new row for relation "payments" violates check constraint "payments_amount_check"`},
	}
	for _, tc := range tests {
		t.Run(tc.sql, func(t *testing.T) {
			_, err := conn.Exec(ctx, tc.sql)
			wantRefused(t, err, tc.msg)
		})
	}
	var n int
	if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM statements WHERE contract = 'deal' AND period = '2026-01') + (SELECT count(*) FROM payments)`).Scan(&n); err != nil || n != 1+2 {
		t.Errorf("one final statement of deal 2026-01 and the two payments: %d rows, %v", n, err)
	}
}

// VerifyBooksReport (through reports.Verifier) finds what a superuser who
// switches the triggers off changed in the books.
func TestVerifyFindsBooksTampering(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		// prepare reads what the violation names, then returns the edit and the message wanted.
		prepare func(t *testing.T, conn *pgx.Conn) (edit, want string)
	}{
		{"changed booking amount", func(t *testing.T, conn *pgx.Conn) (string, string) {
			var id int64
			var amount string
			if err := conn.QueryRow(ctx, `SELECT entry_id, amount::text FROM bookings WHERE contract = 'deal' ORDER BY entry_id LIMIT 1`).Scan(&id, &amount); err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf(`UPDATE bookings SET amount = amount + 0.01 WHERE entry_id = %d`, id),
				fmt.Sprintf(`bookings entry_id=%d: amount is "%s", expected "%s (from its entry)"`, id, storetest.Dec(amount).Add(storetest.Dec("0.01")), amount)
		}},
		{"changed final statement body", func(t *testing.T, conn *pgx.Conn) (string, string) {
			return `UPDATE statements SET body = replace(body, '"contract_name": "Two-way capped deal"', '"contract_name": "Two-way capped deal!"') WHERE contract = 'deal' AND period = '2026-02'`,
				`statements contract=deal period=2026-02: body is "one that hashes to `
		}},
		{"deleted payment row", func(t *testing.T, conn *pgx.Conn) (string, string) {
			var id int64
			if err := conn.QueryRow(ctx, `SELECT entry_id FROM payments WHERE reference = 'wire-1'`).Scan(&id); err != nil {
				t.Fatal(err)
			}
			return `DELETE FROM payments WHERE reference = 'wire-1'`, fmt.Sprintf("entry %d: payment entry has no payments row", id)
		}},
		{"deleted run", func(t *testing.T, conn *pgx.Conn) (string, string) {
			return `DELETE FROM runs WHERE id = (SELECT max(id) FROM runs)`, "runs: no run started at 2026-05-01T09:"
		}},
		{"changed recoupment", func(t *testing.T, conn *pgx.Conn) (string, string) {
			var id int64
			if err := conn.QueryRow(ctx, `SELECT min(entry_id) FROM recoupments`).Scan(&id); err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf(`UPDATE recoupments SET amount = amount * 2 WHERE entry_id = %d`, id), fmt.Sprintf("entry %d: entry %d does not move ", id, id)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db, conn := openScenario(t)
			verifier := reports.Verifier{Store: db}
			if res, err := verifier.Verify(ctx); err != nil || !res.OK {
				t.Fatalf("before tampering: %+v, %v", res, err)
			}
			edit, want := tc.prepare(t, conn)
			tag, err := conn.Exec(ctx, "SET session_replication_role = replica; "+edit)
			if err != nil {
				t.Fatal(err)
			}
			if tag.RowsAffected() == 0 {
				t.Fatalf("%s changed no row", edit)
			}
			res, err := verifier.Verify(ctx)
			if err != nil || res.OK || !strings.HasPrefix(res.Violation, want) {
				t.Errorf("verify: %+v, %v\nwant a violation %s...", res, err, want)
			}
			var ve *ledger.VerifyError
			if _, err := db.VerifyBooksReport(ctx, reports.VerifyFinalStatements); !errors.As(err, &ve) {
				t.Errorf("VerifyBooksReport: %v, want a *ledger.VerifyError", err)
			}
		})
	}
}
