package usage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"

	"github.com/revshare/revshare/internal/spelling"
	"github.com/revshare/revshare/ledger"
)

// RunImport imports a usage CSV (spec section 2) into store as one batch:
// every row is validated; each new event is stored under its (source,
// event_id) and counted in its group (Groups); each group posts one entry.
// An event already stored with the same content (Digest) is a duplicate,
// skipped; with other content it is a bad row naming both versions.
//
// By default the whole file is one transaction: with any bad row nothing
// is written and the error is EINVALID (matching ErrBadRows). With
// AllowPartial, bad rows go to OnReject and are stored, and good rows
// commit every ChunkRows rows; re-running the file after a crash completes
// it. DryRun runs everything in a transaction that is rolled back.
// Problems of the whole file (empty, bad header) come back as RowErrors.
//
// Events are first inserted without looking for stored keys; once an
// insert meets one (a re-import, or overlapping exports), the keys are
// looked up first for the rest of the transaction. The file is parsed on
// one goroutine while another stores the rows.
func RunImport(ctx context.Context, r io.Reader, opts ImportOptions, store ImportStore, tune ImportTuning) (ledger.ImportResult, error) {
	if opts.Source == "" {
		opts.Source = "default"
	}
	if err := CheckSource(opts.Source); err != nil {
		return ledger.ImportResult{}, err
	}
	if err := CheckFileName(opts.FileName); err != nil {
		return ledger.ImportResult{}, err
	}
	if opts.ChunkRows <= 0 {
		opts.ChunkRows = DefaultChunkRows
	}
	if opts.AllowPartial && opts.DryRun {
		opts.AllowPartial = false // a dry run reports every bad row and writes nothing
	}
	if opts.AllowPartial && len(opts.SHA256) != 64 {
		return ledger.ImportResult{}, ledger.Errorf(ledger.EINVALID, "a partial import needs the file's SHA-256 up front")
	}
	// The hash of what is read: the batch's SHA-256 when none is given, and
	// for a partial import what the content read must match, the file
	// having been hashed up front (checkUnchanged). A default import given
	// the hash (REST hashes the upload it spools) is not hashed again.
	var hasher hash.Hash
	if opts.SHA256 == "" || opts.AllowPartial {
		hasher = sha256.New()
		r = io.TeeReader(r, hasher)
	}
	rd, err := NewReader(r, opts.FileName, opts.Mapping)
	if err != nil {
		return ledger.ImportResult{}, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// About 4096 rows may wait between the parser and the writer.
	depth := max(2, 4096/tune.BatchRows)
	im := &importRun{store: store, opts: opts, tune: tune, rd: rd, hasher: hasher,
		feed: make(chan *rowBatch, depth), free: make(chan *rowBatch, depth+2)}
	go im.parse(ctx)
	if opts.AllowPartial {
		err = im.runPartial(ctx)
	} else {
		err = im.runAll(ctx)
	}
	cancel()
	for range im.feed { // let the parser stop
	}
	return im.res, err
}

// importRun is the state of one RunImport call.
type importRun struct {
	store  ImportStore
	opts   ImportOptions
	tune   ImportTuning
	rd     *Reader
	hasher hash.Hash
	res    ledger.ImportResult
	eof    bool
	chunk  int

	// The parser's side.
	feed     chan *rowBatch // closed after the last batch
	free     chan *rowBatch // batches the writer is done with
	parseErr error          // set before feed is closed

	// The writer's side.
	cur     *rowBatch
	pos     int
	pending []*ImportRow // good rows waiting to be stored
	groups  Groups
	names   names // the seller and channel texts met (checkNames)
	// segment counts flushes within a transaction; keyBase is the file's
	// part of the entries' external IDs.
	segment int
	keyBase string

	// Per transaction.
	closed ledger.Date
	lookUp bool // an insert met a stored key: look keys up first
	header bool // the batch's reject header is stored
}

func (im *importRun) crash(name string) {
	if im.opts.CrashPoint != nil {
		im.opts.CrashPoint(name)
	}
}

// next returns the next row of the file, or nil after the last.
func (im *importRun) next() (*ImportRow, error) {
	for im.cur == nil || im.pos == len(im.cur.rows) {
		if im.cur != nil {
			// Rows of the finished batch may still wait to be stored.
			if err := im.storePending(); err != nil {
				return nil, err
			}
			select {
			case im.free <- im.cur:
			default:
			}
			im.cur = nil
		}
		b, ok := <-im.feed
		if !ok {
			return nil, im.parseErr
		}
		im.cur, im.pos = b, 0
	}
	im.pos++
	return &im.cur.rows[im.pos-1], nil
}

// runAll imports the whole file in one transaction.
func (im *importRun) runAll(ctx context.Context) error {
	errDryRun := errors.New("dry run")
	err := im.store.InTx(ctx, func() error {
		if err := im.begin(); err != nil {
			return err
		}
		if !im.opts.DryRun {
			if err := im.insertBatch("all"); err != nil {
				return err
			}
		}
		if err := im.rows(ctx, 0); err != nil {
			return err
		}
		if im.opts.DryRun && im.opts.SHA256 == "" {
			// The whole file is read: a dry run records no batch, so its
			// result carries the hash (usage.Import's same-file check).
			im.res.SHA256 = hex.EncodeToString(im.hasher.Sum(nil))
		}
		if im.res.Rejected > 0 {
			return BadRows(im.opts.FileName, im.res.Rejected, im.res.Rows)
		}
		if err := im.post(); err != nil {
			return err
		}
		if im.opts.DryRun {
			return errDryRun
		}
		if err := im.finishBatch(true); err != nil {
			return err
		}
		im.crash("before-commit")
		return nil
	})
	switch {
	case errors.Is(err, errDryRun):
		im.res.BatchID = 0
		return nil
	case errors.Is(err, ErrBadRows):
		im.res.BatchID = 0
		return err
	case err != nil:
		im.res = ledger.ImportResult{}
		return err
	}
	im.crash("after-commit")
	return nil
}

// runPartial records the batch, then commits chunk after chunk.
func (im *importRun) runPartial(ctx context.Context) error {
	if err := im.store.InTx(ctx, func() error { return im.insertBatch("partial") }); err != nil {
		return err
	}
	im.crash("after-batch")
	for !im.eof {
		im.chunk++
		committed := im.res.Posted
		err := im.store.InTx(ctx, func() error {
			if err := im.begin(); err != nil {
				return err
			}
			if err := im.rows(ctx, im.opts.ChunkRows); err != nil {
				return err
			}
			if err := im.checkUnchanged(committed); err != nil {
				return err
			}
			if err := im.post(); err != nil {
				return err
			}
			if err := im.finishBatch(im.eof); err != nil {
				return err
			}
			im.crash("before-chunk-commit-" + strconv.Itoa(im.chunk))
			return nil
		})
		if err != nil {
			return err
		}
		im.crash("after-chunk-" + strconv.Itoa(im.chunk))
	}
	return nil
}

// checkUnchanged, once the whole file is read, refuses to complete the
// batch when what was read is not the file whose SHA-256 was given up
// front (a file changed between the two reads of a partial import): the
// batch would name content it did not import. The last chunk is not
// committed; the chunks before it stay, as after a kill.
func (im *importRun) checkUnchanged(committed int) error {
	if !im.eof || im.opts.SHA256 == "" {
		return nil
	}
	if read := hex.EncodeToString(im.hasher.Sum(nil)); read != im.opts.SHA256 {
		return ledger.Errorf(ledger.EINVALID, "%s changed while it was imported: its SHA-256 was %s when the import began and is %s as read; "+
			"the chunks committed before stay posted (%s, batch %d, left incomplete): import the file again once nothing writes to it",
			im.opts.FileName, im.opts.SHA256, read, spelling.Count(committed, "row", "rows"), im.res.BatchID)
	}
	return nil
}

// begin starts a transaction's part of the import.
func (im *importRun) begin() error {
	im.lookUp, im.header = false, false
	im.pending = im.pending[:0]
	var err error
	if im.closed, err = im.store.BeginImport(im.opts.Source); err != nil {
		return err
	}
	im.groups.Reset(im.closed)
	im.segment = 0
	return nil
}

func (im *importRun) insertBatch(mode string) error {
	sha := im.opts.SHA256
	if sha == "" {
		sha = "pending" // known once the file is read; set by finishBatch
	}
	var err error
	im.res.BatchID, err = im.store.InsertBatch(im.opts.Source, im.opts.FileName, sha, mode)
	return err
}

// finishBatch writes the batch's counters, and completes it when done.
func (im *importRun) finishBatch(done bool) error {
	return im.store.FinishBatch(im.res, im.sha(), done)
}

func (im *importRun) sha() string {
	if im.opts.SHA256 != "" {
		return im.opts.SHA256
	}
	return hex.EncodeToString(im.hasher.Sum(nil))
}

// rows stores up to limit rows (0: all) in the current transaction.
func (im *importRun) rows(ctx context.Context, limit int) error {
	for n := 0; limit == 0 || n < limit; n++ {
		p, err := im.next()
		if err != nil {
			return err
		}
		if p == nil {
			im.eof = true
			break
		}
		im.res.Rows++
		if im.res.Rows%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if len(p.Errors) == 0 {
			if err := im.checkNames(p); err != nil {
				return err
			}
		}
		if len(p.Errors) > 0 {
			// Bad rows are reported in file order: store what comes before.
			if err := im.storePending(); err != nil {
				return err
			}
			if err := im.reject(p); err != nil {
				return err
			}
			continue
		}
		im.pending = append(im.pending, p)
		if len(im.pending) == im.tune.InsertRows {
			if err := im.storePending(); err != nil {
				return err
			}
		}
	}
	return im.storePending()
}

// reject counts a bad row, stores it with a partial import's chunk (so
// that it commits or vanishes with the chunk's events; the first of a
// transaction stores the file's header too) and hands it to OnReject.
func (im *importRun) reject(p *ImportRow) error {
	im.res.Rejected++
	if im.opts.AllowPartial && !im.opts.DryRun {
		if !im.header {
			if err := im.store.StoreRejectHeader(im.res.BatchID, nonNil(im.rd.Header())); err != nil {
				return fmt.Errorf("store the header of batch %d: %w", im.res.BatchID, err)
			}
			im.header = true
		}
		errs := make([]ledger.RejectError, len(p.Errors))
		for i, e := range p.Errors {
			errs[i] = ledger.RejectError{Column: e.Column, Value: e.Value, Reason: e.Reason}
		}
		if err := im.store.StoreReject(im.res.BatchID, p.Line, errs, nonNil(p.Record)); err != nil {
			return fmt.Errorf("line %d: store reject: %w", p.Line, err)
		}
	}
	if im.opts.OnReject == nil {
		return nil
	}
	return im.opts.OnReject(&Row{Line: p.Line, Header: im.rd.Header(), Record: p.Record, Event: p.Event, Errors: p.Errors})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
