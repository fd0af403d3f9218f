package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/revshare/revshare/ledger/postgres"
	"github.com/revshare/revshare/ledger/postgres/pgtest"
)

// copyFixture builds an SQLite book with a bit of everything the copy
// moves: a contract, imports (one partial, with a rejected row, metadata,
// a quantity and an instant with an offset and a fraction), rates, runs, a
// close with its final statements, a payment, a late refund and its
// adjustment, and a token.
func copyFixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	db := filepath.Join(dir, "book.db")
	rates := filepath.Join(dir, "rates.csv")
	extra := filepath.Join(dir, "extra.csv")
	os.WriteFile(rates, []byte("date,from,to,rate\n2026-01-01,EUR,USD,1.10\n"), 0o644)
	os.WriteFile(extra, []byte("event_id,occurred_at,seller,channel,product,amount,currency,quantity,note\n"+
		"x1,2026-02-11T10:00:00.5+02:00,openai,direct,api,10.50,USD,3,hello\nx2,bad,openai,direct,api,1,USD,,\n"), 0o644)
	addRunsFixture(t, db)
	cli(t, db, "import", "rates", rates)
	cli(t, db, "run", "--through", "2026-02")
	cli(t, db, "close", "2026-01")
	cli(t, db, "pay", "--contract", "small", "--payer", "openai", "--payee", "microsoft", "--amount", "16.00", "--date", "2026-02-10")
	cli(t, db, "import", "usage", "../../testdata/runs/late.csv")
	runCLI(t, "--db", db, "import", "usage", extra, "--allow-partial") // exit status 3: one row rejected
	cli(t, db, "run", "--through", "2026-02")
	cli(t, db, "token", "create", "--role", "auditor")
	return db
}

// TestCopyToPostgres copies a book and finds every reading of it the same
// on PostgreSQL; a second copy into the same schema is refused.
//
// The copy writes the copied IDs' sequences, which only the schema's owner
// may: as the login role it is refused, naming the cure; as the owner it
// copies, and the login role then reads and writes the copy.
func TestCopyToPostgres(t *testing.T) {
	pg.Need(t)
	lite, owner := copyFixture(t), pg.OwnerURL(t)
	_, login := pg.Roles(t)
	url := pgtest.WithUser(owner, login)
	head, _, _ := strings.Cut(strings.TrimPrefix(cli(t, lite, "verify"), "ok: 12 entries, chain head "), "; fact chain head ")
	if len(head) != 64 {
		t.Fatalf("verify of the source: %q", cli(t, lite, "verify"))
	}
	_, errOut, err := runCLI(t, "copy", "--from", lite, "--to", url)
	if want := "revshare: copy " + lite + " to " + url + ": accounts: ERROR: permission denied for sequence accounts_id_seq (SQLSTATE 42501): copy as the schema's owner (--to postgres://OWNER@…), then revshare grant the login role\n"; err == nil || errOut != want {
		t.Fatalf("copy as the login role: %v\ngot  %q\nwant %q", err, errOut, want)
	}
	out, errOut, err := runCLI(t, "copy", "--from", lite, "--to", owner)
	want := "copied " + lite + " to " + owner + ": 12 entries, 6 events, 4 import batches, 1 contract version, 1 token, 1 rate, " +
		"5 bookings, 0 advance bookings, 0 recoupments, 1 payment, 3 runs, 1 close, 1 final statement\n" +
		"checked: verify passes on the copy; chain head " + head + " after 12 entries, the trial balance (11 lines) and the final statements (1) are the source's\n"
	if err != nil || out != want {
		t.Fatalf("copy: %v %s\ngot  %q\nwant %q", err, errOut, out, want)
	}
	for _, args := range []string{
		"verify", "balance", "balance --as-of 2026-01 --format json", "balance --known-at 2026-03-01 --format csv",
		"export hledger", "export ledger", "export beancount", "import list", "contract list", "contract show small", "token list",
		"statement small 2026-01 --format json", "statement small 2026-02 --format md",
	} {
		a, b := cli(t, lite, strings.Fields(args)...), cli(t, url, strings.Fields(args)...)
		if args == "verify" {
			// The copy seals the copied rows in a fact chain of its own
			// (PostgreSQL keeps instants to the microsecond): as many
			// links, other hashes. The journal's chain head is the same.
			a, b = factChainSeq(a), factChainSeq(b)
		}
		if a != b {
			t.Errorf("revshare %s on the copy:\n%s\nwant (the source's)\n%s", args, b, a)
		}
	}
	// The copy goes on as a book: a new import posts entry 13 after the
	// copied chain.
	if got := cli(t, url, "pay", "--contract", "small", "--payer", "openai", "--payee", "microsoft", "--amount", "1.00", "--date", "2026-02-20"); !strings.HasPrefix(got, "payment openai -> microsoft 1.00 USD on 2026-02-20: entry 13\n") {
		t.Errorf("pay on the copy: %q", got)
	}
	_, errOut, err = runCLI(t, "copy", "--from", lite, "--to", url)
	if want := "revshare: copy " + lite + " to " + url + ": the target already holds a book (rows in accounts, api_tokens, balance_marks, balance_spans, balance_totals, balance_versions, bookings, contracts, daily_totals, entries, event_sources, events, fact_chain, fact_head, fx_rates, import_batches, import_groups, import_reject_columns, import_rejects, monthly_totals, payments, period_closes, postings, runs, statements): copy into an empty database or schema\n"; err == nil || errOut != want {
		t.Errorf("a second copy: %v\ngot  %q\nwant %q", err, errOut, want)
	}
}

