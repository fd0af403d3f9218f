package postgres

import (
	"context"
	_ "embed"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/revshare/revshare/internal/migrate"
)

// A book's guards are its schema: the triggers that keep the journal
// append-only, the periods closed and the derived tables in step with the
// postings, the definer functions that write those tables, the tables'
// constraints. The tables' owner or a superuser may switch a trigger off
// (ALTER TABLE … DISABLE TRIGGER), drop one, replace a function's body,
// make a definer an invoker, drop a constraint, or add a rule or a trigger
// that silently changes writes, and leave every row verify reads intact.
// So verify compares, by name, what the catalog says of the book's schema
// (current_schema()) with what this binary's migrations create in an empty
// schema: every table (kind, persistence, row security, parents), column
// (type, collation, nullability, default, identity, generated), constraint
// (pg_get_constraintdef, and its internal triggers switched on), index
// (pg_get_indexdef, valid), trigger (pg_get_triggerdef, switched on), rule,
// row security policy, view, and function (result, language, security,
// who a definer runs as, settings such as search_path, volatility, whether
// PUBLIC may execute it, and its body as written). An index or view added
// by hand is let be, as on SQLite: it changes no row.
//
// Verify may run as an auditor's role that may create nothing, not even
// in pg_temp (and a standby's transactions write nothing), so the
// migrations' schema cannot be built at verify time: it is
// expected_schema.txt, what readSchema reads of a schema the migrations
// built, in PostgreSQL's own words (pretty-printed, names unqualified, the
// book's schema in a definer's search_path written $schema).
// TestExpectedSchema builds a book and compares it with the file (go test
// -run TestExpectedSchema -update-schema rewrites it after a migration).
// Those words are the server's: a server of another major version may
// word a constraint or an index otherwise (the file says which version
// wrote it).

//go:embed expected_schema.txt
var expectedSchemaText string

// schemaPlaceholder stands for the book's schema in the settings of its
// functions (a definer's search_path).
const schemaPlaceholder = "$schema"

// schemaObject is one object of the book's schema and what the catalog
// says of it, field by field, in a fixed order.
type schemaObject struct {
	kind, name, table string // table: the one a column, constraint, index, trigger, rule or policy is on
	fields            []schemaField
}

type schemaField struct{ name, value string }

func (o schemaObject) Kind() string { return o.kind }

func (o schemaObject) String() string {
	if o.table == "" {
		return o.kind + " " + o.name
	}
	return o.kind + " " + o.name + " (on " + o.table + ")"
}

// key orders objects by kind (a table before its columns, constraints
// and indexes, its triggers, rules and policies after them), then table
// and name.
func (o schemaObject) key() string {
	return fmt.Sprintf("%02d %s %s %s", strings.Index(kindOrder, " "+o.kind+" "), o.kind, o.table, o.name)
}

const kindOrder = " table column constraint index trigger rule policy view function "

// wantSchema is expected_schema.txt, read once per process.
var wantSchema = sync.OnceValues(func() (map[string]schemaObject, error) {
	objs, err := parseSchema(expectedSchemaText)
	if err != nil {
		return nil, fmt.Errorf("expected_schema.txt: %w", err)
	}
	return objs, nil
})

// expectedMajor is the major version of the PostgreSQL that wrote
// expected_schema.txt, from its first line ("… as PostgreSQL 15").
var expectedMajor = sync.OnceValues(func() (int, error) {
	m := regexp.MustCompile(`as PostgreSQL (\d+)`).FindStringSubmatch(strings.SplitN(expectedSchemaText, "\n", 2)[0])
	if m == nil {
		return 0, fmt.Errorf("expected_schema.txt: its first line does not say which PostgreSQL wrote it")
	}
	return strconv.Atoi(m[1])
})

// serverWorded are the fields the server words itself (pg_get_*def,
// pg_get_expr): another major version may print the same definition
// otherwise (parentheses, casts), so on a server of another major version
// than expected_schema.txt's they are not compared. What guards the book
// is still compared in the catalog's own terms: a trigger's timing,
// events, level, condition and function, and whether it is switched on; a
// constraint's type, columns and validation, and whether it is switched
// on; an index's presence; every function's body as written.
var serverWorded = map[string]bool{"definition": true, "default": true, "using": true, "with check": true}

// expectedMajorForTest, when not 0, stands for expectedMajor (a test of a
// server of another major version).
var expectedMajorForTest int

