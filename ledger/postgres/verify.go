package postgres

import (
	"context"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
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
// imported events (importScan, read beside the journal); and the books'
// rows against the entries they index (verifyBooks). Before all of them,
// the book's schema against the migrations' (verifySchema), then who may
// write it against what revshare granted (verifyAccess). The first problem
// is an EINVALID error naming it. VerifyBooksReport runs the same checks for reports.Verifier.
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
	err = verifyBooks(ctx, tx)
	if err == nil {
		_, err = verifyFactChain(ctx, tx, nil)
	}
	var ve *ledger.VerifyError
	if errors.As(err, &ve) {
		return res, bad("%s", ve.Error())
	}
	return res, err
}

// verifyJournal is Verify's checks of the journal and the imports in tx;
// bad words a violation.
func verifyJournal(ctx context.Context, tx pgx.Tx, bad func(string, ...any) error) (VerifyResult, error) {
	var res VerifyResult
	var prev ledger.Entry
	// The schema first: a guard switched off, or a rule or policy that
	// changes what the checks below read, is the cause of what they find.
	if err := verifySchema(ctx, tx, bad); err != nil {
		return res, err
	}
	if err := verifyAccess(ctx, tx, bad); err != nil {
		return res, err
	}
	replay, err := newReplay(ctx, tx)
	if err != nil {
		return res, err
	}
	imports, err := openImportScan(ctx, tx, bad)
	if err != nil {
		return res, err
	}
	journal, err := openJournalCursor(ctx, tx, replay.ids, imports)
	if err != nil {
		return res, err
	}
	for {
		page, err := journal.next(ctx)
		if err != nil {
			return res, err
		}
		if len(page) == 0 {
			break
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
			if err := replay.entry(ctx, e); err != nil {
				return res, err
			}
			prev = *e
			res.Entries++
			res.HeadID, res.HeadHash = e.ID, e.Hash
		}
		if err := imports.advance(ctx, res.HeadID); err != nil {
			return res, err
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
	err = tx.QueryRow(ctx, `SELECT c.through::text FROM period_closes c LEFT JOIN entries e ON e.id = c.head_id
		WHERE c.head_id > 0 AND e.hash IS DISTINCT FROM c.head_hash ORDER BY c.through LIMIT 1`).Scan(&through)
	if err == nil {
		return res, bad("the close through %s recorded a chain head that is no longer in the chain", through)
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return res, err
	}
	// The running totals, the marks (migration 0091), the balance spans
	// and versions (0093), against the accounts replayed during the scan
	// (verify_replay.go), in this order.
	why, err := replay.totals(ctx, tx)
	if err == nil && why == "" {
		why, err = replay.finish(ctx)
	}
	if err != nil {
		return res, err
	}
	if why != "" {
		return res, bad("%s", why)
	}
	return res, imports.finish(ctx)
}

// unbalanced lists the currencies whose postings do not sum to zero, with
// their sums ("899 USD"), or "" when every currency balances.
func unbalanced(ps []ledger.Posting) string {
	if balancedInUnits(ps) {
		return ""
	}
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

// balancedInUnits says whether ps, all of one currency, sum to zero as
// ledger.Sums in units: the common entry, checked without a map and a
// decimal.Decimal (a big.Int) a posting. false also when it cannot tell
// so (another currency, a sum past the units); unbalanced then sums them
// as before.
func balancedInUnits(ps []ledger.Posting) bool {
	var sum ledger.Sum
	for _, p := range ps {
		if p.Currency != ps[0].Currency {
			return false
		}
		sum = sum.Add(ledger.SumOf(p.Amount))
	}
	units, _, ok := sum.Units()
	return ok && units == 0 && len(ps) > 0
}

// short is a hash as verify's messages show it: its first 12 digits.
func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
