package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
)

// replay recomputes, during Verify's scan of the journal, every table the
// entries triggers derive from the postings: the running totals per
// account, per day and per month, the marks (migration 0091), the balance
// spans and the balance versions (0093). It replays each posting into the
// account's running total, first and last dates and sums per date, as
// SQLite's verify does, and compares:
//
//   - the marks and spans, a few per account and recorded-at instant, read
//     in key order (entry, account, currency) from cursors alongside the
//     scan: each must be at an entry that posts to the account and hold
//     the account's running total (first and last dates) there, and every
//     account's last entry of each recorded-at instant must have one
//     (checked at the end of each instant);
//   - the versions, one row per account, date and version, read in their
//     order (entry, account, currency, date) from a cursor alongside the
//     scan: at each stored span (a version) the rows the account should
//     have there, computed from its sums per date;
//   - the totals, read once after the scan (totals).
//
// The first problem of each kind is kept, in its key order, and reported
// in Verify's order of the checks.
//
// Why: on the 1M per-event book (2,000,000 postings and version rows,
// 200,000 spans) the aggregate and window queries over the postings this
// replaced cost about 38 s of server CPU (verify's server CPU went from 49
// to 11.5 s, revshare's from 16-17 to 23-24 s: 0.53x in all;
// docs/postgres.md, "Session 10").
//
// Memory grows with the account-days, so a day is 16 bytes (daySum) and
// the sums are int64s while they fit (ledger.Sum), and the marks and spans are
// read through cursors and dropped at the end of their instant: on that
// book revshare's peak RSS fell from 475-480 to 126-130 MB and its CPU to
// about 0.7x (docs/postgres.md, "Verify's memory").
type replay struct {
	ids      map[string]int64 // account ID by name
	accounts map[accountKey]*accountReplay

	marks, spans storedPoints
	required     []pointKey // every account's last entry of the instant ending

	instantAt   time.Time            // the recorded-at of the instant being scanned
	instantLast map[accountKey]int64 // its accounts' last entries in it

	versions    *versionCursor
	versionsBad string // the first problem with the versions, or ""
	rows        []versionRow
	touched     []accountKey
}

type accountKey struct {
	id       int64
	currency string
}

type pointKey struct {
	entry int64
	accountKey
}

func (a pointKey) compare(b pointKey) int {
	return cmp.Or(cmp.Compare(a.entry, b.entry), cmp.Compare(a.id, b.id), cmp.Compare(a.currency, b.currency))
}

// storedPoint is a row of balance_marks (amount) or balance_spans (first,
// last).
type storedPoint struct {
	pointKey
	amount      string
	first, last int32
}

// storedPoints reads the rows of balance_marks or balance_spans in key
// order through a cursor of the verify transaction, a page at a time. Each
// row is compared with its account when the scan reaches its entry, and
// its key with the required points at the end of its instant; then it is
// dropped. Only the first problem is kept, so memory holds an instant's
// rows, not the table's.
type storedPoints struct {
	table, row string // as the messages name them: "balance marks", "mark"
	cursor     string
	columns    []any       // where a fetched row's columns go
	p          storedPoint // the row columns points into
	tx         pgx.Tx
	done       bool          // the cursor is at its end
	rows       []storedPoint // read and not yet merged with the required points
	next       int           // rows[:next] are compared
	bad        int           // the first wrong row of rows[:next], or -1
	why        string        // how rows[bad] is wrong
	first      string        // the first problem, worded, or ""
	// differs says how a row differs from its account at its entry, or "".
	differs func(storedPoint, *accountReplay) string
}

// open declares ps's cursor over query, in tx.
func (ps *storedPoints) open(ctx context.Context, tx pgx.Tx, query string) error {
	ps.tx, ps.bad = tx, -1
	if _, err := tx.Exec(ctx, `DECLARE `+ps.cursor+` NO SCROLL CURSOR FOR `+query); err != nil {
		return fmt.Errorf("%s: %w", ps.table, err)
	}
	return nil
}

// peek returns the first row not compared yet, or nil after the last.
func (ps *storedPoints) peek(ctx context.Context) (*storedPoint, error) {
	if ps.next == len(ps.rows) && !ps.done {
		rows, err := ps.tx.Query(ctx, `FETCH FORWARD 10000 FROM `+ps.cursor)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", ps.table, err)
		}
		n := 0
		if _, err := pgx.ForEachRow(rows, ps.columns, func() error {
			ps.rows = append(ps.rows, ps.p)
			n++
			return nil
		}); err != nil {
			return nil, fmt.Errorf("%s: %w", ps.table, err)
		}
		ps.done = n < versionPage
	}
	if ps.next == len(ps.rows) {
		return nil, nil
	}
	return &ps.rows[ps.next], nil
}

