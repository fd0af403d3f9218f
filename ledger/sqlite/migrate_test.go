package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/revshare/revshare/ledger"
)

func appliedMigrations(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT name FROM schema_migrations ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		names = append(names, n)
	}
	return names
}

func TestMigrateEmbedded(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db")
	db, err := Open(ctx, path, ledger.SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	ms, _ := migrations(migrationFS)
	var want []string
	for _, m := range ms {
		want = append(want, m.Name)
	}
	if want[0] != "0001_ledger.sql" {
		t.Errorf("first migration %s", want[0])
	}
	if got := appliedMigrations(t, db.r); !reflect.DeepEqual(got, want) {
		t.Errorf("applied %v, want %v", got, want)
	}
	db.Close()
	// Reopening applies nothing again.
	db, err = Open(ctx, path, ledger.SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := appliedMigrations(t, db.r); !reflect.DeepEqual(got, want) {
		t.Errorf("after reopen %v, want %v", got, want)
	}
}

// TestMigrateOrderAndFailure runs the runner over a test file system: files
// are applied in name order, each once; a failing migration is rolled back
// whole and not recorded, and the ones before it stay.
func TestMigrateOrderAndFailure(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t, ledger.SystemClock{})
	fsys := fstest.MapFS{
		"migrations/9002_b.sql": {Data: []byte(`INSERT INTO t VALUES ('b');`)},
		"migrations/9001_a.sql": {Data: []byte(`CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('a');`)},
	}
	// The embedded ones, applied by Open (a recorded migration missing
	// from the file system would be a newer schema).
	embedded, _ := migrations(migrationFS)
	for _, m := range embedded {
		fsys["migrations/"+m.Name] = &fstest.MapFile{Data: []byte(m.SQL)}
	}
	if err := db.migrate(ctx, fsys); err != nil {
		t.Fatal(err)
	}
	fsys["migrations/9003_bad.sql"] = &fstest.MapFile{Data: []byte(`INSERT INTO t VALUES ('c'); INSERT INTO nowhere VALUES (1);`)}
	err := db.migrate(ctx, fsys)
	if err == nil || !strings.HasPrefix(err.Error(), "9003_bad.sql: no such table: nowhere") {
		t.Errorf("bad migration: %v", err)
	}
	var vals []string
	rows, _ := db.r.Query(`SELECT v FROM t ORDER BY rowid`)
	for rows.Next() {
		var v string
		rows.Scan(&v)
		vals = append(vals, v)
	}
	rows.Close()
	if !reflect.DeepEqual(vals, []string{"a", "b"}) {
		t.Errorf("rows %v, want [a b] (9003 rolled back)", vals)
	}
	got := appliedMigrations(t, db.r)
	if got[len(got)-1] != "9002_b.sql" {
		t.Errorf("applied %v", got)
	}
	fsys["migrations/x_bad_name.sql"] = &fstest.MapFile{Data: []byte(``)}
	if _, err := migrations(fsys); err == nil || err.Error() != "migration x_bad_name.sql: name must be NNNN_name.sql" {
		t.Errorf("bad name: %v", err)
	}
}

// TestNewerSchemaRefused: a database that records a migration this binary
// does not know (a newer revshare migrated it) is refused by Open and
// OpenReadOnly, naming the migrations it lacks; before, it was used as if
// known. Numbers have gaps, so the one it lacks may be below its highest
// (0063, where this binary has 0062 and 0066): the message named this
// binary's highest beside it, as if the book were the older one.
func TestNewerSchemaRefused(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db")
	db, err := Open(ctx, path, ledger.SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if ms, _ := migrations(migrationFS); ms[len(ms)-1].Version <= 63 || slices.ContainsFunc(ms, func(m migration) bool { return m.Version == 63 }) {
		t.Fatalf("this test needs a gap at 0063 below the highest migration, %s", ms[len(ms)-1].Name)
	}
	for _, c := range []struct{ add, want string }{
		{"0063_from_a_newer_revshare.sql",
			"the database's schema is newer than this revshare: it has 1 migration this binary does not know (0063_from_a_newer_revshare.sql): use a newer revshare"},
		{"9999_future.sql",
			"the database's schema is newer than this revshare: it has 2 migrations this binary does not know (0063_from_a_newer_revshare.sql, 9999_future.sql): use a newer revshare"},
	} {
		if _, err := db.w.Exec(`INSERT INTO schema_migrations (name, applied_at) VALUES (?, '2030-01-01T00:00:00.000000000Z')`, c.add); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(ctx, path, nil); err == nil || err.Error() != c.want || ledger.ErrorCode(err) != ledger.EINVALID {
			t.Errorf("Open: %v\nwant %s", err, c.want)
		}
		if _, err := OpenReadOnly(ctx, path); err == nil || err.Error() != c.want {
			t.Errorf("OpenReadOnly: %v\nwant %s", err, c.want)
		}
	}
}
