package contracts_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/contracts/books"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/postgres"
	"github.com/revshare/revshare/ledger/sqlite"
	"github.com/revshare/revshare/ledger/storetest"
	"github.com/revshare/revshare/ledger/usage"
	"github.com/revshare/revshare/reports"
	"github.com/shopspring/decimal"
)

// TestBooksDifferential carries TestDifferential's random cases through the
// books (SQLite, then PostgreSQL, with the services the command line wires)
// in two or three rounds of contract update, rate import, event import, run,
// payments and close, then reads every period's statement and compares it
// with what spec section 5 makes of one reference evaluation per round: a
// period shows the lines (of the contract version then in force) and keeps
// the recoupments of the last round in which it was open; each run books
// every closed period's difference in the first open period, as
// prior-period adjustments that its recoupments take in; a run that needs
// a rate not imported yet fails and books nothing; pairs follow what is
// booked in the period, oriented by the larger obligations, with payments,
// recoupments and balances carried from period to period
// (docs/design/spec-audit.md).
//
//	go test -run TestBooksDifferential ./contracts                         # 25 seeds on SQLite, 10 on PostgreSQL
//	ORACLE_BOOKS_CASES=1000 ORACLE_SEED=10000 go test -run TestBooksDifferential/sqlite ./contracts
func TestBooksDifferential(t *testing.T) {
	n := oracleSetting(0, "ORACLE_BOOKS_CASES", 25)
	seed0 := oracleSetting(*oracleSeed, "ORACLE_SEED", 1)
	t.Run("sqlite", func(t *testing.T) {
		booksDifferential(t, seed0, n, func(t *testing.T, clock ledger.Clock) booksBook {
			db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "book.db"), clock)
			if err != nil {
				t.Fatal(err)
			}
			return db
		})
	})
	// PostgreSQL: a fresh schema per case costs about a second (its
	// migrations), so go test carries 10 seeds there by default.
	npg := oracleSetting(0, "ORACLE_BOOKS_CASES", 10)
	t.Run("postgres", func(t *testing.T) {
		pg.Need(t)
		booksDifferential(t, seed0, npg, func(t *testing.T, clock ledger.Clock) booksBook {
			db, err := postgres.Open(context.Background(), pg.SchemaURL(t), clock)
			if err != nil {
				t.Fatal(err)
			}
			return db
		})
	})
}

// booksBook is what a case needs of a backend's database.
type booksBook interface {
	SaveContract(ctx context.Context, c *contracts.Contract, update bool) (int, error)
	ImportUsage(ctx context.Context, r io.Reader, opts usage.ImportOptions) (ledger.ImportResult, error)
	ImportRates(ctx context.Context, r io.Reader, opts usage.RateImportOptions) (ledger.RateImportResult, error)
	Books() books.Store
	books.Verifier
	Close() error
}

// booksDifferential runs seeds seed0 .. seed0+n-1, each in a subtest of its
// own (so that its book, a file or a schema, goes when it ends).
func booksDifferential(t *testing.T, seed0, n int64, open func(*testing.T, ledger.Clock) booksBook) {
	cov := booksCov{}
	failures, ran := 0, 0
	for s := seed0; s < seed0+n; s++ {
		var msg string
		var ok bool
		t.Run(fmt.Sprint(s), func(t *testing.T) { msg, ok = booksCase(t, s, open, cov) })
		if ok {
			ran++
		}
		if msg != "" {
			failures++
			t.Errorf("seed %d:\n%s", s, msg)
			if failures >= 3 {
				t.Fatalf("stopping after %d mismatching cases", failures)
			}
		}
	}
	t.Logf("%d of %d seeds carried through the books", ran, n)
	for _, k := range []string{"three rounds", "two closes", "amendments", "amendments after a close", "frequency changed after a close", "... with advances",
		"advance added in a closed period", "pair changed after a close", "pairs no rule of the version has", "first period moved earlier", "late rates", "failed runs",
		"adjustment items", "items with obligation_delta 0", "adjustment-only lines", "payments", "recoupments"} {
		t.Logf("%-24s %d", k, cov[k])
	}
	kinds := make([]string, 0, len(cov))
	for k := range cov {
		if strings.HasPrefix(k, "amend: ") {
			kinds = append(kinds, k)
		}
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		t.Logf("%-24s %d", k, cov[k])
	}
}

