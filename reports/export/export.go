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
	"sort"
	"strconv"
	"time"
	"unicode/utf8"

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

// account returns an account's name in the output format and notes its
// first use.
func (x *exporter) account(name string, on ledger.Date) (string, error) {
	a := x.accounts[name]
	if a == nil {
		var out string
		var err error
		if x.f == Beancount {
			out, err = BeancountAccount(name)
		} else {
			// hledger and ledger read revshare's names as they are: segments
			// of a-z 0-9 - _ . never hold the two spaces, tab or ';' that
			// would end an account name.
			out, err = name, nil
			if _, terr := ledger.AccountTypeOf(name); terr != nil {
				err = terr
			}
		}
		if err != nil {
			return "", err
		}
		a = &accountInfo{name: out, first: on}
		x.accounts[name] = a
	}
	if on.Before(a.first) {
		a.first = on
	}
	return a.name, nil
}

func (x *exporter) currency(code string, on ledger.Date) error {
	c := x.currencies[code]
	if c == nil {
		if !ledger.IsCurrency(code) {
			return ledger.Errorf(ledger.EINVALID, "unknown ISO 4217 currency %q", code)
		}
		c = &currencyInfo{first: on}
		x.currencies[code] = c
	}
	if on.Before(c.first) {
		c.first = on
	}
	return nil
}

// posting appends one posting line and notes the account's and currency's use.
func (x *exporter) posting(b []byte, p ledger.Posting, on ledger.Date) ([]byte, error) {
	acct, err := x.account(p.Account, on)
	if err != nil {
		return b, err
	}
	if err := x.currency(p.Currency, on); err != nil {
		return b, err
	}
	k := balanceKey{p.Account, p.Currency}
	x.running[k] = x.running[k].Add(p.Amount)
	if x.f == Beancount {
		b = append(b, "  "...)
	} else {
		b = append(b, "    "...)
	}
	b = append(b, acct...)
	b = append(b, "  "...)
	b = appendAmount(b, p.Amount, p.Currency)
	return append(b, '\n'), nil
}

// appendAmount writes an amount with its stored scale ("10.50" stays
// "10.50"), the way every tool reads it: no digit grouping, '.' as the
// decimal mark, the commodity after a space.
func appendAmount(b []byte, d decimal.Decimal, currency string) []byte {
	b = append(b, ledger.FormatAmount(d)...)
	b = append(b, ' ')
	return append(b, currency...)
}

func (x *exporter) txnHeader(b []byte, on ledger.Date, desc string) []byte {
	b = append(b, '\n')
	b = append(b, on.String()...)
	b = append(b, " * "...)
	if x.f == Beancount {
		return append(appendBeancountString(b, desc), '\n')
	}
	return append(appendJournalText(b, desc, descText), '\n')
}

// meta appends one metadata line (key is already a valid key).
func (x *exporter) meta(b []byte, key, value string) []byte {
	if x.f == Beancount {
		b = append(b, "  "...)
		b = append(b, key...)
		b = append(b, ": "...)
		return append(appendBeancountString(b, value), '\n')
	}
	b = append(b, "    ; "...)
	b = append(b, key...)
	b = append(b, ": "...)
	return append(appendJournalText(b, value, valueText), '\n')
}

func (x *exporter) entry(e *ledger.Entry) error {
	if len(e.Postings) == 0 {
		return ledger.Errorf(ledger.EINVALID, "export: entry %d has no postings", e.ID)
	}
	b := x.txnHeader(x.buf[:0], e.Date, e.Description)
	b = x.meta(b, "entry_id", strconv.FormatInt(e.ID, 10))
	b = x.meta(b, "key_source", e.Key.Source)
	b = x.meta(b, "key_external_id", e.Key.ExternalID)
	if !e.RecordedAt.IsZero() {
		b = x.meta(b, "recorded_at", e.RecordedAt.UTC().Format(time.RFC3339Nano))
	}
	if e.Reverses != 0 {
		b = x.meta(b, "reverses", strconv.FormatInt(e.Reverses, 10))
	}
	if e.Hash != "" {
		b = x.meta(b, "hash", e.Hash)
	}
	if len(e.Meta) > 0 {
		for _, k := range ledger.SortedKeys(e.Meta) {
			b = x.meta(b, MetaKey(k), e.Meta[k])
		}
	}
	var err error
	for _, p := range e.Postings {
		if b, err = x.posting(b, p, e.Date); err != nil {
			x.buf = b[:0]
			return ledger.Errorf(ledger.EINVALID, "export: entry %d: %s", e.ID, ledger.ErrorMessage(err))
		}
	}
	return x.flushBuf(b)
}

