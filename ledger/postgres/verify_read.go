package postgres

import (
	"context"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/usage"
)

// journalCursor reads the entries with their postings in ID order for
// Verify through two cursors of its transaction, entries and postings (by
// entry and seq), a page at a time between the replay's reads, instead of
// a query for each page of entries and one more for its postings: the
// server walks each table's key once (docs/postgres.md, "Verify at 1M
// entries"). It reads what readEntries reads: the postings of an entry not
// in the journal, or of an account not in accounts, are left out, as that
// query's joins leave them. It gives each import entry's first posting's
// amount to the check of the import groups (importScan.first).
type journalCursor struct {
	tx      pgx.Tx
	names   map[int64]string // account name by ID
	entries []ledger.Entry   // the page returned last
	done    bool             // the entries cursor is at its end

	postings      []cursorPosting // fetched and not yet given to an entry
	at            int             // postings[:at] are given
	postingsDone  bool
	imports       *importScan // told each import entry's first posting
	entryColumns  []any
	postingColumn []any
	row           cursorEntry
	p             cursorPosting
}

// cursorEntry is the columns of an entry as fetched.
type cursorEntry struct {
	date, at   time.Time
	ns         int16
	prev, hash []byte
}

// cursorPosting is a posting as fetched.
type cursorPosting struct {
	entry   int64
	seq     int32
	account int64
	amount  string
	cur     string
}

// journalPage is how many entries or events one FETCH reads (postings:
// twice as many).
var journalPage = 2000 // a variable for the tests (WithVerifyPage)

func openJournalCursor(ctx context.Context, tx pgx.Tx, ids map[string]int64, imports *importScan) (*journalCursor, error) {
	c := &journalCursor{tx: tx, names: make(map[int64]string, len(ids)), imports: imports}
	for name, id := range ids {
		c.names[id] = name
	}
	if _, err := tx.Exec(ctx, `DECLARE verify_entries NO SCROLL CURSOR FOR
		SELECT id, source, external_id, date, recorded_at, recorded_ns, description, meta, coalesce(reverses, 0), prev_hash, hash
		FROM entries ORDER BY id`); err != nil {
		return nil, fmt.Errorf("entries: %w", err)
	}
	if _, err := tx.Exec(ctx, `DECLARE verify_postings NO SCROLL CURSOR FOR
		SELECT entry_id, seq, account_id, amount::text, currency FROM postings ORDER BY entry_id, seq`); err != nil {
		return nil, fmt.Errorf("postings: %w", err)
	}
	p := &c.p
	c.postingColumn = []any{&p.entry, &p.seq, &p.account, &p.amount, &p.cur}
	return c, nil
}

// next returns the next page of entries with their postings (valid until
// the next call), or none after the last.
func (c *journalCursor) next(ctx context.Context) ([]ledger.Entry, error) {
	c.entries = c.entries[:0]
	if c.done {
		return nil, nil
	}
	rows, err := c.tx.Query(ctx, fmt.Sprintf(`FETCH FORWARD %d FROM verify_entries`, journalPage))
	if err != nil {
		return nil, fmt.Errorf("entries: %w", err)
	}
	var e ledger.Entry
	r := &c.row
	if _, err := pgx.ForEachRow(rows, []any{&e.ID, &e.Key.Source, &e.Key.ExternalID, &r.date, &r.at, &r.ns, &e.Description, metaScanner{&e.Meta},
		&e.Reverses, &r.prev, &r.hash}, func() error {
		e.PrevHash, e.Hash = hex.EncodeToString(r.prev), hex.EncodeToString(r.hash)
		e.Date = ledger.DateOf(r.date)
		e.RecordedAt = recordedAt(r.at, r.ns)
		if len(e.Meta) == 0 {
			e.Meta = nil
		}
		c.entries = append(c.entries, e)
		e = ledger.Entry{} // a JSON object scanned into a map adds to its keys
		return nil
	}); err != nil {
		return nil, fmt.Errorf("entries: %w", err)
	}
	c.done = len(c.entries) < journalPage
	if len(c.entries) == 0 {
		return nil, nil
	}
	last := c.entries[len(c.entries)-1].ID
	j := 0
	for {
		if c.at == len(c.postings) {
			if c.postingsDone {
				break
			}
			if err := c.fetchPostings(ctx); err != nil {
				return nil, err
			}
			continue
		}
		p := &c.postings[c.at]
		if p.entry > last {
			break
		}
		c.at++
		for j < len(c.entries) && c.entries[j].ID < p.entry {
			j++
		}
		name, ok := c.names[p.account]
		if j == len(c.entries) || c.entries[j].ID != p.entry || !ok {
			continue
		}
		amount, err := decimal.NewFromString(p.amount)
		if err != nil {
			return nil, fmt.Errorf("entry %d: amount %q: %w", p.entry, p.amount, err)
		}
		e := &c.entries[j]
		e.Postings = append(e.Postings, ledger.Posting{Account: name, Amount: amount, Currency: p.cur})
		if p.seq == 1 && e.Key.Source == usage.EntrySource {
			c.imports.first(e.ID, ledger.SumOf(amount))
		}
	}
	return c.entries, nil
}

// fetchPostings reads the next page of postings.
func (c *journalCursor) fetchPostings(ctx context.Context) error {
	rows, err := c.tx.Query(ctx, fmt.Sprintf(`FETCH FORWARD %d FROM verify_postings`, 2*journalPage))
	if err != nil {
		return fmt.Errorf("postings: %w", err)
	}
	c.postings, c.at = c.postings[:0], 0
	if _, err := pgx.ForEachRow(rows, c.postingColumn, func() error {
		c.postings = append(c.postings, c.p)
		return nil
	}); err != nil {
		return fmt.Errorf("postings: %w", err)
	}
	c.postingsDone = len(c.postings) < 2*journalPage
	return nil
}
