package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"reflect"
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
// OpenReadOnly, naming both versions; before, it was used as if known.
func TestNewerSchemaRefused(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db")
	db, err := Open(ctx, path, ledger.SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.w.Exec(`INSERT INTO schema_migrations (name, applied_at) VALUES ('9999_future.sql', '2030-01-01T00:00:00.000000000Z')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	ms, _ := migrations(migrationFS)
	want := "the database's schema is newer than this revshare: it has migration 9999_future.sql, this binary knows migrations up to " + ms[len(ms)-1].Name + " (use a newer revshare)"
	if _, err := Open(ctx, path, nil); err == nil || !strings.HasSuffix(err.Error(), want) || ledger.ErrorCode(err) != ledger.EINVALID {
		t.Errorf("Open: %v\nwant ...%s", err, want)
	}
	if _, err := OpenReadOnly(ctx, path); err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("OpenReadOnly: %v\nwant ...%s", err, want)
	}
}
