// Package bookcopy copies a whole SQLite book into an empty PostgreSQL one
// (`revshare copy`) and then checks that the two are the same book.
//
// The copy moves stored facts as they are: the journal with its IDs,
// recorded-at instants to the nanosecond and hashes; the closes with the
// chain heads they recorded; contract versions; tokens (their hashes);
// exchange rates; import batches, rejects and group links; events; and the
// books (bookings, advance bookings, recoupments, payments, runs, final
// statements). Everything goes in one transaction that holds the target's
// writer lock (postgres.DB.Restore), so a failed copy leaves the target
// empty, and the target's own triggers check every row as they check any
// write: a chain that does not link, an unbalanced entry, a row of the books
// without its entry are refused. What SQLite keeps only to be fast (event
// and balance indexes, usage aggregates) is not copied: PostgreSQL keeps its
// own (the running totals are rebuilt by the entries trigger).
//
// Each table goes through a staging table of text columns (COPY) and one
// INSERT … SELECT that converts SQLite's texts to PostgreSQL's types, so
// the conversion of every column is written once, in SQL, below.
package bookcopy

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/postgres"
	"github.com/revshare/revshare/ledger/sqlite"
	"github.com/revshare/revshare/ledger/usage"
)

// table is how one table is copied: the SQLite query of its rows (texts,
// in order), and the PostgreSQL columns with the expression that computes
// each from the staged texts s1, s2, ….
type table struct {
	name    string
	from    string
	columns []string
	exprs   []string
	// instants are the source columns (from 1) that hold instants in RFC
	// 3339: they are staged in the fixed width of fixedInstant.
	instants []int
}

// fixedInstant is the width instants are staged in, whatever their source
// text (RFC 3339 with trailing zeros trimmed, or SQLite's fixed width).
const fixedInstant = "2006-01-02T15:04:05.000000000Z"

// instant is PostgreSQL's timestamptz of a staged instant, truncated to the
// microsecond (PostgreSQL would round); nanos the nanoseconds below it, for
// the columns that keep them.
func instant(s string) string { return "(substr(" + s + ", 1, 26) || 'Z')::timestamptz" }
func nanos(s string) string   { return "substr(" + s + ", 27, 3)::smallint" }