func eventsCSV(events []ledger.Event) []byte {
	var b bytes.Buffer
	b.WriteString("event_id,occurred_at,seller,channel,customer,product,region,amount,currency\n")
	for _, e := range events {
		occ := e.OccurredAt.Format(time.RFC3339)
		if e.DateOnly {
			occ = e.OccurredAt.Format(ledger.DateLayout)
		}
		fmt.Fprintf(&b, "%s,%s,%s,%s,%s,%s,%s,%s,%s\n", e.EventID, occ, e.Seller, e.Channel, e.Customer, e.Product, e.Region,
			ledger.FormatAmount(e.Amount), e.Currency)
	}
	return b.Bytes()
}

func ratesCSV(rates []ledger.FXRate) *bytes.Buffer {
	var b bytes.Buffer
	b.WriteString("date,from,to,rate\n")
	for _, x := range rates {
		fmt.Fprintf(&b, "%s,%s,%s,%s\n", x.Date, x.From, x.To, x.Rate)
	}
	return &b
}

// booksRound is one round of a books case: what is done before its run, and
// what the reference makes of all that is known then.
type booksRound struct {
	contract *contracts.Contract // the version in force (a new one when amended)
	amended  string              // what the amendment changed ("" when none)
	rates    []ledger.FXRate     // imported before the run
	events   []ledger.Event      // imported before the run
	eval     *refResult          // the reference over all that is known in the round
	failed   error               // the reference's error: the run must fail and book nothing
}

