package main

import (
	"bytes"
	"context"
	"database/sql"
	neturl "net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/revshare/revshare/ledger/sqlite/sqlitetest"
)

// TestReadOnlyCommandsRefuseMissingDatabase: a read-only command given a
// missing or empty database says so and creates nothing (spec section 6);
// before, verify created and migrated it and said "ok: 0 entries".
func TestReadOnlyCommandsRefuseMissingDatabase(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "typo.db")
	empty := filepath.Join(dir, "empty.db")
	os.WriteFile(empty, nil, 0o644)
	for _, args := range [][]string{
		{"balance"}, {"verify"}, {"export", "hledger"}, {"contract", "list"}, {"contract", "show", "c"},
		{"import", "list"}, {"token", "list"}, {"statement", "c", "2026-01"},
	} {
		_, errOut, err := runCLI(t, append([]string{"--db", missing}, args...)...)
		if want := "revshare: no database at " + missing + " (see --db; a new book is made by contract add, import usage, import rates, demo or migrate)\n"; err == nil || errOut != want {
			t.Errorf("%v on a missing database: %q\nwant %q", args, errOut, want)
		}
		_, errOut, err = runCLI(t, append([]string{"--db", empty}, args...)...)
		if want := "revshare: " + empty + " is an empty file (0 bytes), not a revshare book: if it held your book, restore it from a backup; to start a new book there, remove the file and run the command again\n"; err == nil || errOut != want {
			t.Errorf("%v on an empty file: %q\nwant %q", args, errOut, want)
		}
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("a read-only command created %s", missing)
	}
	if fi, _ := os.Stat(empty); fi.Size() != 0 {
		t.Errorf("a read-only command wrote to the empty file")
	}
	// --lock-timeout is checked.
	if _, errOut, err := runCLI(t, "--db", missing, "--lock-timeout", "soon", "balance"); err == nil ||
		errOut != "revshare: --lock-timeout \"soon\": want a positive duration such as 30s or 10m\n" {
		t.Errorf("bad --lock-timeout: %q", errOut)
	}
	// An empty --db (a script's unset variable) is refused, not read as no
	// --db at all, which fell back to REVSHARE_DB or ./revshare.db.
	if _, errOut, err := runCLI(t, "--db", "", "balance"); err == nil || errOut != "revshare: --db \"\": want a database file or a postgres:// URL\n" {
		t.Errorf("empty --db: %q", errOut)
	}
	// ... and so is the variable, named as such (it was called --lock-timeout).
	var out, errBuf bytes.Buffer
	m := NewMain()
	m.Stdout, m.Stderr = &out, &errBuf
	m.Getenv = func(k string) string { return map[string]string{"REVSHARE_LOCK_TIMEOUT": "soon"}[k] }
	err := m.Run(context.Background(), []string{"--db", missing, "balance"})
	m.Close()
	if want := `REVSHARE_LOCK_TIMEOUT "soon": want a positive duration such as 30s or 10m`; err == nil || err.Error() != want {
		t.Errorf("bad REVSHARE_LOCK_TIMEOUT: %v, want %q", err, want)
	}
}

// notBookCreators are a command line of every command that needs a book
// and does not create one (bookCreators), with the files they name (in
// dir) in place: given a --db that names no book, each must refuse it.
func notBookCreators(t *testing.T, dir string) [][]string {
	contract := filepath.Join(dir, "contract.yaml")
	copyFile(t, "../../testdata/runs/contract.yaml", contract)
	return [][]string{
		{"run", "--through", "2026-03"}, {"close", "2026-01"},
		{"pay", "--contract", "small", "--payer", "openai", "--payee", "microsoft", "--amount", "16.00", "--date", "2026-02-10"},
		{"statement", "small", "2026-01"}, {"balance"}, {"verify"}, {"export", "hledger"},
		{"contract", "update", contract}, {"contract", "show", "small"}, {"contract", "list"},
		{"import", "list"}, {"token", "create", "--role", "auditor"}, {"token", "list"}, {"token", "revoke", "1"},
		{"serve", "--addr", "127.0.0.1:0"}, {"serve", "--read-only", "--addr", "127.0.0.1:0"},
	}
}

