package main

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql's "pgx" driver

	"github.com/revshare/revshare/ledger/sqlite/sqlitetest"
)

// What the crash and tamper tests do behind revshare's back, on a book of
// either backend (db is what --db takes: a path or a postgres:// URL):
// read stored rows, dump them, switch the guards off and change them, and
// make fresh copies of a book.

// rawDB opens the book at db for plain SQL, on one connection (closed when
// the test ends).
func rawDB(t *testing.T, db string) *sql.DB {
	t.Helper()
	driver := "sqlite3"
	if onServer(db) {
		// As the server's role, whoever the book's URL logs in as.
		driver, db = "pgx", pg.ServerURL(db)
	}
	raw, err := sql.Open(driver, db)
	if err != nil {
		t.Fatal(err)
	}
	raw.SetMaxOpenConns(1)
	t.Cleanup(func() { raw.Close() })
	return raw
}

// rawRows returns every row of q on the book at db, each rendered as fmt's
// %v of its values (sqlitetest.Rows: database/sql, whichever the driver).
func rawRows(t *testing.T, db, q string) []string {
	t.Helper()
	raw := rawDB(t, db)
	defer raw.Close()
	return sqlitetest.Rows(t, raw, q)
}

// dumpDB renders every row of every table, so that two dumps of one book
// are equal exactly when it holds the same data.
func dumpDB(t *testing.T, db string) string {
	t.Helper()
	raw := rawDB(t, db)
	defer raw.Close()
	tables, rows := `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`, `SELECT * FROM "%s"`
	if onServer(db) {
		tables = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`
		rows = `SELECT t::text FROM "%s" t`
	}
	var b strings.Builder
	for _, tbl := range sqlitetest.Strings(t, raw, tables) {
		lines := sqlitetest.Rows(t, raw, fmt.Sprintf(rows, tbl))
		sort.Strings(lines)
		fmt.Fprintf(&b, "%s (%d rows)\n%s\n", tbl, len(lines), strings.Join(lines, "\n"))
	}
	return b.String()
}

// tamper runs each statement on the book at db with its guards off, as
// someone with the rights of the database's owner could: on SQLite with
// the triggers dropped (and put back after), on PostgreSQL as a superuser with the triggers
// switched off for the session (session_replication_role = replica; they
// stay in place for everyone else). A statement that changes no row fails
// the test: a tamper that misses would pass as "verify found nothing".
func tamper(t *testing.T, db string, stmts ...string) {
	t.Helper()
	raw := rawDB(t, db)
	defer raw.Close()
	off := `SET session_replication_role = replica`
	if !onServer(db) {
		defer sqlitetest.DropTriggers(t, raw)()
		off = `PRAGMA ignore_check_constraints = ON`
	}
	if _, err := raw.Exec(off); err != nil {
		t.Fatal(err)
	}
	for _, s := range stmts {
		res, err := raw.Exec(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			t.Fatalf("%s changed no row (%v)", s, err)
		}
	}
}

// bookCopies builds a book with build and returns a function that gives a
// fresh copy of it for each use. On SQLite the book is built once and its
// file copied; a PostgreSQL schema cannot be copied, so each copy is a new
// schema built by build again (the same commands: the same book, but for
// the instants when build runs real processes).
func bookCopies(t *testing.T, newDB newDB, build func(db string)) func(t *testing.T) string {
	t.Helper()
	base := newDB(t)
	if onServer(base) {
		built := false
		return func(t *testing.T) string {
			t.Helper()
			if !built { // the first copy is the first build
				built = true
				build(base)
				return base
			}
			db := newDB(t)
			build(db)
			return db
		}
	}
	build(base)
	return func(t *testing.T) string {
		t.Helper()
		db := newDB(t)
		copyDB(t, base, db)
		return db
	}
}

// bookAt opens the book at db read-only as the commands do (either
// backend), closed when the test ends.
func bookAt(t *testing.T, db string) book {
	t.Helper()
	m := NewMain()
	m.DBPath = db
	b, err := m.openBook(context.Background(), readOnly)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}
