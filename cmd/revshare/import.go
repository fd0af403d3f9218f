package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/revshare/revshare/internal/spelling"
	"github.com/revshare/revshare/ledger/usage"

	"github.com/revshare/revshare/ledger"
)

// crashPointEnv names a point at which an import kills itself with SIGKILL
// (before-commit, after-commit, after-batch, after-chunk-N,
// before-chunk-commit-N). The crash test uses it; unset, it costs nothing.
const crashPointEnv = "REVSHARE_CRASHPOINT"

func newImportCommand(m *Main) *cobra.Command {
	cmd := group("import", "import usage events (import usage) or exchange rates (import rates); list imports (import list)", `  revshare import usage usage.csv
  revshare import usage export.csv --mapping excel.yaml --allow-partial
  revshare import rates rates.csv
  revshare import list --format json`)
	list := listCommand("import", "list the import batches", func(ctx context.Context, format string) error {
		return runImportList(ctx, m, format)
	})
	cmd.AddCommand(newImportUsageCommand(m), newImportRatesCommand(m), list)
	return cmd
}

// importSummary is what `import usage --format json` prints.
type importSummary struct {
	File       string `json:"file"`
	Source     string `json:"source"`
	Batch      int64  `json:"batch,omitempty"`
	DryRun     bool   `json:"dry_run,omitempty"`
	Rows       int    `json:"rows"`
	Posted     int    `json:"posted"`
	Duplicates int    `json:"duplicates"`
	Rejected   int    `json:"rejected"`
	Late       int    `json:"late"`
	Entries    int    `json:"entries"`
	Rejects    string `json:"rejects_file,omitempty"`
	// SameAs is the earlier batch of a file with the same content.
	SameAs *ledger.ImportBatch `json:"same_as_batch,omitempty"`
	// Warning is usage.Imported's: the same file under another source.
	Warning string `json:"warning,omitempty"`
}

type importUsageOptions struct {
	source, mapping, rejects, format string
	allowPartial, dryRun             bool
	chunkRows                        int
}

func newImportUsageCommand(m *Main) *cobra.Command {
	var o importUsageOptions
	cmd := &cobra.Command{
		Use:   "usage FILE.csv",
		Short: "import usage events from a CSV file (all or nothing, unless --allow-partial)",
		Example: `  revshare import usage usage.csv
  revshare import usage usage.csv --dry-run
  revshare import usage export.csv --mapping excel.yaml
  revshare import usage big.csv --allow-partial --rejects bad-rows.csv`,
		RunE: withArgs("import usage", "one FILE.csv", 1, func(ctx context.Context, args []string) error {
			return runImportUsage(ctx, m, args[0], o)
		}),
	}
	f := cmd.Flags()
	nonEmptyFlag(cmd, &o.source, "source", "", "want a source name", "source system of the events: (source, event_id) is the idempotency key (default: the mapping's source, else \"default\")")
	nonEmptyFlag(cmd, &o.mapping, "mapping", "", "want a mapping file path", "YAML `FILE` mapping another CSV layout to the canonical columns (see docs/import.md)")
	f.BoolVar(&o.allowPartial, "allow-partial", false, "post the good rows (in committed chunks) and write the bad ones to a rejects CSV")
	f.BoolVar(&o.dryRun, "dry-run", false, "validate and report; write nothing")
	nonEmptyFlag(cmd, &o.rejects, "rejects", "", "want a file path", "with --allow-partial: the CSV `FILE` to write rejected rows to (default: the imported file's name + .rejects.csv)")
	f.IntVar(&o.chunkRows, "chunk-rows", usage.DefaultChunkRows, "with --allow-partial: rows per committed transaction")
	formatFlag(cmd, &o.format, "text", "text", "json")
	return cmd
}

