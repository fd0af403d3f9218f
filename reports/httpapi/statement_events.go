package httpapi

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/reports"
)

// StatementLineEventsJSON is one page of the events behind one line (one
// rule) of a period statement: exactly the line's event_ids, in the
// statement's order.
type StatementLineEventsJSON struct {
	Contract   string      `json:"contract"`
	Period     string      `json:"period"`
	Rule       string      `json:"rule"`
	Total      int         `json:"total"` // the line's events on every page
	Items      []EventJSON `json:"items"`
	NextCursor string      `json:"next_cursor"` // "" on the last page
}

// statementLineEvents reads one page of a statement line's events. The
// statement decides which events; the cursor is the last event ID of the
// previous page. Errors: EINVALID for a missing rule or a bad cursor,
// ENOTFOUND for an unknown contract, period or rule.
func (s *Server) statementLineEvents(r *http.Request) (StatementLineEventsJSON, error) {
	out, _, _, err := s.statementLineEventsOf(r)
	return out, err
}

// statementLine reads the statement and the line that the request names
// (path id and period, ?rule=). Errors as statementLineEvents'.
func (s *Server) statementLine(r *http.Request) (*reports.Statement, *reports.RuleLine, error) {
	rule := r.URL.Query().Get("rule")
	if rule == "" {
		return nil, nil, ledger.Errorf(ledger.EINVALID, "missing rule: name the statement line with ?rule=RULE_ID")
	}
	p, err := periodParam(r, "period")
	if err != nil {
		return nil, nil, err
	}
	id := pathVar(r, "id")
	st, err := s.read.Statements.Statement(r.Context(), id, p)
	if err != nil {
		return nil, nil, err
	}
	i := slices.IndexFunc(st.Rules, func(l reports.RuleLine) bool { return l.Rule == rule })
	if i < 0 {
		return nil, nil, ledger.Errorf(ledger.ENOTFOUND, "statement %s %s has no line for rule %q", id, p.Label(), rule)
	}
	return st, &st.Rules[i], nil
}

// statementLineEventsOf is statementLineEvents with the statement and line
// it read.
func (s *Server) statementLineEventsOf(r *http.Request) (out StatementLineEventsJSON, st *reports.Statement, line *reports.RuleLine, err error) {
	pg, after, err := idPageOf(r)
	if err != nil {
		return out, nil, nil, err
	}
	st, line, err = s.statementLine(r)
	if err != nil {
		return out, nil, nil, err
	}
	id, p, rule := st.Contract, st.Period, line.Rule
	ids := line.EventIDs
	start, err := indexAfter(ids, after)
	if err != nil {
		return out, nil, nil, err
	}
	end := min(start+pg.limit, len(ids))
	out = StatementLineEventsJSON{Contract: id, Period: p.Label, Rule: rule, Total: len(ids), Items: make([]EventJSON, 0, end-start)}
	if end < len(ids) {
		out.NextCursor = encodeCursor(strconv.FormatInt(ids[end-1], 10))
	}
	evs, err := s.read.Events.EventsByID(r.Context(), ids[start:end])
	if err != nil {
		if ledger.ErrorCode(err) == ledger.ENOTFOUND {
			// The statement names an event the store does not have: not
			// the caller's mistake.
			return out, nil, nil, fmt.Errorf("statement %s %s rule %s: %s", id, p.Label, rule, ledger.ErrorMessage(err))
		}
		return out, nil, nil, err
	}
	for k := range evs {
		out.Items = append(out.Items, toEventJSON(&evs[k]))
	}
	return out, st, line, nil
}

// indexAfter is where the page after event ID after starts in ids. A
// statement lists a line's events in ascending ID order; should one not,
// the cursor is looked up instead.
func indexAfter(ids []int64, after int64) (int, error) {
	if after == 0 {
		return 0, nil
	}
	if slices.IsSorted(ids) {
		return sort.Search(len(ids), func(i int) bool { return ids[i] > after }), nil
	}
	if i := slices.Index(ids, after); i >= 0 {
		return i + 1, nil
	}
	return 0, ledger.Errorf(ledger.EINVALID, "invalid cursor: pass the next_cursor of a previous page")
}

func (s *Server) listStatementLineEvents(w http.ResponseWriter, r *http.Request) error {
	return serveReport(w, r, s.statementLineEvents,
		func(out StatementLineEventsJSON) ([]EventJSON, string) { return out.Items, out.NextCursor }, eventsCSV)
}
