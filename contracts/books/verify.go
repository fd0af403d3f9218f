package books

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/internal/spelling"
	"github.com/revshare/revshare/ledger"
)

// The checks of this file prove that the rows a store keeps beside the
// journal (bookings, payments, advance_bookings, recoupments, runs) equal
// the entries they index, and that what is booked stays within every cap.
// A store reads the rows (their columns as it stores them, in text, so
// that a value written differently shows) and the entries; the checks are
// the same on every backend. Each returns the first violation as a
// *ledger.VerifyError naming the table, the row's key, what was expected
// and what was found.

// FactEntry says whether e is an entry a run or a payment posted with one
// of kinds (its metadata names a contract and the kind): the journal also
// takes other entries under any source.
func FactEntry(e *ledger.Entry, kinds ...string) bool {
	return e.Meta["contract"] != "" && slices.Contains(kinds, e.Meta["kind"])
}

// BookingText is a bookings row as stored, each column as text.
type BookingText struct {
	EntryID                                         int64
	Contract, Version, Rule, Period, Kind, BookedIn string
	Payer, Payee, Base, BaseDelta, Amount, Date     string
}

// PaymentText is a payments row as stored, each column as text.
type PaymentText struct {
	EntryID                                         int64
	Contract, Payer, Payee, Amount, Date, Reference string
}

// field is one column of a row and what its entry says it is.
type field struct{ column, found, expected string }

// firstDiffering returns the first field whose found and expected differ.
func firstDiffering(fs []field) (field, bool) {
	for _, f := range fs {
		if f.found != f.expected {
			return f, true
		}
	}
	return field{}, false
}

// postingIs says whether posting i of e is amount on account (amounts
// compared as numbers); "" when it is, else what it is.
func postingIs(e *ledger.Entry, i int, account string, amount decimal.Decimal) string {
	if i >= len(e.Postings) {
		return "(missing)"
	}
	p := e.Postings[i]
	if p.Account != account || !p.Amount.Equal(amount) {
		return p.Account + " " + p.Amount.String()
	}
	return ""
}

func entryKey(id int64) string { return "entry_id=" + strconv.FormatInt(id, 10) }

// VerifyBookings checks each bookings row against its run entry in
// entries (the run entries, FactEntry "accrual" or "adjustment", by ID):
// the entry exists; contract, version, rule, period, kind, booked_in,
// base, base_delta and amount equal its metadata, date its date; its two
// postings are amount on the payer's expense account and −amount on what
// the payer owes the payee (so payer and payee are the entry's). Every run
// entry has its bookings row. entries is emptied.
func VerifyBookings(rows []BookingText, entries map[int64]ledger.Entry) error {
	for _, r := range rows {
		key := entryKey(r.EntryID)
		e, err := takeEntry(entries, r.EntryID, "bookings", "run")
		if err != nil {
			return err
		}
		m := e.Meta
		if f, bad := firstDiffering([]field{
			{"contract", r.Contract, m["contract"]}, {"version", r.Version, m["contract_version"]}, {"rule", r.Rule, m["rule"]},
			{"period", r.Period, m["period"]}, {"kind", r.Kind, m["kind"]}, {"booked_in", r.BookedIn, m["booked_in"]},
			{"base", r.Base, m["base"]}, {"base_delta", r.BaseDelta, m["base_delta"]}, {"amount", r.Amount, m["obligation_delta"]},
			{"date", r.Date, e.Date.String()},
		}); bad {
			return ledger.FactError("bookings", key, f.column, f.expected+" (from its entry)", f.found)
		}
		amt, err := decimal.NewFromString(r.Amount)
		if err != nil {
			return ledger.FactError("bookings", key, "amount", "a decimal", r.Amount)
		}
		expense, payable := ledger.ShareExpenseAccount(r.Payer, r.Payee, r.Contract), ledger.SharePayableAccount(r.Payer, r.Payee, r.Contract)
		if err := twoPostingsAre(&e, "bookings", key, expense, payable, "payer, payee and amount", amt, r.Amount); err != nil {
			return err
		}
	}
	if id, ok := minKey(entries); ok {
		return &ledger.VerifyError{EntryID: id, Reason: "run entry has no bookings row"}
	}
	return nil
}