// TestCommandsRefuseMissingBook: a command that needs a book and does
// not create one refuses a --db that names none, and leaves nothing on
// disk (no file, -wal or -shm) nor in the PostgreSQL schema. A mistyped
// --db given to run said "there are no contracts to run" and to close
// "there is nothing to close", and both left an empty book file behind,
// as pay, token create, contract update and serve did.
func TestCommandsRefuseMissingBook(t *testing.T) {
	dir := t.TempDir()
	books := t.TempDir()
	missing := filepath.Join(books, "typo.db")
	for _, args := range notBookCreators(t, dir) {
		wantRefused(t, "revshare: no database at "+missing+" (see --db; a new book is made by contract add, import usage, import rates, demo or migrate)\n",
			append([]string{"--db", missing}, args...)...)
		if left, _ := os.ReadDir(books); len(left) != 0 {
			t.Fatalf("%v on a missing book left %v", args, left)
		}
	}
	// A copy names its --from.
	_, errOut, _ := runCLI(t, "copy", "--from", missing, "--to", "postgres://nobody@127.0.0.1:1/none")
	if want := "revshare: copy: no SQLite book at " + missing + " (see --from)\n"; errOut != want {
		t.Errorf("copy from a missing book: %q, want %q", errOut, want)
	}
	// migrate makes an empty book on purpose; run and close then say
	// what the book lacks.
	if got, want := cli(t, missing, "migrate"), missing+" is a new, empty book\n"; got != want {
		t.Errorf("migrate of a missing book: %q, want %q", got, want)
	}
	if got, want := cli(t, missing, "migrate"), missing+" is migrated\n"; got != want {
		t.Errorf("migrate again: %q, want %q", got, want)
	}
	_, errOut, _ = runCLI(t, "--db", missing, "run", "--through", "2026-03")
	if want := "revshare: there are no contracts to run: add one first (revshare contract add FILE.yaml, or POST /api/v1/contracts)\n"; errOut != want {
		t.Errorf("run on an empty book: %q, want %q", errOut, want)
	}
}

// TestPostgresCommandsRefuseMissingBook: on PostgreSQL, a schema without
// revshare's tables is a missing book: the same commands refuse it and
// create no table; a database that does not exist is named as such
// (revshare creates no databases).
func TestPostgresCommandsRefuseMissingBook(t *testing.T) {
	pg.Need(t)
	url := pg.SchemaURL(t)
	for _, args := range notBookCreators(t, t.TempDir()) {
		wantRefused(t, "revshare: "+url+" holds no revshare book (its schema has no revshare tables; see --db; a new book is made by contract add, import usage, import rates, demo, migrate or grant)\n",
			append([]string{"--db", url}, args...)...)
	}
	// A dry run checks against an empty book and creates none either.
	_, errOut, err := runCLI(t, "--db", url, "import", "usage", "../../testdata/runs/usage.csv", "--dry-run")
	if want := "revshare: there is no book at " + url + ": checked against an empty book (dry run: nothing written)\n"; err != nil || errOut != want {
		t.Errorf("dry run on an empty schema: %v %q, want %q", err, errOut, want)
	}
	if tables := schemaTables(t, url); tables != "0" {
		t.Errorf("the refused commands created %s tables", tables)
	}
	u, err := neturl.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/revshare_no_such_database"
	_, errOut, _ = runCLI(t, "--db", u.String(), "run", "--through", "2026-03")
	if want := `revshare: there is no database "revshare_no_such_database" on the PostgreSQL server of ` + u.String() + ": revshare does not create databases (create it with createdb revshare_no_such_database, or check --db)\n"; errOut != want {
		t.Errorf("a database that does not exist: %q\nwant %q", errOut, want)
	}
}

