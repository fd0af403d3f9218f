package sqlite

import (
	"context"
	"slices"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/contracts/books"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/reports"
)

// booksOf is the run and pay service (package books) over db, as the
// tests of this package call it.
func booksOf(db *DB) books.Service { return books.Service{Store: db.Books()} }

// statementsOf is the close and statement service (package reports) over db.
func statementsOf(db *DB) reports.Books { return reports.Books{Store: db.Books()} }

// evaluateUsage evaluates c through `through` from its usage set alone,
// tracing event IDs when asked; ok is false when c has no set.
func evaluateUsage(ctx context.Context, q querier, c *contracts.Contract, through ledger.Period, rates []ledger.FXRate, trace bool) (*contracts.Result, bool, error) {
	id, ok, err := usageSetID(ctx, q, c.UsageSignature())
	if err != nil || !ok {
		return nil, false, err
	}
	u, traced, err := loadUsage(ctx, q, c, id, trace)
	if err != nil {
		return nil, true, err
	}
	res, err := contracts.ComputeUsage(c, u, rates, through)
	if err != nil {
		return nil, true, err
	}
	for i := range res.Lines {
		ln := &res.Lines[i]
		if ids := traced[lineKey{ln.Rule, ln.Period.Label()}]; len(ids) > 0 {
			slices.Sort(ids)
			ln.EventIDs = ids
		}
	}
	return res, true, nil
}