// merge merges the compared rows with required (the points of the
// instant ending, sorted), both in key order, words the first problem in
// ps.first if none was found before (a required point missing, a row at
// an entry that does not post to its account or holding another value),
// and drops the compared rows.
func (ps *storedPoints) merge(required []pointKey) {
	stored := ps.rows[:ps.next]
	for i, j := 0, 0; ps.first == "" && (i < len(stored) || j < len(required)); {
		var k pointKey
		c := -1
		switch {
		case i == len(stored):
			c = 1
		case j < len(required):
			c = stored[i].compare(required[j])
		}
		if c <= 0 {
			k = stored[i].pointKey
		} else {
			k = required[j]
		}
		switch {
		case c > 0:
			ps.first = ps.problem(k, "is missing (the account's last entry of its recorded-at instant)")
		case i == ps.bad:
			ps.first = ps.problem(k, ps.why)
		}
		i++
		if c == 0 {
			j++
		}
	}
	ps.rows = append(ps.rows[:0], ps.rows[ps.next:]...)
	ps.next, ps.bad = 0, -1
}

func (ps *storedPoints) problem(k pointKey, why string) string {
	return fmt.Sprintf("%s for entry %d %d %s: the %s %s", ps.table, k.entry, k.id, k.currency, ps.row, why)
}

// accountReplay is one account and currency as replayed so far.
type accountReplay struct {
	total ledger.Sum
	// scale is the most fractional digits of its postings so far: the
	// scale of their sum as numeric shows it.
	scale       int32
	first, last int32                     // its postings' first and last dates, in days since 1970
	days        []daySum                  // its sums per date, by date
	wide        map[int32]decimal.Decimal // the sums of days that do not fit a daySum, by date
	pending     int32                     // the first date posted to since its last version
}

const noDate = int32(1<<31 - 1)

// newReplay reads the accounts and opens the cursors over the marks, the
// spans and the versions, in tx.
func newReplay(ctx context.Context, tx pgx.Tx) (*replay, error) {
	r := &replay{ids: map[string]int64{}, accounts: map[accountKey]*accountReplay{}, instantLast: map[accountKey]int64{}}
	r.marks.differs = func(s storedPoint, a *accountReplay) string {
		if equalText(a.total, s.amount) {
			return ""
		}
		return "holds " + s.amount + ", the postings sum to " + numericText(a.total, a.scale)
	}
	r.spans.differs = func(s storedPoint, a *accountReplay) string {
		if s.first == a.first && s.last == a.last {
			return ""
		}
		return fmt.Sprintf("says %s to %s, the postings %s to %s", dayText(s.first), dayText(s.last), dayText(a.first), dayText(a.last))
	}
	rows, err := tx.Query(ctx, `SELECT id, name FROM accounts`)
	if err != nil {
		return nil, err
	}
	var id int64
	var name string
	if _, err := pgx.ForEachRow(rows, []any{&id, &name}, func() error { r.ids[name] = id; return nil }); err != nil {
		return nil, err
	}
	m, sp := &r.marks, &r.spans
	m.table, m.row, m.cursor = "balance marks", "mark", "verify_marks"
	m.columns = []any{&m.p.entry, &m.p.id, &m.p.currency, &m.p.amount}
	if err := m.open(ctx, tx, `SELECT entry_id, account_id, currency, amount::text FROM balance_marks ORDER BY 1, 2, 3`); err != nil {
		return nil, err
	}
	sp.table, sp.row, sp.cursor = "balance spans", "span", "verify_spans"
	sp.columns = []any{&sp.p.entry, &sp.p.id, &sp.p.currency, &sp.p.first, &sp.p.last}
	if err := sp.open(ctx, tx, `SELECT entry_id, account_id, currency, first_date - DATE '1970-01-01', last_date - DATE '1970-01-01'
		FROM balance_spans ORDER BY 1, 2, 3`); err != nil {
		return nil, err
	}
	if r.versions, err = openVersionCursor(ctx, tx); err != nil {
		return nil, err
	}
	return r, nil
}

