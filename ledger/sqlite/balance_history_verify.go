package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"sort"
)

// historyScan recomputes the balance history (migration 0025) from the
// postings while Verify streams the journal, instead of three aggregate
// queries over the postings afterwards (they took 15.6 of verify's 46 s of
// CPU at 1M entries; docs/design/speed.md, section 4). It checks that
//
//   - balance_days holds exactly one row per account, currency and
//     effective date with postings, with their count and plain sums;
//   - balance_months holds exactly the days summed per month;
//   - every mark holds the running sums of its account and currency up to
//     and including its entry, which posts to that account;
//   - per account, currency and recorded-at instant, the last entry of the
//     instant posting to the account has a mark (so that every --known-at
//     view finds its mark).
//
// balance_totals is checked against the same running sums (balanceTotals).
// Each check names the smallest (account ID, currency, key) that breaks it;
// for balance_days, the smallest (date, account ID, currency): the table's
// key order since 0055.
type historyScan struct {
	accounts map[acctCur]*accountHistory
	byID     [][]*accountHistory // accounts[k] by k.account, for small IDs: a map lookup per posting took 0.9 s at 1M entries
	instant  string              // recorded_at of the entries being scanned
	touched  []acctCur           // the accounts the instant posts to
	// The first broken mark (wrong sums, or at an entry that does not post
	// to its account) and the first missing one.
	badMark, missingMark *markKey
	// The same of balance_spans (balance_versions_verify.go).
	badSpan, missingSpan *markKey
}

// accountHistory is what the scan gathers of one account and currency.
type accountHistory struct {
	currency  string
	days      daySums   // in posting order; sorted and merged by date in check
	marks     []markRow // the stored marks, by entry ID
	next      int       // marks before it are compared
	lastEntry int64     // the last entry posting to it
	instant   string    // recorded_at of lastEntry
	sum       plainSum  // the running sums of its postings
	posted    bool      // it has postings (sum is in the verifier's accountSums)
	ver       versionTrack
}

// daySum is the postings of one account and currency on one date (or in
// one month) summed. The scan holds one per day with postings (2M at 1M
// entries), so it is 16 bytes: the date as a number, the count, and the
// limbs l1 and l2 (the first nine fractional digits and the integer part
// up to 10^9: an amount of up to nine integer and nine fractional digits)
// as two int32 halves of v while every other limb is 0 and those two and
// the count fit an int32 (a day of one per-event posting). Any other day
// is wide: n is -1 - its index in its daySums' wide, which holds it
// exactly. The day had 48 bytes with three limbs inline and the others
// behind a pointer (106 MB at 1M entries, the verifier's largest part;
// docs/design/speed.md, section 4).
type daySum struct {
	date int32 // yyyymmdd, or yyyymm for a month
	n    int32 // postings; a wide day's index in wide as -1 - index
	v    int64 // l2<<32 | uint32(l1), n >= 0
}

// wideDay is a day's sum that does not fit a daySum.
type wideDay struct {
	n int64
	l limbs
}

// daySums is a list of day (or month) sums and the wide ones among them.
type daySums struct {
	d    []daySum
	wide []wideDay
}

// appendDay appends an empty sum of date.
func (s *daySums) appendDay(date int32) {
	s.d = append(s.d, daySum{date: date})
}

// sum returns day i's count and limbs.
func (s *daySums) sum(i int) (int64, limbs) {
	d := &s.d[i]
	if d.n < 0 {
		w := &s.wide[-1-int(d.n)]
		return w.n, w.l
	}
	return int64(d.n), limbs{1: int64(int32(d.v)), 2: d.v >> 32}
}

// add adds n postings of limbs l to day i.
func (s *daySums) add(i int, n int64, l *limbs) {
	d := &s.d[i]
	if d.n >= 0 && l[0] == 0 && [limbCount - 3]int64(l[3:]) == ([limbCount - 3]int64{}) {
		c, l1, l2 := int64(d.n)+n, int64(int32(d.v))+l[1], d.v>>32+l[2]
		if c >= 0 && c <= math.MaxInt32 && l1 == int64(int32(l1)) && l2 == int64(int32(l2)) {
			d.n, d.v = int32(c), l2<<32|int64(uint32(l1))
			return
		}
	}
	if d.n >= 0 {
		c, cur := s.sum(i)
		if len(s.wide) >= math.MaxInt32 {
			panic("sqlite: verify: more than 2^31 wide day sums in one account")
		}
		s.wide = append(s.wide, wideDay{c, cur})
		d.n, d.v = int32(-len(s.wide)), 0
	}
	w := &s.wide[-1-int(d.n)]
	w.n += n
	w.l.add(*l)
}

