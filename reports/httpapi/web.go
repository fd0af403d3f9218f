package httpapi

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/revshare/revshare/internal/spelling"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/reports"
)

//go:embed templates
var templateFS embed.FS

// webFuncs are the functions the web view's templates may call. money
// groups the integer part of an amount in thousands ("38,000,000,000.00",
// every digit kept): the web view is for people; JSON and CSV stay plain.
var webFuncs = template.FuncMap{
	"money": ledger.GroupThousands,
	// count is "1 row" or "3 rows" (spelling.Count).
	"count": spelling.Count[int64],
	"add": func(xs ...int) int {
		n := 0
		for _, x := range xs {
			n += x
		}
		return n
	},
}

// pages are the web view's templates, each with the shared layout.
var pages = func() map[string]*template.Template {
	m := map[string]*template.Template{}
	for _, p := range []string{"dashboard", "login", "error", "trial_balance", "entries", "entry", "event", "events", "line_events",
		"imports", "import", "contracts", "contract", "statement"} {
		m[p] = template.Must(template.New("").Funcs(webFuncs).ParseFS(templateFS, "templates/layout.html", "templates/"+p+".html"))
	}
	return m
}()

// webRoutes is the auditors' web view: server-rendered, read-only pages
// with stable addresses.
func (s *Server) webRoutes() []routeDef {
	get := []string{http.MethodGet}
	w := func(name, path string, h func(http.ResponseWriter, *http.Request) error, params ...string) routeDef {
		return routeDef{name: name, path: path, methods: get, handler: h, params: params, web: true}
	}
	return []routeDef{
		w("web_root", "/", s.webIndex),
		{name: "web_login", path: "/web/login", methods: []string{http.MethodGet, http.MethodPost}, handler: s.webLogin, params: []string{"next"}, web: true, body: 64 << 10},
		{name: "web_logout", path: "/web/logout", methods: []string{http.MethodPost}, handler: s.webLogout, web: true, body: 64 << 10},
		w("web_style", "/web/style.css", s.webStyle, "v"),
		w("web_trial_balance", "/web/trial-balance", s.webTrialBalance, "as_of", "known_at", "format"),
		w("web_entries", "/web/entries", s.webEntries, append(entryParams, pageParams...)...),
		w("web_entry", "/web/entries/{id}", s.webEntry),
		w("web_events", "/web/events", s.webEvents, append(eventParams, listParams...)...),
		w("web_event", "/web/events/{id}", s.webEvent),
		w("web_imports", "/web/imports", s.webImports, pageParams...),
		w("web_import", "/web/imports/{id}", s.webImport, "cursor"), // the rejects' page; 100 a page
		w("web_contracts", "/web/contracts", s.webContracts, pageParams...),
		w("web_contract", "/web/contracts/{id}", s.webContract, "as_of"),
		w("web_statement", "/web/contracts/{id}/statements/{period}", s.webStatement, "format"),
		w("web_statement_events", "/web/contracts/{id}/statements/{period}/events", s.webStatementLineEvents, append([]string{"rule"}, listParams...)...),
	}
}

// pageData is what every page template gets.
type pageData struct {
	Title     string
	Path      string
	Principal Principal
	Nav       []navItem // the site's sections; Current marks this page's
	Crumbs    []crumb   // where this page is, below the dashboard
	Style     string    // the style sheet's address, with its version
	Data      any
}

// styleSheet is the address of the style sheet, versioned by its content
// so that a browser never keeps an old one after an upgrade.
var styleSheet = func() string {
	b, err := templateFS.ReadFile("templates/style.css")
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256(b)
	return "/web/style.css?v=" + hex.EncodeToString(sum[:6])
}()

// navItem is a section of the site in its navigation bar.
type navItem struct {
	Name, Href string
	Current    bool
}

// crumb is a step of the path to a page; the last one has no Href.
type crumb struct{ Name, Href string }

