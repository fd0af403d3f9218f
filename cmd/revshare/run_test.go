package main

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/contracts/books"
	"github.com/revshare/revshare/ledger/sqlite"
	"github.com/revshare/revshare/ledger/storetest"
	"github.com/revshare/revshare/reports"
)

// cli runs revshare against db and fails the test on error.
func cli(t *testing.T, db string, args ...string) string {
	t.Helper()
	out, errOut, err := runCLI(t, append([]string{"--db", db}, args...)...)
	if err != nil {
		t.Fatalf("revshare %s: %v\n%s", strings.Join(args, " "), err, errOut)
	}
	return out
}

// statementJSON is the statement of the runs fixture's contract small.
func statementJSON(t *testing.T, db, period string) (reports.Statement, string) {
	t.Helper()
	return statementJSONOf(t, db, "small", period)
}

// TestRunLifecycle follows the hand-computed case of testdata/runs through
// runs, a close, a payment and a late refund that reopens a closed period's
// numbers by a prior-period adjustment.
func TestRunLifecycle(t *testing.T) { onBothBackends(t, testRunLifecycle) }

func testRunLifecycle(t *testing.T, newDB newDB) {
	db := newDB(t)
	addRunsFixture(t, db)

	// r1 Jan 20.00; r2 Jan 4.00; r1 Feb: gross 40.00 cut by the total cap to 30.00.
	if got := cli(t, db, "run", "--through", "2026-02"); got != "run small through 2026-02: 3 entries booked (0 prior-period adjustments)\n" {
		t.Fatalf("first run: %q", got)
	}
	if got := cli(t, db, "run", "--through", "2026-02"); got != "run small through 2026-02: 0 entries booked (0 prior-period adjustments); the books already hold what the rules compute, nothing new to book\n" {
		t.Fatalf("second run: %q", got)
	}
	feb, _ := statementJSON(t, db, "2026-02")
	r1 := feb.Rules[0]
	if r1.Base != "200.00" || r1.Gross != "40.00" || r1.Obligation != "30.00" || feb.Status != "draft" {
		t.Fatalf("Feb r1 = %+v", r1)
	}
	if c := r1.Caps[0]; c != (reports.CapLine{Kind: "total", Limit: "50.00", ConsumedBefore: "20.00", Applied: "30.00", RemainingAfter: "0.00", Binds: true}) {
		t.Fatalf("Feb cap = %+v", c)
	}

	cli(t, db, "close", "2026-01")
	jan, janBytes := statementJSON(t, db, "2026-01")
	wantPair := reports.Pair{Payer: "openai", Payee: "microsoft", Obligations: "20.00", ReverseObligations: "4.00", Net: "16.00",
		OpeningBalance: "0.00", Payments: "0.00", ClosingBalance: "16.00"}
	if jan.Status != "final" || len(jan.Pairs) != 1 || jan.Pairs[0] != wantPair || jan.Hash == "" {
		t.Fatalf("Jan statement = %+v", jan)
	}

	cli(t, db, "pay", "--contract", "small", "--payer", "openai", "--payee", "microsoft", "--amount", "16.00", "--date", "2026-02-10")
	// A refund dated in closed January posts late; the run corrects January in February.
	cli(t, db, "import", "usage", "../../testdata/runs/late.csv")
	if got := cli(t, db, "run", "--through", "2026-02"); got != "run small through 2026-02: 2 entries booked (1 prior-period adjustment)\n" {
		t.Fatalf("run after late event: %q", got)
	}
	if _, again := statementJSON(t, db, "2026-01"); again != janBytes {
		t.Fatalf("final January statement changed:\n%s\nwas\n%s", again, janBytes)
	}
	feb, _ = statementJSON(t, db, "2026-02")
	r1 = feb.Rules[0]
	if r1.Obligation != "40.00" || r1.Caps[0].ConsumedBefore != "10.00" || r1.Caps[0].RemainingAfter != "0.00" || r1.Caps[0].Binds {
		t.Fatalf("Feb r1 after late event = %+v", r1)
	}
	if len(r1.Adjustments) != 1 || r1.Adjustments[0].Period != "2026-01" || r1.Adjustments[0].BaseDelta != "-50.00" || r1.Adjustments[0].ObligationDelta != "-10.00" {
		t.Fatalf("Feb adjustments = %+v", r1.Adjustments)
	}
	if r2 := feb.Rules[1]; r2.Rule != "r2" || r2.Base != "0.00" || r2.Obligation != "0.00" {
		t.Fatalf("Feb r2 (ended 2026-02-15, e4 after it) = %+v", r2)
	}
	// Booked in Feb: 30.00 accrual + (-10.00) adjustment + 10.00 top-up = 30.00.
	wantPair = reports.Pair{Payer: "openai", Payee: "microsoft", Obligations: "30.00", ReverseObligations: "0.00", Net: "30.00",
		OpeningBalance: "16.00", Payments: "16.00", ClosingBalance: "30.00"}
	if feb.Pairs[0] != wantPair {
		t.Fatalf("Feb pair = %+v", feb.Pairs[0])
	}
	// The closing balance is the ledger's net payable at the period's end.
	var tb struct {
		Accounts []struct{ Account, Balance string }
	}
	if err := json.Unmarshal([]byte(cli(t, db, "balance", "--as-of", "2026-02-28", "--format", "json")), &tb); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, a := range tb.Accounts {
		got[a.Account] = a.Balance
	}
	if got["liabilities:revshare:openai:microsoft:small"] != "-34.00" || got["liabilities:revshare:microsoft:openai:small"] != "-4.00" {
		t.Fatalf("payables = %v", got)
	}
	if out := cli(t, db, "verify"); !strings.HasPrefix(out, "ok: ") {
		t.Fatalf("verify: %s", out)
	}
	// Golden renderings, small enough to check by hand against the numbers above.
	for _, format := range []string{"json", "md"} {
		got := cli(t, db, "statement", "small", "2026-02", "--format", format)
		checkGolden(t, "../../testdata/runs/statement-2026-02."+format, got, *updateRunGolden, "update-run")
	}
}

