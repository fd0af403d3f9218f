package httpapi

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/revshare/revshare/ledger/sqlite/tempdb"
)

// TestQueryParamsDocumented: each route accepts exactly the query
// parameters openapi.json documents for it (anything else is a 400, so the
// two must agree).
func TestQueryParamsDocumented(t *testing.T) {
	type param struct {
		Ref  string `json:"$ref"`
		Name string `json:"name"`
		In   string `json:"in"`
	}
	var doc struct {
		Paths      map[string]map[string]struct{ Parameters []param } `json:"paths"`
		Components struct{ Parameters map[string]param }              `json:"components"`
	}
	if err := json.Unmarshal(openapiJSON, &doc); err != nil {
		t.Fatal(err)
	}
	vars := regexp.MustCompile(`\{([a-z_]+):[^}]*\}`)
	s := New(NewTestConfig(tempdb.Open(t, nil)))
	for name, d := range s.routes {
		path := vars.ReplaceAllString(d.path, "{$1}")
		for _, m := range d.methods {
			op, ok := doc.Paths[path][strings.ToLower(m)]
			if !ok {
				continue // TestOpenAPIMatchesRoutes reports it
			}
			var documented []string
			for _, p := range op.Parameters {
				if p.Ref != "" {
					p = doc.Components.Parameters[strings.TrimPrefix(p.Ref, "#/components/parameters/")]
				}
				if p.In == "query" {
					documented = append(documented, p.Name)
				}
			}
			var accepted []string
			if m == "GET" || len(d.methods) == 1 {
				accepted = append(accepted, d.params...)
			}
			sort.Strings(documented)
			sort.Strings(accepted)
			if strings.Join(documented, ",") != strings.Join(accepted, ",") {
				t.Errorf("%s %s (%s): documented %v, accepted %v", m, path, name, documented, accepted)
			}
		}
	}
}
