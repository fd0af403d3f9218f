package httpapi

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/reports"
	"github.com/shopspring/decimal"
)

// webStatementData is the statement page: the statement's own HTML inside
// the site layout, the neighbouring periods, and its downloads.
type webStatementData struct {
	Statement  *reports.Statement
	Body       template.HTML // reports.RenderHTMLBody's output
	Contract   string        // the contract page
	Prev, Next string        // the neighbouring statements ("" at either end)
	PrevLabel  string
	NextLabel  string
	Downloads  []crumb // CSV, JSON, Markdown, print
}

// webStatement shows a statement in the site layout; with ?format=csv,
// json or md it is a download (as the API's, to the logged-in browser), and
// with ?format=html the statement as a document of its own, for printing.
func (s *Server) webStatement(w http.ResponseWriter, r *http.Request) error {
	if format, err := downloadFormat(r, "csv", "json", "md", "html"); err != nil || format != "" {
		if err != nil {
			return err
		}
		return s.writeStatement(w, r, format)
	}
	p, err := periodParam(r, "period")
	if err != nil {
		return err
	}
	id := pathVar(r, "id")
	st, err := s.read.Statements.Statement(r.Context(), id, p)
	if err != nil {
		return err
	}
	var body bytes.Buffer
	if err := st.RenderHTMLBody(&body, "/web"); err != nil {
		return err
	}
	base := "/web/contracts/" + url.PathEscape(id)
	d := webStatementData{Statement: st, Body: template.HTML(body.String()), Contract: base}
	// The neighbours are the statements the contract page lists.
	if periods, err := s.read.Statements.StatementPeriods(r.Context(), id); err == nil {
		for i, sp := range periods {
			if sp.Period != p.Label() {
				continue
			}
			if i > 0 {
				d.PrevLabel, d.Prev = periods[i-1].Period, base+"/statements/"+periods[i-1].Period
			}
			if i+1 < len(periods) {
				d.NextLabel, d.Next = periods[i+1].Period, base+"/statements/"+periods[i+1].Period
			}
		}
	}
	self := base + "/statements/" + p.Label()
	d.Downloads = []crumb{{"CSV", self + "?format=csv"}, {"JSON", self + "?format=json"}, {"Markdown", self + "?format=md"}, {"Print", self + "?format=html"}}
	title := fmt.Sprintf("%s — %s (%s)", st.Title(), p.Label(), st.Status)
	return s.render(w, r, http.StatusOK, "statement", title, d, crumb{"Contracts", "/web/contracts"}, crumb{id, base})
}

// maxTiedEvents bounds the events a line's events page reads to total
// them; a line with more shows no total.
const maxTiedEvents = 200_000

// lineTotal is the sum of a statement line's events in one currency.
type lineTotal struct {
	Currency string
	Amount   string
}

// webLineEventsData is a statement line's events page.
type webLineEventsData struct {
	StatementLineEventsJSON
	Statement string // the statement page, at the line
	Base      string // the line's base, in Currency
	Currency  string
	Totals    []lineTotal // every event of the line, per currency
	Ties      bool        // the events total exactly the line's base
	Foreign   []string    // the events' currencies other than the contract's (no tie then)
	NoTotal   string      // why there is no total
	First     int         // the position of this page's first event
	Next      string
	CSV       string
}

