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
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/revshare/revshare/ledger/postgres"
)

// DefaultServer is the server without $REVSHARE_TEST_POSTGRES.
const DefaultServer = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Database is the run's database.
type Database struct {
	URL      string // "" when there is no server
	noServer error  // why there is none
	drop     func() error
	schemas  atomic.Int64

	name      string // the run's database, revshare_test_<random>
	rolesOnce sync.Once
	rolesErr  error
	owner     string // the run's roles (Roles, Reader), created on first use
	login     string
	reader    string
	dropRoles func() error
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
	if db.dropRoles != nil {
		if err := db.dropRoles(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
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
	db.name = name
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
	return db.schemaURL(t, "")
}

// schemaURL is SchemaURL with the schema owned by owner ("": the server's
// role).
func (db *Database) schemaURL(t testing.TB, owner string) string {
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
	create := "CREATE SCHEMA " + schema
	if owner != "" {
		create += " AUTHORIZATION " + pgx.Identifier{owner}.Sanitize()
	}
	if err := exec(create); err != nil {
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

// Roles returns the run's two roles, created on first use and dropped
// after the run (roles belong to the whole server, so their names carry
// the run's database name): owner, which owns the schemas of LoginURL,
// and login, which revshare grants (docs/postgres.md, "Two roles").
func (db *Database) Roles(t testing.TB) (owner, login string) {
	t.Helper()
	db.Need(t)
	db.rolesOnce.Do(func() { db.rolesErr = db.createRoles() })
	if db.rolesErr != nil {
		t.Fatal(db.rolesErr)
	}
	return db.owner, db.login
}

// Reader returns the run's third role, for tests to grant read-only
// (revshare grant --read-only); created and dropped with the other two.
func (db *Database) Reader(t testing.TB) string {
	t.Helper()
	db.Roles(t)
	return db.reader
}

func (db *Database) createRoles() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, db.URL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	owner, login, reader := db.name+"_owner", db.name+"_login", db.name+"_reader"
	for _, r := range []string{owner, login, reader} {
		if _, err := conn.Exec(ctx, "CREATE ROLE "+r+" LOGIN"); err != nil {
			return fmt.Errorf("create role %s: %w", r, err)
		}
	}
	server := db.URL
	db.owner, db.login, db.reader = owner, login, reader
	db.dropRoles = func() error {
		// After the run's database is dropped: nothing of theirs is left.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		u, _ := url.Parse(server)
		u.Path = "/postgres"
		conn, err := pgx.Connect(ctx, u.String())
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		for _, r := range []string{reader, login, owner} {
			if _, err := conn.Exec(ctx, "DROP ROLE IF EXISTS "+r); err != nil {
				return fmt.Errorf("drop role %s: %w", r, err)
			}
		}
		return nil
	}
	return nil
}

// WithUser returns rawURL with its user replaced by user.
func WithUser(rawURL, user string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		panic(err)
	}
	u.User = url.User(user)
	return u.String()
}

// User is the user of rawURL.
func User(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.User == nil {
		return ""
	}
	return u.User.Username()
}

// OwnedSchemaURL creates a fresh, empty schema owned by the run's owner
// role and returns its URL as that role.
func (db *Database) OwnedSchemaURL(t testing.TB) string {
	t.Helper()
	owner, _ := db.Roles(t)
	return WithUser(db.schemaURL(t, owner), owner)
}

// OwnerURL creates a fresh schema owned by the run's owner role and returns
// its URL as that role, with revshare's book in it and the run's login
// role granted (revshare grant): the URL a user migrates with.
func (db *Database) OwnerURL(t testing.TB) string {
	t.Helper()
	_, login := db.Roles(t)
	u := db.OwnedSchemaURL(t)
	ctx := context.Background()
	book, err := postgres.Open(ctx, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer book.Close()
	if err := book.GrantLogin(ctx, login, postgres.WriteAccess); err != nil {
		t.Fatal(err)
	}
	return u
}

// LoginURL creates a fresh book as OwnerURL does and returns its URL as
// the run's login role: revshare's daily commands with only the
// privileges they need.
func (db *Database) LoginURL(t testing.TB) string {
	t.Helper()
	_, login := db.Roles(t)
	return WithUser(db.OwnerURL(t), login)
}

// ServerURL is rawURL (a book of the run's database) as the server's role
// of $REVSHARE_TEST_POSTGRES (a superuser): for tests that work behind
// revshare's back.
func (db *Database) ServerURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		panic(err)
	}
	s, _ := url.Parse(db.URL)
	u.User = s.User
	return u.String()
}
