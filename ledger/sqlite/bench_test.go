package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite"
	"github.com/revshare/revshare/ledger/sqlite/tempdb"
	"github.com/revshare/revshare/ledger/storetest"
)

// Posting throughput, beside a raw SQLite insert of the same rows into the
// same table shapes (same pragmas, same indexes, no triggers, no hashing,
// no validation), measured in the same run:
//
//	go test ./ledger/sqlite -run '^$' -bench 'Post|RawInsert' -benchtime 20000x
//
// Compare the ns/entry metrics. Verify over a million entries (slow to set
// up, so only when named):
//
//	go test ./ledger/sqlite -run '^$' -bench Verify1M -benchtime 1x

func BenchmarkPost(b *testing.B) {
	storetest.BenchPost(b, func(b *testing.B) ledger.Journal { return tempdb.Open(b, storetest.NewClock(storetest.T0)) })
}

// rawSchema is 0001's journal tables without triggers.
const rawSchema = `
CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, type TEXT NOT NULL);
CREATE TABLE entries (id INTEGER PRIMARY KEY, source TEXT NOT NULL, external_id TEXT NOT NULL, date TEXT NOT NULL,
	recorded_at TEXT NOT NULL, description TEXT NOT NULL, meta TEXT NOT NULL, reverses INTEGER,
	prev_hash TEXT NOT NULL, hash TEXT NOT NULL, UNIQUE (source, external_id));
CREATE INDEX entries_recorded_at ON entries (recorded_at);
CREATE INDEX entries_date ON entries (date);
CREATE TABLE postings (entry_id INTEGER NOT NULL, seq INTEGER NOT NULL, account_id INTEGER NOT NULL,
	currency TEXT NOT NULL, amount TEXT NOT NULL, units INTEGER NOT NULL, frac_hi INTEGER NOT NULL, frac_lo INTEGER NOT NULL,
	PRIMARY KEY (entry_id, seq)) WITHOUT ROWID;
CREATE INDEX postings_account ON postings (account_id, entry_id);`

type rawRow struct {
	id                              int64
	source, extID, date, desc, meta string
	accounts                        [2]int64
	amounts                         [2]string
	units, hi                       [2]int64
}

func BenchmarkRawInsert(b *testing.B) {
	storetest.BenchBatches(b, func(b *testing.B) (func(n, size int) []rawRow, func([]rawRow) error) {
		path := filepath.Join(b.TempDir(), "raw.db")
		db, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL&_foreign_keys=on&_busy_timeout=10000&_synchronous=FULL&_txlock=immediate")
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		db.SetMaxOpenConns(1)
		if _, err := db.Exec(rawSchema); err != nil {
			b.Fatal(err)
		}
		accts := map[string]int64{}
		for i, ch := range []string{"direct", "azure", "aws", "gcp"} {
			db.Exec(`INSERT INTO accounts VALUES (?, ?, 'asset'), (?, ?, 'income')`, 2*i+1, "assets:receivable:openai:"+ch, 2*i+2, "income:revenue:openai:"+ch)
			accts["assets:receivable:openai:"+ch], accts["income:revenue:openai:"+ch] = int64(2*i+1), int64(2*i+2)
		}
		recorded := storetest.T0.Format("2006-01-02T15:04:05.000000000Z")
		hash := "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		build := func(n, size int) []rawRow {
			rows := make([]rawRow, size)
			for i := range rows {
				e := storetest.BenchEntry(n + i)
				r := rawRow{id: int64(n + i + 1), source: e.Key.Source, extID: e.Key.ExternalID, date: e.Date.String(), desc: e.Description,
					meta: fmt.Sprintf(`{"batch":%q,"channel":%q}`, e.Meta["batch"], e.Meta["channel"])}
				for j, p := range e.Postings {
					r.accounts[j] = accts[p.Account]
					r.amounts[j] = ledger.FormatAmount(p.Amount)
					r.units[j] = p.Amount.Floor().IntPart()
					r.hi[j] = p.Amount.Sub(p.Amount.Floor()).Shift(9).IntPart()
				}
				rows[i] = r
			}
			return rows
		}
		write := func(rows []rawRow) error {
			tx, err := db.Begin()
			if err != nil {
				return err
			}
			insP, _ := tx.Prepare(`INSERT INTO postings VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
			insE, _ := tx.Prepare(`INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
			for _, r := range rows {
				for j := 0; j < 2; j++ {
					if _, err := insP.Exec(r.id, j+1, r.accounts[j], "USD", r.amounts[j], r.units[j], r.hi[j], 0); err != nil {
						return err
					}
				}
				if _, err := insE.Exec(r.id, r.source, r.extID, r.date, recorded, r.desc, r.meta, nil, hash, hash); err != nil {
					return err
				}
			}
			return tx.Commit()
		}
		return build, write
	})
}

// fillJournal posts n benchmark entries in batches of 10,000, a second
// apart on clock.
func fillJournal(b *testing.B, db *sqlite.DB, clock *storetest.Clock, n int) {
	b.Helper()
	ctx := context.Background()
	for i := 0; i < n; i += 10000 {
		clock.Advance(time.Second)
		if _, err := db.Post(ctx, storetest.BenchEntries(i, min(10000, n-i))); err != nil {
			b.Fatal(err)
		}
	}
}

func benchVerify(b *testing.B, n int) {
	clock := storetest.NewClock(storetest.T0)
	db := tempdb.Open(b, clock)
	fillJournal(b, db, clock, n)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := db.VerifyReport(context.Background())
		if err != nil || res.Entries != int64(n) {
			b.Fatalf("Verify = %+v, %v", res, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/entry")
}

func BenchmarkVerify10k(b *testing.B) { benchVerify(b, 10_000) }

func BenchmarkVerify1M(b *testing.B) { benchVerify(b, 1_000_000) }

// BenchmarkTrialBalance100k: every view comes from the balance history
// (balance_history.go): "all" from the totals, "as-of" from months and
// days, "known-at-past" from the marks; "known-at-past-and-as-of" sums the
// five seconds' prefix of the journal (the smaller side) in SQL.
func BenchmarkTrialBalance100k(b *testing.B) {
	clock := storetest.NewClock(storetest.T0)
	db := tempdb.Open(b, clock)
	fillJournal(b, db, clock, 100_000)
	ctx := context.Background()
	for _, q := range []struct {
		name string
		q    ledger.BalanceQuery
	}{
		{"all", ledger.BalanceQuery{}},
		{"as-of", ledger.BalanceQuery{AsOf: storetest.D("2026-01-10")}},
		{"known-at-past", ledger.BalanceQuery{KnownAt: storetest.T0.Add(5 * time.Second)}},
		{"known-at-past-and-as-of", ledger.BalanceQuery{KnownAt: storetest.T0.Add(5 * time.Second), AsOf: storetest.D("2026-01-10")}},
	} {
		b.Run(q.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := db.TrialBalance(ctx, q.q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
