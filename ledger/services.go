package ledger

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// The services of this file are what the rest of revshare reads and writes
// besides the journal (store.go). Each storage backend implements them
// (ledger/sqlite; ledger/postgres as far as it goes) and runs their shared
// suite (ledger/storetest). Usage and rate imports, whose options carry the
// reader's row types, are usage.Importer (ledger/usage/services.go).

// StorePageSize bounds a page of a store's lists (Events, ImportBatches,
// ImportRejects), on every backend.
const StorePageSize = 10000

// StorePageLimit is how many rows a store's list reads for limit: limit,
// or StorePageSize for 0, a negative limit or one above StorePageSize.
func StorePageLimit(limit int) int {
	if limit <= 0 || limit > StorePageSize {
		return StorePageSize
	}
	return limit
}

// EventStore reads stored usage events.
type EventStore interface {
	// Event returns one event; ENOTFOUND if there is none.
	Event(ctx context.Context, id int64) (Event, error)
	// Events returns one page of the events matching f, in ID order, at
	// most StorePageLimit(f.Limit).
	Events(ctx context.Context, f EventFilter) ([]Event, error)
	// EventsByID returns the events with these IDs in the order given (an
	// ID given twice comes back twice); ENOTFOUND naming the first ID that
	// has no event. Callers bound len(ids).
	EventsByID(ctx context.Context, ids []int64) ([]Event, error)
	// EachEvent calls fn for every event matching f in ID order, streaming
	// in one read snapshot (Limit 0: all). The *Event is reused: copy the
	// struct if fn keeps it.
	EachEvent(ctx context.Context, f EventFilter, fn func(*Event) error) error
}

// EventsInOrder is EventsByID's answer once a backend has read the stored
// events of ids into byID: the events in the order given (an ID given twice
// comes back twice); ENOTFOUND naming the first ID that byID lacks. Both
// backends end with it, so that the order and the error are one rule.
func EventsInOrder(ids []int64, byID map[int64]Event) ([]Event, error) {
	out := make([]Event, len(ids))
	for i, id := range ids {
		e, ok := byID[id]
		if !ok {
			return nil, Errorf(ENOTFOUND, "event %d not found", id)
		}
		out[i] = e
	}
	return out, nil
}

// EventFilter selects events. Zero fields do not filter.
type EventFilter struct {
	EntryID  int64 // the events an import entry posted
	BatchID  int64
	Source   string
	EventID  string // with Source: one event
	Seller   string
	Channel  string
	Customer string
	Product  string
	Region   string
	Currency string
	From, To Date  // the event's true accounting date (UTC), inclusive
	AfterID  int64 // cursor: events with ID > AfterID
	Limit    int
}

// ImportStore reads what imports recorded: their batches and the rejected
// rows of partial imports.
type ImportStore interface {
	// ImportBatches lists the batches with ID > afterID in ID order, at
	// most StorePageLimit(limit).
	ImportBatches(ctx context.Context, afterID int64, limit int) ([]ImportBatch, error)
	// ImportBatch returns one batch; ENOTFOUND if there is none.
	ImportBatch(ctx context.Context, id int64) (ImportBatch, error)
	// ImportRejects returns a batch's stored rejects with line > afterLine,
	// in line order, at most StorePageLimit(limit); none for a batch that
	// stored none; ENOTFOUND for an unknown batch.
	ImportRejects(ctx context.Context, batchID int64, afterLine, limit int) ([]ImportReject, error)
	// ImportRejectColumns returns the header of a batch's file (its
	// rejects' records follow it), nil when the batch stored no rejects;
	// ENOTFOUND for an unknown batch.
	ImportRejectColumns(ctx context.Context, batchID int64) ([]string, error)
}

