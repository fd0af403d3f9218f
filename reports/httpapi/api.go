package httpapi

import (
	"bytes"
	_ "embed"
	"io"
	"net/http"
	"regexp"
	"strings"

	"github.com/revshare/revshare/ledger"
)

//go:embed openapi.json
var openapiJSON []byte

// OpenAPI returns the embedded OpenAPI 3 document of the API.
func OpenAPI() []byte { return bytes.Clone(openapiJSON) }

// apiRoutes is every route of the REST API (spec section 7).
func (s *Server) apiRoutes() []routeDef {
	p := func(path string) string { return APIPrefix + path }
	get := []string{http.MethodGet}
	post := []string{http.MethodPost}
	return []routeDef{
		{name: "api_index", path: APIPrefix, methods: get, handler: s.apiIndex},
		{name: "healthz", path: p("/healthz"), methods: get, handler: s.healthz},
		{name: "openapi", path: p("/openapi.json"), methods: get, handler: s.openapi},
		{name: "metrics", path: p("/metrics"), methods: get, handler: s.metricsPage},
		// Spec section 7 puts health and metrics at the root as well, where
		// load balancers and Prometheus look by default.
		{name: "root_healthz", path: "/healthz", methods: get, handler: s.healthz},
		{name: "root_metrics", path: "/metrics", methods: get, handler: s.metricsPage},

		{name: "accounts", cache: true, path: p("/accounts"), methods: get, handler: s.listAccounts, params: listParams},
		{name: "account_balance", cache: true, path: p("/accounts/{account}/balance"), methods: get, handler: s.accountBalance, params: []string{"as_of", "known_at"}},
		{name: "trial_balance", cache: true, path: p("/trial-balance"), methods: get, handler: s.trialBalance, params: []string{"as_of", "known_at", "format"}},
		{name: "entries", cache: true, path: p("/entries"), methods: get, handler: s.listEntries, params: append(entryParams, listParams...)},
		{name: "entry", cache: true, path: p("/entries/{id}"), methods: get, handler: s.getEntry},
		{name: "events", cache: true, path: p("/events"), methods: get, handler: s.listEvents, params: append(eventParams, listParams...)},
		{name: "event", cache: true, path: p("/events/{id}"), methods: get, handler: s.getEvent},
		{name: "imports", cache: true, path: p("/imports"), methods: get, handler: s.listImports, params: listParams},
		{name: "import", cache: true, path: p("/imports/{id:[0-9]+}"), methods: get, handler: s.getImport},
		{name: "import_rejects", cache: true, path: p("/imports/{id:[0-9]+}/rejects"), methods: get, handler: s.listImportRejects, params: listParams},
		{name: "import_usage", path: p("/imports/usage"), methods: post, handler: s.importUsage,
			params: []string{"source", "file", "allow_partial", "dry_run"}, body: MaxCSVBodyBytes, timeout: LongTimeout, accepts: csvTypes},
		{name: "contracts", cache: true, path: p("/contracts"), methods: []string{http.MethodGet, http.MethodPost}, handler: s.contracts, params: listParams, accepts: documentTypes},
		{name: "contract", cache: true, path: p("/contracts/{id}"), methods: get, handler: s.getContract},
		{name: "statements", cache: true, path: p("/contracts/{id}/statements"), methods: get, handler: s.listStatements, params: listParams},
		{name: "statement", cache: true, path: p("/contracts/{id}/statements/{period}"), methods: get, handler: s.getStatement, params: []string{"format"}},
		{name: "statement_events", cache: true, path: p("/contracts/{id}/statements/{period}/events"), methods: get, handler: s.listStatementLineEvents, params: append([]string{"rule"}, listParams...)},
		{name: "caps", cache: true, path: p("/contracts/{id}/caps"), methods: get, handler: s.getCaps, params: []string{"as_of", "format"}},
		{name: "verify", path: p("/verify"), methods: get, handler: s.verify, timeout: LongTimeout},
		{name: "runs", path: p("/runs"), methods: post, handler: s.run, timeout: LongTimeout, accepts: jsonTypes},
		{name: "period_close", path: p("/periods/{period}/close"), methods: post, handler: s.closePeriod, timeout: LongTimeout},
		{name: "payments", path: p("/payments"), methods: post, handler: s.pay, accepts: jsonTypes},
		{name: "scenarios", path: p("/scenarios"), methods: post, handler: s.scenario, timeout: LongTimeout, accepts: documentTypes},
		{name: "tokens", path: p("/tokens"), methods: []string{http.MethodGet, http.MethodPost}, handler: s.tokens, params: pageParams, accepts: jsonTypes},
		{name: "token", path: p("/tokens/{id}"), methods: []string{http.MethodDelete}, handler: s.revokeToken},
	}
}

// The media types of request bodies (routeDef.accepts): YAML has several
// names in use besides RFC 9512's application/yaml.
var (
	jsonTypes     = []string{"application/json"}
	documentTypes = []string{"application/yaml", "application/json", "application/x-yaml", "text/yaml", "text/x-yaml"}
	csvTypes      = []string{"text/csv"}
)

// Query parameters that routes share. A route accepts only the parameters
// it lists: anything else, format and limit included, is a 400.
var (
	pageParams  = []string{"cursor", "limit"}
	listParams  = []string{"cursor", "limit", "format"} // lists with a CSV form
	entryParams = []string{"account", "from", "to", "contract", "known_at"}
)

// APIIndexJSON is the answer of GET /api/v1: where things are.
type APIIndexJSON struct {
	Name    string        `json:"name"`
	OpenAPI string        `json:"openapi"`
	WebView string        `json:"web_view"`
	Links   []APILinkJSON `json:"links"`
}

// APILinkJSON is one route of the API.
type APILinkJSON struct {
	Rel     string   `json:"rel"` // the route's name, as in the permission table
	Href    string   `json:"href"`
	Methods []string `json:"methods"`
}

// apiIndex lists every route of the API (not the web view's), in the
// order apiRoutes declares them.
func (s *Server) apiIndex(w http.ResponseWriter, r *http.Request) error {
	out := APIIndexJSON{Name: "revshare REST API v1", OpenAPI: APIPrefix + "/openapi.json", WebView: "/", Links: []APILinkJSON{}}
	for _, d := range s.apiRoutes() {
		if !strings.HasPrefix(d.path, APIPrefix+"/") {
			continue
		}
		out.Links = append(out.Links, APILinkJSON{Rel: d.name, Href: varPattern.ReplaceAllString(d.path, "{$1}"), Methods: d.methods})
	}
	return writeJSON(w, http.StatusOK, out)
}

// varPattern strips the pattern of a path variable: {id:[0-9]+} -> {id}.
var varPattern = regexp.MustCompile(`\{([a-z_]+):[^}]*\}`)

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	if !s.ready.Load() {
		return writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "shutting down"})
	}
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write(openapiJSON)
	return err
}

func (s *Server) metricsPage(w http.ResponseWriter, r *http.Request) error {
	s.metrics.Handler().ServeHTTP(w, r)
	return nil
}

func (s *Server) verify(w http.ResponseWriter, r *http.Request) error {
	res, err := s.read.Verifier.Verify(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, res)
}

// readBody reads a request body (bounded by the route's limit).
func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, ledger.Errorf(ledger.EINVALID, "empty request body")
	}
	return b, nil
}

// boolParam reads an optional true/false query parameter.
func boolParam(r *http.Request, name string) (bool, error) {
	switch strings.ToLower(r.URL.Query().Get(name)) {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	}
	return false, ledger.Errorf(ledger.EINVALID, "invalid %s %q: want true or false", name, r.URL.Query().Get(name))
}