// schemaSQL reads every object of the current schema, one row each: its
// kind, name, table and fields (names and values in turn). Pretty-printed
// definitions name the schema's own objects unqualified, as the book's
// schema is the connection's.
const schemaSQL = `WITH s AS (SELECT oid FROM pg_namespace WHERE nspname = current_schema()),
owner AS (SELECT relowner AS oid FROM pg_class WHERE relnamespace = (SELECT oid FROM s) AND relname = 'entries')
SELECT 'table', c.relname::text, '', ARRAY[
	'kind', CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table' ELSE 'foreign table' END,
	'persistence', CASE c.relpersistence WHEN 'u' THEN 'unlogged' ELSE 'logged' END,
	'row security', CASE WHEN c.relforcerowsecurity THEN 'forced' WHEN c.relrowsecurity THEN 'on' ELSE 'off' END,
	'parents', coalesce((SELECT string_agg(i.inhparent::regclass::text, ', ' ORDER BY i.inhseqno) FROM pg_inherits i WHERE i.inhrelid = c.oid), 'none')]
FROM pg_class c WHERE c.relnamespace = (SELECT oid FROM s) AND c.relkind IN ('r', 'p', 'f')
UNION ALL
SELECT 'view', c.relname, '', ARRAY['definition', pg_get_viewdef(c.oid, true)]
FROM pg_class c WHERE c.relnamespace = (SELECT oid FROM s) AND c.relkind IN ('v', 'm')
UNION ALL
SELECT 'column', a.attname, c.relname, ARRAY[
	'type', format_type(a.atttypid, a.atttypmod),
	'collation', coalesce((SELECT co.collname::text FROM pg_collation co WHERE co.oid = a.attcollation), 'none'),
	'nullability', CASE WHEN a.attnotnull THEN 'not null' ELSE 'nullable' END,
	'default', coalesce(pg_get_expr(d.adbin, d.adrelid, true), 'none'),
	'identity', CASE a.attidentity WHEN 'a' THEN 'always' WHEN 'd' THEN 'by default' ELSE 'none' END,
	'generated', CASE a.attgenerated WHEN 's' THEN 'stored' ELSE 'no' END]
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE c.relnamespace = (SELECT oid FROM s) AND c.relkind IN ('r', 'p', 'f') AND a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT 'constraint', con.conname, c.relname, ARRAY['definition', pg_get_constraintdef(con.oid, true),
	'type', CASE con.contype WHEN 'c' THEN 'check' WHEN 'f' THEN 'foreign key' WHEN 'p' THEN 'primary key'
		WHEN 'u' THEN 'unique' WHEN 'x' THEN 'exclusion' ELSE con.contype::text END,
	'columns', coalesce((SELECT string_agg(a.attname::text, ', ' ORDER BY k.n) FROM unnest(con.conkey) WITH ORDINALITY k(num, n)
		JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num), 'none'),
	'validated', con.convalidated::text,
	'enabled', coalesce((SELECT CASE WHEN bool_or(t.tgenabled = 'D') THEN 'disabled' WHEN bool_or(t.tgenabled = 'R') THEN 'replica only'
		WHEN bool_or(t.tgenabled = 'A') THEN 'always' END FROM pg_trigger t WHERE t.tgconstraint = con.oid AND t.tgisinternal), 'yes')]
FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
WHERE c.relnamespace = (SELECT oid FROM s) AND con.contype NOT IN ('t', 'n')
UNION ALL
SELECT 'index', i.relname, c.relname, ARRAY['definition', pg_get_indexdef(i.oid, 0, true),
	'validity', CASE WHEN x.indisvalid AND x.indisready THEN 'valid' ELSE 'invalid' END]
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid WHERE c.relnamespace = (SELECT oid FROM s)
UNION ALL
SELECT 'trigger', t.tgname, c.relname, ARRAY['definition', pg_get_triggerdef(t.oid, true),
	'enabled', CASE t.tgenabled WHEN 'D' THEN 'disabled' WHEN 'R' THEN 'replica only' WHEN 'A' THEN 'always' ELSE 'yes' END,
	'firing', CASE WHEN t.tgtype & 2 <> 0 THEN 'before ' WHEN t.tgtype & 64 <> 0 THEN 'instead of ' ELSE 'after ' END ||
		concat_ws(' or ', CASE WHEN t.tgtype & 4 <> 0 THEN 'insert' END, CASE WHEN t.tgtype & 16 <> 0 THEN 'update' END,
			CASE WHEN t.tgtype & 8 <> 0 THEN 'delete' END, CASE WHEN t.tgtype & 32 <> 0 THEN 'truncate' END) ||
		CASE WHEN t.tgtype & 1 <> 0 THEN ', for each row' ELSE ', for each statement' END ||
		CASE WHEN t.tgqual IS NULL THEN '' ELSE ', when a condition holds' END,
	'function', t.tgfoid::regproc::text]
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = (SELECT oid FROM s) AND NOT t.tgisinternal
UNION ALL
SELECT 'rule', r.rulename, c.relname, ARRAY['definition', pg_get_ruledef(r.oid, true),
	'enabled', CASE r.ev_enabled WHEN 'D' THEN 'disabled' WHEN 'R' THEN 'replica only' WHEN 'A' THEN 'always' ELSE 'yes' END]
FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class WHERE c.relnamespace = (SELECT oid FROM s) AND r.rulename <> '_RETURN'
UNION ALL
SELECT 'policy', p.polname, c.relname, ARRAY['command', p.polcmd::text, 'permissive', p.polpermissive::text,
	'roles', (SELECT string_agg(CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r)::text END, ', ') FROM unnest(p.polroles) r),
	'using', coalesce(pg_get_expr(p.polqual, p.polrelid, true), 'none'),
	'with check', coalesce(pg_get_expr(p.polwithcheck, p.polrelid, true), 'none')]
FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid WHERE c.relnamespace = (SELECT oid FROM s)
UNION ALL
SELECT 'function', p.proname || '(' || oidvectortypes(p.proargtypes) || ')', '', ARRAY[
	'kind', CASE p.prokind WHEN 'f' THEN 'function' WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'window function' END,
	'result', coalesce(pg_get_function_result(p.oid), 'none'),
	'language', l.lanname::text,
	'security', CASE WHEN p.prosecdef THEN 'definer' ELSE 'invoker' END,
	'definer', CASE WHEN NOT p.prosecdef THEN 'none (an invoker''s)' WHEN p.proowner = (SELECT oid FROM owner) THEN 'the owner of table entries'
		ELSE 'role ' || pg_get_userbyid(p.proowner) END,
	'configuration', coalesce(array_to_string(p.proconfig, '; '), 'none'),
	'volatility', CASE p.provolatile WHEN 'i' THEN 'immutable' WHEN 's' THEN 'stable' ELSE 'volatile' END,
	'strict', p.proisstrict::text,
	'leakproof', p.proleakproof::text,
	'parallel', CASE p.proparallel WHEN 's' THEN 'safe' WHEN 'r' THEN 'restricted' ELSE 'unsafe' END,
	'PUBLIC''s EXECUTE', CASE WHEN has_function_privilege('public', p.oid, 'EXECUTE') THEN 'granted' ELSE 'revoked' END,
	'body', p.prosrc]
FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang WHERE p.pronamespace = (SELECT oid FROM s)`

