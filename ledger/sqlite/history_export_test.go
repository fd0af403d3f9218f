package sqlite

import (
	"context"
	"database/sql"
	"sort"
	"strings"
	"testing"
)

// MigrationSQL returns the embedded migration name from the first
// occurrence of from on (tests that rebuild derived tables the way the
// migration does).
func MigrationSQL(t testing.TB, name, from string) string {
	t.Helper()
	ms, err := migrations(migrationFS)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Name == name {
			i := strings.Index(m.SQL, from)
			if i < 0 {
				t.Fatalf("migration %s has no %q", name, from)
			}
			return m.SQL[i:]
		}
	}
	t.Fatalf("no migration %s", name)
	return ""
}

// RestoreTriggers creates again, through raw, every trigger of a new book
// that raw's book lacks: what a careful attacker does after editing a book
// with its triggers dropped (verify compares the schema, verify_schema.go).
func RestoreTriggers(t testing.TB, raw *sql.DB) {
	t.Helper()
	want, err := wantSchema()
	if err != nil {
		t.Fatal(err)
	}
	got, err := readSchema(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for k, o := range want {
		if _, ok := got[k]; !ok && o.kind == "trigger" {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	for _, k := range missing {
		if _, err := raw.Exec(want[k].sql); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
	}
}
