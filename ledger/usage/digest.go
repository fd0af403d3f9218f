package usage

import (
	"crypto/sha256"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
)

// DigestSize is the size of an event's content digest.
const DigestSize = 16

// Digest is the content digest of an event: the first 16 bytes of the
// SHA-256 of its canonical content (AppendCanonical). Two rows with the same
// (source, event_id) are the same event exactly when their digests are equal.
func Digest(e *ledger.Event, buf []byte) ([DigestSize]byte, []byte) {
	buf = AppendCanonical(buf[:0], e)
	sum := sha256.Sum256(buf)
	var d [DigestSize]byte
	copy(d[:], sum[:DigestSize])
	return d, buf
}

// AppendCanonical appends the canonical content of e: every field the file
// gave, by value (10.5 and 10.50 are the same amount; an instant is compared
// in UTC), metadata in key order. Source, line, batch and entry are not
// content.
func AppendCanonical(b []byte, e *ledger.Event) []byte {
	const sep = 0x1f
	b = append(b, e.EventID...)
	b = append(b, sep)
	b = e.OccurredAt.UTC().AppendFormat(b, time.RFC3339Nano)
	if e.DateOnly {
		b = append(b, "/date"...)
	}
	for _, s := range [...]string{e.Seller, e.Channel, e.Customer, e.Product, e.Region} {
		b = append(b, sep)
		b = append(b, s...)
	}
	b = append(b, sep)
	b = appendDec(b, e.Quantity)
	b = append(b, sep)
	b = appendDec(b, e.UnitPrice)
	b = append(b, sep)
	b = appendDecimal(b, e.Amount)
	b = append(b, sep)
	b = append(b, e.Currency...)
	if len(e.Meta) > 0 {
		keys := make([]string, 0, len(e.Meta))
		for k := range e.Meta {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			b = append(b, 0x1e)
			b = append(b, k...)
			b = append(b, '=')
			b = append(b, e.Meta[k]...)
		}
	}
	return b
}

func appendDec(b []byte, d *decimal.Decimal) []byte {
	if d == nil {
		return append(b, '-')
	}
	return appendDecimal(b, *d)
}

// appendDecimal appends d.String() (trailing fractional zeros dropped),
// without the big.Int formatting when the coefficient fits in 18 digits,
// as usage amounts almost always do: the digest of every imported row
// formats its amount.
func appendDecimal(b []byte, d decimal.Decimal) []byte {
	exp := d.Exponent()
	if exp > 0 || exp < -18 || d.NumDigits() > 18 {
		return append(b, d.String()...)
	}
	coef := d.CoefficientInt64()
	if coef == 0 {
		return append(b, '0')
	}
	u := uint64(coef)
	if coef < 0 {
		b = append(b, '-')
		u = -u
	}
	scale := uint64(1)
	for i := int32(0); i < -exp; i++ {
		scale *= 10
	}
	b = strconv.AppendUint(b, u/scale, 10)
	frac, digits := u%scale, int(-exp)
	for digits > 0 && frac%10 == 0 {
		frac /= 10
		digits--
	}
	if digits == 0 {
		return b
	}
	b = append(b, '.')
	var buf [20]byte
	f := strconv.AppendUint(buf[:0], frac, 10)
	for i := len(f); i < digits; i++ {
		b = append(b, '0')
	}
	return append(b, f...)
}

// Diff lists the fields in which two versions of an event differ, as
// `amount "10.00" -> "12.00"` (stored first), in column order.
func Diff(stored, incoming *ledger.Event) []string {
	var out []string
	add := func(name, a, b string) {
		if a != b {
			out = append(out, fmt.Sprintf("%s %s -> %s", name, quoteValue(a), quoteValue(b)))
		}
	}
	addDec := func(name string, a, b *decimal.Decimal) {
		switch {
		case a == nil && b == nil:
		case a == nil || b == nil || !a.Equal(*b):
			add(name, decText(a), decText(b))
		}
	}
	add(ColOccurredAt, timeText(stored), timeText(incoming))
	add(ColSeller, stored.Seller, incoming.Seller)
	add(ColChannel, stored.Channel, incoming.Channel)
	add(ColCustomer, stored.Customer, incoming.Customer)
	add(ColProduct, stored.Product, incoming.Product)
	add(ColRegion, stored.Region, incoming.Region)
	addDec(ColQuantity, stored.Quantity, incoming.Quantity)
	addDec(ColUnitPrice, stored.UnitPrice, incoming.UnitPrice)
	if !stored.Amount.Equal(incoming.Amount) {
		add(ColAmount, ledger.FormatAmount(stored.Amount), ledger.FormatAmount(incoming.Amount))
	}
	add(ColCurrency, stored.Currency, incoming.Currency)
	keys := map[string]bool{}
	for k := range stored.Meta {
		keys[k] = true
	}
	for k := range incoming.Meta {
		keys[k] = true
	}
	var ks []string
	for k := range keys {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	for _, k := range ks {
		add(k, stored.Meta[k], incoming.Meta[k])
	}
	return out
}

// timeText renders an event's occurred_at as the file would: a date, or an
// RFC 3339 timestamp with its offset.
func timeText(e *ledger.Event) string {
	if e.DateOnly {
		return e.OccurredAt.UTC().Format(ledger.DateLayout)
	}
	if e.OccurredAt.IsZero() {
		return ""
	}
	return e.OccurredAt.Format(time.RFC3339Nano)
}

func decText(d *decimal.Decimal) string {
	if d == nil {
		return ""
	}
	return ledger.FormatAmount(*d)
}

// ConflictReason is the reason of a row whose (source, event_id) was already
// imported with other content; where names the stored version (for example
// "imported in batch 3 (line 17)" or "in line 4 of this file").
func ConflictReason(where string, stored, incoming *ledger.Event) string {
	return "conflicts with the version " + where + ": " + strings.Join(Diff(stored, incoming), "; ")
}