// schemaTables counts the tables in the schema of the PostgreSQL url.
func schemaTables(t *testing.T, url string) string {
	t.Helper()
	raw := rawDB(t, url)
	defer raw.Close()
	return strings.Join(sqlitetest.Strings(t, raw, `SELECT count(*)::text FROM pg_tables WHERE schemaname = current_schema()`), "")
}

// TestRunWithoutContracts: a run on a book without contracts is refused
// (it said "run: no contracts" and exited 0, so a script went on to
// close), and records nothing.
func TestRunWithoutContracts(t *testing.T) {
	dir := t.TempDir()
	book := filepath.Join(dir, "usage.db")
	cli(t, book, "import", "usage", "../../testdata/runs/usage.csv")
	_, errOut, err := runCLI(t, "--db", book, "run", "--through", "2026-03")
	if want := "revshare: there are no contracts to run: add one first (revshare contract add FILE.yaml, or POST /api/v1/contracts)\n"; err == nil || errOut != want {
		t.Errorf("run without contracts: %q\nwant %q", errOut, want)
	}
	db, err := sql.Open("sqlite3", book)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var runs int
	if err := db.QueryRow(`SELECT count(*) FROM runs`).Scan(&runs); err != nil || runs != 0 {
		t.Errorf("runs recorded: %d (%v), want 0", runs, err)
	}
}

// TestCloseEmptyBook: a close on a book with neither contracts nor
// entries (one made by migrate; a mistyped --db is refused before, as no
// book) is refused and
// closes nothing. It answered "closed 2026-01: nothing may be booked on or
// before 2026-01-31", exit 0, while the book the script meant stayed open.
// A journal of usage alone still closes (TestLedgerCommands).
func TestCloseEmptyBook(t *testing.T) { onBothBackends(t, testCloseEmptyBook) }

func testCloseEmptyBook(t *testing.T, newDB newDB) {
	book := newDB(t)
	cli(t, book, "migrate") // an empty book: close refuses a missing one before it looks (TestCommandsRefuseMissingBook)
	wantRefused(t, "revshare: there is nothing to close: the book has no contracts and no entries (is --db the book you meant?); nothing closed\n",
		"--db", book, "close", "2026-01")
	// Nothing closed: the book filled next books January as usual.
	addRunsFixture(t, book)
	if got, want := cli(t, book, "close", "2026-01"), "closed 2026-01: nothing may be booked on or before 2026-01-31\n"; got != want {
		t.Errorf("close after contract add: %q, want %q", got, want)
	}
	if got := cli(t, book, "statement", "small", "2026-01", "--format", "csv"); !strings.Contains(got, "small,2026-01,final,rule,r1,obligation,20.00") {
		t.Errorf("January statement:\n%s", got)
	}
}

// TestPayRerunPaysOnce: pay run twice without --reference (as after a kill
// between its commit and its output) records one payment.
func TestPayRerunPaysOnce(t *testing.T) { onBothBackends(t, testPayRerunPaysOnce) }

func testPayRerunPaysOnce(t *testing.T, newDB newDB) {
	db := newDB(t)
	cli(t, db, "contract", "add", "../../testdata/runs/contract.yaml")
	pay := []string{"pay", "--contract", "small", "--payer", "openai", "--payee", "microsoft", "--amount", "16.00", "--date", "2026-02-10"}
	first := cli(t, db, pay...)
	again := cli(t, db, pay...)
	if !strings.Contains(first, ": entry 1\n") || !strings.Contains(again, " was already recorded as entry 1 (reference auto-") {
		t.Errorf("pay twice: %q then %q, want entry 1, then entry 1 already recorded", first, again)
	}
	if out := cli(t, db, "balance", "--format", "csv"); !strings.Contains(out, "assets:cash:openai,asset,USD,-16.00\n") {
		t.Errorf("balance after paying twice:\n%s", out)
	}
}

