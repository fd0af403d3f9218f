package postgres

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
)

var _ ledger.Journal = (*DB)(nil)

// writer is one write transaction: it holds the writer lock, and knows the
// chain head and the closed-through date as of its start.
type writer struct {
	ctx      context.Context
	tx       pgx.Tx
	db       *DB
	now      time.Time // the one recorded-at instant of the transaction
	headID   int64
	headHash string // hex, as ledger.Entry holds it
	closed   ledger.Date
	accounts map[string]int64 // accounts this transaction created
}

// write runs fn in a transaction that holds the writer lock, and commits if
// fn returns nil. now is the clock's time or, if the clock is behind, the
// last entry's recorded-at: recorded-at never goes back along the chain.
func (db *DB) write(ctx context.Context, fn func(w *writer) error) error {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := db.lockWriter(ctx, tx); err != nil {
		return err
	}
	w := &writer{ctx: ctx, tx: tx, db: db, accounts: map[string]int64{}}
	now := db.clock.Now().UTC().Round(0)
	var at time.Time
	var ns int16
	var hash []byte
	err = tx.QueryRow(ctx, `SELECT id, hash, recorded_at, recorded_ns FROM entries ORDER BY id DESC LIMIT 1`).
		Scan(&w.headID, &hash, &at, &ns)
	w.headHash = hex.EncodeToString(hash)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return err
	default:
		if last := recordedAt(at, ns); now.Before(last) {
			now = last
		}
	}
	w.now = now
	if w.closed, err = closedThrough(ctx, tx); err != nil {
		return err
	}
	if err := fn(w); err != nil {
		return err
	}
	if err := bumpDataVersion(ctx, tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	db.cacheAccounts(w.accounts)
	return nil
}

// recordedAt joins the stored microseconds and nanoseconds.
func recordedAt(at time.Time, ns int16) time.Time {
	return at.UTC().Add(time.Duration(ns))
}

