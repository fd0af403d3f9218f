package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
)

// The checks of this file prove the side tables that runs and payments
// write (bookings, payments) equal the journal entries they index, and
// that cumulative bookings stay within every cap. Each returns the first
// violation as a *VerifyError naming the table, the row's key, what was
// expected and what was found (factError).
func init() {
	verifyChecks = append(verifyChecks, verifyBookings, verifyPayments, verifyCapsHold)
}

// factError names a stored fact that disagrees with what it must equal.
func factError(table, key, column, expected, found string) *VerifyError {
	return ledger.FactError(table, key, column, expected, found)
}

// sourceEntries reads every entry posted under source whose metadata names
// a contract and one of kinds (what runs and payments post; the journal
// also takes other entries under any source), with its postings, by ID.
func sourceEntries(ctx context.Context, q querier, source string, kinds ...string) (map[int64]ledger.Entry, error) {
	out := map[int64]ledger.Entry{}
	var after int64
	for {
		chunk, err := readChunk(ctx, q, "e.source = ?", []any{source}, after, maxEntryPage)
		if err != nil {
			return nil, err
		}
		for i := range chunk {
			e, err := chunk[i].entry()
			if err != nil {
				return nil, err
			}
			if e.Meta["contract"] != "" && slices.Contains(kinds, e.Meta["kind"]) {
				out[e.ID] = e
			}
		}
		if len(chunk) < maxEntryPage {
			return out, nil
		}
		after = chunk[len(chunk)-1].id
	}
}

// field is one column of a side-table row and what its entry says it is.
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

// postingIs says whether posting i of e is amount on account in currency
// (amounts compared as numbers); "" when it is, else what it is.
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

