package ledger

import (
	"time"

	"github.com/shopspring/decimal"
)

// Event is one usage (revenue) row. Events are facts: once stored they never
// change; a correction is a new event (a refund is a negative amount).
type Event struct {
	ID         int64 // assigned by the store
	Source     string
	EventID    string    // unique within Source: (Source, EventID) is the idempotency key
	OccurredAt time.Time // the instant; for a date-only value, midnight UTC of that date
	DateOnly   bool      // occurred_at was a date: it means midnight in the contract's time zone
	Seller     string
	Channel    string
	Customer   string
	Product    string
	Region     string
	Quantity   *decimal.Decimal // nil when not given
	UnitPrice  *decimal.Decimal // nil when not given
	Amount     decimal.Decimal
	Currency   string
	Meta       map[string]string // columns beyond the canonical ones

	BatchID int64 // the import batch that stored it (assigned by the store)
	EntryID int64 // the journal entry that carries it (assigned by the store)
	Late    bool  // its date fell in a closed period: it posted into the first open one
}

// DateIn returns the event's calendar date in loc. A date-only event is that
// date in every time zone.
func (e *Event) DateIn(loc *time.Location) Date {
	if e.DateOnly {
		return DateOf(e.OccurredAt.UTC())
	}
	return DateOf(e.OccurredAt.In(loc))
}

// AccountingDate is the date the ledger books the event on (before any late
// shift): its UTC date, or the date itself when only a date was given.
func (e *Event) AccountingDate() Date { return e.DateIn(time.UTC) }