// TestDamagedFileRefused: commands that write, and verify, refuse a file
// that SQLite's quick_check calls damaged anywhere (before, they ran on it);
// a read-only command refuses it when it reads a damaged page, with the same
// message, and answers from the pages that are sound (docs/ledger.md,
// "Damaged files": a whole-file check costs a one-shot balance 4 s at 1M
// entries).
func TestDamagedFileRefused(t *testing.T) {
	db := newRunsBook(t)
	cli(t, db, "token", "create", "--role", "auditor", "--name", "someone")
	balance := cli(t, db, "balance", "--format", "csv")
	undamaged, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	refused := "the database " + db + " is damaged (quick_check: "
	// Damage only the API tokens' table, which balance and import never
	// read: without a whole-file check import would write to the file.
	damageTable(t, db, undamaged, "api_tokens")
	for _, args := range [][]string{{"import", "usage", "../../testdata/runs/late.csv"}, {"verify"}} {
		_, errOut, err := runCLI(t, append([]string{"--db", db}, args...)...)
		if err == nil || !strings.Contains(errOut, refused) {
			t.Errorf("%v on a damaged file: %v %q", args, err, errOut)
		}
	}
	if out, errOut, err := runCLI(t, "--db", db, "balance", "--format", "csv"); err != nil || out != balance {
		t.Errorf("balance, which reads no damaged page: %v %q\n%s", err, errOut, out)
	}
	// Damage the running totals, which balance reads.
	damageTable(t, db, undamaged, "balance_totals")
	for _, args := range [][]string{{"balance"}, {"import", "usage", "../../testdata/runs/late.csv"}, {"verify"}} {
		_, errOut, err := runCLI(t, append([]string{"--db", db}, args...)...)
		if err == nil || !strings.Contains(errOut, refused) {
			t.Errorf("%v on damaged balance totals: %v %q", args, err, errOut)
		}
	}
}

// TestImportCommitWaitsForTheCheck: import usage runs the whole-file check
// beside its work (readWriteCheckBeside). Damage in a table the import never
// reads (api_tokens) must still refuse it, a dry run too, with the check's
// words and no summary, and leave the file byte for byte as it was: the
// test fails if the check is skipped or its verdict ignored.
func TestImportCommitWaitsForTheCheck(t *testing.T) {
	db := newRunsBook(t)
	cli(t, db, "token", "create", "--role", "auditor", "--name", "someone")
	undamaged, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	damageTable(t, db, undamaged, "api_tokens")
	damaged, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	want := "revshare: the database " + db + " is damaged (quick_check: database disk image is malformed): restore it from a backup\n"
	for _, args := range [][]string{
		{"import", "usage", "../../testdata/runs/late.csv"},
		{"import", "usage", "--dry-run", "../../testdata/runs/late.csv"},
		{"import", "usage", "--format", "json", "../../testdata/runs/late.csv"},
	} {
		wantRefused(t, want, append([]string{"--db", db}, args...)...)
		if after, err := os.ReadFile(db); err != nil || !bytes.Equal(after, damaged) {
			t.Errorf("%v changed the damaged file (%v)", args, err)
		}
	}
}

