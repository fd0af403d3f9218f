package postgres

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/usage"
)

// VerifyResult is what Verify checked.
type VerifyResult struct {
	Entries  int64  // number of entries
	HeadID   int64  // last entry's ID (0 when empty)
	HeadHash string // last entry's hash ("" when empty)
}

// Verify reads every entry in ID order, in one snapshot, and checks what
// the triggers cannot protect against someone who may switch them off (the
// tables' owner, a superuser): IDs contiguous from 1; each prev_hash the
// hash of the entry before; each hash recomputed (ledger.ChainHash) from
// the stored content; recorded-at never going back; each entry valid
// (ledger.Entry.Validate: two or more postings, balanced per currency);
// the journal head and the chain heads recorded by closes still in the
// chain; the running totals equal to the sums of the postings; the
// imported events (verifyImports); and the books' rows against the entries
// they index (verifyBooks). The first problem is an EINVALID error naming
// it. VerifyBooksReport runs the same checks for reports.Verifier.
func (db *DB) Verify(ctx context.Context) (VerifyResult, error) {
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return VerifyResult{}, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	bad := func(format string, args ...any) error {
		return ledger.Errorf(ledger.EINVALID, "verify: "+format, args...)
	}
	res, err := verifyJournal(ctx, tx, bad)
	if err != nil {
		return res, err
	}
	if err := verifyBooks(ctx, tx); err != nil {
		var ve *ledger.VerifyError
		if errors.As(err, &ve) {
			return res, bad("%s", ve.Error())
		}
		return res, err
	}
	return res, nil
}