// opening posts the non-zero balances at the end of day as one transaction.
func (x *exporter) opening(day ledger.Date, balances []ledger.Balance) error {
	bs := sortedBalances(balances)
	b := x.txnHeader(x.buf[:0], day, "Opening balances at the end of "+day.String())
	b = x.meta(b, "opening", day.String())
	n := 0
	var err error
	for _, bal := range bs {
		if bal.Amount.IsZero() {
			continue
		}
		n++
		if b, err = x.posting(b, ledger.Posting{Account: bal.Account, Amount: bal.Amount, Currency: bal.Currency}, day); err != nil {
			x.buf = b[:0]
			return ledger.Errorf(ledger.EINVALID, "export: opening balances: %s", ledger.ErrorMessage(err))
		}
	}
	if n == 0 {
		x.buf = b[:0]
		return nil
	}
	return x.flushBuf(b)
}

// checkpointBalances returns the balances to assert at cp: the running sums,
// which cp.Balances, when given, must equal.
func (x *exporter) checkpointBalances(cp Checkpoint) ([]ledger.Balance, error) {
	var run []ledger.Balance
	for k, v := range x.running {
		run = append(run, ledger.Balance{Account: k.account, Currency: k.currency, Amount: v})
	}
	run = sortedBalances(run)
	if cp.Balances == nil {
		return run, nil
	}
	given := map[balanceKey]decimal.Decimal{}
	for _, b := range cp.Balances {
		k := balanceKey{b.Account, b.Currency}
		given[k] = given[k].Add(b.Amount)
	}
	for _, b := range run {
		k := balanceKey{b.Account, b.Currency}
		if g := given[k]; !g.Equal(b.Amount) {
			return nil, fmt.Errorf("export: at the end of %s, %s %s: the exported entries sum to %s, the trial balance says %s",
				cp.Date, b.Account, b.Currency, b.Amount, g)
		}
		delete(given, k)
	}
	var extra []ledger.Balance
	for k, v := range given {
		if !v.IsZero() {
			extra = append(extra, ledger.Balance{Account: k.account, Currency: k.currency, Amount: v})
		}
	}
	if len(extra) > 0 {
		e := sortedBalances(extra)[0]
		return nil, fmt.Errorf("export: at the end of %s, %s %s: the exported entries sum to 0, the trial balance says %s",
			cp.Date, e.Account, e.Currency, e.Amount)
	}
	return sortedBalances(cp.Balances), nil
}

// assertions writes a checkpoint's balances as assertions the tools check.
func (x *exporter) assertions(cp Checkpoint) error {
	bs, err := x.checkpointBalances(cp)
	if err != nil {
		return err
	}
	accts := make([]string, len(bs))
	for i, bal := range bs {
		if accts[i], err = x.account(bal.Account, cp.Date); err == nil {
			err = x.currency(bal.Currency, cp.Date)
		}
		if err != nil {
			return ledger.Errorf(ledger.EINVALID, "export: balances at %s: %s", cp.Date, ledger.ErrorMessage(err))
		}
	}
	b := x.buf[:0]
	if x.f == Beancount {
		// A beancount balance directive holds at the start of its date.
		day := cp.Date.AddDays(1)
		b = append(b, "\n; balances at the end of "...)
		b = append(b, cp.Date.String()...)
		b = append(b, '\n')
		for i, bal := range bs {
			b = append(b, day.String()...)
			b = append(b, " balance "...)
			b = append(b, accts[i]...)
			b = append(b, "  "...)
			// "~ 0": beancount otherwise tolerates one unit of the asserted
			// amount's last digit.
			b = append(b, ledger.FormatAmount(bal.Amount)...)
			b = append(b, " ~ 0 "...)
			b = append(b, bal.Currency...)
			b = append(b, '\n')
		}
		return x.flushBuf(b)
	}
	b = x.txnHeader(b, cp.Date, "Balance assertions: balances at the end of "+cp.Date.String())
	for i, bal := range bs {
		b = append(b, "    "...)
		b = append(b, accts[i]...)
		b = append(b, "  0 "...)
		b = append(b, bal.Currency...)
		b = append(b, " = "...)
		b = appendAmount(b, bal.Amount, bal.Currency)
		b = append(b, '\n')
	}
	return x.flushBuf(b)
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

func sortedBalances(bs []ledger.Balance) []ledger.Balance {
	out := append([]ledger.Balance(nil), bs...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Account != out[j].Account {
			return out[i].Account < out[j].Account
		}
		return out[i].Currency < out[j].Currency
	})
	return out
}
