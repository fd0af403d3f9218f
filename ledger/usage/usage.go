// Package usage reads usage CSV files (spec section 2) and exchange-rate CSV
// files: streaming, validated, with an optional column mapping. It is pure:
// no database, no clock. Storage lives in ledger/sqlite and ledger/postgres;
// both group an import's new events into journal entries with Groups.
//
// A Reader yields one Row at a time; memory does not grow with the file.
// Every problem of a row is reported as a *RowError carrying the file, the
// physical line number, the column, the value and a reason, so that a caller
// can list every bad row of a file, not just the first.
package usage

import (
	"strconv"
	"strings"
)

// Canonical column names of a usage CSV.
const (
	ColEventID    = "event_id"
	ColOccurredAt = "occurred_at"
	ColSeller     = "seller"
	ColChannel    = "channel"
	ColCustomer   = "customer"
	ColProduct    = "product"
	ColRegion     = "region"
	ColQuantity   = "quantity"
	ColUnitPrice  = "unit_price"
	ColAmount     = "amount"
	ColCurrency   = "currency"
)

// field indexes the canonical columns.
type field int

const (
	fEventID field = iota
	fOccurredAt
	fSeller
	fChannel
	fCustomer
	fProduct
	fRegion
	fQuantity
	fUnitPrice
	fAmount
	fCurrency
	numFields
)

var fieldNames = [numFields]string{
	ColEventID, ColOccurredAt, ColSeller, ColChannel, ColCustomer, ColProduct,
	ColRegion, ColQuantity, ColUnitPrice, ColAmount, ColCurrency,
}

// Columns returns the canonical column names in their usual order.
func Columns() []string { return append([]string(nil), fieldNames[:]...) }

func fieldByName(name string) (field, bool) {
	for i, n := range fieldNames {
		if n == name {
			return field(i), true
		}
	}
	return 0, false
}

// Limits on what a file may contain; a caller controls the file, so
// everything has a bound.
const (
	MaxFractionDigits = 18      // spec: amounts carry up to 18 fractional digits
	MaxIntegerDigits  = 18      // spec: and up to 18 digits before the decimal point
	MaxFieldBytes     = 4096    // one field
	MaxLineBytes      = 1 << 20 // one physical line
	maxValueShown     = 60      // a value is cut to this many bytes in messages
)

// RowError is one problem found in an input file. Line is the physical line
// number in the file (1 is the header). Column is the file's column name
// ("" when the problem concerns the whole row or file); Value is the field's
// text as read.
type RowError struct {
	File   string
	Line   int
	Column string
	Value  string
	Reason string
}

// Error renders the stable message
//
//	FILE:LINE: column COL: value "V": REASON
//
// or FILE:LINE: REASON when no column is concerned. Values are quoted with Go
// syntax, so invalid UTF-8 and control characters show as escapes.
func (e *RowError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	b.WriteByte(':')
	b.WriteString(strconv.Itoa(e.Line))
	b.WriteString(": ")
	if e.Column != "" {
		b.WriteString("column ")
		b.WriteString(e.Column)
		b.WriteString(": value ")
		b.WriteString(quoteValue(e.Value))
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

func quoteValue(v string) string {
	if len(v) > maxValueShown {
		cut := maxValueShown
		// Do not cut a valid UTF-8 sequence in the middle.
		for cut > 0 && v[cut]&0xC0 == 0x80 {
			cut--
		}
		return strconv.Quote(v[:cut]) + "..."
	}
	return strconv.Quote(v)
}
