package sqlite_test

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/revshare/revshare/ledger/sqlite"
	"github.com/revshare/revshare/ledger/usage"
)

// TestStartQuickCheckStopsTheCommit: with the whole-file check run beside
// an import (StartQuickCheck), damage in a table the import never reads
// (api_tokens) rolls the import back with the check's verdict, and the file
// stays byte for byte as it was. Without the check the same import commits
// on the same file, so the test fails if the verdict is ignored.
func TestStartQuickCheckStopsTheCommit(t *testing.T) {
	ctx := context.Background()
	path := tokenBook(t)
	damaged := damagePage(t, path, "api_tokens")

	db, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.StartQuickCheck(ctx)
	_, err = db.ImportUsage(ctx, strings.NewReader(checkCSVHeader+"b,2026-01-06,s,c,acme,p,us,2,USD\n"), usage.ImportOptions{FileName: "b.csv"})
	if err == nil || err.Error() != damagedFile(path) {
		t.Errorf("import on a damaged file = %v\nwant %s", err, damagedFile(path))
	}
	if err := db.CheckDamage(ctx, nil); err == nil || err.Error() != damagedFile(path) {
		t.Errorf("CheckDamage(nil) = %v\nwant %s", err, damagedFile(path))
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if after, err := os.ReadFile(path); err != nil || !bytes.Equal(after, damaged) {
		t.Errorf("the damaged file changed (%v)", err)
	}

	// Without the check the import does not see the damage.
	db, err = sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	importCSV(t, db, "b,2026-01-06,s,c,acme,p,us,2,USD\n")
}

const checkCSVHeader = "event_id,occurred_at,seller,channel,customer,product,region,amount,currency\n"

// damagedFile is what the whole-file check says of damagePage's damage to
// the database at path.
func damagedFile(path string) string {
	return "the database " + path + " is damaged (quick_check: database disk image is malformed): restore it from a backup"
}

// tokenBook returns the path of a closed book with a token and one event.
func tokenBook(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "book.db")
	db, err := sqlite.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.CreateToken(context.Background(), "someone", "auditor"); err != nil {
		t.Fatal(err)
	}
	importCSV(t, db, "a,2026-01-05,s,c,acme,p,us,1,USD\n")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func importCSV(t *testing.T, db *sqlite.DB, rows string) {
	t.Helper()
	if _, err := db.ImportUsage(context.Background(), strings.NewReader(checkCSVHeader+rows), usage.ImportOptions{FileName: "t.csv"}); err != nil {
		t.Fatal(err)
	}
}

// damagePage overwrites the last 300 bytes of table's root page (where its
// cells sit) in the closed database at path, and returns the file's bytes.
func damagePage(t *testing.T, path, table string) []byte {
	t.Helper()
	raw, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	var root, pageSize int
	if err := raw.QueryRow(`SELECT rootpage FROM sqlite_master WHERE name = ?`, table).Scan(&root); err != nil {
		t.Fatal(err)
	}
	if err := raw.QueryRow(`PRAGMA page_size`).Scan(&pageSize); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	end := root * pageSize
	copy(b[end-300:end], bytes.Repeat([]byte{0xff}, 300))
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return b
}

// forgetLastMigration deletes the record of the book's last migration, as
// if it were pending, and returns its name.
func forgetLastMigration(t *testing.T, path string) string {
	t.Helper()
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var last string
	if err := raw.QueryRow(`SELECT max(name) FROM schema_migrations`).Scan(&last); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`DELETE FROM schema_migrations WHERE name = ?`, last); err != nil {
		t.Fatal(err)
	}
	return last
}

// TestMigrationWaitsForTheCheck: a damaged book with a migration pending
// is refused before the migration rewrites it, and stays byte for byte as
// it was. Before, Open migrated first (0061 rebuilds postings) and the
// commands' whole-file check came after.
func TestMigrationWaitsForTheCheck(t *testing.T) {
	ctx := context.Background()
	path := tokenBook(t)
	last := forgetLastMigration(t, path)
	damaged := damagePage(t, path, "api_tokens")

	db, err := sqlite.Open(ctx, path, nil)
	if err == nil || err.Error() != damagedFile(path) {
		if db != nil {
			db.Close()
		}
		t.Fatalf("Open of a damaged book with %s pending = %v\nwant %s", last, err, damagedFile(path))
	}
	if after, err := os.ReadFile(path); err != nil || !bytes.Equal(after, damaged) {
		t.Errorf("the damaged file changed (%v)", err)
	}
}
