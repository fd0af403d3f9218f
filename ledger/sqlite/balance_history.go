package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/revshare/revshare/ledger"
)

// The balance history (migration 0025): persisted aggregates that answer
// the trial balance's --as-of and --known-at views from a few thousand rows
// in any process, one-shot or long-running, instead of summing every
// posting. Four tables, all written in the transaction of the postings
// (the days by each Tx.PostEntries call, writeBalanceHistory; the rest
// once before the commit, flushHistory), all derived data that verify
// recomputes (balance_history_verify.go):
//
//	balance_totals  (account, currency)         sums of every posting (0005)
//	balance_months  (account, currency, month)  postings and sums per month of effective date
//	balance_days    (date, account, currency)   postings and sums per effective date
//	balance_marks   (account, currency, entry)  running sums, in recorded order, at each
//	                                            transaction's last entry posting to the account
//
// A storage backend with the same shape (PostgreSQL) keeps the same four
// relations and answers the same three queries below.

// histSum is n postings' plain sums of their limbs (no carrying: the
// tables hold plain sums, which verify compares part by part) and the last
// entry among them.
type histSum struct {
	n    int64
	l    limbs
	last int64
}

func (s *histSum) addPosting(entryID int64, a splitAmount) {
	s.n++
	s.l.add(a.l)
	s.last = max(s.last, entryID)
}

func (s *histSum) addSum(o *histSum) {
	s.n += o.n
	s.l.add(o.l)
	s.last = max(s.last, o.last)
}

// dayPosting is one posting as the balance history needs it.
type dayPosting struct {
	account  int64
	entry    int64
	date     int32 // yyyymmdd
	currency string
	l        limbs
}

func dayOf(d ledger.Date) int32 { return int32(d.Year*10000 + int(d.Month)*100 + d.Day) }

// balanceHistory collects the postings of one PostEntries call; its
// writeBalanceHistory sums them per effective date, account and currency.
// A slice sorted once, not a map: with one entry per event nearly every
// posting of a call has a date and account of its own, and a map cost an
// insertion and a sum's allocation per posting, twice (docs/design/speed.md,
// section 2).
type balanceHistory struct {
	rows []dayPosting
}

func (b *balanceHistory) addPosting(account int64, currency string, date ledger.Date, entryID int64, a splitAmount) {
	b.rows = append(b.rows, dayPosting{account: account, entry: entryID, date: dayOf(date), currency: currency, l: a.l})
}

func upsertTotalsQuery(n int) string {
	return cachedQuery(13, n, func(n int) string {
		return `INSERT INTO balance_totals (account_id, currency, ` + limbCols("", false) + `) VALUES ` + placeholders(n, 2+limbCount) +
			` ON CONFLICT (account_id, currency) DO UPDATE SET ` + addLimbs
	})
}

// insertMarksQuery copies the totals just updated: the running sums up to
// the call's last entry posting to each account.
func insertMarksQuery(n int) string {
	return cachedQuery(14, n, func(n int) string {
		return `INSERT INTO balance_marks (account_id, currency, entry_id, ` + limbCols("", false) + `)
			SELECT t.account_id, t.currency, v.column3, ` + limbCols("t.", false) + ` FROM (VALUES ` + placeholders(n, 3) + `) v
			JOIN balance_totals t ON t.account_id = v.column1 AND t.currency = v.column2`
	})
}

func upsertDaysQuery(n int) string {
	return cachedQuery(10, n, buildUpsertHist("balance_days", "date"))
}
func upsertMonthsQuery(n int) string {
	return cachedQuery(11, n, buildUpsertHist("balance_months", "month"))
}

func buildUpsertHist(table, col string) func(n int) string {
	return func(n int) string {
		return `INSERT INTO ` + table + ` (account_id, currency, ` + col + `, n, ` + limbCols("", false) + `) VALUES ` + placeholders(n, 4+limbCount) +
			` ON CONFLICT (account_id, currency, ` + col + `) DO UPDATE SET n = n + excluded.n, ` + addLimbs
	}
}