// verifyJournal is Verify's checks of the journal and the imports in tx;
// bad words a violation.
func verifyJournal(ctx context.Context, tx pgx.Tx, bad func(string, ...any) error) (VerifyResult, error) {
	var res VerifyResult
	var prev ledger.Entry
	for {
		page, err := readEntries(ctx, tx, "true", nil, res.HeadID, maxEntryPage)
		if err != nil {
			return res, err
		}
		for i := range page {
			e := &page[i]
			// The checks and their words are SQLite's (ledger/sqlite
			// verify.go), in its order, so that a damaged entry is named the
			// same on both backends.
			switch {
			case e.ID != res.HeadID+1 && res.HeadID == 0:
				return res, bad("entry 1: missing: the journal starts at entry %d", e.ID)
			case e.ID != res.HeadID+1:
				return res, bad("entry %d: missing: entry ids jump from %d to %d", res.HeadID+1, res.HeadID, e.ID)
			case e.PrevHash != res.HeadHash && e.ID == 1:
				return res, bad("entry 1: prev_hash is %q, want empty for the first entry", short(e.PrevHash))
			case e.PrevHash != res.HeadHash:
				return res, bad("entry %d: prev_hash does not match the hash of entry %d", e.ID, res.HeadID)
			case res.HeadID > 0 && e.RecordedAt.Before(prev.RecordedAt):
				return res, bad("entry %d: recorded_at %s is before entry %d's %s", e.ID,
					e.RecordedAt.UTC().Format(time.RFC3339Nano), prev.ID, prev.RecordedAt.UTC().Format(time.RFC3339Nano))
			case len(e.Postings) < 2:
				return res, bad("entry %d: has %d posting(s), needs at least 2", e.ID, len(e.Postings))
			}
			if off := unbalanced(e.Postings); off != "" {
				return res, bad("entry %d: does not balance: postings sum to %s", e.ID, off)
			}
			if h := ledger.ChainHash(e.PrevHash, e); e.Hash != h {
				return res, bad("entry %d: hash does not match its content (stored %s, computed %s)", e.ID, short(e.Hash), short(h))
			}
			if err := e.Validate(); err != nil {
				return res, bad("entry %d: %s", e.ID, ledger.ErrorMessage(err))
			}
			prev = *e
			res.Entries++
			res.HeadID, res.HeadHash = e.ID, e.Hash
		}
		if len(page) < maxEntryPage {
			break
		}
	}
	var headID int64
	var headHash []byte
	if err := tx.QueryRow(ctx, `SELECT entry_id, hash FROM journal_head`).Scan(&headID, &headHash); err != nil {
		return res, err
	}
	if headID != res.HeadID || hex.EncodeToString(headHash) != res.HeadHash {
		return res, bad("the journal head says entry %d (%x), the chain ends at entry %d (%s): entries were removed", headID, headHash, res.HeadID, res.HeadHash)
	}
	var through string
	err := tx.QueryRow(ctx, `SELECT c.through::text FROM period_closes c LEFT JOIN entries e ON e.id = c.head_id
		WHERE c.head_id > 0 AND e.hash IS DISTINCT FROM c.head_hash ORDER BY c.through LIMIT 1`).Scan(&through)
	if err == nil {
		return res, bad("the close through %s recorded a chain head that is no longer in the chain", through)
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return res, err
	}
	// Running totals: a FULL JOIN of the stored sums and the recomputed ones.
	for _, c := range []struct{ name, stored, keys string }{
		{"balance totals", "balance_totals", "account_id, currency"},
		{"daily totals", "daily_totals", "date, account_id, currency"},
	} {
		var key string
		err := tx.QueryRow(ctx, `SELECT concat_ws(' ', `+c.keys+`) FROM `+c.stored+` t FULL JOIN (
				SELECT `+c.keys+`, sum(p.amount) AS amount FROM postings p JOIN entries e ON e.id = p.entry_id GROUP BY `+c.keys+`
			) s USING (`+c.keys+`) WHERE t.amount IS DISTINCT FROM s.amount LIMIT 1`).Scan(&key)
		if err == nil {
			return res, bad("%s for %s differ from the sum of the postings", c.name, key)
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return res, fmt.Errorf("%s: %w", c.name, err)
		}
	}
	// The running monthly sums (migration 0090): per account, currency and
	// month with postings, the sum of the account's postings dated up to
	// the month's end.
	var key string
	err = tx.QueryRow(ctx, `SELECT concat_ws(' ', to_char(month, 'YYYY-MM'), account_id, currency) FROM monthly_totals t FULL JOIN (
			SELECT account_id, currency, month, sum(sum(amount)) OVER (PARTITION BY account_id, currency ORDER BY month) AS amount
			FROM (SELECT p.account_id, p.currency, date_trunc('month', e.date::timestamp)::date AS month, p.amount
				FROM postings p JOIN entries e ON e.id = p.entry_id) s
			GROUP BY account_id, currency, month
		) s USING (account_id, currency, month) WHERE t.amount IS DISTINCT FROM s.amount
		ORDER BY month, account_id, currency LIMIT 1`).Scan(&key)
	if err == nil {
		return res, bad("monthly totals for %s differ from the running sum of the postings", key)
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return res, fmt.Errorf("monthly totals: %w", err)
	}
	// The marks (migration 0091): each is the running sum of its account's
	// postings up to its entry, at an entry that posts to the account, and
	// every account's last entry of each recorded-at instant has one (a
	// known-at view ends at such an entry).
	var entry int64
	var acct, cur, why string
	err = tx.QueryRow(ctx, `WITH s AS (
			SELECT account_id, currency, entry_id,
				sum(amount) OVER (PARTITION BY account_id, currency ORDER BY entry_id) AS amount,
				entry_id = max(entry_id) OVER (PARTITION BY account_id, currency, recorded_at, recorded_ns) AS last
			FROM (SELECT p.account_id, p.currency, p.entry_id, e.recorded_at, e.recorded_ns, sum(p.amount) AS amount
				FROM postings p JOIN entries e ON e.id = p.entry_id
				GROUP BY p.account_id, p.currency, p.entry_id, e.recorded_at, e.recorded_ns) g
		)
		SELECT entry_id, account_id::text, currency,
			CASE WHEN s.amount IS NULL THEN 'has no posting of the account at that entry'
				WHEN t.amount IS NULL THEN 'is missing (the account''s last entry of its recorded-at instant)'
				ELSE 'holds ' || t.amount || ', the postings sum to ' || s.amount END
		FROM balance_marks t FULL JOIN s USING (account_id, currency, entry_id)
		WHERE t.amount IS DISTINCT FROM s.amount AND (t.amount IS NOT NULL OR s.last)
		ORDER BY entry_id, account_id, currency LIMIT 1`).Scan(&entry, &acct, &cur, &why)
	if err == nil {
		return res, bad("balance marks for entry %d %s %s: the mark %s", entry, acct, cur, why)
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return res, fmt.Errorf("balance marks: %w", err)
	}
	// The versions (migration 0093): each has a span, at an entry that
	// posts to the account, and every account's last entry of each
	// recorded-at instant is one (a known-at view ends at such an entry).
	// A span holds the first and last dates of the account's postings up
	// to it.
	var first, last string
	err = tx.QueryRow(ctx, `WITH r AS (
			SELECT account_id, currency, entry_id, min(f) OVER w AS first_date, max(l) OVER w AS last_date,
				entry_id = max(entry_id) OVER (PARTITION BY account_id, currency, recorded_at, recorded_ns) AS last
			FROM (SELECT p.account_id, p.currency, p.entry_id, e.recorded_at, e.recorded_ns, min(e.date) AS f, max(e.date) AS l
				FROM postings p JOIN entries e ON e.id = p.entry_id GROUP BY 1, 2, 3, 4, 5) pe
			WINDOW w AS (PARTITION BY account_id, currency ORDER BY entry_id)
		)
		SELECT entry_id, account_id::text, currency, coalesce(t.first_date::text || ' to ' || t.last_date, ''),
			coalesce(r.first_date::text || ' to ' || r.last_date, '')
		FROM balance_spans t FULL JOIN r USING (account_id, currency, entry_id)
		WHERE (t.first_date, t.last_date) IS DISTINCT FROM (r.first_date, r.last_date) AND (t.first_date IS NOT NULL OR r.last)
		ORDER BY entry_id, account_id, currency LIMIT 1`).Scan(&entry, &acct, &cur, &first, &last)
	if err == nil {
		switch {
		case first == "":
			return res, bad("balance spans for entry %d %s %s: the span is missing (the account's last entry of its recorded-at instant)", entry, acct, cur)
		case last == "":
			return res, bad("balance spans for entry %d %s %s: the span has no posting of the account at that entry", entry, acct, cur)
		}
		return res, bad("balance spans for entry %d %s %s: the span says %s, the postings %s", entry, acct, cur, first, last)
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return res, fmt.Errorf("balance spans: %w", err)
	}
	// Per version v (a span) and date d of the account: a row if d has a
	// posting up to v and is on or after v's first date (the earliest of
	// the postings after the previous version and up to v), holding the
	// postings dated up to d in the entries up to v. pk: the postings per
	// account, date and version (the first span at or after the entry);
	// ver: each version's first date and running total; pairs: the rows
	// there should be; c: per date, the sum of its postings up to the
	// version; the amount is the total less c of the version's later dates.
	var date string
	err = tx.QueryRow(ctx, `WITH pk AS (
			SELECT account_id, currency, v, date, sum(amount) AS a FROM (
				SELECT account_id, currency, date, amount, kind, min(m) OVER (PARTITION BY account_id, currency
					ORDER BY entry_id DESC, kind DESC ROWS UNBOUNDED PRECEDING) AS v
				FROM (SELECT p.account_id, p.currency, p.entry_id, e.date, p.amount, NULL::bigint AS m, 0 AS kind
						FROM postings p JOIN entries e ON e.id = p.entry_id
					UNION ALL
					SELECT account_id, currency, entry_id, NULL, NULL, entry_id, 1 FROM balance_spans) x
			) y WHERE kind = 0 GROUP BY 1, 2, 3, 4
		), ver AS (
			SELECT account_id, currency, v, min(date) AS f, sum(sum(a)) OVER (PARTITION BY account_id, currency ORDER BY v) AS total
			FROM pk GROUP BY 1, 2, 3
		), dates AS (
			SELECT account_id, currency, date, min(v) AS fv FROM pk GROUP BY 1, 2, 3
		), c AS (
			SELECT d.account_id, d.currency, d.date, ver.v, ver.total,
				sum(coalesce(pk.a, 0)) OVER (PARTITION BY d.account_id, d.currency, d.date ORDER BY ver.v) AS c
			FROM dates d JOIN ver ON ver.account_id = d.account_id AND ver.currency = d.currency AND ver.v >= d.fv AND ver.f <= d.date
			LEFT JOIN pk ON pk.account_id = d.account_id AND pk.currency = d.currency AND pk.v = ver.v AND pk.date = d.date
		), s AS (
			SELECT account_id, currency, date, v AS entry_id, total - coalesce(sum(c) OVER (PARTITION BY account_id, currency, v
				ORDER BY date DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS amount
			FROM c
		)
		SELECT entry_id, account_id::text, currency, date::text,
			CASE WHEN s.amount IS NULL THEN 'should not be there (no posting up to the version at that date or before its first)'
				WHEN t.amount IS NULL THEN 'is missing'
				ELSE 'holds ' || t.amount || ', the postings sum to ' || s.amount END
		FROM balance_versions t FULL JOIN s USING (account_id, currency, date, entry_id)
		WHERE t.amount IS DISTINCT FROM s.amount
		ORDER BY entry_id, account_id, currency, date LIMIT 1`).Scan(&entry, &acct, &cur, &date, &why)
	if err == nil {
		return res, bad("balance versions for entry %d %s %s %s: the row %s", entry, acct, cur, date, why)
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return res, fmt.Errorf("balance versions: %w", err)
	}
	return res, verifyImports(ctx, tx, bad)
}

