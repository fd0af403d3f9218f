package main

import (
	"strings"
	"testing"

	"github.com/revshare/revshare/ledger/postgres/pgtest"
)

// TestTwoRoles: the two-role setup as a user does it (docs/postgres.md,
// "Two roles"): the owner creates the book and grants the login role
// (revshare grant); the login role runs the commands, including token
// create and revoke; it cannot apply a migration and says who can; the
// owner's revshare migrate does, and grants the login role what it adds.
func TestTwoRoles(t *testing.T) {
	pg.Need(t)
	owner := pg.OwnedSchemaURL(t)
	_, login := pg.Roles(t)
	url := pgtest.WithUser(owner, login)

	_, errOut, err := runCLI(t, "--db", url, "contract", "add", "../../testdata/runs/contract.yaml")
	if want := "revshare: " + url + ": role " + login + " may use no schema of its search_path (none exists, or the role lacks USAGE on it: with the schema owner's URL, revshare --db postgres://OWNER@… grant " + login + ")\n"; err == nil || errOut != want {
		t.Errorf("a write as the login role before grant: %v\ngot  %q\nwant %q", err, errOut, want)
	}
	if got, want := cli(t, owner, "grant", login), "granted "+login+" revshare's commands on "+owner+"\n"; got != want {
		t.Errorf("grant: %q, want %q", got, want)
	}
	if got := cli(t, owner, "grant", login); got != "granted "+login+" revshare's commands on "+owner+"\n" { // again: the same grants
		t.Errorf("grant again: %q", got)
	}
	addRunsFixture(t, url)
	out, errOut, err := runCLI(t, "--db", url, "token", "create", "--role", "auditor", "--name", "audit")
	if err != nil || errOut != "token 1 (auditor) created; it is shown only this once\n" || len(out) < 20 {
		t.Errorf("token create: %v %q %q", err, out, errOut)
	}
	if got := cli(t, url, "token", "revoke", "1"); got != "token 1 revoked\n" {
		t.Errorf("token revoke: %q", got)
	}
	if got := cli(t, url, "verify"); !strings.HasPrefix(got, "ok: ") {
		t.Errorf("verify: %q", got)
	}

	// A migration the book lacks (0080 undone behind revshare's back).
	tamper(t, url, `DELETE FROM schema_migrations WHERE version = 80`)
	if _, err := rawDB(t, url).Exec(`DROP TABLE data_version`); err != nil {
		t.Fatal(err)
	}
	_, errOut, err = runCLI(t, "--db", url, "pay", "--contract", "small", "--payer", "openai", "--payee", "microsoft", "--amount", "1.00", "--date", "2026-02-20")
	if want := "revshare: " + url + ": the book needs migration 0080_data_version.sql, which role " + login + " may not apply (it does not own the schema): run revshare migrate once with the schema owner's URL (revshare --db postgres://OWNER@… migrate), then this command again\n"; err == nil || errOut != want {
		t.Errorf("a write as the login role on a pending migration: %v\ngot  %q\nwant %q", err, errOut, want)
	}
	if got := cli(t, owner, "migrate"); got != owner+" is migrated\n" {
		t.Errorf("migrate: %q", got)
	}
	if got := cli(t, url, "pay", "--contract", "small", "--payer", "openai", "--payee", "microsoft", "--amount", "1.00", "--date", "2026-02-20"); !strings.HasPrefix(got, "payment openai -> microsoft 1.00 USD on 2026-02-20: entry ") {
		t.Errorf("pay after the owner's migrate: %q", got)
	}

	_, errOut, err = runCLI(t, "--db", newSQLite(t), "grant", login)
	if err == nil || !strings.HasSuffix(errOut, " is an SQLite file: roles are PostgreSQL's (--db postgres://OWNER@host/db)\n") {
		t.Errorf("grant on SQLite: %v %q", err, errOut)
	}
}

// TestReaderRoleCLI: an auditor's role as a user sets it up (revshare
// grant --read-only): it prints the same balance and statement as the
// login role and verifies the book; a command that writes is refused
// before it writes anything, naming the role and the cure.
func TestReaderRoleCLI(t *testing.T) {
	pg.Need(t)
	owner := pg.OwnerURL(t)
	_, login := pg.Roles(t)
	reader := pg.Reader(t)
	app, audit := pgtest.WithUser(owner, login), pgtest.WithUser(owner, reader)
	addRunsFixture(t, app)
	cli(t, app, "run", "--through", "2026-02")

	if got, want := cli(t, owner, "grant", "--read-only", reader), "granted "+reader+" read-only access on "+owner+"\n"; got != want {
		t.Errorf("grant --read-only: %q, want %q", got, want)
	}
	for _, args := range [][]string{{"balance"}, {"statement", "small", "2026-02"}, {"import", "list"}} {
		if got, want := cli(t, audit, args...), cli(t, app, args...); got != want {
			t.Errorf("%s as the reader:\n%s\nas the login role:\n%s", strings.Join(args, " "), got, want)
		}
	}
	if got := cli(t, audit, "verify"); !strings.HasPrefix(got, "ok: ") {
		t.Errorf("verify as the reader: %q", got)
	}

	before := cli(t, app, "import", "list")
	_, errOut, err := runCLI(t, "--db", audit, "import", "usage", "../../testdata/runs/late.csv")
	want := "revshare: " + audit + ": role " + reader + " may only read this book (it was granted with revshare grant --read-only): this command writes; run it as a role granted without --read-only (serve --read-only serves the book to auditors)\n"
	if err == nil || errOut != want {
		t.Errorf("import as the reader: %v\ngot  %q\nwant %q", err, errOut, want)
	}
	if after := cli(t, app, "import", "list"); after != before {
		t.Errorf("the refused import changed the imports:\n%s\nwas\n%s", after, before)
	}
}
