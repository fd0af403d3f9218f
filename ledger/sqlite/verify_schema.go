package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"

	"github.com/revshare/revshare/internal/migrate"
)

func init() { verifyChecks = append(verifyChecks, verifySchema) }

// A book's guards are its schema: the triggers that keep the journal
// append-only, the periods closed and the derived tables in step with the
// postings, and the tables' constraints. A hand edit such as
// `sqlite3 book.db 'DROP TRIGGER entries_no_update'` leaves every row
// verify reads intact while the book is no longer guarded, so verify
// compares the book's schema with the one this binary's migrations build
// in a new book: every table, index, trigger and view, by name, table and
// SQL (white space folded); an index or view added by hand is let be. Verify reads only books with every migration
// applied, and a migrated book's schema is a new book's: the migrations
// are the same statements, applied in number order.

// schemaObject is one row of sqlite_master.
type schemaObject struct{ kind, name, table, sql string }

func (o schemaObject) Kind() string { return o.kind }

func (o schemaObject) String() string {
	if o.kind == "table" {
		return "table " + o.name
	}
	return o.kind + " " + o.name + " (on " + o.table + ")"
}

// wantSchema is the schema of a new book of this binary: its migrations'
// SQL applied to an empty in-memory database, once per process (their Go
// steps only fill data).
var wantSchema = sync.OnceValues(func() (map[string]schemaObject, error) {
	ms, err := migrations(migrationFS)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	db, err := sql.Open(driverName, ":memory:")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	conn, err := db.Conn(ctx) // one connection: each opens its own memory database
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, createSchemaMigrations); err != nil {
		return nil, err
	}
	for _, m := range ms {
		if _, err := conn.ExecContext(ctx, m.SQL); err != nil {
			return nil, fmt.Errorf("%s: %w", m.Name, err)
		}
	}
	return readSchema(ctx, conn)
})

// readSchema reads the schema objects of q that revshare's migrations
// make (SQLite's own, sqlite_*, left out), keyed by kind and name.
func readSchema(ctx context.Context, q querier) (map[string]schemaObject, error) {
	objs := map[string]schemaObject{}
	err := eachRow(ctx, q, func(row rowScanner) error {
		var o schemaObject
		var text sql.NullString
		if err := row.Scan(&o.kind, &o.name, &o.table, &text); err != nil {
			return err
		}
		o.sql = text.String
		objs[o.kind+" "+o.name] = o
		return nil
	}, `SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite\_%' ESCAPE '\'`)
	return objs, err
}

// verifySchema reports the first object, in kind and name order, that the
// book lacks, has with other SQL, or has beyond a new book's schema (an
// added index or view excepted).
func verifySchema(ctx context.Context, tx *sql.Tx) error {
	want, err := wantSchema()
	if err != nil {
		return err
	}
	got, err := readSchema(ctx, tx)
	if err != nil {
		return err
	}
	if diff := migrate.SchemaDifference(want, got, func(g, w schemaObject) string {
		if g.table != w.table || foldSpace(g.sql) != foldSpace(w.sql) {
			return "is not the one revshare's migrations create (changed outside revshare)"
		}
		return ""
	}); diff != "" {
		return broken(0, "%s", diff)
	}
	return nil
}

// foldSpace turns every run of white space into one space.
func foldSpace(s string) string { return strings.Join(strings.Fields(s), " ") }