// entry replays e's postings; the journal checks have passed for it.
func (r *replay) entry(ctx context.Context, e *ledger.Entry) error {
	if !e.RecordedAt.Equal(r.instantAt) {
		r.endInstant()
		r.instantAt = e.RecordedAt
	}
	day := int32(time.Date(e.Date.Year, e.Date.Month, e.Date.Day, 0, 0, 0, 0, time.UTC).Unix() / 86400)
	r.touched = r.touched[:0]
	for _, p := range e.Postings {
		id, ok := r.ids[p.Account]
		if !ok {
			return fmt.Errorf("entry %d: account %q not in accounts", e.ID, p.Account)
		}
		k := accountKey{id, p.Currency}
		a := r.accounts[k]
		if a == nil {
			a = &accountReplay{first: day, last: day, pending: noDate}
			r.accounts[k] = a
		}
		a.add(day, p.Amount)
		r.instantLast[k] = e.ID
		if !slices.Contains(r.touched, k) {
			r.touched = append(r.touched, k)
		}
	}
	if err := r.storedPointsThrough(ctx, &r.marks, e.ID, nil); err != nil {
		return err
	}
	return r.storedPointsThrough(ctx, &r.spans, e.ID, func(k pointKey) error {
		if r.versionsBad != "" {
			return nil
		}
		return r.version(ctx, k)
	})
}

// storedPointsThrough compares the rows of ps up to entry (storedPointAt)
// and calls posted, unless nil, with the key of each row at entry whose
// account entry posts to.
func (r *replay) storedPointsThrough(ctx context.Context, ps *storedPoints, entry int64, posted func(pointKey) error) error {
	for {
		s, err := ps.peek(ctx)
		if err != nil || s == nil || s.entry > entry {
			return err
		}
		if r.storedPointAt(ps, entry) && posted != nil {
			if err := posted(s.pointKey); err != nil {
				return err
			}
		}
	}
}

// storedPointAt compares the row of ps the scan reached (ps.next) with its
// account after entry, keeping the first problem, moves past it, and says
// whether it is at entry and the entry posts to the account.
func (r *replay) storedPointAt(ps *storedPoints, entry int64) bool {
	s := ps.rows[ps.next]
	posts := s.entry == entry && slices.Contains(r.touched, s.accountKey)
	if ps.bad < 0 && ps.first == "" {
		if !posts {
			ps.bad, ps.why = ps.next, noPosting
		} else if why := ps.differs(s, r.accounts[s.accountKey]); why != "" {
			ps.bad, ps.why = ps.next, why
		}
	}
	ps.next++
	return posts
}

const noPosting = "has no posting of the account at that entry"

// endInstant checks the marks and spans of the instant scanned so far
// against its required points, each account's last entry in it: the scan
// has compared every stored row up to its last entry, and the rows after
// it, of later entries, come after these points in key order.
func (r *replay) endInstant() {
	r.required = r.required[:0]
	for k, entry := range r.instantLast {
		r.required = append(r.required, pointKey{entry, k})
	}
	clear(r.instantLast)
	slices.SortFunc(r.required, pointKey.compare)
	r.marks.merge(r.required)
	r.spans.merge(r.required)
}

func (a *accountReplay) add(day int32, amount decimal.Decimal) {
	s := ledger.SumOf(amount)
	a.total = a.total.Add(s)
	a.scale = max(a.scale, -amount.Exponent())
	a.first, a.last, a.pending = min(a.first, day), max(a.last, day), min(a.pending, day)
	n := len(a.days)
	i := n - 1
	switch {
	case n == 0 || a.days[n-1].date < day:
		a.days = append(a.days, daySum{date: day})
		i = n
	case a.days[n-1].date == day:
	default:
		var found bool
		i, found = slices.BinarySearchFunc(a.days, day, func(d daySum, day int32) int { return cmp.Compare(d.date, day) })
		if !found {
			a.days = slices.Insert(a.days, i, daySum{date: day})
		}
	}
	a.setDay(i, a.day(i).Add(s))
}

// version compares the rows of the version at k (a stored span whose
// entry posts to the account) with the cursor's: a row per date of the
// account on or after the first it posted to since its previous version,
// holding its postings dated up to that date.
func (r *replay) version(ctx context.Context, k pointKey) error {
	a := r.accounts[k.accountKey]
	i, _ := slices.BinarySearchFunc(a.days, a.pending, func(d daySum, day int32) int { return cmp.Compare(d.date, day) })
	a.pending = noDate
	r.rows = r.rows[:0]
	amount := a.total
	for j := len(a.days) - 1; j >= i; j-- {
		r.rows = append(r.rows, versionRow{pointKey: k, date: a.days[j].date, amount: amount})
		amount = amount.Add(a.day(j).Neg())
	}
	for j := len(r.rows) - 1; j >= 0; j-- {
		want := &r.rows[j]
		got, err := r.versions.peek(ctx)
		if err != nil {
			return err
		}
		c := -1
		if got != nil {
			c = want.compare(got)
		}
		switch {
		case c < 0:
			r.versionsBad = want.name() + ": the row is missing"
		case c > 0:
			r.versionsBad = got.name() + ": the row should not be there (no posting up to the version at that date or before its first)"
		default:
			r.versions.next()
			if !equalText(want.amount, got.stored) {
				r.versionsBad = fmt.Sprintf("%s: the row holds %s, the postings sum to %s", want.name(), got.stored, numericText(want.amount, a.scale))
			}
		}
		if r.versionsBad != "" {
			return nil
		}
	}
	return nil
}

