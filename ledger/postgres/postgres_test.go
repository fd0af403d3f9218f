package postgres_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/postgres"
	"github.com/revshare/revshare/ledger/postgres/pgtest"
	"github.com/revshare/revshare/ledger/storetest"
)

// The tests run against the server at $REVSHARE_TEST_POSTGRES (by default
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable), in a
// database of their own, revshare_test_<random>, created for the run and
// dropped after it; each journal a test opens is a fresh schema in it.
// Without a server they skip, except under CI=true, where they fail
// (.ci/run starts one).

// pg is the run's database.
var pg pgtest.Database

func TestMain(m *testing.M) {
	if url := os.Getenv(killURLEnv); url != "" {
		// A child of TestImportKilled: it works in its parent's database,
		// and is killed before it could drop one of its own.
		pg.Use(url)
		os.Exit(m.Run())
	}
	os.Exit(pgtest.Run(m, &pg))
}

// needServer skips t without a server, or fails it under CI.
func needServer(t testing.TB) {
	t.Helper()
	pg.Need(t)
}

// schemaURL creates a fresh schema in the run's database and returns the
// database URL with search_path set to it.
func schemaURL(t testing.TB) string {
	t.Helper()
	return pg.SchemaURL(t)
}

// openDB opens an empty journal in a schema of its own.
func openDB(t testing.TB, clock ledger.Clock) *postgres.DB {
	t.Helper()
	return openURL(t, schemaURL(t), clock)
}

// openURL opens the book at url (a schema of the run's database).
func openURL(t testing.TB, url string, clock ledger.Clock) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), url, clock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestStore runs the shared suite of every storage service (storetest).
func TestStore(t *testing.T) {
	needServer(t)
	storetest.RunAll(t, func(t *testing.T, clock ledger.Clock) storetest.Backend { return openDB(t, clock) })
}

// tamper runs sql on the book at url with its triggers off (a superuser,
// session_replication_role = replica): an edit past every guard of the
// schema, for verify to find.
func tamper(t *testing.T, url, sql string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "SET session_replication_role = replica; "+sql); err != nil {
		t.Fatal(err)
	}
}

// connect opens a plain connection to the book at url, past revshare,
// closed when the test ends.
func connect(t testing.TB, url string) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	return conn
}

// reapplyMigration closes db and undoes migration version of the book at
// url behind revshare's back (undo drops what it made; its record goes
// too), opens the book again, which applies it anew to the rows already
// posted, then runs redo (what the later migrations did to what version
// makes again: verify compares the schema with the migrations'), and
// checks that verify then passes over entries.
func reapplyMigration(t *testing.T, db *postgres.DB, url string, clock ledger.Clock, version int, undo, redo string, entries int64) *postgres.DB {
	t.Helper()
	db.Close()
	tamper(t, url, fmt.Sprintf("%s; DELETE FROM schema_migrations WHERE version = %d", undo, version))
	db = openURL(t, url, clock)
	if redo != "" {
		tamper(t, url, redo)
	}
	if res, err := db.Verify(context.Background()); err != nil || res.Entries != entries {
		t.Fatalf("verify after %04d: %+v %v", version, res, err)
	}
	return db
}

// revshare's connections run without JIT unless the URL asks for it
// (postgres.go, connect).
func TestJITOffUnlessAsked(t *testing.T) {
	needServer(t)
	url := schemaURL(t)
	for _, tc := range []struct{ url, want string }{
		{url, "off"},
		{url + "&jit=on", "on"},
	} {
		db := openURL(t, tc.url, storetest.NewClock(storetest.T0))
		got, err := postgres.Setting(db, "jit")
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("%s: jit = %q, want %q", tc.url, got, tc.want)
		}
	}
}
