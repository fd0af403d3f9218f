package sqlite

import (
	"context"
	"testing"
)

// RebuildBalanceVersions empties balance_versions and balance_spans and
// fills them again from the journal, as migration 0060 does.
func RebuildBalanceVersions(t testing.TB, db *DB) {
	t.Helper()
	err := db.WithTx(context.Background(), func(tx *Tx) error {
		if _, err := tx.SQL().Exec(`DELETE FROM balance_versions; DELETE FROM balance_spans`); err != nil {
			return err
		}
		return fillBalanceVersions(tx.ctx, tx)
	})
	if err != nil {
		t.Fatal(err)
	}
}
