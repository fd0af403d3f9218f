package main

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/revshare/revshare/reports"
	"github.com/shopspring/decimal"
)

// balances parses `revshare balance --format json` into account -> balance.
func balances(t *testing.T, out string) map[string]string {
	t.Helper()
	var tb struct {
		Accounts []struct{ Account, Balance string }
	}
	if err := json.Unmarshal([]byte(out), &tb); err != nil {
		t.Fatalf("balance output: %v\n%s", err, out)
	}
	got := map[string]string{}
	for _, a := range tb.Accounts {
		got[a.Account] = a.Balance
	}
	return got
}

// queryInt returns the integer the query selects from the database at path.
func queryInt(t *testing.T, path, query string) int64 {
	t.Helper()
	db := openBook(t, path)
	defer db.Close()
	var n int64
	if err := db.Reader().QueryRow(query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// checkCaps checks that no cap line of s says more was consumed than its
// limit: consumed before + applied + remaining after = limit, remaining >= 0.
func checkCaps(t *testing.T, s reports.Statement, where string) {
	t.Helper()
	for _, r := range s.Rules {
		for _, c := range r.Caps {
			limit, before := decimal.RequireFromString(c.Limit), decimal.RequireFromString(c.ConsumedBefore)
			applied, remaining := decimal.RequireFromString(c.Applied), decimal.RequireFromString(c.RemainingAfter)
			if remaining.IsNegative() || before.GreaterThan(limit) || !before.Add(applied).Add(remaining).Equal(limit) {
				t.Errorf("%s: %s %s cap of rule %s past its limit: %+v", where, s.Contract, s.Period.Label, r.Rule, c)
			}
		}
	}
}

// writeUsage writes a usage CSV of rows (event_id, date, seller, channel, amount).
func writeUsage(t *testing.T, path string, rows [][5]string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("event_id,occurred_at,seller,channel,product,amount,currency\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "%s,%s,%s,%s,api,%s,USD\n", r[0], r[1], r[2], r[3], r[4])
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func cents(c int64) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, c/100, c%100)
}

// TestConcurrentRunProcessesBookOnce starts several `revshare run` processes
// at the same moment against one database whose total cap binds in February.
// Runs serialize on the write lock: one books the three accruals, the others
// nothing, and the cap's consumption is its limit exactly.
func TestConcurrentRunProcessesBookOnce(t *testing.T) {
	db := newRunsBook(t)
	// Events that give the runs work without changing the hand-computed
	// figures: openai revenue in March, after the cap bound in February, and
	// microsoft azure revenue after r2 ended on 2026-02-15.
	var rows [][5]string
	for i := 0; i < 3000; i++ {
		if i%2 == 0 {
			rows = append(rows, [5]string{fmt.Sprintf("m%d", i), fmt.Sprintf("2026-03-%02d", 1+i%31), "openai", "direct", cents(int64(100 + i))})
		} else {
			rows = append(rows, [5]string{fmt.Sprintf("m%d", i), fmt.Sprintf("2026-02-%02d", 16+i%13), "microsoft", "azure", cents(int64(100 + i))})
		}
	}
	filler := filepath.Join(t.TempDir(), "filler.csv")
	writeUsage(t, filler, rows)
	cli(t, db, "import", "usage", filler)
	importEntries := queryInt(t, db, `SELECT count(*) FROM entries`)

	const n = 6
	startAt := time.Now().Add(500 * time.Millisecond)
	procs := make([]*cliProc, n)
	for i := range procs {
		procs[i] = startCLI(t, startAt, db, "run", "--through", "2026-03")
	}
	booked := map[string]int{}
	for _, p := range procs {
		booked[p.mustWait(t)]++
	}
	want := map[string]int{
		"run small through 2026-03: 3 entries booked (0 prior-period adjustments)\n":                                                                     1,
		"run small through 2026-03: 0 entries booked (0 prior-period adjustments); the books already hold what the rules compute, nothing new to book\n": n - 1,
	}
	if fmt.Sprint(booked) != fmt.Sprint(want) {
		t.Fatalf("the %d runs printed %v, want %v", n, booked, want)
	}
	if got := queryInt(t, db, `SELECT count(*) FROM entries WHERE source = 'run'`); got != 3 {
		t.Errorf("%d run entries, want 3", got)
	}
	if got := queryInt(t, db, `SELECT count(*) FROM runs`); got != n {
		t.Errorf("%d runs recorded, want %d", got, n)
	}
	if got := queryInt(t, db, `SELECT count(*) FROM bookings`); got != 3 {
		t.Errorf("%d bookings, want 3", got)
	}
	bal := balances(t, cliProcess(t, db, "balance", "--format", "json"))
	for account, want := range map[string]string{
		"liabilities:revshare:openai:microsoft:small": "-50.00",
		"expenses:revshare:openai:microsoft:small":    "50.00",
		"liabilities:revshare:microsoft:openai:small": "-4.00",
		"expenses:revshare:microsoft:openai:small":    "4.00",
	} {
		if bal[account] != want {
			t.Errorf("%s = %q, want %s", account, bal[account], want)
		}
	}
	// Jan: 20% of 100.00; Feb: 40.00 cut to the 30.00 left; Mar: nothing left.
	wantCaps := map[string]reports.CapLine{
		"2026-01": {Kind: "total", Limit: "50.00", ConsumedBefore: "0.00", Applied: "20.00", RemainingAfter: "30.00"},
		"2026-02": {Kind: "total", Limit: "50.00", ConsumedBefore: "20.00", Applied: "30.00", RemainingAfter: "0.00", Binds: true},
		"2026-03": {Kind: "total", Limit: "50.00", ConsumedBefore: "50.00", Applied: "0.00", RemainingAfter: "0.00", Binds: true},
	}
	wantObligation := map[string]string{"2026-01": "20.00", "2026-02": "30.00", "2026-03": "0.00"}
	for _, period := range []string{"2026-01", "2026-02", "2026-03"} {
		var s reports.Statement
		if err := json.Unmarshal([]byte(cliProcess(t, db, "statement", "small", period, "--format", "json")), &s); err != nil {
			t.Fatal(err)
		}
		r1 := s.Rules[0]
		if r1.Rule != "r1" || len(r1.Caps) != 1 || r1.Caps[0] != wantCaps[period] || r1.Obligation != wantObligation[period] {
			t.Errorf("%s r1 = obligation %s, caps %+v; want %s, %+v", period, r1.Obligation, r1.Caps, wantObligation[period], wantCaps[period])
		}
		checkCaps(t, s, "after the concurrent runs")
	}
	if out := cliProcess(t, db, "verify"); !strings.HasPrefix(out, fmt.Sprintf("ok: %d entries,", importEntries+3)) {
		t.Errorf("verify: %s", out)
	}
}

// concurrentFiles writes the seeded usage files that
// TestConcurrentImportsAndRuns imports while runs go on.
func concurrentFiles(t *testing.T, dir string, rng *rand.Rand, files int) []string {
	t.Helper()
	var paths []string
	for f := 0; f < files; f++ {
		refunds := f%3 == 2 // every third file is mostly refunds
		var rows [][5]string
		for j := 0; j < 30+rng.Intn(40); j++ {
			date := fmt.Sprintf("2026-%02d-%02d", 1+rng.Intn(3), 1+rng.Intn(28)) // January is closed: late
			seller, channel := "openai", []string{"direct", "azure", "aws", "gcp"}[rng.Intn(4)]
			if rng.Intn(3) == 0 {
				seller, channel = "microsoft", "azure"
			}
			amount := int64(100 + rng.Intn(15000))
			if refunds && rng.Intn(4) != 0 {
				amount = -int64(100 + rng.Intn(6000))
			}
			rows = append(rows, [5]string{fmt.Sprintf("f%d-%d", f, j), date, seller, channel, cents(amount)})
		}
		path := filepath.Join(dir, fmt.Sprintf("usage-%d.csv", f))
		writeUsage(t, path, rows)
		paths = append(paths, path)
	}
	return paths
}

// normalizedStatement is a statement's JSON without what depends on how the
// bookings were split into entries: entry ids and the hash over them, and
// prior-period adjustments summed per corrected period (several runs may
// each book part of one correction). Base deltas, and the reasons that
// name them, are dropped: a booking records the base as of its run, and a
// later event may change a closed period's base without changing its
// obligation, so no new booking follows.
func normalizedStatement(t *testing.T, out string) string {
	t.Helper()
	var s reports.Statement
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	s.Hash = ""
	for i := range s.Rules {
		r := &s.Rules[i]
		r.Entries = nil
		sums := map[string]decimal.Decimal{}
		for _, a := range r.Adjustments {
			sums[a.Period] = sums[a.Period].Add(decimal.RequireFromString(a.ObligationDelta))
		}
		r.Adjustments = nil
		periods := make([]string, 0, len(sums))
		for p := range sums {
			periods = append(periods, p)
		}
		sort.Strings(periods)
		for _, p := range periods {
			if !sums[p].IsZero() {
				r.Adjustments = append(r.Adjustments, reports.Adjustment{Period: p, ObligationDelta: sums[p].StringFixed(2)})
			}
		}
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestConcurrentImportsAndRuns interleaves, across concurrent processes,
// imports of more usage (revenue past the cap, late events in closed
// January, refunds) with runs through random periods, in a seeded random
// order, while other processes watch the books: the payable under the capped
// rule never exceeds the cap. A last run then leaves the same books and
// statements as importing everything first and running once.
//
// REVSHARE_CONCURRENT_SEED fixes the seed (printed on failure).
func TestConcurrentImportsAndRuns(t *testing.T) {
	seed := time.Now().UnixNano()
	if s := os.Getenv("REVSHARE_CONCURRENT_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	t.Logf("seed %d (reproduce with REVSHARE_CONCURRENT_SEED=%d)", seed, seed)
	rng := rand.New(rand.NewSource(seed))
	dir := t.TempDir()
	files := concurrentFiles(t, dir, rng, 6)

	// Both books start alike: January run and closed, its statement final.
	setup := func(db string) string {
		addRunsFixture(t, db)
		cli(t, db, "run", "--through", "2026-01")
		cli(t, db, "close", "2026-01")
		return cli(t, db, "statement", "small", "2026-01", "--format", "json")
	}
	db, ref := filepath.Join(dir, "concurrent.db"), filepath.Join(dir, "sequential.db")
	janFinal := setup(db)

	type op struct{ args []string }
	var ops []op
	for _, f := range files {
		ops = append(ops, op{[]string{"import", "usage", f}})
	}
	for i := 0; i < 6; i++ {
		ops = append(ops, op{[]string{"run", "--through", []string{"2026-01", "2026-02", "2026-03"}[rng.Intn(3)]}})
	}
	rng.Shuffle(len(ops), func(i, j int) { ops[i], ops[j] = ops[j], ops[i] })

	// Watchers read the books until every writer is done.
	done := make(chan struct{})
	var watchers sync.WaitGroup
	var snapshots int
	var mu sync.Mutex
	watch := func(args []string, check func(out string)) {
		defer watchers.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			out, errOut, err := startCLI(t, time.Time{}, db, args...).wait()
			if err != nil {
				t.Errorf("watcher revshare %s: %v\n%s", strings.Join(args, " "), err, errOut)
				return
			}
			check(out)
			mu.Lock()
			snapshots++
			mu.Unlock()
		}
	}
	checkPayable := func(out string) {
		if b := balances(t, out)["liabilities:revshare:openai:microsoft:small"]; decimal.RequireFromString(b).LessThan(decimal.RequireFromString("-50.00")) {
			t.Errorf("payable under the capped rule is %s, past the cap of 50.00", b)
		}
	}
	watchers.Add(2)
	go watch([]string{"balance", "--format", "json"}, checkPayable)
	go watch([]string{"statement", "small", "2026-02", "--format", "json"}, func(out string) {
		var s reports.Statement
		if err := json.Unmarshal([]byte(out), &s); err != nil {
			t.Errorf("statement: %v", err)
			return
		}
		checkCaps(t, s, "while importing and running")
	})

	var procs []*cliProc
	for _, o := range ops {
		procs = append(procs, startCLI(t, time.Time{}, db, o.args...))
		time.Sleep(time.Duration(rng.Intn(30)) * time.Millisecond)
	}
	for _, p := range procs {
		if _, errOut, err := p.wait(); err != nil {
			t.Errorf("revshare %s: %v\n%s", strings.Join(p.args, " "), err, errOut)
		}
	}
	close(done)
	watchers.Wait()
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("%d processes, %d snapshots of the books while they ran", len(procs), snapshots)
	checkPayable(cliProcess(t, db, "balance", "--format", "json"))
	cliProcess(t, db, "run", "--through", "2026-03")

	// The sequential book imports the files in the order the concurrent
	// imports committed (so that event ids agree), then runs once.
	if setup(ref) != janFinal {
		t.Fatal("the two books differ after the same setup")
	}
	var imports []struct {
		ID       int64  `json:"id"`
		FileName string `json:"file"`
	}
	if err := json.Unmarshal([]byte(cliProcess(t, db, "import", "list", "--format", "json")), &imports); err != nil {
		t.Fatal(err)
	}
	sort.Slice(imports, func(i, j int) bool { return imports[i].ID < imports[j].ID })
	if len(imports) != 1+len(files) {
		t.Fatalf("%d imports, want %d", len(imports), 1+len(files))
	}
	for _, im := range imports[1:] {
		cli(t, ref, "import", "usage", im.FileName)
	}
	cli(t, ref, "run", "--through", "2026-03")

	for _, period := range []string{"2026-01", "2026-02", "2026-03"} {
		got := cliProcess(t, db, "statement", "small", period, "--format", "json")
		want := cli(t, ref, "statement", "small", period, "--format", "json")
		if period == "2026-01" && (got != janFinal || want != janFinal) {
			t.Errorf("the final January statement changed")
		}
		var s reports.Statement
		if err := json.Unmarshal([]byte(got), &s); err != nil {
			t.Fatal(err)
		}
		checkCaps(t, s, "after the last run")
		if g, w := normalizedStatement(t, got), normalizedStatement(t, want); g != w {
			t.Errorf("%s statement after concurrent imports and runs:\n%s\nsequential:\n%s", period, g, w)
		}
	}
	for _, args := range [][]string{
		{"balance", "--format", "json"},
		{"balance", "--format", "json", "--as-of", "2026-01-31"},
		{"balance", "--format", "json", "--as-of", "2026-02-28"},
	} {
		if got, want := cliProcess(t, db, args...), cli(t, ref, args...); got != want {
			t.Errorf("%v after concurrent imports and runs:\n%s\nsequential:\n%s", args, got, want)
		}
	}
	for _, path := range []string{db, ref} {
		if out := cliProcess(t, path, "verify"); !strings.HasPrefix(out, "ok: ") {
			t.Errorf("verify %s: %s", path, out)
		}
	}
}

// TestBadRunStatementCloseWriteNothing checks that refused `run`,
// `statement` and `close` commands exit non-zero with one line on stderr and
// leave every row of the database as it was, with work pending for a run
// (an import after the last run) and a period that could be closed.
func TestBadRunStatementCloseWriteNothing(t *testing.T) {
	db := newRunsBook(t)
	cli(t, db, "run", "--through", "2026-01")
	cli(t, db, "close", "2026-01")
	cli(t, db, "import", "usage", "../../testdata/runs/late.csv")
	tests := []struct {
		db   string
		args []string
		want string
	}{
		{db, []string{"run", "--through", "2026-13"}, `revshare: invalid period "2026-13": want YYYY-MM, YYYY-Qn or YYYY`},
		{db, []string{"run", "--through", "2026-02-01"}, `revshare: invalid period "2026-02-01": want YYYY-MM, YYYY-Qn or YYYY (2026-02-01 is a date; did you mean its month, 2026-02?)`},
		{db, []string{"run", "--through", "2026-02-15"}, `revshare: invalid period "2026-02-15": want YYYY-MM, YYYY-Qn or YYYY (2026-02-15 is a date; did you mean its month, 2026-02?)`},
		{db, []string{"close", "2026-01-31"}, `revshare: invalid period "2026-01-31": want YYYY-MM, YYYY-Qn or YYYY (2026-01-31 is a date; did you mean its month, 2026-01?)`},
		{db, []string{"statement", "small", "2026/02"}, `revshare: invalid period "2026/02": want YYYY-MM, YYYY-Qn or YYYY (did you mean 2026-02?)`},
		{db, []string{"run"}, `revshare: run: --through PERIOD is required`},
		{db, []string{"run", "2026-02"}, `revshare: run: --through PERIOD is required`},
		{db, []string{"run", "--through", "2026-02", "2026-03"}, `revshare: run: want no arguments (only --through PERIOD), got "2026-03"`},
		{db, []string{"run", "--through", "2026-02", "--format", "xml"}, `revshare: unknown --format "xml" (want text or json)`},
		{db, []string{"statement", "small", "2026-02", "--format", "pdf"}, `revshare: unknown --format "pdf" (want json, csv, md or html)`},
		{db, []string{"statement", "nope", "2026-02"}, `revshare: contract "nope" not found (the book holds 1 contract: small)`},
		{db, []string{"statement", "small", "2026-13"}, `revshare: invalid period "2026-13": want YYYY-MM, YYYY-Qn or YYYY`},
		{db, []string{"statement", "small", "2026-Q5", "--format", "json"}, `revshare: invalid period "2026-Q5": want YYYY-MM, YYYY-Qn or YYYY`},
		{db, []string{"close", "2026-13"}, `revshare: invalid period "2026-13": want YYYY-MM, YYYY-Qn or YYYY`},
		{db, []string{"close", "2026-02", "--format", "xml"}, `revshare: unknown --format "xml" (want text or json)`},
	}
	before := dumpDB(t, db)
	for _, tt := range tests {
		out, errOut, err := startCLI(t, time.Time{}, tt.db, tt.args...).wait()
		if err == nil || out != "" || errOut != tt.want+"\n" {
			t.Errorf("revshare %s: err %v, stdout %q, stderr %q, want stderr %q", strings.Join(tt.args, " "), err, out, errOut, tt.want+"\n")
		}
		if after := dumpDB(t, db); after != before {
			t.Fatalf("revshare %s changed the database", strings.Join(tt.args, " "))
		}
	}
	// The same commands with good input do write: the pending late refund
	// becomes a prior-period adjustment, and February closes.
	if got := cliProcess(t, db, "run", "--through", "2026-02"); got != "run small through 2026-02: 2 entries booked (1 prior-period adjustment)\n" {
		t.Errorf("run: %q", got)
	}
	if got := cliProcess(t, db, "close", "2026-02"); got != "closed 2026-02: nothing may be booked on or before 2026-02-28\n" {
		t.Errorf("close: %q", got)
	}
	if dumpDB(t, db) == before {
		t.Error("good input wrote nothing")
	}
}

// TestRunThroughEarlierPeriodKeepsLaterBookings: a run through an earlier
// period than one already booked must neither undo the later periods'
// bookings nor leave them stale so that the books pass a cap.
//
// booking.Plan brings every booked (rule, period) that a run did not compute
// back to zero, so a run through 2026-01 that computed nothing for 2026-02
// reversed February's accrual; and had it left February alone, January's
// growth would push the booked total past the cap (40.00 + 30.00 against
// 50.00). A run therefore evaluates each contract through the later of
// --through and its latest booked period (ledger/sqlite runContract).
func TestRunThroughEarlierPeriodKeepsLaterBookings(t *testing.T) {
	db := newRunsBook(t)
	cli(t, db, "run", "--through", "2026-02")
	payable := func() string {
		return balances(t, cli(t, db, "balance", "--format", "json"))["liabilities:revshare:openai:microsoft:small"]
	}
	if got := payable(); got != "-50.00" {
		t.Fatalf("after the run through 2026-02 the capped payable is %s, want -50.00", got)
	}
	var res struct{ Contracts []struct{ Entries int } }
	if err := json.Unmarshal([]byte(cli(t, db, "run", "--through", "2026-01", "--format", "json")), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Contracts) != 1 || res.Contracts[0].Entries != 0 {
		t.Errorf("a run through 2026-01 with nothing new booked %+v, want nothing", res.Contracts)
	}
	if got := payable(); got != "-50.00" {
		t.Errorf("after a run through 2026-01 the capped payable is %s, want -50.00", got)
	}
	// January grows to 200.00 of revenue (r1: 40.00); February keeps only
	// the 10.00 the cap leaves.
	more := filepath.Join(t.TempDir(), "more.csv")
	writeUsage(t, more, [][5]string{{"x1", "2026-01-15", "openai", "direct", "100.00"}})
	cli(t, db, "import", "usage", more)
	cli(t, db, "run", "--through", "2026-01")
	if got := payable(); got != "-50.00" {
		t.Errorf("after January grew and a run through 2026-01 the capped payable is %s, want -50.00", got)
	}
	var feb reports.Statement
	if err := json.Unmarshal([]byte(cli(t, db, "statement", "small", "2026-02", "--format", "json")), &feb); err != nil {
		t.Fatal(err)
	}
	if r1 := feb.Rules[0]; r1.Obligation != "10.00" {
		t.Errorf("February r1 obligation %s, want 10.00", r1.Obligation)
	}
}
