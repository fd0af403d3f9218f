package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"iter"
	"slices"

	"github.com/revshare/revshare/ledger"
)

// The balance history's versions (migration 0060) answer a trial balance
// both as of a date D and known at an instant T from a few rows per account,
// whatever the size of the journal and wherever T and D fall in it:
//
//	balance_versions (account, currency, date, entry)  sums of the account's postings
//	                                                   dated on or before date, in the
//	                                                   entries up to entry
//	balance_spans    (account, currency, entry)        first and last date of those postings
//
// The entry of a version is the last entry of a transaction posting to the
// account (the entry of its mark). A transaction writes, per account, a row
// at each date it posts to and at each date the account already had from
// the earliest it posts to on (their sums change); and one span. So a date
// on or after the earliest a transaction posts to has a row at every later
// version that changed its sums, and the view known at T (entries up to the
// cut) as of D is, per account:
//
//   - left out if D is before the span's first date or it has no mark up to
//     the cut (no posting in the view);
//   - its mark if D is on or after the span's last date;
//   - else the row at d* at its last entry up to the cut, where d* is the
//     last date on or before D with a row up to the cut. Usually d* is the
//     last date on or before D with any row; a date that a later
//     transaction added (a hole filled late) is stepped over, one look-up
//     each.
//
// Both tables are derived data that verify recomputes from the journal
// (balance_versions_verify.go).

// versionDay is one date's plain sums of postings to an account.
type versionDay struct {
	date int32 // yyyymmdd
	l    limbs
}

// mergeVersionDays sorts days by date and sums those of one date.
func mergeVersionDays(ds []versionDay) []versionDay {
	// Mostly one date, or already in order: sort only when not (sorting
	// by reflection allocated on each of verify's 2M versions).
	byDate := func(a, b versionDay) int { return cmp.Compare(a.date, b.date) }
	if !slices.IsSortedFunc(ds, byDate) {
		slices.SortStableFunc(ds, byDate)
	}
	out := ds[:0]
	for _, d := range ds {
		if n := len(out); n > 0 && out[n-1].date == d.date {
			out[n-1].l.add(d.l)
			continue
		}
		out = append(out, d)
	}
	return out
}

// versionSums walks the dates of have (an account's sums at each date from
// some date on, as of its last version) and of days (a new version's
// postings, one per date) together, both by date, and yields each date
// with its sums in the new version: the sums before the version at it
// (have's last date up to it, or base) plus the version's postings up to
// it. Both the write (versionRows) and verify's replay (replayVersions)
// compute the rows this way.
func versionSums(base limbs, have, days []versionDay) iter.Seq2[int32, limbs] {
	return func(yield func(int32, limbs) bool) {
		prev := base
		var delta limbs
		i, j := 0, 0
		for i < len(days) || j < len(have) {
			var d int32
			switch {
			case j == len(have) || (i < len(days) && days[i].date < have[j].date):
				d = days[i].date
			default:
				d = have[j].date
			}
			if j < len(have) && have[j].date == d {
				prev = have[j].l
				j++
			}
			if i < len(days) && days[i].date == d {
				delta.add(days[i].l)
				i++
			}
			s := prev
			s.add(delta)
			if !yield(d, s) {
				return
			}
		}
	}
}

func insertVersionsQuery(n int) string {
	return cachedQuery(60, n, func(n int) string {
		return `INSERT INTO balance_versions (account_id, currency, date, entry_id, ` + limbCols("", false) + `) VALUES ` + placeholders(n, 4+limbCount)
	})
}

func insertSpansQuery(n int) string {
	return cachedQuery(61, n, func(n int) string {
		return `INSERT INTO balance_spans (account_id, currency, entry_id, first_date, last_date) VALUES ` + placeholders(n, 5)
	})
}

const (
	lastSpanQuery = `SELECT first_date, last_date FROM balance_spans
		WHERE account_id = ? AND currency = ? ORDER BY entry_id DESC LIMIT 1`
	// The rows from a date on, every version: the caller keeps each date's last.
	versionsFromQuery = `SELECT date, ` + limbColsConst + ` FROM balance_versions
		WHERE account_id = ? AND currency = ? AND date >= ? ORDER BY date, entry_id`
	// The sums at the last date before a date, at its last version.
	versionBeforeQuery = `SELECT ` + limbColsConst + ` FROM balance_versions
		WHERE account_id = ? AND currency = ? AND date < ? ORDER BY date DESC, entry_id DESC LIMIT 1`
	limbColsConst = `l0, l1, l2, l3, l4, l5, l6, l7`
)