// addDay adds day j of o to day i of s.
func (s *daySums) addDay(i int, o *daySums, j int) {
	n, l := o.sum(j)
	s.add(i, n, &l)
}

// dateNumber is a date's yyyymmdd ("2024-06-15": 20240615); date is well
// formed (the verifier parsed it).
func dateNumber(date string) int32 {
	var n int32
	for i := 0; i < len(date); i++ {
		if c := date[i]; c >= '0' && c <= '9' {
			n = 10*n + int32(c-'0')
		}
	}
	return n
}

// dateText is the stored form of a yyyymmdd, or of a yyyymm if month.
func dateText(n int32, month bool) string {
	var b [10]byte
	size := 7
	if !month {
		size = 10
		b[7], b[8], b[9] = '-', byte('0'+n%100/10), byte('0'+n%10)
		n /= 100
	}
	b[4], b[5], b[6] = '-', byte('0'+n%100/10), byte('0'+n%10)
	n /= 100
	for i := 3; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[:size])
}

type markRow struct {
	entryID int64
	l       limbs
}

type markKey struct {
	acctCur
	entryID int64
}

func (a markKey) less(b markKey) bool {
	if a.account != b.account {
		return a.account < b.account
	}
	if a.currency != b.currency {
		return a.currency < b.currency
	}
	return a.entryID < b.entryID
}

func minMark(cur *markKey, k markKey) *markKey {
	if cur == nil || k.less(*cur) {
		return &k
	}
	return cur
}

