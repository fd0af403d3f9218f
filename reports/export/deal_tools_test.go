package export

import (
	"path/filepath"
	"testing"
)

// TestToolsAgreeOnDealLedger exports a ledger with split bookings, advance
// payments and recoupments (testdata/deals/late, through a close, a payment
// and a late event): hledger, ledger and beancount must read the same
// balances, to the cent, as revshare balance (assets:advances included).
func TestToolsAgreeOnDealLedger(t *testing.T) {
	requireTools(t, "hledger", "ledger", "bean-check", "bean-query")
	bin := revshareBinary(t)
	dir := filepath.Join("..", "..", "testdata", "deals", "late")
	db := filepath.Join(t.TempDir(), "deal.db")
	run(t, bin, "--db", db, "contract", "add", filepath.Join(dir, "contract.yaml"))
	run(t, bin, "--db", db, "import", "usage", filepath.Join(dir, "usage.csv"))
	run(t, bin, "--db", db, "run", "--through", "2026-02")
	run(t, bin, "--db", db, "close", "2026-01")
	run(t, bin, "--db", db, "pay", "--contract", "late-deal", "--payer", "label", "--payee", "producer", "--amount", "15.00", "--date", "2026-02-10")
	run(t, bin, "--db", db, "import", "usage", filepath.Join(dir, "late.csv"))
	run(t, bin, "--db", db, "run", "--through", "2026-03")
	checkExports(t, db, []exportCase{{name: "deal"}})
}
