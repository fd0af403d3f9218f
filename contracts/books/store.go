// Package books keeps the books of contracts: what runs booked, what was
// paid, which periods are closed and which final statements a close
// stored. It holds the rules that decide what a run books and whether a
// payment may post (Service), and states the storage they need as one
// unit of work (Store) whose methods read and write rows; a storage backend
// (ledger/sqlite) implements it and enforces only what its schema can.
package books

import (
	"context"
	"time"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
)

// Store runs units of work on the books.
type Store interface {
	// Update runs fn in one write transaction, committed when fn returns
	// nil and rolled back otherwise: writers serialize, and a failure or a
	// kill leaves nothing of fn. what says what the transaction does, for
	// a writer kept waiting behind it (zero: a plain write).
	Update(ctx context.Context, what Activity, fn func(tx Tx) error) error
	// View runs fn in one read-only transaction: a snapshot of the books.
	View(ctx context.Context, fn func(tx ReadTx) error) error
}

// Activity names a write transaction ("run", "through 2026-03").
type Activity struct{ Op, Detail string }

// ReadTx reads the rows of the books within one transaction. Stored rows
// that do not parse are errors naming the row, never a panic.
type ReadTx interface {
	// Contract returns the latest version of a contract (ENOTFOUND if none).
	Contract(id string) (contracts.StoredContract, error)
	// ContractVersion returns one version of a contract.
	ContractVersion(id string, version int) (contracts.StoredContract, error)
	// Contracts returns the latest version of every contract, by id.
	Contracts() ([]contracts.StoredContract, error)
	// ClosedThrough returns the last closed date (zero Date if none).
	ClosedThrough() (ledger.Date, error)
	// BookedThrough returns the latest date the books reach: the latest
	// `through` of a run (or close) or the latest effective date of a
	// journal entry, whichever is later (zero Date if nothing is booked).
	BookedThrough() (ledger.Date, error)
	// Rates returns every stored exchange rate.
	Rates() ([]ledger.FXRate, error)
	// Usage returns the stored usage aggregates of c's usage signature and,
	// with trace, the IDs of the events behind each rule and period; ok is
	// false when none are stored (EachEvent then reads the events).
	Usage(c *contracts.Contract, trace bool) (u *contracts.Usage, eventIDs map[RulePeriod][]int64, ok bool, err error)
	// EachEvent calls fn for every stored event, in ID order.
	EachEvent(fn func(*ledger.Event) error) error
	// Bookings returns the bookings rows of a contract, in entry order.
	Bookings(contract string) ([]Booking, error)
	// AdvanceBookings returns the advance_bookings rows of a contract, in
	// entry order.
	AdvanceBookings(contract string) ([]AdvanceBooking, error)
	// Recoupments returns the recoupments rows of a contract, in entry order.
	Recoupments(contract string) ([]Recoupment, error)
	// FinalRuleBases returns the base of each rule on the final statement
	// stored for (contract, period label); ok is false when none is stored.
	FinalRuleBases(contract, period string) (bases map[string]decimal.Decimal, ok bool, err error)

	// BookedAmounts returns the parties and amount of a contract's
	// bookings rows dated in d, in no particular order: what a statement's
	// opening balances sum (the whole rows, in order, cost a close 20% more
	// CPU: every statement reads every earlier booking).
	BookedAmounts(contract string, d Dates) ([]PairAmount, error)
	// PaymentsIn and RecoupmentsIn return a contract's rows dated in d, in
	// entry order.
	PaymentsIn(contract string, d Dates) ([]Payment, error)
	RecoupmentsIn(contract string, d Dates) ([]Recoupment, error)
	// StatementBookings returns the bookings rows of a contract dated in
	// period p, in entry order, each with what the statement of p says of
	// it (see StatementBooking).
	StatementBookings(contract string, p ledger.Period) ([]StatementBooking, error)

	// FinalStatement returns the body of the final statement stored under
	// (contract, period label); ok is false when there is none.
	FinalStatement(contract, period string) (body []byte, ok bool, err error)
	// HasFinalStatement says whether one is stored under (contract, period label).
	HasFinalStatement(contract, period string) (bool, error)
	// FinalStatementHashes returns the stored hash of each of a contract's
	// final statements, by period label.
	FinalStatementHashes(contract string) (map[string]string, error)
	// Basis is what a statement rendered now is rendered from: the last
	// event and the last exchange-rate batch stored (Version unset).
	Basis() (StatementBasis, error)

	// What verify reads to render final statements again as of their close.

	// FinalStatements returns every stored final statement, by contract
	// and period label.
	FinalStatements() ([]FinalStatement, error)
	// BasisRecordedSince is when final statements began to record their
	// basis (zero if they never did): only those stored before may lack it.
	BasisRecordedSince() (time.Time, error)
	// Closes returns every close, by date.
	Closes() ([]Close, error)
	// ContractDocuments returns every version of every contract as stored,
	// by id and version.
	ContractDocuments() ([]ContractDocument, error)
	// RatesThrough returns the exchange rates of the import batches up to
	// batch.
	RatesThrough(batch int64) ([]ledger.FXRate, error)
}

// Verifier is a Store that checks its own invariants and then check, in
// the same read snapshot: the domain's checks of what only it can compute
// again (final statements). A violation is a *ledger.VerifyError.
type Verifier interface {
	VerifyBooksReport(ctx context.Context, check func(tx ReadTx) error, anchors ...ledger.Anchor) (ledger.VerifyResult, error)
}

