package postgres_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite/tempdb"
	"github.com/revshare/revshare/ledger/storetest"
)

// Posting throughput on PostgreSQL beside a raw COPY and a raw INSERT of
// the same rows into plain tables of the same columns (no constraint, no
// index, no trigger, no validation, no hashing), in the same run:
//
//	go test ./ledger/postgres -run '^$' -bench 'Post|Raw' -benchtime 20000x
//
// Compare the ns/entry metrics. The trial balance at a million entries on
// PostgreSQL and on SQLite, side by side (slow to set up, so only when
// named; REVSHARE_BENCH_ENTRIES changes the size):
//
//	go test ./ledger/postgres -run '^$' -bench TrialBalance1M -benchtime 20x -timeout 1h
//
// or only the fast views, many times:
//
//	go test ./ledger/postgres -run '^$' -bench 'TrialBalance1M/^(round-trip|current.*|as-of.*)$/' -benchtime 2000x
//
// and, with REVSHARE_BENCH_PROCESS_ROUNDS set, what a user sees beside it
// (the one-shot command and the REST API, trial_balance_user_bench_test.go):
// bench/trial-balance.sh runs the whole comparison.

func BenchmarkPost(b *testing.B) {
	storetest.BenchPost(b, func(b *testing.B) ledger.Journal { return openDB(b, storetest.NewClock(storetest.T0)) })
}

// rawSchema is 0001's entries and postings columns, and nothing else.
const rawSchema = `
CREATE TABLE entries (id bigint, source text, external_id text, date date, recorded_at timestamptz, recorded_ns smallint,
	description text, meta jsonb, reverses bigint, prev_hash text, hash text);
CREATE TABLE postings (entry_id bigint, seq integer, account_id bigint, currency text, amount numeric);`

// rawRows are the rows of entries [from, from+n) as the raw benchmarks
// write them: accounts numbered by hand, a constant hash.
func rawRows(from, n int) (entries, postings [][]any) {
	accts := map[string]int64{}
	for i, ch := range []string{"direct", "azure", "aws", "gcp"} {
		accts["assets:receivable:openai:"+ch], accts["income:revenue:openai:"+ch] = int64(2*i+1), int64(2*i+2)
	}
	hash := "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	for i := 0; i < n; i++ {
		e := storetest.BenchEntry(from + i)
		id := int64(from + i + 1)
		for j, p := range e.Postings {
			postings = append(postings, []any{id, int32(j + 1), accts[p.Account], p.Currency,
				pgtype.Numeric{Int: p.Amount.Coefficient(), Exp: p.Amount.Exponent(), Valid: true}})
		}
		entries = append(entries, []any{id, e.Key.Source, e.Key.ExternalID, e.Date.In(time.UTC), storetest.T0, int16(0),
			e.Description, e.Meta, nil, hash, hash})
	}
	return entries, postings
}

var (
	entryColumns   = []string{"id", "source", "external_id", "date", "recorded_at", "recorded_ns", "description", "meta", "reverses", "prev_hash", "hash"}
	postingColumns = []string{"entry_id", "seq", "account_id", "currency", "amount"}
)

// rawConn connects to a fresh schema holding rawSchema.
func rawConn(b *testing.B) *pgx.Conn {
	ctx := context.Background()
	conn := connect(b, schemaURL(b))
	if _, err := conn.Exec(ctx, rawSchema); err != nil {
		b.Fatal(err)
	}
	return conn
}

// benchRaw times write(tx, entries, postings) over b.N entries in
// transactions of size entries.
func benchRaw(b *testing.B, write func(ctx context.Context, tx pgx.Tx, entries, postings [][]any) error) {
	type rows struct{ entries, postings [][]any }
	storetest.BenchBatches(b, func(b *testing.B) (func(n, size int) rows, func(rows) error) {
		conn := rawConn(b)
		ctx := context.Background()
		build := func(n, size int) rows {
			es, ps := rawRows(n, size)
			return rows{es, ps}
		}
		return build, func(r rows) error {
			return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error { return write(ctx, tx, r.entries, r.postings) })
		}
	})
}

// rawCopy writes the raw rows with COPY.
func rawCopy(ctx context.Context, tx pgx.Tx, es, ps [][]any) error {
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"postings"}, postingColumns, pgx.CopyFromRows(ps)); err != nil {
		return err
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"entries"}, entryColumns, pgx.CopyFromRows(es))
	return err
}

