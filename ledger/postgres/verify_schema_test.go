package postgres_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/postgres"
	"github.com/revshare/revshare/ledger/postgres/pgtest"
	"github.com/revshare/revshare/ledger/storetest"
)

var updateSchema = flag.Bool("update-schema", false, "rewrite expected_schema.txt from a book the migrations build")

// TestExpectedSchema: expected_schema.txt, what verify compares a book's
// schema with, is what this binary's migrations create in an empty schema
// (on this server's PostgreSQL).
func TestExpectedSchema(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, nil)
	var version int
	if err := db.Pool().QueryRow(ctx, `SELECT current_setting('server_version_num')::int / 10000`).Scan(&version); err != nil {
		t.Fatal(err)
	}
	header := fmt.Sprintf(`# What revshare's PostgreSQL migrations create in an empty schema, as PostgreSQL %d
# words it: revshare verify compares a book's schema with it (verify_schema.go). Written by
# go test ./ledger/postgres -run TestExpectedSchema -update-schema
`, version)
	got, err := postgres.SchemaFile(ctx, db, header)
	if err != nil {
		t.Fatal(err)
	}
	if *updateSchema {
		if err := os.WriteFile("expected_schema.txt", []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	objects := func(file string) map[string]string {
		m := map[string]string{}
		for _, o := range strings.Split(file, "\n@ ")[1:] {
			m[strings.SplitN(o, "\n", 2)[0]] = o
		}
		return m
	}
	want, have := objects(postgres.ExpectedSchemaFile), objects(got)
	for k, o := range have {
		if want[k] != o {
			t.Errorf("a new book's %q differs from expected_schema.txt's:\n@ %s\nwant\n@ %s", k, o, want[k])
		}
	}
	for k := range want {
		if _, ok := have[k]; !ok {
			t.Errorf("a new book lacks %q of expected_schema.txt", k)
		}
	}
	if t.Failed() {
		t.Log("after a migration: go test ./ledger/postgres -run TestExpectedSchema -update-schema")
	}
}

// TestVerifySchema: verify compares the book's schema with what the
// migrations create, so a guard switched off, removed, replaced or added
// by its owner is named even when every row is intact; an untouched book
// passes, and so does one with an index or view a DBA added. The book is
// a login role's (docs/postgres.md, "Two roles"); the tampering is its
// owner's or a superuser's.
func TestVerifySchema(t *testing.T) {
	_, login := pg.Roles(t)
	const changed = "is not the one revshare's migrations create (changed outside revshare"
	for _, tc := range []struct{ name, sql, want string }{
		{"untouched", ``, ``},
		{"trigger disabled", `ALTER TABLE entries DISABLE TRIGGER entries_seal`,
			`schema: the book's trigger entries_seal (on entries) is disabled (switched off outside revshare)`},
		{"trigger for replicas only", `ALTER TABLE postings ENABLE REPLICA TRIGGER postings_sealed`,
			`schema: the book's trigger postings_sealed (on postings) fires only for replication (switched off outside revshare)`},
		{"foreign key's triggers disabled", `ALTER TABLE import_rejects DISABLE TRIGGER ALL`,
			`schema: the book's constraint import_rejects_batch_id_fkey (on import_rejects) is disabled (switched off outside revshare)`},
		{"trigger dropped", `DROP TRIGGER entries_immutable ON entries`,
			`schema: the book lacks trigger entries_immutable (on entries), which revshare's migrations create (removed outside revshare)`},
		{"trigger replaced", `DROP TRIGGER entries_immutable ON entries;
			CREATE TRIGGER entries_immutable BEFORE DELETE ON entries FOR EACH STATEMENT EXECUTE FUNCTION revshare_refuse('entries are immutable')`,
			`schema: the book's trigger entries_immutable (on entries) ` + changed + `)`},
		{"trigger added", `CREATE TRIGGER aa_extra BEFORE INSERT ON postings FOR EACH ROW EXECUTE FUNCTION revshare_refuse('x')`,
			`schema: the book has trigger aa_extra (on postings), which revshare's migrations do not create (added outside revshare)`},
		{"guard function's body replaced", `CREATE OR REPLACE FUNCTION revshare_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$`,
			`schema: the book's function revshare_refuse() ` + changed + `: its body)`},
		{"definer made an invoker", `ALTER FUNCTION revshare_entries_seal() SECURITY INVOKER`,
			`schema: the book's function revshare_entries_seal() ` + changed + `: its security is invoker)`},
		{"definer's search_path changed", `ALTER FUNCTION revshare_balance_flush() SET search_path = public, pg_temp`,
			`schema: the book's function revshare_balance_flush() ` + changed + `: its configuration is search_path=public, pg_temp)`},
		{"definer given to another role", `ALTER FUNCTION revshare_entries_pending() OWNER TO ` + login,
			`schema: the book's function revshare_entries_pending() ` + changed + `: its definer is role ` + login + `)`},
		{"PUBLIC may call a definer's helper", `GRANT EXECUTE ON FUNCTION revshare_versions_add(bigint, bigint) TO PUBLIC`,
			`schema: the book's function revshare_versions_add(bigint, bigint) ` + changed + `: its PUBLIC's EXECUTE is granted)`},
		{"function added", `CREATE FUNCTION revshare_spy() RETURNS int LANGUAGE sql AS 'SELECT 1'`,
			`schema: the book has function revshare_spy(), which revshare's migrations do not create (added outside revshare)`},
		{"check dropped", `ALTER TABLE postings DROP CONSTRAINT postings_amount_check`,
			`schema: the book lacks constraint postings_amount_check (on postings), which revshare's migrations create (removed outside revshare)`},
		{"check weakened", `ALTER TABLE postings DROP CONSTRAINT postings_amount_check;
			ALTER TABLE postings ADD CONSTRAINT postings_amount_check CHECK (scale(amount) <= 18) NOT VALID`,
			`schema: the book's constraint postings_amount_check (on postings) ` + changed + `)`},
		{"foreign key dropped", `ALTER TABLE import_rejects DROP CONSTRAINT import_rejects_batch_id_fkey`,
			`schema: the book lacks constraint import_rejects_batch_id_fkey (on import_rejects), which revshare's migrations create (removed outside revshare)`},
		{"unique key dropped", `ALTER TABLE entries DROP CONSTRAINT entries_source_external_id_key`,
			`schema: the book lacks constraint entries_source_external_id_key (on entries), which revshare's migrations create (removed outside revshare)`},
		{"not null dropped", `ALTER TABLE entries ALTER COLUMN description DROP NOT NULL`,
			`schema: the book's column description (on entries) ` + changed + `: its nullability is nullable)`},
		{"rule added", `CREATE RULE entries_skip AS ON INSERT TO entries DO INSTEAD NOTHING`,
			`schema: the book has rule entries_skip (on entries), which revshare's migrations do not create (added outside revshare)`},
		{"policy added", `CREATE POLICY early ON entries USING (id < 2)`,
			`schema: the book has policy early (on entries), which revshare's migrations do not create (added outside revshare)`},
		{"row security on", `ALTER TABLE entries ENABLE ROW LEVEL SECURITY`,
			`schema: the book's table entries ` + changed + `: its row security is on)`},
		{"index dropped", `DROP INDEX entries_date`,
			`schema: the book lacks index entries_date (on entries), which revshare's migrations create (removed outside revshare)`},
		{"table added", `CREATE TABLE notes (x text)`,
			`schema: the book has table notes, which revshare's migrations do not create (added outside revshare)`},
		{"index and view added", `CREATE INDEX my_entries_desc ON entries (description); CREATE VIEW my_sales AS SELECT * FROM entries`, ``},
	} {
		t.Run(tc.name, func(t *testing.T) { checkSchemaTamper(t, tc.sql, tc.want) })
	}
}

// checkSchemaTamper posts an entry to a login role's new book, runs sql on
// it as a superuser, and checks that verify finds want ("": passes).
func checkSchemaTamper(t *testing.T, sql, want string) {
	t.Helper()
	ctx := context.Background()
	u := pg.LoginURL(t)
	db := openURL(t, u, storetest.NewClock(storetest.T0))
	if _, err := db.Post(ctx, []ledger.Entry{storetest.Sale("1", "2026-01-10", "10", "USD")}); err != nil {
		t.Fatal(err)
	}
	if sql != "" {
		tamper(t, pg.ServerURL(u), sql)
	}
	res, err := db.Verify(ctx)
	if want == "" {
		if err != nil || res.Entries != 1 {
			t.Errorf("verify: %+v %v", res, err)
		}
		return
	}
	if want := "verify: " + want; err == nil || err.Error() != want || ledger.ErrorCode(err) != ledger.EINVALID {
		t.Errorf("%v\nwant %s", err, want)
	}
}

// TestVerifySchemaOtherMajor: on a server of another major version than
// the one that wrote expected_schema.txt, the server's wording of a
// definition is not compared (it may differ for an untouched book), and
// the guards are still compared in the catalog's terms: a trigger switched
// off, one that fires on other events or only under a condition, a check
// that no longer holds for the stored rows.
func TestVerifySchemaOtherMajor(t *testing.T) {
	postgres.WithExpectedMajor(t, 99)
	const changed = "is not the one revshare's migrations create (changed outside revshare"
	for _, tc := range []struct{ name, sql, want string }{
		{"untouched", ``, ``},
		{"trigger disabled", `ALTER TABLE entries DISABLE TRIGGER entries_seal`,
			`schema: the book's trigger entries_seal (on entries) is disabled (switched off outside revshare)`},
		{"trigger on other events", `DROP TRIGGER entries_immutable ON entries;
			CREATE TRIGGER entries_immutable BEFORE DELETE ON entries FOR EACH STATEMENT EXECUTE FUNCTION revshare_refuse('entries are immutable: post a correcting entry instead')`,
			`schema: the book's trigger entries_immutable (on entries) ` + changed + `: its firing is before delete, for each statement)`},
		{"trigger under a condition", `DROP TRIGGER period_closes_forward ON period_closes;
			CREATE TRIGGER period_closes_forward BEFORE INSERT ON period_closes FOR EACH ROW WHEN (false) EXECUTE FUNCTION revshare_closes_forward()`,
			`schema: the book's trigger period_closes_forward (on period_closes) ` + changed + `: its firing is before insert, for each row, when a condition holds)`},
		{"check weakened", `ALTER TABLE postings DROP CONSTRAINT postings_amount_check;
			ALTER TABLE postings ADD CONSTRAINT postings_amount_check CHECK (scale(amount) <= 18) NOT VALID`,
			`schema: the book's constraint postings_amount_check (on postings) ` + changed + `: its validated is false)`},
		{"check moved to another column", `ALTER TABLE postings DROP CONSTRAINT postings_amount_check;
			ALTER TABLE postings ADD CONSTRAINT postings_amount_check CHECK (seq >= 0)`,
			`schema: the book's constraint postings_amount_check (on postings) ` + changed + `: its columns is seq)`},
	} {
		t.Run(tc.name, func(t *testing.T) { checkSchemaTamper(t, tc.sql, tc.want) })
	}
}

// TestVerifySchemaAsReader: an auditor's role (revshare grant --read-only),
// which may create nothing, compares the schema too, through the same
// read-only verify.
func TestVerifySchemaAsReader(t *testing.T) {
	ctx := context.Background()
	ownerURL := pg.OwnerURL(t)
	reader := pg.Reader(t)
	owner := openURL(t, ownerURL, storetest.NewClock(storetest.T0))
	if err := owner.GrantLogin(ctx, reader, postgres.ReadAccess); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Post(ctx, []ledger.Entry{storetest.Sale("1", "2026-01-10", "10", "USD")}); err != nil {
		t.Fatal(err)
	}
	ro, err := postgres.OpenReadOnly(ctx, pgtest.WithUser(ownerURL, reader))
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if res, err := ro.Verify(ctx); err != nil || res.Entries != 1 {
		t.Errorf("verify as the reader: %+v %v", res, err)
	}
	tamper(t, pg.ServerURL(ownerURL), `ALTER TABLE entries ENABLE ROW LEVEL SECURITY; CREATE POLICY none ON entries USING (false)`)
	want := `verify: schema: the book's table entries is not the one revshare's migrations create (changed outside revshare: its row security is on)`
	if _, err := ro.Verify(ctx); err == nil || err.Error() != want {
		t.Errorf("verify as the reader, entries hidden from it: %v\nwant %s", err, want)
	}
}

// TestVerifySchemaUpgraded: a book migrated by an earlier revshare, at
// each migration, and then by this one has the schema of a new book.
func TestVerifySchemaUpgraded(t *testing.T) {
	ctx := context.Background()
	files, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files[:len(files)-1] {
		var v int
		if _, err := fmt.Sscanf(f.Name(), "%04d_", &v); err != nil {
			t.Fatal(err)
		}
		t.Run(f.Name(), func(t *testing.T) {
			u := schemaURL(t)
			if err := postgres.MigrateThrough(ctx, u, v); err != nil {
				t.Fatal(err)
			}
			db := openURL(t, u, storetest.NewClock(storetest.T0))
			if _, err := db.Post(ctx, []ledger.Entry{storetest.Sale("1", "2026-01-10", "10", "USD")}); err != nil {
				t.Fatal(err)
			}
			if res, err := db.Verify(ctx); err != nil || res.Entries != 1 {
				t.Errorf("verify: %+v %v", res, err)
			}
		})
	}
}