// finish ends the scan and returns the first problem with the marks, the
// spans and the versions, in that order, or "".
func (r *replay) finish(ctx context.Context) (string, error) {
	r.endInstant()
	for _, ps := range []*storedPoints{&r.marks, &r.spans} {
		if ps.first != "" {
			return ps.first, nil
		}
		// A row after the journal's last entry.
		s, err := ps.peek(ctx)
		if err != nil {
			return "", err
		}
		if s != nil {
			return ps.problem(s.pointKey, noPosting), nil
		}
	}
	if r.versionsBad != "" {
		return r.versionsBad, nil
	}
	got, err := r.versions.peek(ctx)
	if err != nil || got == nil {
		return "", err
	}
	return got.name() + ": the row should not be there (no posting up to the version at that date or before its first)", nil
}

// numericText is s as PostgreSQL shows a numeric of that scale.
func numericText(s ledger.Sum, scale int32) string {
	return s.Decimal().StringFixed(scale)
}

func dayText(day int32) string {
	return time.Unix(int64(day)*86400, 0).UTC().Format(time.DateOnly)
}

// versionRow is a row of balance_versions: stored holds its amount as
// stored, amount the computed one.
type versionRow struct {
	pointKey
	date   int32
	amount ledger.Sum
	stored string
}

func (a *versionRow) compare(b *versionRow) int {
	return cmp.Or(a.pointKey.compare(b.pointKey), cmp.Compare(a.date, b.date))
}

func (a *versionRow) name() string {
	return fmt.Sprintf("balance versions for entry %d %d %s %s", a.entry, a.id, a.currency, dayText(a.date))
}

// versionCursor reads balance_versions in key order through a cursor of
// the verify transaction, a page at a time between the scan's queries.
type versionCursor struct {
	tx   pgx.Tx
	page []versionRow
	at   int
	done bool
}

const versionPage = 10000

func openVersionCursor(ctx context.Context, tx pgx.Tx) (*versionCursor, error) {
	_, err := tx.Exec(ctx, `DECLARE verify_versions NO SCROLL CURSOR FOR
		SELECT entry_id, account_id, currency, date - DATE '1970-01-01', amount::text FROM balance_versions
		ORDER BY entry_id, account_id, currency, date`)
	if err != nil {
		return nil, fmt.Errorf("balance versions: %w", err)
	}
	return &versionCursor{tx: tx}, nil
}

// peek returns the next stored row, or nil after the last.
func (c *versionCursor) peek(ctx context.Context) (*versionRow, error) {
	if c.at == len(c.page) && !c.done {
		rows, err := c.tx.Query(ctx, `FETCH FORWARD 10000 FROM verify_versions`)
		if err != nil {
			return nil, fmt.Errorf("balance versions: %w", err)
		}
		c.page, c.at = c.page[:0], 0
		var v versionRow
		if _, err := pgx.ForEachRow(rows, []any{&v.entry, &v.id, &v.currency, &v.date, &v.stored}, func() error {
			c.page = append(c.page, v)
			return nil
		}); err != nil {
			return nil, fmt.Errorf("balance versions: %w", err)
		}
		c.done = len(c.page) < versionPage
	}
	if c.at == len(c.page) {
		return nil, nil
	}
	return &c.page[c.at], nil
}

func (c *versionCursor) next() { c.at++ }

