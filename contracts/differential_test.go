package contracts_test

import (
	"flag"
	"fmt"
	"math/rand"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
)

// TestDifferential runs the engine (Compute over events, ComputeUsage over
// aggregates, Result.Recoupments) and the reference of reference_test.go on
// random valid contracts and events, and compares every number per rule,
// period, cap, payee and advance. On a mismatch it prints the case: contract
// YAML, events, rates, through and both figures.
//
//	go test -run TestDifferential ./contracts                         # 2,000 cases
//	ORACLE_CASES=100000 ORACLE_SEED=7 go test -run TestDifferential ./contracts
var (
	oracleCases = flag.Int("oracle.cases", 0, "TestDifferential: number of random cases (default 2000, or $ORACLE_CASES)")
	oracleSeed  = flag.Int64("oracle.seed", 0, "TestDifferential: first seed (default 1, or $ORACLE_SEED)")
)

func oracleSetting(flagValue int64, env string, def int64) int64 {
	if flagValue != 0 {
		return flagValue
	}
	if s := os.Getenv(env); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err == nil {
			return n
		}
	}
	return def
}

// oracleCoverage counts what the cases exercised (printed with -v), so that
// a generator that stopped reaching a feature shows.
var oracleCoverage = map[string]int{}

func oracleCount(c *contracts.Contract, res *refResult) {
	inc := func(k string, b bool) {
		if b {
			oracleCoverage[k]++
		}
	}
	oracleCoverage["cases"]++
	for _, l := range res.Lines {
		oracleCoverage["lines"]++
		inc("line with a negative gross", l.Gross.Sign() < 0)
		inc("line cut below gross", l.Obligation.LessThan(l.Gross))
		inc("line held at the refund floor", l.Gross.Sign() < 0 && l.Obligation.GreaterThan(l.Gross))
		inc("line with a minimum true-up", l.TrueUp.Sign() > 0)
		inc("line split", len(l.Splits) > 0)
		inc("line with a base above 10^15", l.Base.Abs().GreaterThan(decimal.New(1, 15)))
		for _, cp := range l.Caps {
			inc("cap line bound", cp.Bound)
			inc("shared cap line bound", cp.Bound && cp.Shared != "")
			inc("shared cap line", cp.Shared != "")
		}
	}
	for _, rc := range res.Recoups {
		inc("recoupment > 0", rc.Recouped.Sign() > 0)
		inc("recoupment < 0", rc.Recouped.Sign() < 0)
	}
	pairSets := map[string]string{}
	mixed := false
	for _, a := range c.Advances {
		ids := append([]string(nil), a.RecoupFrom...)
		sort.Strings(ids)
		k, set := a.Payer+"→"+a.Payee, fmt.Sprint(ids)
		if prev, ok := pairSets[k]; ok && prev != set {
			mixed = true
		}
		pairSets[k] = set
	}
	inc("case with advances", len(c.Advances) > 0)
	inc("case with one pair's advances on different rules", mixed)
	for i := range c.Rules {
		inc("rule with tiers", c.Rules[i].Tiers != nil)
		inc("rule with period_end FX", c.Rules[i].FXRule == contracts.FXPeriodEnd)
	}
}

func TestDifferential(t *testing.T) {
	defer func() {
		keys := make([]string, 0, len(oracleCoverage))
		for k := range oracleCoverage {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			t.Logf("%-32s %d", k, oracleCoverage[k])
		}
	}()
	n := oracleSetting(int64(*oracleCases), "ORACLE_CASES", 2000)
	seed0 := oracleSetting(*oracleSeed, "ORACLE_SEED", 1)
	failures := 0
	for s := seed0; s < seed0+n; s++ {
		if msg := differentialCase(t, s); msg != "" {
			failures++
			t.Errorf("seed %d:\n%s", s, msg)
			if failures >= 3 {
				t.Fatalf("stopping after %d mismatching cases", failures)
			}
		}
	}
}

// oracleCase is one generated case, kept as text so that a mismatch prints
// something a person can recompute by hand.
type oracleCase struct {
	yaml    string
	events  []ledger.Event
	rates   []ledger.FXRate
	through ledger.Period
}

