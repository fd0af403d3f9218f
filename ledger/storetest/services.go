package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/usage"
)

// The suites of this file test the services of ledger/services.go and
// contracts.ContractStore, one function per service, so that a backend runs
// those it implements:
//
//	func TestTokens(t *testing.T) {
//		storetest.RunTokens(t, func(t *testing.T, clock ledger.Clock) ledger.TokenStore { return openDB(t, clock) })
//	}

// EventBackend is what RunEvents needs: an importer to store events, and
// the store under test.
type EventBackend interface {
	usage.Importer
	ledger.EventStore
}

// ImportBackend is what RunImports needs: an importer and the store of
// what it recorded.
type ImportBackend interface {
	usage.Importer
	ledger.ImportStore
}

// eventsFile has events that differ in every field a filter reads.
const eventsFile = "event_id,occurred_at,seller,channel,customer,product,region,quantity,unit_price,amount,currency\n" +
	"f1,2026-01-05,openai,azure,acme,gpt,us,,,10,USD\n" +
	"f2,2026-01-05T10:30:00Z,openai,azure,acme,dalle,eu,,,20.50,EUR\n" +
	"f3,2026-01-06,openai,aws,globex,gpt,eu,3,10.00,30.00,USD\n" +
	"f4,2026-01-06,openai,azure,globex,gpt,us,,,40,EUR\n" +
	"f5,2026-01-07,microsoft,azure,acme,gpt,us,,,-5.25,USD\n" +
	"f6,2026-01-07,openai,azure,initech,whisper,apac,,,60,JPY\n"