// sections are the web view's navigation: name, address, and the path
// prefix of the pages that belong to it.
var sections = []struct{ name, href, prefix string }{
	{"Dashboard", "/", "/"},
	{"Contracts", "/web/contracts", "/web/contracts"},
	{"Trial balance", "/web/trial-balance", "/web/trial-balance"},
	{"Entries", "/web/entries", "/web/entries"},
	{"Events", "/web/events", "/web/events"},
	{"Imports", "/web/imports", "/web/imports"},
}

// navFor marks the section that path belongs to.
func navFor(path string) []navItem {
	nav := make([]navItem, len(sections))
	for i, sec := range sections {
		cur := path == sec.prefix || sec.prefix != "/" && (path == sec.prefix || strings.HasPrefix(path, sec.prefix+"/"))
		nav[i] = navItem{Name: sec.name, Href: sec.href, Current: cur}
	}
	return nav
}

// render writes a page of the web view: the template page inside the site
// layout, titled title, with crumbs leading to it (the dashboard first,
// then crumbs, then the title).
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page, title string, data any, crumbs ...crumb) error {
	p, _ := PrincipalFrom(r.Context())
	var buf bytes.Buffer
	pd := pageData{Title: title, Path: r.URL.RequestURI(), Principal: p, Nav: navFor(r.URL.Path), Crumbs: crumbs, Style: styleSheet, Data: data}
	if err := pages[page].ExecuteTemplate(&buf, "layout", pd); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	// Stored text is shown with its bidirectional controls escaped, as the
	// command line's tables show it (ledger.EscapeBidi).
	_, err := io.WriteString(w, ledger.EscapeBidi(buf.String()))
	return err
}

