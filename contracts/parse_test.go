package contracts

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/revshare/revshare/ledger"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/contracts")

const demoPath = "../testdata/contracts/openai-microsoft.yaml"

func mustParse(t testing.TB, doc string) *Contract {
	t.Helper()
	c, err := Parse([]byte(doc))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

func TestParseDemo(t *testing.T) {
	b, err := os.ReadFile(demoPath)
	if err != nil {
		t.Fatal(err)
	}
	c := mustParse(t, string(b))
	if c.ID != "openai-microsoft" || c.Currency != "USD" || c.Period != ledger.Month || c.Rounding != ledger.HalfUp || c.Location().String() != "UTC" {
		t.Fatalf("header = %+v", c)
	}
	if len(c.Rules) != 2 {
		t.Fatalf("rules = %d", len(c.Rules))
	}
	r := c.Rules[0]
	from, until := r.From, r.Until
	if r.Rate.String() != "0.2" || from.String() != "2025-01-01" || until.String() != "2031-01-01" || r.Through.String() != "2030-12-31" ||
		r.Cap.Total.String() != "38000000000" || r.Cap.PerYear != nil || r.TierWindow != TierYear || r.FXRule != FXEventDate {
		t.Fatalf("rule 0 = %+v", r)
	}
	r = c.Rules[1]
	from, until = r.From, r.Until
	if from.String() != "2023-01-01" || until.String() != "2026-04-27" || !r.Through.IsZero() ||
		!reflect.DeepEqual(r.Match, Match{Seller: []string{"microsoft"}, Channel: []string{"azure"}}) {
		t.Fatalf("rule 1 = %+v", r)
	}
	if len(c.Amendments) != 1 || c.Amendments[0].Date.String() != "2026-04-27" {
		t.Fatalf("amendments = %+v", c.Amendments)
	}
}

// TestCanonicalRoundTrip checks that the canonical YAML and the JSON form
// both re-parse to an equal contract and that canonical form is a fixed point.
func TestCanonicalRoundTrip(t *testing.T) {
	docs := []string{readFile(t, demoPath), tieredDoc, dealDoc}
	for _, doc := range docs {
		c := mustParse(t, doc)
		canon := c.Canonical()
		c2 := mustParse(t, string(canon))
		if !reflect.DeepEqual(c.document(), c2.document()) {
			t.Fatalf("YAML round trip differs:\n%s", canon)
		}
		if string(c2.Canonical()) != string(canon) {
			t.Fatalf("canonical form is not a fixed point:\n%s\n---\n%s", canon, c2.Canonical())
		}
		j, err := c.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		c3 := mustParse(t, string(j))
		if !reflect.DeepEqual(c.document(), c3.document()) {
			t.Fatalf("JSON round trip differs:\n%s", j)
		}
	}
}

const tieredDoc = `
id: tiered
currency: JPY
timezone: America/New_York
period: quarter
rounding: half_even
parties: [a, b]
rules:
  - id: t
    payer: a
    payee: b
    match: {product: [x, y], region: eu}
    tiers: [{up_to: 1000000, rate: 0.20}, {up_to: "2000000", rate: "0.15"}, {rate: 0.1}]
    tier_window: lifetime
    until: 2027-01-01
    cap: {per_year: "500", per_period: 100}
    minimum: {per_year: "10"}
    fx_rule: period_end
`

func TestParseExactDecimals(t *testing.T) {
	c := mustParse(t, tieredDoc)
	r := c.Rules[0]
	var got []string
	for _, t := range r.Tiers {
		up := "-"
		if t.UpTo != nil {
			up = t.UpTo.String()
		}
		got = append(got, up+"@"+t.Rate.String())
	}
	if strings.Join(got, " ") != "1000000@0.2 2000000@0.15 -@0.1" {
		t.Fatalf("tiers = %v", got)
	}
	if c.Location().String() != "America/New_York" || c.Period != ledger.Quarter || c.Rounding != ledger.HalfEven ||
		r.TierWindow != TierLifetime || r.FXRule != FXPeriodEnd || r.Minimum.PerYear.String() != "10" {
		t.Fatalf("contract = %+v rule = %+v", c, r)
	}
	// A rate with more digits than a float64 holds is kept exactly.
	c = mustParse(t, strings.Replace(tieredDoc, "rate: 0.1}", `rate: 0.100000000000000001}`, 1))
	if s := c.Rules[0].Tiers[2].Rate.String(); s != "0.100000000000000001" {
		t.Fatalf("rate = %s", s)
	}
}

func TestParseDefaults(t *testing.T) {
	c := mustParse(t, "{id: x, currency: EUR, parties: [a, b], rules: [{id: r, payer: a, payee: b, rate: '0.5'}]}")
	r := c.Rules[0]
	if c.Timezone != "UTC" || c.Period != ledger.Month || c.Rounding != ledger.HalfUp || r.TierWindow != TierYear || r.FXRule != FXEventDate ||
		!r.From.IsZero() || !r.Until.IsZero() || len(c.Amendments) != 0 {
		t.Fatalf("defaults: %+v %+v", c, r)
	}
}

// flowList returns a YAML flow list of n copies of item.
func flowList(n int, item string) string {
	return "[" + strings.TrimSuffix(strings.Repeat(item+", ", n), ", ") + "]"
}

// TestParseErrors is the table of bad documents with their exact error text.
func TestParseErrors(t *testing.T) {
	const head = "id: c\ncurrency: USD\nparties: [a, b]\nrules:\n  - id: r\n    payer: a\n    payee: b\n"
	const listsHead = "id: c\ncurrency: USD\nparties: [a, b, c]\n"
	listsRule := func(rest string) string {
		return listsHead + "rules:\n  - {id: r, payer: a, payee: b, rate: 0.1}\n" + rest
	}
	tests := []struct {
		name, doc, want string
	}{
		{"rate above 1", head + "    rate: 1.5\n", "rules[0].rate: 1.5 is outside [0, 1] (a rate is a fraction: if 1.5% is meant, write 0.015)"},
		{"rate as a percentage number", head + "    rate: 20\n", "rules[0].rate: 20 is outside [0, 1] (a rate is a fraction: if 20% is meant, write 0.2)"},
		{"rate above 100", head + "    rate: 150\n", "rules[0].rate: 150 is outside [0, 1]"},
		{"tier rate as a percentage", head + "    tiers: [{rate: '12.5%'}]\n", `rules[0].tiers[0].rate: "12.5%": a rate is a fraction, not a percentage: write 0.125`},
		{"rate negative", head + "    rate: '-0.2'\n", "rules[0].rate: -0.2 is outside [0, 1]"},
		{"rate as a percentage", head + "    rate: 20%\n", `rules[0].rate: "20%": a rate is a fraction, not a percentage: write 0.2`},
		{"rate not a number", head + "    rate: 20 pct\n", `rules[0].rate: "20 pct": not a decimal number (want digits, an optional leading '-' and one '.', as in -1234.50)`},
		{"rate is a float special", head + "    rate: .nan\n", `rules[0].rate: ".nan": not a decimal number (want digits, an optional leading '-' and one '.', as in -1234.50)`},
		{"rate with an exponent", head + "    rate: 2e-1\n", `rules[0].rate: "2e-1": not a decimal number (exponents are not allowed)`},
		{"rate without a leading digit", head + "    rate: .2\n", `rules[0].rate: ".2": not a decimal number (want digits before the decimal point, as in 0.50)`},
		{"cap with a plus", head + "    rate: '0.1'\n    cap: {total: '+5'}\n", `rules[0].cap.total: "+5": not a decimal number (a leading '+' is not allowed: write 5)`},
		{"rate is a boolean", head + "    rate: true\n", "rules[0].rate: must be a decimal number"},
		{"no rate", head, "rules[0].rate: required (or tiers)"},
		{"unknown key", head + "    rate: '0.1'\n    colour: red\n",
			"rules[0].colour: unknown key (want one of id, payer, payee, payees, match, rate, tiers, tier_window, from, through, until, cap, minimum, fx_rule)"},
		{"duplicate key", head + "    rate: '0.1'\n    rate: '0.2'\n", "rules[0].rate: duplicate key"},
		{"unknown party", strings.Replace(head, "payee: b", "payee: z", 1) + "    rate: '0.1'\n", `rules[0].payee: "z" is not one of the parties (a, b)`},
		{"payer is payee", strings.Replace(head, "payee: b", "payee: a", 1) + "    rate: '0.1'\n", `rules[0].payee: "a" is also the payer: a rule needs two different parties`},
		{"through before from", head + "    rate: '0.1'\n    from: 2026-01-02\n    through: 2026-01-01\n", "rules[0].through: 2026-01-01 is before from 2026-01-02"},
		{"until at from", head + "    rate: '0.1'\n    from: 2026-01-02\n    until: 2026-01-02\n", "rules[0].until: 2026-01-02 must be after from 2026-01-02 (until is exclusive)"},
		{"through and until", head + "    rate: '0.1'\n    through: 2026-01-02\n    until: 2026-01-05\n", "rules[0].until: through and until are mutually exclusive: give one"},
		{"impossible date", head + "    rate: '0.1'\n    from: 2026-02-29\n", `rules[0].from: "2026-02-29" is not a valid date YYYY-MM-DD`},
		{"negative cap", head + "    rate: '0.1'\n    cap: {total: '-1.00'}\n", "rules[0].cap.total: -1.00 is negative"},
		{"cap below cents", head + "    rate: '0.1'\n    cap: {per_period: '1.005'}\n", "rules[0].cap.per_period: 1.005 has more decimals than USD allows (2)"},
		{"negative minimum", head + "    rate: '0.1'\n    minimum: {per_year: '-5'}\n", "rules[0].minimum.per_year: -5 is negative"},
		{"tier overlap", head + "    tiers: [{up_to: 10, rate: 0.1}, {up_to: 10, rate: 0.2}, {rate: 0.3}]\n",
			"rules[0].tiers[1].up_to: 10 must be above the previous tier's up_to 10: tiers overlap or are out of order"},
		{"tier open in the middle", head + "    tiers: [{rate: 0.1}, {rate: 0.2}]\n", "rules[0].tiers[0].up_to: required: only the last tier may omit up_to"},
		{"tier threshold zero", head + "    tiers: [{up_to: 0, rate: 0.1}, {rate: 0.2}]\n", "rules[0].tiers[0].up_to: 0 must be positive"},
		{"tier window value", head + "    tiers: [{rate: 0.1}]\n    tier_window: month\n", `rules[0].tier_window: "month" must be lifetime, year or period`},
		{"tier window without tiers", head + "    rate: 0.1\n    tier_window: year\n", "rules[0].tier_window: applies only to a rule with tiers"},
		{"rate and tiers", head + "    rate: 0.1\n    tiers: [{rate: 0.1}]\n", "rules[0].tiers: rate and tiers are mutually exclusive: give one"},
		{"fx rule", head + "    rate: 0.1\n    fx_rule: spot\n", `rules[0].fx_rule: "spot" must be event_date or period_end`},
		{"match list of lists", head + "    rate: 0.1\n    match: {seller: [[a]]}\n", "rules[0].match.seller[0]: must be a non-empty single value"},
		{"unknown currency", strings.Replace(head, "USD", "XYZ", 1) + "    rate: 0.1\n", `currency: "XYZ" is not an ISO 4217 currency code`},
		{"unknown zone", head + "    rate: 0.1\ntimezone: Europe/Atlantis\n", `timezone: "Europe/Atlantis" is not a known IANA time zone`},
		{"machine zone", head + "    rate: 0.1\ntimezone: Local\n", `timezone: "Local" is the zone of the machine that runs revshare, which differs between machines: name an IANA time zone such as UTC or Europe/Paris`},
		{"bad id", strings.Replace(head, "id: c", "id: a/b", 1) + "    rate: 0.1\n",
			`id: "a/b" is not a valid id: use 1-64 characters a-z, A-Z, 0-9, '-' and '_', starting with a letter or digit`},
		{"parties sharing an account segment", strings.Replace(head, "parties: [a, b]", "parties: [a, b, 'Open AI', open_ai]", 1) + "    rate: 0.1\n",
			`parties[3]: party "Open AI" and party "open_ai" would share the account name segment "open_ai" (lowercased, characters other than a-z, 0-9, '-', '_' and '.' become '_'): rename one`},
		{"parties differing in case", strings.Replace(head, "parties: [a, b]", "parties: [a, b, B]", 1) + "    rate: 0.1\n",
			`parties[2]: party "b" and party "B" would share the account name segment "b" (lowercased, characters other than a-z, 0-9, '-', '_' and '.' become '_'): rename one`},
		// Lists that are not lists, are empty where they must not be, or hold
		// more items than allowed.
		{"parties not a list", "id: c\ncurrency: USD\nparties: a\nrules: [{id: r, payer: a, payee: b, rate: 0.1}]\n", "parties: must be a list of party names"},
		{"too many parties", "id: c\ncurrency: USD\nparties: " + flowList(1001, "p") + "\nrules: [{id: r, payer: a, payee: b, rate: 0.1}]\n",
			"parties: has 1001 parties, at most 1000 allowed"},
		{"rules empty", listsHead + "rules: []\n", "rules: must be a non-empty list of rules"},
		{"too many rules", listsHead + "rules: " + flowList(1001, "r") + "\n", "rules: has 1001 rules, at most 1000 allowed"},
		{"tiers empty", listsHead + "rules:\n  - {id: r, payer: a, payee: b, tiers: []}\n", "rules[0].tiers: must be a non-empty list of {up_to, rate}"},
		{"too many tiers", listsHead + "rules:\n  - {id: r, payer: a, payee: b, tiers: " + flowList(101, "t") + "}\n", "rules[0].tiers: has 101 tiers, at most 100 allowed"},
		{"payees empty", listsHead + "rules:\n  - {id: r, payer: a, payees: [], rate: 0.1}\n", "rules[0].payees: must be a non-empty list of {party, share}"},
		{"too many payees", listsHead + "rules:\n  - {id: r, payer: a, rate: 0.1, payees: " + flowList(1001, "s") + "}\n", "rules[0].payees: has 1001 payees, at most 1000 allowed"},
		{"shared caps not a list", listsRule("shared_caps: {id: s}\n"), "shared_caps: must be a list of {id, rules, total, per_year, per_period}"},
		{"too many shared caps", listsRule("shared_caps: " + flowList(1001, "s") + "\n"), "shared_caps: has 1001 shared caps, at most 1000 allowed"},
		{"advances not a list", listsRule("advances: x\n"), "advances: must be a list of {id, payer, payee, date, amount, recoup_from}"},
		{"too many advances", listsRule("advances: " + flowList(1001, "v") + "\n"), "advances: has 1001 advances, at most 1000 allowed"},
		{"amendments not a list", listsRule("amendments: {date: 2026-01-01}\n"), "amendments: must be a list"},
		{"too many amendments", listsRule("amendments: " + flowList(1001, "m") + "\n"), "amendments: has 1001 amendments, at most 1000 allowed"},
		{"not a mapping", "- 1\n- 2\n", "must be a mapping"},
		{"empty", "", "empty document: want a contract mapping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc))
			if got := problemList(t, err); got != tt.want {
				t.Fatalf("problems:\n%s\nwant:\n%s", got, tt.want)
			}
			if ledger.ErrorCode(err) != ledger.EINVALID || ledger.ErrorMessage(err) != err.Error() {
				t.Fatalf("code %q message %q", ledger.ErrorCode(err), ledger.ErrorMessage(err))
			}
		})
	}
}

