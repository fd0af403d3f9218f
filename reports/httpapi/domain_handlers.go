package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/contracts/scenario"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/reports"
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
	id, err := idParam(r, "id", "event")
	if err != nil {
		return EventJSON{}, err
	}
	e, err := s.read.Events.Event(r.Context(), id)
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
	id, err := idParam(r, "id", "import")
	if err != nil {
		return ledger.ImportBatch{}, err
	}
	return s.read.Imports.ImportBatch(r.Context(), id)
}

func (s *Server) getImport(w http.ResponseWriter, r *http.Request) error {
	return serveJSON(w, r, s.importWithRejects)
}

// ContractJSON is a contract as the API shows it (the contract file's
// fields, amounts as strings).
type ContractJSON struct {
	ID         string              `json:"id"`
	Name       string              `json:"name"`
	Version    int                 `json:"version"`
	Currency   string              `json:"currency"`
	Timezone   string              `json:"timezone"`
	Period     string              `json:"period"`
	Rounding   string              `json:"rounding"`
	Parties    []string            `json:"parties"`
	Rules      []RuleJSON          `json:"rules"`
	SharedCaps []SharedCapJSON     `json:"shared_caps,omitempty"`
	Advances   []AdvanceJSON       `json:"advances,omitempty"`
	Amendments []contractAmendment `json:"amendments"`
}

// SharedCapJSON is a cap over several rules of one payer.
type SharedCapJSON struct {
	ID    string            `json:"id"`
	Rules []string          `json:"rules"`
	Cap   map[string]string `json:"cap"`
}

// AdvanceJSON is a recoupable advance.
type AdvanceJSON struct {
	ID         string   `json:"id"`
	Payer      string   `json:"payer"`
	Payee      string   `json:"payee"`
	Date       string   `json:"date"`
	Amount     string   `json:"amount"`
	RecoupFrom []string `json:"recoup_from"`
}

// SplitJSON is one payee's share of a split rule.
type SplitJSON struct {
	Party string `json:"party"`
	Share string `json:"share"`
}

// RuleJSON is a contract rule.
type RuleJSON struct {
	ID         string              `json:"id"`
	Payer      string              `json:"payer"`
	Payee      string              `json:"payee"`
	Payees     []SplitJSON         `json:"payees,omitempty"` // a split rule's payees (payee is then empty)
	Match      map[string][]string `json:"match"`
	Rate       string              `json:"rate,omitempty"`
	Tiers      []map[string]string `json:"tiers,omitempty"`
	TierWindow string              `json:"tier_window,omitempty"`
	From       string              `json:"from,omitempty"`
	Through    string              `json:"through,omitempty"` // inclusive, when the contract wrote the end so
	Until      string              `json:"until,omitempty"`   // exclusive
	Cap        map[string]string   `json:"cap"`
	Minimum    map[string]string   `json:"minimum,omitempty"`
	FXRule     string              `json:"fx_rule,omitempty"`
}

type contractAmendment struct {
	Date string `json:"date"`
	Note string `json:"note"`
}

func toContractJSON(sc contracts.StoredContract) ContractJSON {
	c := sc.Contract
	j := ContractJSON{ID: c.ID, Name: c.Name, Version: sc.Version, Currency: c.Currency, Timezone: c.Timezone, Period: string(c.Period),
		Rounding: string(c.Rounding), Parties: c.Parties, Rules: []RuleJSON{}, Amendments: []contractAmendment{}}
	for _, a := range c.Amendments {
		j.Amendments = append(j.Amendments, contractAmendment{a.Date.String(), a.Note})
	}
	for i := range c.Rules {
		j.Rules = append(j.Rules, toRuleJSON(&c.Rules[i]))
	}
	for _, sc := range c.SharedCaps {
		sj := SharedCapJSON{ID: sc.ID, Rules: sc.Rules, Cap: map[string]string{}}
		for _, l := range sc.Caps() {
			sj.Cap[string(l.Kind)] = ledger.FormatAmount(l.Limit)
		}
		j.SharedCaps = append(j.SharedCaps, sj)
	}
	for _, a := range c.Advances {
		j.Advances = append(j.Advances, AdvanceJSON{ID: a.ID, Payer: a.Payer, Payee: a.Payee, Date: a.Date.String(),
			Amount: ledger.FormatAmount(a.Amount), RecoupFrom: a.RecoupFrom})
	}
	return j
}