var updateRunGolden = flag.Bool("update-run", false, "rewrite testdata/runs/statement-2026-02.{json,md} from the current output")

// TestConcurrentRunsBookOnce starts runs on separate connections at once:
// they serialize on the write lock and the books hold each booking once.
func TestConcurrentRunsBookOnce(t *testing.T) {
	path := newRunsBook(t)
	ctx := context.Background()
	through := storetest.D("2026-02-28")
	var wg sync.WaitGroup
	booked := make([]int, 4)
	for i := range booked {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := sqlite.Open(ctx, path, nil)
			if err != nil {
				t.Error(err)
				return
			}
			defer db.Close()
			res, err := books.Service{Store: db.Books()}.Run(ctx, through)
			if err != nil {
				t.Error(err)
				return
			}
			booked[i] = res.Contracts[0].Entries
		}()
	}
	wg.Wait()
	total := 0
	for _, n := range booked {
		total += n
	}
	if total != 3 {
		t.Fatalf("runs booked %v entries in all, want 3 once", booked)
	}
	feb, _ := statementJSON(t, path, "2026-02")
	if feb.Rules[0].Obligation != "30.00" || feb.Rules[0].Caps[0].RemainingAfter != "0.00" {
		t.Fatalf("Feb r1 = %+v", feb.Rules[0])
	}
}

func TestPayRefusesBadInput(t *testing.T) { onBothBackends(t, testPayRefusesBadInput) }

