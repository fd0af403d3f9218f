package postgres_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	cbooks "github.com/revshare/revshare/contracts/books"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite"
	"github.com/revshare/revshare/ledger/sqlite/sqlitetest"
	"github.com/revshare/revshare/ledger/sqlite/tempdb"
	"github.com/revshare/revshare/ledger/storetest"
	"github.com/revshare/revshare/ledger/usage"
	"github.com/revshare/revshare/reports"
)

// factBook is a book of factScenario on one backend, with raw access that
// bypasses its guards (SQLite's triggers dropped and put back as they
// were, PostgreSQL's switched off for the session) and its verify.
type factBook struct {
	name   string
	exec   func(t *testing.T, q string) int64 // rows changed
	text   func(t *testing.T, q string) string
	verify func(t *testing.T) string // the violation, "" when verify passes
}

// lateContract is added after the closes: closing the same date again
// stores its final statements at an instant no close row records.
const lateContract = `id: late
currency: USD
parties: [m, n]
rules:
  - {id: r, payer: m, payee: n, match: {channel: azure}, rate: "0.1", from: 2026-01-01}
`

// factScenario is booksScenario, then a partial import with a reject, the
// rate of an open month, a
// contract added after the closes and the close through 2026-03-31 again
// (which stores its three final statements), a run through 2026-04-30 and
// one more that books nothing.
func factScenario(t *testing.T, b booksBackend, clock *storetest.Clock) {
	t.Helper()
	ctx := context.Background()
	booksScenario(t, b, clock)
	step := func(what string, err error) {
		t.Helper()
		clock.Advance(time.Minute)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	partial := "event_id,occurred_at,seller,channel,product,amount,currency\np1,2026-04-05,openai,direct,api,12.00,USD\np2,2026-04-06,openai,direct,api,abc,USD\n"
	sum := sha256.Sum256([]byte(partial))
	_, err := b.ImportUsage(ctx, strings.NewReader(partial), usage.ImportOptions{Source: "crm", FileName: "p.csv", AllowPartial: true, SHA256: hex.EncodeToString(sum[:])})
	step("partial import", err)
	_, err = b.ImportRates(ctx, strings.NewReader("date,from,to,rate\n2026-04-01,EUR,USD,1.30\n"), usage.RateImportOptions{FileName: "april.csv"})
	step("rates of April", err)
	_, err = b.SaveContract(ctx, storetest.ParseContract(t, lateContract), false)
	step("late contract", err)
	_, err = reports.Books{Store: b.Books()}.CloseThrough(ctx, storetest.D("2026-03-31"))
	step("close again", err)
	for range 2 {
		_, err = cbooks.Service{Store: b.Books()}.Run(ctx, storetest.D("2026-04-30"))
		step("run", err)
	}
}

func sqliteFactBook(t *testing.T) *factBook {
	clock := storetest.NewClock(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
	db := tempdb.Open(t, clock)
	factScenario(t, db, clock)
	raw, err := sql.Open("sqlite3", "file:"+db.Path()+"?_foreign_keys=off")
	if err != nil {
		t.Fatal(err)
	}
	raw.SetMaxOpenConns(1)
	t.Cleanup(func() { raw.Close() })
	return &factBook{
		name: "SQLite",
		exec: func(t *testing.T, q string) int64 {
			restore := sqlitetest.DropTriggers(t, raw)
			defer restore()
			res, err := raw.Exec(q)
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			n, _ := res.RowsAffected()
			return n
		},
		text: func(t *testing.T, q string) (s string) {
			if err := raw.QueryRow(q).Scan(&s); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return s
		},
		verify: func(t *testing.T) string {
			res, err := reports.Verifier{Store: db}.Verify(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			return res.Violation
		},
	}
}

func postgresFactBook(t *testing.T) *factBook {
	needServer(t)
	ctx := context.Background()
	u := schemaURL(t)
	clock := storetest.NewClock(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
	db := openURL(t, u, clock)
	factScenario(t, db, clock)
	conn := connect(t, u)
	return &factBook{
		name: "PostgreSQL",
		exec: func(t *testing.T, q string) int64 {
			tag, err := conn.Exec(ctx, "SET session_replication_role = replica; "+q)
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return tag.RowsAffected()
		},
		text: func(t *testing.T, q string) (s string) {
			if err := conn.QueryRow(ctx, q).Scan(&s); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return s
		},
		verify: func(t *testing.T) string {
			res, err := reports.Verifier{Store: db}.Verify(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return res.Violation
		},
	}
}

// link is the seq and content of the link sealing a row.
func (b *factBook) link(t *testing.T, table, key string) (int64, string) {
	t.Helper()
	s := b.text(t, fmt.Sprintf(`SELECT CAST(seq AS TEXT) || ' ' || content FROM fact_chain WHERE tbl = '%s' AND row_key = '%s'`, table, key))
	seq, content, _ := strings.Cut(s, " ")
	n, err := strconv.ParseInt(seq, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n, content
}

// sealedAs is what the column of a row is sealed as, and the words verify
// quotes it in: `expected "VALUE (sealed at fact_chain seq=N)"`.
func (b *factBook) sealedAs(t *testing.T, table, key, column string) string {
	t.Helper()
	seq, content := b.link(t, table, key)
	m := regexp.MustCompile(`(?m)^` + column + `=(".*")$`).FindStringSubmatch(content)
	if m == nil {
		t.Fatalf("%s %s: no column %s sealed in %q", table, key, column, content)
	}
	v, err := strconv.Unquote(m[1])
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf(`expected "%s (sealed at fact_chain seq=%d)"`, v, seq)
}

// factTamper is one raw edit and the violation verify must name: want
// exactly, or, when wantEnd is set, starting with want and ending with
// wantEnd (a digest found, which only the backend computes).
type factTamper struct {
	name    string
	prepare func(t *testing.T, b *factBook) (edit, want, wantEnd string)
}

var factTampers = []factTamper{
	{"run that booked nothing deleted (the last run)", func(t *testing.T, b *factBook) (string, string, string) {
		id := b.text(t, `SELECT CAST(max(id) AS TEXT) FROM runs`)
		seq, _ := b.link(t, "runs", "id="+id)
		return `DELETE FROM runs WHERE id = ` + id,
			fmt.Sprintf(`runs id=%s: row is "(missing)", expected "the row sealed at fact_chain seq=%d"`, id, seq), ""
	}},
	{"run that booked nothing: through edited", func(t *testing.T, b *factBook) (string, string, string) {
		id := b.text(t, `SELECT CAST(max(id) AS TEXT) FROM runs`)
		return `UPDATE runs SET through = '2026-05-31' WHERE id = ` + id,
			fmt.Sprintf(`runs id=%s: through is "2026-05-31", %s`, id, b.sealedAs(t, "runs", "id="+id, "through")), ""
	}},
	{"run that booked nothing and its link deleted", func(t *testing.T, b *factBook) (string, string, string) {
		id := b.text(t, `SELECT CAST(max(id) AS TEXT) FROM runs`)
		head := b.text(t, `SELECT CAST(seq AS TEXT) || ' ' || hash FROM fact_head`)
		prev := b.text(t, `SELECT CAST(seq AS TEXT) || ' ' || hash FROM fact_chain WHERE seq = (SELECT max(seq) - 1 FROM fact_chain)`)
		hs, hh, _ := strings.Cut(head, " ")
		ps, ph, _ := strings.Cut(prev, " ")
		return `DELETE FROM runs WHERE id = ` + id + `; DELETE FROM fact_chain WHERE seq = ` + hs,
			fmt.Sprintf(`fact_head: says seq %s (%.12s), the fact chain ends at seq %s (%.12s): links were removed or added outside revshare`, hs, hh, ps, ph), ""
	}},
	{"import batch's file_name edited", func(t *testing.T, b *factBook) (string, string, string) {
		return `UPDATE import_batches SET file_name = 'other.csv' WHERE id = 1`,
			`import_batches id=1: file_name is "other.csv", ` + b.sealedAs(t, "import_batches", "id=1", "file_name"), ""
	}},
	{"import batch's file_sha256 edited", func(t *testing.T, b *factBook) (string, string, string) {
		return `UPDATE import_batches SET file_sha256 = 'ab' WHERE id = 2`,
			`import_batches id=2: file_sha256 is "ab", ` + b.sealedAs(t, "import_batches", "id=2", "file_sha256"), ""
	}},
	{"import batch's started_at edited", func(t *testing.T, b *factBook) (string, string, string) {
		return `UPDATE import_batches SET started_at = '2026-01-01T00:00:00.000000000Z' WHERE id = 2`,
			`import_batches id=2: started_at is "2026-01-01T00:00:00.000000000Z", ` + b.sealedAs(t, "import_batches", "id=2", "started_at"), ""
	}},
	{"exchange rate of an open period edited", func(t *testing.T, b *factBook) (string, string, string) {
		id := b.text(t, `SELECT CAST(batch_id AS TEXT) FROM fx_rates WHERE date = '2026-04-01'`)
		return `UPDATE fx_rates SET rate = '1.25' WHERE date = '2026-04-01'`,
			`import_batches id=` + id + `: fx_rates is "1 row, sha256 `, `", ` + b.sealedAs(t, "import_batches", "id="+id, "fx_rates")
	}},
	{"reject edited", func(t *testing.T, b *factBook) (string, string, string) {
		id := b.text(t, `SELECT CAST(batch_id AS TEXT) FROM import_rejects`)
		return `UPDATE import_rejects SET line = line + 100`,
			`import_batches id=` + id + `: import_rejects is "1 row, sha256 `, `", ` + b.sealedAs(t, "import_batches", "id="+id, "import_rejects")
	}},
	{"statement's finalized_at moved off every close", func(t *testing.T, b *factBook) (string, string, string) {
		return `UPDATE statements SET finalized_at = '2026-01-01T00:00:00Z' WHERE contract = 'deal' AND period = '2026-01'`,
			`statements contract=deal period=2026-01: finalized_at is "2026-01-01T00:00:00.000000000Z", ` +
				b.sealedAs(t, "statements", "contract=deal period=2026-01", "finalized_at"), ""
	}},
	{"statement stored by the second close of a date: finalized_at edited", func(t *testing.T, b *factBook) (string, string, string) {
		return `UPDATE statements SET finalized_at = '2026-01-01T00:00:00Z' WHERE contract = 'late' AND period = '2026-02'`,
			`statements contract=late period=2026-02: finalized_at is "2026-01-01T00:00:00.000000000Z", ` +
				b.sealedAs(t, "statements", "contract=late period=2026-02", "finalized_at"), ""
	}},
	{"close's closed_at edited", func(t *testing.T, b *factBook) (string, string, string) {
		return `UPDATE period_closes SET closed_at = '2026-01-01T00:00:00Z' WHERE through = '2026-02-28'`,
			`period_closes through=2026-02-28: closed_at is "2026-01-01T00:00:00.000000000Z", ` +
				b.sealedAs(t, "period_closes", "through=2026-02-28", "closed_at"), ""
	}},
	{"contract version's recorded_at edited", func(t *testing.T, b *factBook) (string, string, string) {
		return `UPDATE contracts SET recorded_at = '2026-01-01T00:00:00Z' WHERE id = 'late'`,
			`contracts id=late version=1: recorded_at is "2026-01-01T00:00:00.000000000Z", ` +
				b.sealedAs(t, "contracts", "id=late version=1", "recorded_at"), ""
	}},
	{"advance booking's advance_date edited", func(t *testing.T, b *factBook) (string, string, string) {
		id := b.text(t, `SELECT CAST(min(entry_id) AS TEXT) FROM advance_bookings`)
		return `UPDATE advance_bookings SET advance_date = '2026-01-06' WHERE entry_id = ` + id,
			`advance_bookings entry_id=` + id + `: advance_date is "2026-01-06", expected "2026-01-05 (from its entry)"`, ""
	}},
	{"advance booking's version edited", func(t *testing.T, b *factBook) (string, string, string) {
		id := b.text(t, `SELECT CAST(min(entry_id) AS TEXT) FROM advance_bookings`)
		return `UPDATE advance_bookings SET version = 7 WHERE entry_id = ` + id,
			`advance_bookings entry_id=` + id + `: version is "7", expected "1 (from its entry)"`, ""
	}},
	{"recoupment's period edited", func(t *testing.T, b *factBook) (string, string, string) {
		row := b.text(t, `SELECT CAST(entry_id AS TEXT) || ' ' || period FROM recoupments ORDER BY entry_id LIMIT 1`)
		id, period, _ := strings.Cut(row, " ")
		return `UPDATE recoupments SET period = '2026-12' WHERE entry_id = ` + id,
			`recoupments entry_id=` + id + `: period is "2026-12", expected "` + period + ` (from its entry)"`, ""
	}},
	{"a link's content edited", func(t *testing.T, b *factBook) (string, string, string) {
		id := b.text(t, `SELECT CAST(max(id) AS TEXT) FROM runs`)
		seq, content := b.link(t, "runs", "id="+id)
		prev := b.text(t, fmt.Sprintf(`SELECT hash FROM fact_chain WHERE seq = %d`, seq-1))
		stored := b.text(t, fmt.Sprintf(`SELECT hash FROM fact_chain WHERE seq = %d`, seq))
		forged := strings.Replace(content, "2026-04-30", "2026-05-31", 1)
		return fmt.Sprintf(`UPDATE fact_chain SET content = replace(content, '2026-04-30', '2026-05-31') WHERE seq = %d`, seq),
			fmt.Sprintf(`fact_chain seq=%d (runs id=%s): hash does not match its content (stored %.12s, computed %.12s)`, seq, id, stored,
				ledger.FactHash(prev, seq, "runs", "id="+id, forged)), ""
	}},
	{"a link in the middle deleted", func(t *testing.T, b *factBook) (string, string, string) {
		return `DELETE FROM fact_chain WHERE seq = 5`, `fact_chain: seq jumps from 4 to 6: links were removed`, ""
	}},
}

var factBackends = []struct {
	name string
	open func(*testing.T) *factBook
}{{"SQLite", sqliteFactBook}, {"PostgreSQL", postgresFactBook}}

// TestFactChainTamper edits, with raw SQL behind each backend's guards,
// the rows only the fact chain seals (a run that booked nothing, an import
// batch's file name, hash and start, its rates and rejects, a final
// statement's finalized_at, a close, a contract version, the chain itself)
// and the advances' columns the runs read back (advance_date, version,
// period), which verify now compares with their entries' metadata,
// and checks that verify names the table, the row and the column in the
// same words on SQLite and PostgreSQL. Before each edit the book verifies,
// though three of its final statements (contract late's, stored by closing
// 2026-03-31 a second time) were finalized at an instant no close records.
func TestFactChainTamper(t *testing.T) {
	for _, backend := range factBackends {
		for _, tc := range factTampers {
			t.Run(backend.name+"/"+tc.name, func(t *testing.T) {
				b := backend.open(t)
				if v := b.verify(t); v != "" {
					t.Fatalf("%s, before the edit: %s", b.name, v)
				}
				if n := b.text(t, `SELECT CAST(count(*) AS TEXT) FROM statements s WHERE s.contract = 'late'
					AND NOT EXISTS (SELECT 1 FROM period_closes c WHERE c.closed_at = s.finalized_at)`); n != "3" {
					t.Fatalf("%s final statements of contract late at no close's instant, want 3", n)
				}
				if n := b.text(t, `SELECT CAST(entries AS TEXT) FROM runs WHERE id = (SELECT max(id) FROM runs)`); n != "0" {
					t.Fatalf("the last run booked %s entries, want 0", n)
				}
				edit, want, wantEnd := tc.prepare(t, b)
				if n := b.exec(t, edit); n == 0 {
					t.Fatalf("%s: changed no row", edit)
				}
				got := b.verify(t)
				t.Logf("%s", got)
				if wantEnd == "" && got != want || wantEnd != "" && !(strings.HasPrefix(got, want) && strings.HasSuffix(got, wantEnd)) {
					t.Errorf("verify on %s:\n got %s\nwant %s…%s", b.name, got, want, wantEnd)
				}
			})
		}
	}
}

// TestFactChainUpgrade: a book written before the fact chain (its two
// tables and its migration's record removed behind revshare's back: the
// rows are those the previous version wrote) is sealed whole when opened
// (SQLite's migration 0062, PostgreSQL's 0098), verifies, and then names a
// run that booked nothing deleted.
func TestFactChainUpgrade(t *testing.T) {
	ctx := context.Background()
	const drop = `DROP TABLE fact_chain; DROP TABLE fact_head; `
	const facts = `SELECT CAST((SELECT count(*) FROM contracts) + (SELECT count(*) FROM import_batches) + (SELECT count(*) FROM runs)
		+ (SELECT count(*) FROM period_closes) + (SELECT count(*) FROM statements) AS TEXT)
		|| ' ' || CAST((SELECT count(*) FROM fact_chain) AS TEXT)`
	check := func(t *testing.T, v ledger.Verifier, text func(q string) string, exec func(q string)) {
		t.Helper()
		if res, err := v.Verify(ctx); err != nil || !res.OK {
			t.Fatalf("verify after the upgrade: %+v, %v", res, err)
		}
		counts := strings.Fields(text(facts))
		if counts[0] != counts[1] || counts[0] == "0" {
			t.Errorf("%s rows sealed by %s links, want as many", counts[0], counts[1])
		}
		id := text(`SELECT CAST(max(id) AS TEXT) FROM runs`)
		seq := text(`SELECT CAST(seq AS TEXT) FROM fact_chain WHERE tbl = 'runs' AND row_key = 'id=` + id + `'`)
		exec(`DELETE FROM runs WHERE id = ` + id)
		want := fmt.Sprintf(`runs id=%s: row is "(missing)", expected "the row sealed at fact_chain seq=%s"`, id, seq)
		if res, err := v.Verify(ctx); err != nil || res.Violation != want {
			t.Errorf("verify: %+v, %v\nwant %s", res, err, want)
		}
	}
	t.Run("SQLite", func(t *testing.T) {
		clock := storetest.NewClock(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
		db := tempdb.Open(t, clock)
		factScenario(t, db, clock)
		path := db.Path()
		db.Close()
		raw, err := sql.Open("sqlite3", "file:"+path)
		if err != nil {
			t.Fatal(err)
		}
		raw.SetMaxOpenConns(1)
		defer raw.Close()
		if _, err := raw.Exec(drop + `DELETE FROM schema_migrations WHERE name = '0062_fact_chain.sql'`); err != nil {
			t.Fatal(err)
		}
		db, err = sqlite.Open(ctx, path, clock)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		check(t, reports.Verifier{Store: db}, func(q string) (s string) {
			if err := raw.QueryRow(q).Scan(&s); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return s
		}, func(q string) {
			restore := sqlitetest.DropTriggers(t, raw, "runs")
			defer restore()
			if _, err := raw.Exec(q); err != nil {
				t.Fatal(err)
			}
		})
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		needServer(t)
		u := schemaURL(t)
		clock := storetest.NewClock(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
		db := openURL(t, u, clock)
		factScenario(t, db, clock)
		db.Close()
		tamper(t, u, drop+`DELETE FROM schema_migrations WHERE version = 98`)
		db = openURL(t, u, clock)
		conn := connect(t, u)
		check(t, reports.Verifier{Store: db}, func(q string) (s string) {
			if err := conn.QueryRow(ctx, q).Scan(&s); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return s
		}, func(q string) {
			if _, err := conn.Exec(ctx, "SET session_replication_role = replica; "+q); err != nil {
				t.Fatal(err)
			}
		})
	})
}