// damageTable writes the file undamaged to path with the last 300 bytes of
// table's root page (where its cells sit) overwritten.
func damageTable(t *testing.T, path string, undamaged []byte, table string) {
	t.Helper()
	if err := os.WriteFile(path, undamaged, 0o644); err != nil {
		t.Fatal(err)
	}
	sdb, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	var root, pageSize int
	if err := sdb.QueryRow(`SELECT rootpage FROM sqlite_master WHERE name = ?`, table).Scan(&root); err != nil {
		t.Fatal(err)
	}
	sdb.QueryRow(`PRAGMA page_size`).Scan(&pageSize)
	sdb.Close()
	b := append([]byte(nil), undamaged...)
	end := root * pageSize
	copy(b[end-300:end], strings.Repeat("\xff", 300))
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestPartialImportOfBadProductCompletes: a row whose quantity × unit_price
// has more than 18 fractional digits is a reject in --allow-partial (before,
// it failed the import mid-way and left its batch running).
func TestPartialImportOfBadProductCompletes(t *testing.T) {
	src := filepath.Join(testdataDir(t), "usage", "bad", "product-too-many-digits.csv")
	t.Chdir(t.TempDir()) // the rejects file goes beside the input
	copyFile(t, src, "p.csv")
	out, errOut, _ := runCLI(t, "--db", "p.db", "import", "usage", "--allow-partial", "p.csv")
	if !strings.Contains(out, "2 rows, 1 posted, 0 duplicates, 1 rejected") || !strings.Contains(errOut, "1 of 2 rows rejected") {
		t.Fatalf("partial import: %q %q", out, errOut)
	}
	if list := cli(t, "p.db", "import", "list"); strings.Contains(list, "running") || !strings.Contains(list, "complete") {
		t.Errorf("import list:\n%s", list)
	}
}

// testdataDir is the repository's testdata directory, absolute.
func testdataDir(t *testing.T) string {
	t.Helper()
	d, err := filepath.Abs("../../testdata")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestForeignWALNeverWrittenByReaders: a -wal file beside a book that is
// not its own (a book copied or restored over another without removing its
// -wal) made a read-only command's last connection checkpoint it into the
// book on close: verify said "damaged" and had damaged the book for good.
// Read-only commands now read such a file but never write it into the
// book; the message says how to tell, and with the -wal moved aside the
// book verifies as it was.
func TestForeignWALNeverWrittenByReaders(t *testing.T) {
	book, other, intact, sdb := foreignWALBooks(t)
	// The other book's -wal and -shm, taken while a connection holds
	// them (no checkpoint yet).
	for _, ext := range []string{"-wal", "-shm"} {
		b, err := os.ReadFile(other + ext)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(book+ext, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sdb.Close()
	hint := foreignWALHint(book)
	for _, args := range [][]string{{"verify"}, {"balance"}} {
		_, errOut, err := runCLI(t, append([]string{"--db", book}, args...)...)
		if err == nil || !strings.Contains(errOut, "revshare: the database "+book+" is damaged (") || !strings.Contains(errOut, hint) {
			t.Errorf("%v beside another book's -wal: %v\n%s\nwant the damage named with: %s", args, err, errOut, hint)
		}
		if after, err := os.ReadFile(book); err != nil || !bytes.Equal(after, intact) {
			t.Fatalf("%v wrote the other book's -wal into %s (%v)", args, book, err)
		}
	}
	os.Remove(book + "-wal")
	os.Remove(book + "-shm")
	if out := cli(t, book, "verify"); !strings.HasPrefix(out, "ok: ") {
		t.Errorf("verify with the -wal moved aside: %s", out)
	}
}

// foreignWALBooks builds the runs book with more events, and another book
// whose last write is still in its -wal, held by the returned connection
// (no checkpoint yet): for the tests that put that -wal beside the book.
// intact is the book's file as it was.
func foreignWALBooks(t *testing.T) (book, other string, intact []byte, held *sql.DB) {
	t.Helper()
	book = newRunsBook(t)
	other = filepath.Join(t.TempDir(), "other.db")
	cli(t, other, "import", "usage", "../../testdata/runs/late.csv")
	csv := filepath.Join(t.TempDir(), "more.csv")
	writeCrashCSV(t, csv, 3000)
	cli(t, book, "import", "usage", csv)
	intact, err := os.ReadFile(book)
	if err != nil {
		t.Fatal(err)
	}
	held, err = sql.Open("sqlite3", "file:"+other+"?_journal_mode=WAL")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { held.Close() })
	held.SetMaxOpenConns(1)
	for _, q := range []string{`PRAGMA wal_autocheckpoint = 0`, `INSERT INTO event_sources (name) VALUES ('other')`} {
		if _, err := held.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	return book, other, intact, held
}

// foreignWALHint is the cure a damage message beside a foreign -wal names.
func foreignWALHint(book string) string {
	return "if " + book + "-wal is not this book's (a copy or restore that left another copy's -wal beside it), move " +
		book + "-wal and " + book + "-shm aside and run verify again; else restore it from a backup"
}

// TestBusyNamesBookAndCure: a writer that gives up waiting for another
// said "the database is busy: ... (gave up after waiting 1s)", naming
// neither the book (a script may use several) nor what to do. Nothing is
// written.
func TestBusyNamesBookAndCure(t *testing.T) {
	book := newRunsBook(t)
	before := cli(t, book, "balance", "--format", "csv")
	holder, err := sql.Open("sqlite3", "file:"+book+"?_journal_mode=WAL")
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	holder.SetMaxOpenConns(1)
	if _, err := holder.Exec(`BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	_, errOut, err := runCLI(t, "--db", book, "--lock-timeout", "1s", "pay", "--contract", "small", "--payer", "openai",
		"--payee", "microsoft", "--amount", "16.00", "--date", "2026-02-10")
	want := "revshare: the database " + book + " is busy: another process is writing to the database (gave up after waiting 1s): " +
		"run the command again when that has finished, or let it wait longer with --lock-timeout DURATION\n"
	if err == nil || !strings.HasSuffix(errOut, want) {
		t.Errorf("pay while another process writes: %v\n%s\nwant %s", err, errOut, want)
	}
	if _, err := holder.Exec(`ROLLBACK`); err != nil {
		t.Fatal(err)
	}
	if after := cli(t, book, "balance", "--format", "csv"); after != before {
		t.Errorf("balance changed:\n%s\nwant\n%s", after, before)
	}
}

// TestFirstImportRefusedLeavesNoBook: a first import into a missing file
// builds the book beside it under a temporary name and puts it in place
// only when the import committed: a refused one (usage or rates) leaves
// nothing in the book's directory, an accepted one leaves the book alone.
func TestFirstImportRefusedLeavesNoBook(t *testing.T) {
	in := t.TempDir()
	badUsage := filepath.Join(in, "bad.csv")
	badRates := filepath.Join(in, "rates.csv")
	for path, body := range map[string]string{
		badUsage: "event_id,occurred_at,seller,channel,customer,product,region,amount,currency\n1,2026-01-05T00:00:00Z,s,c,u,p,r,abc,USD\n",
		badRates: "date,from,to,rate\n2026-01-01,EUR,USD,x\n",
	} {
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	books := t.TempDir()
	book := filepath.Join(books, "new.db")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"import", "usage", badUsage}, "revshare: " + badUsage + ": 1 bad row(s) of 1; nothing imported\n"},
		{[]string{"import", "rates", badRates}, "revshare: " + badRates + ": 1 bad row(s) of 1; nothing imported\n"},
	} {
		_, errOut, err := runCLI(t, append([]string{"--db", book}, tc.args...)...)
		if exitCode(err) != 1 || !strings.HasSuffix(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want it to end %q", tc.args, exitCode(err), errOut, tc.want)
		}
		if left, _ := os.ReadDir(books); len(left) != 0 {
			t.Fatalf("%v refused left %v", tc.args, left)
		}
	}
	good := filepath.Join("..", "..", "testdata", "usage", "good", "canonical.csv")
	if _, errOut, err := runCLI(t, "--db", book, "import", "usage", good); err != nil {
		t.Fatalf("first import: %v %s", err, errOut)
	}
	if left, _ := os.ReadDir(books); len(left) != 1 || left[0].Name() != "new.db" {
		t.Fatalf("after the first import the directory holds %v, want new.db alone", left)
	}
	if got, want := cli(t, book, "verify"), "ok: 5 entries"; !strings.HasPrefix(got, want) {
		t.Errorf("verify: %q, want it to start %q", got, want)
	}
}
