package httpapi_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"github.com/revshare/revshare/ledger/sqlite/tempdb"
	"github.com/revshare/revshare/reports/httpapi"
)

// varRegexp strips the pattern of a mux path variable: {id:[0-9]+} -> {id}.
var varRegexp = regexp.MustCompile(`\{([a-z_]+):[^}]*\}`)

// TestOpenAPIMatchesRoutes: every route the router has is in openapi.json
// with each of its methods, and every documented operation is a route.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(httpapi.OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi = %q, want 3.x", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for p, ops := range doc.Paths {
		for m := range ops {
			documented[strings.ToUpper(m)+" "+p] = true
		}
	}
	routed := map[string]bool{}
	srv := httpapi.New(httpapi.NewTestConfig(tempdb.Open(t, nil)))
	err := srv.Router().Walk(func(r *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tpl, err := r.GetPathTemplate()
		if err != nil {
			return err
		}
		ms, err := r.GetMethods()
		if err != nil {
			return err
		}
		for _, m := range ms {
			routed[m+" "+varRegexp.ReplaceAllString(tpl, "{$1}")] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var missing, extra []string
	for k := range routed {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !routed[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		t.Errorf("routes missing from openapi.json: %v", missing)
	}
	if len(extra) > 0 {
		t.Errorf("openapi.json documents operations the router does not have: %v", extra)
	}
	if len(routed) < 40 {
		t.Errorf("only %d operations routed; the walk looks broken", len(routed))
	}
}

// TestOpenAPIValidates lints openapi.json with Redocly's validator (npm
// @redocly/cli). .ci/run installs it; outside CI without npm the test skips.
func TestOpenAPIValidates(t *testing.T) {
	var cmd *exec.Cmd
	if p, err := exec.LookPath("redocly"); err == nil {
		cmd = exec.Command(p, "lint", "--config", "redocly.yaml", "openapi.json")
	} else if p, err := exec.LookPath("npx"); err == nil {
		cmd = exec.Command(p, "--yes", "@redocly/cli@2.77.0", "lint", "--config", "redocly.yaml", "openapi.json")
	} else {
		if os.Getenv("CI") != "" {
			t.Fatal("CI is set but neither redocly nor npx is installed (.ci/run installs @redocly/cli)")
		}
		t.Skip("neither redocly nor npx is installed: cannot validate openapi.json (CI does)")
	}
	cmd.Env = append(os.Environ(), "REDOCLY_TELEMETRY=off", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
	}
	if !strings.Contains(string(out), "Your API description is valid") || regexp.MustCompile(`You have \d+ warning`).Match(out) {
		t.Fatalf("redocly lint:\n%s", out)
	}
}
