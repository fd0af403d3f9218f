package sqlite

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/usage"
)

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
	e.Meta = maps.Clone(e.Meta)
	for k := range e.Meta {
		if !f.meta[k] {
			delete(e.Meta, k)
		}
	}
	if f.sign {
		// The Type column gives the sign and the file shows magnitudes
		// (a signed amount under a sign column is refused): a negative
		// event is a refund. Its quantity would show negated and its
		// unit price negative, which no such row can say: it is exported
		// by its amount alone.
		if e.Meta == nil {
			e.Meta = map[string]string{}
		}
		e.Meta["Type"] = "sale"
		if e.Amount.IsNegative() {
			e.Meta["Type"] = "refund"
			e.Quantity, e.UnitPrice = nil, nil
		}
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
	// A refund row of a file with a sign column shows the amount negated
	// (a magnitude).
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
