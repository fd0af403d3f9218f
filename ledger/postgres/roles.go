package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/revshare/revshare/ledger"
)

// Two roles (migration 0095, docs/postgres.md "Two roles"): the owner of
// the book's schema runs the migrations and owns the tables and their
// triggers; revshare's login role gets what the commands need and nothing
// more, so that its credentials cannot switch a trigger off, drop one,
// truncate a table or write a derived table.

// loginGrants is what a login role may do on each table of a book: every
// table is listed (a migration that adds one must say what the login role
// may do there; GrantLogin refuses a table it does not know). SELECT
// everywhere; INSERT on the facts; UPDATE only of a running import batch's
// counters and status, of a token's revocation, and of the data version
// (column privileges); the derived tables are written by the triggers
// (SECURITY DEFINER, 0095) and read by the views.
var loginGrants = map[string]string{
	"schema_migrations": "SELECT",
	"login_roles":       "SELECT",
	"data_version":      "SELECT, UPDATE (n)",

	"accounts":      "SELECT, INSERT",
	"entries":       "SELECT, INSERT",
	"postings":      "SELECT, INSERT",
	"period_closes": "SELECT, INSERT",

	"journal_head":     "SELECT",
	"balance_totals":   "SELECT",
	"daily_totals":     "SELECT",
	"monthly_totals":   "SELECT",
	"balance_marks":    "SELECT",
	"balance_versions": "SELECT",
	"balance_spans":    "SELECT",
	"balance_pending":  "SELECT",
	"postings_pending": "SELECT",

	"event_sources":         "SELECT, INSERT",
	"import_batches":        "SELECT, INSERT, UPDATE (file_sha256, status, rows, posted, duplicates, rejected, late, entries, finished_at)",
	"events":                "SELECT, INSERT",
	"import_groups":         "SELECT, INSERT",
	"import_reject_columns": "SELECT, INSERT",
	"import_rejects":        "SELECT, INSERT",
	"fx_rates":              "SELECT, INSERT",

	"api_tokens": "SELECT, INSERT, UPDATE (revoked_at)",
	"contracts":  "SELECT, INSERT",

	"bookings":         "SELECT, INSERT",
	"advance_bookings": "SELECT, INSERT",
	"recoupments":      "SELECT, INSERT",
	"payments":         "SELECT, INSERT",
	"runs":             "SELECT, INSERT",
	"statements":       "SELECT, INSERT",

	"fact_chain": "SELECT, INSERT",
	"fact_head":  "SELECT, INSERT, UPDATE (seq, hash)",
}

// Access is what a role granted by revshare grant may do on the book.
type Access string

const (
	// WriteAccess is revshare's login role: loginGrants, what the
	// commands need.
	WriteAccess Access = "write"
	// ReadAccess is an auditor's role (revshare grant --read-only): SELECT
	// on every table, so the read-only commands and serve --read-only, and
	// no write of any kind.
	ReadAccess Access = "read"
)

// privileges is what access gives on a table that loginGrants lists.
func (a Access) privileges(table string) (string, bool) {
	privs, ok := loginGrants[table]
	if ok && a == ReadAccess {
		privs = "SELECT"
	}
	return privs, ok
}