// booksCase returns a description of every difference, and whether the
// case was carried through (cases whose last run fails, or with nothing to
// book, are skipped). The statements a close finalizes are compared when
// it stores them, and again at the end, byte for byte; every other period
// of the last version is compared at the end.
func booksCase(t *testing.T, seed int64, open func(*testing.T, ledger.Clock) booksBook, cov booksCov) (string, bool) {
	r := rand.New(rand.NewSource(seed))
	oc := generateCase(r)
	c, err := contracts.Parse([]byte(oc.yaml))
	if err != nil {
		t.Fatalf("seed %d: %v", seed, err)
	}
	// Rates: the store refuses a second rate of one pair and date, so keep
	// the last one given (the engine's reading of duplicates).
	var rates []ledger.FXRate
	for i, x := range oc.rates {
		dup := false
		for _, y := range oc.rates[i+1:] {
			dup = dup || y.Date == x.Date && y.From == x.From && y.To == x.To
		}
		if !dup {
			rates = append(rates, x)
		}
	}
	// Two or three rounds: amend the contract (from the second round),
	// import rates and events, run, pay, close. Late rates: four in ten
	// arrive in a later round.
	n := 2 + r.Intn(2)
	rounds := make([]booksRound, n)
	for _, e := range oc.events {
		i := 0
		if r.Intn(10) < 3 {
			i = 1 + r.Intn(n-1)
		}
		rounds[i].events = append(rounds[i].events, e)
	}
	for _, x := range rates {
		i := 0
		if r.Intn(10) < 4 {
			i = 1 + r.Intn(n-1)
		}
		rounds[i].rates = append(rounds[i].rates, x)
	}
	through := oc.through.Last() // run --through: the version's period that holds this day
	var known []ledger.Event
	var knownRates []ledger.FXRate
	for i := range rounds {
		rd := &rounds[i]
		rd.contract = c
		if i > 0 {
			rd.contract = rounds[i-1].contract
			if r.Intn(2) == 0 {
				rd.contract, rd.amended = amendContract(r, rd.contract, i)
			}
		}
		known = append(known, rd.events...)
		knownRates = append(knownRates, rd.rates...)
		rd.eval, rd.failed = reference(rd.contract, known, knownRates, ledger.PeriodOf(rd.contract.Period, through))
		if rd.failed == nil && len(rd.eval.Periods) == 0 {
			return "", false // nothing to book: a through before the first period
		}
	}
	if rounds[n-1].failed != nil {
		return "", false
	}

	ctx := context.Background()
	clock := storetest.NewTickingClock(time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC), time.Second)
	db := open(t, clock)
	defer db.Close()
	var story strings.Builder
	fail := func(step string, err error) (string, bool) {
		return fmt.Sprintf("%s%s%s: %v", oc, story.String(), step, err), true
	}
	if _, err := db.SaveContract(ctx, c, false); err != nil {
		return fail("contract add", err)
	}
	svc := books.Service{Store: db.Books()}
	stm := reports.Books{Store: db.Books(), Clock: clock}
	places, _ := ledger.MinorUnits(c.Currency)
	m := newBooksModel()
	var b strings.Builder
	finals := map[ledger.Period][]byte{} // each final statement as read after its close
	closes := 0
	for i := range rounds {
		rd := &rounds[i]
		fmt.Fprintf(&story, "round %d:", i+1)
		if rd.amended != "" {
			fmt.Fprintf(&story, " contract update (%s):\n%s", rd.amended, rd.contract.Canonical())
			if _, err := db.SaveContract(ctx, rd.contract, true); err != nil {
				return fail("contract update", err)
			}
			cov["amendments"]++
			cov["amend: "+rd.amended]++
			if !m.closed.IsZero() {
				cov["amendments after a close"]++
				prev := rounds[i-1].contract
				if rd.contract.Period != prev.Period {
					cov["frequency changed after a close"]++
					if len(prev.Advances) > 0 {
						cov["... with advances"]++
					}
				}
				if rd.amended == "advance added" && !rd.contract.Advances[len(rd.contract.Advances)-1].Date.After(m.closed) {
					cov["advance added in a closed period"]++
				}
				if rd.amended == "payer changed" || rd.amended == "payee changed" {
					cov["pair changed after a close"]++
				}
			}
		}
		if len(rd.rates) > 0 {
			var ds []string
			for _, x := range rd.rates {
				ds = append(ds, fmt.Sprintf("%s %s→%s %s", x.Date, x.From, x.To, x.Rate))
			}
			fmt.Fprintf(&story, " import rates [%s],", strings.Join(ds, "; "))
			if _, err := db.ImportRates(ctx, ratesCSV(rd.rates), usage.RateImportOptions{FileName: fmt.Sprintf("rates%d.csv", i)}); err != nil {
				return fail("import rates", err)
			}
			if i > 0 {
				cov["late rates"]++
			}
		}
		var ids []string
		for _, e := range rd.events {
			ids = append(ids, e.EventID)
		}
		fmt.Fprintf(&story, " import [%s], run through %s", strings.Join(ids, " "), through)
		if len(rd.events) > 0 {
			if _, err := db.ImportUsage(ctx, bytes.NewReader(eventsCSV(rd.events)), usage.ImportOptions{FileName: fmt.Sprintf("b%d.csv", i)}); err != nil {
				return fail("import", err)
			}
		}
		_, err := svc.Run(ctx, through)
		switch {
		case rd.failed != nil && err == nil:
			return fail("run", fmt.Errorf("booked, but the reference needs a rate not imported yet: %v", rd.failed))
		case rd.failed != nil:
			fmt.Fprintf(&story, " (fails: %v)", err)
			cov["failed runs"]++
		case err != nil:
			return fail("run", err)
		default:
			if m.eval != nil && rd.eval.Periods[0].Start().Before(m.eval.Periods[0].Start()) {
				cov["first period moved earlier"]++
			}
			m.run(rd.contract, rd.eval)
		}
		if m.eval == nil {
			story.WriteString("\n")
			continue
		}
		var open []ledger.Period // the version's open periods
		for _, p := range m.eval.Periods {
			if m.isOpen(p) {
				open = append(open, p)
			}
		}
		// Payments between parties of the contract's pairs, in open periods.
		for k := r.Intn(3); k > 0 && len(open) > 0; k-- {
			rl := c.Rules[r.Intn(len(c.Rules))]
			pp := rl.PayeeParties()
			x, y := rl.Payer, pp[r.Intn(len(pp))]
			if r.Intn(3) == 0 {
				x, y = y, x
			}
			p := open[r.Intn(len(open))]
			d := p.Start().AddDays(r.Intn(28))
			if !m.closed.IsZero() && !d.After(m.closed) {
				d = m.closed.AddDays(1)
			}
			pay := contracts.Payment{Contract: c.ID, Payer: x, Payee: y, Amount: decimal.RequireFromString(genMoney(r, 1, 50, places)),
				Date: d, Reference: fmt.Sprintf("p%d-%d", i, k)}
			fmt.Fprintf(&story, ", pay %s→%s %s on %s", pay.Payer, pay.Payee, pay.Amount, pay.Date)
			if _, err := svc.Pay(ctx, pay); err != nil {
				return fail("pay", err)
			}
			m.pays = append(m.pays, pay)
			cov["payments"]++
		}
		// Close an open period, never the last one (so that drafts stay),
		// never after a failed run (the close would fail as the run did),
		// never in the last round; read the statements it finalizes.
		if rd.failed == nil && i < n-1 && len(open) > 1 && r.Intn(3) > 0 {
			p := open[r.Intn(len(open)-1)]
			fmt.Fprintf(&story, ", close %s", p)
			if _, err := stm.CloseThrough(ctx, p.Last()); err != nil {
				return fail("close", err)
			}
			closes++
			for _, q := range m.close(p.Last()) {
				s, err := stm.Statement(ctx, c.ID, q)
				if err != nil {
					fmt.Fprintf(&b, "%s (final, after the close of %s): statement: %v\n", q, p, err)
					continue
				}
				w := m.expected(q)
				cov.count(w)
				compareStatement(&b, rd.contract, q, s, w)
				finals[q] = statementJSON(s)
			}
		}
		story.WriteString("\n")
	}
	// Section 4: running again with nothing new books nothing.
	again, err := svc.Run(ctx, through)
	if err != nil {
		return fail("run again", err)
	}
	for _, rc := range again.Contracts {
		if rc.Entries+rc.Adjustments+rc.Advances+rc.Recoupments != 0 {
			fmt.Fprintf(&b, "a second run with nothing new booked %+v\n", rc)
		}
	}
	// Section 6: verify checks every invariant, the final statements
	// rendered again included, after amendments and frequency changes too.
	if res, err := (reports.Verifier{Store: db}).Verify(ctx); err != nil || !res.OK {
		fmt.Fprintf(&b, "verify: %+v %v\n", res, err)
	}
	if n == 3 {
		cov["three rounds"]++
	}
	if closes > 1 {
		cov["two closes"]++
	}
	for _, p := range m.eval.Periods {
		if finals[p] != nil {
			continue
		}
		s, err := stm.Statement(ctx, c.ID, p)
		if err != nil {
			fmt.Fprintf(&b, "%s: statement: %v\n", p, err)
			continue
		}
		w := m.expected(p)
		cov.count(w)
		compareStatement(&b, m.contract, p, s, w)
	}
	// Section 5: a final statement stays retrievable, unchanged, under its
	// own label through any later contract version.
	for p, body := range finals {
		s, err := stm.Statement(ctx, c.ID, p)
		if err != nil {
			fmt.Fprintf(&b, "%s (final): statement: %v\n", p, err)
		} else if got := statementJSON(s); !bytes.Equal(got, body) {
			fmt.Fprintf(&b, "%s (final) changed since its close:\nthen %s\nnow  %s\n", p, body, got)
		}
	}
	if b.Len() > 0 {
		return fmt.Sprintf("%s%s%s%s", oc, story.String(), b.String(), refSummary(m.eval)), true
	}
	return "", true
}

