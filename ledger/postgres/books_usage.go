package postgres

import (
	"strconv"
	"time"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/contracts/books"
	"github.com/revshare/revshare/ledger"
)

// usageBlock is the span of the instants one usage group holds: every
// time zone in use today is offset from UTC by a multiple of 15 minutes
// and changes offset on such a boundary, so the events of one block share
// their date in the contract's time zone.
const usageBlock = 15 * 60 // seconds

// Usage builds c's usage aggregates (contracts.Usage) from one GROUP BY
// over the events' typed columns, instead of a run reading every event:
// the events are grouped by what contracts.Usage.Add reads of them (the
// date of a date-only event, else the 15-minute block of its instant in
// UTC; the columns some rule of c matches on; channel, product and
// currency), their amounts summed exactly (numeric), and each group is
// added as its events would be (Usage.AddSum). The time zone is applied in
// Go (the group's block start), not by the server's zone data. A block in
// which c's time zone changes offset, or spans two of its dates (an offset
// that is not a multiple of 15 minutes), makes ok false: Evaluate then
// reads every event. With trace, each group brings its events' IDs.
func (r booksRows) Usage(c *contracts.Contract, trace bool) (*contracts.Usage, map[books.RulePeriod][]int64, bool, error) {
	// A column no rule matches on is grouped as '': Matches ignores it.
	matched := map[string]bool{}
	for _, rule := range c.Rules {
		m := rule.Match
		matched["seller"] = matched["seller"] || len(m.Seller) > 0
		matched["customer"] = matched["customer"] || len(m.Customer) > 0
		matched["region"] = matched["region"] || len(m.Region) > 0
	}
	col := func(name string) string {
		if matched[name] {
			return "e." + name
		}
		return "''"
	}
	ids := "NULL::bigint[]"
	if trace {
		ids = "array_agg(e.id)"
	}
	// The fraction of a second is dropped before the cast (timestamptz
	// rounds to microseconds, which could push an instant into the next
	// block); the offset has none.
	rows, err := r.tx.Query(r.ctx, `SELECT length(e.occurred) = 10, e.date,
			CASE WHEN length(e.occurred) = 10 THEN 0
				ELSE floor(extract(epoch FROM regexp_replace(e.occurred, '\.[0-9]+', '')::timestamptz) / `+strconv.Itoa(usageBlock)+`)::bigint END AS block,
			`+col("seller")+`, e.channel, `+col("customer")+`, e.product, `+col("region")+`, e.currency,
			sum(e.amount)::text, count(*), `+ids+`
		FROM events e GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9`)
	if err != nil {
		return nil, nil, false, err
	}
	defer rows.Close()
	u := contracts.NewUsage(c)
	if trace {
		u.TraceEvents()
	}
	loc := c.Location()
	for rows.Next() {
		var e ledger.Event
		var date time.Time
		var block int64
		var amount string
		var n int
		var eventIDs []int64
		if err := rows.Scan(&e.DateOnly, &date, &block, &e.Seller, &e.Channel, &e.Customer, &e.Product, &e.Region, &e.Currency,
			&amount, &n, &eventIDs); err != nil {
			return nil, nil, false, err
		}
		if e.DateOnly {
			e.OccurredAt = date
		} else {
			e.OccurredAt = time.Unix(block*usageBlock, 0).UTC()
			if !sameLocalDate(e.OccurredAt, loc) {
				return nil, nil, false, nil
			}
		}
		if e.Amount, err = storedDecimal("events grouped on "+date.Format(time.DateOnly), "sum(amount)", amount); err != nil {
			return nil, nil, false, err
		}
		u.AddSum(&e, n, eventIDs)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, false, err
	}
	if !trace {
		return u, nil, true, nil
	}
	traced := map[books.RulePeriod][]int64{}
	for _, row := range u.Rows() {
		k := books.RulePeriod{Rule: row.Rule, Period: row.Period.Label()}
		traced[k] = append(traced[k], row.EventIDs...)
	}
	return u, traced, true, nil
}

// sameLocalDate says whether every instant of the block starting at t0 has
// one date in loc: one offset throughout, and the same date at both ends.
func sameLocalDate(t0 time.Time, loc *time.Location) bool {
	last := t0.Add(usageBlock*time.Second - time.Nanosecond)
	if _, end := t0.In(loc).ZoneBounds(); !end.IsZero() && !end.After(last) {
		return false
	}
	return ledger.DateOf(t0.In(loc)) == ledger.DateOf(last.In(loc))
}
