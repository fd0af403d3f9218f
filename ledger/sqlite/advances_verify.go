package sqlite

import (
	"context"
	"database/sql"

	"github.com/revshare/revshare/contracts/books"
	"github.com/revshare/revshare/ledger"
)

func init() { verifyChecks = append(verifyChecks, verifyAdvances) }

// verifyAdvances checks the tables of migration 0015 against the journal
// (books.VerifyAdvanceRows: each row an entry of its source moving its
// amount, each entry of those sources its row), and that per advance the
// recoupments stay within what was paid out (books.VerifyRecoupedWithin).
func verifyAdvances(ctx context.Context, tx *sql.Tx) error {
	scan := func(row rowScanner, r *books.AdvanceText) error {
		return row.Scan(&r.EntryID, &r.Contract, &r.Advance, &r.Payer, &r.Payee, &r.Amount, &r.Date, &r.Version, &r.Detail)
	}
	var tables [][]books.AdvanceText
	for i, t := range books.AdvanceTables {
		rows, err := textRows(ctx, tx, `SELECT entry_id, contract, advance, payer, payee, amount, date, version, `+t.Detail+` FROM `+t.Table+` ORDER BY entry_id`, scan)
		if err != nil {
			return err
		}
		entries, err := sourceEntries(ctx, tx, t.Source, func(*ledger.Entry) bool { return true })
		if err != nil {
			return err
		}
		if err := books.VerifyAdvanceRows(i, rows, entries); err != nil {
			return err
		}
		tables = append(tables, rows)
	}
	recouped, err := textRows(ctx, tx, `SELECT entry_id, contract, advance, payer, payee, amount, date, version, period FROM recoupments
		ORDER BY contract, advance, date, entry_id`, scan)
	if err != nil {
		return err
	}
	return books.VerifyRecoupedWithin(tables[0], recouped)
}