func (oc *oracleCase) String() string {
	var b strings.Builder
	b.WriteString("--- contract.yaml\n")
	b.WriteString(oc.yaml)
	b.WriteString("--- events.csv\nid,occurred_at,seller,channel,customer,product,region,amount,currency\n")
	for _, e := range oc.events {
		occ := e.OccurredAt.Format(time.RFC3339)
		if e.DateOnly {
			occ = e.OccurredAt.Format(ledger.DateLayout)
		}
		fmt.Fprintf(&b, "%s,%s,%s,%s,%s,%s,%s,%s,%s\n", e.EventID, occ, e.Seller, e.Channel, e.Customer, e.Product, e.Region, e.Amount.String(), e.Currency)
	}
	if len(oc.rates) > 0 {
		b.WriteString("--- rates.csv\ndate,from,to,rate\n")
		for _, r := range oc.rates {
			fmt.Fprintf(&b, "%s,%s,%s,%s\n", r.Date, r.From, r.To, r.Rate)
		}
	}
	fmt.Fprintf(&b, "--- through\n%s\n", oc.through)
	return b.String()
}

func differentialCase(t *testing.T, seed int64) string {
	oc := generateCase(rand.New(rand.NewSource(seed)))
	c, err := contracts.Parse([]byte(oc.yaml))
	if err != nil {
		t.Fatalf("seed %d: the generator wrote an invalid contract: %v\n%s", seed, err, oc.yaml)
	}
	want, refErr := reference(c, oc.events, oc.rates, oc.through)
	got, err := contracts.Compute(c, oc.events, oc.rates, oc.through, contracts.Options{})
	u := contracts.NewUsage(c)
	for i := range oc.events {
		u.Add(&oc.events[i])
	}
	gotUsage, errUsage := contracts.ComputeUsage(c, u, oc.rates, oc.through)
	if (refErr != nil) != (err != nil) || (err != nil) != (errUsage != nil) {
		return fmt.Sprintf("%serrors differ: reference %v, Compute %v, ComputeUsage %v", oc, refErr, err, errUsage)
	}
	if err != nil {
		oracleCoverage["error (both)"]++
		return ""
	}
	oracleCount(c, want)
	if diff := compareResult(c, want, got); diff != "" {
		return fmt.Sprintf("%sCompute differs from the reference:\n%s%s", oc, diff, refSummary(want))
	}
	if diff := compareResult(c, want, gotUsage); diff != "" {
		return fmt.Sprintf("%sComputeUsage differs from the reference:\n%s", oc, diff)
	}
	// The statements list's path: where the lines begin, without rates.
	if first, ok := u.FirstLine(oc.through); ok != (len(want.Lines) > 0) || ok && first != want.Lines[0].Period {
		return fmt.Sprintf("%sUsage.FirstLine: %s %v, the reference's first line: %d lines, %+v", oc, first.Label(), ok, len(want.Lines), want.Lines)
	}
	// The scenarios' path: EvaluateBases over the reference's bases.
	if len(want.Lines) > 0 {
		first := want.Lines[0].Period
		index := map[ledger.Period]int{}
		k := 0
		for p := first; !oc.through.Before(p); p = p.Next() {
			index[p] = k
			k++
		}
		bases := make([][]decimal.Decimal, len(c.Rules))
		noEvents := &refResult{Recoups: want.Recoups}
		for _, l := range want.Lines {
			i := ruleIndexOf(c, l.Rule)
			if bases[i] == nil {
				bases[i] = make([]decimal.Decimal, k)
			}
			bases[i][index[l.Period]] = l.Base
			l.Events, l.ByChannel, l.ByProduct = 0, nil, nil
			noEvents.Lines = append(noEvents.Lines, l)
		}
		gotBases, err := contracts.EvaluateBases(c, first, oc.through, bases)
		if err != nil {
			return fmt.Sprintf("%sEvaluateBases: %v", oc, err)
		}
		if diff := compareResult(c, noEvents, gotBases); diff != "" {
			return fmt.Sprintf("%sEvaluateBases differs from the reference:\n%s", oc, diff)
		}
	}
	return ""
}

