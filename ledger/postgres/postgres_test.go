package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/postgres"
	"github.com/revshare/revshare/ledger/storetest"
)

// The tests run against the server at $REVSHARE_TEST_POSTGRES (by default
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable), in a
// database of their own, revshare_test_<random>, created for the run and
// dropped after it; each journal a test opens is a fresh schema in it.
// Without a server they skip, except under CI=true, where they fail
// (.ci/run starts one).

const defaultServer = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

var (
	testDB     string // URL of the run's database ("" when there is no server)
	noServer   error  // why there is none
	nextSchema atomic.Int64
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if url := os.Getenv(killURLEnv); url != "" {
		// A child of TestImportKilled: it works in its parent's database,
		// and is killed before it could drop one of its own.
		testDB = url
		return m.Run()
	}
	server := os.Getenv("REVSHARE_TEST_POSTGRES")
	if server == "" {
		server = defaultServer
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		noServer = fmt.Errorf("no PostgreSQL at %s: %w", server, err)
		return m.Run()
	}
	var b [6]byte
	rand.Read(b[:])
	name := "revshare_test_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		noServer = fmt.Errorf("create database %s: %w", name, err)
		conn.Close(ctx)
		return m.Run()
	}
	u, err := url.Parse(server)
	if err != nil {
		panic(err)
	}
	u.Path = "/" + name
	testDB = u.String()
	code := m.Run()
	dctx, dcancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer dcancel()
	if _, err := conn.Exec(dctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
		fmt.Fprintf(os.Stderr, "drop database %s: %v\n", name, err)
		code = 1
	}
	conn.Close(dctx)
	return code
}

// needServer skips t without a server, or fails it under CI.
func needServer(t testing.TB) {
	t.Helper()
	if testDB != "" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true and %v (set REVSHARE_TEST_POSTGRES)", noServer)
	}
	t.Skipf("%v (set REVSHARE_TEST_POSTGRES to run these tests)", noServer)
}

// schemaURL creates a fresh schema in the run's database and returns the
// database URL with search_path set to it.
func schemaURL(t testing.TB) string {
	t.Helper()
	needServer(t)
	schema := fmt.Sprintf("j%d", nextSchema.Add(1))
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, testDB)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	// Dropped when the test ends (after the book opened in it is closed:
	// cleanups run last first), so that the run's database stays small and
	// dropping it at the end stays quick.
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, testDB)
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, _ := url.Parse(testDB)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
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

func TestJournal(t *testing.T) {
	needServer(t)
	storetest.RunJournal(t, func(t *testing.T, clock ledger.Clock) ledger.Journal {
		return openDB(t, clock)
	})
}

func TestEventStore(t *testing.T) {
	needServer(t)
	storetest.RunEvents(t, func(t *testing.T, clock ledger.Clock) storetest.EventBackend { return openDB(t, clock) })
}

func TestImportStore(t *testing.T) {
	needServer(t)
	storetest.RunImports(t, func(t *testing.T, clock ledger.Clock) storetest.ImportBackend { return openDB(t, clock) })
}

func TestTokenStore(t *testing.T) {
	needServer(t)
	storetest.RunTokens(t, func(t *testing.T, clock ledger.Clock) ledger.TokenStore { return openDB(t, clock) })
}

func TestContractStore(t *testing.T) {
	needServer(t)
	storetest.RunContracts(t, func(t *testing.T, clock ledger.Clock) contracts.ContractStore { return openDB(t, clock) })
}

func TestBooks(t *testing.T) {
	needServer(t)
	storetest.RunBooks(t, func(t *testing.T, clock ledger.Clock) storetest.BooksBackend {
		db := openDB(t, clock)
		return storetest.BooksBackend{Books: db.Books(), Contracts: db}
	})
}