// Tx is a write transaction on the books: what ReadTx reads, as written
// so far in this transaction, and the rows it writes.
type Tx interface {
	ReadTx
	// PostEntries appends entries to the journal (ledger.Journal.Post's
	// rules): all of this call or none, the transaction staying usable.
	PostEntries(entries []ledger.Entry) ([]ledger.PostResult, error)
	// EnsureUsage stores the usage aggregates of c's usage signature,
	// built from every stored event, when none are stored yet.
	EnsureUsage(c *contracts.Contract) error
	// AddBooking, AddAdvanceBooking, AddRecoupment and AddPayment store the
	// row of a journal entry posted in this transaction.
	AddBooking(b Booking) error
	AddAdvanceBooking(b AdvanceBooking) error
	AddRecoupment(r Recoupment) error
	AddPayment(p Payment) error
	// AddRun records that a run through a date booked entries entries.
	AddRun(through ledger.Date, entries int) error
	// CloseThrough closes every date up to and including through
	// (ledger.Journal.ClosePeriods' rules): nothing may be posted on or
	// before it afterwards.
	CloseThrough(through ledger.Date) error
	// AddFinalStatement stores a final statement; one is stored per
	// (contract, period) at most (ECONFLICT).
	AddFinalStatement(s FinalStatement) error
}

// RulePeriod names the lines of one rule in one period (its label).
type RulePeriod struct{ Rule, Period string }

// Booking is a bookings row: one entry a run booked for a rule's period.
type Booking struct {
	EntryID  int64
	Contract string
	Version  int    // the contract version the run evaluated
	Rule     string //
	Period   string // the label of the period it books for
	Kind     string // "accrual" or "adjustment" (package booking)
	BookedIn string // the label of the period it was booked in
	Payer    string
	Payee    string
	Base     decimal.Decimal // the rule's base for the period, as booked
	// BaseDelta and Amount are what this entry adds to the period's base
	// and obligation.
	BaseDelta decimal.Decimal
	Amount    decimal.Decimal
	Date      ledger.Date
}

// AdvanceBooking is an advance_bookings row: an advance payment booked.
type AdvanceBooking struct {
	EntryID     int64
	Contract    string
	Version     int
	Advance     string
	Payer       string
	Payee       string
	AdvanceDate ledger.Date
	Amount      decimal.Decimal
	Date        ledger.Date
}

// Recoupment is a recoupments row: part of an advance recouped from a
// period's obligations.
type Recoupment struct {
	EntryID  int64
	Contract string
	Version  int
	Advance  string
	Period   string // label
	Payer    string
	Payee    string
	Amount   decimal.Decimal
	Date     ledger.Date
}

// Payment is a payments row.
type Payment struct {
	EntryID   int64
	Contract  string
	Payer     string
	Payee     string
	Amount    decimal.Decimal
	Date      ledger.Date
	Reference string
}

// PairAmount is an amount between two parties.
type PairAmount struct {
	Payer, Payee string
	Amount       decimal.Decimal
}

// Dates is an inclusive range of effective dates; a zero bound is open.
type Dates struct{ From, To ledger.Date }

// StatementBooking is a bookings row as the statement of the period it is
// dated in shows it.
type StatementBooking struct {
	Booking
	// PrevVersion is the contract version of the latest earlier booking of
	// its rule and period between the same parties (its own when none).
	PrevVersion int
	// Joined says that the earlier bookings of its rule and period, if any,
	// were all between other parties.
	Joined bool
	// ClosedWith, for the first booking of its rule and period, is the
	// version of the final statement of that period stored before the
	// statement being built (0 when none): the one the booking corrects.
	ClosedWith int
}

// FinalStatement is a statements row: a statement stored at a close.
type FinalStatement struct {
	Contract    string
	Period      string // label
	Body        []byte // the statement's JSON rendering, as served
	Hash        string
	FinalizedAt string // set by the store (the transaction's instant)
	Basis       StatementBasis
	HasBasis    bool // false on a statement stored before statements recorded it
}

// Close is a period_closes row, as stored.
type Close struct {
	Through  string // the last closed date
	ClosedAt string // the close's instant, as its final statements' FinalizedAt
	// EventsThrough is the last event committed before the close (whose
	// import entry precedes the close's chain head).
	EventsThrough int64
}

// ContractDocument is one contract version as stored, unparsed.
type ContractDocument struct {
	ID         string
	Version    int
	Document   string
	RecordedAt string
}

// StatementBasis is what a final statement was rendered from, so that it
// can be rendered again.
type StatementBasis struct {
	Version       int   // the contract version
	EventsThrough int64 // the last event ID known (events are numbered in commit order)
	RatesThrough  int64 // the last exchange-rate import batch known
}

// FindContract returns the latest version of contract id in tx. An unknown
// ID is contracts.NotFound with the stored contracts' IDs (ENOTFOUND).
func FindContract(tx ReadTx, id string) (contracts.StoredContract, error) {
	sc, err := tx.Contract(id)
	if ledger.ErrorCode(err) != ledger.ENOTFOUND {
		return sc, err
	}
	all, lerr := tx.Contracts()
	if lerr != nil {
		return sc, err
	}
	return sc, contracts.NotFound(id, contracts.IDs(all))
}