func importEvents(t *testing.T, imp usage.Importer, source, file, csv string) ledger.ImportResult {
	t.Helper()
	res, err := imp.ImportUsage(context.Background(), strings.NewReader(csv), usage.ImportOptions{Source: source, FileName: file})
	if err != nil {
		t.Fatalf("import %s: %v", file, err)
	}
	return res
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func sha8(s string) string { return sha256Hex(s)[:8] }

// eventsText is "id:event_id" of each event, space-separated.
func eventsText(evs []ledger.Event) string {
	var b []string
	for _, e := range evs {
		b = append(b, fmt.Sprintf("%d:%s", e.ID, e.EventID))
	}
	return strings.Join(b, " ")
}

// wantFiltered checks that Events and EachEvent both read the events want
// (as eventsText writes them) for f; name is the case's.
func wantFiltered(t *testing.T, s ledger.EventStore, name string, f ledger.EventFilter, want string) {
	t.Helper()
	ctx := context.Background()
	evs, err := s.Events(ctx, f)
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	if got := eventsText(evs); got != want {
		t.Errorf("%s: Events %q, want %q", name, got, want)
	}
	var each []ledger.Event
	if err := s.EachEvent(ctx, f, func(e *ledger.Event) error { each = append(each, *e); return nil }); err != nil {
		t.Errorf("%s: EachEvent: %v", name, err)
	}
	if got := eventsText(each); got != want {
		t.Errorf("%s: EachEvent %q, want %q", name, got, want)
	}
}

// RunEvents runs the suite of ledger.EventStore against the backend open
// returns (empty, its "now" from clock).
func RunEvents(t *testing.T, open func(t *testing.T, clock ledger.Clock) EventBackend) {
	ctx := context.Background()
	t.Run("Event", func(t *testing.T) {
		s := open(t, NewClock(T0))
		importEvents(t, s, "crm", "f.csv", eventsFile)
		e, err := s.Event(ctx, 3)
		if err != nil {
			t.Fatal(err)
		}
		q, p := "none", "none"
		if e.Quantity != nil {
			q = ledger.FormatAmount(*e.Quantity)
		}
		if e.UnitPrice != nil {
			p = ledger.FormatAmount(*e.UnitPrice)
		}
		got := fmt.Sprintf("%d %s %s %s %s %s %s %s %s %sx%s %s %s batch=%d late=%t dateonly=%t", e.ID, e.Source, e.EventID, e.OccurredAt.UTC().Format(time.RFC3339),
			e.Seller, e.Channel, e.Customer, e.Product, e.Region, q, p, ledger.FormatAmount(e.Amount), e.Currency, e.BatchID, e.Late, e.DateOnly)
		if want := "3 crm f3 2026-01-06T00:00:00Z openai aws globex gpt eu 3x10.00 30.00 USD batch=1 late=false dateonly=true"; got != want {
			t.Errorf("event 3:\n got %s\nwant %s", got, want)
		}
		if e.EntryID == 0 {
			t.Errorf("event 3 has no entry")
		}
		e, err = s.Event(ctx, 2)
		if err != nil || e.DateOnly || e.OccurredAt.UTC().Format(time.RFC3339) != "2026-01-05T10:30:00Z" || e.Quantity != nil || ledger.FormatAmount(e.Amount) != "20.50" {
			t.Errorf("event 2: %v at %s date-only %t quantity %v amount %s, want 2026-01-05T10:30:00Z, no quantity, 20.50", err, e.OccurredAt, e.DateOnly, e.Quantity, ledger.FormatAmount(e.Amount))
		}
		_, err = s.Event(ctx, 7)
		WantError(t, err, ledger.ENOTFOUND, "event 7 not found")
	})
	t.Run("EventsFilter", func(t *testing.T) {
		s := open(t, NewClock(T0))
		importEvents(t, s, "crm", "f.csv", eventsFile)
		importEvents(t, s, "billing", "g.csv", "event_id,occurred_at,seller,channel,amount,currency\ng1,2026-02-01,openai,azure,1,USD\n")
		f4, err := s.Event(ctx, 4)
		if err != nil {
			t.Fatal(err)
		}
		d := D
		for _, tc := range []struct {
			name string
			f    ledger.EventFilter
			want string
		}{
			{"none", ledger.EventFilter{}, "1:f1 2:f2 3:f3 4:f4 5:f5 6:f6 7:g1"},
			{"source", ledger.EventFilter{Source: "billing"}, "7:g1"},
			{"unknown source", ledger.EventFilter{Source: "erp"}, ""},
			{"source and event id", ledger.EventFilter{Source: "crm", EventID: "f5"}, "5:f5"},
			{"seller", ledger.EventFilter{Seller: "microsoft"}, "5:f5"},
			{"channel", ledger.EventFilter{Channel: "aws"}, "3:f3"},
			{"customer", ledger.EventFilter{Customer: "acme"}, "1:f1 2:f2 5:f5"},
			{"product", ledger.EventFilter{Product: "gpt"}, "1:f1 3:f3 4:f4 5:f5"},
			{"region", ledger.EventFilter{Region: "eu"}, "2:f2 3:f3"},
			{"currency", ledger.EventFilter{Currency: "EUR"}, "2:f2 4:f4"},
			{"case matters", ledger.EventFilter{Currency: "usd"}, ""},
			{"dates", ledger.EventFilter{From: d("2026-01-06"), To: d("2026-01-07")}, "3:f3 4:f4 5:f5 6:f6"},
			{"from", ledger.EventFilter{From: d("2026-01-07")}, "5:f5 6:f6 7:g1"},
			{"batch", ledger.EventFilter{BatchID: 2}, "7:g1"},
			{"unknown batch", ledger.EventFilter{BatchID: 9}, ""},
			{"entry", ledger.EventFilter{EntryID: f4.EntryID, Product: "gpt", Region: "us"}, "4:f4"},
			{"after", ledger.EventFilter{AfterID: 5}, "6:f6 7:g1"},
			{"limit", ledger.EventFilter{Product: "gpt", Limit: 2}, "1:f1 3:f3"},
			{"after and limit", ledger.EventFilter{Product: "gpt", AfterID: 1, Limit: 2}, "3:f3 4:f4"},
			{"all at once", ledger.EventFilter{Source: "crm", Seller: "openai", Channel: "azure", Customer: "globex", Product: "gpt", Region: "us",
				Currency: "EUR", From: d("2026-01-06"), To: d("2026-01-06"), BatchID: 1}, "4:f4"},
			{"unknown customer", ledger.EventFilter{Customer: "umbrella"}, ""},
			{"customer and product", ledger.EventFilter{Customer: "acme", Product: "gpt"}, "1:f1 5:f5"},
			{"customer, product, region", ledger.EventFilter{Customer: "globex", Product: "gpt", Region: "us"}, "4:f4"},
			{"product and currency", ledger.EventFilter{Product: "gpt", Currency: "USD"}, "1:f1 3:f3 5:f5"},
			{"all four", ledger.EventFilter{Customer: "acme", Product: "gpt", Region: "us", Currency: "USD"}, "1:f1 5:f5"},
			{"with seller", ledger.EventFilter{Seller: "openai", Customer: "acme", Currency: "USD"}, "1:f1"},
			{"with channel", ledger.EventFilter{Channel: "azure", Product: "gpt"}, "1:f1 4:f4 5:f5"},
			{"with dates", ledger.EventFilter{Region: "us", From: d("2026-01-06"), To: d("2026-01-06")}, "4:f4"},
			{"entry alone", ledger.EventFilter{EntryID: f4.EntryID}, "4:f4"},
			{"with entry", ledger.EventFilter{EntryID: f4.EntryID, Customer: "acme"}, ""},
			{"with entry, matching", ledger.EventFilter{EntryID: f4.EntryID, Customer: "globex", Limit: 1}, "4:f4"},
			{"with source", ledger.EventFilter{Source: "crm", Region: "apac"}, "6:f6"},
			{"other source", ledger.EventFilter{Source: "billing", Region: "apac"}, ""},
			// The filters skip rows after SQL: a page must still be full.
			{"limit after cursor", ledger.EventFilter{Product: "gpt", AfterID: 3, Limit: 1}, "4:f4"},
			{"currency limit", ledger.EventFilter{Currency: "JPY", Limit: 1}, "6:f6"},
			{"region after cursor", ledger.EventFilter{Region: "eu", AfterID: 2}, "3:f3"},
		} {
			t.Run(tc.name, func(t *testing.T) { wantFiltered(t, s, tc.name, tc.f, tc.want) })
		}
	})
	t.Run("EventsByID", func(t *testing.T) {
		s := open(t, NewClock(T0))
		importEvents(t, s, "crm", "f.csv", eventsFile)
		all, err := s.Events(ctx, ledger.EventFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			ids  []int64
			want string
		}{
			{[]int64{5, 2, 5, 1}, "5:f5 2:f2 5:f5 1:f1"},
			{[]int64{5, 1, 3, 5}, "5:f5 1:f1 3:f3 5:f5"},
		} {
			evs, err := s.EventsByID(ctx, tc.ids)
			if err != nil {
				t.Fatal(err)
			}
			if got := eventsText(evs); got != tc.want {
				t.Errorf("EventsByID = %q, want %q (the order given)", got, tc.want)
			}
			for _, e := range evs {
				if !reflect.DeepEqual(e, all[e.ID-1]) {
					t.Errorf("EventsByID event %d:\n%+v\nwant (as Events reads it):\n%+v", e.ID, e, all[e.ID-1])
				}
			}
		}
		if evs, err := s.EventsByID(ctx, nil); err != nil || evs == nil || len(evs) != 0 {
			t.Errorf("EventsByID(nil) = %v, %v; want an empty list", evs, err)
		}
		_, err = s.EventsByID(ctx, []int64{1, 99, 98})
		WantError(t, err, ledger.ENOTFOUND, "event 99 not found")
		_, err = s.EventsByID(ctx, []int64{2, 7, 9})
		WantError(t, err, ledger.ENOTFOUND, "event 7 not found")
	})
	t.Run("EachEventStops", func(t *testing.T) {
		s := open(t, NewClock(T0))
		importEvents(t, s, "crm", "f.csv", eventsFile)
		stop := fmt.Errorf("enough")
		n := 0
		err := s.EachEvent(ctx, ledger.EventFilter{}, func(e *ledger.Event) error {
			if n++; n == 2 {
				return stop
			}
			return nil
		})
		if err != stop || n != 2 {
			t.Errorf("EachEvent returned %v after %d events, want the callback's error after 2", err, n)
		}
	})
}

// rejectsFile has two bad rows (lines 3 and 5) between good ones.
const rejectsFile = "event_id,occurred_at,seller,channel,amount,currency\n" +
	"r1,2026-01-05,openai,azure,10,USD\n" +
	"r2,2026-01-05,openai,azure,abc,USD\n" +
	"r3,2026-01-06,openai,azure,30,USD\n" +
	"r4,2026-13-01,openai,,40,USD\n"

// RunImports runs the suite of ledger.ImportStore against the backend open
// returns (empty, its "now" from clock).
func RunImports(t *testing.T, open func(t *testing.T, clock ledger.Clock) ImportBackend) {
	ctx := context.Background()
	t.Run("Batches", func(t *testing.T) {
		clock := NewClock(T0)
		s := open(t, clock)
		if bs, err := s.ImportBatches(ctx, 0, 0); err != nil || len(bs) != 0 {
			t.Fatalf("empty store: %v %v", bs, err)
		}
		importEvents(t, s, "crm", "f.csv", eventsFile)
		clock.Advance(1e9)
		importEvents(t, s, "crm", "f.csv", eventsFile) // every row a duplicate
		// A rate batch counts the rates it added as posted.
		rates := "date,from,to,rate\n2026-01-01,EUR,USD,1.10\n"
		if _, err := s.ImportRates(ctx, strings.NewReader(rates), usage.RateImportOptions{FileName: "r.csv"}); err != nil {
			t.Fatal(err)
		}
		bs, err := s.ImportBatches(ctx, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, b := range bs {
			got = append(got, fmt.Sprintf("%d %s %s %s %s/%s rows=%d posted=%d dup=%d rej=%d late=%d sha=%.8s started=%s finished=%t",
				b.ID, b.Kind, b.Source, b.File, b.Mode, b.Status, b.Rows, b.Posted, b.Duplicates, b.Rejected, b.Late, b.SHA256,
				b.StartedAt.UTC().Format("15:04:05"), !b.FinishedAt.IsZero()))
		}
		want := []string{
			"1 usage crm f.csv all/complete rows=6 posted=6 dup=0 rej=0 late=0 sha=" + sha8(eventsFile) + " started=09:00:00 finished=true",
			"2 usage crm f.csv all/complete rows=6 posted=0 dup=6 rej=0 late=0 sha=" + sha8(eventsFile) + " started=09:00:01 finished=true",
			"3 rates rates r.csv all/complete rows=1 posted=1 dup=0 rej=0 late=0 sha=" + sha8(rates) + " started=09:00:01 finished=true",
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("batches:\n got %q\nwant %q", got, want)
		}
		if bs[0].Entries == 0 || bs[1].Entries != 0 {
			t.Errorf("entries of batches 1 and 2: %d and %d, want some and none", bs[0].Entries, bs[1].Entries)
		}
		if page, err := s.ImportBatches(ctx, 1, 1); err != nil || len(page) != 1 || page[0].ID != 2 {
			t.Errorf("after 1, limit 1: %v %v, want batch 2", page, err)
		}
		b, err := s.ImportBatch(ctx, 3)
		if err != nil || !reflect.DeepEqual(b, bs[2]) {
			t.Errorf("ImportBatch(3) = %+v, %v; want %+v", b, err, bs[2])
		}
		_, err = s.ImportBatch(ctx, 4)
		WantError(t, err, ledger.ENOTFOUND, "import 4 not found")
	})
	t.Run("Rejects", func(t *testing.T) {
		s := open(t, NewClock(T0))
		importEvents(t, s, "crm", "f.csv", eventsFile)
		res, err := s.ImportUsage(ctx, strings.NewReader(rejectsFile), usage.ImportOptions{Source: "crm", FileName: "r.csv",
			AllowPartial: true, SHA256: sha256Hex(rejectsFile)})
		if err != nil {
			t.Fatal(err)
		}
		if res.BatchID != 2 || res.Rows != 4 || res.Posted != 2 || res.Rejected != 2 {
			t.Fatalf("partial import: %+v, want batch 2, 4 rows, 2 posted, 2 rejected", res)
		}
		cols, err := s.ImportRejectColumns(ctx, 2)
		if want := []string{"event_id", "occurred_at", "seller", "channel", "amount", "currency"}; err != nil || !reflect.DeepEqual(cols, want) {
			t.Errorf("reject columns: %q %v, want %q", cols, err, want)
		}
		rjs, err := s.ImportRejects(ctx, 2, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rjs {
			var reasons []string
			for _, e := range r.Errors {
				reasons = append(reasons, e.Column+"="+e.Value)
			}
			got = append(got, fmt.Sprintf("line %d %s %q", r.Line, strings.Join(reasons, ","), r.Record))
		}
		want := []string{
			`line 3 amount=abc ["r2" "2026-01-05" "openai" "azure" "abc" "USD"]`,
			`line 5 occurred_at=2026-13-01,channel= ["r4" "2026-13-01" "openai" "" "40" "USD"]`,
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("rejects:\n got %q\nwant %q", got, want)
		}
		for _, r := range rjs {
			for _, e := range r.Errors {
				if e.Reason == "" {
					t.Errorf("line %d column %s: no reason", r.Line, e.Column)
				}
			}
		}
		if page, err := s.ImportRejects(ctx, 2, 3, 1); err != nil || len(page) != 1 || page[0].Line != 5 {
			t.Errorf("after line 3, limit 1: %v %v, want line 5", page, err)
		}
		// A batch without rejects has none and no columns.
		if rjs, err := s.ImportRejects(ctx, 1, 0, 0); err != nil || len(rjs) != 0 {
			t.Errorf("batch 1 rejects: %v %v, want none", rjs, err)
		}
		if cols, err := s.ImportRejectColumns(ctx, 1); err != nil || cols != nil {
			t.Errorf("batch 1 reject columns: %q %v, want nil", cols, err)
		}
		_, err = s.ImportRejects(ctx, 3, 0, 0)
		WantError(t, err, ledger.ENOTFOUND, "import 3 not found")
		_, err = s.ImportRejectColumns(ctx, 3)
		WantError(t, err, ledger.ENOTFOUND, "import 3 not found")
	})
	// Two sellers (or channels) whose texts differ but whose account
	// segments are equal would book to one revenue account: a text new to
	// the book that shares its segment with another is a bad row.
	t.Run("NamesSharingASegment", func(t *testing.T) {
		s := open(t, NewClock(T0))
		const head = "event_id,occurred_at,seller,channel,amount,currency\n"
		importEvents(t, s, "crm", "a.csv", head+"a1,2026-01-02,Acme,web,10.00,USD\n")
		seg := " would share the accounts of segment %q (lowercased; characters other than a-z, 0-9, '-', '_' and '.' become '_'): write %q if they are the same %s, else rename one"
		for _, c := range []struct{ name, csv, want string }{
			{"stored seller", head + "b1,2026-01-03,Acme,web,1.00,USD\nb2,2026-01-03,acme,web,2.00,USD\n",
				`b.csv:3: column seller: value "acme": seller "acme" and seller "Acme" (in the book)` + fmt.Sprintf(seg, "acme", "Acme", "seller")},
			{"in the file", head + "b1,2026-01-03,Globex Inc,web,1.00,USD\nb2,2026-01-03,globex_inc,web,2.00,USD\n",
				`b.csv:3: column seller: value "globex_inc": seller "globex_inc" and seller "Globex Inc" (line 2)` + fmt.Sprintf(seg, "globex_inc", "Globex Inc", "seller")},
			{"channel", head + "b1,2026-01-03,Acme,Web,1.00,USD\n",
				`b.csv:2: column channel: value "Web": channel "Web" and channel "web" (in the book)` + fmt.Sprintf(seg, "web", "web", "channel")},
		} {
			var got []string
			_, err := s.ImportUsage(ctx, strings.NewReader(c.csv), usage.ImportOptions{Source: "crm", FileName: "b.csv",
				OnReject: func(r *usage.Row) error {
					for _, e := range r.Errors {
						got = append(got, e.Error())
					}
					return nil
				}})
			if !errors.Is(err, usage.ErrBadRows) || len(got) != 1 || got[0] != c.want {
				t.Errorf("%s: %v %q\nwant %s", c.name, err, got, c.want)
			}
		}
		// A partial import rejects the row and imports the others; the
		// spelling already stored imports as before.
		csv := head + "c1,2026-01-04,ACME,web,3.00,USD\nc2,2026-01-04,Acme,web,4.00,USD\n"
		res, err := s.ImportUsage(ctx, strings.NewReader(csv), usage.ImportOptions{Source: "crm", FileName: "c.csv",
			AllowPartial: true, SHA256: sha256Hex(csv)})
		if err != nil || res.Posted != 1 || res.Rejected != 1 {
			t.Fatalf("partial import: %+v %v, want 1 posted, 1 rejected", res, err)
		}
		bs, err := s.ImportBatches(ctx, 0, 0)
		if err != nil || len(bs) != 2 {
			t.Fatalf("batches: %d %v, want 2 (a.csv and c.csv; the refused imports wrote nothing)", len(bs), err)
		}
		rjs, err := s.ImportRejects(ctx, bs[1].ID, 0, 0)
		if err != nil || len(rjs) != 1 || rjs[0].Line != 2 || rjs[0].Errors[0].Value != "ACME" {
			t.Errorf("rejects: %+v %v, want line 2, ACME", rjs, err)
		}
	})
}

// RunTokens runs the suite of ledger.TokenStore against the backend open
// returns (empty, its "now" from clock).
func RunTokens(t *testing.T, open func(t *testing.T, clock ledger.Clock) ledger.TokenStore) {
	ctx := context.Background()
	clock := NewClock(T0)
	s := open(t, clock)
	tok, secret, err := s.CreateToken(ctx, "external audit", "auditor")
	if err != nil {
		t.Fatal(err)
	}
	if want := (ledger.Token{ID: 1, Name: "external audit", Role: "auditor", CreatedAt: T0}); !reflect.DeepEqual(tok, want) {
		t.Errorf("created %+v, want %+v", tok, want)
	}
	if !strings.HasPrefix(secret, "rs_") || len(secret) != 46 {
		t.Errorf("secret %q: want rs_ and 43 characters", secret)
	}
	clock.Advance(60e9)
	if _, _, err := s.CreateToken(ctx, "", "admin"); err != nil {
		t.Fatal(err)
	}
	got, err := s.AuthenticateToken(ctx, secret)
	if err != nil || !reflect.DeepEqual(got, tok) {
		t.Errorf("authenticate: %+v %v, want %+v", got, err, tok)
	}
	for _, bad := range []string{"", "rs_unknown", secret + "x", strings.TrimPrefix(secret, "rs_"), "rs_" + strings.Repeat("a", 200)} {
		_, err := s.AuthenticateToken(ctx, bad)
		WantError(t, err, ledger.EUNAUTHORIZED, "invalid or revoked token")
	}
	_, _, err = s.CreateToken(ctx, "x", "root")
	WantError(t, err, ledger.EINVALID, `unknown role "root" (want auditor, analyst, finance or admin)`)
	_, _, err = s.CreateToken(ctx, strings.Repeat("n", 201), "auditor")
	WantError(t, err, ledger.EINVALID, "token name is 201 bytes long, at most 200 allowed")
	// token list prints the name in a table: a line break or an escape
	// sequence broke it and reached the admin's terminal.
	_, _, err = s.CreateToken(ctx, "audit\n\x1b[31m", "auditor")
	WantError(t, err, ledger.EINVALID, `token name "audit\n\x1b[31m" has control characters or invalid UTF-8: write it on one line, in UTF-8`)

	clock.Advance(60e9)
	if err := s.RevokeToken(ctx, 1); err != nil {
		t.Fatal(err)
	}
	_, err = s.AuthenticateToken(ctx, secret)
	WantError(t, err, ledger.EUNAUTHORIZED, "invalid or revoked token")
	err = s.RevokeToken(ctx, 1)
	if ledger.ErrorCode(err) != ledger.ECONFLICT || !strings.HasPrefix(ledger.ErrorMessage(err), "token 1 was already revoked at 2026-04-01T09:02:00") {
		t.Errorf("revoke again: %v, want a conflict saying when", err)
	}
	err = s.RevokeToken(ctx, 3)
	WantError(t, err, ledger.ENOTFOUND, "no token with id 3")

	ts, err := s.Tokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var list []string
	for _, t := range ts {
		list = append(list, fmt.Sprintf("%d %q %s created %s revoked %t", t.ID, t.Name, t.Role, t.CreatedAt.Format("15:04"), t.Revoked()))
	}
	if want := []string{`1 "external audit" auditor created 09:00 revoked true`, `2 "" admin created 09:01 revoked false`}; !reflect.DeepEqual(list, want) {
		t.Errorf("tokens:\n got %q\nwant %q", list, want)
	}
	if !ts[0].RevokedAt.Equal(T0.Add(120e9)) {
		t.Errorf("revoked at %s, want %s", ts[0].RevokedAt, T0.Add(120e9))
	}
}

// contractDoc is a small contract; rate is its only rule's rate.
func contractDoc(id, currency, rate string) string {
	return "id: " + id + "\nname: Test " + id + "\ncurrency: " + currency + "\ntimezone: UTC\nperiod: month\nparties: [openai, microsoft]\n" +
		"rules:\n  - id: share\n    payer: openai\n    payee: microsoft\n    match: {seller: openai}\n    rate: \"" + rate + "\"\n    from: 2026-01-01\n"
}

// RunContracts runs the suite of contracts.ContractStore against the
// backend open returns (empty, its "now" from clock).
func RunContracts(t *testing.T, open func(t *testing.T, clock ledger.Clock) contracts.ContractStore) {
	ctx := context.Background()
	clock := NewClock(T0)
	s := open(t, clock)
	if cs, err := s.Contracts(ctx); err != nil || len(cs) != 0 {
		t.Fatalf("empty store: %v %v", cs, err)
	}
	_, err := s.Contract(ctx, "deal")
	WantError(t, err, ledger.ENOTFOUND, `contract "deal" not found`)

	save := func(doc string, update bool) (int, error) {
		return s.SaveContract(ctx, ParseContract(t, doc), update)
	}
	if v, err := save(contractDoc("deal", "USD", "0.20"), false); err != nil || v != 1 {
		t.Fatalf("add: version %d, %v; want 1", v, err)
	}
	clock.Advance(60e9)
	if v, err := save(contractDoc("deal", "USD", "0.20"), true); err != nil || v != 1 {
		t.Errorf("update with the same terms: version %d, %v; want 1 (nothing stored)", v, err)
	}
	if v, err := save(contractDoc("deal", "USD", "0.25"), true); err != nil || v != 2 {
		t.Errorf("update: version %d, %v; want 2", v, err)
	}
	if v, err := save(contractDoc("alpha", "EUR", "0.10"), false); err != nil || v != 1 {
		t.Errorf("add alpha: version %d, %v; want 1", v, err)
	}
	_, err = save(contractDoc("deal", "USD", "0.30"), false)
	WantError(t, err, ledger.ECONFLICT, "contract \"deal\" already exists (version 2): use `contract update`")
	_, err = save(contractDoc("beta", "USD", "0.30"), true)
	WantError(t, err, ledger.ENOTFOUND, "contract \"beta\" not found: use `contract add`")
	_, err = save(contractDoc("Deal", "USD", "0.30"), false)
	WantError(t, err, ledger.ECONFLICT, `contract "deal" and contract "Deal" would share the account name segment "deal": choose another id`)

	sc, err := s.Contract(ctx, "deal")
	if err != nil {
		t.Fatal(err)
	}
	if sc.Version != 2 || !sc.RecordedAt.Equal(T0.Add(60e9)) || ledger.FormatAmount(*sc.Contract.Rules[0].Rate) != "0.25" {
		t.Errorf("deal: version %d recorded %s rate %s; want 2, %s, 0.25", sc.Version, sc.RecordedAt, ledger.FormatAmount(*sc.Contract.Rules[0].Rate), T0.Add(60e9))
	}
	cs, err := s.Contracts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cs {
		got = append(got, fmt.Sprintf("%s v%d %s", c.Contract.ID, c.Version, c.Contract.Currency))
	}
	if want := []string{"alpha v1 EUR", "deal v2 USD"}; !reflect.DeepEqual(got, want) {
		t.Errorf("contracts %q, want %q (latest versions, by id)", got, want)
	}
}