// webError shows an error as a page; a missing or bad token sends the
// browser to the login form, which comes back here afterwards.
func (s *Server) webError(w http.ResponseWriter, r *http.Request, err error) {
	code := ledger.ErrorCode(err)
	if code == ledger.EUNAUTHORIZED && r.Method == http.MethodGet {
		http.Redirect(w, r, "/web/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	code, msg := s.publicError(r, err)
	if rerr := s.render(w, r, statusOf[code], "error", "Error", map[string]string{"Code": code, "Message": msg}); rerr != nil {
		s.log.ErrorContext(r.Context(), "render error page", "error", rerr)
	}
}

// safeNext keeps a post-login redirect on this site's web view: next must
// be a path on this origin ("/..." but not "//..." or "/\...", which
// browsers read as another host) with no control characters (browsers drop
// a tab or newline, so "/\t/evil.example" became "//evil.example") and no
// scheme or host. Anything else goes to the dashboard.
func safeNext(next string) string {
	const fallback = "/" // the dashboard
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\") || strings.HasPrefix(next, "/web/login") {
		return fallback
	}
	for _, c := range next {
		if c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == utf8.RuneError {
			return fallback
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return fallback
	}
	return next
}

func (s *Server) webLogin(w http.ResponseWriter, r *http.Request) error {
	if r.Method == http.MethodGet {
		return s.render(w, r, http.StatusOK, "login", "Log in", map[string]string{"Next": safeNext(r.URL.Query().Get("next"))})
	}
	if err := r.ParseForm(); err != nil {
		return ledger.Errorf(ledger.EINVALID, "invalid form")
	}
	tok := strings.TrimSpace(r.PostForm.Get("token"))
	next := safeNext(r.PostForm.Get("next"))
	if tok == "" {
		return s.render(w, r, http.StatusUnauthorized, "login", "Log in", map[string]string{"Next": next, "Message": "Enter a token."})
	}
	p, err := s.authenticate(r.Context(), tok)
	if err != nil {
		if ledger.ErrorCode(err) == ledger.EUNAUTHORIZED {
			return s.render(w, r, http.StatusUnauthorized, "login", "Log in", map[string]string{"Next": next, "Message": "That token is not valid."})
		}
		return err
	}
	if !allowed("web_trial_balance", http.MethodGet, p.Role) {
		return ledger.Errorf(ledger.EFORBIDDEN, "role %s may not read the web view", p.Role)
	}
	http.SetCookie(w, &http.Cookie{Name: tokenCookie, Value: tok, Path: "/", HttpOnly: true, Secure: s.cfg.SecureCookie || r.TLS != nil, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (s *Server) webLogout(w http.ResponseWriter, r *http.Request) error {
	http.SetCookie(w, &http.Cookie{Name: tokenCookie, Value: "", Path: "/", MaxAge: -1, Expires: time.Unix(0, 0), HttpOnly: true, Secure: s.cfg.SecureCookie || r.TLS != nil, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/web/login", http.StatusSeeOther)
	return nil
}

func (s *Server) webStyle(w http.ResponseWriter, r *http.Request) error {
	b, err := templateFS.ReadFile("templates/style.css")
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, err = w.Write(b)
	return err
}

func (s *Server) webTrialBalance(w http.ResponseWriter, r *http.Request) error {
	format, err := downloadFormat(r, "csv")
	if err != nil {
		return err
	}
	tb, err := s.trialBalanceOf(r)
	if err != nil {
		return err
	}
	if format == "csv" {
		rows, _ := trialBalanceRows(tb)
		return balancesCSV.write(w, r, rows, "")
	}
	title := "Trial balance"
	if tb.AsOf != nil {
		title += " as of " + *tb.AsOf
	}
	return s.render(w, r, http.StatusOK, "trial_balance", title, map[string]any{"TB": tb, "CSV": withFormat(r, "csv")})
}

// downloadFormat reads a web page's ?format=: "" for the page itself, or
// one of the download formats allowed.
func downloadFormat(r *http.Request, allowed ...string) (string, error) {
	if r.URL.Query().Get("format") == "" {
		return "", nil
	}
	return formatParam(r, allowed...)
}

// withFormat is the address of the request with ?format=f: the same page
// as a download, which the web view serves to the logged-in browser.
func withFormat(r *http.Request, f string) string {
	q := r.URL.Query()
	q.Del("cursor")
	q.Set("format", f)
	u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
	return u.String()
}

// webNext is the web address of the next page.
func webNext(r *http.Request, cursor string) string {
	if cursor == "" {
		return ""
	}
	return nextURL(r, cursor)
}

func (s *Server) webEntries(w http.ResponseWriter, r *http.Request) error {
	items, next, err := s.entriesPage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	title := "Journal entries"
	if a := q.Get("account"); a != "" {
		title += " of " + a
	}
	return s.render(w, r, http.StatusOK, "entries", title, map[string]any{
		"Entries": items, "Next": webNext(r, next),
		"Account": q.Get("account"), "From": q.Get("from"), "To": q.Get("to"), "Contract": q.Get("contract"),
	}, crumb{"Entries", "/web/entries"})
}

// webEntryData is the entry page: the entry and its events, and for an
// entry a run booked from a rule's events, where those events are.
type webEntryData struct {
	EntryDetailJSON
	Statement string // the statement the entry is booked in ("" when it is no contract's)
	BookedIn  string
	RuleLine  string // the events of the rule's statement line for the period
	Rule      string
	Period    string
}

func (s *Server) webEntry(w http.ResponseWriter, r *http.Request) error {
	d, err := s.entryDetail(r, "/web/events")
	if err != nil {
		return err
	}
	data := webEntryData{EntryDetailJSON: d}
	// A run's entry (accrual, adjustment, true-up) names its contract, rule,
	// the period it is for and the period it is booked in.
	c, rule, period := d.Meta["contract"], d.Meta["rule"], d.Meta["period"]
	bookedIn := d.Meta["booked_in"]
	if bookedIn == "" {
		bookedIn = period
	}
	if c != "" && validPeriod(bookedIn) {
		data.Statement, data.BookedIn = "/web/contracts/"+url.PathEscape(c)+"/statements/"+bookedIn, bookedIn
	}
	if c != "" && rule != "" && validPeriod(period) {
		data.RuleLine = "/web/contracts/" + url.PathEscape(c) + "/statements/" + period + "/events?rule=" + url.QueryEscape(rule)
		data.Rule, data.Period = rule, period
	}
	var crumbs []crumb
	if c != "" {
		crumbs = append(crumbs, crumb{"Contracts", "/web/contracts"}, crumb{c, "/web/contracts/" + url.PathEscape(c)})
		if data.Statement != "" {
			crumbs = append(crumbs, crumb{bookedIn, data.Statement})
		}
	} else {
		crumbs = append(crumbs, crumb{"Entries", "/web/entries"})
	}
	return s.render(w, r, http.StatusOK, "entry", "Entry "+strconv.FormatInt(d.ID, 10)+" ("+d.Date+")", data, crumbs...)
}

// validPeriod reports whether s is a period label (so that it is safe in
// a path).
func validPeriod(s string) bool {
	_, err := ledger.ParsePeriod(s)
	return err == nil
}

// webList renders a page of a list with the template tmpl, which gets the
// Items and the address of the Next page.
func webList[T any](s *Server, w http.ResponseWriter, r *http.Request, tmpl, title string, read func(*http.Request) ([]T, string, error), crumbs ...crumb) error {
	items, next, err := read(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, tmpl, title, map[string]any{"Items": items, "Next": webNext(r, next), "CSV": withFormat(r, "csv")}, crumbs...)
}

func (s *Server) webEvents(w http.ResponseWriter, r *http.Request) error {
	if format, err := downloadFormat(r, "csv"); err != nil || format != "" {
		if err != nil {
			return err
		}
		return s.listEvents(w, r)
	}
	title := "Usage events"
	if b := r.URL.Query().Get("batch"); b != "" {
		title += " of import " + b
	} else if e := r.URL.Query().Get("entry"); e != "" {
		title += " of entry " + e
	}
	items, next, err := s.eventsPage(r)
	if err != nil {
		return err
	}
	// The filter form: each filter of the events list with its value.
	q := r.URL.Query()
	var filters []eventFilterField
	for _, name := range eventParams {
		filters = append(filters, eventFilterField{Name: name, Value: q.Get(name), Date: name == "from" || name == "to"})
	}
	return s.render(w, r, http.StatusOK, "events", title, map[string]any{"Items": items, "Next": webNext(r, next), "CSV": withFormat(r, "csv"), "Filters": filters},
		crumb{"Events", "/web/events"})
}

// eventFilterField is a field of the events page's filter form.
type eventFilterField struct {
	Name, Value string
	Date        bool
}

func (s *Server) webEvent(w http.ResponseWriter, r *http.Request) error {
	j, err := s.eventOf(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "event", "Event "+j.Source+"/"+j.EventID, j,
		crumb{"Imports", "/web/imports"}, crumb{"Import " + strconv.FormatInt(j.BatchID, 10), "/web/imports/" + strconv.FormatInt(j.BatchID, 10)})
}

func (s *Server) webImports(w http.ResponseWriter, r *http.Request) error {
	return webList(s, w, r, "imports", "Usage imports", s.importsPage)
}

func (s *Server) webImport(w http.ResponseWriter, r *http.Request) error {
	d, err := s.importWithRejects(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "import", "Import "+strconv.FormatInt(d.ID, 10)+": "+d.File, toWebImport(r, d), crumb{"Imports", "/web/imports"})
}

func (s *Server) webContracts(w http.ResponseWriter, r *http.Request) error {
	return webList(s, w, r, "contracts", "Contracts", s.contractsPage)
}

func (s *Server) webContract(w http.ResponseWriter, r *http.Request) error {
	c, err := s.contractOf(r)
	if err != nil {
		return err
	}
	data := map[string]any{"Contract": toContractJSON(c)}
	// The page still shows the contract when its caps or statements fail.
	if caps, err := s.capsOf(r); err != nil {
		data["CapsError"] = ledger.ErrorMessage(err)
	} else {
		data["Caps"] = caps
	}
	if sts, err := s.read.Statements.StatementPeriods(r.Context(), c.Contract.ID); err != nil {
		data["StatementsError"] = ledger.ErrorMessage(err)
	} else {
		// Latest first: the period an auditor looks for is near the top.
		rev := make([]reports.StatementSummary, len(sts))
		for i, st := range sts {
			rev[len(sts)-1-i] = st
		}
		data["Statements"] = rev
	}
	return s.render(w, r, http.StatusOK, "contract", c.Contract.Name, data, crumb{"Contracts", "/web/contracts"})
}