// TestInvalidCorpus parses every document under testdata/contracts/invalid
// and compares the full error text with its .golden file.
func TestInvalidCorpus(t *testing.T) {
	files, err := filepath.Glob("../testdata/contracts/invalid/*.*")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, ".golden") {
			continue
		}
		n++
		t.Run(filepath.Base(f), func(t *testing.T) {
			_, err := Parse([]byte(readFile(t, f)))
			if err == nil {
				t.Fatal("parsed without error")
			}
			golden := strings.TrimSuffix(f, filepath.Ext(f)) + ".golden"
			got := err.Error() + "\n"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if want := readFile(t, golden); got != want {
				t.Fatalf("error:\n%s\nwant:\n%s", got, want)
			}
		})
	}
	if n < 10 {
		t.Fatalf("only %d invalid documents", n)
	}
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const dealDoc = `
id: deal
currency: USD
parties: [label, artist, producer]
rules:
  - id: record
    payer: label
    payees:
      - {party: artist, share: "0.75"}
      - {party: producer, share: 0.25}
    rate: "0.20"
  - id: sync
    payer: label
    payee: artist
    rate: "0.5"
shared_caps:
  - id: all-label
    rules: [record, sync]
    total: "1000.00"
    per_year: 600
advances:
  - id: signing
    payer: label
    payee: artist
    date: 2026-01-15
    amount: "300.00"
    recoup_from: [record, sync]
`