// writeBalanceHistory writes one call's days (balance_days) and adds the
// call's sums per account, currency and date to tx.callHist, which
// PostEntries adds to the transaction's (tx.hist) when the call succeeds:
// flushHistory writes the totals, marks, months and versions from them
// once, before the commit.
func (tx *Tx) writeBalanceHistory(b *balanceHistory) error {
	rows := b.rows
	if len(rows) == 0 {
		return nil
	}
	// In balance_days' key order (date, account, currency): the upserts
	// walk the table's end instead of a leaf per account.
	slices.SortFunc(rows, func(x, y dayPosting) int {
		if c := cmp.Compare(x.date, y.date); c != 0 {
			return c
		}
		if c := cmp.Compare(x.account, y.account); c != 0 {
			return c
		}
		return strings.Compare(x.currency, y.currency)
	})
	// The upserts go out a statement at a time as their rows gather: the
	// arguments of a call's 20,000 rows at once were 5 MB of boxed values
	// (docs/design/speed.md, section 2, session 18). The statements are
	// those execRows makes of all the rows.
	const width = 4 + limbCount
	dayArgs := make([]any, 0, width*min(len(rows), rowsPerInsert))
	for i := 0; i < len(rows); {
		r := &rows[i]
		s := histSum{n: 1, l: r.l, last: r.entry}
		j := i + 1
		for ; j < len(rows) && rows[j].date == r.date && rows[j].account == r.account && rows[j].currency == r.currency; j++ {
			s.n++
			s.l.add(rows[j].l)
			s.last = max(s.last, rows[j].entry)
		}
		i = j
		tx.callHist.add(r.account, r.currency, r.date, &s)
		dayArgs = s.l.args(append(dayArgs, r.account, r.currency, dateText(r.date, false), s.n))
		if len(dayArgs) == width*rowsPerInsert {
			if err := tx.execRows(upsertDaysQuery, width, dayArgs); err != nil {
				return fmt.Errorf("balance days: %w", err)
			}
			clear(dayArgs)
			dayArgs = dayArgs[:0]
		}
	}
	if err := tx.execRows(upsertDaysQuery, width, dayArgs); err != nil {
		return fmt.Errorf("balance days: %w", err)
	}
	return nil
}

// txHistory is what posting adds to the balance history beyond
// balance_days: one row per PostEntries call, account, currency and date,
// from which flushHistory derives the totals, months, marks and versions.
// Flat rows sorted once at the flush, not maps per account: a transaction
// posting to 200,000 accounts (50,000 sellers) held about 110 MB in three
// maps and their sums, and now 40 bytes per row (docs/design/speed.md,
// section 2, sessions 12 and 18). The rows are kept in blocks of a fixed
// size: one slice grown by appending left its outgrown arrays to the
// process (peak RSS 15 MB higher for an import of 100,000 events).
type txHistory struct {
	blocks [][]histRow // histBlock rows each
	n      int         // rows in use
	curs   []string    // the rows' currencies, by histRow.cur
	wide   []histWide  // the sums of the rows that do not fit a histRow
}

const histBlock = 4096

func (h *txHistory) row(i int) *histRow { return &h.blocks[i/histBlock][i%histBlock] }

func (h *txHistory) push(r histRow) {
	if h.n == len(h.blocks)*histBlock {
		h.blocks = append(h.blocks, make([]histRow, histBlock))
	}
	*h.row(h.n) = r
	h.n++
}

// Len, Less and Swap sort the rows by account, currency and date.
func (h *txHistory) Len() int { return h.n }
func (h *txHistory) Less(i, j int) bool {
	x, y := h.row(i), h.row(j)
	return cmp.Or(cmp.Compare(x.account, y.account), strings.Compare(h.curs[x.cur], h.curs[y.cur]), cmp.Compare(x.date, y.date)) < 0
}
func (h *txHistory) Swap(i, j int) {
	x, y := h.row(i), h.row(j)
	*x, *y = *y, *x
}

// histRow is the sums of one call's postings to an account in a currency
// on a date, in 40 bytes and no pointer (the collector skips the blocks):
// the count and the low limbs (the fractional digits and the integer
// part below 10^9) inline when they fit 32 bits and the limbs above are
// zero, as they do for one posting of an amount below 10^9; else the row
// names its sums in txHistory.wide. At 64 bytes (all eight limbs' low
// three inline at 64 bits, the others behind a pointer), the 262,144 rows
// a transaction holds before it writes them (maxTxHistRows) were a third
// of the live heap of a 1M per-event import (docs/design/speed.md,
// section 2, session 18).
type histRow struct {
	account int64
	last    int64 // the last entry among the postings
	low     [lowLimbs]int32
	n       int32 // the postings; -1-i: the row's sums are txHistory.wide[i]
	date    int32
	cur     int32
}