// GrantLogin lets role use the book with access: USAGE on the schema and
// access's privileges on its tables (what it had before is revoked first,
// so the grants are exactly these), and records it in login_roles, so that
// the migrations applied later by the owner grant it what they add. db
// must be open as the schema's owner (Open has applied the migrations). A
// role that could switch the triggers off is refused: a superuser, the
// owner or a member of it; so is one that may create objects in the
// schema, and a read-only role that could still write a table through a
// role it belongs to (or PUBLIC).
func (db *DB) GrantLogin(ctx context.Context, role string, access Access) error {
	if role == "" {
		return ledger.Errorf(ledger.EINVALID, "grant: want a role name")
	}
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, lockSQL(migrateLockClass)); err != nil {
			return err
		}
		var exists, super, member, create bool
		var owner, schema string
		err := tx.QueryRow(ctx, `SELECT r.oid IS NOT NULL, coalesce(r.rolsuper, false),
				r.oid IS NOT NULL AND pg_has_role(r.oid, c.relowner, 'USAGE'),
				r.oid IS NOT NULL AND has_schema_privilege(r.oid, c.relnamespace, 'CREATE'),
				pg_get_userbyid(c.relowner), current_schema()
			FROM pg_class c LEFT JOIN pg_roles r ON r.rolname = $1
			WHERE c.oid = 'schema_migrations'::regclass`, role).Scan(&exists, &super, &member, &create, &owner, &schema)
		if err != nil {
			return err
		}
		switch {
		case !exists:
			return ledger.Errorf(ledger.ENOTFOUND, "grant: role %q does not exist (create it first: CREATE ROLE %s LOGIN)", role, pgx.Identifier{role}.Sanitize())
		case super:
			return ledger.Errorf(ledger.EINVALID, "grant: role %q is a superuser: it could switch the triggers off (grant to a role without SUPERUSER)", role)
		case member:
			return ledger.Errorf(ledger.EINVALID, "grant: role %q is the owner of the book's tables, %q, or a member of it: it could switch the triggers off (grant to a role that is not)", role, owner)
		case create:
			return ledger.Errorf(ledger.EINVALID, "grant: role %q may create objects in schema %q: revoke that first (REVOKE CREATE ON SCHEMA %s FROM PUBLIC, %s)",
				role, schema, pgx.Identifier{schema}.Sanitize(), pgx.Identifier{role}.Sanitize())
		}
		if err := grantLogin(ctx, tx, role, access); err != nil {
			return err
		}
		if access == ReadAccess {
			if err := refuseInheritedWrites(ctx, tx, role); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `INSERT INTO login_roles (role, access) VALUES ($1, $2)
			ON CONFLICT (role) DO UPDATE SET access = excluded.access, granted_at = now()`, role, string(access))
		return err
	})
}

// refuseInheritedWrites refuses a read-only role that may still write a
// table of the book after grantLogin revoked its own privileges: through a
// role it is a member of (revshare's login role, say) or PUBLIC.
func refuseInheritedWrites(ctx context.Context, tx pgx.Tx, role string) error {
	var table string
	err := tx.QueryRow(ctx, `SELECT c.relname FROM pg_class c
		WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
			AND has_table_privilege($1, c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')
		ORDER BY c.relname COLLATE "C" LIMIT 1`, role).Scan(&table)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return ledger.Errorf(ledger.EINVALID, "grant: role %q would not be read-only: it may still write table %s through a role it is a member of or PUBLIC (revoke that first)", role, table)
}