func toRuleJSON(r *contracts.Rule) RuleJSON {
	j := RuleJSON{ID: r.ID, Payer: r.Payer, Payee: r.Payee, Match: map[string][]string{}, TierWindow: string(r.TierWindow),
		From: dateText(r.From), Through: dateText(r.Through), Until: dateText(r.Until), Cap: map[string]string{}, FXRule: string(r.FXRule)}
	for k, v := range map[string][]string{"seller": r.Match.Seller, "channel": r.Match.Channel, "customer": r.Match.Customer, "product": r.Match.Product, "region": r.Match.Region} {
		if len(v) > 0 {
			j.Match[k] = v
		}
	}
	// Rates and bounds as written ("0.20", not "0.2").
	if r.Rate != nil {
		j.Rate = ledger.FormatAmount(*r.Rate)
	}
	for _, t := range r.Tiers {
		m := map[string]string{"rate": ledger.FormatAmount(t.Rate)}
		if t.UpTo != nil {
			m["up_to"] = ledger.FormatAmount(*t.UpTo)
		}
		j.Tiers = append(j.Tiers, m)
	}
	if len(r.Tiers) == 0 {
		j.TierWindow = ""
	}
	for _, c := range r.Caps() {
		j.Cap[string(c.Kind)] = ledger.FormatAmount(c.Limit)
	}
	if r.Minimum.PerYear != nil {
		j.Minimum = map[string]string{"per_year": ledger.FormatAmount(*r.Minimum.PerYear)}
	}
	for _, sp := range r.Payees {
		j.Payees = append(j.Payees, SplitJSON{Party: sp.Party, Share: ledger.FormatAmount(sp.Share)})
	}
	return j
}

func (s *Server) contractsPage(r *http.Request) ([]ContractJSON, string, error) {
	pg, err := pageOf(r)
	if err != nil {
		return nil, "", err
	}
	cs, err := s.read.Contracts.Contracts(r.Context())
	if err != nil {
		return nil, "", err
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].Contract.ID < cs[j].Contract.ID })
	cs, next := pageFrom(cs, pg.limit,
		func(c contracts.StoredContract) bool { return pg.cursor == "" || c.Contract.ID > pg.cursor },
		func(c contracts.StoredContract) string { return c.Contract.ID })
	items := make([]ContractJSON, len(cs))
	for i, c := range cs {
		items[i] = toContractJSON(c)
	}
	return items, next, nil
}

func (s *Server) contracts(w http.ResponseWriter, r *http.Request) error {
	if r.Method == http.MethodPost {
		return s.addContract(w, r)
	}
	return serveList(w, r, s.contractsPage, contractsCSV)
}

var contractsCSV = csvTable[ContractJSON]{
	header: []string{"id", "name", "version", "currency", "period", "parties", "rules"},
	row: func(c ContractJSON) []string {
		return []string{c.ID, c.Name, strconv.Itoa(c.Version), c.Currency, c.Period, strings.Join(c.Parties, " "), strconv.Itoa(len(c.Rules))}
	},
}

func (s *Server) addContract(w http.ResponseWriter, r *http.Request) error {
	doc, err := readBody(r)
	if err != nil {
		return err
	}
	c, err := contracts.Parse(doc)
	if err != nil {
		return err
	}
	// POST adds a contract or a new version of one.
	_, existsErr := s.write.Contracts.Contract(r.Context(), c.ID)
	v, err := s.write.Contracts.SaveContract(r.Context(), c, existsErr == nil)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"contract": c.ID, "version": v})
}

func (s *Server) contractOf(r *http.Request) (contracts.StoredContract, error) {
	return s.read.Contracts.Contract(r.Context(), pathVar(r, "id"))
}

func (s *Server) getContract(w http.ResponseWriter, r *http.Request) error {
	c, err := s.contractOf(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toContractJSON(c))
}

func (s *Server) listStatements(w http.ResponseWriter, r *http.Request) error {
	return serveList(w, r, s.statementsPage, statementsCSV)
}