// rawInsert writes the raw rows with one INSERT per row, pipelined in one
// batch.
func rawInsert(ctx context.Context, tx pgx.Tx, es, ps [][]any) error {
	batch := &pgx.Batch{}
	for _, p := range ps {
		batch.Queue(`INSERT INTO postings VALUES ($1, $2, $3, $4, $5)`, p...)
	}
	for _, e := range es {
		batch.Queue(`INSERT INTO entries VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, e...)
	}
	return tx.SendBatch(ctx, batch).Close()
}

func BenchmarkRawCopy(b *testing.B) { benchRaw(b, rawCopy) }

// BenchmarkRawInsert sends one INSERT per row, pipelined in one batch per
// transaction.
func BenchmarkRawInsert(b *testing.B) { benchRaw(b, rawInsert) }

// benchSize is a benchmark's size: the number in the environment
// variable env, or def when it is not set.
func benchSize(b *testing.B, env string, def int) int {
	s := os.Getenv(env)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// BenchmarkTrialBalance1M: the same journal (REVSHARE_BENCH_ENTRIES
// entries, default 1,000,000, posted 10,000 a second apart) on PostgreSQL
// and on SQLite, then each view of the trial balance on both. "known-at-
// past" is the first half of the journal.
func BenchmarkTrialBalance1M(b *testing.B) {
	n := benchSize(b, "REVSHARE_BENCH_ENTRIES", 1_000_000)
	ctx := context.Background()
	pgClock := storetest.NewClock(storetest.T0)
	pg := openDB(b, pgClock)
	liteClock := storetest.NewClock(storetest.T0)
	lite := tempdb.Open(b, liteClock)
	for _, j := range []struct {
		name  string
		db    ledger.Journal
		clock *storetest.Clock
	}{{"postgres", pg, pgClock}, {"sqlite", lite, liteClock}} {
		start := time.Now()
		for i := 0; i < n; i += 10000 {
			j.clock.Advance(time.Second)
			if _, err := j.db.Post(ctx, storetest.BenchEntries(i, min(10000, n-i))); err != nil {
				b.Fatal(err)
			}
		}
		b.Logf("%s: posted %d entries in %s", j.name, n, time.Since(start).Round(time.Millisecond))
	}
	if n >= 10 {
		var size int64
		if err := pg.Pool().QueryRow(ctx, `SELECT pg_total_relation_size('entries') + pg_total_relation_size('postings')`).Scan(&size); err != nil {
			b.Fatal(err)
		}
		b.Logf("postgres: entries and postings take %d MiB", size>>20)
	}
	// The journal as autovacuum leaves it a little later (the totals'
	// dead versions removed, the visibility map set, statistics taken);
	// REVSHARE_BENCH_NO_VACUUM=1 measures it straight after the posts.
	if os.Getenv("REVSHARE_BENCH_NO_VACUUM") == "" {
		if _, err := pg.Pool().Exec(ctx, `VACUUM (ANALYZE) accounts, balance_totals, daily_totals, monthly_totals, balance_marks, balance_versions, balance_spans, entries, postings, data_version`); err != nil {
			b.Fatal(err)
		}
	}
	// 0002's as-of function (PL/pgSQL), which migration 0085 replaced,
	// under another name on the same journal, beside the view of today's
	// revshare_balances_as_of: the two run side by side in each round.
	old, err := os.ReadFile("migrations/0002_balances_as_of.sql")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := pg.Pool().Exec(ctx, strings.Replace(string(old), "FUNCTION revshare_balances_as_of(", "FUNCTION revshare_balances_as_of_0002(", 1)); err != nil {
		b.Fatal(err)
	}
	// And 0085's (one SQL statement over the days), which 0090 replaced.
	old85, err := os.ReadFile("migrations/0085_as_of_one_statement.sql")
	if err != nil {
		b.Fatal(err)
	}
	fn85 := string(old85)[strings.Index(string(old85), "CREATE OR REPLACE FUNCTION"):strings.Index(string(old85), "CREATE INDEX")]
	if _, err := pg.Pool().Exec(ctx, strings.Replace(fn85, "FUNCTION revshare_balances_as_of(", "FUNCTION revshare_balances_as_of_0085(", 1)); err != nil {
		b.Fatal(err)
	}
	asOf := storetest.D("2026-06-30")
	conn, err := pgx.Connect(ctx, pg.Pool().Config().ConnString())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	// measure runs fn b.N times and reports, beside the wall time, the CPU
	// time of this process and of the server processes of the database
	// (when the server runs on this machine) per call.
	results := map[string]perCall{} // by sub-benchmark and round
	measure := func(b *testing.B, server bool, fn func() error) {
		start := time.Now()
		var s0 cpuTimes
		if server {
			s0 = serverCPU(b, conn)
		}
		g0 := processCPU()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := fn(); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		wall := time.Since(start)
		goCPU := processCPU() - g0
		b.ReportMetric(float64(goCPU.Nanoseconds())/1e3/float64(b.N), "go-cpu-µs/op")
		cpu := goCPU
		if s0 != nil {
			srv := serverCPU(b, conn).sub(s0)
			b.ReportMetric(float64(srv.Nanoseconds())/1e3/float64(b.N), "server-cpu-µs/op")
			cpu += srv
		}
		results[b.Name()] = perCall{wall: float64(wall.Nanoseconds()) / 1e3 / float64(b.N), cpu: float64(cpu.Nanoseconds()) / 1e3 / float64(b.N)}
	}
	half := storetest.T0.Add(time.Duration(n/10000/2) * time.Second)
	views := []struct {
		name string
		q    ledger.BalanceQuery
	}{
		{"current", ledger.BalanceQuery{}},
		{"as-of", ledger.BalanceQuery{AsOf: asOf}},
		{"known-at-past", ledger.BalanceQuery{KnownAt: half}},
		{"known-at-past-and-as-of", ledger.BalanceQuery{KnownAt: half, AsOf: asOf}},
	}
	// REVSHARE_BENCH_ROUNDS rounds (default 1) of every benchmark below,
	// one after the other, so that each sees the machine's load in turn.
	rounds := benchSize(b, "REVSHARE_BENCH_ROUNDS", 1)
	for range rounds {
		// The floor of any PostgreSQL query: one round trip with an empty
		// statement on the same pool.
		b.Run("round-trip/postgres", func(b *testing.B) {
			measure(b, true, func() error {
				var one int
				return pg.Pool().QueryRow(ctx, `SELECT 1`).Scan(&one)
			})
		})
		for _, v := range views {
			var want string
			for _, j := range []struct {
				name string
				db   ledger.Journal
			}{{"postgres", pg}, {"sqlite", lite}} {
				b.Run(v.name+"/"+j.name, func(b *testing.B) {
					var bs []ledger.Balance
					measure(b, j.name == "postgres", func() (err error) {
						bs, err = j.db.TrialBalance(ctx, v.q)
						return err
					})
					got := fmt.Sprint(bs)
					if want == "" {
						want = got
					} else if got != want {
						b.Errorf("%s differs from postgres:\n%s\n%s", j.name, got, want)
					}
				})
			}
			// The statement and decoding TrialBalance used before this
			// session's change (the names joined on the server, the text
			// amount read through math/big twice), on the same pool.
			if before, ok := map[string]string{
				"current": `SELECT a.name, a.type, t.currency, t.amount::text
					FROM balance_totals t JOIN accounts a ON a.id = t.account_id ORDER BY a.name, t.currency`,
				"as-of": `SELECT a.name, a.type, s.currency, s.amount::text
					FROM revshare_balances_as_of($1) s JOIN accounts a ON a.id = s.account_id
					ORDER BY a.name, s.currency COLLATE "C"`,
			}[v.name]; ok {
				b.Run(v.name+"-joined/postgres", func(b *testing.B) {
					var args []any
					if !v.q.AsOf.IsZero() {
						args = append(args, v.q.AsOf.In(time.UTC))
					}
					var out []ledger.Balance
					measure(b, true, func() error {
						rows, err := pg.Pool().Query(ctx, before, args...)
						if err != nil {
							return err
						}
						out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (ledger.Balance, error) {
							var bal ledger.Balance
							var typ, amount string
							if err := r.Scan(&bal.Account, &typ, &bal.Currency, &amount); err != nil {
								return bal, err
							}
							bal.Type = ledger.AccountType(typ)
							bal.Amount = decimal.RequireFromString(decimal.RequireFromString(amount).String())
							return bal, nil
						})
						return err
					})
					if got := fmt.Sprint(out); got != want {
						b.Errorf("before:\n%s\nnow:\n%s", got, want)
					}
				})
			}
			if v.name != "as-of" {
				continue
			}
			// The same query as TrialBalance's over 0002's and 0085's
			// functions.
			for _, fn := range []string{"0002", "0085"} {
				b.Run("as-of-"+fn+"/postgres", func(b *testing.B) {
					var got []string
					measure(b, true, func() error {
						rows, err := pg.Pool().Query(ctx, `SELECT a.name, a.type, s.currency, s.amount::text
						FROM revshare_balances_as_of_`+fn+`($1) s JOIN accounts a ON a.id = s.account_id
						ORDER BY a.name, s.currency COLLATE "C"`, asOf.In(time.UTC))
						if err != nil {
							return err
						}
						got, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (string, error) {
							var name, typ, ccy, amount string
							err := r.Scan(&name, &typ, &ccy, &amount)
							return name + " " + ccy + " " + decimal.RequireFromString(amount).String(), err
						})
						return err
					})
					var want []string
					bs, err := pg.TrialBalance(ctx, ledger.BalanceQuery{AsOf: asOf})
					if err != nil {
						b.Fatal(err)
					}
					for _, x := range bs {
						want = append(want, x.Account+" "+x.Currency+" "+x.Amount.String())
					}
					if fmt.Sprint(got) != fmt.Sprint(want) {
						b.Errorf("%s's function:\n%s\ntoday's:\n%s", fn, got, want)
					}
				})
			}
		}
	}
	logRatios(b, results, rounds)
	// What a user sees: the one-shot command and the REST API.
	if n := benchSize(b, "REVSHARE_BENCH_PROCESS_ROUNDS", 0); n > 0 {
		userViews(b, conn, []userBook{{"sqlite", lite.Path()}, {"postgres", pg.Pool().Config().ConnString()}}, asOf.String(), n)
	}
}

// perCall is one sub-benchmark's wall and CPU time a call, in µs (the
// CPU of revshare and, for PostgreSQL, of the server together).
type perCall struct{ wall, cpu float64 }

// logRatios logs, for each view measured on both backends, PostgreSQL's
// wall and CPU time a call beside SQLite's, round by round.
func logRatios(b *testing.B, results map[string]perCall, rounds int) {
	var tab strings.Builder
	fmt.Fprintf(&tab, "\nin-process, µs a call (CPU: revshare's and, for PostgreSQL, the server's), round by round\n")
	fmt.Fprintf(&tab, "| view | round | PostgreSQL wall | PostgreSQL CPU | SQLite wall | SQLite CPU | wall ratio | CPU ratio |\n|---|---|---|---|---|---|---|---|\n")
	for _, view := range []string{"round-trip", "current", "current-joined", "as-of", "as-of-joined", "as-of-0002", "as-of-0085", "known-at-past", "known-at-past-and-as-of"} {
		for r := 0; r < rounds; r++ {
			suffix := ""
			if r > 0 {
				suffix = fmt.Sprintf("#%02d", r)
			}
			p, ok := results[b.Name()+"/"+view+"/postgres"+suffix]
			if !ok {
				continue
			}
			l, ok := results[b.Name()+"/"+view+"/sqlite"+suffix]
			if !ok {
				fmt.Fprintf(&tab, "| %s | %d | %.0f | %.0f | | | | |\n", view, r+1, p.wall, p.cpu)
				continue
			}
			fmt.Fprintf(&tab, "| %s | %d | %.0f | %.0f | %.0f | %.0f | %.2f× | %.2f× |\n", view, r+1, p.wall, p.cpu, l.wall, l.cpu, p.wall/l.wall, p.cpu/l.cpu)
		}
	}
	b.Log(tab.String())
}

// BenchmarkPostVersusCopy interleaves, batch by batch, a Post of 10,000
// entries, a raw COPY of the same rows into plain tables and a raw INSERT
// of them, so that the three see the same load (this machine's varies by
// the second): the metrics are each one's ns/entry and Post's time over
// COPY's.
//
//	go test ./ledger/postgres -run '^$' -bench PostVersusCopy -benchtime 20x
func BenchmarkPostVersusCopy(b *testing.B) {
	const size = 10000
	ctx := context.Background()
	db := openDB(b, storetest.NewClock(storetest.T0))
	copyConn, insertConn := rawConn(b), rawConn(b)
	var post, cp, ins time.Duration
	for i := 0; i < b.N; i++ {
		batch := storetest.BenchEntries(i*size, size)
		es, ps := rawRows(i*size, size)
		start := time.Now()
		if _, err := db.Post(ctx, batch); err != nil {
			b.Fatal(err)
		}
		post += time.Since(start)
		start = time.Now()
		if err := pgx.BeginFunc(ctx, copyConn, func(tx pgx.Tx) error { return rawCopy(ctx, tx, es, ps) }); err != nil {
			b.Fatal(err)
		}
		cp += time.Since(start)
		start = time.Now()
		if err := pgx.BeginFunc(ctx, insertConn, func(tx pgx.Tx) error { return rawInsert(ctx, tx, es, ps) }); err != nil {
			b.Fatal(err)
		}
		ins += time.Since(start)
	}
	n := float64(b.N * size)
	b.ReportMetric(float64(post.Nanoseconds())/n, "post-ns/entry")
	b.ReportMetric(float64(cp.Nanoseconds())/n, "copy-ns/entry")
	b.ReportMetric(float64(ins.Nanoseconds())/n, "insert-ns/entry")
	b.ReportMetric(float64(post)/float64(cp), "post/copy")
	b.ReportMetric(float64(post)/float64(ins), "post/insert")
}