// newHistoryScan reads the marks (one per account and posting call: few
// next to the postings).
func newHistoryScan(ctx context.Context, q querier) (*historyScan, error) {
	h := &historyScan{accounts: map[acctCur]*accountHistory{}}
	rows, err := q.QueryContext(ctx, `SELECT account_id, currency, entry_id, `+limbCols("", false)+` FROM balance_marks ORDER BY account_id, currency, entry_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var k acctCur
	var m markRow
	dest := append([]any{&k.account, &k.currency, &m.entryID}, m.l.ptrs()...)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		a := h.account(k)
		a.marks = append(a.marks, m)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return h, h.loadSpans(ctx, q)
}

func (h *historyScan) account(k acctCur) *accountHistory {
	if k.account >= 0 && k.account < int64(len(h.byID)) {
		for _, a := range h.byID[k.account] {
			if a.currency == k.currency {
				return a
			}
		}
	}
	a := h.accounts[k]
	if a == nil {
		a = &accountHistory{currency: k.currency}
		h.accounts[k] = a
	}
	if k.account >= 0 && k.account < maxDenseAccount {
		if n := int(k.account) + 1; n > len(h.byID) {
			h.byID = append(h.byID, make([][]*accountHistory, n-len(h.byID))...)
		}
		h.byID[k.account] = append(h.byID[k.account], a)
	}
	return a
}

// maxDenseAccount bounds the account IDs historyScan.byID holds.
const maxDenseAccount = 1 << 20

// entry takes one entry whose postings the verifier has checked and added
// to the running sums of their accounts and currencies (accts, by
// posting).
func (h *historyScan) entry(r *rawEntry, accts []*accountHistory) {
	if r.recordedAt != h.instant {
		h.endInstant()
		h.instant = r.recordedAt
	}
	date := dateNumber(r.date)
	for i := range r.postings {
		p := &r.postings[i]
		k := acctCur{p.accountID, p.currency}
		a := accts[i]
		newVersion := h.versionPosting(k, a, r.id)
		if n := len(a.days.d); n == 0 || a.days.d[n-1].date != date || newVersion {
			a.days.appendDay(date)
		}
		a.days.add(len(a.days.d)-1, 1, &p.l)
		if a.lastEntry == r.id {
			continue // a second posting of the entry to the account
		}
		if a.instant != r.recordedAt {
			h.touched = append(h.touched, k)
		}
		a.lastEntry, a.instant = r.id, r.recordedAt
		h.compareMarks(k, a, r.id, &a.sum)
	}
}

// compareMarks compares a's mark at entry id, if any, with the running sums
// s there; its marks before id are at entries that do not post to it.
func (h *historyScan) compareMarks(k acctCur, a *accountHistory, id int64, s *plainSum) {
	for ; a.next < len(a.marks) && a.marks[a.next].entryID <= id; a.next++ {
		m := a.marks[a.next]
		if m.entryID < id || m.l != *s {
			h.badMark = minMark(h.badMark, markKey{k, m.entryID})
		}
	}
}

// endInstant checks that the last entry of the instant that posts to each
// account has a mark: the last mark compareMarks passed.
func (h *historyScan) endInstant() {
	for _, k := range h.touched {
		a := h.accounts[k]
		if a.next == 0 || a.marks[a.next-1].entryID != a.lastEntry {
			h.missingMark = minMark(h.missingMark, markKey{k, a.lastEntry})
		}
		h.endVersion(k, a)
	}
	h.touched = h.touched[:0]
}

// check runs at the end of the journal: the days, the months, then the
// marks, each named by the first broken row; then the versions. It reads
// through q, and the versions through vq: when that is another
// transaction of the snapshot, they are compared at the same time as the
// days and months (both only read the scan's sums; 2M stored rows each at
// 1M entries).
func (h *historyScan) check(ctx context.Context, q, vq querier) error {
	h.endInstant()
	// The versions replay the days in posting order (mergedDays leaves
	// them so); their violation is named after the others'.
	var versionsErr error
	vctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	if vq == q {
		versionsErr = h.checkVersions(vctx, q)
		close(done)
	} else {
		go func() {
			defer close(done)
			versionsErr = h.checkVersions(vctx, vq)
		}()
	}
	// An earlier violation stops the versions' comparison.
	defer func() { cancel(); <-done }()
	keys := make([]acctCur, 0, len(h.accounts))
	for k, a := range h.accounts {
		for _, m := range a.marks[a.next:] {
			h.badMark = minMark(h.badMark, markKey{k, m.entryID}) // past its account's last posting
		}
		if len(a.days.d) > 0 {
			keys = append(keys, k)
		}
	}
	sortAcctCur(keys)
	days := make(map[acctCur]*daySums, len(keys))
	months := make(map[acctCur]*daySums, len(keys))
	for _, k := range keys {
		ds := mergedDays(&h.accounts[k].days)
		days[k] = ds
		months[k] = sumMonths(ds)
	}
	// balance_days in its key order (0055): by date, then account and
	// currency; narrow (below) when SQLite finds every row so.
	narrow, err := allNarrow(ctx, q, "balance_days", narrowDay)
	if err != nil {
		return err
	}
	daysQuery := `SELECT account_id, currency, date, n, ` + limbCols("", false) + ` FROM balance_days ORDER BY date, account_id, currency`
	if narrow {
		daysQuery = `SELECT account_id, currency, date, n, ` + packedL1L2 + ` FROM balance_days ORDER BY date, account_id, currency`
	}
	if err := sameHistory(ctx, q, "balance_days", "the day %s disagrees with the postings", newDayRows(keys, days), daysQuery, narrow); err != nil {
		return err
	}
	// The days are as stored: the months must be their sums.
	if err := sameHistory(ctx, q, "balance_months", "the month %s disagrees with the days", &historyRows{keys: keys, rows: months, months: true},
		`SELECT account_id, currency, month, n, `+limbCols("", false)+` FROM balance_months ORDER BY account_id, currency, month`, false); err != nil {
		return err
	}
	if k := h.badMark; k != nil {
		return historyBroken(ctx, q, "balance_marks", k.acctCur, "the mark at entry %s disagrees with the postings", fmt.Sprint(k.entryID))
	}
	if k := h.missingMark; k != nil {
		return historyBroken(ctx, q, "balance_marks", k.acctCur, "no mark at entry %s, the last to post to it at its recorded-at instant", fmt.Sprint(k.entryID))
	}
	<-done
	return versionsErr
}

// mergedDays is an account's day sums by date, those of one date added
// up: ds itself when its dates already increase (an account posted to in
// date order), else a sorted copy (ds stays in posting order for the
// versions' replay).
func mergedDays(ds *daySums) *daySums {
	d := ds.d
	increasing := true
	for i := 1; i < len(d) && increasing; i++ {
		increasing = d[i-1].date < d[i].date
	}
	if increasing {
		return ds
	}
	order := make([]int, len(d))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return d[order[i]].date < d[order[j]].date })
	out := &daySums{d: make([]daySum, 0, len(d))}
	for _, i := range order {
		if n := len(out.d); n == 0 || out.d[n-1].date != d[i].date {
			out.appendDay(d[i].date)
		}
		out.addDay(len(out.d)-1, ds, i)
	}
	return out
}

// sumMonths sums an account's days (sorted by date) per month.
func sumMonths(days *daySums) *daySums {
	out := &daySums{}
	for i := range days.d {
		month := days.d[i].date / 100
		if n := len(out.d); n == 0 || out.d[n-1].date != month {
			out.appendDay(month)
		}
		out.addDay(len(out.d)-1, days, i)
	}
	return out
}

// historyRows walks recomputed rows in key order: the accounts and
// currencies in keys (sorted), each one's rows (sorted by date or month);
// or, byDate (newDayRows), every row by date, then account and currency.
type historyRows struct {
	keys   []acctCur
	rows   map[acctCur]*daySums
	months bool // the rows are months
	k, i   int

	byDate bool
	// byDate: the rows of a window of dates, by date, then key (i the
	// next); the windows are counted out one after the other (fill).
	order  []dayRef
	byKey  []*daySums // rows[keys[k]] by k
	from   []int32    // by key: its first row not yet in a window
	winAt  int32      // the dayOrdinal the next window starts at
	hi     int32      // the last dayOrdinal of any row
	span   int32      // dayOrdinals per window
	starts []int32    // fill's counts, kept
	// The text of the last date or month given (rows come in runs of one).
	textOf int32
	text   string
}

// dayRef is a row of a by-date walk: row i of keys[key].
type dayRef struct{ key, i int32 }

// dayWindowRows is about how many rows a window of a by-date walk holds
// (fill): one dayRef each, where every day's at once took 15 MB at 2M days
// (docs/design/speed.md, section 4, session 15).
const dayWindowRows = 1 << 16

// newDayRows walks the days of keys (sorted) by date, then key: the keys'
// rows (each key's sorted by date) counted out by date, a window of dates
// at a time (a heap merge of the keys took 0.6 s of verify's CPU at 2M
// days).
func newDayRows(keys []acctCur, days map[acctCur]*daySums) *historyRows {
	w := &historyRows{keys: keys, rows: days, byDate: true, byKey: make([]*daySums, len(keys)), from: make([]int32, len(keys))}
	lo, hi, n := int32(0), int32(-1), 0
	for k, key := range keys {
		w.byKey[k] = days[key]
		rs := days[key].d
		if len(rs) == 0 {
			continue
		}
		first, last := dayOrdinal(rs[0].date), dayOrdinal(rs[len(rs)-1].date)
		if hi < lo {
			lo, hi = first, last
		}
		lo, hi, n = min(lo, first), max(hi, last), n+len(rs)
	}
	w.winAt, w.hi = lo, hi
	if n > 0 {
		// Windows of as many dates as hold dayWindowRows rows, were the rows
		// spread evenly, and never wider than all the dates: a few rows
		// spread over the books' 9,000 years once made a span past int32.
		days := int64(hi - lo + 1)
		w.span = int32(min(days, max(1, days*dayWindowRows/int64(n))))
	}
	return w
}

// fill counts out the next window of dates with rows, once the last one's
// are walked.
func (w *historyRows) fill() {
	for w.i >= len(w.order) && w.winAt <= w.hi {
		lo := w.winAt
		end := int32(min(int64(w.hi)+1, int64(lo)+int64(w.span))) // the window is [lo, end)
		w.winAt = end
		// starts[d-lo] is where the rows of ordinal d begin in order.
		starts := w.starts[:0]
		starts = append(starts, make([]int32, end-lo+1)...)
		for k, ds := range w.byKey {
			rs := ds.d
			for i := int(w.from[k]); i < len(rs); i++ {
				d := dayOrdinal(rs[i].date)
				if d >= end {
					break
				}
				starts[d-lo+1]++
			}
		}
		for d := 1; d < len(starts); d++ {
			starts[d] += starts[d-1]
		}
		w.order = slices.Grow(w.order[:0], int(starts[len(starts)-1]))[:starts[len(starts)-1]]
		for k, ds := range w.byKey { // in key order: each date's rows by key
			rs := ds.d
			i := int(w.from[k])
			for ; i < len(rs); i++ {
				d := dayOrdinal(rs[i].date)
				if d >= end {
					break
				}
				w.order[starts[d-lo]] = dayRef{int32(k), int32(i)}
				starts[d-lo]++
			}
			w.from[k] = int32(i)
		}
		w.starts, w.i = starts, 0
	}
}

// dayOrdinal maps a yyyymmdd to a number that orders dates as they do
// (not a day count: months have 31 days here), small enough to count
// by: at most 3.7M for the years 0 to 9999.
func dayOrdinal(date int32) int32 {
	return (date/10000*12+date/100%100)*31 + date%100
}

// dateText is dateText(n, w.months), the last one kept.
func (w *historyRows) dateText(n int32) string {
	if n != w.textOf || w.text == "" {
		w.textOf, w.text = n, dateText(n, w.months)
	}
	return w.text
}

// peek returns the next row, false after the last.
func (w *historyRows) peek() (historyRow, bool) {
	if w.byDate {
		if w.i >= len(w.order) {
			w.fill()
		}
		if w.i >= len(w.order) {
			return historyRow{}, false
		}
		ref := w.order[w.i]
		ds := w.byKey[ref.key]
		n, l := ds.sum(int(ref.i))
		return historyRow{w.keys[ref.key], w.dateText(ds.d[ref.i].date), histSum{n: n, l: l}}, true
	}
	for ; w.k < len(w.keys); w.k, w.i = w.k+1, 0 {
		if ds := w.rows[w.keys[w.k]]; w.i < len(ds.d) {
			n, l := ds.sum(w.i)
			return historyRow{w.keys[w.k], w.dateText(ds.d[w.i].date), histSum{n: n, l: l}}, true
		}
	}
	return historyRow{}, false
}

func (w *historyRows) next() { w.i++ }

// compare orders recomputed row r and stored row o as the walk goes.
func (w *historyRows) compare(r, o *historyRow) int {
	if w.byDate && r.key != o.key {
		return cmpString(r.key, o.key)
	}
	return r.compare(o)
}

// historyRow is a recomputed row of balance_days or balance_months.
type historyRow struct {
	acctCur
	key string // date or month
	s   histSum
}

func (r *historyRow) compare(o *historyRow) int {
	switch {
	case r.account != o.account:
		return cmpInt(r.account, o.account)
	case r.currency != o.currency:
		return cmpString(r.currency, o.currency)
	}
	return cmpString(r.key, o.key)
}

func cmpInt(a, b int64) int {
	if a < b {
		return -1
	}
	return 1
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// sameHistory compares the recomputed rows (sorted by key) with the stored
// ones (stored selects account_id, currency, key, n, l0..l7 in key order;
// if narrow, account_id, currency, key, n and packedL1L2, every row being
// narrowDay), walking both in step. The first recomputed row that is not
// stored as it is names the violation; else the first stored row that is
// not recomputed.
func sameHistory(ctx context.Context, q querier, table, what string, want *historyRows, stored string, narrow bool) error {
	rows, err := q.QueryContext(ctx, stored)
	if err != nil {
		return err
	}
	defer rows.Close()
	var extra *historyRow                 // the first stored row not recomputed
	var cols [1 + limbCount]sql.NullInt64 // n, then the limbs; if narrow, n and the packed l1, l2
	ncols := len(cols)
	if narrow {
		ncols = 2
	}
	// One row's scan destinations, built once.
	var have historyRow
	dest := []any{&have.account, &have.currency, &have.key}
	for j := range cols[:ncols] {
		dest = append(dest, &cols[j])
	}
	var ints intScan
	dest = ints.bind(dest)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return unreadableRow(rows, table, 3, err)
		}
		if err := ints.set(rows); err != nil {
			return unreadableRow(rows, table, 3, err)
		}
		valid := true
		have.s.n = cols[0].Int64
		if narrow {
			valid = cols[0].Valid && cols[1].Valid
			have.s.l = unpackL1L2(cols[1].Int64)
		} else {
			for j, c := range cols {
				valid = valid && c.Valid
				if j > 0 {
					have.s.l[j-1] = c.Int64
				}
			}
		}
		w, ok := want.peek()
		if ok && want.compare(&w, &have) < 0 {
			return historyBroken(ctx, q, table, w.acctCur, what, w.key) // not stored
		}
		if ok && want.compare(&w, &have) == 0 {
			if w.s.n != have.s.n || w.s.l != have.s.l || !valid {
				return historyBroken(ctx, q, table, w.acctCur, what, w.key)
			}
			want.next()
			continue
		}
		if extra == nil {
			c := have
			extra = &c
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if w, ok := want.peek(); ok {
		return historyBroken(ctx, q, table, w.acctCur, what, w.key)
	}
	if extra != nil {
		return historyBroken(ctx, q, table, extra.acctCur, what, extra.key)
	}
	return nil
}

// historyBroken names a broken row of table by its account's name.
func historyBroken(ctx context.Context, q querier, table string, k acctCur, what, key string) error {
	name := fmt.Sprintf("account id %d", k.account)
	var n string
	if q.QueryRowContext(ctx, `SELECT name FROM accounts WHERE id = ?`, k.account).Scan(&n) == nil {
		name = n
	}
	return &VerifyError{Reason: fmt.Sprintf("%s of %s %s: "+what, table, name, k.currency, key)}
}

// A stored row of the balance history is narrow when its limbs l0 and
// l3..l7 are the integer 0 (or what the driver reads as 0: IS compares
// them as numbers, as the driver converts a REAL 0.0), and l1 and l2 are
// stored as integers that fit an int32: an amount of up to nine integer
// and nine fractional digits, summed. When SQLite finds every row of a
// table narrow (one pass over it in C, 0.2 s at 2M rows), verify reads
// each row's l1 and l2 packed in one integer (packedL1L2) and not the six
// zero limbs: the 2M rows of balance_days crossed into Go in 1.2 s
// instead of 1.9 s (docs/design/speed.md, section 4, session 13). The
// row's values are the same either way, so is what is compared and
// named; a table with one row that is not narrow is read whole.
const narrowDay = `l0 IS 0 AND l3 IS 0 AND l4 IS 0 AND l5 IS 0 AND l6 IS 0 AND l7 IS 0
	AND typeof(l1) = 'integer' AND typeof(l2) = 'integer'
	AND l1 BETWEEN -2147483648 AND 2147483647 AND l2 BETWEEN -2147483648 AND 2147483647`

// narrowVersion is narrowDay without the bound on l1 and l2: the
// versions' running sums outgrow an int32 (they are read as two columns).
const narrowVersion = `l0 IS 0 AND l3 IS 0 AND l4 IS 0 AND l5 IS 0 AND l6 IS 0 AND l7 IS 0
	AND typeof(l1) = 'integer' AND typeof(l2) = 'integer'`

// packedL1L2 is a narrowDay row's l1 and l2 in one integer: l2 in the
// high 32 bits, l1 in the low 32 (unpackL1L2).
const packedL1L2 = `(l2 << 32) | (l1 & 4294967295)`

// unpackL1L2 is the limbs of a packedL1L2.
func unpackL1L2(v int64) limbs {
	return limbs{1: int64(int32(v)), 2: v >> 32}
}

// allNarrow says whether every row of table is narrow by cond (narrowDay
// or narrowVersion).
func allNarrow(ctx context.Context, q querier, table, cond string) (bool, error) {
	var wide bool
	err := q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+table+` WHERE NOT (`+cond+`))`).Scan(&wide)
	return !wide, err
}
