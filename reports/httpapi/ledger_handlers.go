package httpapi

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
)

// AccountJSON is an account as listed.
type AccountJSON struct {
	Account    string   `json:"account"`
	Type       string   `json:"type"`
	Currencies []string `json:"currencies"`
}

// BalanceJSON is one account's balance in one currency (debit positive).
type BalanceJSON struct {
	Account  string `json:"account"`
	Type     string `json:"type"`
	Currency string `json:"currency"`
	Balance  string `json:"balance"`
	Debit    string `json:"debit"`
	Credit   string `json:"credit"`
}

// TotalJSON sums a trial balance per currency.
type TotalJSON struct {
	Currency string `json:"currency"`
	Balance  string `json:"balance"` // zero when the ledger balances
	Debits   string `json:"debits"`
	Credits  string `json:"credits"`
	Balanced bool   `json:"balanced"`
}

// TrialBalanceJSON is the trial balance as of a date, as known at an instant.
type TrialBalanceJSON struct {
	AsOf          *string       `json:"as_of"`    // null = all dates
	KnownAt       *string       `json:"known_at"` // null = everything recorded
	ClosedThrough *string       `json:"closed_through"`
	Accounts      []BalanceJSON `json:"accounts"`
	Totals        []TotalJSON   `json:"totals"`
}

func balanceQuery(r *http.Request) (ledger.BalanceQuery, error) {
	asOf, err := dateParam(r, "as_of")
	if err != nil {
		return ledger.BalanceQuery{}, err
	}
	knownAt, err := timeParam(r, "known_at")
	if err != nil {
		return ledger.BalanceQuery{}, err
	}
	return ledger.BalanceQuery{AsOf: asOf, KnownAt: knownAt}, nil
}

// checkAccount accepts an account name or a root ("income"): both select
// the account and everything below it.
func checkAccount(name string) error {
	if _, err := ledger.AccountTypeOf(name); err != nil {
		if _, rerr := ledger.AccountTypeOf(name + ":x"); rerr != nil || strings.Contains(name, ":") {
			return err
		}
	}
	return nil
}