func statementJSON(s *reports.Statement) []byte {
	body, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return body
}

// amendContract returns a new version of c with one change a finance team
// makes by amendment, and what it changed; c itself when no change drawn
// gives a valid contract. Changes keep the currency, the rules that shared
// caps and advances name (a rule that changes pair leaves the recoup_from
// of advances that name other rules too) and the parties of every advance
// (contract update refuses to move a booked one: reading 14).
func amendContract(r *rand.Rand, c *contracts.Contract, round int) (*contracts.Contract, string) {
	day0 := ledger.Date{Year: 2025, Month: time.October, Day: 1}
	named := map[string]bool{}
	for _, sc := range c.SharedCaps {
		for _, id := range sc.Rules {
			named[id] = true
		}
	}
	for _, a := range c.Advances {
		for _, id := range a.RecoupFrom {
			named[id] = true
		}
	}
	places, _ := ledger.MinorUnits(c.Currency)
	money := func(lo, hi int) *decimal.Decimal {
		x := decimal.RequireFromString(genMoney(r, lo, hi, places))
		return &x
	}
	for try := 0; try < 20; try++ {
		n := *c
		n.Rules = append([]contracts.Rule(nil), c.Rules...)
		date := genDate(r, day0, 600)
		n.Amendments = append(append([]contracts.Amendment(nil), c.Amendments...), contracts.Amendment{Date: date, Note: fmt.Sprintf("amendment %d", round)})
		i := r.Intn(len(n.Rules))
		rl := &n.Rules[i]
		var what string
		switch r.Intn(20) {
		case 14, 18: // an advance added on a pair that has rules, dated anywhere (reading 12)
			what = "advance added"
			payee := pick(r, rl.PayeeParties())
			var from []string
			for _, x := range n.Rules {
				if x.Payer == rl.Payer && x.Pays(payee) && (x.ID == rl.ID || r.Intn(2) == 0) {
					from = append(from, x.ID)
				}
			}
			n.Advances = append(append([]contracts.Advance(nil), c.Advances...), contracts.Advance{ID: fmt.Sprintf("n%d", round),
				Payer: rl.Payer, Payee: payee, Date: genDate(r, day0, 450), Amount: *money(1, 60), RecoupFrom: from})
		case 15, 16, 19: // the rule's payer or a payee changes (reading 14)
			what = "payee changed"
			old := pick(r, rl.PayeeParties())
			next := pick(r, genParties)
			if r.Intn(3) == 0 {
				what = "payer changed"
				rl.Payer = next
			} else if len(rl.Payees) > 0 {
				ps := append([]contracts.Split(nil), rl.Payees...)
				for k := range ps {
					if ps[k].Party == old {
						ps[k].Party = next
					}
				}
				rl.Payees = ps
			} else {
				rl.Payee = next
			}
			// Advances that recoup from the rule and from others of their
			// pair stop recouping from it when it leaves their pair; one
			// that recoups from it alone makes the version invalid.
			n.Advances = append([]contracts.Advance(nil), c.Advances...)
			for k := range n.Advances {
				a := &n.Advances[k]
				if len(a.RecoupFrom) > 1 && (rl.Payer != a.Payer || !rl.Pays(a.Payee)) {
					var from []string
					for _, id := range a.RecoupFrom {
						if id != rl.ID {
							from = append(from, id)
						}
					}
					a.RecoupFrom = from
				}
			}
		case 12, 13: // an advance's amount or date (docs/contracts.md: the difference is booked)
			if len(c.Advances) == 0 {
				continue
			}
			n.Advances = append([]contracts.Advance(nil), c.Advances...)
			k := r.Intn(len(n.Advances))
			a := &n.Advances[k]
			if len(n.Advances) > 1 && r.Intn(4) == 0 {
				// One advance stays: the pairs keep their recouped column.
				what = "advance removed"
				n.Advances = append(n.Advances[:k:k], n.Advances[k+1:]...)
			} else if r.Intn(2) == 0 {
				what = "advance amount changed"
				a.Amount = *money(1, 60)
			} else {
				what = "advance date moved"
				a.Date = genDate(r, day0, 450)
			}
		case 11, 17: // the statement frequency (section 5: final statements keep their labels; reading 13)
			what = "frequency changed"
			for n.Period == c.Period {
				n.Period = pick(r, []ledger.Frequency{ledger.Month, ledger.Quarter, ledger.Year})
			}
		case 0, 1: // the rule ends (the demo's Azure share)
			what = "rule ended"
			rl.Through, rl.Until = ledger.Date{}, date
			if r.Intn(2) == 0 {
				rl.Through, rl.Until = date, date.AddDays(1)
			}
		case 2: // its end removed or moved
			what = "rule end moved"
			rl.Through, rl.Until = ledger.Date{}, ledger.Date{}
			if r.Intn(2) == 0 {
				rl.Until = genDate(r, date, 200)
			}
		case 3: // a new rate, or tiers for a rate
			what = "rate changed"
			if rl.Rate == nil {
				what = "tiers replaced by a rate"
				rl.Tiers, rl.TierWindow = nil, ""
			}
			x := decimal.RequireFromString(pick(r, genRates))
			rl.Rate = &x
		case 4: // caps
			what = "cap changed"
			cp := rl.Cap
			switch r.Intn(4) {
			case 0:
				cp.Total = money(0, 150)
			case 1:
				cp.PerYear = money(10, 120)
			case 2:
				cp.PerPeriod = money(5, 60)
			default:
				what = "caps removed"
				cp = contracts.Cap{}
			}
			rl.Cap = cp
		case 5: // minimum
			what = "minimum changed"
			if rl.Minimum.PerYear != nil && r.Intn(2) == 0 {
				what = "minimum removed"
				rl.Minimum.PerYear = nil
			} else {
				rl.Minimum.PerYear = money(0, 100)
			}
		case 6: // which rate converts (the usage aggregates are rebuilt)
			what = "fx_rule changed"
			rl.FXRule = contracts.FXPeriodEnd
			if rl.FXRule == c.Rules[i].FXRule {
				rl.FXRule = contracts.FXEventDate
			}
		case 7: // what it matches (the usage aggregates are rebuilt)
			what = "match changed"
			rl.Match = contracts.Match{}
			if r.Intn(3) > 0 {
				rl.Match.Seller = []string{pick(r, genSellers)}
			}
			if r.Intn(3) == 0 {
				rl.Match.Channel = []string{pick(r, genChans)}
			}
		case 8: // a rule added between a pair that has one
			what = "rule added"
			add := contracts.Rule{ID: fmt.Sprintf("x%d", round), Payer: rl.Payer, Payee: rl.PayeeParties()[0], Match: rl.Match,
				From: genDate(r, day0, 300), FXRule: contracts.FXEventDate}
			x := decimal.RequireFromString(pick(r, genRates))
			add.Rate = &x
			if r.Intn(3) == 0 {
				add.From = ledger.Date{}
			}
			if r.Intn(3) == 0 {
				add.Cap.Total = money(0, 150)
			}
			n.Rules = append(n.Rules, add)
		case 9: // a rule removed whose pairs other rules keep
			what = "rule removed"
			if named[rl.ID] || len(n.Rules) == 1 {
				continue
			}
			kept := true
			for _, payee := range rl.PayeeParties() {
				other := false
				for j := range c.Rules {
					if j != i && (c.Rules[j].Payer == rl.Payer && c.Rules[j].Pays(payee) || c.Rules[j].Payer == payee && c.Rules[j].Pays(rl.Payer)) {
						other = true
					}
				}
				kept = kept && other
			}
			if !kept {
				continue
			}
			n.Rules = append(n.Rules[:i:i], n.Rules[i+1:]...)
		default: // the split's shares, or the contract's rounding
			if len(rl.Payees) == 0 {
				what = "rounding changed"
				n.Rounding = ledger.HalfEven
				if c.Rounding == ledger.HalfEven {
					n.Rounding = ledger.HalfUp
				}
				break
			}
			what = "split shares changed"
			var shares []string
			for _, s := range genSplits {
				if len(s) == len(rl.Payees) {
					shares = s
				}
			}
			if r.Intn(2) == 0 {
				for _, s := range genSplits {
					if len(s) == len(rl.Payees) && r.Intn(2) == 0 {
						shares = s
					}
				}
			}
			ps := append([]contracts.Split(nil), rl.Payees...)
			for k := range ps {
				ps[k].Share = decimal.RequireFromString(shares[k])
			}
			rl.Payees = ps
		}
		next, err := contracts.Parse(n.Canonical())
		if err != nil {
			continue
		}
		return next, what
	}
	return c, ""
}