// statementsPage reads a page of a contract's statements; the caller
// checks that there is a statements backend.
func (s *Server) statementsPage(r *http.Request) ([]reports.StatementSummary, string, error) {
	pg, err := pageOf(r)
	if err != nil {
		return nil, "", err
	}
	all, err := s.read.Statements.StatementPeriods(r.Context(), pathVar(r, "id"))
	if err != nil {
		return nil, "", err
	}
	// The page starts after the cursor's period (none when it is not there).
	started := pg.cursor == ""
	items, next := pageFrom(all, pg.limit, func(st reports.StatementSummary) bool {
		if !started {
			started = st.Period == pg.cursor
			return false
		}
		return true
	}, func(st reports.StatementSummary) string { return st.Period })
	return items, next, nil
}

var statementsCSV = csvTable[reports.StatementSummary]{
	header: []string{"period", "status", "hash"},
	row:    func(st reports.StatementSummary) []string { return []string{st.Period, st.Status, st.Hash} },
}

func (s *Server) getStatement(w http.ResponseWriter, r *http.Request) error {
	format, err := formatParam(r, "json", "csv", "md", "html")
	if err != nil {
		return err
	}
	return s.writeStatement(w, r, format)
}

// statementTypes is the Content-Type of each statement format.
var statementTypes = map[string]string{"json": "application/json", "csv": "text/csv; charset=utf-8",
	"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8"}

// statementDownloads is the file extension of each statement format that
// is saved rather than shown when asked for by name (?format=).
var statementDownloads = map[string]string{"json": "json", "csv": "csv", "md": "md"}

// writeStatement writes the statement the path names in format, for the
// API and the web view (HTML links point into the web view). The caller
// checks that there is a statements backend.
func (s *Server) writeStatement(w http.ResponseWriter, r *http.Request, format string) error {
	p, err := periodParam(r, "period")
	if err != nil {
		return err
	}
	st, err := s.read.Statements.Statement(r.Context(), pathVar(r, "id"), p)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if format == "html" {
		err = st.RenderHTML(&buf, "/web")
	} else {
		err = st.Render(&buf, format)
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", statementTypes[format])
	if ext := statementDownloads[format]; ext != "" && r.URL.Query().Get("format") != "" {
		setDownload(w, downloadName(r, ext))
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// CapJSON is a cap's standing, amounts as strings.
type CapJSON struct {
	Rule             string `json:"rule"`
	Shared           string `json:"shared,omitempty"`
	Kind             string `json:"kind"`
	Period           string `json:"period,omitempty"`
	Limit            string `json:"limit"`
	Consumed         string `json:"consumed"`
	Remaining        string `json:"remaining"`
	ProjectedBinding string `json:"projected_binding"`
}

// CapsJSON is the caps report of a contract as of a date.
type CapsJSON struct {
	Contract string    `json:"contract"`
	AsOf     string    `json:"as_of"`
	Caps     []CapJSON `json:"caps"`
}

func (s *Server) capsOf(r *http.Request) (CapsJSON, error) {
	asOf, err := dateParam(r, "as_of")
	if err != nil {
		return CapsJSON{}, err
	}
	id := pathVar(r, "id")
	cs, err := s.read.Caps.CapStatus(r.Context(), id, asOf)
	if err != nil {
		return CapsJSON{}, err
	}
	out := CapsJSON{Contract: id, AsOf: dateText(asOf), Caps: []CapJSON{}}
	for _, c := range cs {
		out.Caps = append(out.Caps, CapJSON{c.Rule, c.Shared, c.Kind, c.Period, ledger.FormatAmount(c.Limit), ledger.FormatAmount(c.Consumed), ledger.FormatAmount(c.Remaining), c.ProjectedBinding})
	}
	return out, nil
}

func (s *Server) getCaps(w http.ResponseWriter, r *http.Request) error {
	return serveReport(w, r, s.capsOf, func(c CapsJSON) ([]CapJSON, string) { return c.Caps, "" }, capsCSV)
}

var capsCSV = csvTable[CapJSON]{
	header: []string{"rule", "kind", "period", "limit", "consumed", "remaining", "projected_binding"},
	row: func(c CapJSON) []string {
		return []string{c.Rule, c.Kind, c.Period, c.Limit, c.Consumed, c.Remaining, c.ProjectedBinding}
	},
}

// RunRequest is the body of POST /runs.
type RunRequest struct {
	Through string `json:"through"`
}

func (s *Server) run(w http.ResponseWriter, r *http.Request) error {
	var req RunRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	p, err := ledger.ParsePeriod(req.Through)
	if err != nil {
		return ledger.Errorf(ledger.EINVALID, "through: %s", err.Error())
	}
	res, err := s.write.Runs.Run(r.Context(), p.Last())
	countResult(s.metrics.RunsTotal, err)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, res)
}

func (s *Server) closePeriod(w http.ResponseWriter, r *http.Request) error {
	p, err := periodParam(r, "period")
	if err != nil {
		return err
	}
	res, err := s.write.Closer.Close(r.Context(), p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, res)
}

// PaymentRequest is the body of POST /payments (amount as a string).
type PaymentRequest struct {
	Contract  string `json:"contract"`
	Payer     string `json:"payer"`
	Payee     string `json:"payee"`
	Amount    string `json:"amount"`
	Date      string `json:"date"`
	Reference string `json:"reference"`
}

func (s *Server) pay(w http.ResponseWriter, r *http.Request) error {
	var req PaymentRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	var missing []string
	for _, f := range []struct{ name, v string }{{"contract", req.Contract}, {"payer", req.Payer}, {"payee", req.Payee}, {"amount", req.Amount}, {"date", req.Date}} {
		if f.v == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return ledger.Errorf(ledger.EINVALID, "missing %s", strings.Join(missing, ", "))
	}
	amt, err := ledger.ParseDecimal(req.Amount)
	if err != nil {
		return ledger.Errorf(ledger.EINVALID, "invalid amount %s", ledger.ErrorMessage(err))
	}
	d, err := ledger.ParseDate(req.Date)
	if err != nil {
		return ledger.Errorf(ledger.EINVALID, "%s", err.Error())
	}
	res, err := s.write.Payments.Pay(r.Context(), contracts.Payment{Contract: req.Contract, Payer: req.Payer, Payee: req.Payee, Amount: amt, Date: d, Reference: req.Reference})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"entry": res.Entry})
}

