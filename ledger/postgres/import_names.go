package postgres

import (
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/revshare/revshare/ledger"
)

// NameInUse is usage.ImportStore's. A segment no revenue account holds
// (read once a transaction) answers without a query; else a look-up in
// the events_dims index, and when the value is not stored, the stored
// values of the field are read to name the other one (rare: the import
// refuses the row).
func (s *importStore) NameInUse(field, value, segment string) (bool, string, error) {
	w := s.w
	if s.sellerSegs == nil {
		names, err := queryRows(w.ctx, w.tx, pgx.RowTo[string],
			`SELECT name FROM accounts WHERE name > 'income:revenue:' AND name < 'income:revenue;'`)
		if err != nil {
			return false, "", err
		}
		s.sellerSegs, s.channelSegs = ledger.RevenueSegmentSets(names)
	}
	col, tag, segs := "seller", "s:", s.sellerSegs
	if field == "channel" {
		col, tag, segs = "channel", "c:", s.channelSegs
	} else if field != "seller" {
		return false, "", fmt.Errorf("NameInUse: no field %q", field)
	}
	if !segs[segment] {
		// No account of the book has it (those of this transaction are
		// the import's own: it knows their texts).
		return false, "", nil
	}
	var stored bool
	if err := w.tx.QueryRow(w.ctx, `SELECT EXISTS (SELECT 1 FROM events e WHERE `+eventDims+` @> $1::text[] AND e.`+col+` = $2)`,
		[]string{tag + value}, value).Scan(&stored); err != nil || stored {
		return stored, "", err
	}
	values, err := queryRows(w.ctx, w.tx, pgx.RowTo[string], `SELECT DISTINCT `+col+` FROM events ORDER BY 1`)
	if err != nil {
		return false, "", err
	}
	return false, ledger.OtherSpelling(values, value, segment), nil
}