// tables in the order the target's triggers need: accounts before the
// postings that use them, postings before the entries that seal them,
// entries before the closes, the import groups and the books that refer to
// them. Identity columns keep the source's IDs (OVERRIDING SYSTEM VALUE).
var tables = []table{
	{"accounts", `SELECT id, name, type FROM accounts ORDER BY id`,
		[]string{"id", "name", "type"}, []string{"s1::bigint", "s2", "s3"}, nil},
	{"postings", `SELECT entry_id, seq, account_id, currency, amount FROM postings ORDER BY entry_id, seq`,
		[]string{"entry_id", "seq", "account_id", "currency", "amount"}, []string{"s1::bigint", "s2::integer", "s3::bigint", "s4", "s5::numeric"}, nil},
	{"entries", `SELECT id, source, external_id, date, recorded_at, description, meta, reverses, prev_hash, hash FROM entries ORDER BY id`,
		[]string{"id", "source", "external_id", "date", "recorded_at", "recorded_ns", "description", "meta", "reverses", "prev_hash", "hash"},
		[]string{"s1::bigint", "s2", "s3", "s4::date", instant("s5"), nanos("s5"), "s6", "s7::jsonb", "s8::bigint", "decode(s9, 'hex')", "decode(s10, 'hex')"}, []int{5}},
	{"period_closes", `SELECT through, closed_at, head_id, head_hash FROM period_closes ORDER BY through`,
		[]string{"through", "closed_at", "head_id", "head_hash"}, []string{"s1::date", instant("s2"), "s3::bigint", "decode(s4, 'hex')"}, []int{2}},
	{"contracts", `SELECT id, version, document, recorded_at FROM contracts ORDER BY id, version`,
		[]string{"id", "version", "document", "recorded_at", "recorded_ns"}, []string{"s1", "s2::integer", "s3", instant("s4"), nanos("s4")}, []int{4}},
	{"api_tokens", `SELECT id, name, role, hash, created_at, revoked_at FROM api_tokens ORDER BY id`,
		[]string{"id", "name", "role", "hash", "created_at", "revoked_at"}, []string{"s1::bigint", "s2", "s3", "s4", instant("s5"), instant("s6")}, []int{5, 6}},
	{"event_sources", `SELECT id, name FROM event_sources ORDER BY id`,
		[]string{"id", "name"}, []string{"s1::integer", "s2"}, nil},
	{"import_batches", `SELECT id, kind, source, file_name, file_sha256, mode, status, rows, posted, duplicates, rejected, late, entries, started_at, finished_at FROM import_batches ORDER BY id`,
		[]string{"id", "kind", "source", "file_name", "file_sha256", "mode", "status", "rows", "posted", "duplicates", "rejected", "late", "entries", "started_at", "finished_at"},
		[]string{"s1::bigint", "s2", "s3", "s4", "s5", "s6", "s7", "s8::bigint", "s9::bigint", "s10::bigint", "s11::bigint", "s12::bigint", "s13::bigint", instant("s14"), instant("s15")}, []int{14, 15}},
	{"fx_rates", `SELECT date, from_ccy, to_ccy, rate, batch_id FROM fx_rates ORDER BY from_ccy, to_ccy, date`,
		[]string{"date", "from_ccy", "to_ccy", "rate", "batch_id"}, []string{"s1::date", "s2", "s3", "s4::numeric", "s5::bigint"}, nil},
	{"import_groups", `SELECT batch_id, group_no, entry_id, first_event, last_event, events FROM import_groups ORDER BY batch_id, group_no`,
		[]string{"batch_id", "group_no", "entry_id", "first_event", "last_event", "events"}, []string{"s1::bigint", "s2::bigint", "s3::bigint", "s4::bigint", "s5::bigint", "s6::bigint"}, nil},
	{"import_reject_columns", `SELECT batch_id, columns FROM import_reject_columns ORDER BY batch_id`,
		[]string{"batch_id", "columns"}, []string{"s1::bigint", "s2::jsonb"}, nil},
	{"import_rejects", `SELECT batch_id, line, errors, record FROM import_rejects ORDER BY batch_id, line`,
		[]string{"batch_id", "line", "errors", "record"}, []string{"s1::bigint", "s2::integer", "s3::jsonb", "s4::jsonb"}, nil},
	{"bookings", `SELECT entry_id, contract, version, rule, period, kind, booked_in, payer, payee, base, base_delta, amount, date FROM bookings ORDER BY entry_id`,
		[]string{"entry_id", "contract", "version", "rule", "period", "kind", "booked_in", "payer", "payee", "base", "base_delta", "amount", "date"},
		[]string{"s1::bigint", "s2", "s3::integer", "s4", "s5", "s6", "s7", "s8", "s9", "s10::numeric", "s11::numeric", "s12::numeric", "s13::date"}, nil},
	{"advance_bookings", `SELECT entry_id, contract, version, advance, payer, payee, advance_date, amount, date FROM advance_bookings ORDER BY entry_id`,
		[]string{"entry_id", "contract", "version", "advance", "payer", "payee", "advance_date", "amount", "date"},
		[]string{"s1::bigint", "s2", "s3::integer", "s4", "s5", "s6", "s7::date", "s8::numeric", "s9::date"}, nil},
	{"recoupments", `SELECT entry_id, contract, version, advance, period, payer, payee, amount, date FROM recoupments ORDER BY entry_id`,
		[]string{"entry_id", "contract", "version", "advance", "period", "payer", "payee", "amount", "date"},
		[]string{"s1::bigint", "s2", "s3::integer", "s4", "s5", "s6", "s7", "s8::numeric", "s9::date"}, nil},
	{"payments", `SELECT entry_id, contract, payer, payee, amount, date, reference FROM payments ORDER BY entry_id`,
		[]string{"entry_id", "contract", "payer", "payee", "amount", "date", "reference"},
		[]string{"s1::bigint", "s2", "s3", "s4", "s5::numeric", "s6::date", "s7"}, nil},
	{"runs", `SELECT id, through, started_at, entries FROM runs ORDER BY id`,
		[]string{"id", "through", "started_at", "started_ns", "entries"}, []string{"s1::bigint", "s2::date", instant("s3"), nanos("s3"), "s4::bigint"}, []int{3}},
	{"statements", `SELECT contract, period, body, hash, finalized_at, version, events_through, rates_through FROM statements ORDER BY rowid`,
		[]string{"contract", "period", "body", "hash", "finalized_at", "version", "events_through", "rates_through"},
		[]string{"s1", "s2", "s3", "s4", instant("s5"), "s6::integer", "s7::bigint", "s8::bigint"}, []int{5}},
}

