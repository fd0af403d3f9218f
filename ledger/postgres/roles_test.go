package postgres_test

import (
	"context"
	"errors"
	neturl "net/url"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/postgres"
	"github.com/revshare/revshare/ledger/postgres/pgtest"
	"github.com/revshare/revshare/ledger/storetest"
)

// Two roles (migration 0095, roles.go): the schema's owner migrates and
// grants; the login role runs revshare with only what the commands need.

// TestStoreAsLogin runs the whole shared suite (journal, events, imports,
// tokens, contracts, books) as the login role: every write the services do
// is allowed by loginGrants, and the triggers that keep the derived tables
// run as their owner.
func TestStoreAsLogin(t *testing.T) {
	needServer(t)
	storetest.RunAll(t, func(t *testing.T, clock ledger.Clock) storetest.Backend {
		return openURL(t, pg.LoginURL(t), clock)
	})
}

// wantDenied checks that err is PostgreSQL's refusal with SQLSTATE code
// and message msg.
func wantDenied(t *testing.T, what string, err error, code, msg string) {
	t.Helper()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		t.Errorf("%s: error %v, want PostgreSQL's %s %q", what, err, code, msg)
		return
	}
	if pe.Code != code || pe.Message != msg {
		t.Errorf("%s: refused with %s %q, want %s %q", what, pe.Code, pe.Message, code, msg)
	}
}

