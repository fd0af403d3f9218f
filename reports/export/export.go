// Package export writes the ledger as plain-text accounting journals that
// hledger, ledger (ledger-cli) and beancount read, so that those tools can
// check revshare's arithmetic independently. Writers are pure: they read
// entries from a Source and write text; they hold memory in proportion to
// the number of accounts and currencies, never to the number of entries.
// docs/export.md describes the formats, the account mapping and the metadata.
package export

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/revshare/revshare/internal/spelling"
	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
)

// Format is a plain-text accounting format.
type Format string

const (
	Hledger   Format = "hledger"
	Ledger    Format = "ledger" // ledger-cli
	Beancount Format = "beancount"
)

// Formats lists every format, in the order the command line names them.
var Formats = []Format{Hledger, Ledger, Beancount}

// ParseFormat parses "hledger", "ledger" or "beancount"; anything else is an
// EINVALID error.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = string(f)
	}
	if near := spelling.Nearest(s, names); len(near) > 0 {
		return "", ledger.Errorf(ledger.EINVALID, "unknown export format %q: did you mean %s? (want hledger, ledger or beancount)", s, strings.Join(near, " or "))
	}
	return "", ledger.Errorf(ledger.EINVALID, "unknown export format %q (want hledger, ledger or beancount)", s)
}

// Source streams the entries whose effective date lies in [from, to] (a zero
// bound does not limit), in ID order, calling fn for each; it stops at and
// returns fn's first error. The entry passed to fn is only valid during the
// call. A Journal's EachEntry with From and To set is a Source.
type Source func(from, to ledger.Date, fn func(*ledger.Entry) error) error

// Checkpoint is the trial balance at the end of Date, written as balance
// assertions that the tools check: hledger and ledger postings with "= AMOUNT"
// in a transaction dated Date, beancount balance directives dated the next day.
// With Balances nil, the writer asserts the sums of what it wrote (opening
// balances and entries dated up to Date). Given Balances (from the store's
// trial balance) must equal those sums, or Write fails: the file would not
// pass the tools' checks.
type Checkpoint struct {
	Date     ledger.Date
	Balances []ledger.Balance
}

// Options shape an export.
type Options struct {
	// From and To bound the exported effective dates, inclusive; a zero bound
	// does not limit.
	From, To ledger.Date
	// Opening is the trial balance at the end of the day before From. Its
	// non-zero balances are posted as one transaction dated that day, so that
	// the tools' balances over the file equal the ledger's. It needs From.
	Opening []ledger.Balance
	// Checkpoints are balance assertions, in increasing date order, each
	// inside [From, To]. The entries are read once per interval between
	// checkpoints, because ledger checks assertions in file order.
	Checkpoints []Checkpoint
	// Header lines are written as comments at the top of the file.
	Header []string
}

// Write writes every entry of src selected by opts to w in format f, then
// declarations of the accounts and currencies used (beancount open and
// commodity directives dated their first use; hledger and ledger account and
// commodity directives). Invalid options, an invalid account or currency, or
// an entry outside the requested dates are EINVALID errors; errors of src
// and of w are returned as they are.
func Write(w io.Writer, f Format, src Source, opts Options) error {
	if _, err := ParseFormat(string(f)); err != nil {
		return err
	}
	if err := opts.validate(); err != nil {
		return err
	}
	x := &exporter{
		f:          f,
		w:          bufio.NewWriterSize(w, 256<<10),
		accounts:   map[string]*accountInfo{},
		currencies: map[string]*currencyInfo{},
		running:    map[balanceKey]decimal.Decimal{},
	}
	if err := x.run(src, opts); err != nil {
		return err
	}
	return x.w.Flush()
}

func (o *Options) validate() error {
	if !o.From.IsZero() && !o.To.IsZero() && o.To.Before(o.From) {
		return ledger.Errorf(ledger.EINVALID, "export: --to %s is before --from %s", o.To, o.From)
	}
	if len(o.Opening) > 0 && o.From.IsZero() {
		return ledger.Errorf(ledger.EINVALID, "export: opening balances need a start date")
	}
	sums := map[string]decimal.Decimal{}
	for _, b := range o.Opening {
		sums[b.Currency] = sums[b.Currency].Add(b.Amount)
	}
	for _, c := range ledger.SortedKeys(sums) {
		if !sums[c].IsZero() {
			return ledger.Errorf(ledger.EINVALID, "export: opening balances in %s sum to %s, not zero", c, sums[c])
		}
	}
	for i, cp := range o.Checkpoints {
		if cp.Date.IsZero() {
			return ledger.Errorf(ledger.EINVALID, "export: checkpoint %d has no date", i+1)
		}
		if i > 0 && !o.Checkpoints[i-1].Date.Before(cp.Date) {
			return ledger.Errorf(ledger.EINVALID, "export: checkpoints must be in increasing date order (%s after %s)", cp.Date, o.Checkpoints[i-1].Date)
		}
		if !o.From.IsZero() && cp.Date.Before(o.From) || !o.To.IsZero() && cp.Date.After(o.To) {
			return ledger.Errorf(ledger.EINVALID, "export: checkpoint %s is outside the exported dates", cp.Date)
		}
	}
	return nil
}

