package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/contracts/books"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite"
	"github.com/revshare/revshare/ledger/sqlite/sqlitetest"
	"github.com/revshare/revshare/ledger/storetest"
	"github.com/revshare/revshare/ledger/usage"
	"github.com/revshare/revshare/reports"
)

// factsFixture builds a database with every kind of stored fact: a
// contract, a rates batch, a default and a partial usage import (with a
// reject), runs with accruals and prior-period adjustments, two payments,
// two closes and their final statements (one period using an EUR rate).
// It returns the file, closed.
func factsFixture(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	clock := storetest.NewClock(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
	path := filepath.Join(t.TempDir(), "facts.db")
	db, err := sqlite.Open(ctx, path, clock)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	step := func(err error) {
		t.Helper()
		clock.Advance(time.Minute)
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err = db.SaveContract(ctx, storetest.ParseContract(t, storetest.TwoWayCappedDeal), false)
	step(err)
	_, err = db.ImportRates(ctx, strings.NewReader("date,from,to,rate\n2026-01-01,EUR,USD,1.10\n2026-02-01,EUR,USD,1.20\n"), usage.RateImportOptions{FileName: "rates.csv"})
	step(err)
	var usageCSV strings.Builder
	usageCSV.WriteString("event_id,occurred_at,seller,channel,product,amount,currency\n")
	for m := 1; m <= 4; m++ {
		fmt.Fprintf(&usageCSV, "a%d,2026-%02d-03,openai,direct,api,%d.00,USD\n", m, m, 100*m)
		fmt.Fprintf(&usageCSV, "b%d,2026-%02d-09,openai,aws,chat,%d.50,EUR\n", m, m, 30+m)
		fmt.Fprintf(&usageCSV, "c%d,2026-%02d-17,microsoft,azure,api,%d.25,USD\n", m, m, 70*m)
	}
	_, err = db.ImportUsage(ctx, strings.NewReader(usageCSV.String()), usage.ImportOptions{Source: "crm", FileName: "u.csv"})
	step(err)
	partial := "event_id,occurred_at,seller,channel,product,amount,currency\np1,2026-03-05,openai,direct,api,12.00,USD\np2,2026-03-06,openai,direct,api,abc,USD\np3,2026-04-07,microsoft,azure,api,8.00,USD\n"
	_, err = db.ImportUsage(ctx, strings.NewReader(partial), usage.ImportOptions{Source: "crm", FileName: "p.csv", AllowPartial: true, SHA256: sha256Hex(partial)})
	step(err)
	_, err = books.Service{Store: db.Books()}.Run(ctx, ledger.Date{Year: 2026, Month: 2, Day: 28})
	step(err)
	_, err = books.Service{Store: db.Books()}.Pay(ctx, contracts.Payment{Contract: "deal", Payer: "openai", Payee: "microsoft", Amount: decimal.RequireFromString("10.00"), Date: ledger.Date{Year: 2026, Month: 2, Day: 10}, Reference: "wire-1"})
	step(err)
	_, err = reports.Books{Store: db.Books()}.CloseThrough(ctx, ledger.Date{Year: 2026, Month: 2, Day: 28})
	step(err)
	late := "event_id,occurred_at,seller,channel,product,amount,currency\nl1,2026-01-20,microsoft,azure,api,5.00,USD\nl2,2026-02-20,openai,direct,api,-40.00,USD\n"
	_, err = db.ImportUsage(ctx, strings.NewReader(late), usage.ImportOptions{Source: "crm", FileName: "late.csv"})
	step(err)
	_, err = books.Service{Store: db.Books()}.Pay(ctx, contracts.Payment{Contract: "deal", Payer: "microsoft", Payee: "openai", Amount: decimal.RequireFromString("3.25"), Date: ledger.Date{Year: 2026, Month: 3, Day: 12}, Reference: "wire-2"})
	step(err)
	_, err = reports.Books{Store: db.Books()}.CloseThrough(ctx, ledger.Date{Year: 2026, Month: 3, Day: 31})
	step(err)
	_, err = books.Service{Store: db.Books()}.Run(ctx, ledger.Date{Year: 2026, Month: 4, Day: 30})
	step(err)
	if _, err := db.VerifyBooksReport(ctx, reports.VerifyFinalStatements); err != nil {
		t.Fatalf("untouched fixture: %v", err)
	}
	return path
}

// tamperCase is one raw edit of the database.
type tamperCase struct {
	name string
	edit func(t *testing.T, raw *sql.DB)
}

func execSQL(q string, args ...any) func(t *testing.T, raw *sql.DB) {
	return func(t *testing.T, raw *sql.DB) {
		t.Helper()
		res, err := raw.Exec(q, args...)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			t.Fatalf("%s %v: changed no row", q, args)
		}
	}
}

// positions picks the first, a middle and the last of keys.
func positions(keys []string) []string {
	if len(keys) <= 3 {
		return keys
	}
	return []string{keys[0], keys[len(keys)/2], keys[len(keys)-1]}
}

// forgeStatement rewrites a stored statement's body with edit applied and
// its hash recomputed, in the body and the hash column: the strongest
// forgery of a final statement.
func forgeStatement(contract, period string, edit func(s *reports.Statement)) func(t *testing.T, raw *sql.DB) {
	return func(t *testing.T, raw *sql.DB) {
		t.Helper()
		var body string
		if err := raw.QueryRow(`SELECT body FROM statements WHERE contract = ? AND period = ?`, contract, period).Scan(&body); err != nil {
			t.Fatal(err)
		}
		s, err := reports.ParseStored([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		s.Stored = nil
		edit(s)
		if err := s.Seal(); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		if err := s.Render(&b, "json"); err != nil {
			t.Fatal(err)
		}
		if b.String() == body {
			t.Fatal("the forgery changed nothing")
		}
		execSQL(`UPDATE statements SET body = ?, hash = ? WHERE contract = ? AND period = ?`, b.String(), s.Hash, contract, period)(t, raw)
	}
}

func plusCent(s string) string {
	return decimal.RequireFromString(s).Add(decimal.New(1, -2)).StringFixed(2)
}

// factTamperCases lists the edits: every table revshare stores facts in,
// each kind of column, at several rows.
func factTamperCases(t *testing.T, path string) []tamperCase {
	raw, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var cases []tamperCase
	add := func(name string, edit func(t *testing.T, raw *sql.DB)) {
		cases = append(cases, tamperCase{name, edit})
	}

	// bookings: every column at three rows, a deleted row, a forged row.
	bookingEdits := map[string]string{
		"contract": `'other'`, "version": `version + 1`, "rule": `CASE rule WHEN 'share' THEN 'azure' ELSE 'share' END`,
		"period": `CASE period WHEN '2026-04' THEN '2026-03' ELSE '2026-04' END`, "kind": `CASE kind WHEN 'accrual' THEN 'adjustment' ELSE 'accrual' END`, "booked_in": `'2025-12'`,
		"payer": `payee`, "payee": `payer`, "base": `base || '1'`, "base_delta": `'7.5'`, "amount": `CAST(amount AS REAL) + 1`,
		"date": `CASE date WHEN '2026-04-30' THEN '2026-04-29' ELSE '2026-04-30' END`,
	}
	for _, id := range positions(sqlitetest.Strings(t, raw, `SELECT entry_id FROM bookings ORDER BY entry_id`)) {
		for _, col := range []string{"contract", "version", "rule", "period", "kind", "booked_in", "payer", "payee", "base", "base_delta", "amount", "date"} {
			add("bookings "+id+" "+col, execSQL(`UPDATE bookings SET `+col+` = `+bookingEdits[col]+` WHERE entry_id = ?`, id))
		}
		add("bookings "+id+" amount scale", execSQL(`UPDATE bookings SET amount = CASE WHEN instr(amount, '.') THEN amount || '0' ELSE amount || '.0' END WHERE entry_id = ?`, id))
		add("bookings "+id+" deleted", execSQL(`DELETE FROM bookings WHERE entry_id = ?`, id))
		add("bookings "+id+" moved to another entry", execSQL(`UPDATE bookings SET entry_id = entry_id + 1000 WHERE entry_id = ?`, id))
	}
	add("bookings forged row", execSQL(`INSERT INTO bookings SELECT entry_id + 1000, contract, version, rule, period, kind, booked_in, payer, payee, base, base_delta, amount, date FROM bookings ORDER BY entry_id LIMIT 1`))
	add("bookings row on a usage entry", execSQL(`INSERT INTO bookings SELECT (SELECT min(entry_id) FROM import_groups), contract, version, rule, period, kind, booked_in, payer, payee, base, base_delta, amount, date FROM bookings ORDER BY entry_id LIMIT 1`))

	// payments: every column of both rows.
	paymentEdits := map[string]string{
		"contract": `'other'`, "payer": `payee`, "payee": `payer`, "amount": `'99.00'`, "date": `'2026-03-01'`, "reference": `'wire-9'`,
	}
	for _, id := range sqlitetest.Strings(t, raw, `SELECT entry_id FROM payments ORDER BY entry_id`) {
		for _, col := range []string{"contract", "payer", "payee", "amount", "date", "reference"} {
			add("payments "+id+" "+col, execSQL(`UPDATE payments SET `+col+` = `+paymentEdits[col]+` WHERE entry_id = ?`, id))
		}
		add("payments "+id+" amount negative", execSQL(`UPDATE payments SET amount = '-' || amount WHERE entry_id = ?`, id))
		add("payments "+id+" amount cent", execSQL(`UPDATE payments SET amount = CAST(amount AS REAL) + 0.01 WHERE entry_id = ?`, id))
		add("payments "+id+" deleted", execSQL(`DELETE FROM payments WHERE entry_id = ?`, id))
	}
	add("payments forged row", execSQL(`INSERT INTO payments SELECT entry_id + 1000, contract, payer, payee, amount, date, reference FROM payments LIMIT 1`))

	// statements: each stored one, its columns, its body altered (hash
	// left, or recomputed everywhere), deleted.
	type stmtKey struct{ contract, period string }
	var stmts []stmtKey
	for _, k := range sqlitetest.Strings(t, raw, `SELECT contract || ' ' || period FROM statements ORDER BY period`) {
		c, p, _ := strings.Cut(k, " ")
		stmts = append(stmts, stmtKey{c, p})
	}
	if len(stmts) != 3 {
		t.Fatalf("fixture has %d statements, want 3", len(stmts))
	}
	for _, s := range stmts {
		c, p := s.contract, s.period
		where := ` WHERE contract = '` + c + `' AND period = '` + p + `'`
		name := "statements " + p + " "
		add(name+"hash", execSQL(`UPDATE statements SET hash = replace(hash, substr(hash, 1, 1), CASE substr(hash, 1, 1) WHEN 'a' THEN 'b' ELSE 'a' END)`+where))
		add(name+"version", execSQL(`UPDATE statements SET version = version + 1`+where))
		add(name+"version NULL", execSQL(`UPDATE statements SET version = NULL`+where))
		add(name+"events_through", execSQL(`UPDATE statements SET events_through = events_through - 1`+where))
		add(name+"rates_through", execSQL(`UPDATE statements SET rates_through = 0`+where))
		add(name+"period", execSQL(`UPDATE statements SET period = '2027-01'`+where))
		add(name+"contract", execSQL(`UPDATE statements SET contract = 'other'`+where))
		add(name+"deleted", execSQL(`DELETE FROM statements`+where))
		for _, field := range []string{`"obligation": "`, `"base": "`, `"closing_balance": "`, `"events": `, `"gross": "`} {
			add(name+"body "+strings.Trim(field, `": `)+" (hash kept)", execSQL(`UPDATE statements SET body = substr(body, 1, instr(body, '`+field+`') + length('`+field+`') - 1) || '9' || substr(body, instr(body, '`+field+`') + length('`+field+`'))`+where))
		}
		add(name+"body whitespace (hash kept)", execSQL(`UPDATE statements SET body = replace(body, '"rules": [', '"rules":  [')`+where))
		forged := map[string]func(*reports.Statement){
			"obligation": func(s *reports.Statement) { s.Rules[0].Obligation = plusCent(s.Rules[0].Obligation) },
			"gross":      func(s *reports.Statement) { s.Rules[0].Gross = plusCent(s.Rules[0].Gross) },
			"base":       func(s *reports.Statement) { s.Rules[0].Base = plusCent(s.Rules[0].Base) },
			"events":     func(s *reports.Statement) { s.Rules[1].Events++ },
			"event ids":  func(s *reports.Statement) { s.Rules[0].EventIDs = s.Rules[0].EventIDs[1:] },
			"cap remaining": func(s *reports.Statement) {
				s.Rules[0].Caps[0].RemainingAfter = plusCent(s.Rules[0].Caps[0].RemainingAfter)
			},
			"pair closing":     func(s *reports.Statement) { s.Pairs[0].ClosingBalance = plusCent(s.Pairs[0].ClosingBalance) },
			"pair payments":    func(s *reports.Statement) { s.Pairs[0].Payments = plusCent(s.Pairs[0].Payments) },
			"pair payer":       func(s *reports.Statement) { s.Pairs[0].Payer, s.Pairs[0].Payee = s.Pairs[0].Payee, s.Pairs[0].Payer },
			"contract name":    func(s *reports.Statement) { s.ContractName = "Two-way capped deal (amended)" },
			"contract version": func(s *reports.Statement) { s.ContractVersion = 2 },
			"rule removed":     func(s *reports.Statement) { s.Rules = s.Rules[:1] },
			"period end":       func(s *reports.Statement) { s.Period.End = "2026-12-31" },
		}
		for _, k := range []string{"obligation", "gross", "base", "events", "event ids", "cap remaining", "pair closing", "pair payments", "pair payer", "contract name", "contract version", "rule removed", "period end"} {
			add(name+"body "+k+" (hash recomputed)", forgeStatement(c, p, forged[k]))
		}
	}

	// import batches: every counter of every batch.
	for _, id := range sqlitetest.Strings(t, raw, `SELECT id FROM import_batches ORDER BY id`) {
		for _, col := range []string{"rows", "posted", "duplicates", "rejected", "late", "entries"} {
			add("import_batches "+id+" "+col, execSQL(`UPDATE import_batches SET `+col+` = `+col+` + 1 WHERE id = ?`, id))
		}
	}
	add("import_rejects deleted", execSQL(`DELETE FROM import_rejects`))
	add("import_batches source", execSQL(`UPDATE import_batches SET source = 'other' WHERE id = (SELECT min(id) FROM import_batches WHERE kind = 'usage')`))
	add("event_sources renamed", execSQL(`UPDATE event_sources SET name = 'other'`))

	// balance totals: each limb of three rows.
	for _, k := range positions(sqlitetest.Strings(t, raw, `SELECT account_id || ':' || currency FROM balance_totals ORDER BY account_id, currency`)) {
		acct, cur, _ := strings.Cut(k, ":")
		for _, col := range []string{"l0", "l1", "l2", "l3", "l4", "l5", "l6", "l7"} {
			add("balance_totals "+k+" "+col, execSQL(`UPDATE balance_totals SET `+col+` = `+col+` + 1 WHERE account_id = ? AND currency = ?`, acct, cur))
		}
		add("balance_totals "+k+" deleted", execSQL(`DELETE FROM balance_totals WHERE account_id = ? AND currency = ?`, acct, cur))
	}

	// usage aggregates: each column kind at three rows.
	for _, id := range positions(sqlitetest.Strings(t, raw, `SELECT rowid FROM usage_rows ORDER BY rowid`)) {
		for col, to := range map[string]string{"amount": `amount || '1'`, "events": `events + 1`, "period": `'2027-01'`, "rule": `'nope'`,
			"channel": `'gcp'`, "product": `'other'`, "currency": `'JPY'`, "event_ids": `x'02'`} {
			add("usage_rows "+id+" "+col, execSQL(`UPDATE usage_rows SET `+col+` = `+to+` WHERE rowid = ?`, id))
		}
		add("usage_rows "+id+" deleted", execSQL(`DELETE FROM usage_rows WHERE rowid = ?`, id))
	}

	// closes: each column of both.
	for _, through := range sqlitetest.Strings(t, raw, `SELECT through FROM period_closes ORDER BY through`) {
		add("period_closes "+through+" head_hash", execSQL(`UPDATE period_closes SET head_hash = replace(head_hash, substr(head_hash, 2, 1), CASE substr(head_hash, 2, 1) WHEN 'a' THEN 'b' ELSE 'a' END) WHERE through = ?`, through))
		add("period_closes "+through+" head_id", execSQL(`UPDATE period_closes SET head_id = head_id - 1 WHERE through = ?`, through))
		add("period_closes "+through+" through earlier", execSQL(`UPDATE period_closes SET through = '2026-01-15' WHERE through = ?`, through))
	}
	add("period_closes first through later", execSQL(`UPDATE period_closes SET through = '2026-03-15' WHERE through = '2026-02-28'`))
	add("period_closes last deleted", execSQL(`DELETE FROM period_closes WHERE through = '2026-03-31'`))

	// the inputs: events, import groups, rates, contracts, the journal.
	for _, id := range positions(sqlitetest.Strings(t, raw, `SELECT id FROM events ORDER BY id`)) {
		add("events "+id+" amount", execSQL(`UPDATE events SET data = replace(data, '.', '9.') WHERE id = ?`, id))
		add("events "+id+" deleted", execSQL(`DELETE FROM events WHERE id = ?`, id))
	}
	add("import_groups events", execSQL(`UPDATE import_groups SET events = events + 1 WHERE entry_id = (SELECT min(entry_id) FROM import_groups)`))
	add("fx_rates rate used by a final statement", execSQL(`UPDATE fx_rates SET rate = '1.15' WHERE date = '2026-01-01'`))
	add("contracts rate of version 1", execSQL(`UPDATE contracts SET document = replace(document, '0.2', '0.25') WHERE version = 1`))
	add("postings amount", execSQL(`UPDATE postings SET amount = '1.00' WHERE entry_id = (SELECT max(entry_id) FROM bookings) AND seq = 1`))
	// runs: the entries each booked, when it ran, what it ran through.
	for _, id := range positions(sqlitetest.Strings(t, raw, `SELECT id FROM runs WHERE entries > 0 ORDER BY id`)) {
		add("runs "+id+" entries", execSQL(`UPDATE runs SET entries = entries + 1 WHERE id = ?`, id))
		add("runs "+id+" entries fewer", execSQL(`UPDATE runs SET entries = entries - 1 WHERE id = ?`, id))
		add("runs "+id+" started_at", execSQL(`UPDATE runs SET started_at = '2020-01-01T00:00:00Z' WHERE id = ?`, id))
		add("runs "+id+" deleted", execSQL(`DELETE FROM runs WHERE id = ?`, id))
	}
	for _, id := range positions(sqlitetest.Strings(t, raw, `SELECT id FROM runs ORDER BY id`)) {
		add("runs "+id+" through", execSQL(`UPDATE runs SET through = '2026-13-01' WHERE id = ?`, id))
	}
	add("runs forged row", execSQL(`INSERT INTO runs (through, started_at, entries) VALUES ('2026-01-31', '2026-05-01T08:00:00Z', 1)`))
	add("entries meta of a booking", execSQL(`UPDATE entries SET meta = replace(meta, 'accrual', 'adjustment') WHERE id = (SELECT min(entry_id) FROM bookings)`))
	return cases
}

// TestTamperFacts edits the database behind revshare's back — the schema's
// triggers dropped first — once per case of factTamperCases (every table
// of stored facts × column kind × several rows; over 200 edits) and checks
// that verify names a violation every time. With -short it runs every
// fifth case.
func TestTamperFacts(t *testing.T) {
	fixture := factsFixture(t)
	cases := factTamperCases(t, fixture)
	t.Logf("%d tampering edits", len(cases))
	if len(cases) < 200 {
		t.Fatalf("only %d edits, want at least 200", len(cases))
	}
	orig, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	caught := 0
	for i, tc := range cases {
		if testing.Short() && i%5 != 0 {
			continue
		}
		path := filepath.Join(t.TempDir(), "t.db")
		if err := os.WriteFile(path, orig, 0o644); err != nil {
			t.Fatal(err)
		}
		raw, err := sql.Open("sqlite3", "file:"+path+"?_foreign_keys=off")
		if err != nil {
			t.Fatal(err)
		}
		raw.SetMaxOpenConns(1)
		sqlitetest.DropTriggers(t, raw)
		tc.edit(t, raw)
		raw.Close()
		db, err := sqlite.Open(context.Background(), path, nil)
		if err != nil {
			t.Fatalf("%s: open: %v", tc.name, err)
		}
		_, err = db.VerifyBooksReport(context.Background(), reports.VerifyFinalStatements)
		db.Close()
		var ve *sqlite.VerifyError
		if !errors.As(err, &ve) {
			t.Errorf("%s: not caught (verify: %v)", tc.name, err)
			continue
		}
		caught++
		if testing.Verbose() {
			t.Logf("%s: %v", tc.name, ve)
		}
	}
	t.Logf("%d edits caught", caught)
}
