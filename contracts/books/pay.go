package books

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
)

// Pay records a payment (contracts.Payer): it reduces what the payer owes
// the payee (the payable) against the payer's cash. The reference is the
// idempotency key (contracts.PaymentKey when empty): paying again with the
// same reference and the same payment records nothing and returns the first
// entry; the same reference with another payment is ECONFLICT. Parties that
// are not two distinct parties of the contract, an amount that is not
// positive or is finer than the currency's minor unit are EINVALID, and so
// is a date in a closed period (unless the payment is already recorded).
func (s Service) Pay(ctx context.Context, p contracts.Payment) (contracts.PaymentResult, error) {
	var res contracts.PaymentResult
	what := Activity{"payment", fmt.Sprintf("%s -> %s under %s", p.Payer, p.Payee, p.Contract)}
	err := s.Store.Update(ctx, what, func(tx Tx) error {
		sc, err := FindContract(tx, p.Contract)
		if err != nil {
			return err
		}
		c := sc.Contract
		if err := validPayment(c, p); err != nil {
			return err
		}
		ref := p.Reference
		if ref == "" {
			ref = contracts.PaymentKey(c.ID, p.Payer, p.Payee, p.Amount, p.Date)
		}
		e := ledger.Entry{
			Key:         ledger.Key{Source: "payment", ExternalID: c.ID + ":" + ref},
			Date:        p.Date,
			Description: fmt.Sprintf("payment %s -> %s under %s (%s)", p.Payer, p.Payee, c.ID, ref),
			Meta:        map[string]string{"contract": c.ID, "kind": "payment", "reference": ref},
			Postings: []ledger.Posting{
				{Account: ledger.SharePayableAccount(p.Payer, p.Payee, c.ID), Amount: p.Amount, Currency: c.Currency},
				{Account: ledger.CashAccount(p.Payer), Amount: p.Amount.Neg(), Currency: c.Currency},
			},
		}
		posted, err := tx.PostEntries([]ledger.Entry{e})
		if err != nil {
			if ledger.ErrorCode(err) == ledger.ECONFLICT {
				return paidUnderReference(tx, c, ref, err)
			}
			return closedPaymentDate(tx, p.Date, err)
		}
		res = contracts.PaymentResult{Entry: posted[0].ID, Reference: ref, AlreadyRecorded: posted[0].Duplicate}
		if posted[0].Duplicate {
			return nil
		}
		return tx.AddPayment(Payment{EntryID: res.Entry, Contract: c.ID, Payer: p.Payer, Payee: p.Payee, Amount: p.Amount, Date: p.Date, Reference: ref})
	})
	return res, err
}

// paymentParties says EINVALID unless p's payer and payee are two distinct
// parties of c, naming the one that is not (with the party it differs from
// only in case, if any) and listing c's parties.
func paymentParties(c *contracts.Contract, p contracts.Payment) error {
	parties := strings.Join(c.Parties, ", ")
	var unknown []string
	for _, who := range []string{p.Payer, p.Payee} {
		if slices.Contains(c.Parties, who) || slices.Contains(unknown, who) {
			continue
		}
		for _, party := range c.Parties {
			if strings.EqualFold(party, who) {
				who = fmt.Sprintf("%s (did you mean %s?)", who, party)
				break
			}
		}
		unknown = append(unknown, who)
	}
	switch {
	case len(unknown) == 1:
		return ledger.Errorf(ledger.EINVALID, "payment %s -> %s: %s is not a party of contract %s (its parties: %s)", p.Payer, p.Payee, unknown[0], c.ID, parties)
	case len(unknown) == 2:
		return ledger.Errorf(ledger.EINVALID, "payment %s -> %s: %s and %s are not parties of contract %s (its parties: %s)", p.Payer, p.Payee, unknown[0], unknown[1], c.ID, parties)
	case p.Payer == p.Payee:
		return ledger.Errorf(ledger.EINVALID, "payment %s -> %s: the payer and the payee are the same party (a payment goes between two parties of contract %s: %s)", p.Payer, p.Payee, c.ID, parties)
	}
	return nil
}