type wantPair struct {
	payer, payee                                                    string
	obligations, reverse, net, opening, payments, recouped, closing decimal.Decimal
	hasRecouped                                                     bool
}

type wantAdj struct {
	period           string
	base, obligation decimal.Decimal
}

type wantStatement struct {
	lines    []refLine
	adjust   map[string][]wantAdj // by rule
	pairs    []wantPair
	advances []refRecoup // dated on or before the period's last day
	left     int         // pairs listed that no rule of the version has
}

func compareStatement(b *strings.Builder, c *contracts.Contract, p ledger.Period, s *reports.Statement, w wantStatement) {
	m := func(d decimal.Decimal) string { return ledger.FormatMoney(d, c.Currency) }
	num := func(where, field, got string, want decimal.Decimal, money bool) {
		g, err := decimal.NewFromString(got)
		if err != nil && got == "" {
			g, err = decimal.Zero, nil
		}
		if err != nil || !g.Equal(want) {
			ws := want.String()
			if money {
				ws = m(want)
			}
			fmt.Fprintf(b, "%s %s %s: books %q, reference %s\n", p, where, field, got, ws)
		}
	}
	if len(s.Rules) != len(w.lines) {
		fmt.Fprintf(b, "%s: %d rule lines, reference %d\n", p, len(s.Rules), len(w.lines))
	} else {
		for i, rl := range s.Rules {
			wl := w.lines[i]
			if rl.Rule != wl.Rule {
				fmt.Fprintf(b, "%s line %d: rule %s, reference %s\n", p, i, rl.Rule, wl.Rule)
				continue
			}
			num(rl.Rule, "base", rl.Base, wl.Base, false)
			if rl.Events != wl.Events {
				fmt.Fprintf(b, "%s %s events: books %d, reference %d\n", p, rl.Rule, rl.Events, wl.Events)
			}
			num(rl.Rule, "gross", rl.Gross, wl.Gross, true)
			num(rl.Rule, "obligation", rl.Obligation, wl.Obligation, true)
			num(rl.Rule, "minimum_true_up", rl.MinimumTrueUp, wl.TrueUp, true)
			if len(rl.Caps) != len(wl.Caps) {
				fmt.Fprintf(b, "%s %s: %d caps, reference %d\n", p, rl.Rule, len(rl.Caps), len(wl.Caps))
			} else {
				for j, cp := range rl.Caps {
					wc := wl.Caps[j]
					where := rl.Rule + " cap " + wc.Shared + " " + wc.Kind
					num(where, "limit", cp.Limit, wc.Limit, true)
					num(where, "consumed_before", cp.ConsumedBefore, wc.Before, true)
					num(where, "applied", cp.Applied, wc.Applied, true)
					num(where, "remaining_after", cp.RemainingAfter, wc.After, true)
				}
			}
			if len(rl.Splits) != len(wl.Splits) {
				fmt.Fprintf(b, "%s %s: %d splits, reference %d\n", p, rl.Rule, len(rl.Splits), len(wl.Splits))
			} else {
				for j, sp := range rl.Splits {
					num(rl.Rule+" split "+sp.Payee, "amount", sp.Amount, wl.Splits[j].Amount, true)
				}
			}
			// Adjustments, in any order.
			var got []string
			for _, a := range rl.Adjustments {
				bd, _ := decimal.NewFromString(a.BaseDelta)
				od, _ := decimal.NewFromString(a.ObligationDelta)
				got = append(got, fmt.Sprintf("%s base %s obligation %s", a.Period, bd, od))
			}
			var want []string
			for _, a := range w.adjust[rl.Rule] {
				want = append(want, fmt.Sprintf("%s base %s obligation %s", a.period, a.base, a.obligation))
			}
			sort.Strings(got) // the books list them in the order they were booked
			sort.Strings(want)
			if strings.Join(got, "; ") != strings.Join(want, "; ") {
				fmt.Fprintf(b, "%s %s adjustments: books [%s], reference [%s]\n", p, rl.Rule, strings.Join(got, "; "), strings.Join(want, "; "))
			}
		}
	}
	if len(s.Pairs) != len(w.pairs) {
		fmt.Fprintf(b, "%s: %d pairs, reference %d\n", p, len(s.Pairs), len(w.pairs))
	} else {
		for i, sp := range s.Pairs {
			wp := w.pairs[i]
			where := "pair " + wp.payer + "→" + wp.payee
			if sp.Payer != wp.payer || sp.Payee != wp.payee {
				fmt.Fprintf(b, "%s %s: books %s→%s\n", p, where, sp.Payer, sp.Payee)
				continue
			}
			num(where, "obligations", sp.Obligations, wp.obligations, true)
			num(where, "reverse_obligations", sp.ReverseObligations, wp.reverse, true)
			num(where, "net", sp.Net, wp.net, true)
			num(where, "opening_balance", sp.OpeningBalance, wp.opening, true)
			num(where, "payments", sp.Payments, wp.payments, true)
			if wp.hasRecouped {
				num(where, "recouped", sp.Recouped, wp.recouped, true)
			}
			num(where, "closing_balance", sp.ClosingBalance, wp.closing, true)
		}
	}
	got := s.AdvanceList()
	if len(got) != len(w.advances) {
		fmt.Fprintf(b, "%s: %d advances listed, reference %d\n", p, len(got), len(w.advances))
	} else {
		for i, a := range got {
			wa := w.advances[i]
			if a.ID != wa.Advance {
				fmt.Fprintf(b, "%s advance %d: books %s, reference %s\n", p, i, a.ID, wa.Advance)
				continue
			}
			num("advance "+a.ID, "recouped_before", a.RecoupedBefore, wa.Before, true)
			num("advance "+a.ID, "recouped", a.Recouped, wa.Recouped, true)
			num("advance "+a.ID, "unrecouped_after", a.UnrecoupedAfter, wa.After, true)
		}
	}
}
