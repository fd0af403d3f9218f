package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
)

func init() { verifyChecks = append(verifyChecks, verifyUsage) }

// verifyUsage rebuilds every usage set from the stored events and compares
// it with the stored rows: same aggregates, exact sums, counts and event
// IDs. A set that no current contract uses is a violation too (it would go
// stale). The first difference is a *VerifyError.
func verifyUsage(ctx context.Context, tx *sql.Tx) error {
	cs, err := loadContracts(ctx, tx)
	if err != nil {
		return err
	}
	bySig := map[string]*contracts.Contract{}
	for _, sc := range cs {
		bySig[sc.Contract.UsageSignature()] = sc.Contract
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, signature FROM usage_sets ORDER BY id`)
	if err != nil {
		return err
	}
	type set struct {
		id int64
		c  *contracts.Contract
	}
	var sets []set
	for rows.Next() {
		var s set
		var sig string
		if err := rows.Scan(&s.id, &sig); err != nil {
			rows.Close()
			return err
		}
		if s.c = bySig[sig]; s.c == nil {
			rows.Close()
			return &VerifyError{Reason: fmt.Sprintf("usage set %d (signature %.12s…) belongs to no current contract", s.id, sig)}
		}
		sets = append(sets, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	// One pass over the events rebuilds every set.
	rebuilt := make([]*contracts.Usage, len(sets))
	for i, s := range sets {
		rebuilt[i] = contracts.NewUsage(s.c)
		rebuilt[i].TraceEvents()
	}
	if len(sets) > 0 {
		if err := eachEvent(ctx, tx, ledger.EventFilter{}, func(e *ledger.Event) error {
			for _, u := range rebuilt {
				u.Add(e)
			}
			return nil
		}); err != nil {
			return err
		}
	}
	for i, s := range sets {
		stored, traced, err := loadUsage(ctx, tx, s.c, s.id, true)
		if err != nil {
			return &VerifyError{Reason: fmt.Sprintf("usage set %d: %v", s.id, err)}
		}
		fresh := rebuilt[i]
		if err := sameUsageRows(stored.Rows(), fresh.Rows()); err != nil {
			return &VerifyError{Reason: fmt.Sprintf("usage set %d of contract %s: %v", s.id, s.c.ID, err)}
		}
		want := map[lineKey][]int64{}
		for _, r := range fresh.Rows() {
			k := lineKey{r.Rule, r.Period.Label()}
			want[k] = append(want[k], r.EventIDs...)
		}
		for k, ids := range want {
			got := traced[k]
			slices.Sort(got)
			slices.Sort(ids)
			if !slices.Equal(got, ids) {
				return &VerifyError{Reason: fmt.Sprintf("usage set %d of contract %s: rule %s %s lists %d event ID(s), the events give %d",
					s.id, s.c.ID, k.rule, k.period, len(got), len(ids))}
			}
			delete(traced, k)
		}
		for k, ids := range traced {
			if len(ids) > 0 {
				return &VerifyError{Reason: fmt.Sprintf("usage set %d of contract %s: rule %s %s lists %d event ID(s), the events give none",
					s.id, s.c.ID, k.rule, k.period, len(ids))}
			}
		}
	}
	return nil
}

// sameUsageRows compares two sorted aggregate lists (sums and counts).
func sameUsageRows(stored, fresh []contracts.UsageRow) error {
	for i := 0; i < len(stored) || i < len(fresh); i++ {
		switch {
		case i >= len(fresh):
			return fmt.Errorf("stored %s, the events give no such aggregate", stored[i])
		case i >= len(stored):
			return fmt.Errorf("the events give %s, not stored", fresh[i])
		case stored[i].UsageKey != fresh[i].UsageKey:
			return fmt.Errorf("stored %s, the events give %s", stored[i], fresh[i])
		case !stored[i].Amount.Equal(fresh[i].Amount) || stored[i].Events != fresh[i].Events:
			return fmt.Errorf("stored %s, the events give %s", stored[i], fresh[i])
		}
	}
	return nil
}
