package export

import (
	"strconv"
	"time"

	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
)

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