// versionRows appends the rows and the span of version entry of account k,
// whose postings in the version are days (by date, one per date).
func (tx *Tx) versionRows(rowArgs, spanArgs []any, k acctCur, entry int64, days []versionDay) ([]any, []any, error) {
	lo, hi := days[0].date, days[len(days)-1].date
	first, last := lo, hi
	var base limbs        // the sums before lo
	var have []versionDay // the dates from lo on, at their last version
	var prevFirst, prevLast string
	err := sql.ErrNoRows
	// An account created in this transaction has no span: spare the
	// look-up (an import of 50,000 new sellers made 200,000 of them).
	if tx.firstNewAccount <= 0 || k.account < tx.firstNewAccount {
		var st *sql.Stmt
		if st, err = tx.stmt(lastSpanQuery); err != nil {
			return nil, nil, err
		}
		err = st.QueryRowContext(tx.ctx, k.account, k.currency).Scan(&prevFirst, &prevLast)
	}
	switch {
	case err == sql.ErrNoRows:
	case err != nil:
		return nil, nil, err
	default:
		pf, pl := dateNumber(prevFirst), dateNumber(prevLast)
		first, last = min(first, pf), max(last, pl)
		loText := dateText(lo, false)
		if pf < lo {
			if base, err = tx.versionBefore(k, loText); err != nil {
				return nil, nil, err
			}
		}
		if lo <= pl {
			if have, err = tx.versionsFrom(k, loText); err != nil {
				return nil, nil, err
			}
		}
	}
	for d, s := range versionSums(base, have, days) {
		rowArgs = s.args(append(rowArgs, k.account, k.currency, dateText(d, false), entry))
	}
	spanArgs = append(spanArgs, k.account, k.currency, entry, dateText(first, false), dateText(last, false))
	return rowArgs, spanArgs, nil
}

func (tx *Tx) versionBefore(k acctCur, date string) (limbs, error) {
	var l limbs
	st, err := tx.stmt(versionBeforeQuery)
	if err != nil {
		return l, err
	}
	err = st.QueryRowContext(tx.ctx, k.account, k.currency, date).Scan(l.ptrs()...)
	if err == sql.ErrNoRows {
		return l, fmt.Errorf("account id %d %s has a span before %s and no row", k.account, k.currency, date)
	}
	return l, err
}

func (tx *Tx) versionsFrom(k acctCur, date string) ([]versionDay, error) {
	st, err := tx.stmt(versionsFromQuery)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(tx.ctx, k.account, k.currency, date)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []versionDay
	var d string
	var l limbs
	dest := append([]any{&d}, l.ptrs()...)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		n := dateNumber(d)
		if m := len(out); m > 0 && out[m-1].date == n {
			out[m-1].l = l // a later version of the date
			continue
		}
		out = append(out, versionDay{n, l})
	}
	return out, rows.Err()
}

// trialBalanceVersions is the view of the entries up to cut (a
// transaction's end, before the journal's last entry) dated on or before d.
func trialBalanceVersions(ctx context.Context, rtx *sql.Tx, cut int64, d ledger.Date) ([]ledger.Balance, error) {
	date := d.String()
	// Per account: its mark up to the cut (eid), its span there, and, when
	// d is inside the span, the last date up to d with a row (dd) and that
	// date's last version up to the cut (ve; none if a later transaction
	// added the date). Materialized in steps: as correlated conditions of
	// one join SQLite took far longer.
	rows, err := rtx.QueryContext(ctx, `WITH k AS MATERIALIZED (
			SELECT t.account_id AS aid, t.currency AS cur, (SELECT x.entry_id FROM balance_marks x
				WHERE x.account_id = t.account_id AND x.currency = t.currency AND x.entry_id <= ?1
				ORDER BY x.entry_id DESC LIMIT 1) AS eid
			FROM balance_totals t),
		s AS MATERIALIZED (
			SELECT k.aid, k.cur, k.eid, sp.last_date <= ?2 AS whole,
				CASE WHEN sp.last_date > ?2 THEN (SELECT x.date FROM balance_versions x
					WHERE x.account_id = k.aid AND x.currency = k.cur AND x.date <= ?2
					ORDER BY x.date DESC LIMIT 1) END AS dd
			FROM k JOIN balance_spans sp ON sp.account_id = k.aid AND sp.currency = k.cur AND sp.entry_id = k.eid
			WHERE sp.first_date <= ?2),
		v AS MATERIALIZED (
			SELECT s.*, CASE WHEN NOT s.whole THEN (SELECT y.entry_id FROM balance_versions y
				WHERE y.account_id = s.aid AND y.currency = s.cur AND y.date = s.dd AND y.entry_id <= s.eid
				ORDER BY y.entry_id DESC LIMIT 1) END AS ve
			FROM s)
		SELECT v.aid, v.cur, v.eid, v.whole, v.dd, v.ve IS NOT NULL,
			`+coalesceLimbs("m.", "b.")+`
		FROM v LEFT JOIN balance_marks m ON v.whole AND m.account_id = v.aid AND m.currency = v.cur AND m.entry_id = v.eid
		LEFT JOIN balance_versions b ON NOT v.whole AND b.account_id = v.aid AND b.currency = v.cur AND b.date = v.dd AND b.entry_id = v.ve`,
		cut, date)
	if err != nil {
		return nil, err
	}
	sums := map[acctCur]*histSum{}
	type hole struct {
		k   acctCur
		eid int64
		dd  string
	}
	var holes []hole
	for rows.Next() {
		var k acctCur
		var eid int64
		var whole, found bool
		var dd sql.NullString
		var l [limbCount]sql.NullInt64
		dest := []any{&k.account, &k.currency, &eid, &whole, &dd, &found}
		for i := range l {
			dest = append(dest, &l[i])
		}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return nil, err
		}
		if !whole && !found {
			if !dd.Valid {
				rows.Close()
				return nil, fmt.Errorf("balance history: account id %d %s has a span up to entry %d and no row on or before %s", k.account, k.currency, eid, date)
			}
			holes = append(holes, hole{k, eid, dd.String})
			continue
		}
		s := &histSum{n: 1}
		for i, c := range l {
			if !c.Valid {
				rows.Close()
				return nil, fmt.Errorf("balance history: account id %d %s has no sums at entry %d", k.account, k.currency, eid)
			}
			s.l[i] = c.Int64
		}
		sums[k] = s
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Dates a transaction after the cut added: step down to the last date
	// with a row up to the cut.
	for _, h := range holes {
		l, err := versionAtOrBefore(ctx, rtx, h.k, h.eid, h.dd)
		if err != nil {
			return nil, err
		}
		sums[h.k] = &histSum{n: 1, l: l}
	}
	return namedBalances(ctx, rtx, sums)
}

