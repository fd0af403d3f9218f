package books

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/revshare/revshare/ledger"
)

// The rows of the books that the fact chain seals (ledger.VerifyFactChain),
// as ledger.Facts: the same columns, in the same text, on every backend. A
// store reads each row as text (the *Text types), and seals a row when it
// is final: a run, a close, a contract version and a final statement when
// written, an import batch when it completes. The instants are read in one
// form (InstantText), whatever form the store keeps them in.

// CloseText is a period_closes row as stored.
type CloseText struct {
	Through, ClosedAt string
	HeadID            int64
	HeadHash          string // hex
}

// BatchText is an import_batches row as stored, with the rows that belong
// to it: its exchange rates and its rejects, one line each, in key order.
type BatchText struct {
	ID                                                int64
	Kind, Source, FileName, FileSHA256, Mode, Status  string
	Rows, Posted, Duplicates, Rejected, Late, Entries int64
	StartedAt, FinishedAt                             string // FinishedAt "" when NULL
	Rates                                             []string
	RejectColumns                                     string // "" when none
	Rejects                                           []string
}

// factInstant is an instant in InstantText's form; a value that is not
// RFC 3339 stays as it is (and differs from what was sealed).
func factInstant(s string) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return InstantText(t)
}

// digest is how a fact seals content too long to keep in the chain: its
// SHA-256.
func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256 " + hex.EncodeToString(sum[:])
}

// linesDigest seals rows that belong to a fact: their count and the
// SHA-256 of their lines.
func linesDigest(lines []string) string {
	switch len(lines) {
	case 0:
		return "0 rows"
	case 1:
		return "1 row, " + digest(lines[0])
	}
	return fmt.Sprintf("%d rows, %s", len(lines), digest(strings.Join(lines, "\n")))
}

func i64(n int64) string { return strconv.FormatInt(n, 10) }

// RunFact is a runs row as the fact chain seals it.
func RunFact(r RunText) ledger.Fact {
	entries := "NULL"
	if r.Entries != nil {
		entries = i64(*r.Entries)
	}
	return ledger.Fact{Table: "runs", Key: "id=" + i64(r.ID), Columns: []ledger.FactColumn{
		{Name: "through", Value: r.Through}, {Name: "started_at", Value: factInstant(r.StartedAt)}, {Name: "entries", Value: entries},
	}}
}

// CloseFact is a period_closes row as the fact chain seals it.
func CloseFact(c CloseText) ledger.Fact {
	return ledger.Fact{Table: "period_closes", Key: "through=" + c.Through, Columns: []ledger.FactColumn{
		{Name: "closed_at", Value: factInstant(c.ClosedAt)}, {Name: "head_id", Value: i64(c.HeadID)}, {Name: "head_hash", Value: c.HeadHash},
	}}
}

// ContractFact is a contracts row (one version) as the fact chain seals
// it: its document by its SHA-256.
func ContractFact(d ContractDocument) ledger.Fact {
	return ledger.Fact{Table: "contracts", Key: "id=" + d.ID + " version=" + strconv.Itoa(d.Version), Columns: []ledger.FactColumn{
		{Name: "recorded_at", Value: factInstant(d.RecordedAt)}, {Name: "document", Value: digest(d.Document)},
	}}
}

// StatementFact is a statements row as the fact chain seals it: its body
// by its SHA-256; a basis not recorded (a statement stored before
// migration 0010) is NULL.
func StatementFact(s FinalStatement) ledger.Fact {
	version, events, rates := "NULL", "NULL", "NULL"
	if s.HasBasis {
		version, events, rates = strconv.Itoa(s.Basis.Version), i64(s.Basis.EventsThrough), i64(s.Basis.RatesThrough)
	}
	return ledger.Fact{Table: "statements", Key: "contract=" + s.Contract + " period=" + s.Period, Columns: []ledger.FactColumn{
		{Name: "hash", Value: s.Hash}, {Name: "finalized_at", Value: factInstant(s.FinalizedAt)},
		{Name: "version", Value: version}, {Name: "events_through", Value: events}, {Name: "rates_through", Value: rates},
		{Name: "body", Value: digest(string(s.Body))},
	}}
}

// BatchFact is an import_batches row as the fact chain seals it, with its
// exchange rates (fx_rates) and rejects (import_rejects,
// import_reject_columns) by count and SHA-256. A batch still running is
// not sealed yet.
func BatchFact(b BatchText) ledger.Fact {
	finished := b.FinishedAt
	if finished == "" {
		finished = "NULL"
	} else {
		finished = factInstant(finished)
	}
	rejects := linesDigest(b.Rejects)
	if b.RejectColumns != "" {
		rejects += ", columns " + digest(b.RejectColumns)
	}
	return ledger.Fact{Table: "import_batches", Key: "id=" + i64(b.ID), Unsealed: b.Status == "running", Columns: []ledger.FactColumn{
		{Name: "kind", Value: b.Kind}, {Name: "source", Value: b.Source}, {Name: "file_name", Value: b.FileName},
		{Name: "file_sha256", Value: b.FileSHA256}, {Name: "mode", Value: b.Mode}, {Name: "status", Value: b.Status},
		{Name: "rows", Value: i64(b.Rows)}, {Name: "posted", Value: i64(b.Posted)}, {Name: "duplicates", Value: i64(b.Duplicates)},
		{Name: "rejected", Value: i64(b.Rejected)}, {Name: "late", Value: i64(b.Late)}, {Name: "entries", Value: i64(b.Entries)},
		{Name: "started_at", Value: factInstant(b.StartedAt)}, {Name: "finished_at", Value: finished},
		{Name: "fx_rates", Value: linesDigest(b.Rates)}, {Name: "import_rejects", Value: rejects},
	}}
}
