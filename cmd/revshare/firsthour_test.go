package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestStatementSaysWhatIsNotBooked: a draft statement whose rules compute
// what no run has booked says so (Markdown, HTML, JSON "booking", and a
// note on stderr naming the run to type). Before, a statement printed
// before any run showed the rules' obligations beside a settlement of
// zeros, without a word.
func TestStatementSaysWhatIsNotBooked(t *testing.T) {
	onBothBackends(t, testStatementSaysWhatIsNotBooked)
}

func testStatementSaysWhatIsNotBooked(t *testing.T, newDB newDB) {
	db := newDB(t)
	addRunsFixture(t, db)
	check := func(period, booking, mdLine, note string) {
		t.Helper()
		before := cli(t, db, "verify")
		out, errOut, err := runCLI(t, "--db", db, "statement", "small", period)
		if err != nil {
			t.Fatalf("statement %s: %v %s", period, err, errOut)
		}
		if got := strings.Split(out, "\n")[4]; got != mdLine {
			t.Errorf("statement %s, line 5:\n%q\nwant\n%q", period, got, mdLine)
		}
		wantNote := ""
		if note != "" {
			wantNote = "revshare: note: " + note + "\n"
		}
		if errOut != wantNote {
			t.Errorf("statement %s: stderr\n%q\nwant\n%q", period, errOut, wantNote)
		}
		if s, _ := statementJSON(t, db, period); s.Booking != booking {
			t.Errorf("statement %s: booking %q, want %q", period, s.Booking, booking)
		}
		csvRow := ""
		for _, line := range strings.Split(cli(t, db, "statement", "small", period, "--format", "csv"), "\n") {
			if strings.Contains(line, ",statement,,booking,") {
				csvRow = line
			}
		}
		if wantRow := "small," + period + ",draft,statement,,booking," + booking; (booking != "" && csvRow != wantRow) || (booking == "" && csvRow != "") {
			t.Errorf("statement %s --format csv: booking row %q, want %q", period, csvRow, map[bool]string{true: wantRow}[booking != ""])
		}
		html := cli(t, db, "statement", "small", period, "--format", "html")
		if has := strings.Contains(html, `<p class="booking"><strong>Not booked:</strong> `); has != (booking != "") {
			t.Errorf("statement %s --format html: a booking line is there: %v, want %v", period, has, booking != "")
		}
		if after := cli(t, db, "verify"); after != before {
			t.Errorf("statement %s wrote: %s then %s", period, before, after)
		}
	}
	check("2026-02", "none",
		"**Not booked:** Nothing is booked for 2026-02 yet: the rules show what a run through 2026-02 would book; the settlement shows the ledger, which holds none of it.",
		"nothing is booked for small 2026-02 yet: its rules show what a run would book, its settlement shows none of it (book it with: revshare --db "+shellWord(db)+" run --through 2026-02)")
	cli(t, db, "run", "--through", "2026-02")
	check("2026-02", "", "## r1 (openai → microsoft)", "")
	cli(t, db, "import", "usage", "../../testdata/runs/late.csv") // a January refund: the February cap has room again
	check("2026-02", "behind",
		"**Not booked:** The books are behind the rules for 2026-02 (usage or the contract changed since the last run): the rules show what a run through 2026-02 would book; the settlement shows what is booked.",
		"the books are behind small 2026-02 (usage or the contract changed since the last run): its rules show what a run would book now, its settlement what is booked (bring them up to date with: revshare --db "+shellWord(db)+" run --through 2026-02)")
	cli(t, db, "close", "2026-01")
	check("2026-01", "", "## r1 (openai → microsoft)", "")
	cli(t, db, "run", "--through", "2026-02")
	check("2026-02", "", "## r1 (openai → microsoft)", "")
	// A late January event of r2 (no cap: February's obligations stay as booked):
	// a run would book January's correction in February.
	late := filepath.Join(t.TempDir(), "late-jan.csv")
	if err := os.WriteFile(late, []byte("event_id,occurred_at,seller,channel,product,amount,currency\ne6,2026-01-20,microsoft,azure,api,30.00,USD\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cli(t, db, "import", "usage", late)
	check("2026-02", "behind",
		"**Not booked:** The books are behind the rules for 2026-02 (usage or the contract changed since the last run): the rules show what a run through 2026-02 would book; the settlement shows what is booked.",
		"the books are behind small 2026-02 (usage or the contract changed since the last run): its rules show what a run would book now, its settlement what is booked (bring them up to date with: revshare --db "+shellWord(db)+" run --through 2026-02)")
	if out := cli(t, db, "run", "--through", "2026-02"); !strings.Contains(out, "1 prior-period adjustment") {
		t.Errorf("run after the late January event:\n%s\nwant 1 prior-period adjustment", out)
	}
	check("2026-02", "", "## r1 (openai → microsoft)", "")
}

// TestLeftoverNewBookIsSwept: a first import killed midway leaves its
// temporary directory beside --db (.NAME.new-*). The next command removes
// one that no live process holds the lock of, and says so; one whose lock
// is held (an import still running) is left alone, silently; one without
// a lock file is named, once it is older than newBookGrace. Before, every
// such directory stayed, unexplained.
func TestLeftoverNewBookIsSwept(t *testing.T) {
	books := t.TempDir()
	book := filepath.Join(books, "book.db")
	mkLeft := func(name string, lock bool) string {
		dir := filepath.Join(books, name)
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "book.db"), []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
		if lock {
			if err := os.WriteFile(newBookLock(dir), nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	killed := mkLeft(".book.db.new-111", true)
	running := mkLeft(".book.db.new-222", false)
	release, err := lockNewBook(running)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	// The lock is taken before the lock file has its name: none is left
	// under the name it was locked under.
	if entries, _ := os.ReadDir(running); len(entries) != 2 {
		t.Errorf("%s holds %v, want book.db and lock", running, entries)
	}
	unlocked := mkLeft(".book.db.new-333", false)
	old := time.Date(2026, 3, 1, 11, 0, 0, 0, time.UTC) // the test clock is 12:00
	if err := os.Chtimes(unlocked, old, old); err != nil {
		t.Fatal(err)
	}
	other := mkLeft(".other.db.new-444", true) // another book's
	_, errOut, err := runCLI(t, "--db", book, "run", "--through", "2026-01")
	want := "revshare: note: removed " + killed + ", a new book that a first import into " + book + " began and did not finish (killed or crashed); nothing in it had reached " + book + "\n" +
		"revshare: note: " + unlocked + " is a new book that a first import into " + book + " began and did not finish; nothing in it reached " + book + ": unless an import into " + book + " is running now, remove it (rm -r " + unlocked + ")\n" +
		"revshare: no database at " + book + " (see --db; a new book is made by contract add, import usage, import rates, demo or migrate)\n"
	if err == nil || errOut != want {
		t.Errorf("run: %v, stderr\n%s\nwant\n%s", err, errOut, want)
	}
	for dir, kept := range map[string]bool{killed: false, running: true, unlocked: true, other: true} {
		if _, err := os.Stat(dir); (err == nil) != kept {
			t.Errorf("%s: kept %v, want %v", dir, err == nil, kept)
		}
	}
	// The next first import sweeps too, and builds its own book.
	release()
	good := filepath.Join("..", "..", "testdata", "usage", "good", "canonical.csv")
	_, errOut, err = runCLI(t, "--db", book, "import", "usage", good)
	if err != nil || !strings.HasPrefix(errOut, "revshare: note: removed "+running+", ") {
		t.Errorf("import: %v, stderr %q", err, errOut)
	}
	if got := cli(t, book, "verify"); !strings.HasPrefix(got, "ok: 5 entries") {
		t.Errorf("verify: %s", got)
	}
}

// TestUnknownContractNamesTheStoredOnes: a contract ID that is not stored
// (statement, contract show, pay, REST /contracts/ID and its statements)
// names the stored contracts and the one likely meant, in the domain's
// one wording (contracts.NotFound). Before, each storage backend said only
// `contract "smal" not found`.
func TestUnknownContractNamesTheStoredOnes(t *testing.T) {
	onBothBackends(t, testUnknownContractNamesTheStoredOnes)
}

func testUnknownContractNamesTheStoredOnes(t *testing.T, newDB newDB) {
	db := newDB(t)
	cli(t, db, "migrate")
	empty := "revshare: contract \"smal\" not found: the book holds no contracts yet (add one with `contract add FILE.yaml`)\n"
	if _, errOut, _ := runCLI(t, "--db", db, "statement", "smal", "2026-02"); errOut != empty {
		t.Errorf("statement on an empty book: %q, want %q", errOut, empty)
	}
	addRunsFixture(t, db)
	near := `revshare: contract "smal" not found: did you mean "small"? (the book holds 1 contract: small)` + "\n"
	for _, args := range [][]string{
		{"statement", "smal", "2026-02"},
		{"statement", "smal", "2026-02", "--format", "csv"},
		{"contract", "show", "smal"},
		{"pay", "--contract", "smal", "--payer", "openai", "--payee", "microsoft", "--amount", "1", "--date", "2026-02-01"},
	} {
		wantRefused(t, near, append([]string{"--db", db}, args...)...)
	}
	fin := createToken(t, db, "finance")
	base, stop := startServe(t, db)
	defer stop()
	want := `{"error":{"code":"not_found","message":"contract \"smal\" not found: did you mean \"small\"? (the book holds 1 contract: small)"}}`
	for _, path := range []string{"/contracts/smal", "/contracts/smal/statements", "/contracts/smal/statements/2026-02", "/contracts/smal/caps"} {
		status, got := call(t, "GET", base+"/api/v1"+path, fin, "")
		if status != 404 || strings.TrimSpace(got) != want {
			t.Errorf("GET %s: %d %s, want 404 %s", path, status, got, want)
		}
	}
}

// TestPayNamesTheMissingFlags: pay without some of its required flags
// names only those. Before, `pay --contract small` was told that
// --contract, --payer, --payee, --amount and --date are required.
func TestPayNamesTheMissingFlags(t *testing.T) {
	db := newRunsBook(t)
	before := cli(t, db, "verify")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{}, "revshare: pay: --contract, --payer, --payee, --amount and --date are required\n"},
		{[]string{"--contract", "small"}, "revshare: pay: --payer, --payee, --amount and --date are required\n"},
		{[]string{"--contract", "small", "--payer", "openai", "--payee", "microsoft", "--amount", "5"}, "revshare: pay: --date is required\n"},
		{[]string{"--payer", "openai", "--payee", "microsoft", "--amount", "5", "--date", "2026-02-10"}, "revshare: pay: --contract is required\n"},
		// A decimal comma is named as such; a thousands separator is not taken for one.
		{[]string{"--contract", "small", "--payer", "openai", "--payee", "microsoft", "--amount", "16,00", "--date", "2026-02-10"},
			"revshare: pay: --amount \"16,00\": not a decimal number (want digits, an optional leading '-' and one '.', as in -1234.50): did you mean 16.00? (a decimal point, not a comma)\n"},
		{[]string{"--contract", "small", "--payer", "openai", "--payee", "microsoft", "--amount", "1,234", "--date", "2026-02-10"},
			"revshare: pay: --amount \"1,234\": thousands separator \",\" not allowed (write 1234.50)\n"},
	} {
		wantRefused(t, tc.want, append([]string{"--db", db, "pay"}, tc.args...)...)
	}
	if after := cli(t, db, "verify"); after != before {
		t.Errorf("a refused pay wrote: %s then %s", before, after)
	}
}

// TestMissingInputFileSaysWhere: a file to read (import usage and rates,
// --mapping, contract add) that does not exist is named with the
// directory it was looked for in and the file likely meant: one an edit
// or two away there, or one of that name in the current directory or
// below it. Before, Go's `open nosuch.csv: no such file or directory`.
func TestMissingInputFileSaysWhere(t *testing.T) {
	runs, err := filepath.Abs("../../testdata/runs")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Chdir(dir)
	wd, err := os.Getwd() // dir, symbolic links resolved as Abs sees them
	if err != nil {
		t.Fatal(err)
	}
	copyFile(t, filepath.Join(runs, "usage.csv"), filepath.Join(dir, "usage.csv"))
	os.MkdirAll(filepath.Join(dir, "data", "jan"), 0o755)
	copyFile(t, filepath.Join(runs, "late.csv"), filepath.Join(dir, "data", "jan", "late.csv"))
	db := filepath.Join(dir, "book.db")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"import", "usage", "nosuch.csv"}, "nosuch.csv: no such file in the current directory (" + wd + ")"},
		{[]string{"import", "usage", "usgae.csv"}, "usgae.csv: no such file in the current directory (" + wd + "): did you mean usage.csv?"},
		{[]string{"import", "usage", "usage"}, "usage: no such file in the current directory (" + wd + "): did you mean usage.csv?"},
		{[]string{"import", "usage", "data/usage.csv"}, "data/usage.csv: no such file in data (" + filepath.Join(wd, "data") + "): did you mean usage.csv?"},
		{[]string{"import", "usage", "late.csv"}, "late.csv: no such file in the current directory (" + wd + "): did you mean data/jan/late.csv?"},
		{[]string{"import", "usage", "feb/late.csv"}, "feb/late.csv: no such file (there is no directory feb): did you mean data/jan/late.csv?"},
		{[]string{"import", "usage", filepath.Join(dir, "usage2.csv")}, filepath.Join(dir, "usage2.csv") + ": no such file in " + dir + ": did you mean " + filepath.Join(dir, "usage.csv") + "?"},
		{[]string{"import", "rates", "rates.csv"}, "rates.csv: no such file in the current directory (" + wd + ")"},
		{[]string{"import", "usage", "usage.csv", "--mapping", "map.yaml"}, "map.yaml: no such file in the current directory (" + wd + ")"},
		{[]string{"contract", "add", "contract.yaml"}, "contract.yaml: no such file in the current directory (" + wd + ")"},
	} {
		wantRefused(t, "revshare: "+tc.want+"\n", append([]string{"--db", db}, tc.args...)...)
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("a refused import made a book: %v", err)
	}
}