// versionAtOrBefore is account k's row at the last date before dd with a
// row at or before entry eid, at its last such entry.
func versionAtOrBefore(ctx context.Context, rtx *sql.Tx, k acctCur, eid int64, dd string) (limbs, error) {
	var l limbs
	for {
		var d sql.NullString
		if err := rtx.QueryRowContext(ctx, `SELECT max(date) FROM balance_versions
			WHERE account_id = ? AND currency = ? AND date < ?`, k.account, k.currency, dd).Scan(&d); err != nil {
			return l, err
		}
		if !d.Valid {
			return l, fmt.Errorf("balance history: account id %d %s has a span up to entry %d and no row before %s", k.account, k.currency, eid, dd)
		}
		dd = d.String
		err := rtx.QueryRowContext(ctx, `SELECT `+limbColsConst+` FROM balance_versions
			WHERE account_id = ? AND currency = ? AND date = ? AND entry_id <= ?
			ORDER BY entry_id DESC LIMIT 1`, k.account, k.currency, dd, eid).Scan(l.ptrs()...)
		if err == nil || err != sql.ErrNoRows {
			return l, err
		}
	}
}

// coalesceLimbs selects each limb of a, else of b.
func coalesceLimbs(a, b string) string {
	s := ""
	for k := 0; k < limbCount; k++ {
		if k > 0 {
			s += ", "
		}
		s += fmt.Sprintf("coalesce(%sl%d, %sl%d)", a, k, b, k)
	}
	return s
}

// fillBalanceVersions is migration 0060's Go step: the versions of an
// existing journal, one per account and recorded-at instant (at the
// instant's last entry posting to the account, where its mark is), written
// as the transactions of those instants would have written them. The
// postings are read by ranges of entries (reading and writing share the
// writer's one connection); an instant that runs past a range waits for
// the next.
func fillBalanceVersions(ctx context.Context, tx *Tx) error {
	type posting struct {
		entry   int64
		instant string
		date    int32
		k       acctCur
		l       limbs
	}
	var maxID sql.NullInt64
	if err := tx.tx.QueryRowContext(ctx, `SELECT max(id) FROM entries`).Scan(&maxID); err != nil {
		return err
	}
	var h txHistory
	flush := func(ps []posting) error {
		for _, q := range ps {
			h.add(q.k.account, q.k.currency, q.date, &histSum{n: 1, l: q.l, last: q.entry})
		}
		err := tx.writeHistory(&h, true)
		h.reset()
		return err
	}
	const chunk = 50_000
	var pending []posting // the postings of the last instant read
	for lo := int64(0); lo < maxID.Int64; lo += chunk {
		rows, err := tx.tx.QueryContext(ctx, `SELECT p.entry_id, e.recorded_at, e.date, p.account_id, p.currency, `+limbCols("p.", false)+`
			FROM postings p JOIN entries e ON e.id = p.entry_id WHERE p.entry_id > ? AND p.entry_id <= ? ORDER BY p.entry_id, p.seq`, lo, lo+chunk)
		if err != nil {
			return err
		}
		var ps []posting
		var date string
		var p posting
		dest := append([]any{&p.entry, &p.instant, &date, &p.k.account, &p.k.currency}, p.l.ptrs()...)
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				rows.Close()
				return err
			}
			p.date = dateNumber(date)
			ps = append(ps, p)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for _, q := range ps {
			if len(pending) > 0 && q.instant != pending[0].instant {
				if err := flush(pending); err != nil {
					return err
				}
				pending = pending[:0]
			}
			pending = append(pending, q)
		}
	}
	if len(pending) > 0 {
		return flush(pending)
	}
	return nil
}