func (s *Server) scenario(w http.ResponseWriter, r *http.Request) error {
	doc, err := readBody(r)
	if err != nil {
		return err
	}
	res, err := s.read.Scenarios.Evaluate(r.Context(), doc)
	if err != nil {
		return scenarioInvalid(err)
	}
	// The result's own JSON, as revshare scenario --format json writes it.
	var buf bytes.Buffer
	if err := res.WriteJSON(&buf); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, json.RawMessage(buf.Bytes()))
}

// scenarioInvalid is an invalid scenario's error as one EINVALID message
// listing its problems; other errors pass through.
func scenarioInvalid(err error) error {
	var ve *scenario.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	ps := make([]string, len(ve.Problems))
	for i, p := range ve.Problems {
		ps[i] = fmt.Sprint(p)
	}
	return ledger.Errorf(ledger.EINVALID, "invalid scenario: %s", strings.Join(ps, "; "))
}

// TokenRequest is the body of POST /tokens.
type TokenRequest struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

// CreatedTokenJSON is a new token with its secret, shown this once.
type CreatedTokenJSON struct {
	ledger.Token
	Secret string `json:"token"`
}

func (s *Server) tokens(w http.ResponseWriter, r *http.Request) error {
	if r.Method == http.MethodGet {
		pg, after, err := idPageOf(r)
		if err != nil {
			return err
		}
		ts, err := s.write.Tokens.Tokens(r.Context())
		if err != nil {
			return err
		}
		items, next := pageFrom(ts, pg.limit, func(t ledger.Token) bool { return t.ID > after },
			func(t ledger.Token) string { return strconv.FormatInt(t.ID, 10) })
		return writeJSON(w, http.StatusOK, list[ledger.Token]{Items: items, NextCursor: next})
	}
	var req TokenRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	role, err := ParseRole(req.Role)
	if err != nil {
		return err
	}
	t, secret, err := s.write.Tokens.CreateToken(r.Context(), req.Name, string(role))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, CreatedTokenJSON{t, secret})
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r, "id", "token")
	if err != nil {
		return err
	}
	if err := s.write.Tokens.RevokeToken(r.Context(), id); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"revoked": id})
}
