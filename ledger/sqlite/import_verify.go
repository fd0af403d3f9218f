package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/usage"
)

// VerifyEvents checks the events and their links to the journal (it also
// runs as part of Verify): every event's data is well formed, its digest is
// that of its content, its source exists, and its (batch, group) names an
// import group whose ID range holds it; every group's entry is a usage
// import entry whose receivable posting is the exact sum of the group's
// events in their currency on the account of their seller and channel, and
// its event count is theirs; every usage batch's source is its events', and
// its posted count is their number. The first violation is a *VerifyError.
func (db *DB) VerifyEvents(ctx context.Context) error {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return verifyEvents(ctx, tx)
}

// groupSum is what the events of one import group add up to. Verify holds
// one per group (1M at 1M per-event imports), so the sum is a ledger.Sum
// (an int64 while it fits) and the currency and account are indexes in
// eventScan.names: 56 bytes, where a decimal.Decimal and two strings took
// 72 and a big.Int 40 more.
type groupSum struct {
	amount      ledger.Sum
	currency    int32
	account     int32
	events      int64
	first, last int64
}

// verifyEvents runs the checks of VerifyEvents. (Verify runs them with the
// event index's, verifyEventsAndIndex, in one read of the events.)
func verifyEvents(ctx context.Context, tx *sql.Tx) error {
	s, err := scanEvents(ctx, tx, false, nil)
	if err != nil {
		return err
	}
	if s.problem != nil {
		return s.problem
	}
	return s.checkGroups(ctx, tx, nil)
}

type groupID struct{ batch, group int64 }

// eventScan is what one read of the events gathers for verifyEvents and,
// when index is not nil, for verifyEventIndex.
type eventScan struct {
	sources    map[int64]string
	batches    map[int64]*batchCounts // with their groups' sums
	batch      *batchCounts           // the last event's batch
	batchID    int64
	index      map[dimValue]*eventIDs // per dimension and value, its events' IDs in order (one map lookup per value)
	lastValues [6]struct {            // per dimension in indexEvent's order, the last event's value and its IDs
		value string
		ids   *eventIDs
	}
	problem                error  // verifyEvents' first violation among the events
	lastOccurred, lastDate string // the accounting date of the last occurred_at seen
	// The receivable accounts and currencies of the groups, by their index
	// in names (a group holding its first event's strings, slices of the
	// event's data, would keep the data).
	accounts   map[[2]string]int32 // by seller and channel
	currencies map[string]int32
	names      []string
	nameIndex  map[string]int32 // the index of each of names

	groupHints map[int64]int64 // per batch, room for its group sums (groupHints)
	// postingText reads the stored amount of an entry's first posting
	// (set by checkGroupsWith, whose usage entries keep none).
	postingText func(entryID int64) (string, error)
	stream      *groupStream // the import groups matched during the scan, if not nil
}

// sumIsUnits says whether s is units × 10^exp.
func sumIsUnits(s ledger.Sum, units int64, exp int32) bool {
	if units == math.MinInt64 {
		return s.Equal(decimal.New(units, exp))
	}
	d := s.Add(ledger.UnitsSum(-units, exp))
	if u, _, ok := d.Units(); ok {
		return u == 0
	}
	return d.Decimal().IsZero()
}

// name returns the index of n in s.names, added if new.
func (s *eventScan) name(n string) int32 {
	i, ok := s.nameIndex[n]
	if !ok {
		i = int32(len(s.names))
		s.names = append(s.names, n)
		s.nameIndex[n] = i
	}
	return i
}

