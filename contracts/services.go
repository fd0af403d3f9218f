package contracts

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
)

// The services of this file are what revshare needs to keep contracts and
// act on them. A storage backend implements ContractStore (ledger/sqlite);
// Runner and Payer are the run and pay of spec sections 4 and 5, whoever
// implements them.

// ContractStore keeps the versions of every contract.
type ContractStore interface {
	// SaveContract stores a new version of c and returns its number. With
	// update false an id that exists is ECONFLICT; with update true one
	// that does not is ENOTFOUND. A document identical to the latest
	// version stores nothing and returns that version.
	SaveContract(ctx context.Context, c *Contract, update bool) (int, error)
	// Contract returns the latest version of a contract; ENOTFOUND if none.
	Contract(ctx context.Context, id string) (StoredContract, error)
	// Contracts returns the latest version of every contract, by id.
	Contracts(ctx context.Context) ([]StoredContract, error)
}

// StoredContract is one version of a contract as stored.
type StoredContract struct {
	Contract   *Contract
	Version    int
	RecordedAt time.Time
}

// Runner books what the contracts owe.
type Runner interface {
	// Run evaluates every contract for every period up to through (each
	// contract through its own period containing that date) and books the
	// differences from what is booked, in one transaction: a concurrent
	// run books nothing twice.
	Run(ctx context.Context, through ledger.Date) (RunResult, error)
}

// RunResult says what a run booked.
type RunResult struct {
	Through   string        `json:"through"`
	Contracts []RunContract `json:"contracts"`
}

// RunContract is one contract's part of a run.
type RunContract struct {
	Contract string `json:"contract"`
	Through  string `json:"through"` // the last period evaluated and booked
	// Asked is the period --through named, when Through is later: a run
	// through an earlier period keeps the periods already booked after it
	// current.
	Asked       string `json:"asked,omitempty"`
	Entries     int    `json:"entries"`
	Adjustments int    `json:"adjustments"`
	Advances    int    `json:"advances,omitempty"`    // advance payments booked
	Recoupments int    `json:"recoupments,omitempty"` // recoupment bookings
	// Note says, when Through has not ended by the day of the run, what
	// that means for the books (RunResult.NoteNotEnded); empty otherwise.
	Note string `json:"note,omitempty"`
}

// NoteNotEnded sets the Note of each contract whose Through has not ended
// by today (its last day is today or later): a run may book a period under
// way (spec section 5: an open period is brought to the computed value),
// but only from the usage imported so far, and a run that books nothing
// there would otherwise read as if the books were complete through it.
// The command line and POST /runs take today from the clock, in UTC.
func (r *RunResult) NoteNotEnded(today ledger.Date) {
	for i := range r.Contracts {
		r.Contracts[i].Note = r.Contracts[i].notEnded(today)
	}
}

func (rc RunContract) notEnded(today ledger.Date) string {
	through, err := ledger.ParsePeriod(rc.Through)
	if err != nil || through.Last().Before(today) {
		return ""
	}
	if asked, err := ledger.ParsePeriod(rc.Asked); err == nil && asked.Last().Before(today) {
		// The period asked for has ended; the later ones were kept
		// current because they were booked before (Asked says so).
		return ""
	}
	current := ledger.PeriodOf(through.Freq, today)
	ended := ledger.PeriodOf(through.Freq, current.Start().AddDays(-1)).Label()
	if rc.Entries == 0 && rc.Advances+rc.Recoupments == 0 {
		return fmt.Sprintf("nothing to book: %s has not ended (today is %s), and the books already hold the usage imported so far (the last period that has ended is %s)",
			through.Label(), today, ended)
	}
	return fmt.Sprintf("%s has not ended (today is %s): from %s on the books hold the usage imported so far, which will change as more arrives (the last period that has ended is %s)",
		through.Label(), today, current.Label(), ended)
}

// Payer records payments between the parties of a contract.
type Payer interface {
	// Pay records p: it reduces what p.Payer owes p.Payee against the
	// payer's cash. The reference (derived from the payment when empty) is
	// its identity within the contract: the same payment again records
	// nothing and returns the first entry; another payment under a used
	// reference is ECONFLICT. Parties that are not the contract's, an
	// amount that is not positive or finer than the currency's minor unit,
	// and a date in a closed period are EINVALID.
	Pay(ctx context.Context, p Payment) (PaymentResult, error)
}

// Payment is a payment between two parties under a contract.
type Payment struct {
	Contract  string          `json:"contract"`
	Payer     string          `json:"payer"`
	Payee     string          `json:"payee"`
	Amount    decimal.Decimal `json:"amount"`
	Date      ledger.Date     `json:"date"`
	Reference string          `json:"reference"` // "" to derive one
}

// PaymentKey is the reference of a payment given without one: "auto-" and
// the first 16 hex digits of the SHA-256 of contract, payer, payee, amount
// (as a plain decimal, so 100 and 100.00 are the same) and date, separated
// by NUL bytes. A payment is idempotent on its reference, so re-running a
// pay that was killed after its commit records it once; two real payments
// of the same amount between the same parties on the same day need
// references of their own (the bank's).
func PaymentKey(contractID, payer, payee string, amount decimal.Decimal, date ledger.Date) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{contractID, payer, payee, amount.String(), date.String()}, "\x00")))
	return "auto-" + hex.EncodeToString(sum[:8])
}

// PaymentResult says what Pay recorded.
type PaymentResult struct {
	Entry     int64  // the payment's journal entry
	Reference string // the reference it is recorded under
	// AlreadyRecorded: the reference was paid before with the same payment;
	// nothing new was recorded and Entry is the first one.
	AlreadyRecorded bool
}