// ImportBatch is one imported file as recorded.
type ImportBatch struct {
	ID         int64     `json:"id"`
	Kind       string    `json:"kind"` // usage | rates
	Source     string    `json:"source"`
	File       string    `json:"file"`
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

// ImportReject is a stored rejected row of a partial import: its line in
// the file, why it was rejected, and its fields as read.
type ImportReject struct {
	Line   int           `json:"line"`
	Errors []RejectError `json:"errors"`
	Record []string      `json:"record"`
}

// RejectError is one reason a row was rejected.
type RejectError struct {
	Column string `json:"column"` // "" when the reason concerns the whole row
	Value  string `json:"value"`
	Reason string `json:"reason"`
}

// ImportResult counts what a usage import did.
// Rows = Posted + Duplicates + Rejected.
type ImportResult struct {
	BatchID    int64 // 0 for a dry run or an import that posted nothing
	Rows       int
	Posted     int
	Duplicates int
	Rejected   int
	Late       int
	Entries    int
	// SHA256 is, for a dry run given no SHA-256 up front
	// (usage.ImportOptions.SHA256), the hex SHA-256 of the file it read
	// whole; "" otherwise (an import's is its batch's). It is how
	// usage.Import finds an earlier batch of the same file without hashing
	// the file a second time.
	SHA256 string
}

// RateImportResult counts what an exchange-rate import did.
type RateImportResult struct {
	BatchID    int64 `json:"batch"`
	Rows       int   `json:"rows"`
	Added      int   `json:"added"`
	Duplicates int   `json:"duplicates"`
	Rejected   int   `json:"rejected"`
}

// TokenStore keeps the API tokens. Only a token's hash is stored.
type TokenStore interface {
	// CreateToken stores a new token and returns it with its secret, which
	// cannot be shown again. An unknown role or an over-long name is
	// EINVALID.
	CreateToken(ctx context.Context, name, role string) (Token, string, error)
	// Tokens lists every token, revoked ones included, by ID.
	Tokens(ctx context.Context) ([]Token, error)
	// RevokeToken revokes a token: ENOTFOUND if there is none, ECONFLICT if
	// it is already revoked.
	RevokeToken(ctx context.Context, id int64) error
	// AuthenticateToken returns the valid token whose secret is given; an
	// unknown, malformed or revoked one is EUNAUTHORIZED (not saying which).
	// It only reads.
	AuthenticateToken(ctx context.Context, secret string) (Token, error)
}

// Token is an API token as stored: never the secret.
type Token struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	CreatedAt time.Time `json:"created_at"`
	RevokedAt time.Time `json:"revoked_at,omitzero"` // zero while valid
}

// Revoked reports whether the token was revoked.
func (t Token) Revoked() bool { return !t.RevokedAt.IsZero() }

// Verifier checks every invariant a backend keeps (the hash chain, the
// balances, the links between entries and what they were booked from).
type Verifier interface {
	// Verify checks everything in one read snapshot, and that the chain
	// still holds each anchor. A violation is a result with OK false
	// naming the first one, not an error; an error is a failure to check.
	Verify(ctx context.Context, anchors ...Anchor) (VerifyResult, error)
}

// VerifyResult is the outcome of a verification (the JSON of GET
// /api/v1/verify and of revshare verify --format json).
type VerifyResult struct {
	OK        bool   `json:"ok"`
	Violation string `json:"violation,omitempty"` // the first violation found
	EntryID   int64  `json:"entry_id,omitempty"`  // the entry it concerns, if any
	Entries   int64  `json:"entries"`
	HeadHash  string `json:"head_hash"` // the last entry's hash ("" when empty)
	// The fact chain's last link (ledger/facts.go): its seq (0 when the
	// chain is empty) and hash, for an anchor facts:SEQ:HASH.
	FactLinks int64  `json:"fact_links"`
	FactHead  string `json:"fact_head"`
}

// FactAnchor is the fact chain's head as an --anchor takes it
// ("facts:SEQ:HASH"), or "(empty)".
func (r VerifyResult) FactAnchor() string {
	if r.FactLinks == 0 {
		return "(empty)"
	}
	return "facts:" + strconv.FormatInt(r.FactLinks, 10) + ":" + r.FactHead
}

// Anchor is a chain head recorded outside the database (printed by an
// earlier verify, kept by an auditor). An attacker with raw SQL can rewrite
// the whole chain after an entry; only an outside anchor catches that.
// Fact marks an anchor in the fact chain (ID is then a link's seq).
type Anchor struct {
	ID   int64
	Hash string
	Fact bool
}

// ParseAnchor parses "ID:HASH" (a journal entry) or "facts:SEQ:HASH" (a
// link of the fact chain).
func ParseAnchor(s string) (Anchor, error) {
	rest, fact := strings.CutPrefix(s, "facts:")
	id, hash, ok := strings.Cut(rest, ":")
	n, err := strconv.ParseInt(id, 10, 64)
	if !ok || err != nil || n < 1 || len(hash) != 64 {
		if fact {
			return Anchor{}, Errorf(EINVALID, "invalid anchor %q: want facts:SEQ:HASH (a fact chain link's seq and its 64-hex-digit hash)", s)
		}
		return Anchor{}, Errorf(EINVALID, "invalid anchor %q: want ID:HASH (an entry id and its 64-hex-digit hash)", s)
	}
	return Anchor{n, strings.ToLower(hash), fact}, nil
}

// SplitAnchors separates the journal's anchors from the fact chain's.
func SplitAnchors(anchors []Anchor) (journal, facts []Anchor) {
	for _, a := range anchors {
		if a.Fact {
			facts = append(facts, a)
		} else {
			journal = append(journal, a)
		}
	}
	return journal, facts
}
