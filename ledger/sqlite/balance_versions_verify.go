package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"sort"
)

// Verify recomputes the versions (balance_versions.go) while it streams the
// journal: historyScan.entry cuts each account's postings into versions at
// the stored spans' entries (versionPosting), endInstant checks that the
// last entry of every recorded-at instant posting to an account ends one,
// and checkVersions replays each account's versions (its day sums in
// posting order, before checkDays sorts them) into the rows and spans they
// must have written. A span's entry must post to its account; a span may
// end inside an instant (two transactions recorded at one instant), never
// past one. Each check names the smallest broken (account, currency, key).

// versionTrack is what the scan gathers of an account's versions.
type versionTrack struct {
	spans []spanRow    // stored, by entry
	next  int          // the first span not yet a version's
	segs  []versionSeg // the versions met so far
}

type spanRow struct {
	entry       int64
	first, last string
}

// versionSeg is a version: its postings are days[start:] up to the next
// version's start, at entries up to entry (a stored span's; MaxInt64 if
// none was left), the last of them at last.
type versionSeg struct {
	start       int
	entry, last int64
}

// loadSpans reads balance_spans (one row per account and transaction).
func (h *historyScan) loadSpans(ctx context.Context, q querier) error {
	rows, err := q.QueryContext(ctx, `SELECT account_id, currency, entry_id, first_date, last_date FROM balance_spans ORDER BY account_id, currency, entry_id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var k acctCur
	var s spanRow
	for rows.Next() {
		if err := rows.Scan(&k.account, &k.currency, &s.entry, &s.first, &s.last); err != nil {
			return unreadableRow(rows, "balance_spans", 3, err)
		}
		a := h.account(k)
		a.ver.spans = append(a.ver.spans, s)
	}
	return rows.Err()
}

// versionPosting places a posting of entry id to account k in a version,
// and says whether it starts one.
func (h *historyScan) versionPosting(k acctCur, a *accountHistory, id int64) bool {
	v := &a.ver
	if n := len(v.segs); n > 0 && id <= v.segs[n-1].entry {
		v.segs[n-1].last = id
		return false
	}
	// Spans between the last version and id are at entries that do not
	// post to the account.
	for ; v.next < len(v.spans) && v.spans[v.next].entry < id; v.next++ {
		h.badSpan = minMark(h.badSpan, markKey{k, v.spans[v.next].entry})
	}
	entry := int64(math.MaxInt64)
	if v.next < len(v.spans) {
		entry = v.spans[v.next].entry
		v.next++
	}
	v.segs = append(v.segs, versionSeg{start: len(a.days.d), entry: entry, last: id})
	return true
}

// endVersion checks that the last entry of the instant that posts to a ends
// a version.
func (h *historyScan) endVersion(k acctCur, a *accountHistory) {
	if n := len(a.ver.segs); n == 0 || a.ver.segs[n-1].entry != a.lastEntry {
		h.missingSpan = minMark(h.missingSpan, markKey{k, a.lastEntry})
	}
}

// checkVersions checks the spans, then replays every account's versions
// and compares the rows they write with the stored ones.
func (h *historyScan) checkVersions(ctx context.Context, q querier) error {
	keys := make([]acctCur, 0, len(h.accounts))
	for k, a := range h.accounts {
		v := &a.ver
		for _, s := range v.spans[v.next:] {
			h.badSpan = minMark(h.badSpan, markKey{k, s.entry}) // past the account's last posting
		}
		if len(v.segs) == 0 {
			continue
		}
		keys = append(keys, k)
		// A version's span is at its last posting and holds the first and
		// last dates of the account's postings up to it.
		var first, last int32
		j := 0
		for i, seg := range v.segs {
			if seg.entry == math.MaxInt64 {
				break // no span left: endVersion named it
			}
			if seg.last != seg.entry {
				h.badSpan = minMark(h.badSpan, markKey{k, seg.entry})
			}
			end := len(a.days.d)
			if i+1 < len(v.segs) {
				end = v.segs[i+1].start
			}
			for n, d := range a.days.d[seg.start:end] {
				if i == 0 && n == 0 {
					first, last = d.date, d.date
				}
				first, last = min(first, d.date), max(last, d.date)
			}
			for j < len(v.spans) && v.spans[j].entry < seg.entry {
				j++
			}
			if s := v.spans[j]; s.first != dateText(first, false) || s.last != dateText(last, false) {
				h.badSpan = minMark(h.badSpan, markKey{k, seg.entry})
			}
		}
	}
	if k := h.badSpan; k != nil {
		return historyBroken(ctx, q, "balance_spans", k.acctCur, "the span at entry %s disagrees with the postings", fmt.Sprint(k.entryID))
	}
	if k := h.missingSpan; k != nil {
		return historyBroken(ctx, q, "balance_spans", k.acctCur, "no span at entry %s, the last to post to it at its recorded-at instant", fmt.Sprint(k.entryID))
	}
	sortAcctCur(keys)
	return h.sameVersions(ctx, q, keys)
}

// versionRow is a row of balance_versions: an account's sums at date
// (yyyymmdd) as of entry.
type versionRow struct {
	date  int32
	entry int64
	l     limbs
}

// versionReplay recomputes accounts' versions, one account at a time,
// into buffers it keeps from one account to the next: sameVersions drops
// an account's rows once compared, and fresh slices per account and per
// version were about 1 GB of allocation at 1M entries, 28 % of verify's
// (docs/design/speed.md, section 4).
type versionReplay struct {
	out                 []versionRow
	cum, suffix, deltas []versionDay
}

// replay recomputes account a's versions from its postings (a.days in
// posting order, cut at a.ver.segs): the rows they write, by date then
// entry. The rows are valid until the next call.
func (r *versionReplay) replay(a *accountHistory) []versionRow {
	r.out, r.cum = r.out[:0], r.cum[:0] // cum: the sums at each date with postings, as of the last version
	segs := a.ver.segs
	for i, seg := range segs {
		end := len(a.days.d)
		if i+1 < len(segs) {
			end = segs[i+1].start
		}
		r.deltas = r.deltas[:0]
		for j := seg.start; j < end; j++ {
			_, l := a.days.sum(j)
			r.deltas = append(r.deltas, versionDay{date: a.days.d[j].date, l: l})
		}
		r.deltas = mergeVersionDays(r.deltas)
		lo := r.deltas[0].date
		// The dates from lo on: those cum has and those the version posts to.
		at := sort.Search(len(r.cum), func(j int) bool { return r.cum[j].date >= lo })
		var base limbs
		if at > 0 {
			base = r.cum[at-1].l
		}
		r.suffix = r.suffix[:0]
		for d, s := range versionSums(base, r.cum[at:], r.deltas) {
			r.suffix = append(r.suffix, versionDay{d, s})
			r.out = append(r.out, versionRow{d, seg.entry, s})
		}
		r.cum = append(r.cum[:at], r.suffix...)
	}
	byDate := func(x, y versionRow) int { return cmp.Compare(x.date, y.date) }
	if !slices.IsSortedFunc(r.out, byDate) {
		slices.SortStableFunc(r.out, byDate)
	}
	return r.out
}

// sameVersions compares the replayed rows of keys (sorted), by account,
// currency, date and entry, with balance_versions in its key order: the
// first replayed row not stored as it is names the violation, else the
// first stored row not replayed. One account's rows are replayed at a time;
// the stored rows are read without an allocation each (2M at 1M entries).
func (h *historyScan) sameVersions(ctx context.Context, q querier, keys []acctCur) error {
	var replay versionReplay
	var cur []versionRow // the rows of keys[ki] from ri on
	ki, ri := -1, 0
	var want versionRow
	var wantKey acctCur
	var wantDate [10]byte
	peek := func() bool {
		for ri == len(cur) {
			if ki+1 >= len(keys) {
				return false
			}
			ki++
			cur, ri = replay.replay(h.accounts[keys[ki]]), 0
		}
		want, wantKey = cur[ri], keys[ki]
		putDate(&wantDate, want.date)
		return true
	}
	// The stored row, its texts as read.
	var account, entry int64
	var currency, date sql.RawBytes
	var cols [limbCount]sql.NullInt64
	// cmp orders the replayed row against the stored one.
	cmp := func() int {
		switch {
		case wantKey.account != account:
			return cmpInt(wantKey.account, account)
		case wantKey.currency != string(currency):
			return cmpString(wantKey.currency, string(currency))
		case string(wantDate[:]) != string(date):
			return cmpString(string(wantDate[:]), string(date))
		case want.entry != entry:
			return cmpInt(want.entry, entry)
		}
		return 0
	}
	broken := func(k acctCur, date string, entry int64) error {
		return historyBroken(ctx, q, "balance_versions", k, "the sums at %s disagree with the postings", fmt.Sprintf("%s as of entry %d", date, entry))
	}
	// Every row narrow (narrowVersion), the zero limbs are not read.
	narrow, err := allNarrow(ctx, q, "balance_versions", narrowVersion)
	if err != nil {
		return err
	}
	query := `SELECT account_id, currency, date, entry_id, ` + limbCols("", false) + ` FROM balance_versions ORDER BY account_id, currency, date, entry_id`
	if narrow {
		query = `SELECT account_id, currency, date, entry_id, l1, l2 FROM balance_versions ORDER BY account_id, currency, date, entry_id`
	}
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	dest := []any{&account, &currency, &date, &entry}
	for i := range cols {
		if narrow && i != 1 && i != 2 {
			cols[i] = sql.NullInt64{Valid: true} // the integer 0
			continue
		}
		dest = append(dest, &cols[i])
	}
	// The integer columns through database/sql's fast path (intScan): as
	// *int64 and *sql.NullInt64 they went through reflection, 0.7 s of
	// verify's CPU at 2M rows.
	var ints intScan
	dest = ints.bind(dest)
	type extraRow struct {
		k     acctCur
		date  string
		entry int64
	}
	var extra *extraRow
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return unreadableRow(rows, "balance_versions", 4, err)
		}
		if err := ints.set(rows); err != nil {
			return unreadableScanned(rows, "balance_versions", dest, 4, err)
		}
		ok := peek()
		c := 0
		if ok {
			c = cmp()
		}
		if ok && c < 0 {
			return broken(wantKey, string(wantDate[:]), want.entry) // not stored
		}
		if ok && c == 0 {
			for j, col := range cols {
				if !col.Valid || col.Int64 != want.l[j] {
					return broken(wantKey, string(wantDate[:]), want.entry)
				}
			}
			ri++
			continue
		}
		if extra == nil {
			extra = &extraRow{acctCur{account, string(currency)}, string(date), entry}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if peek() {
		return broken(wantKey, string(wantDate[:]), want.entry)
	}
	if extra != nil {
		return broken(extra.k, extra.date, extra.entry)
	}
	return nil
}

// putDate writes yyyymmdd n as YYYY-MM-DD.
func putDate(b *[10]byte, n int32) {
	b[9], b[8] = byte('0'+n%10), byte('0'+n/10%10)
	b[7] = '-'
	b[6], b[5] = byte('0'+n/100%10), byte('0'+n/1000%10)
	b[4] = '-'
	n /= 10000
	for i := 3; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
}
