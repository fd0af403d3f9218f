package sqlite

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/storetest"
	"github.com/revshare/revshare/ledger/usage"
)

// TestImportUsageInvariants runs a seeded random mix of usage imports
// (default mode, --allow-partial with tiny chunks, dry runs; duplicates,
// conflicts, repeats inside a file, bad rows, awkward metadata), FX rate
// imports, contract saves and updates, closes and runs on one database, and
// after every operation checks:
//   - db.Verify (events, links, usage sets);
//   - the stored events are exactly the model's (source, event_id) -> content,
//     each once, with the late flag the model expects;
//   - every current contract evaluates from its usage set (with event
//     tracing) to the same lines as the engine over every event, or both
//     fail for a missing FX rate;
//   - an import's counts are exactly the model's prediction, Rows = Posted +
//     Duplicates + Rejected, Posted is the number of new events stored, and
//     a refused import or a dry run leaves the database byte-identical; a
//     run refused for a missing rate writes nothing.
//
// REVSHARE_IMPORT_SEED=N replays a seed; REVSHARE_IMPORT_OPS changes the
// number of operations.
func TestImportUsageInvariants(t *testing.T) {
	seed := time.Now().UnixNano()
	if s := os.Getenv("REVSHARE_IMPORT_SEED"); s != "" {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("REVSHARE_IMPORT_SEED: %v", err)
		}
		seed = v
	}
	ops := 150
	if s := os.Getenv("REVSHARE_IMPORT_OPS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("REVSHARE_IMPORT_OPS: %v", err)
		}
		ops = v
	}
	t.Logf("seed %d (replay: REVSHARE_IMPORT_SEED=%d go test ./ledger/sqlite -run TestImportUsageInvariants)", seed, seed)
	ctx := context.Background()
	clock := storetest.NewClock(storetest.T0)
	db, err := Open(ctx, filepath.Join(t.TempDir(), "inv.db"), clock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := &invState{t: t, rng: rand.New(rand.NewSource(seed)), db: db,
		events: map[string]invStored{}, sellers: map[string]bool{}, rates: map[string]string{}, contracts: map[string]*invContract{}}
	// Usage writers flush every few events, so that one aggregate is often
	// stored as several rows that add up.
	defer func(n int) { usageFlushEvents = n }(usageFlushEvents)
	usageFlushEvents = 1 + s.rng.Intn(8)
	var counts [8]int
	for op := 0; op < ops; op++ {
		s.op, s.ops = op, ops
		clock.Advance(time.Duration(1+s.rng.Intn(3000)) * time.Millisecond)
		switch r := s.rng.Intn(100); {
		case r < 55:
			s.importUsage(ctx)
			counts[0]++
		case r < 65:
			s.importRates(ctx)
			counts[1]++
		case r < 80:
			s.saveContract(ctx)
			counts[2]++
		case r < 86:
			s.closePeriods(ctx)
			counts[3]++
		default:
			s.run(ctx)
			counts[4]++
		}
		s.check(ctx)
	}
	t.Logf("usage writers flush every %d events; a file of more than 512 rows: %v; %d currency changes refused; %d files with amounts near 10^14",
		usageFlushEvents, s.bigDone, s.currencyRefused, s.bigQuads)
	t.Logf("seed %d: %d imports (%d posted, %d duplicates, %d rejected, %d refused), %d rate imports, %d contract saves, %d closes, %d runs (%d refused for FX); %d events stored",
		seed, counts[0], s.posted, s.dups, s.rejected, s.refused, counts[1], counts[2], counts[3], counts[4], s.runRefused, len(s.events))
}

// invStored is the model's view of one stored event.
type invStored struct {
	content     string
	late        bool
	batch, line int64 // where it was imported from; batch 0 while its import runs
}

type invState struct {
	t      *testing.T
	rng    *rand.Rand
	db     *DB
	op     int
	ops    int
	closed ledger.Date

	events    map[string]invStored // source \x00 event_id -> content
	sellers   map[string]bool      // the seller texts of the stored events
	known     []ledger.Event       // every event generated and posted, to repeat
	files     []invPastFile
	bigDone   bool
	nextID    int
	rates     map[string]string // date from to -> rate
	contracts map[string]*invContract

	posted, dups, rejected, refused, runRefused int
	currencyRefused, bigQuads                   int
}

