package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestDealIDRPastInputDigits follows testdata/deals/idr: events of up to 18
// integer digits, days whose entries sum past 10^18, bases and obligations
// past 10^18 (a posting used to hold 14 integer digits: the run failed with
// "amount ... is too large" after the import had accepted the events). It
// imports, runs, closes, pays, prints statements and exports exactly (CLI
// and REST), and verify passes. Every figure by hand:
//
//	January shop-share: 900000000000000000.50 + 900000000000000000.25 (one
//	  entry: 1800000000000000000.75) + 999999999999999999 VND × 0.6 =
//	  2400000000000000000.15; 50% = 1200000000000000000.075 → 1200000000000000000.08
//	January cloud-share: 5 × 999999999999999999.99 = 4999999999999999999.95;
//	  25% = 1249999999999999999.9875 → .99, capped at 999999999999999999.00
//	February shop-share: 123456789012345678.9 × 50% = 61728394506172839.45
func TestDealIDRPastInputDigits(t *testing.T) { onBothBackends(t, testDealIDRPastInputDigits) }

func testDealIDRPastInputDigits(t *testing.T, newDB newDB) {
	dir := filepath.Join("..", "..", "testdata", "deals", "idr")
	db := newDB(t)
	cli(t, db, "contract", "add", filepath.Join(dir, "contract.yaml"))
	cli(t, db, "import", "rates", filepath.Join(dir, "rates.csv"))
	cli(t, db, "import", "usage", filepath.Join(dir, "usage.csv"))
	if out := cli(t, db, "run", "--through", "2026-02"); out != "run idr-deal through 2026-02: 3 entries booked (0 prior-period adjustments)\n" {
		t.Errorf("run: %q", out)
	}
	cli(t, db, "close", "2026-01")
	cli(t, db, "pay", "--contract", "idr-deal", "--payer", "shop", "--payee", "cloud", "--amount", "999999999999999999.99", "--date", "2026-02-10")

	jan := cli(t, db, "statement", "idr-deal", "2026-01")
	for _, s := range []string{
		"| base (3 events) | 2,400,000,000,000,000,000.15 |",
		"| gross | 1,200,000,000,000,000,000.08 |",
		"| obligation | 1,200,000,000,000,000,000.08 |",
		"| base (5 events) | 4,999,999,999,999,999,999.95 |",
		"| gross | 1,249,999,999,999,999,999.99 |",
		"| cap total **binds**: limit 999,999,999,999,999,999.00, consumed before 0.00, applied 999,999,999,999,999,999.00 | remaining 0.00 |",
		"| obligation | 999,999,999,999,999,999.00 |",
		"| shop → cloud | 1,200,000,000,000,000,000.08 | 0.00 | 1,200,000,000,000,000,000.08 | 0.00 | 0.00 | 1,200,000,000,000,000,000.08 |",
	} {
		if !strings.Contains(jan, s) {
			t.Errorf("January statement lacks %q:\n%s", s, jan)
		}
	}
	// February: the obligation, January's due carried in, the payment.
	feb := cli(t, db, "statement", "idr-deal", "2026-02", "--format", "json")
	for _, s := range []string{`"obligation": "61728394506172839.45"`, `"opening_balance": "1200000000000000000.08"`,
		`"payments": "999999999999999999.99"`, `"closing_balance": "261728394506172839.54"`} {
		if !strings.Contains(feb, s) {
			t.Errorf("February statement JSON lacks %s:\n%s", s, feb)
		}
	}
	bal := cli(t, db, "balance", "--format", "csv")
	for _, s := range []string{"assets:receivable:shop:direct,asset,IDR,1923456789012345679.65",
		"expenses:revshare:shop:cloud:idr-deal,expense,IDR,1261728394506172839.53",
		"liabilities:revshare:shop:cloud:idr-deal,liability,IDR,-261728394506172839.54",
		"assets:cash:shop,asset,IDR,-999999999999999999.99"} {
		if !strings.Contains(bal, s) {
			t.Errorf("balance lacks %s:\n%s", s, bal)
		}
	}
	for format, lines := range map[string][]string{
		"hledger":   {"assets:receivable:shop:direct  1800000000000000000.75 IDR", "expenses:revshare:shop:cloud:idr-deal  1200000000000000000.08 IDR"},
		"ledger":    {"1800000000000000000.75 IDR", "-999999999999999999.00 IDR"},
		"beancount": {"Assets:Receivable:Cloud:Direct  4999999999999999999.95 IDR", "Expenses:Revshare:Shop:Cloud:Idr-deal  61728394506172839.45 IDR"},
	} {
		out := cli(t, db, "export", format)
		for _, s := range lines {
			if !strings.Contains(out, s) {
				t.Errorf("export %s lacks %q", format, s)
			}
		}
	}
	if out := cli(t, db, "verify"); !strings.HasPrefix(out, "ok: 8 entries") {
		t.Errorf("verify: %q", out)
	}

	aud := strings.TrimSpace(cli(t, db, "token", "create", "--role", "auditor"))
	want := cli(t, db, "statement", "idr-deal", "2026-01", "--format", "json")
	wantTB := cli(t, db, "balance", "--format", "json")
	base, stop := startServe(t, db)
	defer stop()
	if status, api := call(t, "GET", base+"/api/v1/contracts/idr-deal/statements/2026-01", aud, ""); status != 200 || api != want {
		t.Errorf("statement over HTTP (%d) differs from the CLI's:\nHTTP %s\nCLI  %s", status, api, want)
	}
	if status, api := call(t, "GET", base+"/api/v1/trial-balance", aud, ""); status != 200 || !strings.Contains(api, `"1923456789012345679.65"`) {
		t.Errorf("trial balance over HTTP (%d): %s\nCLI %s", status, api, wantTB)
	}
	// A payment of 18 integer digits over REST, and one of 19 refused.
	fin := strings.TrimSpace(cli(t, db, "token", "create", "--role", "finance"))
	pay := `{"contract":"idr-deal","payer":"shop","payee":"cloud","amount":"%s","date":"2026-02-11"}`
	if status, api := call(t, "POST", base+"/api/v1/payments", fin, strings.Replace(pay, "%s", "261728394506172839.54", 1)); status != 201 {
		t.Errorf("payment over HTTP: %d %s", status, api)
	}
	if status, api := call(t, "POST", base+"/api/v1/payments", fin, strings.Replace(pay, "%s", "1000000000000000000", 1)); status != 400 ||
		!strings.Contains(api, `more than 18 digits before the decimal point`) {
		t.Errorf("payment of 19 digits over HTTP: %d %s", status, api)
	}
	if status, api := call(t, "GET", base+"/api/v1/contracts/idr-deal/statements/2026-02", aud, ""); status != 200 || !strings.Contains(api, `"closing_balance": "0.00"`) {
		t.Errorf("February after the REST payment: %d %s", status, api)
	}
}