// groupHints returns each import batch's stored number of import groups,
// bounded by the events' last ID: the room its group sums get when its
// first event is read (growing them by appending cost 0.4 s of verify's
// CPU at 1M groups). Only a hint: the counts are checked after the scan.
func groupHints(ctx context.Context, tx *sql.Tx) (map[int64]int64, error) {
	var maxEvent sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT max(id) FROM events`).Scan(&maxEvent); err != nil {
		return nil, err
	}
	hints := map[int64]int64{}
	err := eachRow(ctx, tx, func(row rowScanner) error {
		var id, groups any
		if err := row.Scan(&id, &groups); err != nil {
			return err
		}
		id64, ok1 := id.(int64)
		n, ok2 := groups.(int64)
		if ok1 && ok2 {
			hints[id64] = min(n, maxEvent.Int64)
		}
		return nil
	}, `SELECT id, entries FROM import_batches WHERE entries > 0`)
	if err != nil {
		return nil, err
	}
	return hints, nil
}

// scanEvents reads every event once, in ID order. Without the index it
// stops at verifyEvents' first violation (s.problem). With it, that
// violation is kept and the scan goes on, since the index check comes first
// in Verify's order: an event it cannot decode is its violation, returned
// as the error at once.
//
// With facts (Verify's journal scan running beside it), the import groups
// are matched with the events as they are read (groupStream, s.stream).
func scanEvents(ctx context.Context, tx *sql.Tx, withIndex bool, facts *journalFacts) (_ *eventScan, err error) {
	var stream *groupStream
	defer func() {
		if err != nil && stream != nil {
			stream.close()
		}
	}()
	sources, err := loadSources(ctx, tx)
	if err != nil {
		return nil, err
	}
	hints, err := groupHints(ctx, tx)
	if err != nil {
		return nil, err
	}
	s := &eventScan{sources: sources, batches: map[int64]*batchCounts{}, groupHints: hints,
		accounts: map[[2]string]int32{}, currencies: map[string]int32{}, nameIndex: map[string]int32{}}
	if withIndex {
		s.index = map[dimValue]*eventIDs{}
	}
	if facts != nil {
		if stream, err = newGroupStream(ctx, tx, facts, s); err != nil {
			return nil, err
		}
		s.stream, s.postingText = stream, postingTextOf(ctx, tx)
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, source_id, event_id, data FROM events ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var (
		evID, source int64
		eventID      string
		data         string
		f            eventFields
		canon        []byte
		// One event at a time, reused: nothing keeps a pointer to it, and
		// a new one escaped for each event (250 MB at 1M events).
		e ledger.Event
	)
	var ints intScan
	dest := ints.bind([]any{&evID, &source, &eventID, &data})
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		if err := ints.set(rows); err != nil {
			return nil, err
		}
		parseErr := f.parse(data)
		e = ledger.Event{ID: evID, EventID: eventID, Source: sources[source]}
		var group int64
		var decodeErr error
		if parseErr == nil {
			group, decodeErr = f.decodeEvent(&e)
		}
		if withIndex {
			if parseErr != nil {
				return nil, &VerifyError{Reason: (&storedEventError{evID, parseErr}).Error()}
			}
			if decodeErr != nil {
				return nil, &VerifyError{Reason: (&storedEventError{evID, decodeErr}).Error()}
			}
			s.indexEvent(&e, f.v[fOccurred])
		}
		if s.problem == nil {
			s.problem = s.event(&e, &f, source, group, parseErr, decodeErr, &canon)
			if s.problem != nil && !withIndex {
				break
			}
			if s.stream != nil {
				s.stream.advance(evID)
			}
		}
	}
	return s, rows.Err()
}

// indexEvent adds a decoded event to the event index it should have;
// occurred is its stored occurred_at (events come in runs of one).
func (s *eventScan) indexEvent(e *ledger.Event, occurred string) {
	if occurred != s.lastOccurred || s.lastDate == "" {
		s.lastOccurred, s.lastDate = occurred, e.AccountingDate().String()
	}
	for i, dv := range [...]dimValue{{dimSeller, e.Seller}, {dimChannel, e.Channel}, {dimCustomer, e.Customer},
		{dimProduct, e.Product}, {dimRegion, e.Region}, {dimDate, s.lastDate}} {
		// The last event's value of the dimension, looked up again only
		// when it changes (a date has runs of many events).
		last := &s.lastValues[i]
		if last.ids == nil || last.value != dv.value {
			ids := s.index[dv]
			if ids == nil {
				ids = new(eventIDs)
				s.index[dv] = ids
			}
			last.value, last.ids = dv.value, ids
		}
		last.ids.add(e.ID)
	}
}

// event checks one event for verifyEvents and adds it to its batch and
// group; f holds its parsed fields and e its decoding, unless parseErr or
// decodeErr (decodeEvent's) says otherwise.
func (s *eventScan) event(e *ledger.Event, f *eventFields, source, group int64, parseErr, decodeErr error, canon *[]byte) error {
	bad := func(format string, args ...any) error {
		return &VerifyError{Reason: fmt.Sprintf("event %d: ", e.ID) + fmt.Sprintf(format, args...)}
	}
	if parseErr != nil {
		return bad("%v", parseErr)
	}
	if e.Source == "" {
		return bad("unknown source %d", source)
	}
	// decodeEvent's error names the event, as bad does: a field that does
	// not decode is reported before the digest, the group after it.
	if decodeErr != nil && f.decode(e) != nil {
		return &VerifyError{Reason: decodeErr.Error()}
	}
	var digest [usage.DigestSize]byte
	digest, *canon = usage.Digest(e, *canon)
	if storedDigest(digest) != f.v[fDigest] {
		return bad("content does not match its digest: altered after import")
	}
	if decodeErr != nil {
		return &VerifyError{Reason: decodeErr.Error()}
	}
	bc := s.batchOf(e.BatchID, true)
	// A batch's events share its source: (source, event_id) is the
	// idempotency key, so a source renamed behind revshare's back would
	// let the same events post again under their old name.
	if bc.posted == 0 {
		bc.source = e.Source
	} else if e.Source != bc.source {
		return bad("source %q differs from %q, the source of the earlier events of its import batch %d", e.Source, bc.source, e.BatchID)
	}
	bc.posted++
	if e.Late {
		bc.late++
	}
	acct, ok := s.accounts[[2]string{e.Seller, e.Channel}]
	if !ok {
		acct = s.name(ledger.ReceivableAccount(e.Seller, e.Channel))
		s.accounts[[2]string{strings.Clone(e.Seller), strings.Clone(e.Channel)}] = acct
	}
	var g *groupSum
	if s.stream != nil {
		g = s.stream.group(e.BatchID, group)
	} else {
		g = bc.group(group, true)
	}
	if g.events == 0 {
		bc.groups++ // the batch's groups are its distinct (batch, group) keys
		currency, ok := s.currencies[e.Currency]
		if !ok {
			currency = s.name(strings.Clone(e.Currency))
			s.currencies[s.names[currency]] = currency
		}
		*g = groupSum{currency: currency, account: acct, events: 1, first: e.ID, last: e.ID}
		g.amount = ledger.SumOf(e.Amount)
		return nil
	}
	if s.names[g.currency] != e.Currency || g.account != acct {
		return bad("in batch %d group %d with events of other accounts or currencies (%s %s, group: %s %s)",
			e.BatchID, group, s.names[acct], e.Currency, s.names[g.account], s.names[g.currency])
	}
	g.amount = g.amount.Add(ledger.SumOf(e.Amount))
	g.events++
	g.last = e.ID
	return nil
}

// checkGroups checks the import groups and batches against the events
// scanned. The groups' entries are the usage import entries the journal
// scan gathered (facts) when it runs in the same snapshot; without it
// (facts nil: VerifyEvents alone) they are joined to the groups in SQL.
func (s *eventScan) checkGroups(ctx context.Context, tx *sql.Tx, facts *journalFacts) error {
	var err error
	if facts != nil {
		var usage *usageFacts
		if usage, err = facts.wait(ctx); err == nil {
			err = s.checkGroupsWith(ctx, tx, usage)
		}
	} else {
		err = s.checkGroupsJoined(ctx, tx)
	}
	if err != nil {
		return err
	}
	return s.checkBatches(ctx, tx)
}

// groupRow is a stored import group with what checkGroups needs of its
// entry.
type groupRow struct {
	id                          groupID
	entryID, first, last, count int64
	entry                       usageEntry
}

// usageEntry is a usage import entry's first posting (the receivable the
// group's events sum to); id 0 for an entry that is not a usage import
// entry, or missing. Its amount is its stored text, or (unitsOK) units of
// 10^-9 whose text eventScan.postingText reads when it is to be named.
type usageEntry struct {
	id                        int64
	amount, currency, account string
	units                     int64
	unitsOK                   bool
}

// checkGroup checks one import group against its events, which it takes
// from s.sums.
func (s *eventScan) checkGroup(r *groupRow) error {
	id, e := r.id, &r.entry
	if e.id == 0 {
		return &VerifyError{Reason: fmt.Sprintf("import batch %d group %d links to entry %d, which is not a usage import entry", id.batch, id.group, r.entryID)}
	}
	var g *groupSum
	if s.stream != nil {
		g = s.stream.groupOf(id)
	} else if bc := s.batchOf(id.batch, false); bc != nil {
		g = bc.group(id.group, false)
	}
	if g == nil || g.events == 0 {
		return broken(r.entryID, "import entry carries no events")
	}
	// A stored posting amount (a sum: it may pass the input's 18 digits).
	var same bool
	if e.unitsOK {
		same = sumIsUnits(g.amount, e.units, -9)
	} else {
		a, perr := parseAmountText(e.amount)
		same = perr == nil && g.amount.Equal(a)
	}
	if !same || e.currency != s.names[g.currency] || e.account != s.names[g.account] {
		amount := e.amount
		if e.unitsOK {
			var err error
			if amount, err = s.postingText(e.id); err != nil {
				return err
			}
		}
		return broken(r.entryID, "import entry posts %s %s to %s, but its %d event(s) sum to %s %s on %s",
			amount, e.currency, e.account, g.events, ledger.FormatAmount(g.amount.Decimal()), s.names[g.currency], s.names[g.account])
	}
	if r.count != g.events || g.first < r.first || g.last > r.last {
		return broken(r.entryID, "import group says %d event(s) in IDs %d..%d, the database holds %d in %d..%d",
			r.count, r.first, r.last, g.events, g.first, g.last)
	}
	if s.stream != nil {
		s.stream.take(id, g)
	} else {
		*g = groupSum{} // taken
	}
	return nil
}

// groupsLeft reports a group of events that no stored group took (the
// first by batch and group).
func (s *eventScan) groupsLeft() error {
	ids := make([]int64, 0, len(s.batches))
	for id := range s.batches {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, b := range ids {
		if group, g := s.batches[b].groupLeft(); g != nil {
			return &VerifyError{Reason: fmt.Sprintf("event %d: batch %d group %d has no entry", g.first, b, group)}
		}
	}
	return nil
}

// batchOf returns the counts of batch id (made if make).
func (s *eventScan) batchOf(id int64, make bool) *batchCounts {
	if s.batch != nil && s.batchID == id {
		return s.batch
	}
	bc := s.batches[id]
	if bc == nil {
		if !make {
			return nil
		}
		bc = &batchCounts{}
		if n := s.groupHints[id]; n > 0 && s.stream == nil {
			bc.dense = slices.Grow(bc.dense, int(n))
		}
		s.batches[id] = bc
	}
	s.batch, s.batchID = bc, id
	return bc
}

// eachGroup checks the stored groups rows gives, each read by read, then
// that no group of events is left without one.
func (s *eventScan) eachGroup(rows *sql.Rows, read func(*groupRow) error) error {
	defer rows.Close()
	var r groupRow
	for rows.Next() {
		r = groupRow{}
		if err := read(&r); err != nil {
			return err
		}
		if err := s.checkGroup(&r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	return s.groupsLeft()
}

// checkGroupsWith checks the stored groups, in entry order, against usage,
// the usage import entries in ID order: a group's entry must be one of
// them, and each of them must have a group.
func (s *eventScan) checkGroupsWith(ctx context.Context, tx *sql.Tx, facts *usageFacts) error {
	usage := facts.rows
	s.postingText = postingTextOf(ctx, tx)
	rows, err := tx.QueryContext(ctx, `SELECT batch_id, group_no, entry_id, first_event, last_event, events FROM import_groups ORDER BY entry_id`)
	if err != nil {
		return err
	}
	next := 0          // usage[:next] have entry IDs up to the last group's
	orphan := int64(0) // the first usage entry without a group
	var g groupRow
	var ints intScan
	dest := ints.bind([]any{&g.id.batch, &g.id.group, &g.entryID, &g.first, &g.last, &g.count})
	err = s.eachGroup(rows, func(r *groupRow) error {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if err := ints.set(rows); err != nil {
			return err
		}
		*r = g
		for ; next < len(usage) && usage[next].id < r.entryID; next++ {
			if orphan == 0 {
				orphan = usage[next].id
			}
		}
		switch {
		case next < len(usage) && usage[next].id == r.entryID:
			r.entry = facts.entry(next)
			next++
		case next > 0 && usage[next-1].id == r.entryID:
			r.entry = facts.entry(next - 1) // a second group on the entry
		}
		return nil
	})
	if err != nil {
		return err
	}
	if orphan == 0 && next < len(usage) {
		orphan = usage[next].id
	}
	if orphan != 0 {
		return broken(orphan, "import entry carries no events")
	}
	return nil
}

// postingTextOf returns a reader of the stored amount of an entry's first
// posting.
func postingTextOf(ctx context.Context, tx *sql.Tx) func(entryID int64) (string, error) {
	return func(entryID int64) (string, error) {
		var amount string
		err := tx.QueryRowContext(ctx, `SELECT amount FROM postings WHERE entry_id = ? AND seq = 1`, entryID).Scan(&amount)
		return amount, err
	}
}

// checkGroupsJoined is checkGroupsWith joining each group to its entry and
// posting in SQL.
func (s *eventScan) checkGroupsJoined(ctx context.Context, tx *sql.Tx) error {
	grows, err := tx.QueryContext(ctx, `SELECT g.batch_id, g.group_no, g.entry_id, g.first_event, g.last_event, g.events,
		en.source, json_extract(en.meta, '$.kind'), p.amount, p.currency, a.name
		FROM import_groups g LEFT JOIN entries en ON en.id = g.entry_id
		LEFT JOIN postings p ON p.entry_id = en.id AND p.seq = 1 LEFT JOIN accounts a ON a.id = p.account_id
		ORDER BY g.entry_id`)
	if err != nil {
		return err
	}
	err = s.eachGroup(grows, func(r *groupRow) error {
		var source, kind, amount, ccy, acct sql.NullString
		if err := grows.Scan(&r.id.batch, &r.id.group, &r.entryID, &r.first, &r.last, &r.count, &source, &kind, &amount, &ccy, &acct); err != nil {
			return err
		}
		if source.String == EntrySourceImport && kind.String == "usage" {
			r.entry = usageEntry{id: r.entryID, amount: amount.String, currency: ccy.String, account: acct.String}
		}
		return nil
	})
	if err != nil {
		return err
	}
	var orphan int64
	switch err := tx.QueryRowContext(ctx, `SELECT en.id FROM entries en LEFT JOIN import_groups g ON g.entry_id = en.id
		WHERE en.source = ? AND json_extract(en.meta, '$.kind') = 'usage' AND g.entry_id IS NULL LIMIT 1`, EntrySourceImport).Scan(&orphan); {
	case err == sql.ErrNoRows:
	case err != nil:
		return err
	default:
		return broken(orphan, "import entry carries no events")
	}
	return nil
}

// checkBatches checks the import batches' counters against the events
// scanned.
func (s *eventScan) checkBatches(ctx context.Context, tx *sql.Tx) error {
	batches := s.batches
	if err := verifyBatchCounts(ctx, tx, batches); err != nil {
		return err
	}
	for b, n := range batches {
		return &VerifyError{Reason: fmt.Sprintf("%d event(s) belong to import batch %d, which does not exist", n.posted, b)}
	}
	return nil
}

// batchCounts is what the stored events of one usage batch count, and
// their sums per import group.
type batchCounts struct {
	posted, late int64
	source       string // the source of its events
	groups       int64  // distinct import groups
	// The groups' sums (events 0: none), by group number in dense while
	// the numbers are small, as an import numbers them (0, 1, 2, ...), else
	// in other: a map of 1M groups cost 1.4 s of CPU at 1M events.
	dense []groupSum
	other map[int64]*groupSum
}

// group returns the sum of group n (made if make, else nil if it has none).
func (bc *batchCounts) group(n int64, make bool) *groupSum {
	if n >= 0 && n < int64(len(bc.dense)) {
		return &bc.dense[n]
	}
	if make && n >= 0 && n <= 2*int64(len(bc.dense))+1024 && bc.other == nil {
		bc.dense = slices.Grow(bc.dense, int(n)+1-len(bc.dense))
		bc.dense = bc.dense[:cap(bc.dense)]
		return &bc.dense[n]
	}
	g := bc.other[n]
	if g == nil && make {
		if bc.other == nil {
			bc.other = map[int64]*groupSum{}
		}
		g = &groupSum{}
		bc.other[n] = g
	}
	return g
}

// groupLeft returns the group with the smallest number whose events were
// not taken, if any.
func (bc *batchCounts) groupLeft() (int64, *groupSum) {
	var first int64
	var left *groupSum
	for n := range bc.dense {
		if bc.dense[n].events > 0 {
			first, left = int64(n), &bc.dense[n]
			break
		}
	}
	for n, g := range bc.other {
		if g.events > 0 && (left == nil || n < first) {
			first, left = n, g
		}
	}
	return first, left
}

// verifyBatchCounts checks every import batch's counters against what is
// stored, deleting the batches it saw from events: a usage batch's posted
// and late counts are its events and its late events, entries its import
// groups, rejected its stored rejects (partial mode; none in default
// mode), and rows = posted + duplicates + rejected; a rates batch's posted
// count is its rates, and rows = posted + duplicates.
func verifyBatchCounts(ctx context.Context, tx *sql.Tx, events map[int64]*batchCounts) error {
	rejectsFrom, err := migrationApplied(ctx, tx, "0009_import_rejects.sql")
	if err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT b.id, b.kind, b.source, b.mode, b.rows, b.posted, b.duplicates, b.rejected, b.late, b.entries, b.started_at, b.finished_at,
		(SELECT count(*) FROM import_rejects r WHERE r.batch_id = b.id),
		(SELECT count(*) FROM fx_rates f WHERE f.batch_id = b.id)
		FROM import_batches b ORDER BY b.id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, nRows, posted, dups, rejected, late, entries, rejects, rates int64
		var kind, source, mode, started string
		var finished sql.NullString
		if err := rows.Scan(&id, &kind, &source, &mode, &nRows, &posted, &dups, &rejected, &late, &entries, &started, &finished, &rejects, &rates); err != nil {
			return err
		}
		key := fmt.Sprintf("id=%d", id)
		for i, at := range []sql.NullString{{String: started, Valid: true}, finished} {
			if _, err := parseTime(at.String); at.Valid && err != nil {
				column := [2]string{"started_at", "finished_at"}[i]
				return &VerifyError{Reason: fmt.Sprintf("import_batches %s: %s %q is not a timestamp revshare writes", key, column, at.String)}
			}
		}
		bad := func(column string, expected, found int64, from string) error {
			return factError("import_batches", key, column, fmt.Sprintf("%d (%s)", expected, from), fmt.Sprint(found))
		}
		if kind == "rates" {
			switch {
			case posted != rates:
				return bad("posted", rates, posted, "its stored rates")
			case nRows != posted+dups:
				return bad("rows", posted+dups, nRows, "posted + duplicates")
			case rejected != 0, late != 0, entries != 0:
				return bad("rejected, late and entries", 0, rejected+late+entries, "a rates batch stores none")
			}
			continue
		}
		ev := events[id]
		delete(events, id)
		if ev == nil {
			ev = &batchCounts{}
		}
		wantRejects := rejects
		if st, err := time.Parse(time.RFC3339Nano, started); mode == "partial" && (err != nil || rejectsFrom.IsZero() || st.Before(rejectsFrom)) {
			wantRejects = rejected // stored before rejects were (0009)
		}
		switch {
		case ev.posted > 0 && source != ev.source:
			return factError("import_batches", key, "source", ev.source+" (the source of its events)", source)
		case posted != ev.posted:
			return bad("posted", ev.posted, posted, "its stored events")
		case late != ev.late:
			return bad("late", ev.late, late, "its stored late events")
		case entries != ev.groups:
			return bad("entries", ev.groups, entries, "its import groups")
		case rejected != wantRejects:
			return bad("rejected", wantRejects, rejected, "its stored rejects")
		case nRows != posted+dups+rejected:
			return bad("rows", posted+dups+rejected, nRows, "posted + duplicates + rejected")
		}
	}
	return rows.Err()
}
