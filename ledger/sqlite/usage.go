package sqlite

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
)

// Usage aggregates (migration 0008): per usage signature, the sums of the
// stored events per rule, period, channel, product, currency and FX date,
// with the events' IDs. Imports add to them, contract saves build them, and
// runs and statements evaluate them instead of reading every event.

// usageSetID returns the ID of the set of signature sig; ok is false when
// there is none.
func usageSetID(ctx context.Context, q querier, sig string) (id int64, ok bool, err error) {
	err = q.QueryRowContext(ctx, `SELECT id FROM usage_sets WHERE signature = ?`, sig).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return id, err == nil, err
}

// ensureUsage returns the set of c's signature, building it from the
// stored events when it is missing: those its rules' matches can take
// when the event index shows them sparse (a contract of one seller among
// hundreds), otherwise every event.
func ensureUsage(ctx context.Context, tx *Tx, c *contracts.Contract) (int64, error) {
	sig := c.UsageSignature()
	id, ok, err := usageSetID(ctx, tx.SQL(), sig)
	if err != nil || ok {
		return id, err
	}
	res, err := tx.SQL().ExecContext(ctx, `INSERT INTO usage_sets (signature, built_at) VALUES (?, ?)`, sig, tx.Now.Format(time.RFC3339Nano))
	if err != nil {
		return 0, err
	}
	if id, err = res.LastInsertId(); err != nil {
		return 0, err
	}
	w := newUsageWriter(id, c)
	add := func(e *ledger.Event) error { return w.add(tx, e) }
	ids, sparse, err := matchableEventIDs(ctx, tx.SQL(), c)
	if err != nil {
		return 0, err
	}
	if sparse {
		err = eachEventAmong(ctx, tx.SQL(), ids, add)
	} else {
		err = eachEvent(ctx, tx.SQL(), ledger.EventFilter{}, add)
	}
	if err != nil {
		return 0, err
	}
	return id, w.flush(tx)
}

// usageFlushEvents bounds the event IDs a usageWriter holds: past it, the
// aggregates so far are written (rows add up) and a new Usage starts, so
// memory does not grow with the number of events.
var usageFlushEvents = 1 << 20 // a variable for tests

// usageWriter adds events to a usage set in rows of batch (0 when built
// from stored events).
type usageWriter struct {
	setID, batch int64
	c            *contracts.Contract
	u            *contracts.Usage
	events       int
}

func newUsageWriter(setID int64, c *contracts.Contract) *usageWriter {
	w := &usageWriter{setID: setID, c: c}
	w.reset()
	return w
}

func (w *usageWriter) reset() {
	w.u = contracts.NewUsage(w.c)
	w.u.TraceEvents()
	w.events = 0
}

func (w *usageWriter) add(tx *Tx, e *ledger.Event) error {
	w.u.Add(e)
	if w.events++; w.events >= usageFlushEvents {
		return w.flush(tx)
	}
	return nil
}

// flush writes the aggregates added since the last flush.
func (w *usageWriter) flush(tx *Tx) error {
	if err := saveUsageRows(tx, w.setID, w.batch, w.u); err != nil {
		return err
	}
	w.reset()
	return nil
}

// pruneUsage drops the sets that no current contract's signature names:
// imports stop adding to them, so they would go stale.
func pruneUsage(ctx context.Context, tx *Tx) error {
	cs, err := loadContracts(ctx, tx.SQL())
	if err != nil {
		return err
	}
	keep := map[string]bool{}
	for _, sc := range cs {
		keep[sc.Contract.UsageSignature()] = true
	}
	var drop []int64
	err = eachRow(ctx, tx.SQL(), func(row rowScanner) error {
		var id int64
		var sig string
		if err := row.Scan(&id, &sig); err != nil {
			return err
		}
		if !keep[sig] {
			drop = append(drop, id)
		}
		return nil
	}, `SELECT id, signature FROM usage_sets`)
	if err != nil {
		return err
	}
	for _, id := range drop {
		if _, err := tx.SQL().ExecContext(ctx, `DELETE FROM usage_rows WHERE set_id = ?`, id); err != nil {
			return err
		}
		if _, err := tx.SQL().ExecContext(ctx, `DELETE FROM usage_sets WHERE id = ?`, id); err != nil {
			return err
		}
	}
	return nil
}

