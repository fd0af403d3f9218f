package sqlite

import (
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