func (s *invState) fatalf(format string, args ...any) {
	s.t.Helper()
	s.t.Fatalf("op %d: %s", s.op, fmt.Sprintf(format, args...))
}

// unchangedSince fails the run, saying format, when the database's digest
// is no longer before: a refused operation must write nothing.
func (s *invState) unchangedSince(before string, format string, args ...any) {
	s.t.Helper()
	if dbDigest(s.t, s.db.r) != before {
		s.fatalf(format, args...)
	}
}

// invContent is the model's content of an event: what makes two versions
// of one (source, event_id) the same (docs/import.md: the instant, whether
// it was a date, the text fields, the values of the numbers, the currency
// and the metadata).
func invContent(e *ledger.Event) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%v|%q|%q|%q|%q|%q|%s|%s", e.OccurredAt.UTC().Format(time.RFC3339Nano), e.DateOnly,
		e.Seller, e.Channel, e.Customer, e.Product, e.Region, e.Amount.String(), e.Currency)
	for _, d := range []*decimal.Decimal{e.Quantity, e.UnitPrice} {
		if d == nil {
			b.WriteString("|-")
		} else {
			b.WriteString("|" + d.String())
		}
	}
	keys := make([]string, 0, len(e.Meta))
	for k := range e.Meta {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "|%q=%q", k, e.Meta[k])
	}
	return b.String()
}

var (
	invSellers    = []string{"a", "b", "A"}
	invChannels   = []string{"direct", "azure", "aws", "gcp"}
	invProducts   = []string{"api", "chat", ""}
	invCustomers  = []string{"c1", "c2", ""}
	invRegions    = []string{"us", "eu", ""}
	invCurrencies = []string{"USD", "EUR", "JPY"}
	invSources    = []string{"", "billing", "crm"}
	// Meta columns: a header with a quote, a comma and non-ASCII text.
	invMetaCols      = []string{"note", `ref "x", y`, "коммент"}
	invMetaVals      = []string{`plain`, "tab\there", `<b>&amp;</b>`, "\u2028sep", `say "hi"`, `a,b`, `back\slash`, `back\"q`, `ünïcødé ✓`, "two\nlines", `{"json": [1]}`, ``, ` spaced `}
	invContractZones = []*time.Location{time.UTC, mustLoc("America/New_York"), mustLoc("Asia/Kolkata")}
	invZones         = []*time.Location{time.UTC, time.FixedZone("", -5*3600), time.FixedZone("", 5*3600+1800), time.FixedZone("", 14*3600), time.FixedZone("", -8*3600)}
)

// invHuge bounds the amounts of events other files may repeat.
var invHuge = decimal.New(1, 12)

func mustLoc(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.Intn(len(xs))] }

// randDate returns a date near a month boundary between 2025-11 and 2026-07.
func (s *invState) randDate() ledger.Date {
	first := ledger.DateOf(time.Date(2025, time.Month(11+s.rng.Intn(9)), 1, 0, 0, 0, 0, time.UTC))
	if s.rng.Intn(4) == 0 {
		return first.AddDays(s.rng.Intn(28))
	}
	return first.AddDays(s.rng.Intn(5) - 2)
}

func (s *invState) randAmount(scale int) decimal.Decimal {
	v := s.rng.Int63n(2_000_000) - 500_000
	if s.rng.Intn(3) == 0 {
		v = s.rng.Int63n(2000) - 500
	}
	return decimal.New(v, -int32(scale))
}

