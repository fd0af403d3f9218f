// Package httpapi is revshare's REST API (spec section 7) and the auditors'
// read-only web view, over the domain services in services.go. Every response to a
// failed request is {"error":{"code","message"}}; the permission table in
// auth.go decides who may call what and refuses anything it does not list.
package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"mime"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gorilla/mux"

	"github.com/revshare/revshare/ledger"
)

// Limits on what a caller controls.
const (
	DefaultPageSize  = 100
	MaxPageSize      = 1000
	MaxBodyBytes     = 1 << 20  // JSON and YAML bodies
	MaxCSVBodyBytes  = 64 << 20 // usage CSV imports
	MaxDateRangeDays = 25 * 366 // from..to on entries and events
	DefaultTimeout   = 30 * time.Second
	LongTimeout      = 10 * time.Minute // imports and runs
)

// APIPrefix is where the REST API is mounted.
const APIPrefix = "/api/v1"

// Config is what a Server needs. Read is used by every read, by scenarios
// and to authenticate tokens, and should sit on a read-only database
// connection; Write by the endpoints that change the ledger, which only
// finance and admin may call. Every service and Version are required,
// except Write when ReadOnly.
type Config struct {
	Read, Write Services
	// ReadOnly serves a book that must not change (an auditor's copy,
	// revshare serve --read-only): every call that would write answers 403
	// whatever the role, and Write is not used (Read stands in for it).
	ReadOnly bool
	// Version tags what the response and token caches hold.
	Version Versioner
	Logger  *slog.Logger // nil: slog.Default()
	Metrics *Metrics     // nil: a fresh registry
	Clock   ledger.Clock // nil: ledger.SystemClock
	// SecureCookie sets the Secure flag on the web view's token cookie
	// (serve over TLS or behind a TLS proxy).
	SecureCookie bool
	// Timeout overrides DefaultTimeout for ordinary requests (tests).
	Timeout time.Duration
	// NoCache turns off the response and token caches (benchmarks).
	NoCache bool
}

// Server is the http.Handler of the API and the web view.
type Server struct {
	cfg     Config
	read    *Services
	write   *Services
	log     *slog.Logger
	metrics *Metrics
	clock   ledger.Clock
	router  *mux.Router
	routes  map[string]*routeDef
	ready   atomic.Bool
	cache   *respCache
	// verified is the dashboard's verifications.
	verified verifyMemo
	// background is the context of work the server starts beside its
	// requests (the dashboard's verification); Close cancels it.
	background     context.Context
	stopBackground context.CancelFunc
}

// routeDef is one route: its name (the permission table's key), path
// template, methods, and limits.
type routeDef struct {
	name    string
	path    string
	methods []string
	handler func(w http.ResponseWriter, r *http.Request) error
	params  []string      // the query parameters its GET (or only method) accepts; any other is a 400
	body    int64         // body size limit (0: MaxBodyBytes)
	timeout time.Duration // 0: the server's default
	accepts []string      // the media types its POST body may be sent as (a Content-Type given otherwise is a 415)
	web     bool          // a web view page: cookie auth, HTML errors
	cache   bool          // GET responses may be cached by data version
}

// New builds the server and its routes. It panics if cfg lacks a service.
func New(cfg Config) *Server {
	if cfg.ReadOnly {
		cfg.Write = cfg.Read // only GET /tokens reads through Write; writes are refused
	}
	cfg.mustBeComplete()
	s := &Server{cfg: cfg, read: &cfg.Read, write: &cfg.Write, log: cfg.Logger, metrics: cfg.Metrics, clock: cfg.Clock}
	s.background, s.stopBackground = context.WithCancel(context.Background())
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.metrics == nil {
		s.metrics = NewMetrics()
	}
	if s.clock == nil {
		s.clock = ledger.SystemClock{}
	}
	if s.cfg.Timeout == 0 {
		s.cfg.Timeout = DefaultTimeout
	}
	s.router = mux.NewRouter()
	s.router.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == APIPrefix+"/" && r.Method == http.MethodGet {
			http.Redirect(w, r, APIPrefix, http.StatusMovedPermanently)
			return
		}
		err := ledger.Errorf(ledger.ENOTFOUND, "no such path: %s", r.URL.Path)
		if isAPIPath(r.URL.Path) {
			s.writeError(w, r, err)
			return
		}
		s.webError(w, r, err) // a page for people, not JSON
	})
	s.router.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.setAllow(w, r)
		err := ledger.Errorf(EMethodNotAllowed, "method %s is not allowed on %s", r.Method, r.URL.Path)
		if isAPIPath(r.URL.Path) {
			s.writeError(w, r, err)
			return
		}
		s.webError(w, r, err)
	})
	s.cache = newRespCache()
	s.routes = map[string]*routeDef{}
	for _, d := range append(s.apiRoutes(), s.webRoutes()...) {
		d := d
		if _, dup := s.routes[d.name]; dup {
			panic("httpapi: duplicate route name " + d.name)
		}
		s.routes[d.name] = &d
		s.router.Handle(d.path, s.wrap(&d)).Methods(d.methods...).Name(d.name)
	}
	s.ready.Store(true)
	return s
}