// readSchema reads the objects of q's current schema, keyed by kind, table
// and name (key); the schema's own name in a function's settings is
// schemaPlaceholder.
func readSchema(ctx context.Context, q querier) (map[string]schemaObject, error) {
	var schema string
	rows, err := q.Query(ctx, `SELECT quote_ident(current_schema())`)
	if err != nil {
		return nil, err
	}
	if schema, err = pgx.CollectExactlyOneRow(rows, pgx.RowTo[string]); err != nil {
		return nil, err
	}
	rows, err = q.Query(ctx, schemaSQL)
	if err != nil {
		return nil, err
	}
	objs := map[string]schemaObject{}
	var o schemaObject
	var fields []string
	_, err = pgx.ForEachRow(rows, []any{&o.kind, &o.name, &o.table, &fields}, func() error {
		obj := schemaObject{kind: o.kind, name: o.name, table: o.table}
		for i := 0; i+1 < len(fields); i += 2 {
			f := schemaField{fields[i], fields[i+1]}
			if f.name == "configuration" {
				f.value = unnameSchema(f.value, schema)
			}
			obj.fields = append(obj.fields, f)
		}
		objs[obj.key()] = obj
		return nil
	})
	return objs, err
}

// unnameSchema writes schema as schemaPlaceholder where a setting's list
// (search_path=a, b) names it.
func unnameSchema(settings, schema string) string {
	parts := strings.Split(settings, "; ")
	for i, p := range parts {
		name, list, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		items := strings.Split(list, ", ")
		for j, it := range items {
			if it == schema {
				items[j] = schemaPlaceholder
			}
		}
		parts[i] = name + "=" + strings.Join(items, ", ")
	}
	return strings.Join(parts, "; ")
}

