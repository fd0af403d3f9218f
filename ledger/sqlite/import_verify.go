package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/usage"
)

func init() { verifyChecks = append(verifyChecks, verifyEvents) }

// VerifyEvents checks the links between usage events and the journal (it
// also runs as part of Verify): every event's entry exists and is an import
// entry; every import entry carries events, and its receivable posting is
// the exact sum of their amounts in their currency on the account of their
// seller and channel; every usage batch's posted count is its number of
// events. Import entries are those with Key.Source "import" and meta kind
// "usage". The first violation is a *VerifyError.
func (db *DB) VerifyEvents(ctx context.Context) error {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return verifyEvents(ctx, tx)
}

type entrySum struct {
	sum      decimal.Decimal
	currency string
	account  string
	events   int
}

func verifyEvents(ctx context.Context, tx *sql.Tx) error {
	var evID, entryID int64
	switch err := tx.QueryRowContext(ctx, `SELECT ev.id, ev.entry_id FROM events ev LEFT JOIN entries en ON en.id = ev.entry_id
		WHERE en.id IS NULL OR en.source != ? LIMIT 1`, EntrySourceImport).Scan(&evID, &entryID); {
	case err == sql.ErrNoRows:
	case err != nil:
		return err
	default:
		return &VerifyError{Reason: fmt.Sprintf("event %d links to entry %d, which is not an import entry", evID, entryID)}
	}
	sums := map[int64]*entrySum{}
	batches := map[int64]int64{}
	rows, err := tx.QueryContext(ctx, `SELECT id, entry_id, batch_id, seller, channel, amount, currency FROM events ORDER BY id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var seller, channel, amount, currency string
	var batch int64
	for rows.Next() {
		if err := rows.Scan(&evID, &entryID, &batch, &seller, &channel, &amount, &currency); err != nil {
			return err
		}
		a, reason := usage.ParseDecimal(amount, usage.DefaultNumber)
		if reason != "" {
			return &VerifyError{Reason: fmt.Sprintf("event %d: amount %q: %s", evID, amount, reason)}
		}
		batches[batch]++
		s := sums[entryID]
		acct := ledger.ReceivableAccount(seller, channel)
		if s == nil {
			sums[entryID] = &entrySum{sum: a, currency: currency, account: acct, events: 1}
			continue
		}
		if s.currency != currency || s.account != acct {
			return broken(entryID, "carries events of different accounts or currencies (event %d: %s %s, entry: %s %s)",
				evID, acct, currency, s.account, s.currency)
		}
		s.sum = s.sum.Add(a)
		s.events++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()

	prow, err := tx.QueryContext(ctx, `SELECT en.id, p.amount, p.currency, a.name FROM entries en
		JOIN postings p ON p.entry_id = en.id AND p.seq = 1 JOIN accounts a ON a.id = p.account_id
		WHERE en.source = ? AND json_extract(en.meta, '$.kind') = 'usage' ORDER BY en.id`, EntrySourceImport)
	if err != nil {
		return err
	}
	defer prow.Close()
	var acct string
	for prow.Next() {
		if err := prow.Scan(&entryID, &amount, &currency, &acct); err != nil {
			return err
		}
		s := sums[entryID]
		if s == nil {
			return broken(entryID, "import entry carries no events")
		}
		a, reason := usage.ParseDecimal(amount, usage.DefaultNumber)
		if reason != "" || !a.Equal(s.sum) || currency != s.currency || acct != s.account {
			return broken(entryID, "import entry posts %s %s to %s, but its %d event(s) sum to %s %s on %s",
				amount, currency, acct, s.events, ledger.FormatAmount(s.sum), s.currency, s.account)
		}
		delete(sums, entryID)
	}
	if err := prow.Err(); err != nil {
		return err
	}
	prow.Close()
	for id := range sums {
		return broken(id, "events link to this entry, which is not a usage import entry")
	}
	brow, err := tx.QueryContext(ctx, `SELECT id, posted FROM import_batches WHERE kind = 'usage'`)
	if err != nil {
		return err
	}
	defer brow.Close()
	for brow.Next() {
		var posted int64
		if err := brow.Scan(&batch, &posted); err != nil {
			return err
		}
		if batches[batch] != posted {
			return &VerifyError{Reason: fmt.Sprintf("import batch %d says %d event(s) posted, the database holds %d", batch, posted, batches[batch])}
		}
		delete(batches, batch)
	}
	if err := brow.Err(); err != nil {
		return err
	}
	for b, n := range batches {
		return &VerifyError{Reason: fmt.Sprintf("%d event(s) belong to import batch %d, which does not exist", n, b)}
	}
	return nil
}
