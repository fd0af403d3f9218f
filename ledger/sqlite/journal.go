package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/revshare/revshare/ledger"
)

// Post appends entries atomically in one transaction (see Tx.PostEntries
// for the rules and errors).
func (db *DB) Post(ctx context.Context, entries []ledger.Entry) ([]ledger.PostResult, error) {
	var res []ledger.PostResult
	err := db.WithTx(ctx, func(tx *Tx) error {
		var err error
		res, err = tx.PostEntries(entries)
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// Entry returns one entry with its postings; ENOTFOUND if there is none.
func (db *DB) Entry(ctx context.Context, id int64) (ledger.Entry, error) {
	return loadEntry(ctx, db.r, id)
}

// EntryByKey returns the entry posted under k, with its postings;
// ENOTFOUND if there is none.
func (db *DB) EntryByKey(ctx context.Context, k ledger.Key) (ledger.Entry, error) {
	var id int64
	err := db.r.QueryRowContext(ctx, `SELECT id FROM entries WHERE source = ? AND external_id = ?`, k.Source, k.ExternalID).Scan(&id)
	if err == sql.ErrNoRows {
		return ledger.Entry{}, ledger.Errorf(ledger.ENOTFOUND, "no entry with key %s/%s", k.Source, k.ExternalID)
	}
	if err != nil {
		return ledger.Entry{}, err
	}
	return loadEntry(ctx, db.r, id)
}

// loadEntry reads entry id through q (a pool or a transaction).
func loadEntry(ctx context.Context, q querier, id int64) (ledger.Entry, error) {
	chunk, err := readChunk(ctx, q, "e.id = ?", []any{id}, 0, 1)
	if err != nil {
		return ledger.Entry{}, err
	}
	if len(chunk) == 0 {
		return ledger.Entry{}, ledger.Errorf(ledger.ENOTFOUND, "entry %d not found", id)
	}
	return chunk[0].entry()
}

// maxEntryPage bounds how many entries one chunk of a streaming read holds.
const maxEntryPage = 1000

// EachEntry calls fn for every entry matching f, in ID order, in pages of
// at most 1000 entries read in one snapshot (a read transaction): memory
// stays constant however many entries match. An error from fn stops the
// walk and is returned.
func (db *DB) EachEntry(ctx context.Context, f ledger.EntryFilter, fn func(*ledger.Entry) error) error {
	where, args, err := entryWhere(f)
	if err != nil {
		return err
	}
	rtx, err := db.r.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer rtx.Rollback()
	read := func(after int64, n int) ([]rawEntry, error) { return readChunk(ctx, rtx, where, args, after, n) }
	return ledger.EachPage(f.AfterID, f.Limit, maxEntryPage, read, func(r *rawEntry) int64 { return r.id }, func(r *rawEntry) error {
		e, err := r.entry()
		if err != nil {
			return err
		}
		return fn(&e)
	})
}

// entryWhere turns a filter into a WHERE clause over entries e.
func entryWhere(f ledger.EntryFilter) (string, []any, error) {
	if err := f.Check(); err != nil {
		return "", nil, err
	}
	conds := []string{"1"}
	var args []any
	if !f.From.IsZero() {
		conds = append(conds, "e.date >= ?")
		args = append(args, f.From.String())
	}
	if !f.To.IsZero() {
		conds = append(conds, "e.date <= ?")
		args = append(args, f.To.String())
	}
	if !f.KnownAt.IsZero() {
		conds = append(conds, "e.recorded_at <= ?")
		args = append(args, formatTime(f.KnownAt))
	}
	if f.Account != "" {
		conds = append(conds, `EXISTS (SELECT 1 FROM postings fp JOIN accounts fa ON fa.id = fp.account_id
			WHERE fp.entry_id = e.id AND (fa.name = ? OR substr(fa.name, 1, ?) = ?))`)
		args = append(args, f.Account, len(f.Account)+1, f.Account+":")
	}
	for _, k := range ledger.SortedKeys(f.Meta) {
		conds = append(conds, "json_extract(e.meta, ?) IS ?")
		args = append(args, `$."`+strings.ReplaceAll(k, `"`, `\"`)+`"`, f.Meta[k])
	}
	return strings.Join(conds, " AND "), args, nil
}

// rawEntry is an entry as stored, before interpretation (Verify checks it).
type rawEntry struct {
	id                                   int64
	source, externalID, date, recordedAt string
	description, meta                    string
	reverses                             sql.NullInt64
	prevHash, hash                       string
	postings                             []rawPosting
}

type rawPosting struct {
	entryID, seq     int64
	accountID        int64
	account, acctTyp sql.NullString // NULL when the account row is missing
	currency, amount string
	l                limbs // as stored, beside amount
}

// readChunk reads up to limit entries with id > after matching where (over
// entries e), with their postings, in ID order.
func readChunk(ctx context.Context, q querier, where string, args []any, after int64, limit int) ([]rawEntry, error) {
	return readChunkWith(ctx, q, where, args, after, limit, nil)
}

// readChunkWith is readChunk naming the postings' accounts from accounts
// (all of them, read in the same snapshot) rather than joining each
// posting to its account row.
func readChunkWith(ctx context.Context, q querier, where string, args []any, after int64, limit int, accounts map[int64]ledger.Account) ([]rawEntry, error) {
	chunk, err := readEntries(ctx, q, `SELECT e.id, e.source, e.external_id, e.date, e.recorded_at, e.description, e.meta, e.reverses, e.prev_hash, e.hash
		FROM entries e WHERE e.id > ? AND `+where+` ORDER BY e.id LIMIT ?`, append(append([]any{after}, args...), limit)...)
	if err != nil {
		return nil, err
	}
	if len(chunk) == 0 {
		return nil, nil
	}
	first, last := chunk[0].id, chunk[len(chunk)-1].id
	var ps []rawPosting
	if span := last - first + 1; span > 4*int64(len(chunk)) {
		// A sparse page (a filter matched few entries): fetch exactly theirs.
		ids := make([]any, len(chunk))
		for i := range chunk {
			ids[i] = chunk[i].id
		}
		ps, err = readPostingsWhere(ctx, q, accounts, "p.entry_id IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+")", ids...)
	} else {
		ps, err = readPostingsWhere(ctx, q, accounts, "p.entry_id BETWEEN ? AND ?", first, last)
	}
	if err != nil {
		return nil, err
	}
	attachPostings(chunk, ps)
	return chunk, nil
}

// attachPostings attaches postings (in entry order) to their entries (in ID
// order), each entry's a slice of ps; postings of entries not in chunk
// (filtered out, or missing) are skipped.
func attachPostings(chunk []rawEntry, ps []rawPosting) {
	j := 0
	for i := 0; i < len(ps); {
		id := ps[i].entryID
		end := i + 1
		for end < len(ps) && ps[end].entryID == id {
			end++
		}
		for j < len(chunk) && chunk[j].id < id {
			j++
		}
		if j == len(chunk) {
			break
		}
		if chunk[j].id == id {
			chunk[j].postings = ps[i:end:end]
		}
		i = end
	}
}

// readEntries runs query, which selects the columns of rawEntry in order.
func readEntries(ctx context.Context, q querier, query string, args ...any) ([]rawEntry, error) {
	return appendEntries(ctx, q, nil, query, args...)
}

// appendEntries is readEntries appending to out.
func appendEntries(ctx context.Context, q querier, out []rawEntry, query string, args ...any) ([]rawEntry, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	// One row's scan destinations, built once: r is copied out per row.
	var r rawEntry
	var ints intScan
	dest := ints.bind([]any{&r.id, &r.source, &r.externalID, &r.date, &r.recordedAt, &r.description, &r.meta, &r.reverses, &r.prevHash, &r.hash})
	for rows.Next() {
		r = rawEntry{}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		if err := ints.set(rows); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// readPostingsWhere reads the postings matching where, in entry and
// posting order, with their accounts' names and types: from accounts if
// it is not nil, else joined.
func readPostingsWhere(ctx context.Context, q querier, accounts map[int64]ledger.Account, where string, args ...any) ([]rawPosting, error) {
	return appendPostingsWhere(ctx, q, nil, accounts, false, where, args...)
}

// appendPostingsWhere is readPostingsWhere appending to ps. If narrow,
// with accounts, every posting is narrowDay (allNarrow): its limbs are
// read as packedL1L2.
func appendPostingsWhere(ctx context.Context, q querier, ps []rawPosting, accounts map[int64]ledger.Account, narrow bool, where string, args ...any) ([]rawPosting, error) {
	query := `SELECT p.entry_id, p.seq, p.account_id, a.name, a.type, p.currency, p.amount, ` + limbCols("p.", false) + `
		FROM postings p LEFT JOIN accounts a ON a.id = p.account_id
		WHERE ` + where + ` ORDER BY p.entry_id, p.seq`
	narrow = narrow && accounts != nil
	switch {
	case narrow:
		query = `SELECT p.entry_id, p.seq, p.account_id, p.currency, p.amount, ` + packedL1L2 + `
		FROM postings p WHERE ` + where + ` ORDER BY p.entry_id, p.seq`
	case accounts != nil:
		query = `SELECT p.entry_id, p.seq, p.account_id, p.currency, p.amount, ` + limbCols("p.", false) + `
		FROM postings p WHERE ` + where + ` ORDER BY p.entry_id, p.seq`
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var currency sql.RawBytes
	currencies := map[string]string{} // one string per currency
	// One row's scan destinations, built once: p is copied out per row.
	var p rawPosting
	dest := []any{&p.entryID, &p.seq, &p.accountID, &p.account, &p.acctTyp, &currency, &p.amount}
	if accounts != nil {
		dest = []any{&p.entryID, &p.seq, &p.accountID, &currency, &p.amount}
	}
	var packed int64
	if narrow {
		dest = append(dest, &packed)
	} else {
		dest = append(dest, p.l.ptrs()...)
	}
	var ints intScan
	dest = ints.bind(dest)
	for rows.Next() {
		p = rawPosting{}
		if err = rows.Scan(dest...); err != nil {
			return nil, err
		}
		if err = ints.set(rows); err != nil {
			return nil, err
		}
		if narrow {
			p.l = unpackL1L2(packed)
		}
		c, ok := currencies[string(currency)]
		if !ok {
			c = string(currency)
			currencies[c] = c
		}
		p.currency = c
		if accounts != nil {
			if a, ok := accounts[p.accountID]; ok {
				p.account = sql.NullString{String: a.Name, Valid: true}
				p.acctTyp = sql.NullString{String: string(a.Type), Valid: true}
			}
		}
		ps = append(ps, p)
	}
	return ps, rows.Err()
}

// entry interprets a stored entry. Malformed stored values are internal
// errors naming the entry (Verify reports them in detail).
func (r *rawEntry) entry() (ledger.Entry, error) {
	return r.entryWith(nil)
}

// parsedTimes keeps the last date and recorded-at parsed: a scan of the
// journal meets each many times in a row (0.4 s of verify's CPU at 1M
// entries parsed them every time).
type parsedTimes struct {
	dateText, recordedText string
	date                   ledger.Date
	recorded               time.Time
}

// entryWith is entry parsing the date and recorded-at through c (if not
// nil).
func (r *rawEntry) entryWith(c *parsedTimes) (ledger.Entry, error) {
	e := ledger.Entry{
		ID:          r.id,
		Key:         ledger.Key{Source: r.source, ExternalID: r.externalID},
		Description: r.description,
		Reverses:    r.reverses.Int64,
		PrevHash:    r.prevHash,
		Hash:        r.hash,
	}
	var err error
	switch {
	case c != nil && c.dateText == r.date && r.date != "":
		e.Date = c.date
	default:
		if e.Date, err = ledger.ParseDate(r.date); err != nil {
			return e, fmt.Errorf("entry %d: %w", r.id, err)
		}
		if c != nil {
			c.dateText, c.date = r.date, e.Date
		}
	}
	switch {
	case c != nil && c.recordedText == r.recordedAt && r.recordedAt != "":
		e.RecordedAt = c.recorded
	default:
		if e.RecordedAt, err = parseTime(r.recordedAt); err != nil {
			return e, fmt.Errorf("entry %d: recorded_at %q: %w", r.id, r.recordedAt, err)
		}
		if c != nil {
			c.recordedText, c.recorded = r.recordedAt, e.RecordedAt
		}
	}
	if e.Meta, err = decodeMeta(r.meta); err != nil {
		return e, fmt.Errorf("entry %d: meta: %w", r.id, err)
	}
	e.Postings = make([]ledger.Posting, len(r.postings))
	for i, p := range r.postings {
		amt, err := parseAmountText(p.amount)
		if err != nil {
			return e, fmt.Errorf("entry %d posting %d: %w", r.id, p.seq, err)
		}
		e.Postings[i] = ledger.Posting{Account: p.account.String, Amount: amt, Currency: p.currency}
	}
	return e, nil
}

// trialBalanceTotals reads the current balances from the running totals.
func trialBalanceTotals(ctx context.Context, rtx *sql.Tx) ([]ledger.Balance, error) {
	return scanBalances(rtx.QueryContext(ctx, `SELECT a.name, a.type, s.currency, `+limbCols("s.", false)+`
		FROM balance_totals s JOIN accounts a ON a.id = s.account_id ORDER BY a.name, s.currency`))
}

// scanBalances reads rows of (account, type, currency, l0..l7 sums).
func scanBalances(rows *sql.Rows, err error) ([]ledger.Balance, error) {
	if err != nil {
		return nil, err
	}
	return collectRows(rows, func(row rowScanner) (ledger.Balance, error) {
		var b ledger.Balance
		var typ string
		var l limbs
		if err := row.Scan(append([]any{&b.Account, &typ, &b.Currency}, l.ptrs()...)...); err != nil {
			return b, err
		}
		b.Type = ledger.AccountType(typ)
		b.Amount = l.value()
		return b, nil
	})
}

// ClosePeriods closes every date up to and including through: from then on
// no entry may be dated on or before it. Closing the date already closed is
// a no-op; closing an earlier one is EINVALID naming the current
// closed-through date (closing never moves backwards). The close records
// the chain head at that moment.
func (db *DB) ClosePeriods(ctx context.Context, through ledger.Date) error {
	if through.IsZero() {
		return ledger.Errorf(ledger.EINVALID, "no date to close through")
	}
	ctx = db.activity(ctx, "close", "through "+through.String())
	return db.WithTx(ctx, func(tx *Tx) error { return tx.closeThrough(through) })
}

// closeThrough is ClosePeriods inside tx.
func (tx *Tx) closeThrough(through ledger.Date) error {
	cur, err := tx.ClosedThrough()
	if err != nil {
		return err
	}
	if again, err := ledger.CheckClose(through, cur); again || err != nil {
		return err
	}
	headID, headHash := tx.Head()
	if _, err := tx.SQL().ExecContext(tx.ctx, `INSERT INTO period_closes (through, closed_at, head_id, head_hash) VALUES (?, ?, ?, ?)`,
		through.String(), formatTime(tx.Now), headID, headHash); err != nil {
		return mapError(err)
	}
	tx.closed = through
	return tx.seal(closeFacts, through.String())
}

// ClosedThrough returns the last closed date (zero Date if none).
func (db *DB) ClosedThrough(ctx context.Context) (ledger.Date, error) {
	return closedThrough(ctx, db.r)
}

// Accounts returns every account that has been posted to, by name.
func (db *DB) Accounts(ctx context.Context) ([]ledger.Account, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT name, type FROM accounts ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ledger.Account{}
	for rows.Next() {
		var a ledger.Account
		var typ string
		if err := rows.Scan(&a.Name, &typ); err != nil {
			return nil, err
		}
		a.Type = ledger.AccountType(typ)
		out = append(out, a)
	}
	return out, rows.Err()
}