// VerifyPayments checks each payments row against its payment entry in
// entries (FactEntry "payment", by ID): the entry exists; contract and
// reference equal its metadata, date its date; its postings are amount on
// what the payer owes the payee and −amount on the payer's cash. Every
// payment entry has its payments row. entries is emptied.
func VerifyPayments(rows []PaymentText, entries map[int64]ledger.Entry) error {
	for _, r := range rows {
		key := entryKey(r.EntryID)
		e, err := takeEntry(entries, r.EntryID, "payments", "payment")
		if err != nil {
			return err
		}
		if f, bad := firstDiffering([]field{
			{"contract", r.Contract, e.Meta["contract"]}, {"reference", r.Reference, e.Meta["reference"]}, {"date", r.Date, e.Date.String()},
		}); bad {
			return ledger.FactError("payments", key, f.column, f.expected+" (from its entry)", f.found)
		}
		amt, err := decimal.NewFromString(r.Amount)
		if err != nil || !amt.IsPositive() {
			return ledger.FactError("payments", key, "amount", "a positive decimal", r.Amount)
		}
		payable, cash := ledger.SharePayableAccount(r.Payer, r.Payee, r.Contract), ledger.CashAccount(r.Payer)
		if err := twoPostingsAre(&e, "payments", key, payable, cash, "payer and amount", amt, r.Amount); err != nil {
			return err
		}
	}
	if id, ok := minKey(entries); ok {
		return &ledger.VerifyError{EntryID: id, Reason: "payment entry has no payments row"}
	}
	return nil
}

// takeEntry removes the entry a row of table names from entries and
// returns it; a row naming no entry of its kind ("run", "payment") is the
// violation.
func takeEntry(entries map[int64]ledger.Entry, id int64, table, kind string) (ledger.Entry, error) {
	e, ok := entries[id]
	if !ok {
		return e, ledger.FactError(table, entryKey(id), "entry_id", "a "+kind+" entry", "no "+kind+" entry with that id")
	}
	delete(entries, id)
	return e, nil
}

// twoPostingsAre checks that e has exactly two postings, amount on debit
// and −amount on credit, and names the row of table (key) when it has not:
// its payer, payee and amount columns for the first posting, creditColumns
// for the second. amountText is the row's amount as stored.
func twoPostingsAre(e *ledger.Entry, table, key, debit, credit, creditColumns string, amt decimal.Decimal, amountText string) error {
	if got := postingIs(e, 0, debit, amt); got != "" {
		return ledger.FactError(table, key, "payer, payee and amount", "its entry's posting 1: "+got, debit+" "+amountText)
	}
	if got := postingIs(e, 1, credit, amt.Neg()); got != "" || len(e.Postings) != 2 {
		return ledger.FactError(table, key, creditColumns, "its entry's posting 2: "+got, credit+" "+amt.Neg().String())
	}
	return nil
}

// minKey is the smallest key of m.
func minKey[V any](m map[int64]V) (int64, bool) {
	if len(m) == 0 {
		return 0, false
	}
	first := int64(0)
	for k := range m {
		if first == 0 || k < first {
			first = k
		}
	}
	return first, true
}

// AdvanceText is an advance_bookings or recoupments row as stored: what
// the advances' checks read of it. Detail is the column of its table that
// AdvanceTables names (advance_date, period).
type AdvanceText struct {
	EntryID                                       int64
	Contract, Advance, Payer, Payee, Amount, Date string
	Version, Detail                               string
}

// AdvanceTables are the two tables of advances: the source of the entries
// each row indexes and the accounts those entries move the row's amount
// between (debit, credit).
// Detail is the table's own column, which the entry's metadata states
// under the same name.
var AdvanceTables = []struct {
	Table, Source, Detail string
	Accounts              func(contract, payer, payee string) (debit, credit string)
}{
	{"advance_bookings", "advance", "advance_date", func(c, payer, payee string) (string, string) {
		return ledger.AdvanceAccount(payer, payee, c), ledger.CashAccount(payer)
	}},
	{"recoupments", "recoup", "period", func(c, payer, payee string) (string, string) {
		return ledger.SharePayableAccount(payer, payee, c), ledger.AdvanceAccount(payer, payee, c)
	}},
}

