// Package pgtest gives tests a throwaway PostgreSQL database: one per test
// run, revshare_test_<random>, created on the server at
// $REVSHARE_TEST_POSTGRES (by default DefaultServer) and dropped after the
// run, with a fresh schema per book. Without a server the tests that need
// one skip, except under CI=true, where they fail (.ci/run starts one).
package pgtest

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
)

// DefaultServer is the server without $REVSHARE_TEST_POSTGRES.
const DefaultServer = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Database is the run's database.
type Database struct {
	URL      string // "" when there is no server
	noServer error  // why there is none
	drop     func() error
	schemas  atomic.Int64
}

// Run creates the run's database, runs the tests and drops it; its result
// is the exit code. A run that needs no server still runs its tests.
func Run(m *testing.M, db *Database) int {
	server := os.Getenv("REVSHARE_TEST_POSTGRES")
	if server == "" {
		server = DefaultServer
	}
	if err := db.create(server); err != nil {
		db.noServer = err
		return m.Run()
	}
	code := m.Run()
	if err := db.drop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	return code
}

// Use makes db the database at url, created by another process (which
// drops it).
func (db *Database) Use(url string) { db.URL = url }

func (db *Database) create(server string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		return fmt.Errorf("no PostgreSQL at %s: %w", server, err)
	}
	var b [6]byte
	rand.Read(b[:])
	name := "revshare_test_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		conn.Close(ctx)
		return fmt.Errorf("create database %s: %w", name, err)
	}
	u, err := url.Parse(server)
	if err != nil {
		return err
	}
	u.Path = "/" + name
	db.URL = u.String()
	db.drop = func() error {
		// Two minutes: a loaded machine needs more than 30 s at times.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("drop database %s: %w", name, err)
		}
		return nil
	}
	return nil
}

// Need skips t without a server, or fails it under CI.
func (db *Database) Need(t testing.TB) {
	t.Helper()
	if db.URL != "" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true and %v (set REVSHARE_TEST_POSTGRES)", db.noServer)
	}
	t.Skipf("%v (set REVSHARE_TEST_POSTGRES to run these tests)", db.noServer)
}

// SchemaURL creates a fresh schema in the run's database and returns the
// database URL with search_path set to it. The schema is dropped when the
// test ends (after the book opened in it is closed: cleanups run last
// first), so that the run's database stays small and dropping it at the
// end stays quick.
func (db *Database) SchemaURL(t testing.TB) string {
	t.Helper()
	db.Need(t)
	schema := fmt.Sprintf("j%d", db.schemas.Add(1))
	ctx := context.Background()
	exec := func(sql string) error {
		conn, err := pgx.Connect(ctx, db.URL)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, _ := url.Parse(db.URL)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
