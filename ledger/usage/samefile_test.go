package usage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/revshare/revshare/ledger"
)

// fakeImporter "imports" by reading r whole and answering res; a dry run
// given no SHA-256 answers the hash of what it read, as RunImport does.
type fakeImporter struct {
	Importer
	res ledger.ImportResult
}

func (f fakeImporter) ImportUsage(_ context.Context, r io.Reader, opts ImportOptions) (ledger.ImportResult, error) {
	data, err := io.ReadAll(r)
	res := f.res
	if opts.DryRun && opts.SHA256 == "" {
		sum := sha256.Sum256(data)
		res.SHA256 = hex.EncodeToString(sum[:])
	}
	return res, err
}

// fakeBatches holds recorded batches in ID order.
type fakeBatches struct {
	ledger.ImportStore
	bs []ledger.ImportBatch
}

func (f fakeBatches) ImportBatches(_ context.Context, after int64, limit int) ([]ledger.ImportBatch, error) {
	var out []ledger.ImportBatch
	for _, b := range f.bs {
		if b.ID > after && len(out) < limit {
			out = append(out, b)
		}
	}
	return out, nil
}

func (f fakeBatches) ImportBatch(_ context.Context, id int64) (ledger.ImportBatch, error) {
	for _, b := range f.bs {
		if b.ID == id {
			return b, nil
		}
	}
	return ledger.ImportBatch{}, ledger.Errorf(ledger.ENOTFOUND, "no batch %d", id)
}

// TestImportFindsTheSameFile: Import finds an earlier complete usage batch
// of the same content (by SHA-256: the options' for an import, the bytes
// read for a dry run) and words what the user must know: the same file
// under another source posts its events again (a warning, in a dry run
// before posting), under its own source nothing new (a note). A batch that
// never completed, or a file not seen before, says nothing.
func TestImportFindsTheSameFile(t *testing.T) {
	content := "event_id,occurred_at,seller,channel,amount,currency\n"
	sum := sha256.Sum256([]byte(content))
	sha := hex.EncodeToString(sum[:])
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	march := ledger.ImportBatch{ID: 1, Kind: "usage", Source: "billing", File: "march.csv", SHA256: sha, Status: "complete", StartedAt: at}
	rates := ledger.ImportBatch{ID: 1, Kind: "rates", Source: "billing", File: "march.csv", SHA256: sha, Status: "complete", StartedAt: at}
	running := march
	running.Status = "running"
	const earlier = " has the same content as batch 1 (march.csv, imported 2026-03-01T12:00:00Z)"
	cases := []struct {
		name          string
		stored        ledger.ImportBatch
		opts          ImportOptions
		res           ledger.ImportResult
		warning, note string
	}{
		{"another source", march, ImportOptions{FileName: "march.csv", SHA256: sha}, ledger.ImportResult{BatchID: 2, Rows: 3, Posted: 3},
			"march.csv" + earlier + " under source billing; under source default its 3 events are new (an event is its source and event_id) and were posted in batch 2: if they are the same sales, their revenue is now counted twice. Nothing is deleted from the journal: to take them back, import the same rows with negated amounts and new event_ids under source default. Next time import it under source billing, or check with a dry run first, which warns before posting", ""},
		{"another source, dry run, one event", march, ImportOptions{FileName: "m.csv", Source: "crm", DryRun: true}, ledger.ImportResult{Rows: 1, Posted: 1},
			"m.csv" + earlier + " under source billing; under source crm its 1 event is new (an event is its source and event_id) and would be posted: if it is the same sale, its revenue would count twice; import it under source billing to find it a duplicate", ""},
		{"its own source", march, ImportOptions{FileName: "march.csv", Source: "billing", SHA256: sha}, ledger.ImportResult{BatchID: 2, Rows: 3, Duplicates: 3},
			"", "march.csv" + earlier + ": its events were imported then"},
		{"a batch that never completed", running, ImportOptions{FileName: "march.csv", SHA256: sha}, ledger.ImportResult{BatchID: 2, Rows: 3, Posted: 3}, "", ""},
		{"a rates file of the same bytes", rates, ImportOptions{FileName: "march.csv", SHA256: sha}, ledger.ImportResult{BatchID: 2, Rows: 3, Posted: 3}, "", ""},
		{"another file, every row known", march, ImportOptions{FileName: "april.csv", SHA256: "ab" + sha[2:]}, ledger.ImportResult{BatchID: 2, Rows: 3, Duplicates: 3},
			"", "every row of april.csv was imported before (same source and event_id): nothing new"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			batches := fakeBatches{bs: []ledger.ImportBatch{tc.stored, {ID: 2, Kind: "usage", Source: "x", SHA256: sha, Status: "complete", StartedAt: at}}}
			got, err := Import(context.Background(), fakeImporter{res: tc.res}, batches, strings.NewReader(content), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got.Warning != tc.warning || got.Note != tc.note {
				t.Errorf("warning %q\nnote %q\nwant warning %q\nnote %q", got.Warning, got.Note, tc.warning, tc.note)
			}
			if (got.SameAs != nil) != (tc.warning != "" || tc.name == "its own source") {
				t.Errorf("same as %+v", got.SameAs)
			}
		})
	}
}