// verifyImports checks what imports stored: each event's content still
// hashes to its digest (usage.Digest: a changed amount, date or party
// shows), every event belongs to a group linked to an entry, and each
// group's events sum to its entry's amount in number and total.
func verifyImports(ctx context.Context, tx pgx.Tx, bad func(string, ...any) error) error {
	var after int64
	var buf []byte
	for {
		page, err := readEvents(ctx, tx, "true", nil, after, maxEntryPage)
		if err != nil {
			return err
		}
		for i := range page {
			s := &page[i]
			var d [usage.DigestSize]byte
			if d, buf = usage.Digest(&s.ev, buf); d != s.digest {
				return bad("event %d (%s %q): its content does not match its digest: the event was changed", s.ev.ID, s.ev.Source, s.ev.EventID)
			}
			if s.ev.EntryID == 0 {
				return bad("event %d (%s %q): its import group has no entry", s.ev.ID, s.ev.Source, s.ev.EventID)
			}
		}
		if len(page) < maxEntryPage {
			break
		}
		after = page[len(page)-1].ev.ID
	}
	var batch, group, entry int64
	err := tx.QueryRow(ctx, `SELECT g.batch_id, g.group_no, g.entry_id FROM import_groups g
		CROSS JOIN LATERAL (SELECT count(*) AS n, sum(e.amount) AS total FROM events e
			WHERE e.id BETWEEN g.first_event AND g.last_event AND e.batch_id = g.batch_id AND e.group_no = g.group_no) ev
		LEFT JOIN postings p ON p.entry_id = g.entry_id AND p.seq = 1
		WHERE ev.n <> g.events OR ev.total IS DISTINCT FROM p.amount
		ORDER BY g.batch_id, g.group_no LIMIT 1`).Scan(&batch, &group, &entry)
	if err == nil {
		return bad("import batch %d group %d: its events do not add up to entry %d", batch, group, entry)
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	return nil
}

// unbalanced lists the currencies whose postings do not sum to zero, with
// their sums ("899 USD"), or "" when every currency balances.
func unbalanced(ps []ledger.Posting) string {
	sums := map[string]decimal.Decimal{}
	for _, p := range ps {
		sums[p.Currency] = sums[p.Currency].Add(p.Amount)
	}
	var off []string
	for _, c := range ledger.SortedKeys(sums) {
		if !sums[c].IsZero() {
			off = append(off, sums[c].String()+" "+c)
		}
	}
	return strings.Join(off, ", ")
}

// short is a hash as verify's messages show it: its first 12 digits.
func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
