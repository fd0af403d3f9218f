package sqlite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/usage"
)

var invPairs = [][2]string{{"EUR", "USD"}, {"JPY", "USD"}, {"USD", "EUR"}, {"JPY", "EUR"}, {"USD", "JPY"}, {"EUR", "JPY"}}

// importRates imports a few rates: new ones, exact repeats, and now and
// then a conflicting one (refused, nothing written).
func (s *invState) importRates(ctx context.Context) {
	var b strings.Builder
	b.WriteString("date,from,to,rate\n")
	inFile := map[string]string{} // key -> the rate this file gave first
	var keys []string
	var want ledger.RateImportResult
	// Now and then a rate for every pair before every event, after which
	// runs and evaluations have every rate they need.
	base := s.rng.Intn(4) == 0
	n := 1 + s.rng.Intn(5)
	if base {
		n = len(invPairs)
	}
	for i := 0; i < n; i++ {
		d := s.randDate().AddDays(-s.rng.Intn(40))
		p := pick(s.rng, invPairs)
		if base {
			d, p = ledger.Date{Year: 2025, Month: 9, Day: 1}, invPairs[i]
		}
		k := d.String() + " " + p[0] + " " + p[1]
		if !base && len(keys) > 0 && s.rng.Intn(6) == 0 { // a key of this file again
			k = keys[s.rng.Intn(len(keys))]
			f := strings.Fields(k)
			d, _ = ledger.ParseDate(f[0])
			p = [2]string{f[1], f[2]}
		}
		rate := decimal.New(1+s.rng.Int63n(200000), -int32(1+s.rng.Intn(4))).String()
		if s.rng.Intn(4) == 0 {
			rate = decimal.New(1+s.rng.Int63n(1_000_000_000_000), -int32(6+s.rng.Intn(8))).String()
		}
		old, ok := s.rates[k]
		if !ok {
			old, ok = inFile[k]
		}
		want.Rows++
		switch {
		case ok && (base || s.rng.Intn(3) > 0): // the same rate, written with more zeros
			rate = old
			if s.rng.Intn(2) == 0 {
				if !strings.Contains(rate, ".") {
					rate += "."
				}
				rate += "00"
			}
			want.Duplicates++
		case ok && !decimal.RequireFromString(old).Equal(decimal.RequireFromString(rate)):
			want.Rejected++
		case ok:
			want.Duplicates++
		default:
			inFile[k] = rate
			keys = append(keys, k)
			want.Added++
		}
		fmt.Fprintf(&b, "%s,%s,%s,%s\n", d, p[0], p[1], rate)
	}
	before := dbDigest(s.t, s.db.r)
	res, err := s.db.ImportRates(ctx, strings.NewReader(b.String()), usage.RateImportOptions{FileName: "rates.csv"})
	got := res
	got.BatchID = 0
	if got != want {
		s.fatalf("rates: %+v, the model predicts %+v (%v)\n%s", res, want, err, b.String())
	}
	if want.Rejected > 0 {
		if !errors.Is(err, usage.ErrBadRows) || res.BatchID != 0 {
			s.fatalf("conflicting rates: batch %d, %v; want usage.ErrBadRows\n%s", res.BatchID, err, b.String())
		}
		s.unchangedSince(before, "refused rate import changed the database")
		return
	}
	if err != nil {
		s.fatalf("rates: %v\n%s", err, b.String())
	}
	for k, v := range inFile {
		s.rates[k] = v
	}
}

// invContract is the generator's form of a contract: it renders as YAML.
type invContract struct {
	id, currency, tz, period string
	rules                    []invRule
}

type invRule struct {
	id, payer, payee string
	match            map[string][]string
	rate             string
	tiers            bool
	from, until      string
	untilKey         string // "until" or "through"
	capTotal, capPer string
	fx               string
}

func (c *invContract) yaml() string {
	var b strings.Builder
	fmt.Fprintf(&b, "id: %s\ncurrency: %s\ntimezone: %s\nperiod: %s\nparties: [a, b, m]\nrules:\n", c.id, c.currency, c.tz, c.period)
	for _, r := range c.rules {
		fmt.Fprintf(&b, "  - id: %s\n    payer: %s\n    payee: %s\n", r.id, r.payer, r.payee)
		if len(r.match) > 0 {
			var parts []string
			for _, k := range []string{"seller", "channel", "customer", "product", "region"} {
				if vs, ok := r.match[k]; ok {
					q, _ := json.Marshal(vs)
					parts = append(parts, k+": "+string(q))
				}
			}
			fmt.Fprintf(&b, "    match: {%s}\n", strings.Join(parts, ", "))
		}
		if r.tiers {
			fmt.Fprintf(&b, "    tiers: [{up_to: \"500\", rate: %q}, {rate: \"0.05\"}]\n    tier_window: period\n", r.rate)
		} else {
			fmt.Fprintf(&b, "    rate: %q\n", r.rate)
		}
		if r.from != "" {
			fmt.Fprintf(&b, "    from: %s\n", r.from)
		}
		if r.until != "" {
			fmt.Fprintf(&b, "    %s: %s\n", r.untilKey, r.until)
		}
		if r.capTotal != "" || r.capPer != "" {
			var parts []string
			if r.capTotal != "" {
				parts = append(parts, fmt.Sprintf("total: %q", r.capTotal))
			}
			if r.capPer != "" {
				parts = append(parts, fmt.Sprintf("per_period: %q", r.capPer))
			}
			fmt.Fprintf(&b, "    cap: {%s}\n", strings.Join(parts, ", "))
		}
		if r.fx != "" {
			fmt.Fprintf(&b, "    fx_rule: %s\n", r.fx)
		}
	}
	return b.String()
}