// validPayment says EINVALID unless p is between two distinct parties of
// c, for a positive amount in c's currency's minor unit.
func validPayment(c *contracts.Contract, p contracts.Payment) error {
	if err := paymentParties(c, p); err != nil {
		return err
	}
	if !p.Amount.IsPositive() {
		return ledger.Errorf(ledger.EINVALID, "payment amount %s: must be positive", p.Amount)
	}
	if rounded, _ := ledger.RoundMinor(p.Amount, c.Currency, ledger.HalfUp); !rounded.Equal(p.Amount) {
		return ledger.Errorf(ledger.EINVALID, "payment amount %s: more decimals than %s allows", p.Amount, c.Currency)
	}
	if err := ledger.CheckBookYear(p.Date.Year); err != nil {
		return ledger.Errorf(ledger.EINVALID, "payment date %s: %v", p.Date, err)
	}
	return checkReference(p.Reference)
}

// MaxReferenceLen bounds a payment reference: the 140 characters of a SEPA
// or SWIFT remittance line hold any bank's reference.
const MaxReferenceLen = 140

// checkReference says EINVALID for a payment reference that is too long,
// has control characters, or starts or ends with spaces. The reference is
// the payment's identity, hashed into the journal for good: a line break
// or a tab in it is a paste gone wrong, and "WIRE-1 " copied with its
// trailing space from a spreadsheet would pay WIRE-1 a second time.
func checkReference(ref string) error {
	if len(ref) > MaxReferenceLen {
		return ledger.Errorf(ledger.EINVALID, "payment reference is %d bytes long, at most %d allowed", len(ref), MaxReferenceLen)
	}
	if r, ok := ledger.BidiControl(ref); ok {
		return ledger.Errorf(ledger.EINVALID, "payment reference %q: %s", ref, ledger.BidiReason(r))
	}
	for _, c := range ref {
		if c < 0x20 || c == 0x7f || c >= 0x80 && c < 0xa0 || c == utf8.RuneError {
			return ledger.Errorf(ledger.EINVALID, "payment reference %q has control characters or invalid UTF-8", ref)
		}
	}
	if strings.TrimSpace(ref) != ref {
		return ledger.Errorf(ledger.EINVALID, "payment reference %q starts or ends with spaces: give it as the bank wrote it, without them", ref)
	}
	return nil
}

// paidUnderReference turns PostEntries' refusal of a second payment under
// one reference into what the payer can act on: the journal's message
// names the entry's internal key and its postings. Should the payment row
// not be found, err passes through.
func paidUnderReference(tx ReadTx, c *contracts.Contract, ref string, err error) error {
	paid, perr := tx.PaymentsIn(c.ID, Dates{})
	if perr != nil {
		return err
	}
	for _, p := range paid {
		if p.Reference == ref {
			return ledger.Errorf(ledger.ECONFLICT, "payment reference %s is already entry %d (%s -> %s %s %s on %s): a different payment needs a reference of its own",
				ref, p.EntryID, p.Payer, p.Payee, ledger.FormatMoneyGrouped(p.Amount, c.Currency), c.Currency, p.Date)
		}
	}
	return err
}

// closedPaymentDate turns PostEntries' refusal of a payment dated in a closed
// period into what the payer can act on; the journal's message names the
// entry's internal key ("payment/deal:wire-2"), which the REST API showed
// as it was. Other errors pass through.
func closedPaymentDate(tx ReadTx, d ledger.Date, err error) error {
	if ledger.ErrorCode(err) != ledger.EINVALID {
		return err
	}
	closed, cerr := tx.ClosedThrough()
	if cerr != nil || closed.IsZero() || d.After(closed) {
		return err
	}
	return ledger.Errorf(ledger.EINVALID, "payment date %s is in a closed period (the books are closed through %s): date the payment on the day it was made, after %s", d, closed, closed)
}
