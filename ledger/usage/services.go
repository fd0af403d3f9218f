package usage

import (
	"context"
	"errors"
	"io"

	"github.com/revshare/revshare/ledger"
)

// Importer stores usage and exchange-rate files. It is declared here
// rather than beside ledger.ImportStore because its options carry this
// package's Mapping and row types, and this package imports ledger.
type Importer interface {
	// ImportUsage imports a usage CSV (spec section 2) as one batch. By
	// default it is all or nothing: with any bad row nothing is written
	// and the error is EINVALID. With AllowPartial the good rows commit
	// chunk by chunk and the bad ones go to OnReject and are stored. A
	// problem of the whole file (empty, bad header) is a RowErrors.
	ImportUsage(ctx context.Context, r io.Reader, opts ImportOptions) (ledger.ImportResult, error)
	// ImportRates imports an exchange-rate CSV (date,from,to,rate) as one
	// batch, all or nothing; a rate stored before with another value is a
	// bad row.
	ImportRates(ctx context.Context, r io.Reader, opts RateImportOptions) (ledger.RateImportResult, error)
}

// ErrBadRows is matched (errors.Is) by the EINVALID error of an import
// that found bad rows and so wrote nothing.
var ErrBadRows = errors.New("bad rows")

// DefaultChunkRows is how many rows an import with AllowPartial commits
// per transaction.
const DefaultChunkRows = 50000

// ImportOptions control one usage import.
type ImportOptions struct {
	Source       string   // the source system; "default" when empty
	FileName     string   // as shown in reports and stored on the batch
	SHA256       string   // hex SHA-256 of the whole file; required with AllowPartial
	Mapping      *Mapping // nil: canonical columns
	AllowPartial bool     // post good rows chunk by chunk; bad rows go to OnReject
	DryRun       bool     // validate and report, write nothing
	ChunkRows    int      // rows per committed chunk with AllowPartial (0: DefaultChunkRows)

	// OnReject is called for every bad row, in file order, with its errors
	// (conflicts included). row.Record is only valid during the call.
	OnReject func(row *Row) error
	// OnProgress is called every few thousand rows with the rows and bytes read.
	OnProgress func(rows int, bytes int64)
	// CrashPoint, when set, is called at named points ("before-commit",
	// "after-commit", "after-chunk-N", "after-batch") so that a test can
	// kill the process there.
	CrashPoint func(name string)
}

// RateImportOptions control an exchange-rate import.
type RateImportOptions struct {
	FileName string
	DryRun   bool
	// OnReject is called for every bad row (conflicts included).
	OnReject func(row *RateRow) error
}