// isAPIPath reports whether path is the API's (JSON errors) rather than
// the web view's (HTML error pages).
func isAPIPath(path string) bool {
	return path == APIPrefix || strings.HasPrefix(path, APIPrefix+"/") || path == "/healthz" || path == "/metrics"
}

// setAllow lists the methods of the route that matches r's path.
func (s *Server) setAllow(w http.ResponseWriter, r *http.Request) {
	for _, d := range s.routes {
		var m mux.RouteMatch
		rt := s.router.Get(d.name)
		probe := r.Clone(r.Context())
		probe.Method = d.methods[0]
		if rt != nil && rt.Match(probe, &m) {
			w.Header().Set("Allow", strings.Join(d.methods, ", "))
			return
		}
	}
}

// Router exposes the routes, for tests that walk them.
func (s *Server) Router() *mux.Router { return s.router }

// SetReady marks the server (not) ready; /healthz answers 503 when not,
// as during shutdown.
func (s *Server) SetReady(ok bool) { s.ready.Store(ok) }

type reqInfoKey struct{}

// reqInfo carries what the inner handler learns (the route) out to the
// outer one that records metrics.
type reqInfo struct{ route string }

// ServeHTTP records metrics around the router.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	info := &reqInfo{}
	r = r.WithContext(context.WithValue(r.Context(), reqInfoKey{}, info))
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		route := info.route
		if route == "" {
			route = "unmatched"
		}
		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		s.metrics.observe(route, r.Method, status, time.Since(start))
		s.log.DebugContext(r.Context(), "request", slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", status), slog.Duration("took", time.Since(start)))
	}()
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store") // ledger data stays out of shared caches
	if n := headerBytes(r); n > MaxHeaderBytes {
		s.writeError(sw, r, ledger.Errorf(EHeaderTooLarge, "request header of %d bytes is over the limit of %d bytes", n, MaxHeaderBytes))
		return
	}
	// gorilla/mux answers a path that is not clean ("/api/v1//accounts")
	// with a bare 301; this one says the same as a JSON error.
	if p := cleanPath(r.URL.Path); p != r.URL.Path {
		u := *r.URL
		u.Path, u.RawPath = p, ""
		w.Header().Set("Location", u.RequestURI())
		s.writeError(sw, r, ledger.Errorf(EMoved, "%s is not a clean path: use %s", r.URL.Path, p))
		return
	}
	s.router.ServeHTTP(sw, r)
}

// checkContentType says EUnsupportedType (415) when a POST to a route that
// takes a body of the accepts types declares another Content-Type: a JSON
// body sent as text/plain was read as JSON. A request without Content-Type
// is read as the route's type (a script's plain POST keeps working).
func checkContentType(r *http.Request, accepts []string) error {
	ct := r.Header.Get("Content-Type")
	if len(accepts) == 0 || r.Method != http.MethodPost || ct == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && slices.Contains(accepts, mt) {
		return nil
	}
	if len(ct) > 100 {
		ct = ct[:100] + "..."
	}
	return ledger.Errorf(EUnsupportedType, "Content-Type %q is not accepted here: send the body as %s", ct, strings.Join(accepts, " or "))
}

// headerBytes is the size of r's request line and header fields as sent.
func headerBytes(r *http.Request) int {
	n := len(r.Method) + len(r.RequestURI) + len(r.Proto) + 4
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}

// cleanPath is the canonical form of a URL path as gorilla/mux computes it:
// path.Clean, rooted, a trailing slash kept.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] != '/' {
		p = "/" + p
	}
	np := path.Clean(p)
	if p[len(p)-1] == '/' && np != "/" {
		np += "/"
	}
	return np
}

