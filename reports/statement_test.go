package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestNewPairOrientation(t *testing.T) {
	tests := []struct {
		name   string
		flows  PairFlows
		aFirst bool
		want   Pair
	}{
		{
			name: "advances recouped: closing = opening + net - payments - recouped, signed by the orientation",
			flows: PairFlows{A: "openai", B: "microsoft", Booked: dec("1"), ReverseBook: dec("5"), Paid: dec("-2"), Opening: dec("-3"),
				Recouped: dec("-1.50"), HasAdvances: true},
			aFirst: true,
			want:   Pair{"microsoft", "openai", "5.00", "1.00", "4.00", "3.00", "2.00", "1.50", "3.50"},
		},
		{
			name:   "A owes more: A is the payer",
			flows:  PairFlows{A: "openai", B: "microsoft", Booked: dec("20"), ReverseBook: dec("4"), Paid: dec("0"), Opening: dec("0")},
			aFirst: true,
			want:   Pair{"openai", "microsoft", "20.00", "4.00", "16.00", "0.00", "0.00", "", "16.00"},
		},
		{
			name:   "B owes more: the pair turns around, signs of paid and opening too",
			flows:  PairFlows{A: "openai", B: "microsoft", Booked: dec("1"), ReverseBook: dec("5"), Paid: dec("-2"), Opening: dec("-3")},
			aFirst: true,
			want:   Pair{"microsoft", "openai", "5.00", "1.00", "4.00", "3.00", "2.00", "", "5.00"},
		},
		{
			name:   "a tie keeps the order of parties",
			flows:  PairFlows{A: "openai", B: "microsoft", Booked: dec("0"), ReverseBook: dec("0"), Paid: dec("0"), Opening: dec("7")},
			aFirst: true,
			want:   Pair{"openai", "microsoft", "0.00", "0.00", "0.00", "7.00", "0.00", "", "7.00"},
		},
		{
			name:   "a tie with B first in parties",
			flows:  PairFlows{A: "openai", B: "microsoft", Booked: dec("0"), ReverseBook: dec("0"), Paid: dec("0"), Opening: dec("7")},
			aFirst: false,
			want:   Pair{"microsoft", "openai", "0.00", "0.00", "0.00", "-7.00", "0.00", "", "-7.00"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NewPair(tt.flows, tt.aFirst, "USD"); got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestStatementHashAndRenderingsAreStable(t *testing.T) {
	s := &Statement{Contract: "c", ContractName: "C", ContractVersion: 1, Period: PeriodInfo{"2026-01", "2026-01-01", "2026-01-31", ""},
		Status: "final", Currency: "USD", Rules: []RuleLine{}, Pairs: []Pair{}, Amendments: []Amendment{}}
	if err := s.Seal(); err != nil {
		t.Fatal(err)
	}
	h := s.Hash
	s.Status = "draft"
	if again, _ := s.ComputeHash(); again == h {
		t.Fatal("hash does not cover the status")
	}
	s.Status = "final"
	for _, f := range StatementFormats {
		var a, b bytes.Buffer
		if err := s.Render(&a, f); err != nil {
			t.Fatal(err)
		}
		if err := s.Render(&b, f); err != nil {
			t.Fatal(err)
		}
		if a.String() != b.String() || a.Len() == 0 {
			t.Errorf("%s rendering is not stable", f)
		}
	}
	var out bytes.Buffer
	if err := s.Render(&out, "pdf"); err == nil || err.Error() != `unknown statement format "pdf" (want json, csv, md or html)` {
		t.Errorf("pdf: %v", err)
	}
}

func TestAdjustmentReason(t *testing.T) {
	exact := func(d decimal.Decimal) string { return d.StringFixed(2) }
	tests := []struct {
		b    Booking
		want string
	}{
		{Booking{BaseDelta: decimal.RequireFromString("-50"), Version: 1, PrevVersion: 1},
			"its base changed by -50.00 (events imported after it was booked: late events or corrections)"},
		{Booking{Version: 3, PrevVersion: 2}, "the contract changed (version 2 to 3)"},
		{Booking{BaseDelta: decimal.RequireFromString("7.5"), Version: 2, PrevVersion: 1},
			"its base changed by 7.50 (events imported after it was booked: late events or corrections); the contract changed (version 1 to 2)"},
		{Booking{Rule: "r2", BaseDelta: decimal.RequireFromString("-40"), Version: 2, PrevVersion: 1, Change: RuleRemoved},
			"rule r2 was removed from the contract (version 2): what was booked for it goes back to zero"},
		{Booking{Payer: "a", Payee: "b", Version: 2, PrevVersion: 1, Change: PartiesLeft},
			"the rule's payer or payee changed (contract version 2): what was booked from a to b goes back to zero"},
		{Booking{Payer: "a", Payee: "c", Version: 2, PrevVersion: 2, Change: PartiesJoined},
			"the rule's payer or payee changed (contract version 2): now owed by a to c"},
		{Booking{Version: 1, PrevVersion: 1},
			"recomputed with the same base and contract version: exchange rates imported after it was booked, or caps consumed by earlier periods changed"},
	}
	for _, tt := range tests {
		if got := adjustmentReason([]Booking{tt.b}, exact); got != tt.want {
			t.Errorf("%+v:\n got %s\nwant %s", tt.b, got, tt.want)
		}
	}
}

// TestHumanFormatsGroupThousands: Markdown and HTML group amounts in
// thousands; JSON and CSV keep them plain; the statement itself (and so its
// hash) is not changed by rendering.
func TestHumanFormatsGroupThousands(t *testing.T) {
	s := &Statement{Contract: "c", ContractVersion: 1, Period: PeriodInfo{"2026-01", "2026-01-01", "2026-01-31", "UTC"},
		Status: "draft", Currency: "USD", Amendments: []Amendment{},
		Rules: []RuleLine{{Rule: "r", Payer: "a", Payee: "b", Rate: "0.20", Base: "2001447768.23", Events: 2, Gross: "400289553.646",
			Caps:       []CapLine{{Kind: "total", Limit: "38000000000.00", ConsumedBefore: "0.00", Applied: "400289553.65", RemainingAfter: "37599710446.35"}},
			Obligation: "400289553.65", MinimumTrueUp: "0.00"}},
		Pairs: []Pair{{"a", "b", "400289553.65", "0.00", "400289553.65", "-1250.00", "0.00", "", "400288303.65"}},
	}
	want := map[string][]string{
		"md":   {"| base (2 events) | 2,001,447,768.23 |", "| gross | 400,289,553.646 |", "limit 38,000,000,000.00", "| a → b | 400,289,553.65 | 0.00 | 400,289,553.65 | -1,250.00 | 0.00 | 400,288,303.65 |"},
		"html": {"2,001,447,768.23", "38,000,000,000.00", "-1,250.00"},
		"json": {`"base": "2001447768.23"`, `"limit": "38000000000.00"`, `"opening_balance": "-1250.00"`},
		"csv":  {"c,2026-01,draft,rule,r,base,2001447768.23", "c,2026-01,draft,cap,r,total:limit,38000000000.00"},
	}
	for format, lines := range want {
		var b bytes.Buffer
		if err := s.Render(&b, format); err != nil {
			t.Fatal(err)
		}
		for _, l := range lines {
			if !bytes.Contains(b.Bytes(), []byte(l)) {
				t.Errorf("%s lacks %q:\n%s", format, l, b.String())
			}
		}
		if format == "json" || format == "csv" {
			if bytes.Contains(b.Bytes(), []byte("38,000")) {
				t.Errorf("%s groups thousands:\n%s", format, b.String())
			}
		}
	}
	if s.Rules[0].Base != "2001447768.23" || s.Pairs[0].Net != "400289553.65" {
		t.Errorf("rendering changed the statement: %+v", s)
	}
}

// TestRenderSplitsSharedCapsAdvances: every format shows a split rule's
// parts, a shared cap by its id, the pairs' recouped and the advances.
func TestRenderSplitsSharedCapsAdvances(t *testing.T) {
	s := &Statement{Contract: "d", ContractVersion: 1, Period: PeriodInfo{"2026-02", "2026-02-01", "2026-02-28", "UTC"},
		Status: "draft", Currency: "USD", Amendments: []Amendment{},
		Rules: []RuleLine{{Rule: "record", Payer: "label", Rate: "0.10", Base: "1000.00", Gross: "100.00",
			Caps:       []CapLine{{Shared: "label-total", Kind: "total", Limit: "1500.00", ConsumedBefore: "1450.00", Applied: "50.00", RemainingAfter: "0.00", Binds: true}},
			Obligation: "50.00", MinimumTrueUp: "0.00",
			Splits: []Split{{Payee: "artist", Share: "0.5", Amount: "25.00"}, {Payee: "producer", Share: "0.5", Amount: "25.00"}}}},
		Pairs: []Pair{{"label", "artist", "25.00", "0.00", "25.00", "0.00", "0.00", "25.00", "0.00"}},
		Advances: &[]Advance{{ID: "adv", Payer: "label", Payee: "artist", Date: "2026-01-10", Amount: "6000.00",
			RecoupedBefore: "35.00", Recouped: "25.00", UnrecoupedAfter: "5940.00"}},
	}
	want := map[string][]string{
		"md": {"## record (label → artist, producer)", "| cap shared label-total total **binds**: limit 1,500.00", "| · split to artist (share 0.5) | 25.00 |",
			"| payer → payee | obligations | reverse | net | opening | payments | recouped | closing (due) |",
			"| label → artist | 25.00 | 0.00 | 25.00 | 0.00 | 0.00 | 25.00 | 0.00 |",
			"| adv | label → artist | 2026-01-10 | 6,000.00 | 35.00 | 25.00 | 5,940.00 |"},
		"html": {"record (label → artist, producer)", "cap shared label-total total (binds)", "· split to producer (share 0.5)", "<th>recouped</th>",
			"<td>adv</td><td>label → artist</td><td>2026-01-10</td><td class=\"num\">6,000.00</td>"},
		"json": {`"shared": "label-total"`, `"splits": [`, `"recouped": "25.00"`, `"unrecouped_after": "5940.00"`},
		"csv": {"d,2026-02,draft,cap,record,shared:label-total:total:limit,1500.00", "d,2026-02,draft,split,record,artist:amount,25.00",
			"d,2026-02,draft,pair,label->artist,recouped,25.00", "d,2026-02,draft,advance,adv,unrecouped_after,5940.00"},
	}
	for format, lines := range want {
		var b bytes.Buffer
		if err := s.Render(&b, format); err != nil {
			t.Fatal(err)
		}
		for _, l := range lines {
			if !strings.Contains(b.String(), l) {
				t.Errorf("%s lacks %q:\n%s", format, l, b.String())
			}
		}
	}
	// A statement of a contract without advances has no advances key.
	s.Advances = nil
	var b bytes.Buffer
	if err := s.Render(&b, "json"); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), `"advances"`) {
		t.Errorf("advances key without advances:\n%s", b.String())
	}
}

// TestStatementRenderingsNeutralizeStoredText: product names and parties
// from the data are inert in the Markdown statement (no raw HTML, no table
// break, no link) and in the CSV one (no formula).
func TestStatementRenderingsNeutralizeStoredText(t *testing.T) {
	s := &Statement{Contract: "c`x", ContractName: "<b>C</b>", ContractVersion: 1, Period: PeriodInfo{"2026-01", "2026-01-01", "2026-01-31", ""},
		Status: "final", Currency: "USD", Pairs: []Pair{}, Amendments: []Amendment{{Date: "2026-01-02", Note: "see [here](javascript:x)"}},
		Rules: []RuleLine{{Rule: "r", Payer: "=cmd|x", Payee: "b", Rate: "0.1", Base: "-5.00", Gross: "-0.50", Obligation: "-0.50", MinimumTrueUp: "0.00",
			BaseByProduct: []Breakdown{{Key: `<img src=x onerror="alert(1)">|x`, Base: "-5.00"}}}}}
	var md, csv bytes.Buffer
	if err := s.Render(&md, "md"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"# &lt;b&gt;C&lt;/b&gt; — 2026-01 (final)\n",
		"Contract ``c`x`` version 1",
		"## r (=cmd\\|x → b)\n",
		"| · product &lt;img src=x onerror=\"alert(1)\"&gt;\\|x | -5.00 |\n",
		"- 2026-01-02: see \\[here\\](javascript:x)\n",
	} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
	if strings.Contains(md.String(), "<img") || strings.Contains(md.String(), "<b>") {
		t.Errorf("raw HTML in markdown:\n%s", md.String())
	}
	if err := s.Render(&csv, "csv"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"c`x,2026-01,final,rule,r,payer,'=cmd|x\n",
		"c`x,2026-01,final,rule,r,base,-5.00\n",
		`c` + "`" + `x,2026-01,final,rule,r,"base:product:<img src=x onerror=""alert(1)"">|x",-5.00` + "\n",
	} {
		if !strings.Contains(csv.String(), want) {
			t.Errorf("csv lacks %q:\n%s", want, csv.String())
		}
	}
}

// TestStatementHTMLEscapesBidiControls: the HTML statement (statement
// --format html, the web view's page and download) shows a party stored
// with a bidirectional control escaped, as the Markdown one does.
func TestStatementHTMLEscapesBidiControls(t *testing.T) {
	s := &Statement{Contract: "c", ContractName: "C\u202e", ContractVersion: 1, Period: PeriodInfo{"2026-01", "2026-01-01", "2026-01-31", ""},
		Status: "final", Currency: "USD", Pairs: []Pair{{Payer: "micro\u202etfos", Payee: "b"}},
		Rules: []RuleLine{{Rule: "r", Payer: "micro\u202etfos", Payee: "b", Rate: "0.1", Base: "5.00", Gross: "0.50", Obligation: "0.50", MinimumTrueUp: "0.00"}}}
	for _, f := range []string{"html", "md"} {
		var b bytes.Buffer
		if err := s.Render(&b, f); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), `(micro\u202etfos → b)`) || strings.ContainsRune(b.String(), 0x202e) {
			t.Errorf("%s statement shows the override as stored:\n%s", f, b.String())
		}
	}
}

// TestStatementNoProduct: events without a product (an optional column)
// show as "(none)" in the statements people read, not a blank name; the
// JSON keeps the empty key.
func TestStatementNoProduct(t *testing.T) {
	s := &Statement{Contract: "c", ContractVersion: 1, Period: PeriodInfo{"2026-01", "2026-01-01", "2026-01-31", ""},
		Status: "draft", Currency: "USD", Pairs: []Pair{},
		Rules: []RuleLine{{Rule: "r", Payer: "a", Payee: "b", Rate: "0.1", Base: "5.00", Gross: "0.50", Obligation: "0.50", MinimumTrueUp: "0.00",
			BaseByProduct: []Breakdown{{Key: "", Base: "3.00"}, {Key: "api", Base: "2.00"}}}}}
	for format, want := range map[string]string{
		"md":   "| · product (none) | 3.00 |\n| · product api | 2.00 |\n",
		"html": "<tr><td>· product (none)</td><td class=\"num\">3.00</td></tr><tr><td>· product api</td>",
		"json": `"key": "",`,
	} {
		var b bytes.Buffer
		if err := s.Render(&b, format); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), want) {
			t.Errorf("%s lacks %q:\n%s", format, want, b.String())
		}
	}
}
