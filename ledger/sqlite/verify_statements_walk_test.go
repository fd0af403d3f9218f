package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/contracts/books"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite"
	"github.com/revshare/revshare/ledger/storetest"
	"github.com/revshare/revshare/ledger/usage"
	"github.com/revshare/revshare/reports"
)

// walkCountingTx counts the walks over the events.
type walkCountingTx struct {
	books.ReadTx
	walks *int
}

func (tx walkCountingTx) EachEvent(fn func(*ledger.Event) error) error {
	*tx.walks++
	return tx.ReadTx.EachEvent(fn)
}

// TestVerifyStatementsInOneWalk: the final statements of three contracts
// at two closes (six groups, two sets of events: late January events came
// between the closes) are rendered again from one walk over the events, and
// the open-start contract's first period found as of both closes from one,
// each from the events committed before its close: January's statement of
// share-a does not count the late a2 (its February statement adjusts for
// it), or it would not render as stored.
func TestVerifyStatementsInOneWalk(t *testing.T) {
	ctx := context.Background()
	clock := storetest.NewClock(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "b.db"), clock)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	step := func(_ any, err error) {
		t.Helper()
		clock.Advance(time.Minute)
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []string{"a", "b", "c"} {
		from := "    from: 2026-01-01\n"
		if s == "c" {
			from = "" // open start: its first period is its first event's, as of each close
		}
		c, err := contracts.Parse([]byte(fmt.Sprintf("id: share-%s\ncurrency: USD\ntimezone: UTC\nperiod: month\nparties: [%s, p]\n"+
			"rules:\n  - id: r\n    payer: %s\n    payee: p\n    match: {seller: %s}\n    rate: \"0.10\"\n%s", s, s, s, s, from)))
		if err != nil {
			t.Fatal(err)
		}
		step(db.SaveContract(ctx, c, false))
	}
	imp := func(name, rows string) {
		t.Helper()
		step(db.ImportUsage(ctx, strings.NewReader("event_id,occurred_at,seller,channel,amount,currency\n"+rows), usage.ImportOptions{FileName: name}))
	}
	imp("jan.csv", "a1,2026-01-05,a,web,100.00,USD\nb1,2026-01-06,b,web,200.00,USD\nc1,2026-01-07,c,web,300.00,USD\nz1,2026-01-08,z,web,999.00,USD\n")
	runs, closer := books.Service{Store: db.Books()}, reports.Books{Store: db.Books()}
	step(runs.Run(ctx, ledger.Date{Year: 2026, Month: 1, Day: 31}))
	step(closer.CloseThrough(ctx, ledger.Date{Year: 2026, Month: 1, Day: 31}))
	imp("feb.csv", "a2,2026-01-20,a,web,40.00,USD\nb2,2026-02-06,b,web,20.00,USD\nc2,2026-02-07,c,web,30.00,USD\n")
	step(runs.Run(ctx, ledger.Date{Year: 2026, Month: 2, Day: 28}))
	step(closer.CloseThrough(ctx, ledger.Date{Year: 2026, Month: 2, Day: 28}))

	verify := func() (walks int, err error) {
		err = db.Books().View(ctx, func(tx books.ReadTx) error {
			return reports.VerifyFinalStatements(walkCountingTx{tx, &walks})
		})
		return walks, err
	}
	// One walk renders the statements again; one finds the open-start
	// contract's first period as of each close.
	if walks, err := verify(); err != nil || walks != 2 {
		t.Fatalf("verify: %d walks over the events (want 2), %v", walks, err)
	}
}