// grantLogin gives role exactly access's privileges on the tables of the
// current schema, and USAGE on the schema.
func grantLogin(ctx context.Context, tx pgx.Tx, role string, access Access) error {
	var schema string
	if err := tx.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return err
	}
	rows, err := tx.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename COLLATE "C"`)
	if err != nil {
		return err
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	s, r := pgx.Identifier{schema}.Sanitize(), pgx.Identifier{role}.Sanitize()
	stmts := []string{
		"REVOKE ALL ON ALL TABLES IN SCHEMA " + s + " FROM " + r,
		"REVOKE ALL ON ALL SEQUENCES IN SCHEMA " + s + " FROM " + r,
		"GRANT USAGE ON SCHEMA " + s + " TO " + r,
	}
	for _, t := range tables {
		privs, ok := access.privileges(t)
		if !ok {
			return fmt.Errorf("grant: table %s has no privileges listed for the login role (ledger/postgres/roles.go, loginGrants)", t)
		}
		stmts = append(stmts, "GRANT "+privs+" ON "+s+"."+pgx.Identifier{t}.Sanitize()+" TO "+r)
	}
	for _, st := range stmts {
		if _, err := tx.Exec(ctx, st); err != nil {
			return fmt.Errorf("grant: %s: %w", st, err)
		}
	}
	return nil
}

// regrant gives every role of login_roles that still exists exactly its
// access's privileges again, after migrations were applied (in their
// transaction's wake, as the owner): what a new migration added is then
// theirs too.
func regrant(ctx context.Context, tx pgx.Tx) error {
	rows, err := tx.Query(ctx, `SELECT role, access FROM login_roles WHERE EXISTS (SELECT FROM pg_roles r WHERE r.rolname = role) ORDER BY role`)
	if err != nil {
		return err
	}
	type granted struct {
		Role   string
		Access Access
	}
	roles, err := pgx.CollectRows(rows, pgx.RowToStructByPos[granted])
	if err != nil {
		return err
	}
	for _, g := range roles {
		if err := grantLogin(ctx, tx, g.Role, g.Access); err != nil {
			return err
		}
	}
	return nil
}

// refuseReader refuses to open the book for writing as a role granted
// read-only (revshare grant --read-only), before any write is tried: a
// write would fail on PostgreSQL's privileges with less to say.
func (db *DB) refuseReader(ctx context.Context, url, user string) error {
	var access string
	err := db.pool.QueryRow(ctx, `SELECT access FROM login_roles WHERE role = current_user`).Scan(&access)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && Access(access) != ReadAccess {
		return nil
	}
	if err != nil {
		return err
	}
	return &cannotMigrateError{ledger.Errorf(ledger.EINVALID, "%s: role %s may only read this book (it was granted with revshare grant --read-only): this command writes; run it as a role granted without --read-only (serve --read-only serves the book to auditors)", url, user)}
}

// LoginGrantTables lists the tables loginGrants names, in name order (for
// the test that every table of a book is listed).
func LoginGrantTables() []string {
	ts := make([]string, 0, len(loginGrants))
	for t := range loginGrants {
		ts = append(ts, t)
	}
	sort.Strings(ts)
	return ts
}

// migrationState is what migrate needs to know before it takes any lock:
// the migrations applied (none in a schema without revshare's tables) and
// whether the connection's role may change the schema (it owns the
// tables, or, in a schema without them, may create some).
type migrationState struct {
	exists     bool           // schema_migrations is there
	applied    []int          // its versions
	names      map[int]string // its names by version
	mayMigrate bool
	user       string
	schema     string // "" when no schema of the search_path is usable
}

func (db *DB) migrationState(ctx context.Context) (migrationState, error) {
	var st migrationState
	var schema *string
	err := db.pool.QueryRow(ctx, `SELECT current_user, current_schema(), to_regclass('schema_migrations') IS NOT NULL,
			coalesce(CASE WHEN to_regclass('schema_migrations') IS NOT NULL
				THEN pg_has_role((SELECT relowner FROM pg_class WHERE oid = to_regclass('schema_migrations')), 'USAGE')
				ELSE has_schema_privilege(current_schema(), 'CREATE') END, false)`).Scan(&st.user, &schema, &st.exists, &st.mayMigrate)
	if err != nil {
		return st, err
	}
	if schema != nil {
		st.schema = *schema
	}
	if !st.exists {
		return st, nil
	}
	st.names, err = appliedMigrations(ctx, db.pool)
	if errorCode(err) == "42501" && !st.mayMigrate { // insufficient_privilege: a role not granted yet
		return st, nil
	}
	if err != nil {
		return st, err
	}
	for v := range st.names {
		st.applied = append(st.applied, v)
	}
	slices.Sort(st.applied)
	return st, nil
}

// pending returns the migrations of ms not in st.applied.
func (st migrationState) pending(ms []migration) []migration {
	var p []migration
	for _, m := range ms {
		if _, found := slices.BinarySearch(st.applied, m.Version); !found {
			p = append(p, m)
		}
	}
	return p
}

// cannotMigrate says why the login role of url cannot open the book
// read-write, and the cure: the owner applies the migrations.
func (st migrationState) cannotMigrate(url string, pending []migration) error {
	user := st.user
	switch {
	case st.schema == "":
		return ledger.Errorf(ledger.EINVALID, "%s: role %s may use no schema of its search_path (none exists, or the role lacks USAGE on it: with the schema owner's URL, revshare --db postgres://OWNER@… grant %s)", url, user, st.user)
	case !st.exists:
		return ledger.Errorf(ledger.EINVALID, "%s holds no revshare book and role %s may not create one in schema %s: create it with the schema owner's URL (revshare --db postgres://OWNER@… grant %s)",
			url, user, st.schema, st.user)
	case len(st.applied) == 0:
		return ledger.Errorf(ledger.EINVALID, "%s: role %s may not read the book in schema %s: grant it with the schema owner's URL (revshare --db postgres://OWNER@… grant %s)",
			url, user, st.schema, st.user)
	}
	names := make([]string, len(pending))
	for i, m := range pending {
		names[i] = m.Name
	}
	return ledger.Errorf(ledger.EINVALID, "%s: the book needs migration %s, which role %s may not apply (it does not own the schema): run revshare migrate once with the schema owner's URL (revshare --db postgres://OWNER@… migrate), then this command again",
		url, strings.Join(names, ", "), user)
}

// cannotMigrateError is cannotMigrate's error, which Open returns as it is
// (not as a failed migration).
type cannotMigrateError struct{ err error }

func (e *cannotMigrateError) Error() string { return e.err.Error() }
func (e *cannotMigrateError) Unwrap() error { return e.err }

// PermissionDenied tells whether err is PostgreSQL's insufficient_privilege
// (42501): the connection's role may not do what was asked.
func PermissionDenied(err error) bool { return errorCode(err) == "42501" }