// histWide is the sums of a row that do not fit in it.
type histWide struct {
	n int64
	l limbs
}

// lowLimbs is how many limbs a histRow holds inline: l0..l2 hold the
// fractional digits and the integer part up to 10^9.
const lowLimbs = 3

// sums returns r's count and limbs.
func (h *txHistory) sums(r *histRow) (int64, limbs) {
	if r.n < 0 {
		w := &h.wide[-1-int(r.n)]
		return w.n, w.l
	}
	var l limbs
	for k, v := range r.low {
		l[k] = int64(v)
	}
	return int64(r.n), l
}

// narrow reports whether n postings summing to l fit in a histRow.
func narrow(n int64, l *limbs) bool {
	if n > math.MaxInt32 {
		return false
	}
	for k, v := range l {
		if k >= lowLimbs && v != 0 || v < math.MinInt32 || v > math.MaxInt32 {
			return false
		}
	}
	return true
}

// add notes s, a call's postings to account in currency on date.
func (h *txHistory) add(account int64, currency string, date int32, s *histSum) {
	r := histRow{account: account, last: s.last, date: date, cur: h.currency(currency)}
	h.setSums(&r, s.n, &s.l)
	h.push(r)
}

// setSums puts n and l in r, inline or in h.wide.
func (h *txHistory) setSums(r *histRow, n int64, l *limbs) {
	if !narrow(n, l) {
		h.wide = append(h.wide, histWide{n, *l})
		r.n = int32(-len(h.wide))
		return
	}
	r.n = int32(n)
	for k := range r.low {
		r.low[k] = int32(l[k])
	}
}

// currency returns c's index in h.curs, adding it (a copy: c may be a
// slice of a whole parsed line) when new.
func (h *txHistory) currency(c string) int32 {
	for i, x := range h.curs {
		if x == c {
			return int32(i)
		}
	}
	h.curs = append(h.curs, strings.Clone(c))
	return int32(len(h.curs) - 1)
}

// merge adds o to h and empties o.
func (h *txHistory) merge(o *txHistory) {
	remap := make([]int32, len(o.curs))
	for i, c := range o.curs {
		remap[i] = h.currency(c)
	}
	for i := 0; i < o.n; i++ {
		r := *o.row(i)
		r.cur = remap[r.cur]
		if r.n < 0 {
			n, l := o.sums(&r)
			h.setSums(&r, n, &l)
		}
		h.push(r)
	}
	o.reset()
}

// reset empties h and keeps its blocks.
func (h *txHistory) reset() {
	h.n, h.curs, h.wide = 0, h.curs[:0], h.wide[:0]
}

// flushHistory writes the transaction's totals, marks, months and
// versions (WithTx calls it before the commit): the totals' upserts, a
// mark per account and currency copying them at its last entry of the
// transaction, the months' upserts, and the versions and spans (versionRows). One
// mark per transaction is what --known-at needs: the view ends where a
// transaction ended.
func (tx *Tx) flushHistory() error {
	err := tx.writeHistory(&tx.hist, false)
	tx.hist.reset()
	return err
}

// maxTxHistRows bounds the rows a transaction's history holds (64 bytes
// each): past it, the next PostEntries call writes them first
// (flushHistoryEarly). Held to the commit, one import of the 1M per-event
// book kept 2M rows, 128 MB (docs/design/speed.md, section 2, session
// 13). A variable for the tests.
var maxTxHistRows = 1 << 18

// flushHistoryEarly writes the transaction's history so far when it holds
// maxTxHistRows rows or more, as if the transaction ended there: a mark,
// a span and versions per account at its last entry so far. That is the
// history of two transactions recorded at one instant, which the views
// read alike (a --known-at cut is the last entry of an instant) and
// verify accepts (a version may end inside an instant; any entry posting
// to an account may have a mark). A savepoint of its own undoes a failed
// write, which keeps the rows for the commit's flush, and the caller's
// transaction usable.
func (tx *Tx) flushHistoryEarly() error {
	if tx.hist.n < maxTxHistRows {
		return nil
	}
	if _, err := tx.tx.ExecContext(tx.ctx, `SAVEPOINT flush_history`); err != nil {
		return err
	}
	if err := tx.writeHistory(&tx.hist, false); err != nil {
		tx.firstNewAccount = 0 // unknown again: noted anew
		if _, rerr := tx.tx.ExecContext(tx.ctx, `ROLLBACK TO flush_history`); rerr != nil {
			return fmt.Errorf("%w (and rollback failed: %v)", err, rerr)
		}
		if _, rerr := tx.tx.ExecContext(tx.ctx, `RELEASE flush_history`); rerr != nil {
			return fmt.Errorf("%w (and rollback failed: %v)", err, rerr)
		}
		return err
	}
	tx.hist.reset()
	_, err := tx.tx.ExecContext(tx.ctx, `RELEASE flush_history`)
	return err
}