// VerifyAdvanceRows checks the rows of AdvanceTables[i] against entries,
// every entry of its source by ID: each row's entry exists, is of that
// source, dated as the row; its contract, version, advance and Detail
// column equal the entry's metadata (contract, contract_version, advance,
// Detail), which the runs read back to plan what they book; the entry
// moves exactly the row's amount from the credit account to the debit one
// in two postings; every entry of the source has its row. entries is
// emptied.
func VerifyAdvanceRows(i int, rows []AdvanceText, entries map[int64]ledger.Entry) error {
	t := AdvanceTables[i]
	broken := func(id int64, format string, args ...any) error {
		return &ledger.VerifyError{EntryID: id, Reason: fmt.Sprintf(format, args...)}
	}
	for _, r := range rows {
		amount, err := decimal.NewFromString(r.Amount)
		if err != nil {
			return broken(r.EntryID, "%s row of entry %d: malformed amount %q", t.Table, r.EntryID, r.Amount)
		}
		e, ok := entries[r.EntryID]
		if !ok {
			return broken(r.EntryID, "%s row names entry %d, which does not exist or is not of source %s", t.Table, r.EntryID, t.Source)
		}
		delete(entries, r.EntryID)
		if e.Date.String() != r.Date {
			return broken(r.EntryID, "%s row of entry %d: the entry is %s on %s, want %s on %s", t.Table, r.EntryID, e.Key.Source, e.Date, t.Source, r.Date)
		}
		if f, bad := firstDiffering([]field{
			{"contract", r.Contract, e.Meta["contract"]}, {"version", r.Version, e.Meta["contract_version"]},
			{"advance", r.Advance, e.Meta["advance"]}, {t.Detail, r.Detail, e.Meta[t.Detail]},
		}); bad {
			return ledger.FactError(t.Table, entryKey(r.EntryID), f.column, f.expected+" (from its entry)", f.found)
		}
		debit, credit := t.Accounts(r.Contract, r.Payer, r.Payee)
		got := map[string]decimal.Decimal{}
		for _, p := range e.Postings {
			got[p.Account] = got[p.Account].Add(p.Amount)
		}
		if len(e.Postings) != 2 || !got[debit].Equal(amount) || !got[credit].Equal(amount.Neg()) {
			return fmt.Errorf("%s: %w", t.Table, broken(r.EntryID, "entry %d does not move %s from %s to %s (postings %v)", r.EntryID, amount, credit, debit, got))
		}
	}
	if id, ok := minKey(entries); ok {
		return broken(id, "entry %d has source %s but no %s row", id, t.Source, t.Table)
	}
	return nil
}

// VerifyRecoupedWithin checks, per contract and advance, that what is
// recouped to date stays within [0, the most it was ever paid out] after
// every date, and within [0, paid out] in the end: paid are the
// advance_bookings rows, recouped the recoupments rows ordered by contract,
// advance, date and entry. The most ever paid, not all paid: an amendment
// that lowers an advance books the difference on the first open day, after
// closed periods recouped up to the old amount, and the run gives the
// excess back in the first open period (docs/contracts.md); one that moves
// its date earlier keeps its payment where it was booked.
func VerifyRecoupedWithin(paid, recouped []AdvanceText) error {
	type payment struct {
		date   string
		id     int64
		amount decimal.Decimal
	}
	out := map[[2]string][]payment{}
	for _, r := range paid {
		amt, err := decimal.NewFromString(r.Amount)
		if err != nil {
			return &ledger.VerifyError{EntryID: r.EntryID, Reason: fmt.Sprintf("advance_bookings row of entry %d: malformed amount %q", r.EntryID, r.Amount)}
		}
		k := [2]string{r.Contract, r.Advance}
		out[k] = append(out[k], payment{r.Date, r.EntryID, amt})
	}
	// total and peak: all paid out, and the most paid out at any time.
	total, peak := map[[2]string]decimal.Decimal{}, map[[2]string]decimal.Decimal{}
	for k, ps := range out {
		sort.Slice(ps, func(i, j int) bool { return ps[i].date < ps[j].date || ps[i].date == ps[j].date && ps[i].id < ps[j].id })
		for _, p := range ps {
			total[k] = total[k].Add(p.amount)
			peak[k] = decimal.Max(peak[k], total[k])
		}
	}
	type state struct {
		date   string
		sum    decimal.Decimal
		lastID int64
	}
	cur := map[[2]string]*state{}
	var order [][2]string
	// check holds the sum within the most ever paid out, or within all
	// paid out at the end (an advance removed or lowered keeps no excess).
	check := func(k [2]string, s *state, end bool) error {
		paid := peak[k]
		if end {
			paid = total[k]
		}
		if s.sum.Sign() < 0 || s.sum.GreaterThan(paid) {
			return &ledger.VerifyError{EntryID: s.lastID, Reason: fmt.Sprintf("contract %s advance %s: %s recouped by %s, outside [0, %s paid]", k[0], k[1], s.sum, s.date, paid)}
		}
		return nil
	}
	for _, r := range recouped {
		amt, err := decimal.NewFromString(r.Amount)
		if err != nil {
			return &ledger.VerifyError{EntryID: r.EntryID, Reason: fmt.Sprintf("recoupments row of entry %d: malformed amount %q", r.EntryID, r.Amount)}
		}
		k := [2]string{r.Contract, r.Advance}
		s := cur[k]
		if s == nil {
			s = &state{}
			cur[k] = s
			order = append(order, k)
		}
		if s.date != "" && r.Date != s.date {
			if err := check(k, s, false); err != nil {
				return err
			}
		}
		s.date, s.lastID = r.Date, r.EntryID
		s.sum = s.sum.Add(amt)
	}
	for _, k := range order {
		if err := check(k, cur[k], false); err != nil {
			return err
		}
		if err := check(k, cur[k], true); err != nil {
			return err
		}
	}
	return nil
}

