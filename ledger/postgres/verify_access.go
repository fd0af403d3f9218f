package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// verifyAccess checks that nobody may write the book beyond what revshare
// granted (login_roles, roles.go): a grant that writes (writePrivileges)
// added outside revshare, to a recorded role, another role or PUBLIC, on a
// table, a column or a sequence; CREATE on the schema, once revshare grant
// has recorded a role (it refuses one that may create there); or a
// recorded role since made a superuser, a member of the owner or, when
// read-only, able to write through a role it belongs to. Each would let
// someone past a guard that the rest of verify takes as given, or make an
// auditor's read-only role a writer. Reading is let be (a DBA may give a
// reporting role SELECT; PUBLIC has USAGE on the public schema by
// default), as is a grant revoked outside revshare: neither weakens a
// guard. Without a recorded role, the schema's CREATE is the server's
// default (PUBLIC has it on the public schema before PostgreSQL 15) and
// what it creates is the schema check's. The owner's own privileges are
// the owner's; a superuser needs none.
func verifyAccess(ctx context.Context, tx pgx.Tx, bad func(string, ...any) error) error {
	rows, err := tx.Query(ctx, `SELECT role, access FROM login_roles
		WHERE EXISTS (SELECT FROM pg_roles r WHERE r.rolname = role) ORDER BY role COLLATE "C"`)
	if err != nil {
		return err
	}
	granted := map[string]Access{}
	var roles []string
	var role, access string
	if _, err := pgx.ForEachRow(rows, []any{&role, &access}, func() error {
		granted[role] = Access(access)
		roles = append(roles, role)
		return nil
	}); err != nil {
		return err
	}

	extra, err := extraGrant(ctx, tx, granted, len(roles) > 0)
	if err != nil || extra != "" {
		if extra != "" {
			return bad("access: %s", extra)
		}
		return err
	}
	for _, role := range roles {
		if why, err := roleBeyondGrant(ctx, tx, role, granted[role]); err != nil || why != "" {
			if why != "" {
				return bad("access: role %s (granted by revshare grant%s) %s", role, accessFlag(granted[role]), why)
			}
			return err
		}
	}
	return nil
}

// accessFlag is how revshare grant was told access.
func accessFlag(a Access) string {
	if a == ReadAccess {
		return " --read-only"
	}
	return ""
}

// writePrivileges are the privileges that let their holder change a
// table's rows (or, TRIGGER, run code on every change), take a sequence's
// values, or create objects in the schema; what a recorded role may hold
// of them is what revshare grant gave it.
var writePrivileges = map[string]bool{"INSERT": true, "UPDATE": true, "DELETE": true, "TRUNCATE": true, "TRIGGER": true, "USAGE": true, "CREATE": true}

// extraGrant words the first privilege that writes, in object, grantee and
// privilege order, that someone other than the owner holds on the book's
// tables, columns or sequences, or (schema, when roles are recorded) on
// its schema, beyond what granted's roles were given; "" when there is
// none.
func extraGrant(ctx context.Context, tx pgx.Tx, granted map[string]Access, schema bool) (string, error) {
	rows, err := tx.Query(ctx, `WITH held AS (
	SELECT c.relname AS object, CASE c.relkind WHEN 'S' THEN 'sequence' ELSE 'table' END AS kind,
		a.grantee, a.privilege_type, a.is_grantable
	FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a
	WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p', 'f', 'S') AND a.grantee <> c.relowner
	UNION ALL
	SELECT c.relname || '.' || t.attname, 'column', a.grantee, a.privilege_type, a.is_grantable
	FROM pg_attribute t JOIN pg_class c ON c.oid = t.attrelid CROSS JOIN LATERAL aclexplode(t.attacl) a
	WHERE c.relnamespace = current_schema()::regnamespace AND t.attnum > 0 AND NOT t.attisdropped AND a.grantee <> c.relowner
	UNION ALL
	SELECT n.nspname, 'schema', a.grantee, a.privilege_type, a.is_grantable
	FROM pg_namespace n CROSS JOIN LATERAL aclexplode(n.nspacl) a
	WHERE n.oid = current_schema()::regnamespace AND a.grantee <> n.nspowner
)
SELECT object, kind, coalesce(r.rolname, 'PUBLIC'), privilege_type, is_grantable
FROM held LEFT JOIN pg_roles r ON r.oid = held.grantee
ORDER BY object COLLATE "C", coalesce(r.rolname, 'PUBLIC') COLLATE "C", privilege_type COLLATE "C"`)
	if err != nil {
		return "", err
	}
	var object, kind, grantee, privilege string
	var grantable bool
	var first string
	_, err = pgx.ForEachRow(rows, []any{&object, &kind, &grantee, &privilege, &grantable}, func() error {
		if first != "" || !writePrivileges[privilege] || kind == "schema" && (!schema || privilege != "CREATE") ||
			!grantable && grantedPrivilege(granted, grantee, kind, object, privilege) {
			return nil
		}
		who := "role " + grantee
		switch {
		case grantee == "PUBLIC":
			who = "every role (PUBLIC)"
		case granted[grantee] != "":
			who += " (granted by revshare grant" + accessFlag(granted[grantee]) + ")"
		}
		what := privilege
		if grantable {
			what += " WITH GRANT OPTION"
		}
		first = fmt.Sprintf("%s holds %s on %s %s, which revshare did not grant (granted outside revshare)", who, what, kind, object)
		return nil
	})
	return first, err
}

