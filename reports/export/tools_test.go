package export

// These tests export real SQLite ledgers with the revshare binary and have
// the real hledger, ledger and beancount read the files: their balances
// must equal `revshare balance --format json` exactly. A missing tool skips
// the test outside CI and fails it when CI is set (.ci/run installs them).

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite"
)

// requireTools skips (or, under CI, fails) unless every tool is installed.
func requireTools(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			msg := fmt.Sprintf("%s is not installed (apt-get install -y hledger ledger beancount; .ci/run does it)", tool)
			if os.Getenv("CI") != "" {
				t.Fatal("CI is set: " + msg)
			}
			t.Skip(msg)
		}
	}
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// revshareBinary builds cmd/revshare once per test run.
func revshareBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "revshare-export-test")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "revshare")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/revshare/revshare/cmd/revshare").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build cmd/revshare: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// run runs a command and returns its standard output; a non-zero exit fails
// the test with the command's standard error.
func run(t testing.TB, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// exportCase is one `revshare export` run whose tool balances must equal
// `revshare balance --as-of asOf --known-at knownAt`.
type exportCase struct {
	name    string
	args    []string // extra export flags
	asOf    ledger.Date
	knownAt string
	// asserted are the dates the hledger file must assert balances at.
	asserted []string
}

// checkExports exports dbPath in every format for every case and checks
// the tools' balances, the three formats in parallel.
func checkExports(t *testing.T, dbPath string, cases []exportCase) {
	requireTools(t, "hledger", "ledger", "bean-check", "bean-query")
	bin := revshareBinary(t)
	dir := t.TempDir()
	for _, c := range cases {
		want := revshareBalances(t, dbPath, c.asOf, c.knownAt)
		if len(want.nonZero()) == 0 {
			t.Fatalf("%s: revshare balance is empty: nothing to compare", c.name)
		}
		for _, f := range Formats {
			file := filepath.Join(dir, c.name+"."+string(f))
			run(t, bin, append([]string{"--db", dbPath, "export", string(f), "-o", file}, c.args...)...)
		}
		if c.asserted != nil {
			text, err := os.ReadFile(filepath.Join(dir, c.name+".hledger"))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, line := range strings.Split(string(text), "\n") {
				if _, date, ok := strings.Cut(line, "Balance assertions: balances at the end of "); ok {
					got = append(got, date)
				}
			}
			if strings.Join(got, " ") != strings.Join(c.asserted, " ") {
				t.Errorf("%s: balances asserted at %v, want %v", c.name, got, c.asserted)
			}
		}
		t.Run(c.name, func(t *testing.T) {
			for _, f := range Formats {
				file := filepath.Join(dir, c.name+"."+string(f))
				t.Run(string(f), func(t *testing.T) {
					t.Parallel()
					got := toolBalances[f](t, file)
					if d := diff(got, want); len(d) > 0 {
						t.Errorf("%s balances differ from revshare balance (%d):\n%s", f, len(d), strings.Join(d, "\n"))
					}
				})
			}
		})
	}
}

// newBook creates the book name in a temporary directory, on a clock that
// ticks a second per call, and returns it (the caller closes it) and its
// path.
func newBook(t testing.TB, name string) (*sqlite.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	db, err := sqlite.Open(context.Background(), path, newClock())
	if err != nil {
		t.Fatal(err)
	}
	return db, path
}

// awkwardDB posts the awkward entries one call each (so each has its own
// recorded-at second) and closes 2026-01-15, then the rest of January.
func awkwardDB(t *testing.T) string {
	ctx := context.Background()
	db, path := newBook(t, "awkward.db")
	defer db.Close()
	es := awkwardEntries()
	// The closed period must hold no entry posted after the close: post
	// January first, close it, then February.
	order := []int{0, 2, 3, 1, 4}
	for i, j := range order {
		e := es[j]
		e.ID, e.RecordedAt, e.Hash = 0, time.Time{}, ""
		if j == 4 {
			e.Reverses = 2 // its target, posted second
		}
		if _, err := db.Post(ctx, []ledger.Entry{e}); err != nil {
			t.Fatal(err)
		}
		closeAt := map[int]string{0: "2026-01-15", 2: "2026-01-31"}[i]
		if closeAt != "" {
			if err := db.ClosePeriods(ctx, d(closeAt)); err != nil {
				t.Fatal(err)
			}
		}
	}
	return path
}

func TestToolsAgreeOnAwkwardLedger(t *testing.T) {
	dbPath := awkwardDB(t)
	// The view as known when the third entry was recorded (the fake clock
	// ticks a second per call, so read the instant rather than guess it).
	knownAt := recordedAt(t, dbPath, 3)
	checkExports(t, dbPath, []exportCase{
		{name: "all", asserted: []string{"2026-01-15", "2026-01-31"}},
		{name: "from-feb", args: []string{"--from", "2026-02-01"}, asserted: []string{}},
		{name: "to-jan", args: []string{"--to", "2026-01-20"}, asOf: d("2026-01-20"), asserted: []string{"2026-01-15", "2026-01-20"}},
		{name: "window", args: []string{"--from", "2026-01-16", "--to", "2026-02-05"}, asOf: d("2026-02-05"), asserted: []string{"2026-01-31"}},
		{name: "known-at", args: []string{"--known-at", knownAt}, knownAt: knownAt, asserted: []string{"2026-01-15", "2026-01-31"}},
		{name: "no-assertions", args: []string{"--assert-closed=false"}, asserted: []string{}},
	})
}

// TestToolsReadDescriptionsAndMetadata checks, through hledger and beancount,
// that descriptions and metadata come back exactly after decoding.
func TestToolsReadDescriptionsAndMetadata(t *testing.T) {
	requireTools(t, "hledger", "bean-query")
	dir := t.TempDir()
	es := awkwardEntries()
	for _, f := range []Format{Hledger, Beancount} {
		var buf bytes.Buffer
		if err := Write(&buf, f, sliceSource(es), Options{}); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "j."+string(f)), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]map[string]string{} // entry id -> description and meta
	for _, e := range es {
		m := map[string]string{"description": e.Description}
		for k, v := range e.Meta {
			m["meta:"+k] = v
		}
		want[fmt.Sprint(e.ID)] = m
	}

	out := run(t, "hledger", "-f", filepath.Join(dir, "j.hledger"), "print", "-O", "json")
	var txns []struct {
		Description string     `json:"tdescription"`
		Tags        [][]string `json:"ttags"`
	}
	if err := json.Unmarshal(out, &txns); err != nil {
		t.Fatal(err)
	}
	got := map[string]map[string]string{}
	for _, tx := range txns {
		m := map[string]string{}
		var err error
		if m["description"], err = DecodeText(tx.Description); err != nil {
			t.Fatal(err)
		}
		id := ""
		for _, tag := range tx.Tags {
			v, err := DecodeText(tag[1])
			if err != nil {
				t.Fatal(err)
			}
			if tag[0] == "entry_id" {
				id = v
			} else if k, ok := MetaKeyFromExport(tag[0]); ok {
				m["meta:"+k] = v
			}
		}
		got[id] = m
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("hledger read back:\n%v\nwant:\n%v", got, want)
	}

	// bean-query prints one row per posting: read the first of each entry.
	out = run(t, "bean-query", "-f", "csv", filepath.Join(dir, "j.beancount"),
		`SELECT entry_meta('entry_id'), narration, entry_meta('contract'), entry_meta('late'), entry_meta('meta-4f6464204b6579'), entry_meta('meta-656e7472795f6964')`)
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got = map[string]map[string]string{}
	for _, row := range rows[1:] {
		id := strings.TrimSpace(row[0])
		m := map[string]string{"description": row[1]}
		for i, k := range []string{"contract", "late", "Odd Key", "entry_id"} {
			if v := strings.TrimRight(row[2+i], " "); v != "" {
				m["meta:"+k] = v
			}
		}
		got[id] = m
	}
	// Beancount cannot hold the trailing space of a padded CSV cell apart
	// from padding: compare descriptions without trailing spaces there.
	for _, m := range want {
		m["description"] = strings.TrimRight(m["description"], " ")
		delete(m, "meta:batch")
		delete(m, "meta:period")
		delete(m, "meta:rule")
	}
	for _, m := range got {
		m["description"] = strings.TrimRight(m["description"], " ")
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("bean-query read back:\n%v\nwant:\n%v", got, want)
	}
}

