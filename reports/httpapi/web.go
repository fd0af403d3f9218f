package httpapi

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/revshare/revshare/ledger"
)

//go:embed templates
var templateFS embed.FS

// pages are the web view's templates, each with the shared layout.
var pages = func() map[string]*template.Template {
	m := map[string]*template.Template{}
	for _, p := range []string{"index", "login", "error", "trial_balance", "entries", "entry", "event", "events", "imports", "import", "contracts", "contract"} {
		m[p] = template.Must(template.New("").ParseFS(templateFS, "templates/layout.html", "templates/"+p+".html"))
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
		w("web_style", "/web/style.css", s.webStyle),
		w("web_trial_balance", "/web/trial-balance", s.webTrialBalance, "as_of", "known_at", "format"),
		w("web_entries", "/web/entries", s.webEntries, append(entryParams, pageParams...)...),
		w("web_entry", "/web/entries/{id}", s.webEntry),
		w("web_events", "/web/events", s.webEvents, append(eventParams, listParams...)...),
		w("web_event", "/web/events/{id}", s.webEvent),
		w("web_imports", "/web/imports", s.webImports, pageParams...),
		w("web_import", "/web/imports/{id}", s.webImport, pageParams...),
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
	Data      any
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page, title string, data any) error {
	p, _ := PrincipalFrom(r.Context())
	var buf bytes.Buffer
	if err := pages[page].ExecuteTemplate(&buf, "layout", pageData{Title: title, Path: r.URL.RequestURI(), Principal: p, Data: data}); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
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

// safeNext keeps a post-login redirect on this site's web view.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") || strings.HasPrefix(next, "/web/login") {
		return "/web/trial-balance"
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
	if tok == "" || s.cfg.Auth == nil {
		return s.render(w, r, http.StatusUnauthorized, "login", "Log in", map[string]string{"Next": next, "Message": "Enter a token."})
	}
	p, err := s.cfg.Auth.Authenticate(r.Context(), tok)
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

func (s *Server) webIndex(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, "index", "revshare", nil)
}

func (s *Server) webTrialBalance(w http.ResponseWriter, r *http.Request) error {
	tb, err := s.trialBalanceOf(r)
	if err != nil {
		return err
	}
	title := "Trial balance"
	if tb.AsOf != nil {
		title += " as of " + *tb.AsOf
	}
	return s.render(w, r, http.StatusOK, "trial_balance", title, tb)
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
	return s.render(w, r, http.StatusOK, "entries", "Journal entries", map[string]any{
		"Entries": items, "Next": webNext(r, next),
		"Account": q.Get("account"), "From": q.Get("from"), "To": q.Get("to"), "Contract": q.Get("contract"),
	})
}

func (s *Server) webEntry(w http.ResponseWriter, r *http.Request) error {
	d, err := s.entryDetail(r, "/web/events")
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "entry", "Entry "+strconv.FormatInt(d.ID, 10)+" ("+d.Date+")", d)
}

// webList renders a page of a list with the template tmpl, which gets the
// Items and the address of the Next page.
func webList[T any](s *Server, w http.ResponseWriter, r *http.Request, tmpl, title string, read func(*http.Request) ([]T, string, error)) error {
	items, next, err := read(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, tmpl, title, map[string]any{"Items": items, "Next": webNext(r, next)})
}

func (s *Server) webEvents(w http.ResponseWriter, r *http.Request) error {
	return webList(s, w, r, "events", "Usage events", s.eventsPage)
}

func (s *Server) webEvent(w http.ResponseWriter, r *http.Request) error {
	j, err := s.eventOf(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "event", "Event "+j.Source+"/"+j.EventID, j)
}

func (s *Server) webImports(w http.ResponseWriter, r *http.Request) error {
	return webList(s, w, r, "imports", "Usage imports", s.importsPage)
}

func (s *Server) webImport(w http.ResponseWriter, r *http.Request) error {
	d, err := s.importWithRejects(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "import", "Import "+d.File, toWebImport(r, d))
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
	// Caps and statements come from other backends: the page still shows
	// the contract when one of them is missing or fails.
	if caps, err := s.capsOf(r); err != nil {
		data["CapsError"] = ledger.ErrorMessage(err)
	} else {
		data["Caps"] = caps
	}
	if s.read.Statements == nil {
		data["StatementsError"] = "statements are not available in this server"
	} else if sts, err := s.read.Statements.StatementPeriods(r.Context(), c.Contract.ID); err != nil {
		data["StatementsError"] = ledger.ErrorMessage(err)
	} else {
		data["Statements"] = sts
	}
	return s.render(w, r, http.StatusOK, "contract", c.Contract.Name, data)
}

func (s *Server) webStatement(w http.ResponseWriter, r *http.Request) error {
	if s.read.Statements == nil {
		return errNotImplemented("statements")
	}
	w.Header().Set("Cache-Control", "no-store")
	return s.writeStatement(w, r, "html")
}