// refSummary lists the reference's lines and recoupments, one a line.
func refSummary(res *refResult) string {
	var b strings.Builder
	b.WriteString("reference lines:\n")
	for _, l := range res.Lines {
		fmt.Fprintf(&b, "  %s %s base=%s gross=%s obl=%s tu=%s total=%s", l.Period, l.Rule, l.Base, l.Gross, l.Obligation, l.TrueUp, l.Total)
		for _, sp := range l.Splits {
			fmt.Fprintf(&b, " %s=%s", sp.Payee, sp.Amount)
		}
		b.WriteString("\n")
	}
	for _, r := range res.Recoups {
		fmt.Fprintf(&b, "  %s advance %s before=%s recouped=%s after=%s\n", r.Period, r.Advance, r.Before, r.Recouped, r.After)
	}
	return b.String()
}

func ruleIndexOf(c *contracts.Contract, id string) int {
	for i := range c.Rules {
		if c.Rules[i].ID == id {
			return i
		}
	}
	panic(id)
}

// compareResult lists every difference, as "field: engine X, reference Y".
func compareResult(c *contracts.Contract, want *refResult, got *contracts.Result) string {
	var b strings.Builder
	m := func(d decimal.Decimal) string { return ledger.FormatMoney(d, c.Currency) }
	diff := func(where, field string, g, w any) {
		fmt.Fprintf(&b, "%s %s: engine %v, reference %v\n", where, field, g, w)
	}
	money := func(where, field string, g, w decimal.Decimal) {
		if !g.Equal(w) {
			diff(where, field, m(g), m(w))
		}
	}
	if len(got.Lines) != len(want.Lines) {
		fmt.Fprintf(&b, "%d lines from the engine, %d from the reference\n", len(got.Lines), len(want.Lines))
		for _, l := range got.Lines {
			fmt.Fprintf(&b, "  engine %s %s\n", l.Period, l.Rule)
		}
		for _, l := range want.Lines {
			fmt.Fprintf(&b, "  reference %s %s\n", l.Period, l.Rule)
		}
		return b.String()
	}
	for i := range got.Lines {
		g, w := &got.Lines[i], &want.Lines[i]
		where := fmt.Sprintf("%s %s", g.Period, g.Rule)
		if g.Period != w.Period || g.Rule != w.Rule {
			diff(fmt.Sprintf("line %d", i), "period/rule", where, fmt.Sprintf("%s %s", w.Period, w.Rule))
			continue
		}
		if ledger.FormatAmount(g.Base) != ledger.FormatAmount(w.Base) {
			diff(where, "base", ledger.FormatAmount(g.Base), ledger.FormatAmount(w.Base))
		}
		if w.Events > 0 || len(g.ByChannel)+len(g.ByProduct) > 0 {
			for _, bd := range []struct {
				name string
				g, w map[string]decimal.Decimal
			}{{"by_channel", g.ByChannel, w.ByChannel}, {"by_product", g.ByProduct, w.ByProduct}} {
				if len(bd.g) != len(bd.w) {
					diff(where, bd.name, bd.g, bd.w)
					continue
				}
				for key, wv := range bd.w {
					if gv, ok := bd.g[key]; !ok || ledger.FormatAmount(gv) != ledger.FormatAmount(wv) {
						diff(where, bd.name+"["+key+"]", ledger.FormatAmount(gv), ledger.FormatAmount(wv))
					}
				}
			}
		}
		if g.Events != w.Events {
			diff(where, "events", g.Events, w.Events)
		}
		money(where, "gross", g.Gross, w.Gross)
		money(where, "obligation", g.Obligation, w.Obligation)
		money(where, "minimum_true_up", g.MinimumTrueUp, w.TrueUp)
		money(where, "total", g.Total, w.Total)
		if len(g.Caps) != len(w.Caps) {
			diff(where, "caps", len(g.Caps), len(w.Caps))
		} else {
			for j := range g.Caps {
				gc, wc := g.Caps[j], w.Caps[j]
				cw := fmt.Sprintf("%s cap %s%s", where, wc.Shared+" ", wc.Kind)
				if gc.Shared != wc.Shared || string(gc.Kind) != wc.Kind {
					diff(cw, "kind", gc.Shared+" "+string(gc.Kind), wc.Shared+" "+wc.Kind)
					continue
				}
				money(cw, "limit", gc.Limit, wc.Limit)
				money(cw, "consumed_before", gc.ConsumedBefore, wc.Before)
				money(cw, "applied", gc.Applied, wc.Applied)
				money(cw, "remaining_after", gc.RemainingAfter, wc.After)
				if gc.Bound != wc.Bound {
					diff(cw, "bound", gc.Bound, wc.Bound)
				}
			}
		}
		if len(g.Splits) != len(w.Splits) {
			diff(where, "splits", len(g.Splits), len(w.Splits))
		} else {
			for j := range g.Splits {
				if g.Splits[j].Payee != w.Splits[j].Payee {
					diff(where, "split payee", g.Splits[j].Payee, w.Splits[j].Payee)
				}
				money(where+" split "+w.Splits[j].Payee, "amount", g.Splits[j].Amount, w.Splits[j].Amount)
			}
		}
	}
	rec := got.Recoupments(nil)
	if len(rec) != len(want.Recoups) {
		fmt.Fprintf(&b, "%d recoupments from the engine, %d from the reference\n", len(rec), len(want.Recoups))
		for _, r := range rec {
			fmt.Fprintf(&b, "  engine %s %s %s\n", r.Period, r.Advance, m(r.Recouped))
		}
		for _, r := range want.Recoups {
			fmt.Fprintf(&b, "  reference %s %s %s\n", r.Period, r.Advance, m(r.Recouped))
		}
		return b.String()
	}
	for i := range rec {
		g, w := rec[i], want.Recoups[i]
		where := fmt.Sprintf("%s advance %s", g.Period, g.Advance)
		if g.Period != w.Period || g.Advance != w.Advance {
			diff(fmt.Sprintf("recoupment %d", i), "period/advance", where, fmt.Sprintf("%s advance %s", w.Period, w.Advance))
			continue
		}
		money(where, "recouped_before", g.RecoupedBefore, w.Before)
		money(where, "recouped", g.Recouped, w.Recouped)
		money(where, "unrecouped_after", g.UnrecoupedAfter, w.After)
	}
	return b.String()
}

