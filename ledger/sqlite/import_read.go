package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/usage"
)

// ImportBatch is one imported file as recorded.
type ImportBatch struct {
	ID         int64     `json:"id"`
	Kind       string    `json:"kind"` // usage | rates
	Source     string    `json:"source"`
	FileName   string    `json:"file_name"`
	SHA256     string    `json:"sha256"`
	Mode       string    `json:"mode"`   // all | partial
	Status     string    `json:"status"` // running (or interrupted) | complete
	Rows       int64     `json:"rows"`
	Posted     int64     `json:"posted"`
	Duplicates int64     `json:"duplicates"`
	Rejected   int64     `json:"rejected"`
	Late       int64     `json:"late"`
	Entries    int64     `json:"entries"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
}

// MaxPageSize bounds Imports and Events pages.
const MaxPageSize = 10000

const batchColumns = `id, kind, source, file_name, file_sha256, mode, status, rows, posted, duplicates, rejected, late, entries, started_at, finished_at`

func scanBatch(s interface{ Scan(...any) error }) (ImportBatch, error) {
	var b ImportBatch
	var started string
	var finished sql.NullString
	if err := s.Scan(&b.ID, &b.Kind, &b.Source, &b.FileName, &b.SHA256, &b.Mode, &b.Status, &b.Rows, &b.Posted,
		&b.Duplicates, &b.Rejected, &b.Late, &b.Entries, &started, &finished); err != nil {
		return b, err
	}
	var err error
	if b.StartedAt, err = parseTime(started); err != nil {
		return b, err
	}
	if finished.Valid {
		if b.FinishedAt, err = parseTime(finished.String); err != nil {
			return b, err
		}
	}
	return b, nil
}

// Imports lists import batches with ID > afterID in ID order, at most limit
// (0 or more than MaxPageSize: MaxPageSize).
func (db *DB) Imports(ctx context.Context, afterID int64, limit int) ([]ImportBatch, error) {
	if limit <= 0 || limit > MaxPageSize {
		limit = MaxPageSize
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+batchColumns+` FROM import_batches WHERE id > ? ORDER BY id LIMIT ?`, afterID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ImportBatch
	for rows.Next() {
		b, err := scanBatch(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// Import returns one batch; ENOTFOUND if there is none.
func (db *DB) Import(ctx context.Context, id int64) (ImportBatch, error) {
	b, err := scanBatch(db.r.QueryRowContext(ctx, `SELECT `+batchColumns+` FROM import_batches WHERE id = ?`, id))
	if err == sql.ErrNoRows {
		return b, ledger.Errorf(ledger.ENOTFOUND, "import %d not found", id)
	}
	return b, err
}

// EventFilter selects events. Zero fields do not filter.
type EventFilter struct {
	EntryID  int64
	BatchID  int64
	Source   string
	EventID  string // with Source: one event
	Seller   string
	Channel  string
	From, To ledger.Date // the event's true accounting date (UTC), inclusive
	AfterID  int64       // cursor: events with ID > AfterID
	Limit    int         // Events: 0 or more than MaxPageSize means MaxPageSize; EachEvent: 0 = all
}

func (f EventFilter) where() (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, v any) { conds = append(conds, cond); args = append(args, v) }
	if f.EntryID != 0 {
		add("entry_id = ?", f.EntryID)
	}
	if f.BatchID != 0 {
		add("batch_id = ?", f.BatchID)
	}
	if f.Source != "" {
		add("source = ?", f.Source)
	}
	if f.EventID != "" {
		add("event_id = ?", f.EventID)
	}
	if f.Seller != "" {
		add("seller = ?", f.Seller)
	}
	if f.Channel != "" {
		add("channel = ?", f.Channel)
	}
	if !f.From.IsZero() {
		add("date >= ?", f.From.String())
	}
	if !f.To.IsZero() {
		add("date <= ?", f.To.String())
	}
	if f.AfterID != 0 {
		add("id > ?", f.AfterID)
	}
	if len(conds) == 0 {
		return "1", nil
	}
	return strings.Join(conds, " AND "), args
}

// Events returns one page of events matching f, in ID order.
func (db *DB) Events(ctx context.Context, f EventFilter) ([]ledger.Event, error) {
	if f.Limit <= 0 || f.Limit > MaxPageSize {
		f.Limit = MaxPageSize
	}
	return loadEvents(ctx, db.r, f)
}

// EachEvent calls fn for every event matching f, in ID order, streaming in
// one read snapshot. The *ledger.Event is reused: copy the struct (a copy
// stays valid) if fn keeps it.
func (db *DB) EachEvent(ctx context.Context, f EventFilter, fn func(*ledger.Event) error) error {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return eachEvent(ctx, tx, f, fn)
}

func loadEvents(ctx context.Context, q querier, f EventFilter) ([]ledger.Event, error) {
	var out []ledger.Event
	err := eachEvent(ctx, q, f, func(e *ledger.Event) error {
		out = append(out, *e)
		return nil
	})
	return out, err
}

// eventText packs an event's text columns into one value, separated by
// 0x1f (which the usage parser refuses inside fields): one column to fetch
// instead of twelve is most of EachEvent's speed. NULL decimals become "".
const eventText = `source || char(31) || event_id || char(31) || occurred_at || char(31) || seller || char(31) ||
	channel || char(31) || customer || char(31) || product || char(31) || region || char(31) ||
	ifnull(quantity, '') || char(31) || ifnull(unit_price, '') || char(31) || amount || char(31) || currency`

func eachEvent(ctx context.Context, q querier, f EventFilter, fn func(*ledger.Event) error) error {
	where, args := f.where()
	query := `SELECT id, batch_id, entry_id, date_only + 2 * late, ` + eventText + `, meta FROM events WHERE ` + where + ` ORDER BY id`
	if f.Limit > 0 {
		query += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var (
		e          ledger.Event
		flags      int
		text, meta string
		fields     [12]string
	)
	for rows.Next() {
		e = ledger.Event{}
		if err := rows.Scan(&e.ID, &e.BatchID, &e.EntryID, &flags, &text, &meta); err != nil {
			return err
		}
		if n := splitFields(text, fields[:]); n != len(fields) {
			return fmt.Errorf("event %d: %d text fields, want %d", e.ID, n, len(fields))
		}
		e.Source, e.EventID, e.Seller, e.Channel = fields[0], fields[1], fields[3], fields[4]
		e.Customer, e.Product, e.Region, e.Currency = fields[5], fields[6], fields[7], fields[11]
		e.DateOnly, e.Late = flags&1 != 0, flags&2 != 0
		occurred := fields[2]
		if e.DateOnly {
			d, err := ledger.ParseDate(occurred)
			if err != nil {
				return fmt.Errorf("event %d: occurred_at %q: %w", e.ID, occurred, err)
			}
			e.OccurredAt = d.In(time.UTC)
		} else if e.OccurredAt, err = time.Parse(time.RFC3339Nano, occurred); err != nil {
			return fmt.Errorf("event %d: occurred_at %q: %w", e.ID, occurred, err)
		}
		var reason string
		if e.Amount, reason = usage.ParseDecimal(fields[10], usage.DefaultNumber); reason != "" {
			return fmt.Errorf("event %d: amount %q: %s", e.ID, fields[10], reason)
		}
		if fields[8] != "" {
			qv, reason := usage.ParseDecimal(fields[8], usage.DefaultNumber)
			if reason != "" {
				return fmt.Errorf("event %d: quantity %q: %s", e.ID, fields[8], reason)
			}
			e.Quantity = &qv // a new variable per row: a copied Event stays valid
		}
		if fields[9] != "" {
			pv, reason := usage.ParseDecimal(fields[9], usage.DefaultNumber)
			if reason != "" {
				return fmt.Errorf("event %d: unit_price %q: %s", e.ID, fields[9], reason)
			}
			e.UnitPrice = &pv
		}
		if meta != "{}" {
			if err := json.Unmarshal([]byte(meta), &e.Meta); err != nil {
				return fmt.Errorf("event %d: meta: %w", e.ID, err)
			}
		}
		if err := fn(&e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// splitFields cuts s at each 0x1f into out and returns how many fields s has.
func splitFields(s string, out []string) int {
	n := 0
	for {
		i := strings.IndexByte(s, 0x1f)
		if i < 0 {
			if n < len(out) {
				out[n] = s
			}
			return n + 1
		}
		if n < len(out) {
			out[n] = s[:i]
		}
		n++
		s = s[i+1:]
	}
}

// FXRates returns every imported exchange rate, by from, to and date.
func (db *DB) FXRates(ctx context.Context) ([]ledger.FXRate, error) {
	return loadRates(ctx, db.r)
}

// loadRates reads every exchange rate through q (the reader pool, or a
// transaction that must see its own snapshot, as a run does).
func loadRates(ctx context.Context, q querier) ([]ledger.FXRate, error) {
	rows, err := q.QueryContext(ctx, `SELECT date, from_ccy, to_ccy, rate FROM fx_rates ORDER BY from_ccy, to_ccy, date`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ledger.FXRate
	for rows.Next() {
		var date, rate string
		var r ledger.FXRate
		if err := rows.Scan(&date, &r.From, &r.To, &rate); err != nil {
			return nil, err
		}
		if r.Date, err = ledger.ParseDate(date); err != nil {
			return nil, err
		}
		var reason string
		if r.Rate, reason = usage.ParseDecimal(rate, usage.DefaultNumber); reason != "" {
			return nil, fmt.Errorf("fx rate %s %s/%s: %q: %s", date, r.From, r.To, rate, reason)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