func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func dateText(d ledger.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func toBalanceJSON(b ledger.Balance) BalanceJSON {
	zero := ledger.FormatExact(decimal.Zero, b.Currency)
	j := BalanceJSON{Account: b.Account, Type: string(b.Type), Currency: b.Currency, Balance: ledger.FormatExact(b.Amount, b.Currency), Debit: zero, Credit: zero}
	if b.Amount.Sign() >= 0 {
		j.Debit = j.Balance
	} else {
		j.Credit = ledger.FormatExact(b.Amount.Neg(), b.Currency)
	}
	return j
}

// TrialBalance computes the trial balance report.
func (s *Server) trialBalanceOf(r *http.Request) (TrialBalanceJSON, error) {
	q, err := balanceQuery(r)
	if err != nil {
		return TrialBalanceJSON{}, err
	}
	bals, err := s.read.Journal.TrialBalance(r.Context(), q)
	if err != nil {
		return TrialBalanceJSON{}, err
	}
	closed, err := s.read.Journal.ClosedThrough(r.Context())
	if err != nil {
		return TrialBalanceJSON{}, err
	}
	tb := TrialBalanceJSON{AsOf: orNull(dateText(q.AsOf)), KnownAt: orNull(timeText(q.KnownAt)), ClosedThrough: orNull(dateText(closed)), Accounts: []BalanceJSON{}, Totals: []TotalJSON{}}
	debits, credits := map[string]decimal.Decimal{}, map[string]decimal.Decimal{}
	for _, b := range bals {
		tb.Accounts = append(tb.Accounts, toBalanceJSON(b))
		if b.Amount.Sign() >= 0 {
			debits[b.Currency] = debits[b.Currency].Add(b.Amount)
		} else {
			credits[b.Currency] = credits[b.Currency].Sub(b.Amount)
		}
	}
	sort.Slice(tb.Accounts, func(i, j int) bool {
		a, b := tb.Accounts[i], tb.Accounts[j]
		return a.Account < b.Account || a.Account == b.Account && a.Currency < b.Currency
	})
	for _, c := range ledger.SortedKeys(debits, credits) {
		tb.Totals = append(tb.Totals, TotalJSON{Currency: c, Balance: ledger.FormatExact(debits[c].Sub(credits[c]), c), Debits: ledger.FormatExact(debits[c], c),
			Credits: ledger.FormatExact(credits[c], c), Balanced: debits[c].Equal(credits[c])})
	}
	return tb, nil
}

func (s *Server) trialBalance(w http.ResponseWriter, r *http.Request) error {
	return serveReport(w, r, s.trialBalanceOf, trialBalanceRows, balancesCSV)
}

// trialBalanceRows are the CSV rows of a trial balance: the accounts, then
// a "total" row per currency (debits, credits, and their difference), as
// the CLI's balance --format csv ends with its total row.
func trialBalanceRows(tb TrialBalanceJSON) ([]BalanceJSON, string) {
	rows := append([]BalanceJSON(nil), tb.Accounts...)
	for _, t := range tb.Totals {
		rows = append(rows, BalanceJSON{Account: "total", Currency: t.Currency, Debit: t.Debits, Credit: t.Credits, Balance: t.Balance})
	}
	return rows, ""
}

var balancesCSV = csvTable[BalanceJSON]{
	header: []string{"account", "type", "currency", "debit", "credit", "balance"},
	row: func(b BalanceJSON) []string {
		return []string{b.Account, b.Type, b.Currency, b.Debit, b.Credit, b.Balance}
	},
}

func (s *Server) listAccounts(w http.ResponseWriter, r *http.Request) error {
	return serveList(w, r, s.accountsPage, accountsCSV)
}

// accountsPage reads a page of the accounts with postings, by name; the
// caller checks that there is a ledger backend.
func (s *Server) accountsPage(r *http.Request) ([]AccountJSON, string, error) {
	pg, err := pageOf(r)
	if err != nil {
		return nil, "", err
	}
	bals, err := s.read.Journal.TrialBalance(r.Context(), ledger.BalanceQuery{})
	if err != nil {
		return nil, "", err
	}
	byName := map[string]*AccountJSON{}
	var names []string
	for _, b := range bals {
		a := byName[b.Account]
		if a == nil {
			a = &AccountJSON{Account: b.Account, Type: string(b.Type)}
			byName[b.Account] = a
			names = append(names, b.Account)
		}
		a.Currencies = append(a.Currencies, b.Currency)
	}
	sort.Strings(names)
	names, next := pageFrom(names, pg.limit, func(n string) bool { return n > pg.cursor }, func(n string) string { return n })
	items := make([]AccountJSON, len(names))
	for i, n := range names {
		a := byName[n]
		sort.Strings(a.Currencies)
		items[i] = *a
	}
	return items, next, nil
}

var accountsCSV = csvTable[AccountJSON]{
	header: []string{"account", "type", "currencies"},
	row:    func(a AccountJSON) []string { return []string{a.Account, a.Type, strings.Join(a.Currencies, " ")} },
}

// AccountBalanceJSON is an account's balance, its sub-accounts included.
type AccountBalanceJSON struct {
	Account  string          `json:"account"`
	AsOf     *string         `json:"as_of"`
	KnownAt  *string         `json:"known_at"`
	Balances []CurrencyTotal `json:"balances"`
}

// CurrencyTotal is an amount in one currency.
type CurrencyTotal struct {
	Currency string `json:"currency"`
	Amount   string `json:"amount"`
}

func (s *Server) accountBalance(w http.ResponseWriter, r *http.Request) error {
	name := pathVar(r, "account")
	if err := checkAccount(name); err != nil {
		return err
	}
	q, err := balanceQuery(r)
	if err != nil {
		return err
	}
	sum := func(bals []ledger.Balance) (map[string]decimal.Decimal, bool) {
		m := map[string]decimal.Decimal{}
		found := false
		for _, b := range bals {
			if b.Account == name || strings.HasPrefix(b.Account, name+":") {
				m[b.Currency] = m[b.Currency].Add(b.Amount)
				found = true
			}
		}
		return m, found
	}
	bals, err := s.read.Journal.TrialBalance(r.Context(), q)
	if err != nil {
		return err
	}
	m, found := sum(bals)
	if !found && (q != ledger.BalanceQuery{}) {
		all, err := s.read.Journal.TrialBalance(r.Context(), ledger.BalanceQuery{})
		if err != nil {
			return err
		}
		_, found = sum(all)
	}
	if !found {
		return ledger.Errorf(ledger.ENOTFOUND, "no account %q (nor any below it) has postings", name)
	}
	out := AccountBalanceJSON{Account: name, AsOf: orNull(dateText(q.AsOf)), KnownAt: orNull(timeText(q.KnownAt)), Balances: []CurrencyTotal{}}
	for c, a := range m {
		out.Balances = append(out.Balances, CurrencyTotal{c, ledger.FormatExact(a, c)})
	}
	sort.Slice(out.Balances, func(i, j int) bool { return out.Balances[i].Currency < out.Balances[j].Currency })
	return writeJSON(w, http.StatusOK, out)
}

// EntryJSON is a journal entry.
type EntryJSON struct {
	ID          int64             `json:"id"`
	Source      string            `json:"source"`
	ExternalID  string            `json:"external_id"`
	Date        string            `json:"date"`
	RecordedAt  string            `json:"recorded_at"`
	Description string            `json:"description"`
	Meta        map[string]string `json:"meta"`
	Reverses    int64             `json:"reverses,omitempty"`
	Postings    []PostingJSON     `json:"postings"`
	PrevHash    string            `json:"prev_hash"`
	Hash        string            `json:"hash"`
}

// PostingJSON is one line of an entry (debit positive, credit negative).
type PostingJSON struct {
	Account  string `json:"account"`
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

func toEntryJSON(e *ledger.Entry) EntryJSON {
	j := EntryJSON{ID: e.ID, Source: e.Key.Source, ExternalID: e.Key.ExternalID, Date: e.Date.String(), RecordedAt: timeText(e.RecordedAt),
		Description: e.Description, Meta: e.Meta, Reverses: e.Reverses, PrevHash: e.PrevHash, Hash: e.Hash, Postings: make([]PostingJSON, len(e.Postings))}
	if j.Meta == nil {
		j.Meta = map[string]string{}
	}
	for i, p := range e.Postings {
		j.Postings[i] = PostingJSON{p.Account, ledger.FormatAmount(p.Amount), p.Currency}
	}
	return j
}

func (s *Server) entryFilter(r *http.Request) (ledger.EntryFilter, page, error) {
	pg, after, err := idPageOf(r)
	if err != nil {
		return ledger.EntryFilter{}, pg, err
	}
	from, to, err := dateRange(r)
	if err != nil {
		return ledger.EntryFilter{}, pg, err
	}
	knownAt, err := timeParam(r, "known_at")
	if err != nil {
		return ledger.EntryFilter{}, pg, err
	}
	f := ledger.EntryFilter{From: from, To: to, KnownAt: knownAt, AfterID: after, Limit: pg.limit + 1}
	if a := r.URL.Query().Get("account"); a != "" {
		if _, err := ledger.AccountTypeOf(a); err != nil {
			return f, pg, err
		}
		f.Account = a
	}
	if c := r.URL.Query().Get("contract"); c != "" {
		f.Meta = map[string]string{"contract": c}
	}
	return f, pg, nil
}

// entriesPage reads one page of entries; next is "" on the last page.
func (s *Server) entriesPage(r *http.Request) ([]EntryJSON, string, error) {
	f, pg, err := s.entryFilter(r)
	if err != nil {
		return nil, "", err
	}
	items := []EntryJSON{}
	err = s.read.Journal.EachEntry(r.Context(), f, func(e *ledger.Entry) error {
		items = append(items, toEntryJSON(e))
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	items, next := cutPage(items, pg.limit, func(e EntryJSON) string { return strconv.FormatInt(e.ID, 10) })
	return items, next, nil
}

func (s *Server) listEntries(w http.ResponseWriter, r *http.Request) error {
	format, err := formatParam(r, "json", "csv")
	if err != nil {
		return err
	}
	items, next, err := s.entriesPage(r)
	if err != nil {
		return err
	}
	if format == "csv" {
		var rows [][]string
		for _, e := range items {
			for _, p := range e.Postings {
				rows = append(rows, []string{strconv.FormatInt(e.ID, 10), e.Date, e.RecordedAt, e.Source, e.ExternalID, e.Description, p.Account, p.Amount, p.Currency})
			}
		}
		return writeCSV(w, r, []string{"entry", "date", "recorded_at", "source", "external_id", "description", "account", "amount", "currency"}, rows, next)
	}
	return writeJSON(w, http.StatusOK, list[EntryJSON]{Items: items, NextCursor: next})
}

// EntryDetailJSON is an entry with the source events it carries (the first
// page of them; EventsNext lists the rest).
type EntryDetailJSON struct {
	EntryJSON
	Events     []EventJSON `json:"events"`
	EventsNext string      `json:"events_next,omitempty"`
}

// entryEventsShown bounds the events shown inline with an entry.
const entryEventsShown = 100

// entryDetail reads the entry the path names and its first events;
// EventsNext is the next page of them under eventsPath (the API's or the
// web view's events list).
func (s *Server) entryDetail(r *http.Request, eventsPath string) (EntryDetailJSON, error) {
	e, err := byPathID(r, "entry", s.read.Journal.Entry)
	if err != nil {
		return EntryDetailJSON{}, err
	}
	d := EntryDetailJSON{EntryJSON: toEntryJSON(&e), Events: []EventJSON{}}
	evs, err := s.read.Events.Events(r.Context(), ledger.EventFilter{EntryID: e.ID, Limit: entryEventsShown + 1})
	if err != nil {
		return EntryDetailJSON{}, err
	}
	evs, next := cutPage(evs, entryEventsShown, eventKey)
	for i := range evs {
		d.Events = append(d.Events, toEventJSON(&evs[i]))
	}
	if next != "" {
		d.EventsNext = eventsPath + "?entry=" + strconv.FormatInt(e.ID, 10) + "&cursor=" + next
	}

	return d, nil
}

func (s *Server) getEntry(w http.ResponseWriter, r *http.Request) error {
	d, err := s.entryDetail(r, APIPrefix+"/events")
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}
