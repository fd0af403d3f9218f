package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/revshare/revshare/ledger"
)

// Role is what a token may do.
type Role string

const (
	Auditor Role = "auditor" // reads
	Analyst Role = "analyst" // reads and runs scenarios
	Finance Role = "finance" // reads, imports, runs, closes, pays, adds contracts
	Admin   Role = "admin"   // everything, including token management
)

// Roles lists every role, least powerful first.
var Roles = []Role{Auditor, Analyst, Finance, Admin}

// ParseRole validates a role name.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", ledger.Errorf(ledger.EINVALID, "unknown role %q (want auditor, analyst, finance or admin)", s)
}

// writes reports whether the role may write to the ledger; the other roles
// only ever use the read-only backend.
func (r Role) writes() bool { return r == Finance || r == Admin }

// access is who may call a route with a method.
type access struct {
	public bool   // no token needed
	roles  []Role // roles allowed (ignored when public)
	writes bool   // the call changes the book: a read-only server refuses it (Config.ReadOnly)
}

var (
	public      = access{public: true}
	readers     = access{roles: []Role{Auditor, Analyst, Finance, Admin}}
	writers     = access{roles: []Role{Finance, Admin}, writes: true}
	modelers    = access{roles: []Role{Analyst, Admin}}
	admins      = access{roles: []Role{Admin}}
	adminWrites = access{roles: []Role{Admin}, writes: true}
)

// changesBook reports whether calling route with method writes to the book.
func changesBook(route, method string) bool { return permissions[route][method].writes }

// permissions is the permission table, keyed by route name and method. It
// is deny by default: a route or a method that is not here is refused for
// every role (403 once authenticated), whatever the router would do.
var permissions = map[string]map[string]access{
	"api_index":    {"GET": public},
	"healthz":      {"GET": public},
	"openapi":      {"GET": public},
	"metrics":      {"GET": public},
	"root_healthz": {"GET": public},
	"root_metrics": {"GET": public},

	"accounts":         {"GET": readers},
	"account_balance":  {"GET": readers},
	"trial_balance":    {"GET": readers},
	"entries":          {"GET": readers},
	"entry":            {"GET": readers},
	"events":           {"GET": readers},
	"event":            {"GET": readers},
	"imports":          {"GET": readers},
	"import":           {"GET": readers},
	"import_rejects":   {"GET": readers},
	"import_usage":     {"POST": writers},
	"contracts":        {"GET": readers, "POST": writers},
	"contract":         {"GET": readers},
	"statements":       {"GET": readers},
	"statement":        {"GET": readers},
	"statement_events": {"GET": readers},
	"caps":             {"GET": readers},
	"verify":           {"GET": readers},
	"runs":             {"POST": writers},
	"period_close":     {"POST": writers},
	"payments":         {"POST": writers},
	"scenarios":        {"POST": modelers},
	"tokens":           {"GET": admins, "POST": adminWrites},
	"token":            {"DELETE": adminWrites},

	// The web view: read-only pages behind the token cookie.
	"web_root":             {"GET": readers},
	"web_login":            {"GET": public, "POST": public},
	"web_logout":           {"POST": public},
	"web_style":            {"GET": public},
	"web_trial_balance":    {"GET": readers},
	"web_events":           {"GET": readers},
	"web_entries":          {"GET": readers},
	"web_entry":            {"GET": readers},
	"web_event":            {"GET": readers},
	"web_imports":          {"GET": readers},
	"web_import":           {"GET": readers},
	"web_contracts":        {"GET": readers},
	"web_contract":         {"GET": readers},
	"web_statement":        {"GET": readers},
	"web_statement_events": {"GET": readers},
}

// allowed reports whether role may call route with method.
func allowed(route, method string, role Role) bool {
	a, ok := permissions[route][method]
	if !ok {
		return false
	}
	if a.public {
		return true
	}
	for _, r := range a.roles {
		if r == role {
			return true
		}
	}
	return false
}

// isPublic reports whether route and method need no token.
func isPublic(route, method string) bool {
	a, ok := permissions[route][method]
	return ok && a.public
}

type principalKey struct{}

// PrincipalFrom returns the authenticated caller of a request's context.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// tokenCookie is the web view's cookie holding the token.
const tokenCookie = "revshare_token"

// bearerToken returns the request's token: the Authorization bearer token,
// or for web pages the token cookie.
func bearerToken(r *http.Request, web bool) string {
	if h := r.Header.Get("Authorization"); h != "" {
		if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
			return strings.TrimSpace(h[7:])
		}
		return ""
	}
	if web {
		if c, err := r.Cookie(tokenCookie); err == nil {
			return c.Value
		}
	}
	return ""
}