// verifyBookings checks each bookings row against its run entry: the
// entry exists and is a run entry; contract, version, rule, period, kind,
// booked_in, base, base_delta and amount equal its metadata, date its date;
// its two postings are amount on the payer's expense account and −amount
// on what the payer owes the payee (so payer and payee are the entry's).
// Every run entry has its bookings row.
func verifyBookings(ctx context.Context, tx *sql.Tx) error {
	entries, err := sourceEntries(ctx, tx, "run", "accrual", "adjustment")
	if err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT entry_id, contract, version, rule, period, kind, booked_in, payer, payee, base, base_delta, amount, date
		FROM bookings ORDER BY entry_id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var contract, version, rule, period, kind, bookedIn, payer, payee, base, baseDelta, amount, date string
		if err := rows.Scan(&id, &contract, &version, &rule, &period, &kind, &bookedIn, &payer, &payee, &base, &baseDelta, &amount, &date); err != nil {
			return err
		}
		key := "entry_id=" + strconv.FormatInt(id, 10)
		e, ok := entries[id]
		if !ok {
			return factError("bookings", key, "entry_id", "a run entry", "no run entry with that id")
		}
		delete(entries, id)
		m := e.Meta
		if f, bad := firstDiffering([]field{
			{"contract", contract, m["contract"]}, {"version", version, m["contract_version"]}, {"rule", rule, m["rule"]},
			{"period", period, m["period"]}, {"kind", kind, m["kind"]}, {"booked_in", bookedIn, m["booked_in"]},
			{"base", base, m["base"]}, {"base_delta", baseDelta, m["base_delta"]}, {"amount", amount, m["obligation_delta"]},
			{"date", date, e.Date.String()},
		}); bad {
			return factError("bookings", key, f.column, f.expected+" (from its entry)", f.found)
		}
		amt, err := decimal.NewFromString(amount)
		if err != nil {
			return factError("bookings", key, "amount", "a decimal", amount)
		}
		if got := postingIs(&e, 0, ledger.ShareExpenseAccount(payer, payee, contract), amt); got != "" {
			return factError("bookings", key, "payer, payee and amount", "its entry's posting 1: "+got, ledger.ShareExpenseAccount(payer, payee, contract)+" "+amount)
		}
		if got := postingIs(&e, 1, ledger.SharePayableAccount(payer, payee, contract), amt.Neg()); got != "" || len(e.Postings) != 2 {
			return factError("bookings", key, "payer, payee and amount", "its entry's posting 2: "+got, ledger.SharePayableAccount(payer, payee, contract)+" "+amt.Neg().String())
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if id, ok := minKey(entries); ok {
		return broken(id, "run entry has no bookings row")
	}
	return nil
}

// verifyPayments checks each payments row against its payment entry: the
// entry exists and is a payment entry; contract and reference equal its
// metadata, date its date; its postings are amount on what the payer owes
// the payee and −amount on the payer's cash. Every payment entry has its
// payments row.
func verifyPayments(ctx context.Context, tx *sql.Tx) error {
	entries, err := sourceEntries(ctx, tx, "payment", "payment")
	if err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT entry_id, contract, payer, payee, amount, date, reference FROM payments ORDER BY entry_id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var contract, payer, payee, amount, date, reference string
		if err := rows.Scan(&id, &contract, &payer, &payee, &amount, &date, &reference); err != nil {
			return err
		}
		key := "entry_id=" + strconv.FormatInt(id, 10)
		e, ok := entries[id]
		if !ok {
			return factError("payments", key, "entry_id", "a payment entry", "no payment entry with that id")
		}
		delete(entries, id)
		if f, bad := firstDiffering([]field{
			{"contract", contract, e.Meta["contract"]}, {"reference", reference, e.Meta["reference"]}, {"date", date, e.Date.String()},
		}); bad {
			return factError("payments", key, f.column, f.expected+" (from its entry)", f.found)
		}
		amt, err := decimal.NewFromString(amount)
		if err != nil || !amt.IsPositive() {
			return factError("payments", key, "amount", "a positive decimal", amount)
		}
		if got := postingIs(&e, 0, ledger.SharePayableAccount(payer, payee, contract), amt); got != "" {
			return factError("payments", key, "payer, payee and amount", "its entry's posting 1: "+got, ledger.SharePayableAccount(payer, payee, contract)+" "+amount)
		}
		if got := postingIs(&e, 1, ledger.CashAccount(payer), amt.Neg()); got != "" || len(e.Postings) != 2 {
			return factError("payments", key, "payer and amount", "its entry's posting 2: "+got, ledger.CashAccount(payer)+" "+amt.Neg().String())
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if id, ok := minKey(entries); ok {
		return broken(id, "payment entry has no payments row")
	}
	return nil
}

// verifyCapsHold checks that what is booked for each rule, summed over all
// its bookings, stays within the caps of the contract version of the
// contract's latest booking (a run brings every booked period to that
// version's values): the total cap over everything, the per-year cap per
// calendar year, the per-period cap per period.
func verifyCapsHold(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT b.contract, b.rule, b.period, b.amount, c.document, c.version FROM bookings b
		JOIN contracts c ON c.id = b.contract AND c.version = (SELECT max(version) FROM bookings WHERE contract = b.contract)
		ORDER BY b.contract, b.rule, b.entry_id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	parsed := map[string]*contracts.Contract{}
	byRule := map[[2]string]*capSums{}
	var order [][2]string
	for rows.Next() {
		var contract, rule, period, amount, doc string
		var version int
		if err := rows.Scan(&contract, &rule, &period, &amount, &doc, &version); err != nil {
			return err
		}
		if parsed[contract] == nil {
			c, err := contracts.Parse([]byte(doc))
			if err != nil {
				return &VerifyError{Reason: fmt.Sprintf("contracts id=%s version=%d: unreadable: %v", contract, version, err)}
			}
			parsed[contract] = c
		}
		amt, err := decimal.NewFromString(amount)
		if err != nil {
			return err // verifyBookings reports it
		}
		p, err := ledger.ParsePeriod(period)
		if err != nil {
			return err
		}
		k := [2]string{contract, rule}
		s := byRule[k]
		if s == nil {
			s = &capSums{perYear: map[int]decimal.Decimal{}, perPeriod: map[string]decimal.Decimal{}}
			byRule[k] = s
			order = append(order, k)
		}
		s.total = s.total.Add(amt)
		s.perYear[p.Year] = s.perYear[p.Year].Add(amt)
		s.perPeriod[period] = s.perPeriod[period].Add(amt)
	}
	if err := rows.Err(); err != nil {
		return err
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
			sum := &capSums{perYear: map[int]decimal.Decimal{}, perPeriod: map[string]decimal.Decimal{}}
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
			return &VerifyError{Reason: fmt.Sprintf("bookings %s: %s booked is %s, expected at most the cap %s",
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
