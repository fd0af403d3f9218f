package ledger

import (
	"encoding/csv"
	"io"
	"regexp"
	"strings"
)

// CSVWriter is an encoding/csv Writer for every CSV revshare writes (CLI
// and REST). It neutralizes each cell a spreadsheet would run as a formula
// (spec section 7, as OWASP advises): a cell that starts with '=', '+',
// '-', '@', a tab or a carriage return gets a leading apostrophe, which
// spreadsheets show as text and do not evaluate ("=HYPERLINK(…)" is written
// "'=HYPERLINK(…)"). A plain number ("-12.50", "+3") in an amount column
// is left as it is, so that it stays a number. The first record written is
// the header; its names say which columns hold amounts (AmountColumns).
type CSVWriter struct {
	w      *csv.Writer
	header bool
	amount []bool
}

// AmountColumns are the header names of the columns whose plain numbers
// CSVWriter leaves alone: amounts, quantities and the "value" column of the
// long-form statement and scenario tables.
var AmountColumns = []string{"amount", "quantity", "unit_price", "debit", "credit", "balance",
	"limit", "consumed", "remaining", "value", "base", "gross", "obligation"}

// NewCSVWriter returns a CSVWriter writing to w.
func NewCSVWriter(w io.Writer) *CSVWriter { return &CSVWriter{w: csv.NewWriter(w)} }

var plainNumber = regexp.MustCompile(`^[+-]?[0-9]+(\.[0-9]+)?$`)

// NeutralizeCSVCell is cell as CSVWriter writes it; amount says whether it
// is in an amount column.
func NeutralizeCSVCell(cell string, amount bool) string {
	if cell == "" || !strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return cell
	}
	if amount && plainNumber.MatchString(cell) {
		return cell
	}
	return "'" + cell
}

// Write writes one record, neutralized; the first is the header.
func (c *CSVWriter) Write(record []string) error {
	if !c.header {
		c.header = true
		c.amount = make([]bool, len(record))
		for i, name := range record {
			for _, a := range AmountColumns {
				if strings.EqualFold(strings.TrimSpace(name), a) {
					c.amount[i] = true
				}
			}
		}
	}
	out := make([]string, len(record))
	for i, cell := range record {
		out[i] = NeutralizeCSVCell(cell, i < len(c.amount) && c.amount[i])
	}
	return c.w.Write(out)
}

// WriteAll writes records and flushes.
func (c *CSVWriter) WriteAll(records [][]string) error {
	for _, r := range records {
		if err := c.Write(r); err != nil {
			return err
		}
	}
	c.w.Flush()
	return c.w.Error()
}

// Flush flushes buffered records to the underlying writer.
func (c *CSVWriter) Flush() { c.w.Flush() }

// Error reports an error from a previous Write or Flush.
func (c *CSVWriter) Error() error { return c.w.Error() }
