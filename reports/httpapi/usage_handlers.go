package httpapi

import (
	"net/http"
	"strconv"

	"github.com/revshare/revshare/ledger"
)

// EventJSON is a stored usage event.
type EventJSON struct {
	ID         int64             `json:"id"`
	Source     string            `json:"source"`
	EventID    string            `json:"event_id"`
	OccurredAt string            `json:"occurred_at"`
	Seller     string            `json:"seller"`
	Channel    string            `json:"channel"`
	Customer   string            `json:"customer"`
	Product    string            `json:"product"`
	Region     string            `json:"region"`
	Quantity   string            `json:"quantity,omitempty"`
	UnitPrice  string            `json:"unit_price,omitempty"`
	Amount     string            `json:"amount"`
	Currency   string            `json:"currency"`
	Meta       map[string]string `json:"meta"`
	BatchID    int64             `json:"batch_id"`
	EntryID    int64             `json:"entry_id"`
	Late       bool              `json:"late"`
}

func toEventJSON(e *ledger.Event) EventJSON {
	j := EventJSON{ID: e.ID, Source: e.Source, EventID: e.EventID, Seller: e.Seller, Channel: e.Channel, Customer: e.Customer,
		Product: e.Product, Region: e.Region, Amount: ledger.FormatAmount(e.Amount), Currency: e.Currency, Meta: e.Meta,
		BatchID: e.BatchID, EntryID: e.EntryID, Late: e.Late}
	if e.DateOnly {
		j.OccurredAt = ledger.DateOf(e.OccurredAt.UTC()).String()
	} else {
		j.OccurredAt = timeText(e.OccurredAt)
	}
	if e.Quantity != nil {
		j.Quantity = ledger.FormatAmount(*e.Quantity)
	}
	if e.UnitPrice != nil {
		j.UnitPrice = ledger.FormatAmount(*e.UnitPrice)
	}
	if j.Meta == nil {
		j.Meta = map[string]string{}
	}
	return j
}

// eventKey is an event's cursor key, its ID.
func eventKey(e ledger.Event) string { return strconv.FormatInt(e.ID, 10) }

var eventParams = []string{"source", "seller", "channel", "customer", "product", "region", "currency", "from", "to", "batch", "entry"}

func (s *Server) eventsPage(r *http.Request) ([]EventJSON, string, error) {
	pg, after, err := idPageOf(r)
	if err != nil {
		return nil, "", err
	}
	from, to, err := dateRange(r)
	if err != nil {
		return nil, "", err
	}
	q := r.URL.Query()
	f := ledger.EventFilter{Source: q.Get("source"), Seller: q.Get("seller"), Channel: q.Get("channel"), Customer: q.Get("customer"),
		Product: q.Get("product"), Region: q.Get("region"), Currency: q.Get("currency"), From: from, To: to, AfterID: after, Limit: pg.limit + 1}
	// In a fixed order, so that with both bad the error is always batch's.
	for _, p := range []struct {
		name string
		dst  *int64
	}{{"batch", &f.BatchID}, {"entry", &f.EntryID}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 1 {
				return nil, "", ledger.Errorf(ledger.EINVALID, "invalid %s %q: want a positive whole number", p.name, v)
			}
			*p.dst = n
		}
	}
	evs, err := s.read.Events.Events(r.Context(), f)
	if err != nil {
		return nil, "", err
	}
	evs, next := cutPage(evs, pg.limit, eventKey)
	items := make([]EventJSON, 0, len(evs))
	for i := range evs {
		items = append(items, toEventJSON(&evs[i]))
	}
	return items, next, nil
}

func (s *Server) listEvents(w http.ResponseWriter, r *http.Request) error {
	return serveList(w, r, s.eventsPage, eventsCSV)
}

// eventsCSV writes events as CSV, a row per event.
var eventsCSV = csvTable[EventJSON]{
	header: []string{"id", "source", "event_id", "occurred_at", "seller", "channel", "customer", "product", "region",
		"quantity", "unit_price", "amount", "currency", "batch", "entry", "late"},
	row: func(e EventJSON) []string {
		return []string{strconv.FormatInt(e.ID, 10), e.Source, e.EventID, e.OccurredAt, e.Seller, e.Channel, e.Customer, e.Product, e.Region,
			e.Quantity, e.UnitPrice, e.Amount, e.Currency, strconv.FormatInt(e.BatchID, 10), strconv.FormatInt(e.EntryID, 10), strconv.FormatBool(e.Late)}
	},
}

// eventOf reads the event the path names, for the API and the web view.
func (s *Server) eventOf(r *http.Request) (EventJSON, error) {
	e, err := byPathID(r, "event", s.read.Events.Event)
	if err != nil {
		return EventJSON{}, err
	}
	return toEventJSON(&e), nil
}

func (s *Server) getEvent(w http.ResponseWriter, r *http.Request) error {
	return serveJSON(w, r, s.eventOf)
}

func (s *Server) importsPage(r *http.Request) ([]ledger.ImportBatch, string, error) {
	pg, after, err := idPageOf(r)
	if err != nil {
		return nil, "", err
	}
	bs, err := s.read.Imports.ImportBatches(r.Context(), after, pg.limit+1)
	if err != nil {
		return nil, "", err
	}
	bs, next := cutPage(bs, pg.limit, func(b ledger.ImportBatch) string { return strconv.FormatInt(b.ID, 10) })
	if bs == nil {
		bs = []ledger.ImportBatch{}
	}
	return bs, next, nil
}

func (s *Server) listImports(w http.ResponseWriter, r *http.Request) error {
	return serveList(w, r, s.importsPage, importsCSV)
}

var importsCSV = csvTable[ledger.ImportBatch]{
	header: []string{"id", "kind", "source", "file", "sha256", "mode", "status", "started_at", "finished_at",
		"rows", "posted", "duplicates", "rejected", "late", "entries"},
	row: func(b ledger.ImportBatch) []string {
		n := func(v int64) string { return strconv.FormatInt(v, 10) }
		return []string{n(b.ID), b.Kind, b.Source, b.File, b.SHA256, b.Mode, b.Status, timeText(b.StartedAt), timeText(b.FinishedAt),
			n(b.Rows), n(b.Posted), n(b.Duplicates), n(b.Rejected), n(b.Late), n(b.Entries)}
	},
}

func (s *Server) importDetail(r *http.Request) (ledger.ImportBatch, error) {
	return byPathID(r, "import", s.read.Imports.ImportBatch)
}

func (s *Server) getImport(w http.ResponseWriter, r *http.Request) error {
	return serveJSON(w, r, s.importWithRejects)
}
