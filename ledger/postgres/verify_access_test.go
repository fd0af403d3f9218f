package postgres_test

import (
	"context"
	neturl "net/url"
	"strings"
	"testing"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/postgres"
	"github.com/revshare/revshare/ledger/postgres/pgtest"
	"github.com/revshare/revshare/ledger/storetest"
)

// TestVerifyAccess: verify names a grant that lets someone write the book
// beyond what revshare grant gave (to its login role, its auditor's
// read-only role, another role or PUBLIC; on a table, a column, a sequence
// or the schema), and a granted role since made a superuser, a member of
// the owner, or, read-only, a member of a role that writes; an untouched
// book passes, and so do reads granted outside revshare and a grant
// revoked. Each edit is a superuser's,
// undone after its case (the roles are the whole run's).
func TestVerifyAccess(t *testing.T) {
	ctx := context.Background()
	owner, login := pg.Roles(t)
	reader := pg.Reader(t)
	const outside = ", which revshare did not grant (granted outside revshare)"
	readOnly := "role " + reader + " (granted by revshare grant --read-only)"
	writer := "role " + login + " (granted by revshare grant)"
	for _, tc := range []struct{ name, sql, undo, want string }{
		{"untouched", ``, ``, ``},
		{"a grant revoked", `REVOKE SELECT ON contracts FROM {reader}`, `GRANT SELECT ON contracts TO {reader}`, ``},
		{"the reader may insert", `GRANT INSERT ON entries TO {reader}`, `REVOKE INSERT ON entries FROM {reader}`,
			readOnly + ` holds INSERT on table entries` + outside},
		{"the reader may update a column", `GRANT UPDATE (status) ON import_batches TO {reader}`, `REVOKE UPDATE (status) ON import_batches FROM {reader}`,
			readOnly + ` holds UPDATE on column import_batches.status` + outside},
		{"the login role may update the journal", `GRANT UPDATE ON postings TO {login}`, `REVOKE UPDATE ON postings FROM {login}`,
			writer + ` holds UPDATE on table postings` + outside},
		{"the login role may update another column", `GRANT UPDATE (access) ON login_roles TO {login}`, `REVOKE UPDATE (access) ON login_roles FROM {login}`,
			writer + ` holds UPDATE on column login_roles.access` + outside},
		{"a reporting role may read", `GRANT SELECT ON entries, postings TO {owner}_x`, `REVOKE SELECT ON entries, postings FROM {owner}_x`, ``},
		{"PUBLIC may look up the schema", `GRANT USAGE ON SCHEMA {schema} TO PUBLIC`, `REVOKE USAGE ON SCHEMA {schema} FROM PUBLIC`, ``},
		{"the login role may pass a read on", `GRANT SELECT ON entries TO {login} WITH GRANT OPTION`, `REVOKE GRANT OPTION FOR SELECT ON entries FROM {login}`, ``},
		{"the login role may pass a write on", `GRANT INSERT ON entries TO {login} WITH GRANT OPTION`, `REVOKE GRANT OPTION FOR INSERT ON entries FROM {login}`,
			writer + ` holds INSERT WITH GRANT OPTION on table entries` + outside},
		{"another role may add triggers", `GRANT TRIGGER ON entries TO {owner}_x`, `REVOKE TRIGGER ON entries FROM {owner}_x`,
			`role {owner}_x holds TRIGGER on table entries` + outside},
		{"the login role may truncate", `GRANT TRUNCATE ON statements TO {login}`, `REVOKE TRUNCATE ON statements FROM {login}`,
			writer + ` holds TRUNCATE on table statements` + outside},
		{"PUBLIC may delete", `GRANT DELETE ON payments TO PUBLIC`, `REVOKE DELETE ON payments FROM PUBLIC`,
			`every role (PUBLIC) holds DELETE on table payments` + outside},
		{"another role may use a sequence", `GRANT USAGE ON SEQUENCE runs_id_seq TO {owner}_x`, `REVOKE USAGE ON SEQUENCE runs_id_seq FROM {owner}_x`,
			`role {owner}_x holds USAGE on sequence runs_id_seq` + outside},
		{"the login role may create in the schema", `GRANT CREATE ON SCHEMA {schema} TO {login}`, `REVOKE CREATE ON SCHEMA {schema} FROM {login}`,
			writer + ` holds CREATE on schema {schema}` + outside},
		{"the reader made a superuser", `ALTER ROLE {reader} SUPERUSER`, `ALTER ROLE {reader} NOSUPERUSER`,
			readOnly + ` is a superuser (made so outside revshare): it could switch the triggers off`},
		{"the login role made a member of the owner", `GRANT {owner} TO {login}`, `REVOKE {owner} FROM {login}`,
			writer + ` is a member of the book's owner {owner} (made so outside revshare): it could switch the triggers off`},
		{"the reader made a member of the login role", `GRANT {login} TO {reader}`, `REVOKE {login} FROM {reader}`,
			readOnly + ` may write table accounts through a role it is a member of or PUBLIC (granted outside revshare)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := pg.LoginURL(t)
			names := strings.NewReplacer("{owner}", owner, "{login}", login, "{reader}", reader, "{schema}", schemaOf(t, u))
			db := openURL(t, u, storetest.NewClock(storetest.T0))
			if _, err := db.Post(ctx, []ledger.Entry{storetest.Sale("1", "2026-01-10", "10", "USD")}); err != nil {
				t.Fatal(err)
			}
			ownerDB := openURL(t, pgtest.WithUser(u, owner), nil)
			if err := ownerDB.GrantLogin(ctx, reader, postgres.ReadAccess); err != nil {
				t.Fatal(err)
			}
			server := pg.ServerURL(u)
			if tc.sql != "" {
				if strings.Contains(tc.sql, "{owner}_x") {
					tamper(t, server, names.Replace(`CREATE ROLE {owner}_x`))
					t.Cleanup(func() { tamper(t, server, names.Replace(`DROP OWNED BY {owner}_x; DROP ROLE {owner}_x`)) })
				}
				tamper(t, server, names.Replace(tc.sql))
				t.Cleanup(func() { tamper(t, server, names.Replace(tc.undo)) })
			}
			res, err := db.Verify(ctx)
			if tc.want == "" {
				if err != nil || res.Entries != 1 {
					t.Errorf("verify: %+v %v", res, err)
				}
				return
			}
			if want := "verify: access: " + names.Replace(tc.want); err == nil || err.Error() != want || ledger.ErrorCode(err) != ledger.EINVALID {
				t.Errorf("%v\nwant %s", err, want)
			}
		})
	}
}

// TestVerifyAccessPublicSchema: a book in a database's public schema, as
// the demo and a first user make it (one role, nothing granted), verifies:
// PUBLIC's default USAGE on that schema, and a DBA's SELECT for a
// reporting role, are not writes; PUBLIC's INSERT is.
func TestVerifyAccessPublicSchema(t *testing.T) {
	ctx := context.Background()
	pg.Need(t)
	pu, err := neturl.Parse(pg.URL)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(pu.Path, "/") + "_public" // beside the run's database, dropped with the test
	conn := connect(t, pg.URL)
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Exec(context.Background(), `DROP DATABASE `+name+` WITH (FORCE)`) })
	pu.Path = "/" + name
	u := pu.String()
	db := openURL(t, u, storetest.NewClock(storetest.T0))
	if _, err := db.Post(ctx, []ledger.Entry{storetest.Sale("1", "2026-01-10", "10", "USD")}); err != nil {
		t.Fatal(err)
	}
	if res, err := db.Verify(ctx); err != nil || res.Entries != 1 {
		t.Fatalf("verify of an untouched book in schema public: %+v %v", res, err)
	}
	tamper(t, u, `GRANT SELECT ON entries TO PUBLIC`)
	if res, err := db.Verify(ctx); err != nil || res.Entries != 1 {
		t.Errorf("verify with SELECT granted to PUBLIC: %+v %v", res, err)
	}
	tamper(t, u, `GRANT INSERT ON entries TO PUBLIC`)
	want := `verify: access: every role (PUBLIC) holds INSERT on table entries, which revshare did not grant (granted outside revshare)`
	if _, err := db.Verify(ctx); err == nil || err.Error() != want {
		t.Errorf("verify with INSERT granted to PUBLIC: %v\nwant %s", err, want)
	}
}