// verifySchema reports the first object, in kind, table and name order,
// that the book lacks, has otherwise, has switched off, or has beyond what
// the migrations create (an added index or view excepted).
func verifySchema(ctx context.Context, tx pgx.Tx, bad func(string, ...any) error) error {
	want, err := wantSchema()
	if err != nil {
		return err
	}
	got, err := readSchema(ctx, tx)
	if err != nil {
		return err
	}
	fileMajor, err := expectedMajor()
	if err != nil {
		return err
	}
	if expectedMajorForTest != 0 {
		fileMajor = expectedMajorForTest
	}
	var major int
	if err := tx.QueryRow(ctx, `SELECT current_setting('server_version_num')::int / 10000`).Scan(&major); err != nil {
		return err
	}
	reworded := major != fileMajor
	if diff := migrate.SchemaDifference(want, got, func(g, w schemaObject) string {
		return schemaChange(g, w, reworded)
	}); diff != "" {
		return bad("%s", diff)
	}
	return nil
}

// schemaChange words the first field in which got differs from want, ""
// when none does; reworded: the server's own wording is not compared
// (serverWorded). A changed definition is worded as on SQLite; an object
// switched off says so; another field is named, with the book's value when
// it is one short line.
func schemaChange(got, want schemaObject, reworded bool) string {
	const changed = "is not the one revshare's migrations create (changed outside revshare"
	for i := range max(len(got.fields), len(want.fields)) {
		var g, w schemaField
		if i < len(got.fields) {
			g = got.fields[i]
		}
		if i < len(want.fields) {
			w = want.fields[i]
		}
		switch {
		case g == w, reworded && g.name == w.name && serverWorded[g.name]:
			continue
		case g.name != w.name || g.name == "definition":
			return changed + ")"
		case g.name == "enabled" && g.value == "disabled":
			return "is disabled (switched off outside revshare)"
		case g.name == "enabled" && g.value == "replica only":
			return "fires only for replication (switched off outside revshare)"
		case g.name == "body" || strings.Contains(g.value, "\n") || len(g.value) > 80:
			return fmt.Sprintf("%s: its %s)", changed, g.name)
		default:
			return fmt.Sprintf("%s: its %s is %s)", changed, g.name, g.value)
		}
	}
	return ""
}

// formatSchema writes objs as expected_schema.txt holds them, under the
// header: each object "@ kind<TAB>name<TAB>table", then its fields, one a
// line ("name: value"), or a value of several lines (or with spaces at an
// end) after "name:", each of its lines after "|".
func formatSchema(header string, objs map[string]schemaObject) string {
	keys := make([]string, 0, len(objs))
	for k := range objs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(header)
	for _, k := range keys {
		o := objs[k]
		fmt.Fprintf(&b, "@ %s\t%s\t%s\n", o.kind, o.name, o.table)
		for _, f := range o.fields {
			if f.value != "" && !strings.Contains(f.value, "\n") && strings.TrimSpace(f.value) == f.value {
				fmt.Fprintf(&b, "%s: %s\n", f.name, f.value)
				continue
			}
			fmt.Fprintf(&b, "%s:\n", f.name)
			for _, line := range strings.Split(f.value, "\n") {
				if line == "" {
					b.WriteString("|\n")
				} else {
					b.WriteString("| " + line + "\n")
				}
			}
		}
	}
	return b.String()
}

// parseSchema reads what formatSchema wrote; lines before the first
// object are its header (comments).
func parseSchema(text string) (map[string]schemaObject, error) {
	objs := map[string]schemaObject{}
	var o *schemaObject
	var lines []string // the "|" lines of o's last field, when its value is written so
	cont := false
	end := func() {
		if cont {
			o.fields[len(o.fields)-1].value = strings.Join(lines, "\n")
		}
		lines, cont = nil, false
	}
	for n, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, "@ "):
			if o != nil {
				end()
				objs[o.key()] = *o
			}
			parts := strings.Split(line[2:], "\t")
			if len(parts) != 3 {
				return nil, fmt.Errorf("line %d: want kind, name and table", n+1)
			}
			o = &schemaObject{kind: parts[0], name: parts[1], table: parts[2]}
		case o == nil:
			// the header
		case line == "|" || strings.HasPrefix(line, "| "):
			if !cont {
				return nil, fmt.Errorf("line %d: a value's line without its field", n+1)
			}
			lines = append(lines, strings.TrimPrefix(line[1:], " "))
		default:
			end()
			name, value, ok := strings.Cut(line, ":")
			if !ok {
				return nil, fmt.Errorf("line %d: want name: value", n+1)
			}
			cont = value == ""
			o.fields = append(o.fields, schemaField{name, strings.TrimPrefix(value, " ")})
		}
	}
	if o != nil {
		end()
		objs[o.key()] = *o
	}
	return objs, nil
}