type accountInfo struct {
	name  string // in the output format
	first ledger.Date
}

type currencyInfo struct {
	first ledger.Date
}

type balanceKey struct{ account, currency string }

type exporter struct {
	f          Format
	w          *bufio.Writer
	buf        []byte
	accounts   map[string]*accountInfo
	currencies map[string]*currencyInfo
	// running sums what has been written, per account and currency: the
	// balances at the end of the last interval read.
	running map[balanceKey]decimal.Decimal
}

func (x *exporter) run(src Source, opts Options) error {
	if err := x.header(opts); err != nil {
		return err
	}
	if len(opts.Opening) > 0 {
		if err := x.opening(opts.From.AddDays(-1), opts.Opening); err != nil {
			return err
		}
	}
	from := opts.From
	for _, cp := range opts.Checkpoints {
		if err := x.segment(src, from, cp.Date); err != nil {
			return err
		}
		if err := x.assertions(cp); err != nil {
			return err
		}
		from = cp.Date.AddDays(1)
	}
	if opts.To.IsZero() || !from.After(opts.To) {
		if err := x.segment(src, from, opts.To); err != nil {
			return err
		}
	}
	return x.declarations()
}

// segment writes the entries dated in [from, to].
func (x *exporter) segment(src Source, from, to ledger.Date) error {
	return src(from, to, func(e *ledger.Entry) error {
		if !from.IsZero() && e.Date.Before(from) || !to.IsZero() && e.Date.After(to) {
			return ledger.Errorf(ledger.EINVALID, "export: entry %d dated %s is outside the requested dates [%s, %s]", e.ID, e.Date, from, to)
		}
		return x.entry(e)
	})
}

func (x *exporter) header(opts Options) error {
	b := x.buf[:0]
	lines := append([]string{fmt.Sprintf("revshare ledger export, %s format", x.f)}, opts.Header...)
	for _, l := range lines {
		b = append(b, "; "...)
		for _, r := range l {
			if r < 0x20 || r == 0x7f {
				r = ' '
			}
			b = utf8.AppendRune(b, r)
		}
		b = append(b, '\n')
	}
	switch x.f {
	case Hledger:
		// "1.000" is then one, never a thousand, whatever the commodity.
		b = append(b, "\ndecimal-mark .\n"...)
	case Beancount:
		b = append(b, "\noption \"title\" \"revshare ledger\"\n"...)
	}
	return x.flushBuf(b)
}

// flushBuf hands b to the buffered writer. Its error (the writer's first,
// which bufio keeps) stops the export instead of streaming on into a closed
// pipe.
func (x *exporter) flushBuf(b []byte) error {
	_, err := x.w.Write(b)
	x.buf = b[:0]
	return err
}

// declarations writes the accounts and currencies used, which beancount
// requires (open directives dated the first use) and which hledger's and
// ledger's strict checks want.
func (x *exporter) declarations() error {
	names := ledger.SortedKeys(x.accounts)
	codes := ledger.SortedKeys(x.currencies)
	b := x.buf[:0]
	if len(names) > 0 {
		b = append(b, "\n; accounts and commodities used above\n"...)
	}
	for _, n := range names {
		a := x.accounts[n]
		if x.f == Beancount {
			b = append(b, a.first.String()...)
			b = append(b, " open "...)
		} else {
			b = append(b, "account "...)
		}
		b = append(b, a.name...)
		b = append(b, '\n')
		if len(b) > 64<<10 {
			if err := x.flushBuf(b); err != nil {
				return err
			}
			b = x.buf[:0]
		}
	}
	for _, c := range codes {
		if x.f == Beancount {
			b = append(b, x.currencies[c].first.String()...)
			b = append(b, ' ')
		}
		// No sample amount: hledger would take its precision as the display
		// precision and round what it prints.
		b = append(b, "commodity "...)
		b = append(b, c...)
		b = append(b, '\n')
	}
	return x.flushBuf(b)
}
