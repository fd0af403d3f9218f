package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/contracts"
	cbooks "github.com/revshare/revshare/contracts/books" // "books" is import_test.go's pair of backends
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite/tempdb"
	"github.com/revshare/revshare/ledger/storetest"
	"github.com/revshare/revshare/ledger/usage"
	"github.com/revshare/revshare/reports"
)

// booksBackend is what the parity scenario drives on each backend.
type booksBackend interface {
	ledger.Journal
	contracts.ContractStore
	usage.Importer
	ImportRates(ctx context.Context, r io.Reader, opts usage.RateImportOptions) (ledger.RateImportResult, error)
	Books() cbooks.Store
}

// parityContracts: caps, a rule in both directions, EUR events converted
// at their date's rate, and a recoupable advance.
var parityContracts = []string{storetest.TwoWayCappedDeal, `id: adv
currency: USD
parties: [l, a]
rules:
  - {id: r, payer: l, payee: a, match: {channel: direct}, rate: "0.5", from: 2026-01-01}
advances:
  - {id: x, payer: l, payee: a, date: 2026-01-05, amount: "140.00", recoup_from: [r]}
`}

// booksScenario imports, runs, pays and closes on b, advancing clock a
// minute a step, and returns what each step returned (JSON), in order.
func booksScenario(t *testing.T, b booksBackend, clock *storetest.Clock) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	step := func(what string, res any, err error) {
		t.Helper()
		clock.Advance(time.Minute)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		j, err := json.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, what+": "+string(j))
	}
	for _, doc := range parityContracts {
		c := storetest.ParseContract(t, doc)
		v, err := b.SaveContract(ctx, c, false)
		step("save "+c.ID, v, err)
	}
	rates, err := b.ImportRates(ctx, strings.NewReader("date,from,to,rate\n2026-01-01,EUR,USD,1.10\n2026-02-01,EUR,USD,1.2034\n"),
		usage.RateImportOptions{FileName: "rates.csv"})
	step("rates", rates, err)
	var csv strings.Builder
	csv.WriteString("event_id,occurred_at,seller,channel,product,amount,currency\n")
	for m := 1; m <= 4; m++ {
		fmt.Fprintf(&csv, "a%d,2026-%02d-03,openai,direct,api,%d.00,USD\n", m, m, 100*m)
		fmt.Fprintf(&csv, "b%d,2026-%02d-09T23:30:00-05:00,openai,aws,chat,%d.55,EUR\n", m, m, 30+m)
		fmt.Fprintf(&csv, "c%d,2026-%02d-17,microsoft,azure,api,%d.25,USD\n", m, m, 70*m)
	}
	imp, err := b.ImportUsage(ctx, strings.NewReader(csv.String()), usage.ImportOptions{Source: "crm", FileName: "u.csv"})
	step("import", imp, err)
	svc, rep := cbooks.Service{Store: b.Books()}, reports.Books{Store: b.Books()}
	run, err := svc.Run(ctx, storetest.D("2026-02-28"))
	step("run", run, err)
	pay, err := svc.Pay(ctx, contracts.Payment{Contract: "deal", Payer: "openai", Payee: "microsoft", Amount: decimal.RequireFromString("10.00"),
		Date: storetest.D("2026-02-10"), Reference: "wire-1"})
	step("pay", pay, err)
	closed, err := rep.CloseThrough(ctx, storetest.D("2026-02-28"))
	step("close", closed, err)
	late := "event_id,occurred_at,seller,channel,product,amount,currency\nl1,2026-01-20,microsoft,azure,api,5.00,USD\nl2,2026-02-20,openai,direct,api,-40.00,USD\n"
	imp, err = b.ImportUsage(ctx, strings.NewReader(late), usage.ImportOptions{Source: "crm", FileName: "late.csv"})
	step("late import", imp, err)
	pay, err = svc.Pay(ctx, contracts.Payment{Contract: "deal", Payer: "microsoft", Payee: "openai", Amount: decimal.RequireFromString("3.25"),
		Date: storetest.D("2026-03-12")})
	step("pay without reference", pay, err)
	pay, err = svc.Pay(ctx, contracts.Payment{Contract: "deal", Payer: "microsoft", Payee: "openai", Amount: decimal.RequireFromString("3.25"),
		Date: storetest.D("2026-03-12")})
	step("pay again", pay, err)
	closed, err = rep.CloseThrough(ctx, storetest.D("2026-03-31"))
	step("close", closed, err)
	run, err = svc.Run(ctx, storetest.D("2026-04-30"))
	step("run", run, err)
	_, err = svc.Pay(ctx, contracts.Payment{Contract: "deal", Payer: "openai", Payee: "microsoft", Amount: decimal.RequireFromString("1.00"),
		Date: storetest.D("2026-03-31"), Reference: "late-wire"})
	out = append(out, fmt.Sprintf("pay in a closed period: %s %s", ledger.ErrorCode(err), ledger.ErrorMessage(err)))
	return out
}

