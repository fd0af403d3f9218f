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
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

// Rows returns every row of q rendered as fmt's %v of its values
// ("[1 openai 12.50]"), one string a row, in the order q gives.
func Rows(t testing.TB, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		out = append(out, fmt.Sprintf("%v", vals))
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

// DropTriggers drops the triggers on the named tables, or every trigger
// when no table is named: the schema's guards against updating or deleting
// stored rows.
func DropTriggers(t testing.TB, db *sql.DB, tables ...string) {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'trigger'`
	var args []any
	if len(tables) > 0 {
		q += ` AND tbl_name IN (?` + strings.Repeat(", ?", len(tables)-1) + `)`
		for _, tbl := range tables {
			args = append(args, tbl)
		}
	}
	for _, name := range Strings(t, db, q, args...) {
		if _, err := db.Exec(`DROP TRIGGER "` + name + `"`); err != nil {
			t.Fatal(err)
		}
	}
}