// TestServeAddrErrorsSayWhatToType: serve --addr that cannot be listened
// on says why in the terms of the flag. Before, Go's own: `listen tcp:
// address 8080: missing port in address`, `listen tcp 127.0.0.1:N: bind:
// address already in use`.
func TestServeAddrErrorsSayWhatToType(t *testing.T) {
	db := newRunsBook(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	_, port, _ := net.SplitHostPort(busy.Addr().String())
	for _, tc := range []struct{ addr, want string }{
		{"8080", "--addr 8080: want host:port, as in 127.0.0.1:8080"},
		{"localhost", "--addr localhost: want host:port, as in localhost:8080"},
		{"127.0.0.1:99999", "--addr 127.0.0.1:99999: invalid port (want host:port, the port 0 to 65535)"},
		{busy.Addr().String(), "--addr 127.0.0.1:" + port + ": port " + port + " is in use (another revshare serve, or another program): choose another port, or --addr 127.0.0.1:0 for a free one"},
	} {
		wantRefused(t, "revshare: "+tc.want+"\n", "--db", db, "serve", "--addr", tc.addr)
	}
}

// TestSameFileOneEventWarning: the warning of the same file under another
// source, for a file of one event, is worded for one. Before, "its 1
// events are new ... if they are the same sales".
func TestSameFileOneEventWarning(t *testing.T) {
	src, _ := filepath.Abs("../../testdata/runs/late.csv")
	t.Chdir(t.TempDir())
	copyFile(t, src, "late.csv")
	db := newSQLite(t)
	cli(t, db, "import", "usage", "late.csv", "--source", "billing")
	_, stderr, err := runCLI(t, "--db", db, "import", "usage", "late.csv", "--dry-run")
	want := "revshare: warning: late.csv has the same content as batch 1 (late.csv, imported 2026-03-01T12:00:00Z) under source billing; under source default its 1 event is new (an event is its source and event_id) and would be posted: if it is the same sale, its revenue would count twice; import it under source billing to find it a duplicate\n"
	if err != nil || stderr != want {
		t.Errorf("dry run: %v %q\nwant %q", err, stderr, want)
	}
	_, stderr, err = runCLI(t, "--db", db, "import", "usage", "late.csv")
	want = "revshare: warning: late.csv has the same content as batch 1 (late.csv, imported 2026-03-01T12:00:00Z) under source billing; under source default its 1 event is new (an event is its source and event_id) and was posted in batch 2: if it is the same sale, its revenue is now counted twice. Nothing is deleted from the journal: to take it back, import the same rows with negated amounts and new event_ids under source default. Next time import it under source billing, or check with a dry run first, which warns before posting\n"
	if err != nil || stderr != want {
		t.Errorf("import: %v %q\nwant %q", err, stderr, want)
	}
}

// TestScenarioContractFlagTakesAFile: scenario --contract given a stored
// contract's ID rather than a file says what the flag reads. Before, `open
// small: no such file or directory`.
func TestScenarioContractFlagTakesAFile(t *testing.T) {
	scen, _ := filepath.Abs("../../testdata/scenario/demo-projection.yaml")
	t.Chdir(t.TempDir())
	wd, _ := os.Getwd()
	_, errOut, err := runCLI(t, "--db", "book.db", "scenario", scen, "--contract", "openai-microsoft")
	want := "revshare: --contract openai-microsoft: no such file in the current directory (" + wd + "); --contract reads a contract FILE.yaml: the stored contract the scenario names (contract: openai-microsoft) is read from the book without it\n"
	if err == nil || errOut != want {
		t.Errorf("scenario --contract ID: %v %q\nwant %q", err, errOut, want)
	}
}
