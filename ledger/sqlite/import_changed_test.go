package sqlite_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite/tempdb"
	"github.com/revshare/revshare/ledger/storetest"
	"github.com/revshare/revshare/ledger/usage"
)

// TestPartialImportOfChangedFile: a partial import hashes the file first
// (its chunks' keys name the hash) and reads it again to import it. A file
// changed between the two (an exporter still writing it, an edit) is read
// as other content than the hash names: the batch would record a SHA-256
// of a file it did not import. The import now fails before its last
// chunk commits, naming both hashes; the chunks committed before stay (as
// after a kill), the batch stays incomplete, and importing the file again
// completes it with no duplicate posted.
func TestPartialImportOfChangedFile(t *testing.T) {
	ctx := context.Background()
	db := tempdb.Open(t, storetest.NewClock(storetest.T0))
	var before, after strings.Builder
	before.WriteString(usageHead)
	after.WriteString(usageHead)
	for i := 1; i <= 10; i++ {
		fmt.Fprintf(&before, "c%d,2026-01-%02d,openai,direct,,%d.00,USD,\n", i, i, i)
		amount := i
		if i == 10 {
			amount = 99 // the last row, edited while the import ran
		}
		fmt.Fprintf(&after, "c%d,2026-01-%02d,openai,direct,,%d.00,USD,\n", i, i, amount)
	}
	_, _, err := importString(t, db, "c.csv", after.String(), usage.ImportOptions{AllowPartial: true, ChunkRows: 4, SHA256: sha256Hex(before.String())})
	want := fmt.Sprintf("c.csv changed while it was imported: its SHA-256 was %s when the import began and is %s as read; "+
		"the chunks committed before stay posted (8 rows, batch 1, left incomplete): import the file again once nothing writes to it", sha256Hex(before.String()), sha256Hex(after.String()))
	if err == nil || err.Error() != want {
		t.Fatalf("import of a changed file: %v\nwant %s", err, want)
	}
	bt, err := db.ImportBatch(ctx, 1)
	if err != nil || bt.Status == "complete" || bt.SHA256 != sha256Hex(before.String()) || bt.Posted != 8 {
		t.Errorf("batch %+v %v", bt, err)
	}
	if got, want := balances(t, db), "assets:receivable:openai:direct 36.00 USD\nincome:revenue:openai:direct -36.00 USD"; got != want {
		t.Errorf("balances after the refused chunk:\n%s\nwant\n%s", got, want)
	}
	mustVerify(t, db)
	res, _, err := importString(t, db, "c.csv", after.String(), usage.ImportOptions{AllowPartial: true, ChunkRows: 4, SHA256: sha256Hex(after.String())})
	if want := (ledger.ImportResult{BatchID: 2, Rows: 10, Posted: 2, Duplicates: 8, Entries: 2}); err != nil || res != want {
		t.Errorf("import again: %+v %v, want %+v", res, err, want)
	}
	if got, want := balances(t, db), "assets:receivable:openai:direct 144.00 USD\nincome:revenue:openai:direct -144.00 USD"; got != want {
		t.Errorf("balances after the import again:\n%s\nwant\n%s", got, want)
	}
	mustVerify(t, db)
}

// sha256Hex is the SHA-256 of s in hex, what a partial import is given up
// front (the file's hash, read before the import reads it again).
func sha256Hex(s string) string { return fmt.Sprintf("%x", sha256.Sum256([]byte(s))) }