// TestCopyRefusesBadSource: a source whose entry no longer balances
// (changed behind SQLite's triggers) is refused by PostgreSQL's triggers,
// and the target stays empty; the arguments are checked.
func TestCopyRefusesBadSource(t *testing.T) {
	pg.Need(t)
	lite, url := newSQLite(t), pg.SchemaURL(t)
	addRunsFixture(t, lite)
	tamperRows(t, lite, `UPDATE postings SET amount = '999.00' WHERE entry_id = 2 AND seq = 1`)
	_, errOut, err := runCLI(t, "copy", "--from", lite, "--to", url)
	if want := "revshare: copy " + lite + " to " + url + ": copy entries: ERROR: entry 2 does not balance (SQLSTATE 23000)\n"; err == nil || errOut != want {
		t.Errorf("copy of an unbalanced book: %v\ngot  %q\nwant %q", err, errOut, want)
	}
	db, err := postgres.OpenReadOnly(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if full, err := db.TablesWithRows(context.Background()); err != nil || len(full) != 0 {
		t.Errorf("the failed copy left rows in %v (%v)", full, err)
	}
	for _, args := range [][]string{{"copy", "--from", lite}, {"copy", "--from", url, "--to", lite}} {
		_, errOut, err := runCLI(t, args...)
		if err == nil || !strings.HasPrefix(errOut, "revshare: copy: ") {
			t.Errorf("revshare %s: %v %q", strings.Join(args, " "), err, errOut)
		}
	}
}

// TestCopyManyEvents: events are staged in blocks of 10,000; a book of
// 10,005 copies whole.
func TestCopyManyEvents(t *testing.T) {
	pg.Need(t)
	lite, url := newSQLite(t), pg.SchemaURL(t)
	var csv strings.Builder
	csv.WriteString("event_id,occurred_at,seller,channel,product,amount,currency\n")
	for i := 1; i <= 10005; i++ {
		fmt.Fprintf(&csv, "e%d,2026-01-%02d,seller%d,direct,api,%d.%02d,USD\n", i, i%28+1, i%3, i%100, i%97)
	}
	path := filepath.Join(t.TempDir(), "many.csv")
	if err := os.WriteFile(path, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cli(t, lite, "import", "usage", path)
	out, errOut, err := runCLI(t, "copy", "--from", lite, "--to", url) // copy names its books: no --db
	if err != nil {
		t.Fatalf("revshare copy: %v\n%s", err, errOut)
	}
	if !strings.HasPrefix(out, "copied "+lite+" to "+url+": 84 entries, 10005 events, 1 import batch, ") {
		t.Errorf("copy: %q", out)
	}
	for _, args := range []string{"verify", "balance", "import list"} {
		if a, b := cli(t, lite, strings.Fields(args)...), cli(t, url, strings.Fields(args)...); a != b {
			t.Errorf("revshare %s on the copy:\n%s\nwant\n%s", args, b, a)
		}
	}
}

// factChainSeq is verify's output with the fact chain's head hash left out
// (its seq kept).
func factChainSeq(verifyOut string) string {
	if i := strings.LastIndex(verifyOut, ":"); i > 0 && strings.Contains(verifyOut, "; fact chain head facts:") {
		return verifyOut[:i]
	}
	return verifyOut
}