// TestLoginRoleRefused: revshare's own credentials cannot change or remove
// the journal's rows, switch a trigger off or drop one, truncate, or write
// the derived tables; each is refused by PostgreSQL's privileges
// (insufficient_privilege, 42501), before any trigger runs. The writes the
// commands need pass.
func TestLoginRoleRefused(t *testing.T) {
	ctx := context.Background()
	u := pg.LoginURL(t)
	db := openURL(t, u, storetest.NewClock(storetest.T0))
	if _, err := db.Post(ctx, []ledger.Entry{storetest.Sale("1", "2026-01-10", "10", "USD"), storetest.Sale("2", "2026-02-10", "5", "USD")}); err != nil {
		t.Fatal(err)
	}
	if err := db.ClosePeriods(ctx, storetest.D("2026-01-31")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.CreateToken(ctx, "ops", "admin"); err != nil {
		t.Fatal(err)
	}
	conn := connect(t, u)
	schema := schemaOf(t, u)

	denied := func(table string) string { return "permission denied for table " + table }
	for _, tc := range []struct{ sql, code, msg string }{
		{`UPDATE entries SET description = 'x'`, "42501", denied("entries")},
		{`DELETE FROM entries WHERE id = 2`, "42501", denied("entries")},
		{`UPDATE postings SET amount = 11 WHERE entry_id = 1 AND seq = 1`, "42501", denied("postings")},
		{`DELETE FROM postings`, "42501", denied("postings")},
		{`UPDATE accounts SET name = 'assets:x'`, "42501", denied("accounts")},
		{`DELETE FROM period_closes`, "42501", denied("period_closes")},
		{`UPDATE events SET amount = 0`, "42501", denied("events")},
		{`DELETE FROM payments`, "42501", denied("payments")},
		{`DELETE FROM statements`, "42501", denied("statements")},
		{`UPDATE api_tokens SET role = 'auditor'`, "42501", denied("api_tokens")},
		{`UPDATE import_batches SET source = 'x'`, "42501", denied("import_batches")},
		{`DELETE FROM api_tokens`, "42501", denied("api_tokens")},
		{`TRUNCATE entries`, "42501", denied("entries")},
		{`TRUNCATE postings, entries`, "42501", denied("postings")},
		{`TRUNCATE period_closes`, "42501", denied("period_closes")},
		{`TRUNCATE balance_totals`, "42501", denied("balance_totals")},
		{`ALTER TABLE entries DISABLE TRIGGER entries_immutable`, "42501", "must be owner of table entries"},
		{`ALTER TABLE postings DISABLE TRIGGER ALL`, "42501", "must be owner of table postings"},
		{`ALTER TABLE entries DISABLE TRIGGER USER`, "42501", "must be owner of table entries"},
		{`DROP TRIGGER entries_seal ON entries`, "42501", "must be owner of relation entries"},
		{`DROP TRIGGER period_closes_immutable ON period_closes`, "42501", "must be owner of relation period_closes"},
		{`DROP TABLE entries`, "42501", "must be owner of table entries"},
		{`ALTER FUNCTION revshare_entries_seal() SECURITY INVOKER`, "42501", "must be owner of function revshare_entries_seal"},
		{`CREATE OR REPLACE FUNCTION revshare_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$`, "42501", "permission denied for schema " + schema},
		{`CREATE TABLE x (a int)`, "42501", "permission denied for schema " + schema},
		{`SET session_replication_role = replica`, "42501", `permission denied to set parameter "session_replication_role"`},
		{`SELECT revshare_versions_add(1, 2)`, "42501", "permission denied for function revshare_versions_add"},
		{`INSERT INTO balance_totals VALUES (1, 'USD', 1)`, "42501", denied("balance_totals")},
		{`UPDATE balance_totals SET amount = 0`, "42501", denied("balance_totals")},
		{`INSERT INTO daily_totals VALUES (1, 'USD', '2026-03-01', 1)`, "42501", denied("daily_totals")},
		{`UPDATE monthly_totals SET amount = 0`, "42501", denied("monthly_totals")},
		{`INSERT INTO balance_marks VALUES (1, 'USD', 2, 1)`, "42501", denied("balance_marks")},
		{`DELETE FROM balance_versions`, "42501", denied("balance_versions")},
		{`INSERT INTO balance_spans VALUES (1, 'USD', 2, '2026-01-01', '2026-01-01')`, "42501", denied("balance_spans")},
		{`INSERT INTO balance_pending VALUES (1, 2)`, "42501", denied("balance_pending")},
		{`UPDATE journal_head SET entry_id = 1`, "42501", denied("journal_head")},
		{`DELETE FROM login_roles`, "42501", denied("login_roles")},
		{`DELETE FROM schema_migrations`, "42501", denied("schema_migrations")},
	} {
		_, err := conn.Exec(ctx, tc.sql)
		wantDenied(t, tc.sql, err, tc.code, tc.msg)
	}

	// What the commands need passes, and the triggers still rule it.
	if _, err := conn.Exec(ctx, `UPDATE data_version SET n = n + 1`); err != nil {
		t.Errorf("the data version: %v", err)
	}
	_, err := conn.Exec(ctx, `UPDATE api_tokens SET revoked_at = now() WHERE id = 1`)
	if err != nil {
		t.Errorf("a revocation: %v", err)
	}
	_, err = conn.Exec(ctx, `UPDATE api_tokens SET revoked_at = now() WHERE id = 1`)
	wantDenied(t, "a second revocation", err, "23000", "api token 1: a token can only be revoked, once")
	if res, err := db.Verify(ctx); err != nil || res.Entries != 2 {
		t.Errorf("verify: %+v %v", res, err)
	}
}

// TestDefinerFunctions: the triggers that write the derived tables run as
// their owner with a fixed search_path (the book's schema, then pg_temp);
// the as-of view's function stays an invoker's without SET, so that the
// planner inlines it into the view (no Function Scan in the login role's
// plan).
func TestDefinerFunctions(t *testing.T) {
	ctx := context.Background()
	u := pg.LoginURL(t)
	conn := connect(t, u)
	schema := schemaOf(t, u)
	rows, err := conn.Query(ctx, `SELECT p.proname, p.prosecdef, coalesce(array_to_string(p.proconfig, ';'), '')
		FROM pg_proc p WHERE p.pronamespace = current_schema()::regnamespace AND (p.prosecdef OR p.proname = 'revshare_balances_as_of')
		ORDER BY p.proname COLLATE "C"`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var name, config string
		var definer bool
		if err := rows.Scan(&name, &definer, &config); err != nil {
			t.Fatal(err)
		}
		got = append(got, strings.Join([]string{name, map[bool]string{true: "definer", false: "invoker"}[definer], config}, " "))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	path := "search_path=" + schema + ", pg_temp"
	want := []string{
		"revshare_balance_flush definer " + path,
		"revshare_balances_as_of invoker ",
		"revshare_entries_pending definer " + path,
		"revshare_entries_seal definer " + path,
		"revshare_postings_flush definer " + path,
		"revshare_postings_sealed definer " + path,
	}
	if !slices.Equal(got, want) {
		t.Errorf("functions:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var plan string
	if err := conn.QueryRow(ctx, `EXPLAIN (FORMAT TEXT) SELECT * FROM revshare_balances_as_of('2026-01-31')`).Scan(&plan); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plan, "Function Scan") {
		t.Errorf("revshare_balances_as_of is not inlined: %s", plan)
	}
}

// TestLoginGrantsEveryTable: loginGrants names exactly the tables of a
// book (a new table must say what the login role may do there).
func TestLoginGrantsEveryTable(t *testing.T) {
	ctx := context.Background()
	conn := connect(t, pg.LoginURL(t))
	rows, err := conn.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename COLLATE "C"`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if want := postgres.LoginGrantTables(); !slices.Equal(tables, want) {
		t.Errorf("the book's tables:\n%v\nloginGrants:\n%v", tables, want)
	}
}

// TestGrantRefuses: grant refuses a role that could switch the triggers
// off, and one that does not exist; granting again makes the privileges
// exactly loginGrants (what the owner added by hand is revoked).
func TestGrantRefuses(t *testing.T) {
	ctx := context.Background()
	ownerURL := pg.OwnerURL(t)
	owner, login := pg.Roles(t)
	db := openURL(t, ownerURL, nil)
	server := pgtest.User(pg.URL)
	for _, tc := range []struct{ role, want string }{
		{server, `grant: role "` + server + `" is a superuser: it could switch the triggers off (grant to a role without SUPERUSER)`},
		{owner, `grant: role "` + owner + `" is the owner of the book's tables, "` + owner + `", or a member of it: it could switch the triggers off (grant to a role that is not)`},
		{"no_such_role_x", `grant: role "no_such_role_x" does not exist (create it first: CREATE ROLE "no_such_role_x" LOGIN)`},
		{"", `grant: want a role name`},
		{`x"; DROP TABLE entries; --`, `grant: role "x\"; DROP TABLE entries; --" does not exist (create it first: CREATE ROLE "x""; DROP TABLE entries; --" LOGIN)`},
	} {
		if err := db.GrantLogin(ctx, tc.role, postgres.WriteAccess); err == nil || err.Error() != tc.want {
			t.Errorf("grant %s: %v, want %s", tc.role, err, tc.want)
		}
	}
	oc := connect(t, ownerURL)
	// Nothing was granted or recorded, and the journal is whole.
	var recorded, entries int
	if err := oc.QueryRow(ctx, `SELECT (SELECT count(*) FROM login_roles WHERE role <> $1), (SELECT count(*) FROM entries)`, login).Scan(&recorded, &entries); err != nil || recorded != 0 {
		t.Fatalf("after the refused grants: %d other login roles recorded (want 0), %v", recorded, err)
	}
	if _, err := oc.Exec(ctx, `GRANT UPDATE, DELETE ON entries TO `+login); err != nil {
		t.Fatal(err)
	}
	if err := db.GrantLogin(ctx, login, postgres.WriteAccess); err != nil {
		t.Fatal(err)
	}
	var privs string
	if err := oc.QueryRow(ctx, `SELECT string_agg(privilege_type, ',' ORDER BY privilege_type) FROM information_schema.role_table_grants
		WHERE table_schema = current_schema() AND table_name = 'entries' AND grantee = $1`, login).Scan(&privs); err != nil {
		t.Fatal(err)
	}
	if privs != "INSERT,SELECT" {
		t.Errorf("the login role's privileges on entries after grant: %s, want INSERT,SELECT", privs)
	}
}

// TestLoginMeetsPendingMigration: the login role cannot migrate, and says
// what to do; a migration the owner applies later is granted to the login
// roles.
func TestLoginMeetsPendingMigration(t *testing.T) {
	ctx := context.Background()
	ownerURL := pg.OwnerURL(t)
	_, login := pg.Roles(t)
	loginURL := pgtest.WithUser(ownerURL, login)
	red := postgres.Redact(loginURL)

	// Migration 0080 undone behind revshare's back: the login role cannot
	// apply it again.
	tamper(t, pg.ServerURL(ownerURL), `DROP TABLE data_version; DELETE FROM schema_migrations WHERE version = 80`)
	_, err := postgres.Open(ctx, loginURL, nil)
	want := red + `: the book needs migration 0080_data_version.sql, which role ` + login + ` may not apply (it does not own the schema): run revshare migrate once with the schema owner's URL (revshare --db postgres://OWNER@… migrate), then this command again`
	if err == nil || err.Error() != want {
		t.Fatalf("login role on a pending migration: %v\nwant %s", err, want)
	}
	if _, err := postgres.OpenReadOnly(ctx, loginURL); err == nil || !strings.HasSuffix(err.Error(), "migration 0080_data_version.sql not applied (apply it with revshare migrate, as the schema's owner)") {
		t.Errorf("read-only: %v", err)
	}
	// The owner applies it; the new table is granted to the login role,
	// whose next write moves the data version.
	openURL(t, ownerURL, nil).Close()
	db := openURL(t, loginURL, storetest.NewClock(storetest.T0))
	if _, err := db.Post(ctx, []ledger.Entry{storetest.Sale("1", "2026-01-10", "10", "USD")}); err != nil {
		t.Fatalf("a post after the owner's migration: %v", err)
	}
	if v, err := db.DataVersion(ctx); err != nil || v != 1 {
		t.Errorf("data version %d %v, want 1", v, err)
	}

	// A book the role was not granted.
	oc := connect(t, ownerURL)
	if _, err := oc.Exec(ctx, `REVOKE ALL ON schema_migrations FROM `+login); err != nil {
		t.Fatal(err)
	}
	_, err = postgres.Open(ctx, loginURL, nil)
	if want := red + `: role ` + login + ` may not read the book in schema ` + schemaOf(t, loginURL) + `: grant it with the schema owner's URL (revshare --db postgres://OWNER@… grant ` + login + `)`; err == nil || err.Error() != want {
		t.Errorf("login role not granted: %v\nwant %s", err, want)
	}
	_, err = postgres.OpenReadOnly(ctx, loginURL)
	if want := red + `: the connection's role may not read the book (with the schema owner's URL: revshare grant ROLE)`; err == nil || err.Error() != want {
		t.Errorf("login role not granted, read-only: %v\nwant %s", err, want)
	}

	// A schema the role may not use, then one without a book.
	empty := pgtest.WithUser(pg.SchemaURL(t), login)
	red = postgres.Redact(empty)
	schema := schemaOf(t, empty)
	_, err = postgres.Open(ctx, empty, nil)
	if want := red + `: role ` + login + ` may use no schema of its search_path (none exists, or the role lacks USAGE on it: with the schema owner's URL, revshare --db postgres://OWNER@… grant ` + login + `)`; err == nil || err.Error() != want {
		t.Errorf("login role on a schema it may not use: %v\nwant %s", err, want)
	}
	tamper(t, pg.ServerURL(empty), `GRANT USAGE ON SCHEMA `+schema+` TO `+login)
	_, err = postgres.Open(ctx, empty, nil)
	if want := red + ` holds no revshare book and role ` + login + ` may not create one in schema ` + schema + `: create it with the schema owner's URL (revshare --db postgres://OWNER@… grant ` + login + `)`; err == nil || err.Error() != want {
		t.Errorf("login role on an empty schema: %v\nwant %s", err, want)
	}
}

// schemaOf is the search_path of the book URL u.
func schemaOf(t *testing.T, u string) string {
	t.Helper()
	p, err := neturl.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return p.Query().Get("search_path")
}

// TestReaderRole: a role granted read-only (revshare grant --read-only)
// reads and verifies the book, may write no table of it, and is refused
// before any write when revshare opens the book for writing; the owner's
// later migrations grant it SELECT only; granting again switches it; a
// role that could still write through a role it belongs to is not called
// read-only.
func TestReaderRole(t *testing.T) {
	ctx := context.Background()
	ownerURL := pg.OwnerURL(t)
	_, login := pg.Roles(t)
	reader := pg.Reader(t)
	readerURL := pgtest.WithUser(ownerURL, reader)
	owner := openURL(t, ownerURL, nil)
	if err := owner.GrantLogin(ctx, reader, postgres.ReadAccess); err != nil {
		t.Fatal(err)
	}
	app := openURL(t, pgtest.WithUser(ownerURL, login), storetest.NewClock(storetest.T0))
	if _, err := app.Post(ctx, []ledger.Entry{storetest.Sale("1", "2026-01-10", "10", "USD")}); err != nil {
		t.Fatal(err)
	}

	ro, err := postgres.OpenReadOnly(ctx, readerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if res, err := ro.Verify(ctx); err != nil || res.Entries != 1 {
		t.Errorf("verify as the reader: %+v %v", res, err)
	}
	if bals, err := ro.TrialBalance(ctx, ledger.BalanceQuery{}); err != nil || len(bals) != 2 {
		t.Errorf("trial balance as the reader: %+v %v", bals, err)
	}

	_, err = postgres.Open(ctx, readerURL, nil)
	want := postgres.Redact(readerURL) + `: role ` + reader + ` may only read this book (it was granted with revshare grant --read-only): this command writes; run it as a role granted without --read-only (serve --read-only serves the book to auditors)`
	if err == nil || err.Error() != want {
		t.Errorf("opening for writing as the reader: %v\nwant %s", err, want)
	}

	conn := connect(t, readerURL)
	denied := func(table string) string { return "permission denied for table " + table }
	for _, tc := range []struct{ sql, table string }{
		{`INSERT INTO accounts (name) VALUES ('assets:x')`, "accounts"},
		{`INSERT INTO entries (id) VALUES (99)`, "entries"},
		{`INSERT INTO events (id) VALUES (99)`, "events"},
		{`INSERT INTO period_closes (through) VALUES ('2026-01-31')`, "period_closes"},
		{`INSERT INTO api_tokens (id) VALUES (99)`, "api_tokens"},
		{`UPDATE api_tokens SET revoked_at = now()`, "api_tokens"},
		{`UPDATE import_batches SET status = 'done'`, "import_batches"},
		{`UPDATE data_version SET n = n + 1`, "data_version"},
		{`DELETE FROM login_roles`, "login_roles"},
		{`TRUNCATE statements`, "statements"},
	} {
		_, err := conn.Exec(ctx, tc.sql)
		wantDenied(t, tc.sql, err, "42501", denied(tc.table))
	}

	// Migration 0080 undone behind revshare's back and applied again by
	// the owner: the reader may read the new table and not write it.
	tamper(t, pg.ServerURL(ownerURL), `DROP TABLE data_version; DELETE FROM schema_migrations WHERE version = 80`)
	openURL(t, ownerURL, nil).Close()
	var n int64
	if err := conn.QueryRow(ctx, `SELECT n FROM data_version`).Scan(&n); err != nil {
		t.Errorf("the reader reads a table a later migration added: %v", err)
	}
	_, err = conn.Exec(ctx, `UPDATE data_version SET n = n + 1`)
	wantDenied(t, "a write to a table a later migration added", err, "42501", denied("data_version"))

	// A read-only role that belongs to the login role could write through
	// it: refused, and its record and grants are left as they were.
	oc := connect(t, pg.ServerURL(ownerURL))
	if _, err := oc.Exec(ctx, `GRANT `+login+` TO `+reader); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { oc.Exec(ctx, `REVOKE `+login+` FROM `+reader) })
	err = owner.GrantLogin(ctx, reader, postgres.ReadAccess)
	want = `grant: role "` + reader + `" would not be read-only: it may still write table accounts through a role it is a member of or PUBLIC (revoke that first)`
	if err == nil || err.Error() != want {
		t.Errorf("a reader belonging to the login role: %v\nwant %s", err, want)
	}
	if _, err := oc.Exec(ctx, `REVOKE `+login+` FROM `+reader); err != nil {
		t.Fatal(err)
	}

	// Granted again without --read-only, it writes; granted read-only
	// once more, it is back to SELECT only.
	access := func() string {
		var a string
		if err := oc.QueryRow(ctx, `SELECT access FROM login_roles WHERE role = $1`, reader).Scan(&a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	if a := access(); a != "read" {
		t.Errorf("recorded access after the refused grant: %s, want read", a)
	}
	if err := owner.GrantLogin(ctx, reader, postgres.WriteAccess); err != nil {
		t.Fatal(err)
	}
	rw := openURL(t, readerURL, storetest.NewClock(storetest.T0))
	if _, err := rw.Post(ctx, []ledger.Entry{storetest.Sale("2", "2026-01-11", "5", "USD")}); err != nil {
		t.Errorf("a post once granted without --read-only: %v", err)
	}
	if err := owner.GrantLogin(ctx, reader, postgres.ReadAccess); err != nil {
		t.Fatal(err)
	}
	if a := access(); a != "read" {
		t.Errorf("recorded access: %s, want read", a)
	}
	_, err = conn.Exec(ctx, `INSERT INTO entries (id) VALUES (99)`)
	wantDenied(t, "an insert after the grant back to read-only", err, "42501", denied("entries"))
}
