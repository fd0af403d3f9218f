package postgres_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/postgres"
)

// The binary COPY of events writes numbers and dates by hand: the server
// reads each as it reads the same value written as text, scale included.
func TestCopyBinaryNumbersAndDates(t *testing.T) {
	needServer(t)
	nums := []string{"0", "0.00", "-0.00", "1", "-1", "10.50", "-10.50", "9999", "10000", "12345.6", "0.05", "0.00001",
		"-0.000000000000000001", "123456789012345678.123456789012345678", "100000000", "0.0001", "1.0000", "007.10",
		"99999999.99999999", "5000.00005"}
	dates := []ledger.Date{{Year: 2000, Month: 1, Day: 1}, {Year: 1999, Month: 12, Day: 31}, {Year: 2026, Month: 3, Day: 1},
		{Year: 1, Month: 1, Day: 1}, {Year: 9999, Month: 12, Day: 31}, {Year: 1970, Month: 1, Day: 1}, {Year: 2024, Month: 2, Day: 29}}
	data, err := postgres.CopyBinaryRows(nums, dates)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn := copyBinaryInto(t, `bin (n numeric, d date, i serial)`, `bin (n, d)`, data)
	for i, n := range nums {
		var got, gotDate string
		var same bool
		if err := conn.QueryRow(ctx, `SELECT n::text, d::text, n = $2::text::numeric AND scale(n) = scale($2::text::numeric)
			FROM bin WHERE i = $1`, i+1, n).Scan(&got, &gotDate, &same); err != nil {
			t.Fatal(err)
		}
		var want string
		if err := conn.QueryRow(ctx, `SELECT $1::text::numeric::text`, n).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if got != want || !same {
			t.Errorf("%q: stored as %s, want %s", n, got, want)
		}
		if d := dates[i%len(dates)].String(); gotDate != d {
			t.Errorf("date %s stored as %s", d, gotDate)
		}
	}
	for _, bad := range []string{"", "-", "1.", ".5", "1e3", "+1", "1.2.3", "١"} {
		if _, err := postgres.CopyBinaryRows([]string{bad}, dates); err == nil {
			t.Errorf("%q: encoded, want an error", bad)
		}
	}
}

// Metadata goes as jsonb written by hand: the server stores the object
// json.Marshal would give.
func TestCopyBinaryObjects(t *testing.T) {
	needServer(t)
	ms := []map[string]string{
		{"note": "n1"},
		{"b": "2", "a": "1", "c": ""},
		{"quote\"d": "back\\slash", "tab": "a\tb\nc\r\x01", "html": "<a href=\"x\">&amp;</a>"},
		{"ünï": "çødé ✓ 😀", "del": "\x7f"},
		{"": "empty key"},
	}
	data, err := postgres.CopyBinaryObjects(ms)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn := copyBinaryInto(t, `obj (m jsonb, i serial)`, `obj (m)`, data)
	for i, m := range ms {
		want, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var got string
		var same bool
		if err := conn.QueryRow(ctx, `SELECT m::text, m = $2::text::jsonb FROM obj WHERE i = $1`, i+1, string(want)).Scan(&got, &same); err != nil {
			t.Fatal(err)
		}
		if !same {
			t.Errorf("%v: stored %s, want %s", m, got, want)
		}
	}
}

// copyBinaryInto creates table (its definition) in a fresh schema and
// copies data, in COPY's binary format, into columns (table and column
// list); the connection is closed at the test's end.
func copyBinaryInto(t *testing.T, table, columns string, data []byte) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	conn := connect(t, schemaURL(t))
	if _, err := conn.Exec(ctx, `CREATE TABLE `+table); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.PgConn().CopyFrom(ctx, bytes.NewReader(data), `COPY `+columns+` FROM STDIN (FORMAT binary)`); err != nil {
		t.Fatal(err)
	}
	return conn
}