// The generator: small readable numbers, every feature of section 3.

var (
	genParties = []string{"a", "b", "c", "d"}
	genSplits  = [][]string{{"0.5", "0.5"}, {"0.75", "0.25"}, {"0.45", "0.35", "0.2"}, {"0.3333", "0.3333", "0.3334"}, {"0.6", "0.4"}, {"0.1", "0.9"}}
	genRates   = []string{"0.1", "0.2", "0.25", "0.125", "0.3", "0.05", "0.333", "1", "0", "0.015"}
	genZones   = []string{"UTC", "UTC", "America/New_York", "Asia/Tokyo", "Pacific/Auckland"}
	genSellers = []string{"s1", "s2"}
	genChans   = []string{"direct", "azure", "aws"}
	genProds   = []string{"api", "chat", ""}
)

type genRule struct {
	id     string
	payer  string
	payees []string // one: payee; more: split
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.Intn(len(xs))] }

func genDate(r *rand.Rand, from ledger.Date, days int) ledger.Date {
	return from.AddDays(r.Intn(days))
}

// genMoney is an amount between lo and hi in whole units, with some minor
// digits when the currency has them.
func genMoney(r *rand.Rand, lo, hi int, places int32) string {
	v := decimal.NewFromInt(int64(lo + r.Intn(hi-lo+1)))
	if places > 0 && r.Intn(3) == 0 {
		v = v.Add(decimal.NewFromInt(int64(r.Intn(100))).Shift(-min(places, 2)))
	}
	return v.StringFixed(places)
}

