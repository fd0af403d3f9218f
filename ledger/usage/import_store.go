package usage

import (
	"context"

	"github.com/revshare/revshare/ledger"
)

// ImportStore is what a storage backend does for RunImport: the SQL of an
// import, inside the transactions InTx runs. The flow (all or nothing,
// chunks, duplicates and conflicts, groups and their entries, rejects,
// crash points, dry run) is RunImport's, the same on every backend.
type ImportStore interface {
	// EncodeRow appends the stored form of a good row to dst, on the
	// parser's goroutine (so that encoding runs beside the writes). Its
	// fields known only when the row is stored (ID, batch, group, late)
	// go at split, an offset into what EncodeRow appended.
	EncodeRow(dst []byte, row *Row, digest *[DigestSize]byte) (out []byte, split int, err error)
	// InTx runs fn in one write transaction, committed when fn returns
	// nil; the other methods (but EncodeRow) work in it.
	InTx(ctx context.Context, fn func() error) error
	// BeginImport readies a transaction for source's events; closed is
	// the closed-through date (zero: none).
	BeginImport(source string) (closed ledger.Date, err error)
	// InsertBatch stores a running batch (mode "all" or "partial") and
	// returns its ID.
	InsertBatch(source, file, sha, mode string) (int64, error)
	// FinishBatch writes the batch's counters and SHA-256; done completes it.
	FinishBatch(res ledger.ImportResult, sha string, done bool) error
	// InsertEvents stores rows (their groups assigned) as new events of
	// batch, in order, setting the ID of each row it stored. A row whose
	// key is stored already, before or by an earlier row of rows, is left
	// without an ID; a store may then store none of rows.
	InsertEvents(batch int64, rows []*ImportRow) error
	// LookupEvents returns the stored events with the rows' keys, by key.
	LookupEvents(rows []*ImportRow) (map[string]StoredEvent, error)
	// PostEntries posts the n entries of the groups booked (after writing
	// what the store keeps per event stored since the last call). entry
	// builds the i-th, the same each time: a store need not hold all n
	// at once (10,000 for a per-event file).
	PostEntries(n int, entry func(i int) ledger.Entry) ([]ledger.PostResult, error)
	// LinkGroups links each group of batch to its entry.
	LinkGroups(batch int64, groups []*Group, entryIDs []int64) error
	// StoreRejectHeader stores the file's header for batch's rejects, if
	// not stored yet; StoreReject stores one bad row of a partial import.
	StoreRejectHeader(batch int64, header []string) error
	StoreReject(batch int64, line int, errs []ledger.RejectError, record []string) error
	// NameInUse reports whether events are stored whose field ("seller"
	// or "channel") is value; if none are, other is a stored value of
	// field whose account segment (ledger.AccountSegment) is segment, or
	// "" when there is none.
	NameInUse(field, value, segment string) (stored bool, other string, err error)
}

// ImportRow is one row of a file on its way to the store.
type ImportRow struct {
	Line   int
	Event  ledger.Event
	Errors []*RowError // the row is bad when not empty
	Record []string    // the fields as read
	// Good rows only: EncodeRow's output and split, the content digest,
	// the accounting date (before a late shift) and account segments.
	Data            []byte
	Split           int
	Digest          [DigestSize]byte
	Date            ledger.Date
	Seller, Channel string

	ID    int64  // set by InsertEvents
	Group *Group // set before InsertEvents

	record, data [2]int // Record and Data in their batch, until it is sent
}

// StoredEvent is what LookupEvents finds of an event already stored.
type StoredEvent struct {
	Line   int
	Digest []byte // the digest, or the prefix of it the store keeps
	// Event decodes the stored version, with its BatchID, for a conflict.
	Event func() (ledger.Event, error)
}

// ImportTuning sizes the pipeline to a store: the parser sends BatchRows
// rows at a time, and the runner stores up to InsertRows rows per
// InsertEvents call (a batch's last rows are stored before it is reused).
type ImportTuning struct {
	BatchRows, InsertRows int
}