func runImportUsage(ctx context.Context, m *Main, path string, o importUsageOptions) (err error) {
	if err := checkFormat(o.format, "text", "json"); err != nil {
		return err
	}
	// Refused rather than ignored: a script that names a rejects file or a
	// chunk size believes the import will use it.
	if o.rejects != "" && !o.allowPartial {
		return fmt.Errorf("--rejects goes with --allow-partial: without it a file with a bad row posts nothing and the bad rows are listed here")
	}
	if o.chunkRows < 1 {
		return fmt.Errorf("--chunk-rows %d: want a positive number of rows", o.chunkRows)
	}
	opts := usage.ImportOptions{FileName: path, AllowPartial: o.allowPartial && !o.dryRun, DryRun: o.dryRun, ChunkRows: o.chunkRows}
	if o.mapping != "" {
		f, err := openInput(o.mapping)
		if err != nil {
			return err
		}
		opts.Mapping, err = usage.ParseMapping(o.mapping, f)
		f.Close()
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				fmt.Fprintln(m.Stderr, line)
			}
			return fmt.Errorf("%s: invalid mapping file", o.mapping)
		}
		opts.Source = opts.Mapping.Source
	}
	if o.source != "" {
		opts.Source = o.source
	}
	if opts.Source == "" {
		opts.Source = "default"
	}
	f, err := openInput(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if opts.AllowPartial {
		if !st.Mode().IsRegular() {
			return fmt.Errorf("%s: --allow-partial reads the file twice (its hash names the committed chunks, so a re-run completes it): give it a file, not a pipe", path)
		}
		// Chunks are posted before the end of the file is read; their entry
		// keys name the file's hash, so it is computed first.
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			return err
		}
		opts.SHA256 = hex.EncodeToString(h.Sum(nil))
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
	}
	if cp := m.Getenv(crashPointEnv); cp != "" {
		opts.CrashPoint = func(name string) {
			if name == cp {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
			}
		}
	}

	var rejects *rejectsWriter
	if opts.AllowPartial {
		rp := o.rejects
		if rp == "" {
			rp = path + ".rejects.csv"
		}
		if err := m.checkOutputPath("--rejects", rp, namedFile{"the file being imported", path}, namedFile{"the mapping file", o.mapping}); err != nil {
			return fmt.Errorf("%w (nothing imported)", err)
		}
		if rejects, err = openRejects(rp); err != nil {
			return err
		}
		defer rejects.close()
		opts.OnReject = rejects.write
	} else {
		opts.OnReject = func(row *usage.Row) error {
			m.printRowErrors(row.Errors)
			return nil
		}
	}
	bar := m.progressBar(st.Size(), path)
	if bar != nil {
		opts.OnProgress = bar.update
	}

	svc, finish, err := m.importStore(ctx, opts.DryRun)
	if err != nil {
		return err
	}
	committed := false
	defer func() {
		if ferr := finish(committed); ferr != nil && err == nil {
			err = ferr
		}
	}()
	res, err := usage.Import(ctx, svc.Importer, svc.Imports, f, opts)
	committed = !opts.DryRun && (err == nil || res.Posted > 0)
	// The whole-file check ran beside the import: on a damaged file its
	// verdict is the answer, before any summary (a dry run commits nothing
	// that could wait for it).
	err = svc.checkDamage(ctx, err)
	if bar != nil {
		bar.finish()
	}
	if rejects != nil {
		if cerr := rejects.close(); cerr != nil && err == nil {
			err = cerr
		}
	}
	var fileErrs usage.RowErrors
	if errors.As(err, &fileErrs) {
		m.printRowErrors(fileErrs)
		if opts.AllowPartial && res.Posted > 0 {
			return fmt.Errorf("%s: %d problem(s) with the file; the import stopped after %s (batch %d is incomplete)",
				path, len(fileErrs), spelling.Count(res.Posted, "posted row", "posted rows"), res.BatchID)
		}
		return fmt.Errorf("%s: %d problem(s) with the file; nothing imported", path, len(fileErrs))
	}
	if err != nil {
		return err
	}
	sum := importSummary{File: path, Source: opts.Source, Batch: res.BatchID, DryRun: opts.DryRun, Rows: res.Rows, Posted: res.Posted,
		Duplicates: res.Duplicates, Rejected: res.Rejected, Late: res.Late, Entries: res.Entries, SameAs: res.SameAs, Warning: res.Warning}
	if rejects != nil && rejects.n > 0 {
		sum.Rejects = rejects.path
	}
	if o.format == "json" {
		err = writeJSON(m.Stdout, sum)
	} else {
		_, err = fmt.Fprintln(m.Stdout, sum.line())
	}
	if err != nil {
		return err
	}
	// The words are the import service's (usage.Import), the REST API's too.
	if res.Warning != "" {
		fmt.Fprintf(m.Stderr, "revshare: warning: %s\n", res.Warning)
	}
	if res.Note != "" {
		fmt.Fprintf(m.Stderr, "revshare: note: %s\n", res.Note)
	}
	if sum.Rejected > 0 {
		// The good rows are posted; a script must still notice the rest.
		return &partialError{fmt.Sprintf("%d of %s rejected and not imported: they are in %s with the reason on each line; fix them and import them again (exit status 3)",
			sum.Rejected, rowCount(sum.Rows), sum.Rejects)}
	}
	return nil
}