// TestBooksParity runs the same scenario on SQLite and PostgreSQL and
// compares every result, the journals entry by entry (hashes included),
// the trial balances, every statement's JSON and the final statements'
// hashes: the two backends keep the same books.
func TestBooksParity(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	liteClock, pgClock := storetest.NewClock(start), storetest.NewClock(start)
	lite := tempdb.Open(t, liteClock)
	pg := openDB(t, pgClock)

	liteSteps, pgSteps := booksScenario(t, lite, liteClock), booksScenario(t, pg, pgClock)
	sameLines(t, "step results", liteSteps, pgSteps)
	if !strings.Contains(strings.Join(liteSteps, "\n"), `"adjustments":2`) || !strings.Contains(liteSteps[len(liteSteps)-1], "closed period") {
		t.Fatalf("the scenario lacks what it means to cover:\n%s", strings.Join(liteSteps, "\n"))
	}
	sameLines(t, "journal", journalLines(t, lite), journalLines(t, pg))
	for _, q := range []ledger.BalanceQuery{{}, {AsOf: storetest.D("2026-02-28")}} {
		sameLines(t, "trial balance "+q.AsOf.String(), balanceLines(t, lite, q), balanceLines(t, pg, q))
	}
	sameLines(t, "statements", statementLines(t, lite), statementLines(t, pg))

	// Verify passes on both, over the same chain, final statements rendered again.
	liteRes, err := reports.Verifier{Store: lite}.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pgRes, err := reports.Verifier{Store: pg}.Verify(ctx)
	if err != nil || !pgRes.OK || pgRes != liteRes {
		t.Errorf("verify on PostgreSQL: %+v, %v; on SQLite: %+v", pgRes, err, liteRes)
	}
	// Anchors kept outside: one in the chain, one with another hash, one past its end.
	e5, err := lite.Entry(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []ledger.Anchor{{ID: 5, Hash: e5.Hash}, {ID: 5, Hash: strings.Repeat("0", 64)}, {ID: 999, Hash: e5.Hash}} {
		liteRes, liteErr := reports.Verifier{Store: lite}.Verify(ctx, a)
		pgRes, pgErr := reports.Verifier{Store: pg}.Verify(ctx, a)
		if liteErr != nil || pgErr != nil || pgRes != liteRes || pgRes.OK != (a.ID == 5 && a.Hash == e5.Hash) {
			t.Errorf("anchor %d:%.12s: PostgreSQL %+v, %v; SQLite %+v, %v", a.ID, a.Hash, pgRes, pgErr, liteRes, liteErr)
		}
	}
}

func sameLines(t *testing.T, what string, lite, pg []string) {
	t.Helper()
	if len(lite) == 0 {
		t.Errorf("%s: none on SQLite", what)
	}
	for i := 0; i < max(len(lite), len(pg)); i++ {
		var l, p string
		if i < len(lite) {
			l = lite[i]
		}
		if i < len(pg) {
			p = pg[i]
		}
		if l != p {
			t.Errorf("%s, line %d:\n  SQLite:     %s\n  PostgreSQL: %s", what, i+1, l, p)
			return
		}
	}
}

func journalLines(t *testing.T, j ledger.Journal) []string {
	t.Helper()
	var out []string
	err := j.EachEntry(context.Background(), ledger.EntryFilter{}, func(e *ledger.Entry) error {
		out = append(out, fmt.Sprintf("%d %s %s %s %s", e.ID, e.Key, e.Date, e.RecordedAt.Format(time.RFC3339Nano), e.Hash))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func balanceLines(t *testing.T, j ledger.Journal, q ledger.BalanceQuery) []string {
	t.Helper()
	bs, err := j.TrialBalance(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, b := range bs {
		out = append(out, b.Account+" "+b.Currency+" "+ledger.FormatExact(b.Amount, b.Currency))
	}
	return out
}

// statementLines renders every statement of every contract (final or
// draft) as stored, and lists the final statements' hashes.
func statementLines(t *testing.T, b booksBackend) []string {
	t.Helper()
	ctx := context.Background()
	rep := reports.Books{Store: b.Books()}
	var out []string
	for _, id := range []string{"adv", "deal"} {
		for m := 1; m <= 4; m++ {
			s, err := rep.Statement(ctx, id, ledger.Period{Freq: ledger.Month, Year: 2026, Index: m})
			if err != nil {
				t.Fatal(err)
			}
			body, err := reports.RenderStored(s)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, strings.Split(string(body), "\n")...)
		}
		err := b.Books().View(ctx, func(tx cbooks.ReadTx) error {
			hashes, err := tx.FinalStatementHashes(id)
			for _, p := range ledger.SortedKeys(hashes) {
				out = append(out, id+" "+p+" final "+hashes[p])
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}