// grantedPrivilege reports whether revshare grant gave grantee privilege
// on the table or column object (kind): what grantLogin gives the role's
// access.
func grantedPrivilege(granted map[string]Access, grantee, kind, object, privilege string) bool {
	access, ok := granted[grantee]
	if !ok {
		return false
	}
	switch kind {
	case "table":
		privs, ok := access.privileges(object)
		return ok && slices.Contains(tablePrivileges(privs), privilege)
	case "column":
		table, column, _ := strings.Cut(object, ".")
		privs, ok := access.privileges(table)
		return ok && slices.Contains(columnPrivileges(privs)[privilege], column)
	}
	return false
}

// tablePrivileges are the whole-table privileges of a loginGrants value
// ("SELECT, INSERT, UPDATE (n)": SELECT and INSERT).
func tablePrivileges(privs string) []string {
	var out []string
	for _, p := range splitPrivileges(privs) {
		if !strings.Contains(p, "(") {
			out = append(out, p)
		}
	}
	return out
}

// columnPrivileges are the per-column privileges of a loginGrants value
// ("SELECT, UPDATE (n, m)": UPDATE on n and m).
func columnPrivileges(privs string) map[string][]string {
	out := map[string][]string{}
	for _, p := range splitPrivileges(privs) {
		name, cols, ok := strings.Cut(p, "(")
		if !ok {
			continue
		}
		for _, c := range strings.Split(strings.TrimSuffix(cols, ")"), ",") {
			out[strings.TrimSpace(name)] = append(out[strings.TrimSpace(name)], strings.TrimSpace(c))
		}
	}
	return out
}

// splitPrivileges splits a loginGrants value at the commas outside
// parentheses.
func splitPrivileges(privs string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range privs {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, strings.TrimSpace(privs[start:i]))
				start = i + 1
			}
		}
	}
	return append(out, strings.TrimSpace(privs[start:]))
}

// roleBeyondGrant words how role, granted access by revshare grant, may
// now do more than that grant allowed through what it is or belongs to:
// what GrantLogin refuses, checked again since it may have changed (a
// grant to the role itself is extraGrant's); "" when nothing.
func roleBeyondGrant(ctx context.Context, tx pgx.Tx, role string, access Access) (string, error) {
	var super, member bool
	var owner, writable string
	err := tx.QueryRow(ctx, `SELECT r.rolsuper, pg_has_role(r.oid, c.relowner, 'USAGE'), pg_get_userbyid(c.relowner),
			coalesce((SELECT w.relname FROM pg_class w
				WHERE w.relnamespace = c.relnamespace AND w.relkind IN ('r', 'p')
					AND $2 AND has_table_privilege(r.oid, w.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')
				ORDER BY w.relname COLLATE "C" LIMIT 1), '')
		FROM pg_class c, pg_roles r
		WHERE c.oid = 'schema_migrations'::regclass AND r.rolname = $1`, role, access == ReadAccess).
		Scan(&super, &member, &owner, &writable)
	if err != nil {
		return "", err
	}
	switch {
	case super:
		return "is a superuser (made so outside revshare): it could switch the triggers off", nil
	case member:
		return fmt.Sprintf("is a member of the book's owner %s (made so outside revshare): it could switch the triggers off", owner), nil
	case writable != "":
		return fmt.Sprintf("may write table %s through a role it is a member of or PUBLIC (granted outside revshare)", writable), nil
	}
	return "", nil
}