func (s *invState) randRates(r *invRule) {
	r.rate = pick(s.rng, []string{"0.10", "0.2", "0.125", "0.333", "1"})
	r.tiers = s.rng.Intn(5) == 0
	r.capTotal, r.capPer = "", ""
	if s.rng.Intn(3) == 0 {
		r.capTotal = strconv.Itoa(100 * (1 + s.rng.Intn(50)))
	}
	if s.rng.Intn(4) == 0 {
		r.capPer = strconv.Itoa(50 * (1 + s.rng.Intn(20)))
	}
}

// randUsage draws what the usage signature covers: match, window, fx rule.
func (s *invState) randUsage(r *invRule) {
	r.match = map[string][]string{}
	if s.rng.Intn(3) > 0 {
		r.match["seller"] = []string{pick(s.rng, invSellers)}
		if s.rng.Intn(3) == 0 {
			r.match["seller"] = append(r.match["seller"], pick(s.rng, invSellers))
		}
	}
	if s.rng.Intn(2) == 0 {
		r.match["channel"] = []string{pick(s.rng, invChannels), pick(s.rng, invChannels)}
	}
	if s.rng.Intn(4) == 0 {
		r.match["product"] = []string{pick(s.rng, invProducts[:2])}
	}
	if s.rng.Intn(5) == 0 {
		r.match["customer"] = []string{pick(s.rng, invCustomers[:2])}
	}
	if s.rng.Intn(5) == 0 {
		r.match["region"] = []string{pick(s.rng, invRegions[:2])}
	}
	r.from, r.until = "", ""
	if s.rng.Intn(2) == 0 {
		r.from = s.randDate().String()
	}
	if s.rng.Intn(2) == 0 {
		u := s.randDate()
		if r.from != "" {
			f, _ := ledger.ParseDate(r.from)
			if !u.After(f) {
				u = f.AddDays(1 + s.rng.Intn(60))
			}
		}
		r.until, r.untilKey = u.String(), pick(s.rng, []string{"until", "through"})
	}
	r.fx = pick(s.rng, []string{"", "event_date", "period_end"})
}

// newContract draws a contract: a new version may give a rule other
// parties (runs move its bookings, TestRunAfterRulePartiesChange) or the
// contract another currency (refused once obligations are booked,
// TestRunAfterContractCurrencyChange).
func (s *invState) newContract(id string) *invContract {
	c := &invContract{id: id, currency: pick(s.rng, invCurrencies),
		tz:     pick(s.rng, []string{"UTC", "America/New_York", "Asia/Kolkata"}),
		period: pick(s.rng, []string{"month", "month", "quarter"})}
	for i := 0; i < 1+s.rng.Intn(3); i++ {
		r := invRule{id: "r" + strconv.Itoa(i+1)}
		r.payer = pick(s.rng, []string{"a", "b", "m"})
		for r.payee = r.payer; r.payee == r.payer; {
			r.payee = pick(s.rng, []string{"a", "b", "m"})
		}
		s.randUsage(&r)
		s.randRates(&r)
		c.rules = append(c.rules, r)
	}
	return c
}

func (c *invContract) clone() *invContract {
	n := *c
	n.rules = append([]invRule(nil), c.rules...)
	return &n
}

