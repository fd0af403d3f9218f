package ledger

import (
	"strings"
)

// AccountType is the kind of an account; it decides its normal side.
type AccountType string

const (
	Asset     AccountType = "asset"
	Liability AccountType = "liability"
	Equity    AccountType = "equity"
	Income    AccountType = "income"
	Expense   AccountType = "expense"
)

// accountRoots maps the first segment of an account name to its type.
var accountRoots = map[string]AccountType{
	"assets":      Asset,
	"liabilities": Liability,
	"equity":      Equity,
	"income":      Income,
	"expenses":    Expense,
}

// Account is a node of the chart of accounts. Names are hierarchical,
// colon-separated, lower case: "liabilities:revshare:openai:microsoft".
type Account struct {
	Name string
	Type AccountType
}

// AccountTypeOf validates an account name and returns its type, which its
// root segment decides (assets, liabilities, equity, income, expenses).
// Segments are non-empty and made of a-z, 0-9, '-', '_' and '.'.
func AccountTypeOf(name string) (AccountType, error) {
	root, _, ok := strings.Cut(name, ":")
	if !ok {
		return "", Errorf(EINVALID, "invalid account %q: want root:segment[:segment...]", name)
	}
	// The segments walked in place: strings.Split allocated a slice per
	// name, 200,000 of them in an import of 50,000 new sellers.
	for rest, more := name, true; more; {
		var s string
		s, rest, more = strings.Cut(rest, ":")
		if s == "" {
			return "", Errorf(EINVALID, "invalid account %q: empty segment", name)
		}
		for _, r := range s {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
				return "", Errorf(EINVALID, "invalid account %q: character %q not allowed (use a-z 0-9 - _ .)", name, r)
			}
		}
	}
	t, ok := accountRoots[root]
	if !ok {
		return "", Errorf(EINVALID, "invalid account %q: root must be assets, liabilities, equity, income or expenses", name)
	}
	return t, nil
}

// AccountSegment turns a free-form name (a party, channel or contract id)
// into a valid account segment: lower case, other characters become '_'.
func AccountSegment(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "_"
	}
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			b[i] = '_'
		}
	}
	return string(b)
}

// Chart of accounts used by revshare (documented in README.md):
//
//	assets:receivable:<seller>:<channel>              revenue earned, receivable from the channel
//	income:revenue:<seller>:<channel>                 the seller's revenue
//	expenses:revshare:<payer>:<payee>:<contract>      revenue share the payer owes
//	liabilities:revshare:<payer>:<payee>:<contract>   what the payer owes the payee (credit = owed)
//	assets:cash:<party>                               money paid out by a party
//	assets:advances:<payer>:<payee>:<contract>        advances paid, not yet recouped
func ReceivableAccount(seller, channel string) string {
	return "assets:receivable:" + AccountSegment(seller) + ":" + AccountSegment(channel)
}

// RevenueAccount is the income account of a seller's revenue on a channel.
func RevenueAccount(seller, channel string) string {
	return "income:revenue:" + AccountSegment(seller) + ":" + AccountSegment(channel)
}

// RevenueSegments reads RevenueAccount back: the seller and channel
// segments of an income:revenue:<seller>:<channel> account; ok is false
// for any other name.
func RevenueSegments(account string) (seller, channel string, ok bool) {
	rest, ok := strings.CutPrefix(account, "income:revenue:")
	if !ok {
		return "", "", false
	}
	seller, channel, ok = strings.Cut(rest, ":")
	if !ok || strings.Contains(channel, ":") {
		return "", "", false
	}
	return seller, channel, true
}

// RevenueSegmentSets is the seller and channel segments (RevenueSegments)
// of the revenue accounts among names; other names are passed over.
func RevenueSegmentSets(names []string) (sellers, channels map[string]bool) {
	sellers, channels = map[string]bool{}, map[string]bool{}
	for _, name := range names {
		if seller, channel, ok := RevenueSegments(name); ok {
			sellers[seller], channels[channel] = true, true
		}
	}
	return sellers, channels
}

// OtherSpelling is the first of names, other than name, whose account
// segment (AccountSegment) is segment: a spelling that would share name's
// accounts; "" when there is none.
func OtherSpelling(names []string, name, segment string) string {
	for _, n := range names {
		if n != name && AccountSegment(n) == segment {
			return n
		}
	}
	return ""
}

// ShareExpenseAccount is the payer's revenue-share expense under a contract.
func ShareExpenseAccount(payer, payee, contract string) string {
	return "expenses:revshare:" + AccountSegment(payer) + ":" + AccountSegment(payee) + ":" + AccountSegment(contract)
}

// SharePayableAccount is what payer owes payee under a contract.
func SharePayableAccount(payer, payee, contract string) string {
	return "liabilities:revshare:" + AccountSegment(payer) + ":" + AccountSegment(payee) + ":" + AccountSegment(contract)
}

// CashAccount is the cash a party pays from.
func CashAccount(party string) string { return "assets:cash:" + AccountSegment(party) }

// AdvanceAccount holds the recoupable advances payer paid payee under a
// contract: debited when an advance is paid, credited as it is recouped.
func AdvanceAccount(payer, payee, contract string) string {
	return "assets:advances:" + AccountSegment(payer) + ":" + AccountSegment(payee) + ":" + AccountSegment(contract)
}
