package httpapi_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/revshare/revshare/ledger/sqlite"
	"github.com/revshare/revshare/ledger/sqlite/tempdb"
	"github.com/revshare/revshare/ledger/usage"
	"github.com/revshare/revshare/reports/httpapi"
)

// BenchmarkREST serves GET requests through the whole server (token
// authentication, the permission table, the handler, the JSON) over a real
// SQLite database of 2,000 events, with the response cache off so that
// every request is computed. Figures: docs/design/api.md.
func BenchmarkREST(b *testing.B) {
	ctx := context.Background()
	rw := tempdb.Open(b, nil)
	var csv strings.Builder
	csv.WriteString("event_id,occurred_at,seller,channel,customer,product,region,amount,currency\n")
	sellers, channels := []string{"openai", "microsoft"}, []string{"direct", "azure", "aws"}
	for i := range 2000 {
		fmt.Fprintf(&csv, "e%d,2026-%02d-%02d,%s,%s,c%d,p%d,r%d,%d.%02d,USD\n", i, 1+i%6, 1+i%28, sellers[i%2], channels[i%3], i%50, i%7, i%4, 10+i%90, i%100)
	}
	if _, err := rw.ImportUsage(ctx, strings.NewReader(csv.String()), usage.ImportOptions{Source: "crm", FileName: "u.csv"}); err != nil {
		b.Fatal(err)
	}
	_, secret, err := rw.CreateToken(ctx, "bench", "auditor")
	if err != nil {
		b.Fatal(err)
	}
	ro, err := sqlite.OpenReadOnly(ctx, rw.Path())
	if err != nil {
		b.Fatal(err)
	}
	defer ro.Close()
	cfg := httpapi.NewTestConfig(ro)
	cfg.Write, cfg.NoCache = httpapi.NewTestServices(rw), true
	srv := httpapi.New(cfg)
	for _, p := range []string{
		"/api/v1/trial-balance",
		"/api/v1/accounts",
		"/api/v1/entries?limit=100",
		"/api/v1/entries/5",
		"/api/v1/events?limit=100",
		"/api/v1/events?customer=c7&limit=100",
		"/api/v1/events/100",
		"/api/v1/imports",
		"/api/v1/imports/1",
	} {
		b.Run(strings.NewReplacer("/api/v1/", "", "/", "_", "?", "_").Replace(p), func(b *testing.B) {
			for range b.N {
				req := httptest.NewRequest("GET", p, nil)
				req.Header.Set("Authorization", "Bearer "+secret)
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatalf("%s: %d %s", p, rec.Code, rec.Body.String())
				}
			}
		})
	}
}