// saveUsageRows appends u's aggregates to set setID.
func saveUsageRows(tx *Tx, setID, batch int64, u *contracts.Usage) error {
	if u.Len() == 0 {
		return nil
	}
	st, err := tx.stmt(`INSERT INTO usage_rows (set_id, batch_id, rule, period, channel, product, currency,
		fx_date, amount, events, event_ids) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	var ids []byte
	for _, r := range u.Rows() {
		fx := ""
		if !r.FXDate.IsZero() {
			fx = r.FXDate.String()
		}
		ids = appendIDs(ids[:0], r.EventIDs)
		if _, err := st.ExecContext(tx.Context(), setID, batch, r.Rule, r.Period.Label(), r.Channel, r.Product, r.Currency, fx,
			ledger.FormatAmount(r.Amount), r.Events, ids); err != nil {
			return err
		}
	}
	return nil
}

// appendIDs encodes ids as signed varint deltas, each from the one before
// (the first from 0): ascending IDs take a byte or two each.
func appendIDs(b []byte, ids []int64) []byte {
	prev := int64(0)
	for _, id := range ids {
		b = binary.AppendVarint(b, id-prev)
		prev = id
	}
	return b
}

func decodeIDs(b []byte, ids []int64) ([]int64, error) {
	prev := int64(0)
	for len(b) > 0 {
		d, n := binary.Varint(b)
		if n <= 0 {
			return ids, fmt.Errorf("bad event ID list")
		}
		prev += d
		ids = append(ids, prev)
		b = b[n:]
	}
	return ids, nil
}

// lineKey names the lines of one rule and period.
type lineKey struct {
	rule   string
	period string
}

// loadUsage reads the set setID as a Usage of c; with trace, it also returns
// the event IDs per rule and period.
func loadUsage(ctx context.Context, q querier, c *contracts.Contract, setID int64, trace bool) (*contracts.Usage, map[lineKey][]int64, error) {
	cols := `rule, period, channel, product, currency, fx_date, amount, events, ''`
	if trace {
		cols = `rule, period, channel, product, currency, fx_date, amount, events, event_ids`
	}
	rows, err := q.QueryContext(ctx, `SELECT `+cols+` FROM usage_rows WHERE set_id = ?`, setID)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	u := contracts.NewUsage(c)
	var traced map[lineKey][]int64
	if trace {
		traced = map[lineKey][]int64{}
	}
	periods := map[string]ledger.Period{}
	for rows.Next() {
		var k contracts.UsageKey
		var period, fx, amount string
		var ids []byte
		var s contracts.UsageSum
		if err := rows.Scan(&k.Rule, &period, &k.Channel, &k.Product, &k.Currency, &fx, &amount, &s.Events, &ids); err != nil {
			return nil, nil, err
		}
		p, ok := periods[period]
		if !ok {
			if p, err = ledger.ParsePeriod(period); err != nil {
				return nil, nil, fmt.Errorf("usage row: %w", err)
			}
			periods[period] = p
		}
		k.Period = p
		if fx != "" {
			if k.FXDate, err = ledger.ParseDate(fx); err != nil {
				return nil, nil, fmt.Errorf("usage row: %w", err)
			}
		}
		if s.Amount, err = decimal.NewFromString(amount); err != nil {
			return nil, nil, fmt.Errorf("usage row amount %q: %w", amount, err)
		}
		if err := u.AddRow(k, s); err != nil {
			return nil, nil, err
		}
		if trace {
			lk := lineKey{k.Rule, period}
			if traced[lk], err = decodeIDs(ids, traced[lk]); err != nil {
				return nil, nil, err
			}
		}
	}
	return u, traced, rows.Err()
}