// flushVersionRows is how many rows writeHistory gathers for a table
// before it writes them (a variable for tests).
var flushVersionRows = 4096

// pendingRows are the arguments of a table's rows not yet written.
type pendingRows struct {
	query func(n int) string
	width int
	args  []any
	what  string
}

func (p *pendingRows) rows() int { return len(p.args) / p.width }

// write writes the first n rows and keeps the rest.
func (p *pendingRows) write(tx *Tx, n int) error {
	if n == 0 {
		return nil
	}
	if err := tx.execRows(p.query, p.width, p.args[:n*p.width]); err != nil {
		return fmt.Errorf("%s: %w", p.what, err)
	}
	rest := copy(p.args, p.args[n*p.width:])
	clear(p.args[rest:])
	p.args = p.args[:rest]
	return nil
}

// wholeRows is rows rounded down to whole statements: a remainder
// written each time would take statements of 16 and 1 rows.
func wholeRows(rows int) int { return rows / rowsPerInsert * rowsPerInsert }

// writeHistory sorts h's rows by account, currency and date and writes,
// per account and currency, its versions and span and, unless
// versionsOnly, its total, mark and months. The rows of each table are
// written as they gather, in whole statements: the arguments of a
// transaction's rows held until the end took an interface value each
// (120 MB for an import's 200,000 versions).
func (tx *Tx) writeHistory(h *txHistory, versionsOnly bool) error {
	if h.n == 0 {
		return nil
	}
	sort.Sort(h)
	versions := pendingRows{query: insertVersionsQuery, width: 4 + limbCount, what: "balance versions"}
	spans := pendingRows{query: insertSpansQuery, width: 5, what: "balance spans"}
	totals := pendingRows{query: upsertTotalsQuery, width: 2 + limbCount, what: "balance totals"}
	marks := pendingRows{query: insertMarksQuery, width: 3, what: "balance marks"}
	months := pendingRows{query: upsertMonthsQuery, width: 4 + limbCount, what: "balance months"}
	// write writes the tables' gathered rows, in whole statements unless
	// all; the marks copy the totals, so they follow them row for row.
	write := func(all bool) error {
		for _, p := range []*pendingRows{&versions, &spans, &months} {
			if n := p.rows(); all || n >= flushVersionRows {
				if !all {
					n = wholeRows(n)
				}
				if err := p.write(tx, n); err != nil {
					return err
				}
			}
		}
		if n := totals.rows(); all || n >= flushVersionRows {
			if !all {
				n = wholeRows(n)
			}
			if err := totals.write(tx, n); err != nil {
				return err
			}
			return marks.write(tx, n)
		}
		return nil
	}
	var days []versionDay
	for i := 0; i < h.n; {
		first := h.row(i)
		k := acctCur{first.account, h.curs[first.cur]}
		var total, month histSum
		monthOf := first.date / 100
		days = days[:0]
		j := i
		for ; j < h.n && h.row(j).account == k.account && h.row(j).cur == first.cur; j++ {
			r := h.row(j)
			n, l := h.sums(r)
			total.addSum(&histSum{n: n, l: l, last: r.last})
			if n := len(days); n > 0 && days[n-1].date == r.date {
				days[n-1].l.add(l)
			} else {
				days = append(days, versionDay{r.date, l})
			}
			if versionsOnly {
				continue
			}
			if r.date/100 != monthOf {
				months.args = month.l.args(append(months.args, k.account, k.currency, dateText(monthOf, true), month.n))
				month, monthOf = histSum{}, r.date/100
			}
			month.addSum(&histSum{n: n, l: l})
		}
		i = j
		var err error
		if versions.args, spans.args, err = tx.versionRows(versions.args, spans.args, k, total.last, days); err != nil {
			return fmt.Errorf("balance versions: %w", err)
		}
		if !versionsOnly {
			months.args = month.l.args(append(months.args, k.account, k.currency, dateText(monthOf, true), month.n))
			totals.args = total.l.args(append(totals.args, k.account, k.currency))
			marks.args = append(marks.args, k.account, k.currency, total.last)
		}
		if err := write(false); err != nil {
			return err
		}
	}
	// Accounts created after this point have no span yet either.
	tx.firstNewAccount = 0
	return write(true)
}