// saveContract adds a contract of the pool, or updates one: rates and caps
// only (same usage signature), or match, window, fx rule or time zone (a
// new signature); now and then it saves the same document again or adds an
// existing id (refused), which must write nothing.
func (s *invState) saveContract(ctx context.Context) {
	id := pick(s.rng, []string{"k1", "k2", "k3", "k4"})
	cur := s.contracts[id]
	var next *invContract
	update := cur != nil
	sameSig := false
	switch {
	case cur == nil:
		next = s.newContract(id)
	case s.rng.Intn(8) == 0: // the same document again
		next, sameSig = cur, true
	case s.rng.Intn(8) == 0: // add an existing id
		next, update = cur.clone(), false
	case s.rng.Intn(2) == 0: // rates and caps only
		next, sameSig = cur.clone(), true
		for i := range next.rules {
			s.randRates(&next.rules[i])
		}
	default:
		next = cur.clone()
		switch s.rng.Intn(4) {
		case 0:
			next.tz = pick(s.rng, []string{"UTC", "America/New_York", "Asia/Kolkata"})
		case 1:
			next = s.newContract(id)
		default:
			i := s.rng.Intn(len(next.rules))
			s.randUsage(&next.rules[i])
		}
	}
	c, err := contracts.Parse([]byte(next.yaml()))
	if err != nil {
		s.fatalf("contract:\n%s\n%v", next.yaml(), err)
	}
	if sameSig {
		old, err := contracts.Parse([]byte(cur.yaml()))
		if err != nil {
			s.fatal(err)
		}
		if old.UsageSignature() != c.UsageSignature() {
			s.fatalf("a rates-only update changed the usage signature:\n%s\n%s", cur.yaml(), next.yaml())
		}
	}
	var booked int
	if err := s.db.r.QueryRow(`SELECT count(*) FROM bookings WHERE contract = ?`, id).Scan(&booked); err != nil {
		s.fatal(err)
	}
	before := dbDigest(s.t, s.db.r)
	_, err = s.db.SaveContract(ctx, c, update)
	if cur != nil && update && next.currency != cur.currency && booked > 0 {
		want := fmt.Sprintf("contract %q: its currency cannot change from %s to %s once obligations are booked under it (%d booking(s)): add a new contract instead",
			id, cur.currency, next.currency, booked)
		if ledger.ErrorCode(err) != ledger.ECONFLICT || ledger.ErrorMessage(err) != want {
			s.fatalf("currency change of %s: %v, want %s", id, err, want)
		}
		s.unchangedSince(before, "a refused currency change changed the database")
		s.currencyRefused++
		return
	}
	if cur != nil && !update {
		if ledger.ErrorCode(err) != ledger.ECONFLICT {
			s.fatalf("adding contract %s again: %v, want ECONFLICT", id, err)
		}
		s.unchangedSince(before, "a refused contract add changed the database")
		return
	}
	if err != nil {
		s.fatalf("save contract:\n%s\n%v", next.yaml(), err)
	}
	if next == cur && dbDigest(s.t, s.db.r) != before {
		s.fatalf("saving the same contract document again changed the database")
	}
	s.contracts[id] = next
}

func (s *invState) closePeriods(ctx context.Context) {
	d := s.randDate()
	if !s.closed.IsZero() && !d.After(s.closed) {
		d = s.closed.AddDays(1 + s.rng.Intn(20))
	}
	// The product's close: run, close and final statements in one
	// transaction; refused (a missing FX rate, or a book with neither
	// contracts nor entries), it writes nothing.
	before := dbDigest(s.t, s.db.r)
	_, err := statementsOf(s.db).CloseThrough(ctx, d)
	if len(s.contracts) == 0 && s.posted == 0 {
		if want := "there is nothing to close: the book has no contracts and no entries (is --db the book you meant?); nothing closed"; err == nil || err.Error() != want {
			s.fatalf("close through %s of an empty book: %v, want %q", d, err, want)
		}
		s.unchangedSince(before, "close through %s of an empty book changed the database", d)
		return
	}
	if err != nil {
		var mr *contracts.MissingRateError
		if !errors.As(err, &mr) {
			s.fatalf("close through %s: %v", d, err)
		}
		s.unchangedSince(before, "close through %s refused (%v) but changed the database", d, err)
		return
	}
	s.closed = d
}

// run runs every contract through a random date: a refusal must be a
// missing FX rate (or, before any contract is stored, the refusal to run
// none) and write nothing; a second run right after books nothing.
func (s *invState) run(ctx context.Context) {
	through := s.randDate().AddDays(s.rng.Intn(60))
	before := dbDigest(s.t, s.db.r)
	res, err := booksOf(s.db).Run(ctx, through)
	if len(s.contracts) == 0 {
		if want := "there are no contracts to run: add one first (revshare contract add FILE.yaml, or POST /api/v1/contracts)"; err == nil || err.Error() != want {
			s.fatalf("run through %s without contracts: %v, want %q", through, err, want)
		}
		s.unchangedSince(before, "run through %s without contracts changed the database", through)
		return
	}
	if err != nil {
		var mr *contracts.MissingRateError
		if !errors.As(err, &mr) || !strings.HasPrefix(err.Error(), "no FX rate from ") {
			s.fatalf("run through %s: %v (want nil or a missing FX rate)", through, err)
		}
		s.unchangedSince(before, "run through %s refused (%v) but changed the database", through, err)
		s.runRefused++
		return
	}
	s.checkBooked(ctx, through)
	again, err := booksOf(s.db).Run(ctx, through)
	if err != nil {
		s.fatalf("second run through %s: %v", through, err)
	}
	for _, rc := range again.Contracts {
		if rc.Entries != 0 {
			s.fatalf("second run through %s booked %d entries for %s (first: %+v)", through, rc.Entries, rc.Contract, res)
		}
	}
}