// identities are the target's identity columns, whose sequences must go on
// after the copied IDs.
var identities = []string{"accounts", "event_sources", "runs", "statements"}

// Counts is how many rows of each table were copied (events included).
type Counts map[string]int64

// Copy copies the book in from into to, which must hold no book yet (no
// rows in any table), in one transaction.
func Copy(ctx context.Context, from *sqlite.DB, to *postgres.DB) (Counts, error) {
	counts := Counts{}
	err := to.Restore(ctx, func(ctx context.Context, tx pgx.Tx) error {
		for _, t := range tables {
			n, err := copyTable(ctx, from.Reader(), tx, t)
			if err != nil {
				return fmt.Errorf("copy %s: %w", t.name, err)
			}
			counts[t.name] = n
			if t.name == "event_sources" {
				// Events after their sources, before the groups that link
				// them to entries.
				if counts["events"], err = copyEvents(ctx, from, tx); err != nil {
					return fmt.Errorf("copy events: %w", err)
				}
			}
		}
		for _, name := range identities {
			if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, 'id'), coalesce(max(id), 0) + 1, false) FROM `+name, name); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
		return nil
	})
	return counts, err
}

// copyTable stages t's rows from src in a temporary table of texts and
// inserts them converted; it returns how many rows it copied.
func copyTable(ctx context.Context, src *sql.DB, tx pgx.Tx, t table) (int64, error) {
	rows, err := src.QueryContext(ctx, t.from)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	st := newStage(t.name, len(cols))
	for rows.Next() {
		row, err := scanTexts(rows, len(cols), 0)
		if err != nil {
			return 0, err
		}
		for _, i := range t.instants {
			if row[i-1] == nil {
				continue
			}
			at, err := time.Parse(time.RFC3339Nano, row[i-1].(string))
			if err != nil {
				return 0, fmt.Errorf("column %d of %q: %w", i, t.from, err)
			}
			row[i-1] = at.UTC().Format(fixedInstant)
		}
		if err := st.add(ctx, tx, row); err != nil {
			return 0, err
		}
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	return st.insert(ctx, tx, t.columns, t.exprs)
}

// scanTexts scans the current row of n columns as texts (nil for NULL),
// with extra empty places after them.
func scanTexts(rows *sql.Rows, n, extra int) ([]any, error) {
	vals := make([]sql.NullString, n)
	ptrs := make([]any, n)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, err
	}
	row := make([]any, n, n+extra)
	for i, v := range vals {
		if v.Valid {
			row[i] = v.String
		}
	}
	return row[:n+extra], nil
}

// stage is a temporary table of text columns s1…sn (and ord, the order
// rows came in) that rows are copied into in blocks, then inserted from
// into a table: the memory a copy takes is one block's.
type stage struct {
	table   string
	names   []string
	block   [][]any
	rows    int64
	created bool
}

const stageBlock = 10000

func newStage(table string, n int) *stage {
	st := &stage{table: table, names: []string{"ord"}}
	for i := 1; i <= n; i++ {
		st.names = append(st.names, fmt.Sprintf("s%d", i))
	}
	return st
}

// add stages one row (texts or nil).
func (st *stage) add(ctx context.Context, tx pgx.Tx, row []any) error {
	st.block = append(st.block, append([]any{st.rows}, row...))
	st.rows++
	if len(st.block) == stageBlock {
		return st.flush(ctx, tx)
	}
	return nil
}

func (st *stage) flush(ctx context.Context, tx pgx.Tx) error {
	if len(st.block) == 0 {
		return nil
	}
	if !st.created {
		defs := []string{"ord bigint"}
		for _, n := range st.names[1:] {
			defs = append(defs, n+" text")
		}
		if _, err := tx.Exec(ctx, "CREATE TEMPORARY TABLE stage_"+st.table+" ("+strings.Join(defs, ", ")+") ON COMMIT DROP"); err != nil {
			return err
		}
		st.created = true
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"stage_" + st.table}, st.names, pgx.CopyFromRows(st.block))
	st.block = st.block[:0]
	return err
}

// insert inserts the staged rows into the table's columns as exprs
// computes them from s1…sn, in the order they came; it returns how many.
func (st *stage) insert(ctx context.Context, tx pgx.Tx, columns, exprs []string) (int64, error) {
	if err := st.flush(ctx, tx); err != nil || !st.created {
		return 0, err
	}
	tag, err := tx.Exec(ctx, "INSERT INTO "+st.table+" ("+strings.Join(columns, ", ")+") OVERRIDING SYSTEM VALUE SELECT "+
		strings.Join(exprs, ", ")+" FROM stage_"+st.table+" ORDER BY ord")
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

// eventColumns are the target's events columns; s1… are the source's
// (eventsQuery) with the digest last.
var (
	eventColumns = []string{"id", "source_id", "event_id", "occurred", "date", "seller", "channel", "customer", "product", "region",
		"quantity", "unit_price", "amount", "currency", "meta", "digest", "batch_id", "line", "group_no", "late"}
	eventExprs = []string{"s1::bigint", "s2::integer", "s3", "s4", "s5::date", "s6", "s7", "s8", "s9", "s10",
		"s11::numeric", "s12::numeric", "s13::numeric", "s14", "s15::jsonb", "decode(s20, 'hex')", "s16::bigint", "s17::integer", "s18::bigint", "s19::boolean"}
)

// eventsQuery reads SQLite's events as they are stored (migration 0007's
// data array, ledger/sqlite/event_data.go): the accounting date is the UTC
// date of occurred_at, as on PostgreSQL.
const eventsQuery = `SELECT id, source_id, event_id, json_extract(data, '$[0]'), date(json_extract(data, '$[0]')),
	json_extract(data, '$[1]'), json_extract(data, '$[2]'), json_extract(data, '$[3]'), json_extract(data, '$[4]'), json_extract(data, '$[5]'),
	json_extract(data, '$[13]'), json_extract(data, '$[14]'), json_extract(data, '$[6]'), json_extract(data, '$[7]'),
	CASE WHEN json_extract(data, '$[15]') IS NULL OR json_extract(data, '$[15]') = '{}' THEN NULL ELSE json_extract(data, '$[15]') END,
	json_extract(data, '$[11]'), json_extract(data, '$[9]'), json_extract(data, '$[12]'), json_extract(data, '$[10]')
	FROM events ORDER BY id`

// copyEvents copies the events with their digests: SQLite keeps 8 bytes of
// the content's hash, PostgreSQL 16 (usage.Digest), so each event is read
// as the domain sees it too, and its digest computed again.
func copyEvents(ctx context.Context, from *sqlite.DB, tx pgx.Tx) (int64, error) {
	rows, err := from.Reader().QueryContext(ctx, eventsQuery)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	const cols = 19
	st := newStage("events", cols+1)
	var buf []byte
	err = from.EachEvent(ctx, ledger.EventFilter{}, func(e *ledger.Event) error {
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				return err
			}
			return fmt.Errorf("event %d: not in the events table", e.ID)
		}
		row, err := scanTexts(rows, cols, 1)
		if err != nil {
			return err
		}
		if row[0] != fmt.Sprint(e.ID) {
			return fmt.Errorf("event %d: the events table has event %v there", e.ID, row[0])
		}
		var d [usage.DigestSize]byte
		d, buf = usage.Digest(e, buf)
		row[cols] = hex.EncodeToString(d[:])
		return st.add(ctx, tx, row)
	})
	if err != nil {
		return 0, err
	}
	if rows.Next() {
		return 0, fmt.Errorf("the events table has events the store does not read (the first one after the last read)")
	}
	return st.insert(ctx, tx, eventColumns, eventExprs)
}
