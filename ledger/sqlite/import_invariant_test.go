package sqlite

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
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

	"github.com/revshare/revshare/contracts"
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
		events: map[string]invStored{}, rates: map[string]string{}, contracts: map[string]*invContract{}}
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
	c.Meta = maps(e.Meta)
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

func maps(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// invFile is one generated usage CSV and what the model says of its rows.
type invFile struct {
	header []string // as written
	cols   []string // canonical or meta name per column
	meta   map[string]bool
	rows   []invRow

	// A file of another layout, read through a mapping (docs/import.md).
	m          *usage.Mapping
	dec, thou  byte           // number separators (thou 0: none)
	loc        *time.Location // of the date-time layout
	sign       bool           // a Type column (sale / refund) gives the sign, and is kept as metadata
	fixedCur   string         // an empty currency cell means this one
	invRenames map[string]string
}

// invMapped are the other layout's column names.
var invMapped = map[string]string{"event_id": "Transaction ID", "occurred_at": "Booked", "seller": "Vendor", "channel": "Marketplace", "amount": "Net"}

type invRow struct {
	ev  ledger.Event // effective content (meta restricted to the file's columns)
	bad bool
}

var invCanonical = []string{"event_id", "occurred_at", "seller", "channel", "customer", "product", "region", "quantity", "unit_price", "amount", "currency"}

func (s *invState) newFile() *invFile {
	f := &invFile{meta: map[string]bool{}}
	cols := append([]string(nil), invCanonical...)
	for _, m := range invMetaCols {
		if s.rng.Intn(2) == 0 {
			cols = append(cols, m)
			f.meta[m] = true
		}
	}
	f.dec = '.'
	if s.rng.Intn(4) == 0 {
		s.mappedFile(f)
		if f.sign {
			cols = append(cols, "Type")
			f.meta["Type"] = true
		}
	}
	s.rng.Shuffle(len(cols), func(i, j int) { cols[i], cols[j] = cols[j], cols[i] })
	f.cols = cols
	for _, c := range cols {
		h := c
		if r, ok := f.invRenames[c]; ok {
			h = r
		}
		if s.rng.Intn(4) == 0 {
			h = strings.ToUpper(h)
		}
		if f.meta[c] {
			h = c // meta is keyed by the header as written
		}
		f.header = append(f.header, h)
	}
	return f
}

// mappedFile gives f another layout: renamed columns, a day-first date
// layout and a local date-time one, other number separators, a sign
// column, a fixed currency.
func (s *invState) mappedFile(f *invFile) {
	f.invRenames = map[string]string{}
	var y strings.Builder
	y.WriteString("columns:\n")
	for c, r := range invMapped {
		if s.rng.Intn(2) == 0 {
			f.invRenames[c] = r
			fmt.Fprintf(&y, "  %s: %s\n", c, r)
		}
	}
	if len(f.invRenames) == 0 {
		y.WriteString("  seller: seller\n")
	}
	tz := pick(s.rng, []string{"UTC", "Europe/Paris", "Asia/Kolkata"})
	f.loc, _ = time.LoadLocation(tz)
	fmt.Fprintf(&y, "dates:\n  layouts: [\"02.01.2006\", \"2006-01-02 15:04:05\"]\n  timezone: %s\n", tz)
	switch s.rng.Intn(3) {
	case 0:
		f.dec, f.thou = ',', pick(s.rng, []byte{'.', ' ', 0})
	case 1:
		f.dec, f.thou = '.', pick(s.rng, []byte{',', '\'', '_'})
	}
	if f.dec != '.' || f.thou != 0 {
		fmt.Fprintf(&y, "number:\n  decimal: %q\n", string(f.dec))
		if f.thou != 0 {
			fmt.Fprintf(&y, "  thousands: %q\n", string(f.thou))
		}
	}
	if s.rng.Intn(2) == 0 {
		f.sign = true
		y.WriteString("amount:\n  sign_column: Type\n  negative: [refund]\n  positive: [sale]\n")
	}
	if s.rng.Intn(3) == 0 {
		f.fixedCur = pick(s.rng, invCurrencies)
		fmt.Fprintf(&y, "fixed:\n  currency: %s\n", f.fixedCur)
	}
	m, err := usage.ParseMapping("m.yaml", strings.NewReader(y.String()))
	if err != nil {
		s.fatalf("mapping:\n%s\n%v", y.String(), err)
	}
	f.m = m
}

// formatNum writes d with at least its scale (plus up to two zeros), in
// the file's number format, now and then with thousands separators.
func (s *invState) formatNum(f *invFile, d decimal.Decimal) string {
	scale := int32(0)
	if d.Exponent() < 0 {
		scale = -d.Exponent()
	}
	v := d.StringFixed(min(18, scale+int32(s.rng.Intn(3)))) // at most 18 fractional digits
	if f.dec == '.' && f.thou == 0 {
		return v
	}
	sign := ""
	if strings.HasPrefix(v, "-") {
		sign, v = "-", v[1:]
	}
	ip, fp, _ := strings.Cut(v, ".")
	if f.thou != 0 && s.rng.Intn(2) == 0 {
		var g []string
		for len(ip) > 3 {
			g = append([]string{ip[len(ip)-3:]}, g...)
			ip = ip[:len(ip)-3]
		}
		ip = strings.Join(append([]string{ip}, g...), string(f.thou))
	}
	if fp != "" {
		return sign + ip + string(f.dec) + fp
	}
	return sign + ip
}

// effective restricts e's metadata to the file's columns (and gives it a
// sign type in a file with a sign column).
func (s *invState) effective(f *invFile, e ledger.Event) ledger.Event {
	e.Meta = maps(e.Meta)
	for k := range e.Meta {
		if !f.meta[k] {
			delete(e.Meta, k)
		}
	}
	if f.sign && e.Meta["Type"] == "" {
		if e.Meta == nil {
			e.Meta = map[string]string{}
		}
		e.Meta["Type"] = pick(s.rng, []string{"sale", "refund"})
	}
	if len(e.Meta) == 0 {
		e.Meta = nil
	}
	return e
}

// record renders e (and corrupts it when bad) as the file's fields.
func (s *invState) record(f *invFile, e ledger.Event, bad bool) []string {
	spaced := func(v string) string {
		if s.rng.Intn(10) == 0 {
			return " " + v + " "
		}
		return v
	}
	// A refund row of a file with a sign column shows the amount and the
	// quantity negated.
	refund := f.sign && e.Meta["Type"] == "refund"
	num := func(d decimal.Decimal) string { return s.formatNum(f, d) }
	rec := make([]string, len(f.cols))
	corrupt := -1
	if bad {
		corrupt = s.rng.Intn(3)
	}
	for i, c := range f.cols {
		var v string
		switch c {
		case "event_id":
			v = spaced(e.EventID)
		case "occurred_at":
			switch {
			case e.DateOnly && f.m != nil && s.rng.Intn(2) == 0:
				v = e.OccurredAt.Format("02.01.2006")
			case e.DateOnly:
				v = ledger.DateOf(e.OccurredAt).String()
			case f.m != nil && e.OccurredAt.Nanosecond() == 0 && s.rng.Intn(2) == 0:
				v = e.OccurredAt.In(f.loc).Format("2006-01-02 15:04:05")
			default:
				layout := time.RFC3339
				if e.OccurredAt.Nanosecond() != 0 {
					layout = time.RFC3339Nano
				}
				v = e.OccurredAt.In(pick(s.rng, invZones)).Format(layout)
			}
			if corrupt == 0 {
				v = pick(s.rng, []string{"2026-02-30", "2026-13-01", "yesterday", "2026-01-05T10:00:00", "2026-1-5", "2026-04-31T00:00:00Z"})
			}
			v = spaced(v)
		case "seller":
			v = spaced(e.Seller)
		case "channel":
			v = spaced(e.Channel)
		case "customer":
			v = e.Customer
		case "product":
			v = e.Product
		case "region":
			v = e.Region
		case "quantity":
			if e.Quantity != nil {
				q := *e.Quantity
				if refund {
					q = q.Neg()
				}
				v = num(q)
			}
		case "unit_price":
			if e.UnitPrice != nil {
				v = num(*e.UnitPrice)
			}
		case "amount":
			a := e.Amount
			if refund {
				a = a.Neg()
			}
			if e.Quantity == nil || s.rng.Intn(2) == 0 {
				v = num(a)
			}
			switch {
			case corrupt == 1 && f.m != nil:
				v = pick(s.rng, []string{"abc", "NaN", "1e3", "Inf", "--1"})
			case corrupt == 1:
				v = pick(s.rng, []string{"1,000.00", "abc", ".5", "NaN", "1e3", "Inf", "--1", "1.0000000000000000001"})
			case corrupt == 2 && e.Quantity != nil:
				v = num(a.Add(decimal.New(1, -2))) // not quantity × unit_price
			case corrupt == 2:
				v = "12 34 5"
			}
		case "currency":
			v = e.Currency
			if s.rng.Intn(6) == 0 {
				v = strings.ToLower(v)
			}
			if v == f.fixedCur && s.rng.Intn(2) == 0 {
				v = ""
			}
		default:
			v = e.Meta[c]
		}
		rec[i] = v
	}
	return rec
}

func (s *invState) key(source, id string) string {
	if source == "" {
		source = "default"
	}
	return source + "\x00" + id
}

// newUsageFile generates a usage CSV: fresh events, events posted before
// (some changed), rows repeated inside the file (some changed), bad rows.
func (s *invState) newUsageFile() (f *invFile, source string, records [][]string, file []byte) {
	f = s.newFile()
	source = pick(s.rng, invSources)
	n := 1 + s.rng.Intn(25)
	if !s.bigDone && s.op >= s.ops-30 && s.rng.Intn(8) == 0 {
		// Once per run, near the end (every check after it reads its
		// events), a file longer than a parser batch (512 rows).
		n, s.bigDone = 513+s.rng.Intn(40), true
	}
	var inFile []ledger.Event // rows of this file so far, to repeat
	badRate := 0              // one row in badRate is bad; 0: none
	if s.rng.Intn(3) == 0 {
		badRate = 1 + s.rng.Intn(10)
	}
	changes := s.rng.Intn(3) == 0 // conflicts in this file
	quadAt := -1
	if s.rng.Intn(12) == 0 {
		quadAt = s.rng.Intn(n)
		s.bigQuads++
	}
	for i := 0; i < n; i++ {
		if i == quadAt {
			// Four events of one seller, channel, currency and day with
			// amounts near 10^14 that cancel: a group of them sums past the
			// journal's 14 integer digits (the importer splits it), while
			// every rule's base, and so every run, stays in range.
			base := s.newEvent()
			x := decimal.New(9_000_000_000_000_000+s.rng.Int63n(900_000_000_000_000), -2)
			amounts := []decimal.Decimal{x, x, x.Neg(), x.Neg()}
			s.rng.Shuffle(4, func(i, j int) { amounts[i], amounts[j] = amounts[j], amounts[i] })
			for k, a := range amounts {
				e := base
				if k > 0 {
					s.nextID++
					e.EventID = "big" + strconv.Itoa(s.nextID)
				}
				e.Amount, e.Quantity, e.UnitPrice = a, nil, nil
				e = s.effective(f, e)
				records = append(records, s.record(f, e, false))
				f.rows = append(f.rows, invRow{ev: e})
				inFile = append(inFile, e)
			}
		}
		var e ledger.Event
		switch r := s.rng.Intn(20); {
		case r < 3 && len(s.known) > 0: // an event posted before
			e = s.known[s.rng.Intn(len(s.known))]
		case r < 5 && len(s.known) > 0 && changes: // ... changed
			e = s.changed(s.known[s.rng.Intn(len(s.known))])
		case r < 7 && len(inFile) > 0: // a row of this file again
			e = inFile[s.rng.Intn(len(inFile))]
		case r < 8 && len(inFile) > 0 && changes: // ... changed
			e = s.changed(inFile[s.rng.Intn(len(inFile))])
		default:
			e = s.newEvent()
		}
		bad := badRate > 0 && s.rng.Intn(badRate) == 0
		e = s.effective(f, e)
		records = append(records, s.record(f, e, bad))
		f.rows = append(f.rows, invRow{ev: e, bad: bad})
		inFile = append(inFile, e)
	}
	var buf bytes.Buffer
	if s.rng.Intn(5) == 0 {
		buf.WriteString("\ufeff")
	}
	w := csv.NewWriter(&buf)
	w.UseCRLF = s.rng.Intn(3) == 0
	w.Write(f.header)
	w.WriteAll(records)
	return f, source, records, buf.Bytes()
}

type invPastFile struct {
	f       *invFile
	source  string
	records [][]string
	file    []byte
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
	for i, r := range f.rows {
		want.Rows++
		if r.bad {
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

var invPairs = [][2]string{{"EUR", "USD"}, {"JPY", "USD"}, {"USD", "EUR"}, {"JPY", "EUR"}, {"USD", "JPY"}, {"EUR", "JPY"}}

// importRates imports a few rates: new ones, exact repeats, and now and
// then a conflicting one (refused, nothing written).
func (s *invState) importRates(ctx context.Context) {
	var b strings.Builder
	b.WriteString("date,from,to,rate\n")
	inFile := map[string]string{} // key -> the rate this file gave first
	var keys []string
	var want ledger.RateImportResult
	// Now and then a rate for every pair before every event, after which
	// runs and evaluations have every rate they need.
	base := s.rng.Intn(4) == 0
	n := 1 + s.rng.Intn(5)
	if base {
		n = len(invPairs)
	}
	for i := 0; i < n; i++ {
		d := s.randDate().AddDays(-s.rng.Intn(40))
		p := pick(s.rng, invPairs)
		if base {
			d, p = ledger.Date{Year: 2025, Month: 9, Day: 1}, invPairs[i]
		}
		k := d.String() + " " + p[0] + " " + p[1]
		if !base && len(keys) > 0 && s.rng.Intn(6) == 0 { // a key of this file again
			k = keys[s.rng.Intn(len(keys))]
			f := strings.Fields(k)
			d, _ = ledger.ParseDate(f[0])
			p = [2]string{f[1], f[2]}
		}
		rate := decimal.New(1+s.rng.Int63n(200000), -int32(1+s.rng.Intn(4))).String()
		if s.rng.Intn(4) == 0 {
			rate = decimal.New(1+s.rng.Int63n(1_000_000_000_000), -int32(6+s.rng.Intn(8))).String()
		}
		old, ok := s.rates[k]
		if !ok {
			old, ok = inFile[k]
		}
		want.Rows++
		switch {
		case ok && (base || s.rng.Intn(3) > 0): // the same rate, written with more zeros
			rate = old
			if s.rng.Intn(2) == 0 {
				if !strings.Contains(rate, ".") {
					rate += "."
				}
				rate += "00"
			}
			want.Duplicates++
		case ok && !decimal.RequireFromString(old).Equal(decimal.RequireFromString(rate)):
			want.Rejected++
		case ok:
			want.Duplicates++
		default:
			inFile[k] = rate
			keys = append(keys, k)
			want.Added++
		}
		fmt.Fprintf(&b, "%s,%s,%s,%s\n", d, p[0], p[1], rate)
	}
	before := dbDigest(s.t, s.db.r)
	res, err := s.db.ImportRates(ctx, strings.NewReader(b.String()), usage.RateImportOptions{FileName: "rates.csv"})
	got := res
	got.BatchID = 0
	if got != want {
		s.fatalf("rates: %+v, the model predicts %+v (%v)\n%s", res, want, err, b.String())
	}
	if want.Rejected > 0 {
		if !errors.Is(err, usage.ErrBadRows) || res.BatchID != 0 {
			s.fatalf("conflicting rates: batch %d, %v; want usage.ErrBadRows\n%s", res.BatchID, err, b.String())
		}
		if dbDigest(s.t, s.db.r) != before {
			s.fatalf("refused rate import changed the database")
		}
		return
	}
	if err != nil {
		s.fatalf("rates: %v\n%s", err, b.String())
	}
	for k, v := range inFile {
		s.rates[k] = v
	}
}

// invContract is the generator's form of a contract: it renders as YAML.
type invContract struct {
	id, currency, tz, period string
	rules                    []invRule
}

type invRule struct {
	id, payer, payee string
	match            map[string][]string
	rate             string
	tiers            bool
	from, until      string
	untilKey         string // "until" or "through"
	capTotal, capPer string
	fx               string
}

func (c *invContract) yaml() string {
	var b strings.Builder
	fmt.Fprintf(&b, "id: %s\ncurrency: %s\ntimezone: %s\nperiod: %s\nparties: [a, b, m]\nrules:\n", c.id, c.currency, c.tz, c.period)
	for _, r := range c.rules {
		fmt.Fprintf(&b, "  - id: %s\n    payer: %s\n    payee: %s\n", r.id, r.payer, r.payee)
		if len(r.match) > 0 {
			var parts []string
			for _, k := range []string{"seller", "channel", "customer", "product", "region"} {
				if vs, ok := r.match[k]; ok {
					q, _ := json.Marshal(vs)
					parts = append(parts, k+": "+string(q))
				}
			}
			fmt.Fprintf(&b, "    match: {%s}\n", strings.Join(parts, ", "))
		}
		if r.tiers {
			fmt.Fprintf(&b, "    tiers: [{up_to: \"500\", rate: %q}, {rate: \"0.05\"}]\n    tier_window: period\n", r.rate)
		} else {
			fmt.Fprintf(&b, "    rate: %q\n", r.rate)
		}
		if r.from != "" {
			fmt.Fprintf(&b, "    from: %s\n", r.from)
		}
		if r.until != "" {
			fmt.Fprintf(&b, "    %s: %s\n", r.untilKey, r.until)
		}
		if r.capTotal != "" || r.capPer != "" {
			var parts []string
			if r.capTotal != "" {
				parts = append(parts, fmt.Sprintf("total: %q", r.capTotal))
			}
			if r.capPer != "" {
				parts = append(parts, fmt.Sprintf("per_period: %q", r.capPer))
			}
			fmt.Fprintf(&b, "    cap: {%s}\n", strings.Join(parts, ", "))
		}
		if r.fx != "" {
			fmt.Fprintf(&b, "    fx_rule: %s\n", r.fx)
		}
	}
	return b.String()
}

func (s *invState) randRates(r *invRule) {
	r.rate = pick(s.rng, []string{"0.10", "0.2", "0.125", "0.333", "1"})
	r.tiers = s.rng.Intn(5) == 0
	r.capTotal, r.capPer = "", ""
	if s.rng.Intn(3) == 0 {
		r.capTotal = strconv.Itoa(100 * (1 + s.rng.Intn(50)))
	}
	if s.rng.Intn(4) == 0 {
		r.capPer = strconv.Itoa(50 * (1 + s.rng.Intn(20)))
	}
}

// randUsage draws what the usage signature covers: match, window, fx rule.
func (s *invState) randUsage(r *invRule) {
	r.match = map[string][]string{}
	if s.rng.Intn(3) > 0 {
		r.match["seller"] = []string{pick(s.rng, invSellers)}
		if s.rng.Intn(3) == 0 {
			r.match["seller"] = append(r.match["seller"], pick(s.rng, invSellers))
		}
	}
	if s.rng.Intn(2) == 0 {
		r.match["channel"] = []string{pick(s.rng, invChannels), pick(s.rng, invChannels)}
	}
	if s.rng.Intn(4) == 0 {
		r.match["product"] = []string{pick(s.rng, invProducts[:2])}
	}
	if s.rng.Intn(5) == 0 {
		r.match["customer"] = []string{pick(s.rng, invCustomers[:2])}
	}
	if s.rng.Intn(5) == 0 {
		r.match["region"] = []string{pick(s.rng, invRegions[:2])}
	}
	r.from, r.until = "", ""
	if s.rng.Intn(2) == 0 {
		r.from = s.randDate().String()
	}
	if s.rng.Intn(2) == 0 {
		u := s.randDate()
		if r.from != "" {
			f, _ := ledger.ParseDate(r.from)
			if !u.After(f) {
				u = f.AddDays(1 + s.rng.Intn(60))
			}
		}
		r.until, r.untilKey = u.String(), pick(s.rng, []string{"until", "through"})
	}
	r.fx = pick(s.rng, []string{"", "event_date", "period_end"})
}

// newContract draws a contract: a new version may give a rule other
// parties (runs move its bookings, TestRunAfterRulePartiesChange) or the
// contract another currency (refused once obligations are booked,
// TestRunAfterContractCurrencyChange).
func (s *invState) newContract(id string) *invContract {
	c := &invContract{id: id, currency: pick(s.rng, invCurrencies),
		tz:     pick(s.rng, []string{"UTC", "America/New_York", "Asia/Kolkata"}),
		period: pick(s.rng, []string{"month", "month", "quarter"})}
	for i := 0; i < 1+s.rng.Intn(3); i++ {
		r := invRule{id: "r" + strconv.Itoa(i+1)}
		r.payer = pick(s.rng, []string{"a", "b", "m"})
		for r.payee = r.payer; r.payee == r.payer; {
			r.payee = pick(s.rng, []string{"a", "b", "m"})
		}
		s.randUsage(&r)
		s.randRates(&r)
		c.rules = append(c.rules, r)
	}
	return c
}

func (c *invContract) clone() *invContract {
	n := *c
	n.rules = append([]invRule(nil), c.rules...)
	return &n
}

// saveContract adds a contract of the pool, or updates one: rates and caps
// only (same usage signature), or match, window, fx rule or time zone (a
// new signature); now and then it saves the same document again or adds an
// existing id (refused), which must write nothing.
func (s *invState) saveContract(ctx context.Context) {
	id := pick(s.rng, []string{"k1", "k2", "k3", "k4"})
	cur := s.contracts[id]
	var next *invContract
	update := cur != nil
	sameSig := false
	switch {
	case cur == nil:
		next = s.newContract(id)
	case s.rng.Intn(8) == 0: // the same document again
		next, sameSig = cur, true
	case s.rng.Intn(8) == 0: // add an existing id
		next, update = cur.clone(), false
	case s.rng.Intn(2) == 0: // rates and caps only
		next, sameSig = cur.clone(), true
		for i := range next.rules {
			s.randRates(&next.rules[i])
		}
	default:
		next = cur.clone()
		switch s.rng.Intn(4) {
		case 0:
			next.tz = pick(s.rng, []string{"UTC", "America/New_York", "Asia/Kolkata"})
		case 1:
			next = s.newContract(id)
		default:
			i := s.rng.Intn(len(next.rules))
			s.randUsage(&next.rules[i])
		}
	}
	c, err := contracts.Parse([]byte(next.yaml()))
	if err != nil {
		s.fatalf("contract:\n%s\n%v", next.yaml(), err)
	}
	if sameSig {
		old, err := contracts.Parse([]byte(cur.yaml()))
		if err != nil {
			s.fatal(err)
		}
		if old.UsageSignature() != c.UsageSignature() {
			s.fatalf("a rates-only update changed the usage signature:\n%s\n%s", cur.yaml(), next.yaml())
		}
	}
	var booked int
	if err := s.db.r.QueryRow(`SELECT count(*) FROM bookings WHERE contract = ?`, id).Scan(&booked); err != nil {
		s.fatal(err)
	}
	before := dbDigest(s.t, s.db.r)
	_, err = s.db.SaveContract(ctx, c, update)
	if cur != nil && update && next.currency != cur.currency && booked > 0 {
		want := fmt.Sprintf("contract %q: its currency cannot change from %s to %s once obligations are booked under it (%d booking(s)): add a new contract instead",
			id, cur.currency, next.currency, booked)
		if ledger.ErrorCode(err) != ledger.ECONFLICT || ledger.ErrorMessage(err) != want {
			s.fatalf("currency change of %s: %v, want %s", id, err, want)
		}
		if dbDigest(s.t, s.db.r) != before {
			s.fatalf("a refused currency change changed the database")
		}
		s.currencyRefused++
		return
	}
	if cur != nil && !update {
		if ledger.ErrorCode(err) != ledger.ECONFLICT {
			s.fatalf("adding contract %s again: %v, want ECONFLICT", id, err)
		}
		if dbDigest(s.t, s.db.r) != before {
			s.fatalf("a refused contract add changed the database")
		}
		return
	}
	if err != nil {
		s.fatalf("save contract:\n%s\n%v", next.yaml(), err)
	}
	if next == cur && dbDigest(s.t, s.db.r) != before {
		s.fatalf("saving the same contract document again changed the database")
	}
	s.contracts[id] = next
}

func (s *invState) closePeriods(ctx context.Context) {
	d := s.randDate()
	if !s.closed.IsZero() && !d.After(s.closed) {
		d = s.closed.AddDays(1 + s.rng.Intn(20))
	}
	// The product's close: run, close and final statements in one
	// transaction; refused (a missing FX rate), it writes nothing.
	before := dbDigest(s.t, s.db.r)
	if _, err := s.db.ClosePeriod(ctx, d, CloseOptions{}); err != nil {
		var mr *contracts.MissingRateError
		if !errors.As(err, &mr) {
			s.fatalf("close through %s: %v", d, err)
		}
		if dbDigest(s.t, s.db.r) != before {
			s.fatalf("close through %s refused (%v) but changed the database", d, err)
		}
		return
	}
	s.closed = d
}

// run runs every contract through a random date: a refusal must be a
// missing FX rate and write nothing; a second run right after books nothing.
func (s *invState) run(ctx context.Context) {
	through := s.randDate().AddDays(s.rng.Intn(60))
	before := dbDigest(s.t, s.db.r)
	res, err := s.db.Run(ctx, through)
	if err != nil {
		var mr *contracts.MissingRateError
		if !errors.As(err, &mr) || !strings.HasPrefix(err.Error(), "no FX rate from ") {
			s.fatalf("run through %s: %v (want nil or a missing FX rate)", through, err)
		}
		if dbDigest(s.t, s.db.r) != before {
			s.fatalf("run through %s refused (%v) but changed the database", through, err)
		}
		s.runRefused++
		return
	}
	s.checkBooked(ctx, through)
	again, err := s.db.Run(ctx, through)
	if err != nil {
		s.fatalf("second run through %s: %v", through, err)
	}
	for _, rc := range again.Contracts {
		if rc.Entries != 0 {
			s.fatalf("second run through %s booked %d entries for %s (first: %+v)", through, rc.Entries, rc.Contract, res)
		}
	}
}

// check runs the invariants that hold after every operation.
func (s *invState) check(ctx context.Context) {
	s.t.Helper()
	if _, err := s.db.VerifyReport(ctx); err != nil {
		s.fatalf("Verify: %v", err)
	}
	// The stored events are exactly the model's.
	seen := map[string]bool{}
	var events []ledger.Event
	err := s.db.EachEvent(ctx, ledger.EventFilter{}, func(e *ledger.Event) error {
		events = append(events, *e) // its Quantity, UnitPrice and Meta are its own
		k := s.key(e.Source, e.EventID)
		if seen[k] {
			return fmt.Errorf("event %q of source %q stored twice", e.EventID, e.Source)
		}
		seen[k] = true
		want, ok := s.events[k]
		if !ok {
			return fmt.Errorf("event %d (%q of source %q) is not in the model", e.ID, e.EventID, e.Source)
		}
		if got := invContent(e); got != want.content {
			return fmt.Errorf("event %d (%q of source %q):\nstored %s\nmodel  %s", e.ID, e.EventID, e.Source, got, want.content)
		}
		if e.Late != want.late || e.BatchID != want.batch {
			return fmt.Errorf("event %d (%q of source %q): late %v batch %d, model %v %d", e.ID, e.EventID, e.Source, e.Late, e.BatchID, want.late, want.batch)
		}
		return nil
	})
	if err != nil {
		s.fatal(err)
	}
	if len(seen) != len(s.events) {
		s.fatalf("%d events stored, the model has %d", len(seen), len(s.events))
	}
	// Every current contract evaluates from its usage set as from the events.
	rates, err := loadRates(ctx, s.db.r)
	if err != nil {
		s.fatal(err)
	}
	cs, err := s.db.Contracts(ctx)
	if err != nil {
		s.fatal(err)
	}
	if len(cs) != len(s.contracts) {
		s.fatalf("%d contracts stored, the model has %d", len(cs), len(s.contracts))
	}
	for _, sc := range cs {
		c := sc.Contract
		if string(c.Canonical()) != string(mustParse(s, s.contracts[c.ID].yaml()).Canonical()) {
			s.fatalf("contract %s: stored version is not the model's", c.ID)
		}
		for _, d := range []ledger.Date{{Year: 2026, Month: 12, Day: 31}, s.randDate()} {
			s.compareEvaluations(ctx, c, events, c.PeriodOf(d), rates, true)
		}
		// A version with other rates and caps (same signature, not stored)
		// evaluates from the stored set too.
		v := s.contracts[c.ID].clone()
		for i := range v.rules {
			s.randRates(&v.rules[i])
		}
		s.compareEvaluations(ctx, mustParse(s, v.yaml()), events, c.PeriodOf(s.randDate()), rates, false)
	}
}

func mustParse(s *invState, doc string) *contracts.Contract {
	c, err := contracts.Parse([]byte(doc))
	if err != nil {
		s.fatalf("parse:\n%s\n%v", doc, err)
	}
	return c
}

// compareEvaluations evaluates c through p from its usage set and from the
// stored events (read by EachEvent, in ID order), and compares the lines as JSON (event IDs included when traced).
func (s *invState) compareEvaluations(ctx context.Context, c *contracts.Contract, events []ledger.Event, p ledger.Period, rates []ledger.FXRate, trace bool) {
	s.t.Helper()
	fromUsage, ok, uerr := evaluateUsage(ctx, s.db.r, c, p, rates, trace)
	if !ok && uerr == nil {
		s.fatalf("contract %s has no usage set", c.ID)
	}
	fromEvents, eerr := contracts.Compute(c, events, rates, p, contracts.Options{TraceEvents: trace})
	var mu, me *contracts.MissingRateError
	switch {
	case uerr != nil || eerr != nil:
		if !errors.As(uerr, &mu) || !errors.As(eerr, &me) {
			s.fatalf("contract %s through %s: from usage: %v; from events: %v", c.ID, p.Label(), uerr, eerr)
		}
		// Each names the first rate it missed in its own order (aggregates
		// in Rows order, events in ID order): both must truly be missing.
		for _, m := range []*contracts.MissingRateError{mu, me} {
			for _, r := range rates {
				if r.From == m.From && r.To == m.To && !r.Date.After(m.Date) {
					s.fatalf("contract %s through %s: %v, but the rate of %s is stored", c.ID, p.Label(), m, r.Date)
				}
			}
		}
		return
	}
	a, _ := json.Marshal(fromUsage.Lines)
	b, _ := json.Marshal(fromEvents.Lines)
	if string(a) != string(b) {
		s.fatalf("contract %s through %s (trace %v):\nusage  %s\nevents %s\n%s", c.ID, p.Label(), trace, a, b, s.contracts[c.ID].yaml())
	}
}

// checkBooked checks, after a run through the date through, that every
// contract's payables equal what the engine computes: per payer and payee,
// the sum of the lines' totals through the run's period (or the latest
// period booked before, as runContract does), in the contract's currency,
// and nothing in any other currency.
func (s *invState) checkBooked(ctx context.Context, through ledger.Date) {
	s.t.Helper()
	rates, err := loadRates(ctx, s.db.r)
	if err != nil {
		s.fatal(err)
	}
	cs, err := s.db.Contracts(ctx)
	if err != nil {
		s.fatal(err)
	}
	bs, err := s.db.TrialBalance(ctx, ledger.BalanceQuery{})
	if err != nil {
		s.fatal(err)
	}
	for _, sc := range cs {
		c := sc.Contract
		booked, err := loadBooked(ctx, s.db.r, c)
		if err != nil {
			s.fatal(err)
		}
		evalThrough := c.PeriodOf(through)
		for _, b := range booked {
			if b.Period.Freq == evalThrough.Freq && evalThrough.Before(b.Period) {
				evalThrough = b.Period
			}
		}
		res, _, err := evaluateUsage(ctx, s.db.r, c, evalThrough, rates, false)
		if err != nil {
			s.fatalf("contract %s through %s after a run: %v", c.ID, evalThrough.Label(), err)
		}
		want := map[string]decimal.Decimal{} // account -> balance in c.Currency
		for _, ln := range res.Lines {
			a := ledger.SharePayableAccount(ln.Payer, ln.Payee, c.ID)
			want[a] = want[a].Sub(ln.Total)
		}
		suffix := ":" + ledger.AccountSegment(c.ID)
		for _, b := range bs {
			if !strings.HasPrefix(b.Account, "liabilities:revshare:") || !strings.HasSuffix(b.Account, suffix) {
				continue
			}
			w := decimal.Zero
			if b.Currency == c.Currency {
				w = want[b.Account]
				delete(want, b.Account)
			}
			if !b.Amount.Equal(w) {
				s.fatalf("after a run through %s: %s %s = %s, the engine says %s (through %s)\n%s",
					through, b.Account, b.Currency, b.Amount, w, evalThrough.Label(), s.contracts[c.ID].yaml())
			}
		}
		for a, w := range want {
			if !w.IsZero() {
				s.fatalf("after a run through %s: %s %s = 0, the engine says %s", through, a, c.Currency, w)
			}
		}
	}
}

// payables returns the balance of every revenue-share payable of contract
// id, by "account currency".
func payables(t *testing.T, db *DB, id string) map[string]string {
	t.Helper()
	bs, err := db.TrialBalance(context.Background(), ledger.BalanceQuery{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, b := range bs {
		if strings.HasPrefix(b.Account, "liabilities:revshare:") && strings.HasSuffix(b.Account, ":"+id) {
			out[b.Account+" "+b.Currency] = b.Amount.String()
		}
	}
	return out
}

const partiesV1 = `id: k
currency: USD
parties: [a, b, m]
rules:
  - id: r1
    payer: a
    payee: m
    rate: "0.10"
`

// TestRunAfterRulePartiesChange: an update gives rule r1 another payer.
// The run must move the accrual to the new payer (a owes m nothing any
// more, b owes m 10). (Plan used to compare the new total with the amount
// booked for (rule, period) whoever the parties were, and booked nothing.)
func TestRunAfterRulePartiesChange(t *testing.T) {
	ctx := context.Background()
	db := openUsageDB(t)
	saveContract(t, db, partiesV1, false)
	importCSV(t, db, "u.csv", "event_id,occurred_at,seller,channel,amount,currency\ne1,2026-01-10,a,direct,100.00,USD\n", usage.ImportOptions{})
	if _, err := db.Run(ctx, ledger.Date{Year: 2026, Month: 1, Day: 31}); err != nil {
		t.Fatal(err)
	}
	saveContract(t, db, strings.Replace(partiesV1, "payer: a", "payer: b", 1), true)
	if _, err := db.Run(ctx, ledger.Date{Year: 2026, Month: 1, Day: 31}); err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(payables(t, db, "k"))
	if want := `{"liabilities:revshare:a:m:k USD":"0","liabilities:revshare:b:m:k USD":"-10"}`; string(got) != want {
		t.Errorf("payables %s, want %s", got, want)
	}
}

// TestRunAfterContractCurrencyChange: once obligations are booked in USD,
// an update to EUR is refused (the two versions' bookings would mix
// currencies in the contract's payables and statements; Plan used to
// subtract USD from EUR); before any booking it is accepted.
func TestRunAfterContractCurrencyChange(t *testing.T) {
	ctx := context.Background()
	db := openUsageDB(t)
	saveContract(t, db, partiesV1, false)
	eur := strings.Replace(partiesV1, "currency: USD", "currency: EUR", 1)
	saveContract(t, db, eur, true) // nothing booked yet
	saveContract(t, db, partiesV1, true)
	importCSV(t, db, "u.csv", "event_id,occurred_at,seller,channel,amount,currency\ne1,2026-01-10,a,direct,100.00,USD\n", usage.ImportOptions{})
	if _, err := db.Run(ctx, ledger.Date{Year: 2026, Month: 1, Day: 31}); err != nil {
		t.Fatal(err)
	}
	c, err := contracts.Parse([]byte(eur))
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.SaveContract(ctx, c, true)
	want := `contract "k": its currency cannot change from USD to EUR once obligations are booked under it (1 booking(s)): add a new contract instead`
	if ledger.ErrorCode(err) != ledger.ECONFLICT || ledger.ErrorMessage(err) != want {
		t.Fatalf("update to EUR: %v\nwant %s", err, want)
	}
	got, _ := json.Marshal(payables(t, db, "k"))
	if want := `{"liabilities:revshare:a:m:k USD":"-10"}`; string(got) != want {
		t.Errorf("payables %s, want %s", got, want)
	}
}

// TestImportGroupSumOverJournalLimit: rows of the largest input amounts
// (18 integer and 18 fractional digits) of one seller, channel, currency
// and day import into one entry whose posting, their exact sum, passes
// 10^18 (the journal used to refuse a posting of more than 14 integer
// digits, and the importer split such a group into ":part2" entries).
func TestImportGroupSumOverJournalLimit(t *testing.T) {
	ctx := context.Background()
	db := openUsageDB(t)
	const max = "999999999999999999.999999999999999999"
	var csv strings.Builder
	csv.WriteString("event_id,occurred_at,seller,channel,amount,currency\n")
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&csv, "x%d,2026-01-10,a,direct,%s,IDR\n", i, max)
	}
	res, err := db.ImportUsage(ctx, strings.NewReader(csv.String()), usage.ImportOptions{FileName: "big.csv"})
	if err != nil || res.Posted != 1000 || res.Entries != 1 {
		t.Fatalf("import: %+v, %v; want 1000 posted in 1 entry", res, err)
	}
	if _, err := db.VerifyReport(ctx); err != nil {
		t.Fatal(err)
	}
	const sum = "999999999999999999999.999999999999999000" // 1000 × max
	e, err := db.Entry(ctx, 1)
	if err != nil || !strings.HasSuffix(e.Key.ExternalID, ":2026-01-10:false") || ledger.FormatAmount(e.Postings[0].Amount) != sum {
		t.Fatalf("entry: %+v, %v; want one posting of %s", e, err, sum)
	}
	bs, err := db.TrialBalance(ctx, ledger.BalanceQuery{})
	if err != nil || len(bs) != 2 || bs[0].Amount.String() != "999999999999999999999.999999999999999" {
		t.Fatalf("trial balance: %+v, %v", bs, err)
	}
}

// importWithLayout imports one row whose occurred_at is v, read through a
// mapping with the date layout layout in Europe/Paris, and returns the
// stored event's instant.
func importWithLayout(t *testing.T, layout, v string) time.Time {
	t.Helper()
	ctx := context.Background()
	db := openUsageDB(t)
	m, err := usage.ParseMapping("m.yaml", strings.NewReader("dates:\n  layouts: [\""+layout+"\"]\n  timezone: Europe/Paris\n"))
	if err != nil {
		t.Fatal(err)
	}
	var reasons []string
	res, err := db.ImportUsage(ctx, strings.NewReader("event_id,occurred_at,seller,channel,amount,currency\ne1,"+v+",a,direct,1.00,USD\n"),
		usage.ImportOptions{FileName: "m.csv", Mapping: m, OnReject: func(r *usage.Row) error {
			for _, e := range r.Errors {
				reasons = append(reasons, e.Error())
			}
			return nil
		}})
	if err != nil || res.Posted != 1 {
		t.Fatalf("import: %+v, %v %q; want 1 posted", res, err, reasons)
	}
	if _, err := db.VerifyReport(ctx); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	var at time.Time
	if err := db.EachEvent(ctx, ledger.EventFilter{}, func(e *ledger.Event) error { at = e.OccurredAt; return nil }); err != nil {
		t.Fatal(err)
	}
	return at
}

// TestImportLayoutLikeRFC3339: a mapping's layout "2006-01-02T15:04" reads
// "2026-01-05T10:00" as 10:00 in Paris. The event must be stored in
// canonical form (2026-01-05T10:00:00+01:00). (It used to be stored as
// written, since it starts like RFC 3339; the stored event could then not
// be decoded, and Verify and EachEvent failed for the whole database.)
func TestImportLayoutLikeRFC3339(t *testing.T) {
	if at := importWithLayout(t, "2006-01-02T15:04", "2026-01-05T10:00"); !at.Equal(time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("stored at %s, want 2026-01-05T09:00:00Z", at)
	}
}

// TestImportLayoutWithoutOffset: a mapping's layout "2006-01-02T15:04:05"
// with a time zone is how an export of local times without an offset is
// read (docs/import.md: layouts are tried after the canonical forms). (It
// used to be refused: "RFC 3339 timestamp without a time zone offset" was
// returned before the layouts were tried.)
func TestImportLayoutWithoutOffset(t *testing.T) {
	if at := importWithLayout(t, "2006-01-02T15:04:05", "2026-01-05T10:00:00"); !at.Equal(time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("stored at %s, want 2026-01-05T09:00:00Z", at)
	}
}