func TestParseSplitsSharedCapsAdvances(t *testing.T) {
	c := mustParse(t, dealDoc)
	r := c.Rule("record")
	if r.Payee != "" || len(r.Payees) != 2 || r.Payees[0].Party != "artist" || r.Payees[0].Share.String() != "0.75" ||
		r.Payees[1].Party != "producer" || r.Payees[1].Share.String() != "0.25" {
		t.Fatalf("record = %+v", r)
	}
	if got := strings.Join(r.PayeeParties(), ","); got != "artist,producer" || !r.Pays("producer") || r.Pays("label") {
		t.Fatalf("PayeeParties = %s", got)
	}
	if got := strings.Join(c.Rule("sync").PayeeParties(), ","); got != "artist" {
		t.Fatalf("sync PayeeParties = %s", got)
	}
	if len(c.SharedCaps) != 1 {
		t.Fatalf("shared caps = %+v", c.SharedCaps)
	}
	sc := c.SharedCaps[0]
	if sc.ID != "all-label" || strings.Join(sc.Rules, ",") != "record,sync" || sc.Cap.Total.String() != "1000" || sc.Cap.PerYear.String() != "600" || sc.Cap.PerPeriod != nil {
		t.Fatalf("shared cap = %+v", sc)
	}
	if got := fmt.Sprint(sc.Caps()); got != "[{per_year 600} {total 1000}]" {
		t.Fatalf("shared cap limits = %s", got)
	}
	if len(c.Advances) != 1 {
		t.Fatalf("advances = %+v", c.Advances)
	}
	a := c.Advances[0]
	if a.ID != "signing" || a.Payer != "label" || a.Payee != "artist" || a.Date.String() != "2026-01-15" || ledger.FormatAmount(a.Amount) != "300.00" ||
		strings.Join(a.RecoupFrom, ",") != "record,sync" || c.Advance("signing") != &c.Advances[0] || c.Advance("x") != nil {
		t.Fatalf("advance = %+v", a)
	}
	canon := string(c.Canonical())
	for _, want := range []string{
		"    payees:\n      - party: artist\n        share: \"0.75\"\n      - party: producer\n        share: \"0.25\"\n",
		"shared_caps:\n  - id: all-label\n    rules: [record, sync]\n    total: \"1000.00\"\n    per_year: \"600\"\n",
		"advances:\n  - id: signing\n    payer: label\n    payee: artist\n    date: \"2026-01-15\"\n    amount: \"300.00\"\n    recoup_from: [record, sync]\n",
	} {
		if !strings.Contains(canon, want) {
			t.Fatalf("canonical form lacks %q:\n%s", want, canon)
		}
	}
	if strings.Contains(canon, "payee: \"\"") {
		t.Fatalf("canonical form has an empty payee:\n%s", canon)
	}
}

// problemList is err's problems, one a line; err must be a *ValidationError.
func problemList(t *testing.T, err error) string {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want a *ValidationError", err)
	}
	var got []string
	for _, p := range ve.Problems {
		got = append(got, p.String())
	}
	return strings.Join(got, "\n")
}