func generateCase(r *rand.Rand) *oracleCase {
	oc := &oracleCase{}
	currency := pick(r, []string{"USD", "USD", "USD", "JPY", "BHD"})
	places, _ := ledger.MinorUnits(currency)
	freq := pick(r, []string{"month", "month", "month", "quarter", "year"})
	var y strings.Builder
	fmt.Fprintf(&y, "id: diff\ncurrency: %s\ntimezone: %s\nperiod: %s\n", currency, pick(r, genZones), freq)
	if r.Intn(2) == 0 {
		fmt.Fprintf(&y, "rounding: %s\n", pick(r, []string{"half_up", "half_even"}))
	}
	y.WriteString("parties: [a, b, c, d]\nrules:\n")
	day0 := ledger.Date{Year: 2025, Month: time.October, Day: 1}
	// One case in ten is larger: up to 7 rules and 80 events.
	large := r.Intn(10) == 0
	nRules := 1 + r.Intn(4)
	if large {
		nRules = 1 + r.Intn(7)
	}
	var rules []genRule
	for i := 0; i < nRules; i++ {
		g := genRule{id: fmt.Sprintf("r%d", i+1), payer: pick(r, genParties[:2])}
		fmt.Fprintf(&y, "  - id: %s\n    payer: %s\n", g.id, g.payer)
		others := []string{}
		for _, p := range genParties {
			if p != g.payer {
				others = append(others, p)
			}
		}
		r.Shuffle(len(others), func(i, j int) { others[i], others[j] = others[j], others[i] })
		if r.Intn(4) == 0 {
			shares := pick(r, genSplits)
			y.WriteString("    payees:\n")
			for k, s := range shares {
				g.payees = append(g.payees, others[k])
				fmt.Fprintf(&y, "      - {party: %s, share: \"%s\"}\n", others[k], s)
			}
		} else {
			g.payees = []string{others[0]}
			fmt.Fprintf(&y, "    payee: %s\n", others[0])
		}
		var match []string
		if r.Intn(2) == 0 {
			match = append(match, "seller: "+pick(r, genSellers))
		}
		if r.Intn(3) == 0 {
			if r.Intn(2) == 0 {
				match = append(match, "channel: "+pick(r, genChans))
			} else {
				match = append(match, "channel: [direct, azure]")
			}
		}
		if r.Intn(5) == 0 {
			match = append(match, "product: "+pick(r, genProds[:2]))
		}
		if r.Intn(8) == 0 {
			match = append(match, pick(r, []string{"customer: k1", "region: [eu, us]", "customer: [k1, k2]", "region: apac"}))
		}
		if len(match) > 0 {
			fmt.Fprintf(&y, "    match: {%s}\n", strings.Join(match, ", "))
		}
		if r.Intn(10) < 3 {
			y.WriteString("    tiers:\n")
			n := 1 + r.Intn(3)
			up := 0
			for k := 0; k < n; k++ {
				up += 50 * (1 + r.Intn(6))
				rate := pick(r, genRates)
				if k == n-1 && r.Intn(3) > 0 {
					fmt.Fprintf(&y, "      - {rate: \"%s\"}\n", rate)
				} else {
					fmt.Fprintf(&y, "      - {up_to: \"%d\", rate: \"%s\"}\n", up, rate)
				}
			}
			if w := r.Intn(4); w > 0 {
				fmt.Fprintf(&y, "    tier_window: %s\n", []string{"", "lifetime", "year", "period"}[w])
			}
		} else {
			fmt.Fprintf(&y, "    rate: \"%s\"\n", pick(r, genRates))
		}
		from := ledger.Date{}
		if r.Intn(10) < 7 {
			from = genDate(r, day0, 300)
			fmt.Fprintf(&y, "    from: %s\n", from)
		}
		start := from
		if start.IsZero() {
			start = day0
		}
		switch r.Intn(5) {
		case 0, 1:
			fmt.Fprintf(&y, "    through: %s\n", genDate(r, start, 500))
		case 2:
			fmt.Fprintf(&y, "    until: %s\n", genDate(r, start.AddDays(1), 500))
		}
		var caps []string
		if r.Intn(5) == 0 {
			caps = append(caps, fmt.Sprintf("per_period: \"%s\"", genMoney(r, 5, 60, places)))
		}
		if r.Intn(4) == 0 {
			caps = append(caps, fmt.Sprintf("per_year: \"%s\"", genMoney(r, 10, 120, places)))
		}
		if r.Intn(3) == 0 {
			caps = append(caps, fmt.Sprintf("total: \"%s\"", genMoney(r, 0, 150, places)))
		}
		if len(caps) > 0 {
			fmt.Fprintf(&y, "    cap: {%s}\n", strings.Join(caps, ", "))
		}
		if r.Intn(5) == 0 {
			fmt.Fprintf(&y, "    minimum: {per_year: \"%s\"}\n", genMoney(r, 0, 100, places))
		}
		switch r.Intn(6) {
		case 0, 1:
			y.WriteString("    fx_rule: period_end\n")
		case 2:
			y.WriteString("    fx_rule: event_date\n")
		}
		rules = append(rules, g)
	}

	// Shared caps: rules of one payer.
	if r.Intn(10) < 4 {
		byPayer := map[string][]string{}
		for _, g := range rules {
			byPayer[g.payer] = append(byPayer[g.payer], g.id)
		}
		var blocks []string
		for k, payer := range []string{"a", "b"} {
			ids := byPayer[payer]
			if len(ids) == 0 || r.Intn(3) == 0 {
				continue
			}
			ids = append([]string(nil), ids...)
			r.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
			ids = ids[:1+r.Intn(len(ids))]
			var lim []string
			for len(lim) == 0 {
				if r.Intn(3) == 0 {
					lim = append(lim, fmt.Sprintf("per_period: \"%s\"", genMoney(r, 5, 80, places)))
				}
				if r.Intn(3) == 0 {
					lim = append(lim, fmt.Sprintf("per_year: \"%s\"", genMoney(r, 10, 150, places)))
				}
				if r.Intn(2) == 0 {
					lim = append(lim, fmt.Sprintf("total: \"%s\"", genMoney(r, 0, 200, places)))
				}
			}
			blocks = append(blocks, fmt.Sprintf("  - {id: s%d, rules: [%s], %s}\n", k+1, strings.Join(ids, ", "), strings.Join(lim, ", ")))
			// Sometimes a second shared cap over the same payer's rules.
			if r.Intn(4) == 0 {
				blocks = append(blocks, fmt.Sprintf("  - {id: s%dx, rules: [%s], total: \"%s\"}\n", k+1, ids[0], genMoney(r, 0, 100, places)))
			}
		}
		if len(blocks) > 0 {
			y.WriteString("shared_caps:\n")
			for _, b := range blocks {
				y.WriteString(b)
			}
		}
	}

	// Advances: per payer→payee pair, all advances recoup from the same
	// rules (every rule of the pair, or the first only).
	if r.Intn(10) < 4 {
		type pair struct{ payer, payee string }
		pairRules := map[pair][]string{}
		var pairs []pair
		for _, g := range rules {
			for _, p := range g.payees {
				k := pair{g.payer, p}
				if pairRules[k] == nil {
					pairs = append(pairs, k)
				}
				pairRules[k] = append(pairRules[k], g.id)
			}
		}
		y.WriteString("advances:\n")
		n := 0
		for _, k := range pairs {
			if n > 0 && r.Intn(2) == 0 {
				continue
			}
			ids := pairRules[k]
			if r.Intn(3) == 0 {
				ids = ids[:1]
			}
			mixed := r.Intn(3) == 0 // each advance its own subset of the pair's rules, in any order
			for m := 1 + r.Intn(3); m > 0; m-- {
				if mixed {
					ids = append([]string(nil), pairRules[k]...)
					r.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
					ids = ids[:1+r.Intn(len(ids))]
				}
				n++
				d := genDate(r, day0, 450)
				if r.Intn(4) == 0 && n > 1 {
					d = ledger.Date{Year: 2026, Month: time.March, Day: 5}
				}
				fmt.Fprintf(&y, "  - {id: adv%d, payer: %s, payee: %s, date: %s, amount: \"%s\", recoup_from: [%s]}\n",
					n, k.payer, k.payee, d, genMoney(r, 1, 60, places), strings.Join(ids, ", "))
			}
		}
	}
	oc.yaml = y.String()

	// Events.
	foreign := r.Intn(4) == 0
	bigAmounts := r.Intn(20) == 0
	nEvents := r.Intn(25)
	if large {
		nEvents = r.Intn(80)
	}
	for i := 0; i < nEvents; i++ {
		d := genDate(r, ledger.Date{Year: 2025, Month: time.September, Day: 1}, 700)
		e := ledger.Event{ID: int64(i + 1), Source: "gen", EventID: fmt.Sprintf("e%d", i+1),
			Seller: pick(r, genSellers), Channel: pick(r, genChans), Product: pick(r, genProds), Currency: currency,
			Customer: pick(r, []string{"k1", "k2", ""}), Region: pick(r, []string{"eu", "us", "apac"})}
		if r.Intn(2) == 0 {
			e.OccurredAt, e.DateOnly = d.In(time.UTC), true
		} else {
			// Near midnight UTC, where time zones move events across days.
			h := pick(r, []int{0, 3, 12, 14, 20, 23})
			e.OccurredAt = d.In(time.UTC).Add(time.Duration(h)*time.Hour + time.Duration(r.Intn(60))*time.Minute)
		}
		amt := decimal.NewFromInt(int64(r.Intn(300) - 60))
		if r.Intn(3) == 0 {
			amt = amt.Add(decimal.NewFromInt(int64(r.Intn(1000))).Shift(-int32(1 + r.Intn(3))))
		}
		if bigAmounts {
			// Section 1: up to 18 integer and 18 fractional digits (IDR
			// and VND deals pass 10^14): sums that leave an int64.
			switch r.Intn(4) {
			case 0:
				amt = decimal.RequireFromString(pick(r, []string{"999999999999999999.999999999999999999", "-999999999999999999", "123456789012345678.5", "0.000000000000000001", "92233720368547758.07"}))
			case 1:
				amt = decimal.NewFromInt(r.Int63n(1e18) - 2e17).Shift(-int32(r.Intn(19)))
			}
		}
		if foreign && r.Intn(3) == 0 {
			e.Currency = "EUR"
			if r.Intn(30) == 0 {
				e.Currency = "GBP" // no rate at all
			}
		}
		e.Amount = amt
		oc.events = append(oc.events, e)
	}
	if foreign {
		if r.Intn(10) > 0 {
			oc.rates = append(oc.rates, ledger.FXRate{Date: ledger.Date{Year: 2025, Month: time.January, Day: 1}, From: "EUR", To: currency, Rate: decimal.RequireFromString("1.1")})
		}
		for k := r.Intn(4); k > 0; k-- {
			d := genDate(r, ledger.Date{Year: 2025, Month: time.August, Day: 1}, 700)
			if r.Intn(3) == 0 {
				d = ledger.Date{Year: 2026, Month: time.March, Day: 31} // same date twice: the last wins
			}
			oc.rates = append(oc.rates, ledger.FXRate{Date: d,
				From: "EUR", To: currency, Rate: decimal.RequireFromString(pick(r, []string{"1.2", "0.9", "1.0843", "1.25", "0.5"}))})
		}
		if r.Intn(3) == 0 {
			oc.rates = append(oc.rates, ledger.FXRate{Date: ledger.Date{Year: 2025, Month: time.January, Day: 1}, From: currency, To: "EUR", Rate: decimal.RequireFromString("0.8")})
		}
	}
	y0 := 2025 + r.Intn(3)
	switch freq {
	case "month":
		oc.through = ledger.Period{Freq: ledger.Month, Year: y0, Index: 1 + r.Intn(12)}
	case "quarter":
		oc.through = ledger.Period{Freq: ledger.Quarter, Year: y0, Index: 1 + r.Intn(4)}
	default:
		oc.through = ledger.Period{Freq: ledger.Year, Year: y0, Index: 1}
	}
	// The contract's history: shown on statements, no effect on numbers
	// (windows carry the effect).
	if r.Intn(4) == 0 {
		oc.yaml += "amendments:\n"
		for k := 1 + r.Intn(2); k > 0; k-- {
			oc.yaml += fmt.Sprintf("  - {date: %s, note: \"amendment %d: a share ends\"}\n", genDate(r, day0, 500), k)
		}
	}
	return oc
}