// TrialBalance sums postings per account and currency, ordered by account
// then currency, exactly (integer sums). Accounts appear once they have a
// posting in the view, even if their balance is zero.
//
// Every view reads the balance history, never every posting: the current
// one the totals; --as-of D the months before D's month plus the days of
// its month up to D (or its month minus its days after D); --known-at T,
// per account, the last mark at or before the last entry recorded by T.
// Both together read the versions (balance_versions.go): per account, its
// mark, its span and one row at that mark.
func (db *DB) TrialBalance(ctx context.Context, q ledger.BalanceQuery) ([]ledger.Balance, error) {
	rtx, err := db.r.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer rtx.Rollback()
	if q.AsOf.IsZero() && q.KnownAt.IsZero() {
		return trialBalanceTotals(ctx, rtx)
	}
	var head int64
	var recorded string
	switch err := rtx.QueryRowContext(ctx, `SELECT id, recorded_at FROM entries ORDER BY id DESC LIMIT 1`).Scan(&head, &recorded); {
	case err == sql.ErrNoRows:
		return []ledger.Balance{}, nil
	case err != nil:
		return nil, err
	}
	cut := head // the view's last entry in recorded order
	if !q.KnownAt.IsZero() && formatTime(q.KnownAt) < recorded {
		if cut, err = knownCut(ctx, rtx, q.KnownAt); err != nil {
			return nil, err
		}
	}
	switch {
	case cut == 0:
		return []ledger.Balance{}, nil
	case q.AsOf.IsZero() && cut == head:
		return trialBalanceTotals(ctx, rtx)
	case q.AsOf.IsZero():
		return trialBalanceMarks(ctx, rtx, cut)
	case cut < head:
		return trialBalanceVersions(ctx, rtx, cut, q.AsOf)
	}
	sums, err := asOfSums(ctx, rtx, q.AsOf)
	if err != nil {
		return nil, err
	}
	return namedBalances(ctx, rtx, sums)
}

// knownCut is the last entry recorded at or before t (0 if none). It
// walks the recorded-at index down from t: max(id) with the same condition
// would scan the entries from the last one down.
func knownCut(ctx context.Context, rtx *sql.Tx, t time.Time) (int64, error) {
	var id int64
	err := rtx.QueryRowContext(ctx, `SELECT id FROM entries WHERE recorded_at <= ? ORDER BY recorded_at DESC, id DESC LIMIT 1`, formatTime(t)).Scan(&id)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return id, err
}

// asOfSums sums the months before d's month and the days of that month up
// to d, or, from the 16th, that month minus its days after d.
func asOfSums(ctx context.Context, rtx *sql.Tx, d ledger.Date) (map[acctCur]*histSum, error) {
	date := d.String()
	month := date[:7]
	// The days of a date range are one range of balance_days' key (date
	// first).
	monthCond, days := "m.month < ?", `SELECT account_id, currency, sum(n), `+limbCols("", true)+`
		FROM balance_days WHERE date >= ? AND date <= ? GROUP BY account_id, currency`
	from, to := month+"-01", date
	sign := int64(1)
	if d.Day >= 16 {
		monthCond, from, to, sign = "m.month <= ?", d.AddDays(1).String(), month+"-31", -1
	}
	sums, err := sumGroups(ctx, rtx, `SELECT t.account_id, t.currency, sum(m.n), `+limbCols("m.", true)+`
		FROM balance_totals t JOIN balance_months m ON m.account_id = t.account_id AND m.currency = t.currency
		AND `+monthCond+` GROUP BY t.account_id, t.currency`, month)
	if err != nil {
		return nil, err
	}
	if from > to || from[:7] != month {
		return sums, nil
	}
	part, err := sumGroups(ctx, rtx, days, from, to)
	if err != nil {
		return nil, err
	}
	for k, p := range part {
		s := sums[k]
		if s == nil {
			s = &histSum{}
			sums[k] = s
		}
		s.n += sign * p.n
		if sign > 0 {
			s.l.add(p.l)
		} else {
			s.l.sub(p.l)
		}
	}
	return sums, nil
}