func testPayRefusesBadInput(t *testing.T, newDB newDB) {
	db := newDB(t)
	cli(t, db, "contract", "add", "../../testdata/runs/contract.yaml")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--payer", "openai", "--payee", "microsoft", "--amount", "16.001", "--date", "2026-02-10"}, "revshare: payment amount 16.001: more decimals than USD allows\n"},
		{[]string{"--payer", "openai", "--payee", "nobody", "--amount", "1", "--date", "2026-02-10"}, "revshare: payment openai -> nobody: nobody is not a party of contract small (its parties: openai, microsoft)\n"},
		{[]string{"--payer", "openai", "--payee", "msft", "--amount", "1", "--date", "2026-02-10"}, "revshare: payment openai -> msft: msft is not a party of contract small (its parties: openai, microsoft)\n"},
		{[]string{"--payer", "openai", "--payee", "microsoft", "--amount", "-1", "--date", "2026-02-10"}, "revshare: payment amount -1: must be positive\n"},
		{[]string{"--payer", "openai", "--payee", "microsoft", "--amount", "1,000", "--date", "2026-02-10"}, "revshare: pay: --amount \"1,000\": thousands separator \",\" not allowed (write 1234.50)\n"},
		{[]string{"--payer", "openai", "--payee", "microsoft", "--amount", "NaN", "--date", "2026-02-10"}, "revshare: pay: --amount \"NaN\": NaN and infinity are not amounts\n"},
		// One decimal grammar (ledger.ParseDecimal), the importer's: pay
		// accepted these before.
		{[]string{"--payer", "openai", "--payee", "microsoft", "--amount", "1e3", "--date", "2026-02-10"}, "revshare: pay: --amount \"1e3\": not a decimal number (exponents are not allowed)\n"},
		{[]string{"--payer", "openai", "--payee", "microsoft", "--amount", "+5", "--date", "2026-02-10"}, "revshare: pay: --amount \"+5\": not a decimal number (a leading '+' is not allowed: write 5)\n"},
		{[]string{"--payer", "openai", "--payee", "microsoft", "--amount", ".5", "--date", "2026-02-10"}, "revshare: pay: --amount \".5\": not a decimal number (want digits before the decimal point, as in 0.50)\n"},
		{[]string{"--payer", "openai", "--payee", "microsoft", "--amount", "5.", "--date", "2026-02-10"}, "revshare: pay: --amount \"5.\": not a decimal number (want digits after the decimal point)\n"},
		{[]string{"--payer", "openai", "--payee", "microsoft", "--amount", "1234567890123456789", "--date", "2026-02-10"}, "revshare: pay: --amount \"1234567890123456789\": more than 18 digits before the decimal point\n"},
		{[]string{"--payer", "openai", "--payee", "microsoft", "--amount", "1", "--date", "2026-02-30"}, "revshare: pay: --date: invalid date \"2026-02-30\": not a calendar date (2026-02 has 28 days)\n"},
		{[]string{"--payer", "openai", "--payee", "microsoft", "--amount", "1", "--date", "0999-12-31"}, "revshare: payment date 0999-12-31: out of range: years 1000 to 9999\n"},
	}
	for _, tt := range tests {
		_, errOut, err := runCLI(t, append([]string{"--db", db, "pay", "--contract", "small"}, tt.args...)...)
		if err == nil || errOut != tt.want {
			t.Errorf("pay %v: err %v, stderr %q, want %q", tt.args, err, errOut, tt.want)
		}
	}
	if got := cli(t, db, "verify"); !strings.HasPrefix(got, "ok: 0 entries") {
		t.Errorf("a refused payment wrote something: %s", got)
	}
}

// TestAdjustmentReasons: a prior-period adjustment says what changed — an
// amendment of the contract (same base), or the base and the contract
// together.
func TestAdjustmentReasons(t *testing.T) { onBothBackends(t, testAdjustmentReasons) }