// printRowErrors prints each problem of an imported file on its own line
// on stderr, as "FILE:LINE: reason".
func (m *Main) printRowErrors(errs []*usage.RowError) {
	for _, e := range errs {
		fmt.Fprintln(m.Stderr, e.Error())
	}
}

// batchPage is how many import batches a command reads per call.
const batchPage = 1000

// importBatches reads the import batches, batchPage at a time, up to the
// page that holds batch through, or all of them when through is 0.
func importBatches(ctx context.Context, imports ledger.ImportStore, through int64) ([]ledger.ImportBatch, error) {
	all := []ledger.ImportBatch{}
	for after := int64(0); ; {
		page, err := imports.ImportBatches(ctx, after, batchPage)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if len(page) < batchPage || through > 0 && page[len(page)-1].ID >= through {
			return all, nil
		}
		after = page[len(page)-1].ID
	}
}

// line is the one-line summary every import prints.
func (s importSummary) line() string {
	rejected := fmt.Sprintf("%d rejected", s.Rejected)
	if s.Rejects != "" {
		rejected += " (see " + s.Rejects + ")"
	}
	if s.DryRun {
		return fmt.Sprintf("checked %s: %s, %d would post, %s, %s, %d late (dry run: nothing written)",
			s.File, rowCount(s.Rows), s.Posted, duplicates(s.Duplicates), rejected, s.Late)
	}
	return fmt.Sprintf("imported %s: %s, %d posted, %s, %s, %d late (batch %d)",
		s.File, rowCount(s.Rows), s.Posted, duplicates(s.Duplicates), rejected, s.Late, s.Batch)
}

// rejectsWriter writes bad rows to a CSV: the file's columns, then
// rejected_line and rejected_reason (which an import skips). The file is opened before the import starts, so that a path that
// cannot be written stops it before any row posts; an existing file is
// replaced only at the first reject, and a file the writer created is
// removed again when no row was rejected.
type rejectsWriter struct {
	path    string
	f       *os.File
	created bool
	w       *ledger.CSVWriter
	header  []string
	n       int
}

// openRejects opens path for writing without truncating it.
func openRejects(path string) (*rejectsWriter, error) {
	_, statErr := os.Stat(path)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("--rejects %s: cannot write the rejects file: %v (nothing imported)", path, err)
	}
	return &rejectsWriter{path: path, f: f, created: os.IsNotExist(statErr)}, nil
}

func (r *rejectsWriter) write(row *usage.Row) error {
	if r.w == nil {
		if fi, err := r.f.Stat(); err == nil && fi.Mode().IsRegular() {
			if err := r.f.Truncate(0); err != nil {
				return err
			}
		}
		r.w = ledger.NewCSVWriter(r.f)
		r.header = append(append([]string(nil), row.Header...), usage.RejectLineColumn, usage.RejectReasonColumn)
		if err := r.w.Write(r.header); err != nil {
			return err
		}
	}
	rec := make([]string, len(r.header))
	copy(rec, row.Record) // padded or cut to the header's width
	rec[len(rec)-2] = strconv.Itoa(row.Line)
	reasons := make([]string, len(row.Errors))
	for i, e := range row.Errors {
		c := *e
		c.File, c.Line = "", 0
		reasons[i] = strings.TrimPrefix(c.Error(), ":0: ")
	}
	rec[len(rec)-1] = strings.Join(reasons, "; ")
	r.n++
	return r.w.Write(rec)
}

func (r *rejectsWriter) close() error {
	if r.f == nil {
		return nil
	}
	var err error
	if r.w != nil {
		r.w.Flush()
		err = r.w.Error()
	}
	if cerr := r.f.Close(); err == nil {
		err = cerr
	}
	if r.n == 0 && r.created {
		os.Remove(r.path)
	}
	r.f = nil
	return err
}

// importBar is the progress bar shown when stdout is a terminal: bytes read
// against the file's size (for the ETA), and rows per second.
type importBar struct {
	bar   *progressbar.ProgressBar
	start time.Time
}

