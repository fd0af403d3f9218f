package sqlite

import (
	"fmt"

	"github.com/revshare/revshare/ledger"
)

// NameInUse is usage.ImportStore's. A segment no revenue account holds
// (read once a transaction) answers without a query; else a look-up in
// event_index, and when the value is not stored, the stored values of the
// field are read to name the other one (rare: the import refuses the row).
func (s *importStore) NameInUse(field, value, segment string) (bool, string, error) {
	ctx, q := s.tx.Context(), s.tx.SQL()
	if s.sellerSegs == nil {
		names, err := queryRows(ctx, q, scanString,
			`SELECT name FROM accounts WHERE name > 'income:revenue:' AND name < 'income:revenue;'`)
		if err != nil {
			return false, "", err
		}
		s.sellerSegs, s.channelSegs = ledger.RevenueSegmentSets(names)
	}
	dim, segs := dimSeller, s.sellerSegs
	if field == "channel" {
		dim, segs = dimChannel, s.channelSegs
	} else if field != "seller" {
		return false, "", fmt.Errorf("NameInUse: no field %q", field)
	}
	if !segs[segment] {
		// No account of the book has it (those of this transaction are
		// the import's own: it knows their texts).
		return false, "", nil
	}
	if s.nameStored == nil {
		var err error
		if s.nameStored, err = q.PrepareContext(ctx, `SELECT EXISTS (SELECT 1 FROM event_index WHERE dim = ? AND value = ?)`); err != nil {
			return false, "", err
		}
	}
	var stored bool
	if err := s.nameStored.QueryRowContext(ctx, int(dim), value).Scan(&stored); err != nil || stored {
		return stored, "", err
	}
	values, err := queryRows(ctx, q, scanString, `SELECT DISTINCT value FROM event_index WHERE dim = ? ORDER BY value`, int(dim))
	if err != nil {
		return false, "", err
	}
	return false, ledger.OtherSpelling(values, value, segment), nil
}