func testAdjustmentReasons(t *testing.T, newDB newDB) {
	dir := t.TempDir()
	db := bookedRunsBook(t, newDB)
	cli(t, db, "close", "2026-01")
	amended := runsContractEdited(t, dir, "amended.yaml", replaceOnce(`rate: "0.20"`, `rate: "0.25"`))
	cli(t, db, "contract", "update", amended)
	cli(t, db, "run", "--through", "2026-02")
	feb, _ := statementJSON(t, db, "2026-02")
	adj := feb.Rules[0].Adjustments
	// January: 100.00 × 0.25 = 25.00 instead of 20.00, same base.
	if len(adj) != 1 || adj[0].Period != "2026-01" || adj[0].ObligationDelta != "5.00" || adj[0].BaseDelta != "0.00" ||
		adj[0].Reason != "the contract changed (version 1 to 2)" {
		t.Fatalf("amendment adjustment: %+v", adj)
	}
	// A late January event under the amended terms, booked in the same
	// open period: the statement has one item per corrected period (spec
	// section 4 step 8), so both bookings merge into one: +5.00 for the
	// terms and +2.00 for the base (8.00 × 0.25), base and terms changed.
	late := filepath.Join(dir, "late.csv")
	if err := os.WriteFile(late, []byte("event_id,occurred_at,seller,channel,product,amount,currency\nx1,2026-01-15,openai,direct,api,8.00,USD\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cli(t, db, "import", "usage", late)
	cli(t, db, "run", "--through", "2026-02")
	feb, _ = statementJSON(t, db, "2026-02")
	adj = feb.Rules[0].Adjustments
	if len(adj) != 1 || adj[0].Period != "2026-01" || adj[0].ObligationDelta != "7.00" || adj[0].BaseDelta != "8.00" ||
		adj[0].Reason != "its base changed by 8.00 (events imported after it was booked: late events or corrections); the contract changed (version 1 to 2)" {
		t.Fatalf("late-event adjustment: %+v", adj)
	}
}

// TestPayReportsDueAndWarns: pay prints the amount with the currency's minor
// units and what remains due; it warns on an overpayment and a payment
// dated after today (the test clock says 2026-03-01), and refuses a date in
// a closed period without internal keys. testdata/runs books openai ->
// microsoft 50.00 and microsoft -> openai 4.00 through 2026-02.
func TestPayReportsDueAndWarns(t *testing.T) { onBothBackends(t, testPayReportsDueAndWarns) }

func testPayReportsDueAndWarns(t *testing.T, newDB newDB) {
	db := bookedRunsBook(t, newDB)
	cli(t, db, "close", "2026-01")
	pay := func(args ...string) []string {
		return append([]string{"--db", db, "pay", "--contract", "small"}, args...)
	}
	tests := []struct {
		args           []string
		stdout, stderr string
	}{
		{pay("--payer", "openai", "--payee", "microsoft", "--amount", "16", "--date", "2026-02-10"),
			"payment openai -> microsoft 16.00 USD on 2026-02-10: entry 8\nnow due under small: openai owes microsoft 30.00 USD (as booked so far)\n", ""},
		{pay("--payer", "openai", "--payee", "microsoft", "--amount", "1030", "--date", "2026-03-05"),
			"payment openai -> microsoft 1,030.00 USD on 2026-03-05: entry 9\nnow due under small: microsoft owes openai 1,000.00 USD (as booked so far)\n",
			"revshare: warning: overpayment: openai owed microsoft 30.00 USD under small as booked so far (revshare run), and paid 1,030.00 USD\n" +
				"revshare: warning: the payment is dated 2026-03-05, after today (2026-03-01)\n"},
		{pay("--payer", "microsoft", "--payee", "openai", "--amount", "1000.00", "--date", "2026-02-11"),
			"payment microsoft -> openai 1,000.00 USD on 2026-02-11: entry 10\nnow due under small: nothing, microsoft and openai are settled as booked so far\n", ""},
		{pay("--payer", "openai", "--payee", "microsoft", "--amount", "1", "--date", "2026-01-20"),
			"", "revshare: payment date 2026-01-20 is in a closed period (the books are closed through 2026-01-31): date the payment on the day it was made, after 2026-01-31\n"},
	}
	for _, tt := range tests {
		out, errOut, _ := runCLI(t, tt.args...)
		if out != tt.stdout || errOut != tt.stderr {
			t.Errorf("revshare %s:\nstdout %q\nwant   %q\nstderr %q\nwant   %q", strings.Join(tt.args[2:], " "), out, tt.stdout, errOut, tt.stderr)
		}
	}
	out := cli(t, db, "pay", "--contract", "small", "--payer", "openai", "--payee", "microsoft", "--amount", "2.5", "--date", "2026-02-12", "--format", "json")
	want := `{
  "contract": "small",
  "payer": "openai",
  "payee": "microsoft",
  "amount": "2.50",
  "currency": "USD",
  "date": "2026-02-12",
  "reference": "` + contracts.PaymentKey("small", "openai", "microsoft", storetest.Dec("2.50"), storetest.D("2026-02-12")) + `",
  "entry": 11,
  "due_after": {
    "payer": "microsoft",
    "payee": "openai",
    "amount": "2.50"
  },
  "warnings": [
    "overpayment: openai owed microsoft nothing under small as booked so far (revshare run), and paid 2.50 USD"
  ]
}
`
	if out != want {
		t.Errorf("pay --format json:\n%s\nwant:\n%s", out, want)
	}
}

// TestPayAgainRecordsNothing: paying again with the same reference (given,
// or derived from the payment when none is given) records nothing and says
// so, without an overpayment warning; the same reference for another
// payment is refused naming the entry it already is, in a closed period too.
func TestPayAgainRecordsNothing(t *testing.T) { onBothBackends(t, testPayAgainRecordsNothing) }

func testPayAgainRecordsNothing(t *testing.T, newDB newDB) {
	db := bookedRunsBook(t, newDB)
	pay := func(args ...string) []string {
		return append([]string{"--db", db, "pay", "--contract", "small", "--payer", "openai", "--payee", "microsoft"}, args...)
	}
	auto := contracts.PaymentKey("small", "openai", "microsoft", storetest.Dec("46"), storetest.D("2026-02-12"))
	settled := "now due under small: nothing, openai and microsoft are settled as booked so far\n"
	tests := []struct {
		args           []string
		stdout, stderr string
	}{
		{pay("--amount", "46.00", "--date", "2026-02-12"),
			"payment openai -> microsoft 46.00 USD on 2026-02-12: entry 8\n" + settled, ""},
		{pay("--amount", "46", "--date", "2026-02-12"),
			"payment openai -> microsoft 46.00 USD on 2026-02-12 was already recorded as entry 8 (reference " + auto + "): nothing new recorded\n" + settled, ""},
		{pay("--amount", "5", "--date", "2026-02-13", "--reference", "WIRE-1"),
			"payment openai -> microsoft 5.00 USD on 2026-02-13: entry 9\nnow due under small: microsoft owes openai 5.00 USD (as booked so far)\n",
			"revshare: warning: overpayment: openai owed microsoft nothing under small as booked so far (revshare run), and paid 5.00 USD\n"},
		{pay("--amount", "5.00", "--date", "2026-02-13", "--reference", "WIRE-1"),
			"payment openai -> microsoft 5.00 USD on 2026-02-13 was already recorded as entry 9 (reference WIRE-1): nothing new recorded\nnow due under small: microsoft owes openai 5.00 USD (as booked so far)\n", ""},
		{pay("--amount", "6", "--date", "2026-02-13", "--reference", "WIRE-1"),
			"", "revshare: payment reference WIRE-1 is already entry 9 (openai -> microsoft 5.00 USD on 2026-02-13): a different payment needs a reference of its own\n"},
	}
	check := func() {
		t.Helper()
		for _, tt := range tests {
			out, errOut, _ := runCLI(t, tt.args...)
			if out != tt.stdout || errOut != tt.stderr {
				t.Errorf("revshare %s:\nstdout %q\nwant   %q\nstderr %q\nwant   %q", strings.Join(tt.args[2:], " "), out, tt.stdout, errOut, tt.stderr)
			}
		}
	}
	check()
	// Closed through February: re-running the same commands gives the same
	// answers (the first two now both replays), not "in a closed period".
	cli(t, db, "close", "2026-02")
	replay := strings.Replace(tests[1].stdout, settled, "now due under small: microsoft owes openai 5.00 USD (as booked so far)\n", 1)
	tests[0].stdout, tests[1].stdout = replay, replay
	tests[2].stdout, tests[2].stderr = tests[3].stdout, ""
	check()
	out := cli(t, db, "pay", "--contract", "small", "--payer", "openai", "--payee", "microsoft", "--amount", "5", "--date", "2026-02-13", "--reference", "WIRE-1", "--format", "json")
	if !strings.Contains(out, `"reference": "WIRE-1",
  "entry": 9,
  "already_recorded": true,`) {
		t.Errorf("pay --format json again:\n%s", out)
	}
}

// TestRunThroughEarlierPeriodSaysSo: a run through January after February
// was booked evaluates through February (the later bookings stay current)
// and says so instead of "through 2026-01".
func TestRunThroughEarlierPeriodSaysSo(t *testing.T) {
	onBothBackends(t, testRunThroughEarlierPeriodSaysSo)
}

func testRunThroughEarlierPeriodSaysSo(t *testing.T, newDB newDB) {
	db := bookedRunsBook(t, newDB)
	cli(t, db, "import", "usage", "../../testdata/runs/late.csv")
	got := cli(t, db, "run", "--through", "2026-01")
	if !strings.HasPrefix(got, "run small through 2026-02 (asked 2026-01; 2026-02 is booked already and kept current): ") {
		t.Errorf("run --through 2026-01: %q", got)
	}
}

// TestRunThroughPeriodNotEnded: a run through a period that has not ended
// (the test's today is 2026-03-01) says so and what the books hold,
// instead of a bare "0 entries booked" or "the books already hold what the
// rules compute"; a period under way is still booked from the usage
// imported so far (spec section 5: open periods are brought to the
// computed value), and the JSON carries the same note.
func TestRunThroughPeriodNotEnded(t *testing.T) {
	onBothBackends(t, testRunThroughPeriodNotEnded)
}

func testRunThroughPeriodNotEnded(t *testing.T, newDB newDB) {
	db := bookedRunsBook(t, newDB)
	before := cli(t, db, "balance", "--format", "json")
	if got, want := cli(t, db, "run", "--through", "2026-06"), "run small through 2026-06: 0 entries booked (0 prior-period adjustments); nothing to book: 2026-06 has not ended (today is 2026-03-01), and the books already hold the usage imported so far (the last period that has ended is 2026-02)\n"; got != want {
		t.Errorf("run --through 2026-06:\n got %q\nwant %q", got, want)
	}
	if after := cli(t, db, "balance", "--format", "json"); after != before {
		t.Errorf("a run that booked nothing changed the balance:\n%s\n%s", before, after)
	}
	var res contracts.RunResult
	if err := json.Unmarshal([]byte(cli(t, db, "run", "--through", "2026-Q2", "--format", "json")), &res); err != nil {
		t.Fatal(err)
	}
	if want := "nothing to book: 2026-06 has not ended (today is 2026-03-01), and the books already hold the usage imported so far (the last period that has ended is 2026-02)"; len(res.Contracts) != 1 || res.Contracts[0].Note != want {
		t.Errorf("run --through 2026-Q2 --format json: %+v\nwant note %q", res, want)
	}
	// Usage of the month under way is booked, with the same warning (a
	// refund: r1's cap is used up, r2 has ended).
	csv := filepath.Join(t.TempDir(), "march.csv")
	if err := os.WriteFile(csv, []byte("event_id,occurred_at,seller,channel,product,amount,currency\ne6,2026-03-01,openai,direct,api,-10.00,USD\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cli(t, db, "import", "usage", csv)
	if got, want := cli(t, db, "run", "--through", "2026-03"), "run small through 2026-03: 1 entry booked (0 prior-period adjustments); 2026-03 has not ended (today is 2026-03-01): from 2026-03 on the books hold the usage imported so far, which will change as more arrives (the last period that has ended is 2026-02)\n"; got != want {
		t.Errorf("run --through 2026-03:\n got %q\nwant %q", got, want)
	}
	// A period that has ended says nothing of the kind.
	if got, want := cli(t, db, "run", "--through", "2026-01"), "run small through 2026-03 (asked 2026-01; 2026-03 is booked already and kept current): 0 entries booked (0 prior-period adjustments); the books already hold what the rules compute, nothing new to book\n"; got != want {
		t.Errorf("run --through 2026-01:\n got %q\nwant %q", got, want)
	}
}
