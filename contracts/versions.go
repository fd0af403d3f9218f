package contracts

import "github.com/revshare/revshare/ledger"

// The rules of storing a contract's versions that every ContractStore
// applies (the stores only read what they need and write the row).

// CheckSave decides whether c may be stored: update says whether the
// caller means a new version of an existing contract (`contract update`)
// or a new contract (`contract add`); latest is the stored version number
// (0 when none). An id that exists is ECONFLICT for an add; one that does
// not is ENOTFOUND for an update.
func CheckSave(c *Contract, latest int, update bool) error {
	switch {
	case latest > 0 && !update:
		return ledger.Errorf(ledger.ECONFLICT, "contract %q already exists (version %d): use `contract update`", c.ID, latest)
	case latest == 0 && update:
		return ledger.Errorf(ledger.ENOTFOUND, "contract %q not found: use `contract add`", c.ID)
	}
	return nil
}

// CheckNewID refuses a new contract whose id names the same account
// segment as a stored contract's ("Deal" and "deal"): their payables would
// share accounts. stored lists the ids of the stored contracts.
func CheckNewID(id string, stored []string) error {
	seg := ledger.AccountSegment(id)
	for _, other := range stored {
		if ledger.AccountSegment(other) == seg {
			return ledger.Errorf(ledger.ECONFLICT, "contract %q and contract %q would share the account name segment %q: choose another id", other, id, seg)
		}
	}
	return nil
}

// CheckCurrency refuses an update that changes the contract's currency
// after a run booked obligations under it (bookings of them): the bookings
// of the two versions would mix currencies in the contract's payables and
// statements.
func CheckCurrency(prev, next *Contract, bookings int) error {
	if prev.Currency == next.Currency || bookings == 0 {
		return nil
	}
	return ledger.Errorf(ledger.ECONFLICT, "contract %q: its currency cannot change from %s to %s once obligations are booked under it (%d booking(s)): add a new contract instead",
		next.ID, prev.Currency, next.Currency, bookings)
}

// CheckAdvanceParties refuses a version that gives an advance another payer
// or payee than the ones its booked payment was made between (paid: the
// payer and payee of each advance with advance bookings). The payment is a
// fact between those two: moved to another pair, the books would mix its
// payment and recoupments across two advances assets (reading 14,
// docs/design/spec-audit.md). An advance removed and added again with
// other parties is refused too, for the same reason.
func CheckAdvanceParties(next *Contract, paid map[string][2]string) error {
	for _, a := range next.OrderedAdvances() {
		if was, ok := paid[a.ID]; ok && was != [2]string{a.Payer, a.Payee} {
			return ledger.Errorf(ledger.ECONFLICT, "contract %q: advance %s was paid by %s to %s (it is booked): its payer and payee cannot change to %s and %s; add the new advance under another id (and remove this one if it ends)",
				next.ID, a.ID, was[0], was[1], a.Payer, a.Payee)
		}
	}
	return nil
}