// TestToolsRejectWrongAssertion moves one asserted balance by the smallest
// amount the ledger can hold: every tool must refuse the file, so the
// assertions are checked exactly, not to a display precision.
func TestToolsRejectWrongAssertion(t *testing.T) {
	requireTools(t, "hledger", "ledger", "bean-check")
	// Write refuses wrong balances itself (TestWriteErrors), so the right
	// file is edited.
	es := awkwardEntries()
	wrong := map[Format][2]string{
		Hledger:   {"= -146913.32 USD", "= -146913.320000000000000001 USD"},
		Ledger:    {"= -146913.32 USD", "= -146913.320000000000000001 USD"},
		Beancount: {"-146913.32 ~ 0 USD", "-146913.320000000000000001 ~ 0 USD"},
	}
	dir := t.TempDir()
	commands := map[Format][]string{
		Hledger:   {"hledger", "-f", "FILE", "check"},
		Ledger:    {"ledger", "-f", "FILE", "balance"},
		Beancount: {"bean-check", "FILE"},
	}
	for _, f := range Formats {
		file := filepath.Join(dir, "wrong."+string(f))
		var buf bytes.Buffer
		if err := Write(&buf, f, sliceSource(es), awkwardOptions(es)); err != nil {
			t.Fatal(err)
		}
		text := buf.String()
		if strings.Count(text, wrong[f][0]) != 1 {
			t.Fatalf("%s: %q is not in the file once", f, wrong[f][0])
		}
		text = strings.Replace(text, wrong[f][0], wrong[f][1], 1)
		if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		args := append([]string(nil), commands[f]...)
		for i := range args {
			if args[i] == "FILE" {
				args[i] = file
			}
		}
		out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
		if err == nil {
			t.Errorf("%s accepted an assertion off by 1E-18:\n%s", args[0], out)
		} else if !strings.Contains(strings.ToLower(string(out)), "balance") {
			t.Errorf("%s failed, but not on the balance assertion:\n%s", args[0], out)
		}
	}
}