// InstantText is how the runs' checks key an instant: RFC 3339 in UTC
// with nine fractional digits (SQLite's stored form).
func InstantText(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z") }

// RunText is a runs row as stored.
type RunText struct {
	ID                 int64
	Through, StartedAt string
	Entries            *int64 // nil when NULL
}

// VerifyRuns checks the runs rows (by ID) against booked: per recorded-at
// instant (InstantText), how many entries the bookings, advance_bookings
// and recoupments rows index. A run books its entries in its own
// transaction, recorded at its started_at instant, so per instant the
// entries of the runs that started then sum to those indexed, and every
// instant with such entries has a run. A row's through must be a date and
// its started_at an instant. (A run that booked nothing leaves no entry:
// its row is checked for its form only.)
func VerifyRuns(runs []RunText, booked map[string]int64) error {
	type run struct {
		id      int64
		entries int64
	}
	var order []string        // instants in run order
	ran := map[string][]run{} // InstantText of started_at -> its runs
	for _, r := range runs {
		key := strconv.FormatInt(r.ID, 10)
		if _, err := ledger.ParseDate(r.Through); err != nil {
			return ledger.FactError("runs", key, "through", "a date", r.Through)
		}
		at, err := time.Parse(time.RFC3339Nano, r.StartedAt)
		if err != nil {
			return ledger.FactError("runs", key, "started_at", "an instant", r.StartedAt)
		}
		if r.Entries == nil || *r.Entries < 0 {
			n := int64(0)
			if r.Entries != nil {
				n = *r.Entries
			}
			return ledger.FactError("runs", key, "entries", "a count", fmt.Sprint(n))
		}
		k := InstantText(at)
		if ran[k] == nil {
			order = append(order, k)
		}
		ran[k] = append(ran[k], run{r.ID, *r.Entries})
	}
	for _, k := range order {
		var sum int64
		for _, r := range ran[k] {
			sum += r.entries
		}
		if want := booked[k]; sum != want {
			r := ran[k][len(ran[k])-1]
			return ledger.FactError("runs", strconv.FormatInt(r.id, 10), "entries", strconv.FormatInt(r.entries+want-sum, 10), strconv.FormatInt(r.entries, 10))
		}
	}
	for _, k := range ledger.SortedKeys(booked) {
		if ran[k] == nil {
			return &ledger.VerifyError{Reason: fmt.Sprintf("runs: no run started at %s, when %s were recorded", k, spelling.Count(booked[k], "booked entry", "booked entries"))}
		}
	}
	return nil
}

// CapRow is a bookings row as the caps' check reads it: with the document
// and version of the contract version of its contract's latest booking.
type CapRow struct {
	Contract, Rule, Period, Amount string
	Document                       string
	Version                        int
}

// VerifyCaps checks that what is booked for each rule, summed over all its
// bookings (rows, by contract, rule and entry), stays within the caps of
// the contract version of the contract's latest booking (a run brings
// every booked period to that version's values): the total cap over
// everything, the per-year cap per calendar year, the per-period cap per
// period; and a shared cap bounds the sum of its rules' bookings.
func VerifyCaps(rows []CapRow) error {
	parsed := map[string]*contracts.Contract{}
	byRule := map[[2]string]*capSums{}
	var order [][2]string
	for _, r := range rows {
		if parsed[r.Contract] == nil {
			c, err := contracts.ParseStored([]byte(r.Document))
			if err != nil {
				return &ledger.VerifyError{Reason: fmt.Sprintf("contracts id=%s version=%d: unreadable: %v", r.Contract, r.Version, err)}
			}
			parsed[r.Contract] = c
		}
		amt, err := decimal.NewFromString(r.Amount)
		if err != nil {
			return ledger.FactError("bookings", "contract="+r.Contract+" rule="+r.Rule+" period="+r.Period, "amount", "a decimal", r.Amount)
		}
		p, err := ledger.ParsePeriod(r.Period)
		if err != nil {
			return ledger.FactError("bookings", "contract="+r.Contract+" rule="+r.Rule, "period", "a period", r.Period)
		}
		k := [2]string{r.Contract, r.Rule}
		s := byRule[k]
		if s == nil {
			s = newCapSums()
			byRule[k] = s
			order = append(order, k)
		}
		s.total = s.total.Add(amt)
		s.perYear[p.Year] = s.perYear[p.Year].Add(amt)
		s.perPeriod[r.Period] = s.perPeriod[r.Period].Add(amt)
	}
	for _, k := range order {
		r := parsed[k[0]].Rule(k[1])
		if r == nil {
			continue // a removed rule: its bookings are brought back to zero
		}
		if err := byRule[k].within("contract="+k[0]+" rule="+k[1], r.Cap); err != nil {
			return err
		}
	}
	// A shared cap bounds the sum of its rules' bookings (spec section 4
	// step 5), whatever each rule's own caps allow.
	for _, id := range ledger.SortedKeys(parsed) {
		for _, sc := range parsed[id].SharedCaps {
			sum := newCapSums()
			for _, rule := range sc.Rules {
				if s := byRule[[2]string{id, rule}]; s != nil {
					sum.add(s)
				}
			}
			if err := sum.within("contract="+id+" shared_cap="+sc.ID, sc.Cap); err != nil {
				return err
			}
		}
	}
	return nil
}

// capSums is what is booked for one rule (or the rules of one shared cap):
// in all, per calendar year and per period.
type capSums struct {
	total     decimal.Decimal
	perYear   map[int]decimal.Decimal
	perPeriod map[string]decimal.Decimal
}

func newCapSums() *capSums {
	return &capSums{perYear: map[int]decimal.Decimal{}, perPeriod: map[string]decimal.Decimal{}}
}

func (s *capSums) add(o *capSums) {
	s.total = s.total.Add(o.total)
	for y, v := range o.perYear {
		s.perYear[y] = s.perYear[y].Add(v)
	}
	for p, v := range o.perPeriod {
		s.perPeriod[p] = s.perPeriod[p].Add(v)
	}
}

// within names the first of cap's limits that the sums pass.
func (s *capSums) within(what string, cap contracts.Cap) error {
	over := func(which string, booked decimal.Decimal, limit *decimal.Decimal) error {
		if limit != nil && booked.GreaterThan(*limit) {
			return &ledger.VerifyError{Reason: fmt.Sprintf("bookings %s: %s booked is %s, expected at most the cap %s",
				what, which, booked, limit)}
		}
		return nil
	}
	if err := over("the total", s.total, cap.Total); err != nil {
		return err
	}
	years := make([]int, 0, len(s.perYear))
	for y := range s.perYear {
		years = append(years, y)
	}
	slices.Sort(years)
	for _, y := range years {
		if err := over(fmt.Sprintf("the total of %d", y), s.perYear[y], cap.PerYear); err != nil {
			return err
		}
	}
	for _, p := range ledger.SortedKeys(s.perPeriod) {
		if err := over("the total of "+p, s.perPeriod[p], cap.PerPeriod); err != nil {
			return err
		}
	}
	return nil
}