// sumGroups runs query, which selects (account_id, currency, n, l0..l7).
func sumGroups(ctx context.Context, rtx *sql.Tx, query string, args ...any) (map[acctCur]*histSum, error) {
	rows, err := rtx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[acctCur]*histSum{}
	for rows.Next() {
		var k acctCur
		var s histSum
		if err := rows.Scan(append([]any{&k.account, &k.currency, &s.n}, s.l.ptrs()...)...); err != nil {
			return nil, err
		}
		out[k] = &s
	}
	return out, rows.Err()
}

// namedBalances turns sums with postings in the view into balances, by
// account name then currency.
func namedBalances(ctx context.Context, rtx *sql.Tx, sums map[acctCur]*histSum) ([]ledger.Balance, error) {
	accounts, err := loadAccounts(ctx, rtx)
	if err != nil {
		return nil, err
	}
	bs := make([]ledger.Balance, 0, len(sums))
	for k, s := range sums {
		if s.n <= 0 {
			continue // no posting in the view
		}
		a, ok := accounts[k.account]
		if !ok {
			return nil, fmt.Errorf("balance history names account id %d, which does not exist", k.account)
		}
		bs = append(bs, ledger.Balance{Account: a.Name, Type: a.Type, Currency: k.currency, Amount: s.l.value()})
	}
	sort.Slice(bs, func(i, j int) bool {
		if bs[i].Account != bs[j].Account {
			return bs[i].Account < bs[j].Account
		}
		return bs[i].Currency < bs[j].Currency
	})
	return bs, nil
}

// trialBalanceMarks is the view of the entries up to cut, in recorded
// order: per account and currency, its last mark at or before cut (an
// account without one had no posting yet).
func trialBalanceMarks(ctx context.Context, rtx *sql.Tx, cut int64) ([]ledger.Balance, error) {
	// The marks' IDs first, materialized: as a correlated condition of the
	// join SQLite took ten times as long.
	return scanBalances(rtx.QueryContext(ctx, `WITH k AS MATERIALIZED (
			SELECT t.account_id AS aid, t.currency AS cur, (SELECT x.entry_id FROM balance_marks x
				WHERE x.account_id = t.account_id AND x.currency = t.currency AND x.entry_id <= ?
				ORDER BY x.entry_id DESC LIMIT 1) AS eid
			FROM balance_totals t)
		SELECT a.name, a.type, m.currency, `+limbCols("m.", false)+`
		FROM k JOIN balance_marks m ON m.account_id = k.aid AND m.currency = k.cur AND m.entry_id = k.eid
		JOIN accounts a ON a.id = k.aid
		ORDER BY a.name, m.currency`, cut))
}

// trialBalanceSQL sums the postings in the view with one aggregate query
// (the reference the history is tested against).
func trialBalanceSQL(ctx context.Context, rtx *sql.Tx, q ledger.BalanceQuery) ([]ledger.Balance, error) {
	var conds []string
	var args []any
	join := ""
	if !q.KnownAt.IsZero() {
		// recorded_at never decreases with the ID, so "known at" is a
		// prefix of the journal: cut it by ID and spare the join.
		cut, err := knownCut(ctx, rtx, q.KnownAt)
		if err != nil {
			return nil, err
		}
		conds = append(conds, "p.entry_id <= ?")
		args = append(args, cut)
	}
	if !q.AsOf.IsZero() {
		join = "JOIN entries e ON e.id = p.entry_id"
		conds = append(conds, "e.date <= ?")
		args = append(args, q.AsOf.String())
	}
	where := ""
	if len(conds) > 0 {
		where = "WHERE " + strings.Join(conds, " AND ")
	}
	return scanBalances(rtx.QueryContext(ctx, `SELECT a.name, a.type, s.currency, `+limbCols("s.", false)+` FROM (
			SELECT p.account_id AS account_id, p.currency AS currency, `+sumLimbsAs("p.")+`
			FROM postings p `+join+` `+where+`
			GROUP BY p.account_id, p.currency
		) s JOIN accounts a ON a.id = s.account_id
		ORDER BY a.name, s.currency`, args...))
}

type acctCur struct {
	account  int64
	currency string
}

func (k acctCur) less(o acctCur) bool {
	if k.account != o.account {
		return k.account < o.account
	}
	return k.currency < o.currency
}