func (m *Main) progressBar(size int64, name string) *importBar {
	f, ok := m.Stdout.(*os.File)
	if !ok || !(isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())) {
		return nil
	}
	bar := progressbar.NewOptions64(size,
		progressbar.OptionSetWriter(f),
		progressbar.OptionSetDescription(name),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionShowElapsedTimeOnFinish(),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetWidth(30),
	)
	return &importBar{bar: bar, start: time.Now()}
}

func (b *importBar) update(rows int, bytes int64) {
	secs := time.Since(b.start).Seconds()
	rate := 0.0
	if secs > 0 {
		rate = float64(rows) / secs
	}
	b.bar.Describe(fmt.Sprintf("%s, %.0f rows/s", rowCount(rows), rate))
	b.bar.Set64(bytes)
}

func (b *importBar) finish() {
	b.bar.Finish()
	b.bar.Clear()
}

func newImportRatesCommand(m *Main) *cobra.Command {
	var dryRun bool
	var format string
	cmd := &cobra.Command{
		Use:     "rates FILE.csv",
		Short:   "import exchange rates (columns date,from,to,rate)",
		Example: "  revshare import rates rates.csv\n  revshare import rates rates.csv --dry-run --format json",
		RunE: withArgs("import rates", "one FILE.csv (columns date,from,to,rate)", 1, func(ctx context.Context, args []string) error {
			return runImportRates(ctx, m, args[0], dryRun, format)
		}),
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "validate and report; write nothing")
	formatFlag(cmd, &format, "text", "text", "json")
	return cmd
}

func runImportRates(ctx context.Context, m *Main, path string, dryRun bool, format string) (err error) {
	if err := checkFormat(format, "text", "json"); err != nil {
		return err
	}
	f, err := openInput(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, finish, err := m.importStore(ctx, dryRun)
	if err != nil {
		return err
	}
	committed := false
	defer func() {
		if ferr := finish(committed); ferr != nil && err == nil {
			err = ferr
		}
	}()
	res, err := st.Importer.ImportRates(ctx, f, usage.RateImportOptions{FileName: path, DryRun: dryRun, OnReject: func(row *usage.RateRow) error {
		m.printRowErrors(row.Errors)
		return nil
	}})
	committed = !dryRun && err == nil
	var fileErrs usage.RowErrors
	if errors.As(err, &fileErrs) {
		m.printRowErrors(fileErrs)
		return fmt.Errorf("%s: %d problem(s) with the file; nothing imported", path, len(fileErrs))
	}
	if err != nil {
		return err
	}
	if format == "json" {
		return writeJSON(m.Stdout, res)
	}
	if dryRun {
		fmt.Fprintf(m.Stdout, "checked rates %s: %s, %d would be added, %s (dry run: nothing written)\n", path, rowCount(res.Rows), res.Added, duplicates(res.Duplicates))
		return nil
	}
	fmt.Fprintf(m.Stdout, "imported rates %s: %s, %d added, %s (batch %d)\n", path, rowCount(res.Rows), res.Added, duplicates(res.Duplicates), res.BatchID)
	return nil
}

func runImportList(ctx context.Context, m *Main, format string) error {
	st, err := m.storeFor(ctx, format, "table", "json")
	if err != nil {
		return err
	}
	all, err := importBatches(ctx, st.Imports, 0)
	if err != nil {
		return err
	}
	if format == "json" {
		return writeJSON(m.Stdout, all)
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tSOURCE\tFILE\tROWS\tPOSTED\tDUPLICATES\tREJECTED\tLATE\tSTATUS\tSTARTED\tSHA256")
	for _, b := range all {
		status := b.Status
		if status == "running" {
			status = "incomplete" // still running, or interrupted: re-run the same command
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%s\n", b.ID, b.Kind, ledger.Printable(b.Source), ledger.Printable(b.File), b.Rows, b.Posted,
			b.Duplicates, b.Rejected, b.Late, status, b.StartedAt.Format(time.RFC3339), short12(b.SHA256))
	}
	return tw.Flush()
}

func short12(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// rowCount is "1 row" or "N rows".
func rowCount[N int | int64](n N) string { return spelling.Count(n, "row", "rows") }

// duplicates is "1 duplicate" or "N duplicates".
func duplicates[N int | int64](n N) string { return spelling.Count(n, "duplicate", "duplicates") }
