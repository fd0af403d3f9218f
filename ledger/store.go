package ledger

import (
	"context"
	"time"

	"github.com/shopspring/decimal"
)

// Journal is the storage the double-entry core needs. The SQLite
// implementation lives in ledger/sqlite; a PostgreSQL one will follow and
// must pass the same suite (ledger/storetest).
type Journal interface {
	// Post appends entries atomically: all of them or none. An entry whose key
	// was already posted with identical Content is not posted again and its
	// result says Duplicate; the same key with other content is an ECONFLICT
	// error and nothing is posted. Entries dated in a closed period are refused
	// with EINVALID. IDs, RecordedAt and hashes are assigned by the store.
	Post(ctx context.Context, entries []Entry) ([]PostResult, error)
	// Entry returns one entry by ID (ENOTFOUND if there is none).
	Entry(ctx context.Context, id int64) (Entry, error)
	// EachEntry calls fn for every entry matching f, in ID order, streaming.
	EachEntry(ctx context.Context, f EntryFilter, fn func(*Entry) error) error
	// TrialBalance sums postings per account and currency.
	TrialBalance(ctx context.Context, q BalanceQuery) ([]Balance, error)
	// ClosePeriods closes every date up to and including through.
	ClosePeriods(ctx context.Context, through Date) error
	// ClosedThrough returns the last closed date (zero Date if none).
	ClosedThrough(ctx context.Context) (Date, error)
}

// CheckClose is the rule of every close, whichever store keeps the
// dates: closing through the date the ledger is already closed through
// (closed; zero if none) again is true, and EINVALID when through is
// earlier (closing never moves backwards).
func CheckClose(through, closed Date) (again bool, err error) {
	if err := CheckBookYear(through.Year); err != nil {
		// close 0500-01 was recorded: a close dated where the books hold
		// nothing (events, payments and contracts are years 1000-9999).
		return false, Errorf(EINVALID, "cannot close through %s: %v", through, err)
	}
	switch c := through.Compare(closed); {
	case closed.IsZero():
		return false, nil
	case c < 0:
		return false, Errorf(EINVALID, "cannot close through %s: the ledger is already closed through %s (closing never moves backwards)", through, closed)
	default:
		return c == 0, nil
	}
}

// PostResult says what Post did with one entry.
type PostResult struct {
	ID        int64
	Duplicate bool // an identical entry with the same key was already posted
}

// EntryFilter selects entries. Zero fields do not filter.
type EntryFilter struct {
	From, To Date      // effective date range, inclusive
	KnownAt  time.Time // only entries recorded at or before this instant
	Account  string    // entries with a posting on this account or below it
	Meta     map[string]string
	AfterID  int64 // cursor: entries with ID > AfterID
	Limit    int   // 0 = no limit
}

// Check refuses a filter no store can apply: an Account that is not an
// account name (the error of AccountTypeOf), or a negative Limit
// (EINVALID).
func (f EntryFilter) Check() error {
	if f.Account != "" {
		if _, err := AccountTypeOf(f.Account); err != nil {
			return err
		}
	}
	if f.Limit < 0 {
		return Errorf(EINVALID, "negative limit %d", f.Limit)
	}
	return nil
}

// BalanceQuery selects the bitemporal view of a trial balance.
type BalanceQuery struct {
	AsOf    Date      // effective dates up to and including AsOf (zero: all)
	KnownAt time.Time // entries recorded at or before KnownAt (zero: all)
}

// Balance is the sum of one account's postings in one currency
// (debit positive, credit negative).
type Balance struct {
	Account  string
	Type     AccountType
	Currency string
	Amount   decimal.Decimal
}

// Clock gives "now". Logic never calls time.Now directly, so tests can fix it.
type Clock interface{ Now() time.Time }

// SystemClock is the real clock, in UTC.
type SystemClock struct{}

// Now returns the current time in UTC.
func (SystemClock) Now() time.Time { return time.Now().UTC() }
