package usage

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/revshare/revshare/ledger"
)

// Imported is what Import did: the importer's result and, when the file's
// content was imported before, what the user must be told of it.
type Imported struct {
	ledger.ImportResult
	// SameAs is the earlier complete usage batch of a file with the same
	// SHA-256 (nil when none).
	SameAs *ledger.ImportBatch
	// Warning: the same file under another source, whose events were
	// (or, in a dry run, would be) posted again: its revenue counts twice.
	Warning string
	// Note: the same file again under its source (nothing posted twice),
	// or every row a duplicate.
	Note string
}

// batchPage is how many import batches Import reads per call.
const batchPage = 1000

// Import imports r by imp.ImportUsage, then looks among the recorded
// batches for an earlier import of the same file (by its SHA-256: for a
// dry run, which records no batch, the one the importer read,
// ImportResult.SHA256). An event is
// identified by its source and event_id (spec section 2), so the same file
// under another source posts its events again, which section 2 allows and
// which is a mistake almost always: the Warning says so, and how to undo
// or avoid it. The command line and the REST API both import through here,
// so both warn. Errors are imp's, or reading the batches'.
func Import(ctx context.Context, imp Importer, batches ledger.ImportStore, r io.Reader, opts ImportOptions) (Imported, error) {
	res, err := imp.ImportUsage(ctx, r, opts)
	out := Imported{ImportResult: res}
	if err != nil || res.Posted == 0 && res.Duplicates == 0 {
		return out, err
	}
	// The hash given up front, else the one the importer computed of what
	// it read (a dry run records no batch to read it from); the file is
	// not hashed a second time here.
	sha := opts.SHA256
	if sha == "" && opts.DryRun {
		sha = res.SHA256
	}
	if out.SameAs, err = earlierBatch(ctx, batches, res.BatchID, sha); err != nil {
		return out, err
	}
	source := opts.Source
	if source == "" {
		source = "default"
	}
	out.Warning, out.Note = sameFileWords(opts.FileName, source, opts.DryRun, res, out.SameAs)
	return out, nil
}

// earlierBatch returns the first complete usage batch before batch id
// (any batch, when id is 0) that imported a file of the given SHA-256 (id's
// own, when sha is ""); nil when there is none.
func earlierBatch(ctx context.Context, batches ledger.ImportStore, id int64, sha string) (*ledger.ImportBatch, error) {
	if sha == "" && id > 0 {
		b, err := batches.ImportBatch(ctx, id)
		if err != nil {
			return nil, err
		}
		sha = b.SHA256
	}
	if len(sha) != 64 { // "pending", or a dry run of a file not read whole
		return nil, nil
	}
	for after := int64(0); ; {
		page, err := batches.ImportBatches(ctx, after, batchPage)
		if err != nil || len(page) == 0 {
			return nil, err
		}
		for i := range page {
			b := page[i]
			if id > 0 && b.ID >= id {
				return nil, nil
			}
			if b.Kind == "usage" && b.Status == "complete" && b.SHA256 == sha {
				return &b, nil
			}
		}
		after = page[len(page)-1].ID
	}
}

// sameFileWords are Import's Warning and Note for file, imported under
// source with result res; same is the earlier batch of the same content.
func sameFileWords(file, source string, dryRun bool, res ledger.ImportResult, same *ledger.ImportBatch) (warning, note string) {
	switch {
	case same != nil && same.Source != source && res.Posted > 0:
		// The journal only grows: what undoes it is a reversal.
		events, are, were, they, sales, their, dups := "events", "are", "were", "they", "sales", "their", "them all duplicates"
		if res.Posted == 1 {
			events, are, were, they, sales, their, dups = "event", "is", "was", "it", "sale", "its", "it a duplicate"
		}
		words := fmt.Sprintf("%s has the same content as batch %d (%s, imported %s) under source %s; under source %s its %d %s %s new (an event is its source and event_id)",
			file, same.ID, same.File, same.StartedAt.UTC().Format(time.RFC3339), same.Source, source, res.Posted, events, are)
		if dryRun {
			return fmt.Sprintf("%s and would be posted: if %s %s the same %s, %s revenue would count twice; import it under source %s to find %s",
				words, they, are, sales, their, same.Source, dups), ""
		}
		return fmt.Sprintf("%s and %s posted in batch %d: if %s %s the same %s, %s revenue is now counted twice. Nothing is deleted from the journal: to take %s back, import the same rows with negated amounts and new event_ids under source %s. Next time import it under source %s, or check with a dry run first, which warns before posting",
			words, were, res.BatchID, they, are, sales, their, map[bool]string{true: "it", false: "them"}[res.Posted == 1], source, same.Source), ""
	case same != nil:
		return "", fmt.Sprintf("%s has the same content as batch %d (%s, imported %s): its events were imported then",
			file, same.ID, same.File, same.StartedAt.UTC().Format(time.RFC3339))
	case res.Duplicates == res.Rows && res.Rows > 0:
		return "", fmt.Sprintf("every row of %s was imported before (same source and event_id): nothing new", file)
	}
	return "", ""
}
