package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/postgres"
	"github.com/revshare/revshare/ledger/storetest"
)

// Verify recomputes each entry's hash from its meta as stored, whichever
// way it is decoded (metaScanner): plain strings by hand (entry 1),
// escapes and non-ASCII by json.Unmarshal (entry 2), none (entry 3); a
// changed value is found either way.
func TestVerifyMetaDecoded(t *testing.T) {
	ctx := context.Background()
	metas := []map[string]string{
		{"contract": "c1", "kind": "run", "period": "2026-03"},
		{"note": "é \"q\" \\ <&>\n\t", "kind": "x"},
		nil,
	}
	for _, id := range []int{1, 2} {
		t.Run(fmt.Sprint("entry ", id), func(t *testing.T) {
			u := schemaURL(t)
			db, err := postgres.Open(ctx, u, storetest.NewClock(storetest.T0))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var es []ledger.Entry
			for i, m := range metas {
				e := storetest.Sale(fmt.Sprint(i+1), "2026-03-02", "1.5", "USD")
				e.Meta = m
				es = append(es, e)
			}
			if _, err := db.Post(ctx, es); err != nil {
				t.Fatal(err)
			}
			if res, err := db.Verify(ctx); err != nil || res.Entries != 3 {
				t.Fatalf("verify: %+v, %v", res, err)
			}
			e, err := db.Entry(ctx, int64(id))
			if err != nil {
				t.Fatal(err)
			}
			tamper(t, u, fmt.Sprintf(`UPDATE entries SET meta = jsonb_set(meta, '{kind}', '"y"') WHERE id = %d`, id))
			_, err = db.Verify(ctx)
			want := fmt.Sprintf("verify: entry %d: hash does not match its content (stored %s, computed ", id, e.Hash[:12])
			if ledger.ErrorCode(err) != ledger.EINVALID || !strings.HasPrefix(ledger.ErrorMessage(err), want) {
				t.Errorf("verify: %v\nwant %s...", err, want)
			}
		})
	}
}
