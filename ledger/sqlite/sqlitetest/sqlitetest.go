// Package sqlitetest holds what tests do to a SQLite book file behind the
// storage layer's back: read rows as text, and drop the triggers that guard
// stored rows so that a test can tamper with them as a hand edit or a
// broken tool would. Only tests import it.
package sqlitetest

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
)

// Strings returns the first column of every row of q, as text.
func Strings(t testing.TB, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	var out []string
	eachRow(t, db, q, args, func(rows *sql.Rows) error {
		var s string
		err := rows.Scan(&s)
		out = append(out, s)
		return err
	})
	return out
}

// Rows returns every row of q rendered as fmt's %v of its values
// ("[1 openai 12.50]"), one string a row, in the order q gives.
func Rows(t testing.TB, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	var out []string
	eachRow(t, db, q, args, func(rows *sql.Rows) error {
		cols, err := rows.Columns()
		if err != nil {
			return err
		}
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		err = rows.Scan(ptrs...)
		out = append(out, fmt.Sprintf("%v", vals))
		return err
	})
	return out
}

// eachRow runs q and calls scan for each of its rows, failing the test on
// any error.
func eachRow(t testing.TB, db *sql.DB, q string, args []any, scan func(*sql.Rows) error) {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// DropTriggers drops the triggers on the named tables, or every trigger
// when no table is named: the schema's guards against updating or deleting
// stored rows. restore creates them again as they were (verify names a
// guard that is missing, ledger/sqlite/verify_schema.go).
func DropTriggers(t testing.TB, db *sql.DB, tables ...string) (restore func()) {
	t.Helper()
	q := `SELECT name, sql FROM sqlite_master WHERE type = 'trigger'`
	var args []any
	if len(tables) > 0 {
		q += ` AND tbl_name IN (?` + strings.Repeat(", ?", len(tables)-1) + `)`
		for _, tbl := range tables {
			args = append(args, tbl)
		}
	}
	rows, err := db.Query(q+` ORDER BY name`, args...)
	if err != nil {
		t.Fatal(err)
	}
	var names, sqls []string
	for rows.Next() {
		var name, text string
		if err := rows.Scan(&name, &text); err != nil {
			t.Fatal(err)
		}
		names, sqls = append(names, name), append(sqls, text)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		if _, err := db.Exec(`DROP TRIGGER "` + name + `"`); err != nil {
			t.Fatal(err)
		}
	}
	return func() {
		t.Helper()
		for _, text := range sqls {
			if _, err := db.Exec(text); err != nil {
				t.Fatal(err)
			}
		}
	}
}