func (s *Server) webStatementLineEvents(w http.ResponseWriter, r *http.Request) error {
	if format, err := downloadFormat(r, "csv"); err != nil || format != "" {
		if err != nil {
			return err
		}
		return s.webStatementLineEventsCSV(w, r)
	}
	out, st, line, err := s.statementLineEventsOf(r)
	if err != nil {
		return err
	}
	base := "/web/contracts/" + url.PathEscape(st.Contract)
	d := webLineEventsData{StatementLineEventsJSON: out, Base: line.Base, Currency: st.Currency,
		Statement: base + "/statements/" + st.Period.Label + "#rule-" + line.Rule, Next: webNext(r, out.NextCursor), CSV: withFormat(r, "csv")}
	// Where this page starts among the line's events (the IDs are in
	// ascending order; should they not be, the page does not say).
	if len(out.Items) > 0 && sortedIDs(line.EventIDs) {
		d.First = sort.Search(len(line.EventIDs), func(i int) bool { return line.EventIDs[i] >= out.Items[0].ID }) + 1
	}
	if len(line.EventIDs) > maxTiedEvents {
		d.NoTotal = fmt.Sprintf("the line has %d events, more than the %d this page totals", len(line.EventIDs), maxTiedEvents)
	} else {
		sums := map[string]decimal.Decimal{}
		err := s.eachLineEvent(r, line.EventIDs, func(e *ledger.Event) error {
			sums[e.Currency] = sums[e.Currency].Add(e.Amount)
			return nil
		})
		if err != nil {
			return err
		}
		for _, c := range ledger.SortedKeys(sums) {
			d.Totals = append(d.Totals, lineTotal{c, ledger.FormatExact(sums[c], c)})
		}
		// Events in another currency are converted at the contract's FX
		// rates, which this page does not apply: it ties only a line whose
		// events are all in the contract's currency.
		for c := range sums {
			if c != st.Currency {
				d.Foreign = append(d.Foreign, c)
			}
		}
		sort.Strings(d.Foreign)
		baseDec, berr := decimal.NewFromString(line.Base)
		d.Ties = berr == nil && len(d.Foreign) == 0 && sums[st.Currency].Equal(baseDec)
	}
	title := fmt.Sprintf("Events of %s, %s %s", line.Rule, st.Contract, st.Period.Label)
	return s.render(w, r, http.StatusOK, "line_events", title, d,
		crumb{"Contracts", "/web/contracts"}, crumb{st.Contract, base}, crumb{st.Period.Label, base + "/statements/" + st.Period.Label})
}

func sortedIDs(ids []int64) bool {
	return sort.SliceIsSorted(ids, func(i, j int) bool { return ids[i] < ids[j] })
}

// eachLineEvent calls fn with each of the events ids names, in order,
// reading them a page at a time.
func (s *Server) eachLineEvent(r *http.Request, ids []int64, fn func(*ledger.Event) error) error {
	for start := 0; start < len(ids); start += MaxPageSize {
		chunk := ids[start:min(start+MaxPageSize, len(ids))]
		evs, err := s.read.Events.EventsByID(r.Context(), chunk)
		if err != nil {
			if ledger.ErrorCode(err) == ledger.ENOTFOUND {
				return fmt.Errorf("statement line: %s", ledger.ErrorMessage(err)) // stored data, not the caller
			}
			return err
		}
		for i := range evs {
			if err := fn(&evs[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// webStatementLineEventsCSV downloads every event of a statement line (not
// a page of them: a working paper wants the whole line), at most
// maxTiedEvents.
func (s *Server) webStatementLineEventsCSV(w http.ResponseWriter, r *http.Request) error {
	_, line, err := s.statementLine(r)
	if err != nil {
		return err
	}
	if len(line.EventIDs) > maxTiedEvents {
		return ledger.Errorf(ledger.EINVALID, "the line has %d events, more than the %d a download holds: use the API's pages (/api/v1%s?rule=%s&format=csv)",
			len(line.EventIDs), maxTiedEvents, r.URL.Path[len("/web"):], url.QueryEscape(line.Rule))
	}
	rows := make([][]string, 0, len(line.EventIDs))
	err = s.eachLineEvent(r, line.EventIDs, func(e *ledger.Event) error {
		rows = append(rows, eventsCSV.row(toEventJSON(e)))
		return nil
	})
	if err != nil {
		return err
	}
	return writeCSV(w, r, eventsCSV.header, rows, "")
}