// totals compares the running totals the triggers keep with the replayed
// accounts, in Verify's order: balance_totals (one row per account),
// daily_totals (one per account and date with postings; the rows read in
// any order, each found among the account's dates) and monthly_totals
// (per month with postings, the sum up to its end; in the order month,
// account, currency). It returns the first problem, or "".
func (r *replay) totals(ctx context.Context, tx pgx.Tx) (string, error) {
	keys := make([]accountKey, 0, len(r.accounts))
	for k := range r.accounts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b accountKey) int { return cmp.Or(cmp.Compare(a.id, b.id), cmp.Compare(a.currency, b.currency)) })

	var k accountKey
	var day int32
	var amount string
	bad := ""
	seen := 0
	rows, err := tx.Query(ctx, `SELECT account_id, currency, amount::text FROM balance_totals`)
	if err != nil {
		return "", err
	}
	if _, err := pgx.ForEachRow(rows, []any{&k.id, &k.currency, &amount}, func() error {
		if a := r.accounts[k]; bad == "" && (a == nil || !equalText(a.total, amount)) {
			bad = fmt.Sprintf("balance totals for %d %s differ from the sum of the postings", k.id, k.currency)
		}
		seen++
		return nil
	}); err != nil {
		return "", fmt.Errorf("balance totals: %w", err)
	}
	if bad == "" && seen != len(keys) {
		// A replayed account without a row: each row matched a different
		// account, so some account is not among them.
		stored := map[accountKey]bool{}
		rows, err := tx.Query(ctx, `SELECT account_id, currency FROM balance_totals`)
		if err != nil {
			return "", err
		}
		if _, err := pgx.ForEachRow(rows, []any{&k.id, &k.currency}, func() error { stored[k] = true; return nil }); err != nil {
			return "", fmt.Errorf("balance totals: %w", err)
		}
		for _, k := range keys {
			if !stored[k] {
				return fmt.Sprintf("balance totals for %d %s differ from the sum of the postings", k.id, k.currency), nil
			}
		}
	}
	if bad != "" {
		return bad, nil
	}

	rows, err = tx.Query(ctx, `SELECT date - DATE '1970-01-01', account_id, currency, amount::text FROM daily_totals`)
	if err != nil {
		return "", err
	}
	if _, err := pgx.ForEachRow(rows, []any{&day, &k.id, &k.currency, &amount}, func() error {
		if bad != "" {
			return nil
		}
		if a := r.accounts[k]; a != nil {
			i, found := slices.BinarySearchFunc(a.days, day, func(d daySum, day int32) int { return cmp.Compare(d.date, day) })
			if found && !a.days[i].seen && equalText(a.day(i), amount) {
				a.days[i].seen = true
				return nil
			}
		}
		bad = fmt.Sprintf("daily totals for %s %d %s differ from the sum of the postings", dayText(day), k.id, k.currency)
		return nil
	}); err != nil {
		return "", fmt.Errorf("daily totals: %w", err)
	}
	if bad != "" {
		return bad, nil
	}
	for _, k := range keys {
		for _, d := range r.accounts[k].days {
			if !d.seen {
				return fmt.Sprintf("daily totals for %s %d %s differ from the sum of the postings", dayText(d.date), k.id, k.currency), nil
			}
		}
	}

	type month struct {
		accountKey
		month  int32 // its first day
		amount ledger.Sum
	}
	var months []month
	for _, k := range keys {
		a := r.accounts[k]
		var total ledger.Sum
		for i, d := range a.days {
			total = total.Add(a.day(i))
			m := firstOfMonth(d.date)
			if i+1 == len(a.days) || firstOfMonth(a.days[i+1].date) != m {
				months = append(months, month{k, m, total})
			}
		}
	}
	slices.SortFunc(months, func(a, b month) int {
		return cmp.Or(cmp.Compare(a.month, b.month), cmp.Compare(a.id, b.id), cmp.Compare(a.currency, b.currency))
	})
	var stored month
	i := 0
	rows, err = tx.Query(ctx, `SELECT month - DATE '1970-01-01', account_id, currency, amount::text FROM monthly_totals
		ORDER BY month, account_id, currency`)
	if err != nil {
		return "", err
	}
	if _, err := pgx.ForEachRow(rows, []any{&stored.month, &stored.id, &stored.currency, &amount}, func() error {
		switch {
		case bad != "":
		case i < len(months) && months[i].month == stored.month && months[i].accountKey == stored.accountKey:
			if !equalText(months[i].amount, amount) {
				bad = monthText(stored.month, stored.accountKey)
			}
			i++
		case i < len(months) && cmp.Or(cmp.Compare(months[i].month, stored.month), cmp.Compare(months[i].id, stored.id),
			cmp.Compare(months[i].currency, stored.currency)) < 0:
			bad = monthText(months[i].month, months[i].accountKey)
		default:
			bad = monthText(stored.month, stored.accountKey)
		}
		return nil
	}); err != nil {
		return "", fmt.Errorf("monthly totals: %w", err)
	}
	if bad == "" && i < len(months) {
		bad = monthText(months[i].month, months[i].accountKey)
	}
	return bad, nil
}

func firstOfMonth(day int32) int32 {
	y, m, _ := time.Unix(int64(day)*86400, 0).UTC().Date()
	return int32(time.Date(y, m, 1, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

func monthText(month int32, k accountKey) string {
	return fmt.Sprintf("monthly totals for %s %d %s differ from the running sum of the postings", dayText(month)[:7], k.id, k.currency)
}