// Post appends entries atomically, all or none, with the rules of
// ledger.Journal: each entry is validated (as on SQLite: at most 18
// fractional digits, below 10^54); a key already posted with the same
// Content is a duplicate, with other content an ECONFLICT showing the first
// difference; a date in the closed period is EINVALID. The first failing
// entry in order decides the error. Postings and then entries go in with
// COPY; the database checks the result (migrations/0001).
func (db *DB) Post(ctx context.Context, entries []ledger.Entry) ([]ledger.PostResult, error) {
	var res []ledger.PostResult
	err := db.write(ctx, func(w *writer) error {
		var err error
		res, err = w.post(entries)
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

type seenEntry struct {
	id      int64
	content string
}

func (w *writer) post(entries []ledger.Entry) ([]ledger.PostResult, error) {
	existing, err := w.lookupKeys(entries)
	if err != nil {
		return nil, err
	}
	results := make([]ledger.PostResult, len(entries))
	thisCall := make(map[ledger.Key]seenEntry, len(entries))
	var entryRows, postingRows [][]any
	var names []string
	nameSeen := map[string]bool{}
	for i := range entries {
		e := entries[i] // a copy: the caller's entry is not modified
		amounts, err := checkEntry(&e)
		if err != nil {
			return nil, err
		}
		content := e.Content()
		if prev, ok := thisCall[e.Key]; ok {
			if err := ledger.SameContentInBatch(e.Key, prev.content, content); err != nil {
				return nil, err
			}
			results[i] = ledger.PostResult{ID: prev.id, Duplicate: true}
			continue
		}
		if stored, ok := existing[e.Key]; ok {
			if err := ledger.SameAsPosted(e.Key, content, stored); err != nil {
				return nil, err
			}
			results[i] = ledger.PostResult{ID: stored.ID, Duplicate: true}
			continue
		}
		if !w.closed.IsZero() && !e.Date.After(w.closed) {
			return nil, ledger.Errorf(ledger.EINVALID, "entry %q: effective date %s is in a closed period (closed through %s)", e.Key.String(), e.Date, w.closed)
		}
		e.ID = w.headID + 1
		if e.Reverses < 0 || e.Reverses >= e.ID {
			return nil, ledger.Errorf(ledger.EINVALID, "entry %q: reverses entry %d, which does not exist", e.Key.String(), e.Reverses)
		}
		e.RecordedAt = w.now
		e.PrevHash = w.headHash
		e.Hash = ledger.ChainHashOf(e.PrevHash, e.ID, e.RecordedAt, content)
		for j, p := range e.Postings {
			postingRows = append(postingRows, []any{e.ID, int32(j + 1), p.Account, p.Currency, numeric(amounts[j])})
			if !nameSeen[p.Account] {
				nameSeen[p.Account] = true
				names = append(names, p.Account)
			}
		}
		meta := e.Meta
		if meta == nil {
			meta = map[string]string{}
		}
		var reverses *int64
		if e.Reverses != 0 {
			reverses = &e.Reverses
		}
		entryRows = append(entryRows, []any{e.ID, e.Key.Source, e.Key.ExternalID, e.Date.In(time.UTC),
			e.RecordedAt.Truncate(time.Microsecond), int16(e.RecordedAt.Nanosecond() % 1000),
			e.Description, meta, reverses, hexBytes(e.PrevHash), hexBytes(e.Hash)})
		thisCall[e.Key] = seenEntry{e.ID, content}
		w.headID, w.headHash = e.ID, e.Hash
		results[i] = ledger.PostResult{ID: e.ID}
	}
	if len(entryRows) == 0 {
		return results, nil
	}
	ids, err := w.accountIDs(names)
	if err != nil {
		return nil, err
	}
	for _, r := range postingRows {
		r[2] = ids[r[2].(string)]
	}
	// Postings first, then the entries that seal them.
	if _, err := w.tx.CopyFrom(w.ctx, pgx.Identifier{"postings"},
		[]string{"entry_id", "seq", "account_id", "currency", "amount"}, pgx.CopyFromRows(postingRows)); err != nil {
		return nil, fmt.Errorf("copy postings: %w", err)
	}
	if _, err := w.tx.CopyFrom(w.ctx, pgx.Identifier{"entries"},
		[]string{"id", "source", "external_id", "date", "recorded_at", "recorded_ns", "description", "meta", "reverses", "prev_hash", "hash"},
		pgx.CopyFromRows(entryRows)); err != nil {
		return nil, fmt.Errorf("copy entries: %w", err)
	}
	return results, nil
}

// hexBytes is a hash as stored (bytea) from its hex text.
func hexBytes(h string) []byte {
	b, err := hex.DecodeString(h)
	if err != nil {
		panic(fmt.Sprintf("hash %q: %v", h, err)) // ledger.ChainHashOf returns hex
	}
	return b
}

// checkEntry validates e (ledger.Entry.Validate and this store's limits)
// and returns its amounts as stored: at most 18 fractional digits (more
// are refused unless they are trailing zeros, which are dropped), below
// 10^54 in magnitude (as in SQLite; docs/ledger.md). Text must be valid UTF-8 without NUL, which
// PostgreSQL's text cannot hold.
func checkEntry(e *ledger.Entry) ([]decimal.Decimal, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	name := e.Key.String()
	texts := []string{e.Key.Source, e.Key.ExternalID, e.Description}
	for k, v := range e.Meta {
		texts = append(texts, k, v)
	}
	for _, s := range texts {
		if !validText(s) {
			return nil, ledger.Errorf(ledger.EINVALID, "entry %q: text %q is not valid UTF-8 or contains a NUL character", name, s)
		}
	}
	amounts := make([]decimal.Decimal, len(e.Postings))
	for i, p := range e.Postings {
		d := p.Amount
		if d.Exponent() < -maxFracDigits {
			t := d.Truncate(maxFracDigits)
			if !t.Equal(d) {
				return nil, ledger.Errorf(ledger.EINVALID, "entry %q posting %d: amount %s has more than %d fractional digits",
					name, i+1, d.String(), maxFracDigits)
			}
			d = t // only trailing zeros were dropped
		}
		if d.Abs().Cmp(maxAmount) >= 0 {
			return nil, ledger.Errorf(ledger.EINVALID, "entry %q posting %d: amount %s is too large (at most %d integer digits)",
				name, i+1, d.String(), maxIntDigits)
		}
		amounts[i] = d
	}
	return amounts, nil
}

const maxFracDigits = 18

// numeric is d as PostgreSQL's NUMERIC: the same coefficient and exponent,
// so the scale is kept ("10.50" stays 10.50).
func numeric(d decimal.Decimal) pgtype.Numeric {
	return pgtype.Numeric{Int: d.Coefficient(), Exp: d.Exponent(), Valid: true}
}

const maxIntDigits = 54

var maxAmount = decimal.New(1, maxIntDigits)

func validText(s string) bool {
	return !strings.ContainsRune(s, 0) && strings.ToValidUTF8(s, "\uFFFD") == s
}

// lookupKeys reads the stored entries posted under the keys of es.
func (w *writer) lookupKeys(es []ledger.Entry) (map[ledger.Key]*ledger.Entry, error) {
	if w.headID == 0 {
		return nil, nil
	}
	sources, ids := make([]string, len(es)), make([]string, len(es))
	for i, e := range es {
		sources[i], ids[i] = e.Key.Source, e.Key.ExternalID
	}
	stored, err := readEntries(w.ctx, w.tx, `e.id IN (SELECT e.id FROM entries e
		JOIN unnest($1::text[], $2::text[]) AS k (source, external_id)
		ON e.source = k.source AND e.external_id = k.external_id)`, []any{sources, ids}, 0, 0)
	if err != nil {
		return nil, err
	}
	out := make(map[ledger.Key]*ledger.Entry, len(stored))
	for i := range stored {
		out[stored[i].Key] = &stored[i]
	}
	return out, nil
}

// accountIDs returns the IDs of the accounts named, creating those that do
// not exist yet.
func (w *writer) accountIDs(names []string) (map[string]int64, error) {
	ids, missing := w.db.cachedAccounts(names)
	if len(missing) == 0 {
		return ids, nil
	}
	types := make([]string, len(missing))
	for i, n := range missing {
		t, err := ledger.AccountTypeOf(n)
		if err != nil {
			return nil, err
		}
		types[i] = string(t)
	}
	if _, err := w.tx.Exec(w.ctx, `INSERT INTO accounts (name, type) SELECT * FROM unnest($1::text[], $2::text[])
		ON CONFLICT (name) DO NOTHING`, missing, types); err != nil {
		return nil, err
	}
	rows, err := w.tx.Query(w.ctx, `SELECT name, id FROM accounts WHERE name = ANY($1)`, missing)
	if err != nil {
		return nil, err
	}
	var n string
	var id int64
	_, err = pgx.ForEachRow(rows, []any{&n, &id}, func() error {
		ids[n], w.accounts[n] = id, id
		return nil
	})
	return ids, err
}

// Entry returns one entry with its postings; ENOTFOUND if there is none.
func (db *DB) Entry(ctx context.Context, id int64) (ledger.Entry, error) {
	return db.oneEntry(ctx, "e.id = $1", []any{id}, fmt.Sprintf("entry %d not found", id))
}

// EntryByKey returns the entry posted with idempotency key k; ENOTFOUND if
// there is none.
func (db *DB) EntryByKey(ctx context.Context, k ledger.Key) (ledger.Entry, error) {
	return db.oneEntry(ctx, "e.source = $1 AND e.external_id = $2", []any{k.Source, k.ExternalID},
		fmt.Sprintf("no entry with key %s/%s", k.Source, k.ExternalID))
}

// oneEntry reads the entry matching where; ENOTFOUND with notFound if none.
func (db *DB) oneEntry(ctx context.Context, where string, args []any, notFound string) (ledger.Entry, error) {
	es, err := readEntries(ctx, db.pool, where, args, 0, 1)
	if err != nil {
		return ledger.Entry{}, err
	}
	if len(es) == 0 {
		return ledger.Entry{}, ledger.Errorf(ledger.ENOTFOUND, "%s", notFound)
	}
	return es[0], nil
}

// maxEntryPage bounds how many entries one page of a streaming read holds.
const maxEntryPage = 1000

// EachEntry calls fn for every entry matching f, in ID order, in pages of
// at most 1000 entries read in one snapshot (a REPEATABLE READ read-only
// transaction). An error from fn stops the walk and is returned.
func (db *DB) EachEntry(ctx context.Context, f ledger.EntryFilter, fn func(*ledger.Entry) error) error {
	where, args, err := entryWhere(f)
	if err != nil {
		return err
	}
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	read := func(after int64, n int) ([]ledger.Entry, error) { return readEntries(ctx, tx, where, args, after, n) }
	return ledger.EachPage(f.AfterID, f.Limit, maxEntryPage, read, func(e *ledger.Entry) int64 { return e.ID }, fn)
}

// entryWhere turns a filter into a condition over entries e whose
// arguments are numbered from $1.
func entryWhere(f ledger.EntryFilter) (string, []any, error) {
	if err := f.Check(); err != nil {
		return "", nil, err
	}
	conds := []string{"true"}
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if !f.From.IsZero() {
		conds = append(conds, "e.date >= "+arg(f.From.In(time.UTC))+"::date")
	}
	if !f.To.IsZero() {
		conds = append(conds, "e.date <= "+arg(f.To.In(time.UTC))+"::date")
	}
	if !f.KnownAt.IsZero() {
		at, ns := splitInstant(f.KnownAt)
		conds = append(conds, "(e.recorded_at, e.recorded_ns) <= ("+arg(at)+"::timestamptz, "+arg(ns)+"::smallint)")
	}
	if f.Account != "" {
		conds = append(conds, `EXISTS (SELECT 1 FROM postings fp JOIN accounts fa ON fa.id = fp.account_id
			WHERE fp.entry_id = e.id AND (fa.name = `+arg(f.Account)+` OR starts_with(fa.name, `+arg(f.Account+":")+`)))`)
	}
	if len(f.Meta) > 0 {
		// Containment of {"k": "v", ...}: every key present with that value.
		conds = append(conds, "e.meta @> "+arg(f.Meta)+"::jsonb")
	}
	return strings.Join(conds, " AND "), args, nil
}

// splitInstant splits t into whole microseconds (UTC) and the nanoseconds
// below, as entries store recorded-at.
func splitInstant(t time.Time) (time.Time, int16) {
	t = t.UTC()
	return t.Truncate(time.Microsecond), int16(t.Nanosecond() % 1000)
}

// querier is a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// queryRows runs query and returns its rows as scan reads each, in the
// query's order; no rows is a nil slice (as SQLite's queryRows gives, and
// unlike pgx.CollectRows). The first error stops it.
func queryRows[T any](ctx context.Context, q querier, scan pgx.RowToFunc[T], query string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return pgx.AppendRows([]T(nil), rows, scan)
}

// pageQuery completes selectFrom, a SELECT over a table e with an id
// column, with the rows of ID > after matching where (arguments from $1),
// in ID order, at most limit of them (0: no limit): one page of a
// streaming read (readEntries, readEvents).
func pageQuery(selectFrom, where string, args []any, after int64, limit int) (string, []any) {
	n := len(args)
	query := fmt.Sprintf(`%s WHERE e.id > $%d AND (%s) ORDER BY e.id`, selectFrom, n+1, where)
	args = append(append([]any{}, args...), after)
	if limit > 0 {
		query += fmt.Sprintf(" LIMIT $%d", n+2)
		args = append(args, limit)
	}
	return query, args
}

// readEntries reads up to limit entries (0: no limit) with ID > after
// matching where (over entries e, arguments from $1), with their postings,
// in ID order.
func readEntries(ctx context.Context, q querier, where string, args []any, after int64, limit int) ([]ledger.Entry, error) {
	query, args := pageQuery(`SELECT e.id, e.source, e.external_id, e.date, e.recorded_at, e.recorded_ns, e.description, e.meta,
		coalesce(e.reverses, 0), e.prev_hash, e.hash
		FROM entries e`, where, args, after, limit)
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var es []ledger.Entry
	for rows.Next() {
		var e ledger.Entry
		var date, at time.Time
		var ns int16
		var prev, hash []byte
		if err := rows.Scan(&e.ID, &e.Key.Source, &e.Key.ExternalID, &date, &at, &ns, &e.Description, &e.Meta,
			&e.Reverses, &prev, &hash); err != nil {
			rows.Close()
			return nil, err
		}
		e.PrevHash, e.Hash = hex.EncodeToString(prev), hex.EncodeToString(hash)
		e.Date = ledger.DateOf(date)
		e.RecordedAt = recordedAt(at, ns)
		if len(e.Meta) == 0 {
			e.Meta = nil
		}
		es = append(es, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(es) == 0 {
		return es, err
	}
	first, last := es[0].ID, es[len(es)-1].ID
	rows, err = q.Query(ctx, `SELECT p.entry_id, a.name, p.amount::text, p.currency
		FROM postings p JOIN accounts a ON a.id = p.account_id
		WHERE p.entry_id BETWEEN $1 AND $2 AND p.entry_id = ANY($3)
		ORDER BY p.entry_id, p.seq`, first, last, entryIDs(es))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	j := 0
	for rows.Next() {
		var id int64
		var p ledger.Posting
		var amount string
		if err := rows.Scan(&id, &p.Account, &amount, &p.Currency); err != nil {
			return nil, err
		}
		if p.Amount, err = decimal.NewFromString(amount); err != nil {
			return nil, fmt.Errorf("entry %d: amount %q: %w", id, amount, err)
		}
		for es[j].ID < id {
			j++
		}
		es[j].Postings = append(es[j].Postings, p)
	}
	return es, rows.Err()
}

func entryIDs(es []ledger.Entry) []int64 {
	ids := make([]int64, len(es))
	for i := range es {
		ids[i] = es[i].ID
	}
	return ids
}

// TrialBalance sums postings per account and currency, ordered by account
// then currency, exactly (NUMERIC sums). Accounts appear once they have a
// posting in the view, even if their balance is zero.
//
// The whole journal comes from the running totals per account and
// currency, an as-of view from the running monthly sums and the totals per
// day, a known-at view from the marks (all kept by the entries triggers,
// in the posting's transaction); both together from the balance versions
// and spans (kept the same way).
func (db *DB) TrialBalance(ctx context.Context, q ledger.BalanceQuery) ([]ledger.Balance, error) {
	// One statement a view, no explicit transaction: one round trip for the
	// current and as-of views (a statement sees one snapshot), and one more
	// the first time an account is met, for its name. A known-at
	// view takes two, and needs no common snapshot: the entries up to the
	// cut never change.
	cut := int64(-1) // the last entry in the view, -1 for all
	if !q.KnownAt.IsZero() {
		at, ns := splitInstant(q.KnownAt)
		var known, last int64
		if err := db.pool.QueryRow(ctx, `SELECT
				coalesce((SELECT id FROM entries WHERE (recorded_at, recorded_ns) <= ($1::timestamptz, $2::smallint)
					ORDER BY recorded_at DESC, recorded_ns DESC, id DESC LIMIT 1), 0),
				coalesce((SELECT max(id) FROM entries), 0)`, at, ns).Scan(&known, &last); err != nil {
			return nil, err
		}
		if known < last {
			cut = known
		}
	}
	var rows pgx.Rows
	var err error
	// Each view reads (account ID, currency, amount as text): the names
	// come from accountNames' cache, the order from sortBalances, so the
	// server reads one relation and sorts nothing (docs/postgres.md,
	// "Reads").
	switch {
	case cut >= 0 && q.AsOf.IsZero():
		// Per account, its last mark at or before the cut (migrations/0091):
		// one index descent each. An account without one had no posting yet.
		rows, err = db.pool.Query(ctx, `SELECT t.account_id, t.currency, m.amount::text FROM balance_totals t
			CROSS JOIN LATERAL (SELECT m.amount FROM balance_marks m
				WHERE m.account_id = t.account_id AND m.currency = t.currency AND m.entry_id <= $1
				ORDER BY m.entry_id DESC LIMIT 1) m`, cut)
	case cut >= 0:
		// Per account, its span at its last version up to the cut, then the
		// version row at the last date on or before the date (or the span's
		// last date) with a row up to the cut, at its last version up to
		// the cut (migrations/0093): two index descents each. An account
		// without a span had no posting yet; one whose first date is after
		// the date is left out.
		rows, err = db.pool.Query(ctx, `SELECT t.account_id, t.currency, b.amount::text FROM balance_totals t
			CROSS JOIN LATERAL (SELECT s.first_date, s.last_date FROM balance_spans s
				WHERE s.account_id = t.account_id AND s.currency = t.currency AND s.entry_id <= $1
				ORDER BY s.entry_id DESC LIMIT 1) s
			CROSS JOIN LATERAL (SELECT b.amount FROM balance_versions b
				WHERE b.account_id = t.account_id AND b.currency = t.currency
				AND b.date <= least($2::date, s.last_date) AND b.entry_id <= $1
				ORDER BY b.date DESC, b.entry_id DESC LIMIT 1) b
			WHERE s.first_date <= $2::date`, cut, q.AsOf.In(time.UTC))
	case !q.AsOf.IsZero():
		// Per account, its running sum at the end of the month before
		// the date's plus its days of that month up to the date, inlined
		// into this statement: migrations/0090.
		rows, err = db.pool.Query(ctx, `SELECT account_id, currency, amount::text FROM revshare_balances_as_of($1)`, q.AsOf.In(time.UTC))
	default:
		rows, err = db.pool.Query(ctx, `SELECT account_id, currency, amount::text FROM balance_totals`)
	}
	if err != nil {
		return nil, err
	}
	return db.readBalances(ctx, rows)
}

// ClosePeriods closes every date up to and including through: from then
// on no entry may be dated on or before it (the entries trigger refuses
// one). Closing the date already closed is a no-op; an earlier one is
// EINVALID. The close records the chain head at that moment.
func (db *DB) ClosePeriods(ctx context.Context, through ledger.Date) error {
	if through.IsZero() {
		return ledger.Errorf(ledger.EINVALID, "no date to close through")
	}
	return db.write(withActivity(ctx, "close", "through "+through.String()), func(w *writer) error { return w.closeThrough(through) })
}

// closeThrough is ClosePeriods in w: later posts in w see the new date.
func (w *writer) closeThrough(through ledger.Date) error {
	if again, err := ledger.CheckClose(through, w.closed); again || err != nil {
		return err
	}
	if _, err := w.tx.Exec(w.ctx, `INSERT INTO period_closes (through, closed_at, head_id, head_hash) VALUES ($1, $2, $3, $4)`,
		through.In(time.UTC), w.now, w.headID, hexBytes(w.headHash)); err != nil {
		return err
	}
	w.closed = through
	return w.seal(closeFacts, through.String())
}

// ClosedDates lists the closed-through dates of every close, oldest first.
func (db *DB) ClosedDates(ctx context.Context) ([]ledger.Date, error) {
	rows, err := db.pool.Query(ctx, `SELECT through FROM period_closes ORDER BY through`)
	if err != nil {
		return nil, err
	}
	days, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
	out := make([]ledger.Date, len(days))
	for i, d := range days {
		out[i] = ledger.DateOf(d)
	}
	return out, err
}

// ClosedThrough returns the last closed date (zero Date if none).
func (db *DB) ClosedThrough(ctx context.Context) (ledger.Date, error) {
	return closedThrough(ctx, db.pool)
}

type rowQuerier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func closedThrough(ctx context.Context, q rowQuerier) (ledger.Date, error) {
	var d *time.Time
	if err := q.QueryRow(ctx, `SELECT max(through) FROM period_closes`).Scan(&d); err != nil {
		return ledger.Date{}, err
	}
	if d == nil {
		return ledger.Date{}, nil
	}
	return ledger.DateOf(*d), nil
}