// newEvent generates a fresh event (not yet in the model).
func (s *invState) newEvent() ledger.Event {
	s.nextID++
	id := "e" + strconv.Itoa(s.nextID)
	switch s.rng.Intn(12) {
	case 0:
		id = `q"` + id + `,x`
	case 1:
		id = "é" + id
	case 2:
		id = `bs\` + id
	}
	e := ledger.Event{EventID: id, Seller: pick(s.rng, invSellers), Channel: pick(s.rng, invChannels),
		Customer: pick(s.rng, invCustomers), Product: pick(s.rng, invProducts), Region: pick(s.rng, invRegions),
		Currency: pick(s.rng, invCurrencies)}
	d := s.randDate()
	if s.rng.Intn(2) == 0 {
		e.DateOnly = true
		e.OccurredAt = d.In(time.UTC)
	} else {
		// An instant within a day and a half of the date's midnight UTC.
		off := time.Duration(s.rng.Intn(72*3600)-36*3600) * time.Second
		if s.rng.Intn(4) == 0 {
			off += time.Duration(s.rng.Intn(1000)) * time.Millisecond
		}
		e.OccurredAt = d.In(time.UTC).Add(off).UTC()
		if s.rng.Intn(4) == 0 {
			// Midnight in a contract's time zone, or just before.
			loc := pick(s.rng, invContractZones)
			e.OccurredAt = d.In(loc).Add(pick(s.rng, []time.Duration{0, -time.Second, -time.Millisecond})).UTC()
		}
	}
	if s.rng.Intn(4) == 0 {
		q := decimal.New(1+s.rng.Int63n(50), -int32(s.rng.Intn(3)))
		p := decimal.New(s.rng.Int63n(20000)-5000, -int32(s.rng.Intn(3)))
		e.Quantity, e.UnitPrice, e.Amount = &q, &p, q.Mul(p)
	} else {
		e.Amount = s.randAmount(s.rng.Intn(5))
		if s.rng.Intn(20) == 0 {
			// Up to 18 fractional digits: coefficients leave int64. (The
			// integer part stays small: a run's obligation over 14 integer
			// digits is refused by the journal.)
			sc := 5 + s.rng.Intn(14)
			e.Amount = decimal.New(s.rng.Int63n(2_000_000)-1_000_000, 0).
				Add(decimal.New(s.rng.Int63n(decimal.New(1, int32(sc)).IntPart()), -int32(sc)))
		}
	}
	for _, k := range invMetaCols {
		if v := pick(s.rng, invMetaVals); v != "" && s.rng.Intn(2) == 0 {
			if e.Meta == nil {
				e.Meta = map[string]string{}
			}
			e.Meta[k] = v
		}
	}
	return e
}

// changed returns a version of e with other content.
func (s *invState) changed(e ledger.Event) ledger.Event {
	c := e
	c.Meta = maps.Clone(e.Meta)
	switch s.rng.Intn(5) {
	case 0:
		c.Amount = c.Amount.Add(decimal.New(1, -int32(s.rng.Intn(3))))
		c.Quantity, c.UnitPrice = nil, nil
	case 1:
		c.Channel = pick(s.rng, invChannels) + "x"
	case 2:
		c.OccurredAt = c.OccurredAt.Add(time.Second)
		c.DateOnly = false
	case 3:
		if c.Currency == "USD" {
			c.Currency = "EUR"
		} else {
			c.Currency = "USD"
		}
	default:
		if c.Meta == nil {
			c.Meta = map[string]string{}
		}
		c.Meta[invMetaCols[0]] += "!"
	}
	return c
}

// importUsage generates a file (or takes one imported before), predicts its outcome from the model,
// imports it and compares.
func (s *invState) importUsage(ctx context.Context) {
	var (
		f       *invFile
		source  string
		records [][]string
		file    []byte
	)
	if len(s.files) > 0 && s.rng.Intn(8) == 0 {
		// A file imported (or refused) before, byte for byte, in any mode.
		old := s.files[s.rng.Intn(len(s.files))]
		f, source, records, file = old.f, old.source, old.records, old.file
		if s.rng.Intn(4) == 0 {
			source = pick(s.rng, invSources)
		}
	} else {
		f, source, records, file = s.newUsageFile()
		if len(records) < 100 { // the big file is not imported again: it costs time
			s.files = append(s.files, invPastFile{f, source, records, file})
		}
	}
	sum := sha256.Sum256(file)
	// Each row's physical line: the header is line 1; a field with a
	// newline spans lines.
	lines := make([]int64, len(records))
	line := int64(2)
	for i, rec := range records {
		lines[i] = line
		line++
		for _, v := range rec {
			line += int64(strings.Count(v, "\n"))
		}
	}
	eventIDHeader := f.header[slices.Index(f.cols, "event_id")]

	opts := usage.ImportOptions{Source: source, FileName: fmt.Sprintf("op%d.csv", s.op), Mapping: f.m}
	switch r := s.rng.Intn(10); {
	case r < 4:
		opts.AllowPartial, opts.SHA256, opts.ChunkRows = true, hex.EncodeToString(sum[:]), 1+s.rng.Intn(7)
	case r < 6:
		opts.DryRun = true
	}

	// The prediction: rows in file order against the model.
	type outcome int
	const (
		postedRow outcome = iota
		dupRow
		badRow
	)
	var want ledger.ImportResult
	pending := map[string]invStored{}
	var newKnown []ledger.Event
	outcomes := make([]outcome, len(f.rows))
	type reject struct {
		line     int64
		conflict string // the reason's start for a conflict
	}
	var wantRejects []reject
	// Sellers: a text new to the book whose account segment another
	// spelling holds (stored, or brought earlier by this file) is a bad
	// row ("a" and "A"; usage.checkNames).
	nameOK := map[string]bool{}  // by text, once decided
	taken := map[string]string{} // segment -> the text this file brought
	var newSellers []string      // of the rows posted
	sellerOK := func(v string) bool {
		if ok, seen := nameOK[v]; seen {
			return ok
		}
		seg := ledger.AccountSegment(v)
		ok := true
		if t, has := taken[seg]; has {
			ok = t == v
		} else if !s.sellers[v] {
			for other := range s.sellers {
				if ledger.AccountSegment(other) == seg {
					ok = false
				}
			}
			if ok {
				taken[seg] = v
			}
		}
		nameOK[v] = ok
		return ok
	}
	for i, r := range f.rows {
		want.Rows++
		if r.bad || !sellerOK(strings.TrimSpace(r.ev.Seller)) {
			want.Rejected++
			outcomes[i] = badRow
			wantRejects = append(wantRejects, reject{line: lines[i]})
			continue
		}
		k := s.key(source, strings.TrimSpace(r.ev.EventID))
		content := invContent(&r.ev)
		old, ok := s.events[k]
		where := fmt.Sprintf("imported in batch %d (line %d)", old.batch, old.line)
		if !ok {
			old, ok = pending[k]
			where = fmt.Sprintf("in line %d of this file", old.line)
		}
		switch {
		case ok && old.content == content:
			want.Duplicates++
			outcomes[i] = dupRow
		case ok:
			want.Rejected++
			outcomes[i] = badRow
			wantRejects = append(wantRejects, reject{line: lines[i], conflict: "conflicts with the version " + where + ": "})
		default:
			want.Posted++
			late := !s.closed.IsZero() && !r.ev.AccountingDate().After(s.closed)
			if late {
				want.Late++
			}
			pending[k] = invStored{content: content, late: late, line: lines[i]}
			newSellers = append(newSellers, strings.TrimSpace(r.ev.Seller))
			if r.ev.Amount.Abs().LessThan(invHuge) { // a quad's event alone (another source) would not cancel
				newKnown = append(newKnown, r.ev)
			}
			outcomes[i] = postedRow
		}
	}
	refused := (want.Rejected > 0 && !opts.AllowPartial) || opts.DryRun

	before := dbDigest(s.t, s.db.r)
	evBefore := s.countEvents()
	var gotRejects []reject
	var reasons []string // for failure messages
	opts.OnReject = func(row *usage.Row) error {
		r := reject{line: int64(row.Line)}
		for _, e := range row.Errors {
			reasons = append(reasons, e.Error())
			if strings.HasPrefix(e.Reason, "conflicts with") {
				if e.Column != eventIDHeader || e.Value != strings.TrimSpace(row.Event.EventID) || e.Line != row.Line {
					return fmt.Errorf("line %d: conflict reported as %+v", row.Line, e)
				}
				r.conflict = e.Reason[:strings.Index(e.Reason, ": ")+2]
			}
		}
		gotRejects = append(gotRejects, r)
		return nil
	}
	res, err := s.db.ImportUsage(ctx, bytes.NewReader(file), opts)
	mode := fmt.Sprintf("partial=%v chunk=%d dry=%v source=%q mapping=%v", opts.AllowPartial, opts.ChunkRows, opts.DryRun, source, f.m != nil)
	switch {
	case want.Rejected > 0 && !opts.AllowPartial:
		if !errors.Is(err, usage.ErrBadRows) || ledger.ErrorCode(err) != ledger.EINVALID {
			s.fatalf("import (%s) with %d bad row(s): error %v, want usage.ErrBadRows\n%s", mode, want.Rejected, err, file)
		}
		wantMsg := fmt.Sprintf("%s: %d bad row(s) of %d; nothing imported", opts.FileName, want.Rejected, want.Rows)
		if err.Error() != wantMsg {
			s.fatalf("import error %q, want %q\n%s", err, wantMsg, strings.Join(reasons, "\n"))
		}
	case err != nil:
		s.fatalf("import (%s): %v\n%s", mode, err, file)
	}
	if res.Rows != res.Posted+res.Duplicates+res.Rejected {
		s.fatalf("import (%s): rows %d != posted %d + duplicates %d + rejected %d", mode, res.Rows, res.Posted, res.Duplicates, res.Rejected)
	}
	got := res
	got.BatchID, got.Entries = 0, 0
	if opts.DryRun && opts.SHA256 == "" {
		// A dry run given no hash reports the hash of what it read.
		sum := sha256.Sum256(file)
		want.SHA256 = hex.EncodeToString(sum[:])
	}
	if got != want {
		s.fatalf("import (%s): result %+v, the model predicts %+v\n%s\n%s", mode, got, want, file, strings.Join(reasons, "\n"))
	}
	if !slices.Equal(gotRejects, wantRejects) {
		s.fatalf("import (%s): rejects (line, conflict) %v, the model predicts %v\n%s", mode, gotRejects, wantRejects, file)
	}
	stored := s.countEvents() - evBefore
	if refused {
		if after := dbDigest(s.t, s.db.r); after != before {
			s.fatalf("refused import (%s, %d rejected) changed the database", mode, want.Rejected)
		}
		if res.BatchID != 0 {
			s.fatalf("refused import (%s): batch %d", mode, res.BatchID)
		}
		s.refused++
		return
	}
	if stored != res.Posted {
		s.fatalf("import (%s): posted %d, but %d new events stored", mode, res.Posted, stored)
	}
	if res.BatchID == 0 {
		s.fatalf("import (%s): no batch", mode)
	}
	var b struct{ rows, posted, dups, rejected, late, entries int }
	var status string
	if err := s.db.r.QueryRow(`SELECT status, rows, posted, duplicates, rejected, late, entries FROM import_batches WHERE id = ?`, res.BatchID).
		Scan(&status, &b.rows, &b.posted, &b.dups, &b.rejected, &b.late, &b.entries); err != nil {
		s.fatalf("batch %d: %v", res.BatchID, err)
	}
	if status != "complete" || b.rows != res.Rows || b.posted != res.Posted || b.dups != res.Duplicates || b.rejected != res.Rejected ||
		b.late != res.Late || b.entries != res.Entries {
		s.fatalf("batch %d: %s %+v, import says %+v", res.BatchID, status, b, res)
	}
	var storedRejects int
	if err := s.db.r.QueryRow(`SELECT count(*) FROM import_rejects WHERE batch_id = ?`, res.BatchID).Scan(&storedRejects); err != nil {
		s.fatal(err)
	}
	if opts.AllowPartial && storedRejects != res.Rejected || !opts.AllowPartial && storedRejects != 0 {
		s.fatalf("batch %d (%s): %d stored rejects, %d rejected", res.BatchID, mode, storedRejects, res.Rejected)
	}
	if opts.AllowPartial {
		stored, err := s.db.ImportRejects(ctx, res.BatchID, 0, 1000)
		if err != nil {
			s.fatal(err)
		}
		var gotLines, wantLines []int64
		for _, r := range stored {
			gotLines = append(gotLines, int64(r.Line))
		}
		for _, r := range wantRejects {
			wantLines = append(wantLines, r.line)
		}
		if !slices.Equal(gotLines, wantLines) {
			s.fatalf("batch %d: stored rejects at lines %v, want %v", res.BatchID, gotLines, wantLines)
		}
		for _, r := range stored {
			if rec := records[slices.Index(lines, int64(r.Line))]; !slices.Equal(r.Record, rec) {
				s.fatalf("batch %d: reject at line %d stored as %q, the file has %q", res.BatchID, r.Line, r.Record, rec)
			}
		}
	}
	for k, v := range pending {
		v.batch = res.BatchID
		s.events[k] = v
	}
	for _, v := range newSellers {
		s.sellers[v] = true
	}
	s.known = append(s.known, newKnown...)
	s.posted += res.Posted
	s.dups += res.Duplicates
	s.rejected += res.Rejected
}

func (s *invState) fatal(err error) {
	s.t.Helper()
	s.fatalf("%v", err)
}

func (s *invState) countEvents() int {
	var n int
	if err := s.db.r.QueryRow(`SELECT count(*) FROM events`).Scan(&n); err != nil {
		s.fatal(err)
	}
	return n
}