// generatedDB builds the seeded ledger of n entries in a temp directory.
func generatedDB(t testing.TB, n int) string {
	t.Helper()
	ctx := context.Background()
	db, path := newBook(t, "generated.db")
	defer db.Close()
	start := time.Now()
	if err := generateLedger(ctx, db, n, 42); err != nil {
		t.Fatal(err)
	}
	t.Logf("generated %d entries in %v", n, time.Since(start).Round(time.Millisecond))
	return path
}

// TestToolsAgreeOnGeneratedLedger exports 100,000 entries (about a minute
// with the tools; skipped under -short).
func TestToolsAgreeOnGeneratedLedger(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000-entry ledger: skipped under -short")
	}
	requireTools(t, "hledger", "ledger", "bean-check", "bean-query")
	checkExports(t, generatedDB(t, 100000), []exportCase{{name: "all", asserted: []string{"2025-06-30", "2025-12-31"}}})
}

// TestToolsAgreeOnDemoLedger exports the demo ledger (the motivating case).
func TestToolsAgreeOnDemoLedger(t *testing.T) {
	requireTools(t, "hledger", "ledger", "bean-check", "bean-query")
	bin := revshareBinary(t)
	dbPath := filepath.Join(t.TempDir(), "demo.db")
	cmd := exec.Command(bin, "--db", dbPath, "demo", "--no-serve")
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("revshare demo --no-serve: %v\n%s", err, out)
	}
	checkExports(t, dbPath, []exportCase{{name: "demo"}})
}

// openReadOnly opens the book at path read-only (the caller closes it).
func openReadOnly(t testing.TB, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.OpenReadOnly(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// recordedAt is the RFC 3339 instant at which entry id was recorded.
func recordedAt(t *testing.T, dbPath string, id int64) string {
	t.Helper()
	db := openReadOnly(t, dbPath)
	defer db.Close()
	e, err := db.Entry(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return e.RecordedAt.UTC().Format(time.RFC3339Nano)
}