// wrap applies, in order: panic recovery, authentication, the permission
// table, the body limit, the deadline and the query parameter check.
func (s *Server) wrap(d *routeDef) http.Handler {
	// params are the GET's (or the only method's): a route's other
	// methods (POST /contracts, POST /tokens) take none.
	allowedParams := map[string]bool{}
	for _, p := range d.params {
		allowedParams[p] = true
	}
	onlyParams := len(d.methods) == 1
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if info, ok := r.Context().Value(reqInfoKey{}).(*reqInfo); ok {
			info.route = d.name
		}
		report := s.writeError
		if d.web {
			report = s.webError
		}
		fail := func(w http.ResponseWriter, r *http.Request, err error) {
			if r.Context().Err() != nil { // the client went away: nobody to tell
				s.log.DebugContext(r.Context(), "client went away", "path", r.URL.Path, "error", err)
				return
			}
			report(w, r, err)
		}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				fail(w, r, &panicError{p})
			}
		}()
		// The data version, read once before anything else, tags what
		// this request may cache (tokens, the response).
		version, versioned := int64(0), false
		if !s.cfg.NoCache {
			v, err := s.cfg.Version.DataVersion(r.Context())
			if err != nil {
				fail(w, r, err)
				return
			}
			version, versioned = v, true
		}
		if !isPublic(d.name, r.Method) {
			tok := bearerToken(r, d.web)
			if tok == "" {
				fail(w, r, ledger.Errorf(ledger.EUNAUTHORIZED, "no token given: send Authorization: Bearer <token>"))
				return
			}
			p, cached := Principal{}, false
			if versioned {
				p, cached = s.cache.principal(tok, version)
			}
			if !cached {
				var err error
				if p, err = s.authenticate(r.Context(), tok); err != nil {
					fail(w, r, err)
					return
				}
				if versioned {
					s.cache.putPrincipal(tok, version, p)
				}
			}
			if !allowed(d.name, r.Method, p.Role) {
				fail(w, r, ledger.Errorf(ledger.EFORBIDDEN, "role %s may not %s %s", p.Role, r.Method, r.URL.Path))
				return
			}
			if s.cfg.ReadOnly && changesBook(d.name, r.Method) {
				fail(w, r, ledger.Errorf(ledger.EFORBIDDEN, "this server is read-only (revshare serve --read-only): %s %s would change the book; nothing was changed", r.Method, r.URL.Path))
				return
			}
			r = r.WithContext(context.WithValue(r.Context(), principalKey{}, p))
		} else if !allowed(d.name, r.Method, "") {
			fail(w, r, ledger.Errorf(ledger.EFORBIDDEN, "%s %s is not permitted", r.Method, r.URL.Path))
			return
		}
		query := r.URL.Query()
		for _, k := range slices.Sorted(maps.Keys(query)) {
			if !allowedParams[k] || !onlyParams && r.Method != http.MethodGet {
				fail(w, r, ledger.Errorf(ledger.EINVALID, "unknown query parameter %q", k))
				return
			}
			// Each parameter takes one value: of as_of=A&as_of=B the first
			// was used and the other dropped unsaid.
			if vs := query[k]; len(vs) > 1 {
				fail(w, r, ledger.Errorf(ledger.EINVALID, "query parameter %q given %d times (%s): give it once", k, len(vs), quotedList(vs)))
				return
			}
		}
		if err := checkContentType(r, d.accepts); err != nil {
			fail(w, r, err)
			return
		}
		limit := d.body
		if limit == 0 {
			limit = MaxBodyBytes
		}
		if r.ContentLength > limit {
			fail(w, r, ledger.Errorf(ETooLarge, "request body of %d bytes is over the limit of %d bytes", r.ContentLength, limit))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		timeout := d.timeout
		if timeout == 0 {
			timeout = s.cfg.Timeout
		}
		cacheKey := ""
		if versioned && d.cache && r.Method == http.MethodGet {
			cacheKey = r.URL.RequestURI()
			if c := s.cache.get(cacheKey, version); c != nil {
				for k, v := range c.header {
					w.Header()[k] = v
				}
				w.Write(c.body)
				return
			}
		}
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		rec := &recorder{statusWriter: statusWriter{ResponseWriter: w}}
		err := d.handler(rec, r.WithContext(ctx))
		switch {
		case err != nil && rec.status != 0:
			// The response had begun (the client may be gone): too late
			// for an error response.
			s.log.DebugContext(r.Context(), "response cut short", "path", r.URL.Path, "error", err)
		case err != nil:
			fail(w, r, mapRequestError(err, limit))
		case cacheKey != "" && rec.status == http.StatusOK && len(rec.body) <= maxCachedBody:
			s.cache.put(cacheKey, &cachedResponse{version: version, header: w.Header().Clone(), body: rec.body})
		}
	})
}

// mapRequestError gives transport errors their codes: an over-long body is
// too_large, a deadline is timeout.
func mapRequestError(err error, limit int64) error {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return ledger.Errorf(ETooLarge, "request body is over the limit of %d bytes", limit)
	case errors.Is(err, context.DeadlineExceeded):
		return ledger.Errorf(ETimeout, "the request took too long and was stopped")
	}
	return err
}

type panicError struct{ v any }

func (p *panicError) Error() string { return "panic: " + strconv.Quote(fmt.Sprint(p.v)) }

// statusWriter remembers the status written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// quotedList is vs quoted and comma-separated, each cut to 40 bytes and at
// most five of them (an error echoes what the caller sent, within bounds).
func quotedList(vs []string) string {
	var b strings.Builder
	for i, v := range vs {
		if i == 5 {
			b.WriteString(", ...")
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		if len(v) > 40 {
			v = v[:40] + "..."
		}
		fmt.Fprintf(&b, "%q", v)
	}
	return b.String()
}
