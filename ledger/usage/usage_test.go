package usage

import (
	"errors"
	"io"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
)

const head = "event_id,occurred_at,seller,channel,amount,currency\n"

// readAll reads a whole file and returns the valid events and every error
// message (file-level ones included), in order.
func readAll(t *testing.T, data string, m *Mapping) ([]ledger.Event, []string) {
	t.Helper()
	var errs []string
	rd, err := NewReader(strings.NewReader(data), "f.csv", m)
	if err != nil {
		for _, e := range asRowErrors(t, "NewReader", err) {
			errs = append(errs, e.Error())
		}
		return nil, errs
	}
	var evs []ledger.Event
	var row Row
	for {
		err := rd.Next(&row)
		if err == io.EOF {
			break
		}
		if err != nil {
			for _, e := range asRowErrors(t, "Next", err) {
				errs = append(errs, e.Error())
			}
			break
		}
		for _, e := range row.Errors {
			errs = append(errs, e.Error())
		}
		if len(row.Errors) == 0 {
			evs = append(evs, row.Event)
		}
	}
	return evs, errs
}

// asRowErrors returns the row errors that err holds, failing the test
// (what: err) when err is another error.
func asRowErrors(t testing.TB, what string, err error) RowErrors {
	t.Helper()
	var es RowErrors
	if !errors.As(err, &es) {
		t.Fatalf("%s: %v", what, err)
	}
	return es
}

func TestReaderGood(t *testing.T) {
	data := "\xEF\xBB\xBFEvent_ID, Occurred_At ,SELLER,channel,amount,currency,quantity,unit_price,note\n" +
		"e1,2026-01-05,openai,azure,10.50,USD,3,3.50,hello\n" +
		"e2,2026-01-05T23:30:00-02:00,openai,aws,-2.000000000000000001,eur,,,\n" +
		"\n" + // blank lines are skipped
		"e3,2026-02-28,msft,direct,,JPY,2,150,\n" +
		"\"e,4\",2026-03-01T00:00:00Z,msft,\"multi line\",0,USD,,,\"x\"\"y\nz\"\n"
	evs, errs := readAll(t, data, nil)
	if len(errs) != 0 {
		t.Fatalf("errors: %q", errs)
	}
	if len(evs) != 4 {
		t.Fatalf("got %d events", len(evs))
	}
	e := evs[0]
	if e.EventID != "e1" || !e.DateOnly || e.AccountingDate().String() != "2026-01-05" || e.Amount.String() != "10.5" ||
		ledger.FormatAmount(e.Amount) != "10.50" || e.Currency != "USD" || e.Quantity.String() != "3" || e.Meta["note"] != "hello" {
		t.Errorf("e1 = %+v", e)
	}
	e = evs[1]
	if e.DateOnly || e.AccountingDate().String() != "2026-01-06" || ledger.FormatAmount(e.Amount) != "-2.000000000000000001" ||
		e.Currency != "EUR" || e.Quantity != nil || e.Meta != nil {
		t.Errorf("e2 = %+v", e)
	}
	if got := ledger.FormatAmount(evs[2].Amount); got != "300" {
		t.Errorf("e3 amount = %s, want 300 (quantity × unit_price)", got)
	}
	if evs[3].EventID != "e,4" || evs[3].Channel != "multi line" || evs[3].Meta["note"] != "x\"y\nz" {
		t.Errorf("e4 = %+v", evs[3])
	}
}

// badCases: each input and the exact messages it must produce.
var badCases = []struct {
	name string
	data string
	want []string
}{
	{"empty file", "", []string{`f.csv:1: empty file: want a header row (event_id, occurred_at, seller, channel, ...)`}},
	// Excel's "Unicode Text" and many Windows tools write UTF-16: it was read
	// as UTF-8 and reported as a one-column header missing every column.
	{"utf-16le", "\xff\xfee\x00v\x00e\x00n\x00t\x00", []string{`f.csv:1: the file is UTF-16LE (it starts with a UTF-16 byte-order mark), not UTF-8: save it as CSV UTF-8 (in Excel: Save As, "CSV UTF-8 (Comma delimited)") and import that file`}},
	{"utf-16be", "\xfe\xff\x00e\x00v", []string{`f.csv:1: the file is UTF-16BE (it starts with a UTF-16 byte-order mark), not UTF-8: save it as CSV UTF-8 (in Excel: Save As, "CSV UTF-8 (Comma delimited)") and import that file`}},
	{"header only", head, []string{`f.csv:1: no data rows: the file has a header only`}},
	{"impossible date", head + "e1,2026-02-30,a,b,1,USD\n", []string{`f.csv:2: column occurred_at: value "2026-02-30": no such date`}},
	{"missing date", head + "e1,,a,b,1,USD\n", []string{`f.csv:2: column occurred_at: value "": required`}},
	{"timestamp with space", head + "e1,2026-01-05 10:00:00,a,b,1,USD\n", []string{`f.csv:2: column occurred_at: value "2026-01-05 10:00:00": not an RFC 3339 timestamp (2026-01-05T10:00:00Z) or a date YYYY-MM-DD: set dates.layouts: ["YYYY-MM-DD hh:mm:ss"] in a --mapping file, and dates.timezone if it is not UTC`}},
	{"timestamp without zone", head + "e1,2026-01-05T10:00:00,a,b,1,USD\n", []string{`f.csv:2: column occurred_at: value "2026-01-05T10:00:00": RFC 3339 timestamp without a time zone offset (add Z or ±hh:mm, or set dates.layouts: ["YYYY-MM-DDThh:mm:ss"] in a --mapping file, and dates.timezone if it is not UTC)`}},
	{"impossible timestamp", head + "e1,2026-04-31T10:00:00Z,a,b,1,USD\n", []string{`f.csv:2: column occurred_at: value "2026-04-31T10:00:00Z": no such date`}},
	{"non-numeric", head + "e1,2026-01-05,a,b,ten,USD\n", []string{`f.csv:2: column amount: value "ten": not a decimal number (want digits, an optional leading '-' and one '.', as in -1234.50)`}},
	{"nan", head + "e1,2026-01-05,a,b,NaN,USD\ne2,2026-01-05,a,b,-Inf,USD\n", []string{
		`f.csv:2: column amount: value "NaN": NaN and infinity are not amounts`,
		`f.csv:3: column amount: value "-Inf": NaN and infinity are not amounts`}},
	{"thousands", head + "e1,2026-01-05,a,b,\"1,234.50\",USD\n", []string{`f.csv:2: column amount: value "1,234.50": thousands separator "," not allowed (write 1234.50, or set number.thousands: "," in a --mapping file)`}},
	{"exponent", head + "e1,2026-01-05,a,b,1e3,USD\n", []string{`f.csv:2: column amount: value "1e3": not a decimal number (exponents are not allowed)`}},
	{"19 fraction digits", head + "e1,2026-01-05,a,b,0.1234567890123456789,USD\n", []string{`f.csv:2: column amount: value "0.1234567890123456789": more than 18 fractional digits`}},
	{"currency", head + "e1,2026-01-05,a,b,1,XYZ\n", []string{`f.csv:2: column currency: value "XYZ": unknown ISO 4217 currency`}},
	{"required", head + ",2026-01-05,,b,1,\n", []string{
		`f.csv:2: column event_id: value "": required`,
		`f.csv:2: column seller: value "": required`,
		`f.csv:2: column currency: value "": required`}},
	{"product mismatch", "event_id,occurred_at,seller,channel,quantity,unit_price,amount,currency\ne1,2026-01-05,a,b,3,3.33,10.00,USD\n",
		[]string{`f.csv:2: column amount: value "10.00": not quantity × unit_price (3 × 3.33 = 9.99)`}},
	{"product past 18 digits", "event_id,occurred_at,seller,channel,quantity,unit_price,amount,currency\ne1,2026-01-05,a,b,999999999999999999,10,,IDR\n",
		[]string{`f.csv:2: column unit_price: value "10": quantity × unit_price = 9999999999999999990 has more than 18 digits before the decimal point (an amount has at most 18)`}},
	{"19 integer digits", head + "e1,2026-01-05,a,b,1000000000000000000,IDR\n", []string{`f.csv:2: column amount: value "1000000000000000000": more than 18 digits before the decimal point`}},
	{"amount missing", "event_id,occurred_at,seller,channel,quantity,unit_price,amount,currency\ne1,2026-01-05,a,b,3,,,USD\n",
		[]string{`f.csv:2: column amount: value "": required (or give both quantity and unit_price)`}},
	{"column count", head + "e1,2026-01-05,a,b,1\ne2,2026-01-05,a,b,1,USD,extra\n", []string{
		`f.csv:2: wrong number of fields: want 6 as in the header`,
		`f.csv:3: wrong number of fields: want 6 as in the header`}},
	{"unterminated quote", head + "e1,2026-01-05,a,b,1,USD\ne2,\"2026-01-05,a,b,1,USD\ne3,2026-01-05,a,b,1,USD\n",
		[]string{`f.csv:3: unterminated quoted field: the " opened on this line is never closed, so the rest of the file could not be read`}},
	{"bare quote", head + "e1,2026-01-05,a\"x,b,1,USD\ne2,2026-01-05,a,b,1,JPY\n",
		[]string{`f.csv:2: bare " in an unquoted field (column 16 of the line): quote the field and double the "`}},
	{"extraneous quote", head + "e1,2026-01-05,\"a\"x,b,1,USD\ne2,2026-01-05,a,b,1,JPY\n",
		[]string{`f.csv:2: extraneous " in a quoted field (column 17 of the line): double a " inside quotes`}},
	{"invalid utf8", head + "e1,2026-01-05,a\xff,b,1,USD\n", []string{`f.csv:2: column seller: value "a\xff": invalid UTF-8`}},
	{"separator characters", head + "e1,2026-01-05,a\x1fb,b,1,USD\n", []string{`f.csv:2: column seller: value "a\x1fb": control characters U+001E and U+001F are not allowed`}},
	{"duplicate columns", "event_id,occurred_at,seller,channel,amount,currency,Amount\n", []string{
		`f.csv:1: duplicate column "Amount" (columns 5 and 7; names are case-insensitive)`}},
	{"did you mean", "Event ID,Occurred at,seller,Channel,amount,currency\ne1,2026-01-05,a,b,1,USD\n", []string{
		`f.csv:1: missing required column event_id: the file has "Event ID", did you mean event_id? Rename that header, or map it with columns: {event_id: "Event ID"} in a --mapping file`,
		`f.csv:1: missing required column occurred_at: the file has "Occurred at", did you mean occurred_at? Rename that header, or map it with columns: {occurred_at: "Occurred at"} in a --mapping file`}},
	{"another system's names", "ID,Date,Vendor,Marketplace,Revenue,CCY,seller_note\ne1,2026-01-05,a,b,1,USD,x\n", []string{
		`f.csv:1: missing required column event_id: the file has "ID": if it holds event_id, rename that header, or map it with columns: {event_id: "ID"} in a --mapping file`,
		`f.csv:1: missing required column occurred_at: the file has "Date": if it holds occurred_at, rename that header, or map it with columns: {occurred_at: "Date"} in a --mapping file`,
		`f.csv:1: missing required column seller: the file has "Vendor": if it holds seller, rename that header, or map it with columns: {seller: "Vendor"} in a --mapping file`,
		`f.csv:1: missing required column channel: the file has "Marketplace": if it holds channel, rename that header, or map it with columns: {channel: "Marketplace"} in a --mapping file`,
		`f.csv:1: missing required column currency: the file has "CCY": if it holds currency, rename that header, or map it with columns: {currency: "CCY"} in a --mapping file`,
		`f.csv:1: missing required column amount (or both quantity and unit_price): the file has "Revenue": if it holds amount, rename that header, or map it with columns: {amount: "Revenue"} in a --mapping file`}},
	{"header typo", "evnt_id,occured_at,seller,chanel,amout,currency\ne1,2026-01-05,a,b,1,USD\n", []string{
		`f.csv:1: missing required column event_id: the file has "evnt_id", did you mean event_id? Rename that header, or map it with columns: {event_id: "evnt_id"} in a --mapping file`,
		`f.csv:1: missing required column occurred_at: the file has "occured_at", did you mean occurred_at? Rename that header, or map it with columns: {occurred_at: "occured_at"} in a --mapping file`,
		`f.csv:1: missing required column channel: the file has "chanel", did you mean channel? Rename that header, or map it with columns: {channel: "chanel"} in a --mapping file`,
		`f.csv:1: missing required column amount (or both quantity and unit_price): the file has "amout", did you mean amount? Rename that header, or map it with columns: {amount: "amout"} in a --mapping file`}},
	{"header letters swapped", "event_id,occurred_at,sellre,chanenl,amount,currency\ne1,2026-01-05,a,b,1,USD\n", []string{
		`f.csv:1: missing required column seller: the file has "sellre", did you mean seller? Rename that header, or map it with columns: {seller: "sellre"} in a --mapping file`,
		`f.csv:1: missing required column channel: the file has "chanenl", did you mean channel? Rename that header, or map it with columns: {channel: "chanenl"} in a --mapping file`}},
	{"amount with a decimal comma", head + "e1,2026-01-05,a,b,\"1.234,56\",USD\ne2,2026-01-05,a,b,\"12,5\",USD\ne3,2026-01-05,a,b,\"1,234\",USD\n", []string{
		`f.csv:2: column amount: value "1.234,56": not a decimal number (want digits, an optional leading '-' and one '.', as in -1234.50): set number.decimal: "," and number.thousands: "." in a --mapping file`,
		`f.csv:3: column amount: value "12,5": not a decimal number (want digits, an optional leading '-' and one '.', as in -1234.50): set number.decimal: "," in a --mapping file`,
		`f.csv:4: column amount: value "1,234": thousands separator "," not allowed (write 1234.50, or set number.thousands: "," (if 1,234 means 1234) or number.decimal: "," in a --mapping file)`}},
	{"day-first or month-first date", head + "e1,03/01/2026,a,b,1,USD\ne2,25/01/2026,a,b,1,USD\ne3,05.01.2026 10:00:00,a,b,1,USD\n", []string{
		`f.csv:2: column occurred_at: value "03/01/2026": not an RFC 3339 timestamp (2026-01-05T10:00:00Z) or a date YYYY-MM-DD: set dates.layouts: ["DD/MM/YYYY"] or ["MM/DD/YYYY"], whichever your file uses, in a --mapping file`,
		`f.csv:3: column occurred_at: value "25/01/2026": not an RFC 3339 timestamp (2026-01-05T10:00:00Z) or a date YYYY-MM-DD: set dates.layouts: ["DD/MM/YYYY"] in a --mapping file`,
		`f.csv:4: column occurred_at: value "05.01.2026 10:00:00": not an RFC 3339 timestamp (2026-01-05T10:00:00Z) or a date YYYY-MM-DD: set dates.layouts: ["DD.MM.YYYY hh:mm:ss"] in a --mapping file, and dates.timezone if it is not UTC`}},
	{"a usage file without a channel", "ID,Date,seller,amount,currency\n", []string{
		`f.csv:1: missing required column event_id: the file has "ID": if it holds event_id, rename that header, or map it with columns: {event_id: "ID"} in a --mapping file`,
		`f.csv:1: missing required column occurred_at: the file has "Date": if it holds occurred_at, rename that header, or map it with columns: {occurred_at: "Date"} in a --mapping file`,
		`f.csv:1: missing required column channel: if every row has the same channel, set it with fixed: {channel: …} in a --mapping file`}},
	{"missing columns", "event_id,seller,amount\n", []string{
		`f.csv:1: missing required column occurred_at`,
		`f.csv:1: missing required column channel`,
		`f.csv:1: missing required column currency`}},
	{"line numbers after multi-line field", "event_id,occurred_at,seller,channel,amount,currency,note\n" +
		"e1,2026-01-05,a,b,1,USD,\"two\nlines\"\ne2,2026-13-01,a,b,1,USD,\n",
		[]string{`f.csv:4: column occurred_at: value "2026-13-01": no such date`}},
	// An identity field names accounts and statement lines; metadata may
	// hold any text (the note above).
	{"control characters in identity fields", head + "e1,2026-01-05,a,\"b\nc\",1,USD\n\"e\t2\",2026-01-05,\"\x1b[31mred\",b,1,USD\ne3,2026-01-05,a\u0085b,b,1,USD\n",
		[]string{
			`f.csv:2: column channel: value "b\nc": control characters (a line break, a tab, an escape) are not allowed`,
			`f.csv:4: column event_id: value "e\t2": control characters (a line break, a tab, an escape) are not allowed`,
			`f.csv:4: column seller: value "\x1b[31mred": control characters (a line break, a tab, an escape) are not allowed`,
			`f.csv:5: column seller: value "a\u0085b": control characters (a line break, a tab, an escape) are not allowed`}},
}

func TestReaderBad(t *testing.T) {
	for _, tc := range badCases {
		t.Run(tc.name, func(t *testing.T) {
			_, errs := readAll(t, tc.data, nil)
			if strings.Join(errs, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(errs, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestParseDecimal(t *testing.T) {
	comma := Number{Decimal: ',', Thousands: '.'}
	for _, tc := range []struct {
		in     string
		n      Number
		want   string // FormatAmount of the result, or the reason
		reason bool
	}{
		{"0", DefaultNumber, "0", false},
		{"-12.340", DefaultNumber, "-12.340", false},
		{"+7", DefaultNumber, "not a decimal number (a leading '+' is not allowed: write 7)", true},
		{"123456789012345678.123456789012345678", DefaultNumber, "123456789012345678.123456789012345678", false},
		{"123456789012345678901234567890.123456789012345678", DefaultNumber, "more than 18 digits before the decimal point", true},
		{"999999999999999999", DefaultNumber, "999999999999999999", false},
		{"1.234,50", comma, "1234.50", false},
		{"1.234.567,5", comma, "1234567.5", false},
		{"12.34,5", comma, "misplaced thousands separator", true},
		{"1234", comma, "1234", false},
		{"1.234.567.890.123.456.789,5", comma, "more than 18 digits before the decimal point", true},
		{"1,5e3", comma, "not a decimal number (exponents are not allowed)", true},
		{"-,5", comma, "not a decimal number (want digits before the decimal point, as in 0.50)", true},
		{"1.5", Number{Decimal: ','}, "not a decimal number (want digits, an optional leading '-' and one '.', as in -1234.50)", true},
		{"1.234,5", Number{Decimal: ','}, `thousands separator "." not allowed (write 1234.50)`, true},
		{".5", DefaultNumber, "not a decimal number (want digits before the decimal point, as in 0.50)", true},
		{"5.", DefaultNumber, "not a decimal number (want digits after the decimal point)", true},
		{"-", DefaultNumber, "not a decimal number", true},
		{"1 000", DefaultNumber, `thousands separator " " not allowed (write 1234.50)`, true},
		{"1,2", DefaultNumber, "not a decimal number (want digits, an optional leading '-' and one '.', as in -1234.50)", true},
		{"inf", DefaultNumber, "NaN and infinity are not amounts", true},
		{"1234567890123456789", DefaultNumber, "more than 18 digits before the decimal point", true},
	} {
		d, reason := ParseDecimal(tc.in, tc.n)
		got := reason
		if reason == "" {
			got = ledger.FormatAmount(d)
		}
		if got != tc.want || (reason != "") != tc.reason {
			t.Errorf("ParseDecimal(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMapping(t *testing.T) {
	doc := `
source: billing
columns:
  event_id: Transaction ID
  occurred_at: Date
  amount: Net
fixed:
  currency: EUR
  channel: direct
dates:
  layouts: ["02.01.2006"]
amount:
  sign_column: Type
  negative: [Refund]
  positive: [Sale]
number:
  decimal: ","
  thousands: "."
`
	m := mustMapping(t, doc)
	data := "Transaction ID,Date,Seller,Net,Type,Currency\n" +
		"t1,05.01.2026,openai,\"1.234,50\",Sale,\n" +
		"t2,06.01.2026,openai,\"10,00\",refund,USD\n" +
		"t3,07.01.2026,openai,\"10,00\",other,USD\n"
	evs, errs := readAll(t, data, m)
	want := []string{`f.csv:4: column Type: value "other": not one of the mapping's amount.positive or amount.negative values`}
	if strings.Join(errs, "\n") != strings.Join(want, "\n") {
		t.Fatalf("errors %q", errs)
	}
	if len(evs) != 2 || ledger.FormatAmount(evs[0].Amount) != "1234.50" || evs[0].Currency != "EUR" || evs[0].Channel != "direct" ||
		!evs[0].DateOnly || evs[0].AccountingDate().String() != "2026-01-05" ||
		ledger.FormatAmount(evs[1].Amount) != "-10.00" || evs[1].Currency != "USD" || evs[1].Meta["Type"] != "refund" {
		t.Fatalf("events %+v", evs)
	}

	for _, tc := range []struct{ doc, want string }{
		{"colums: {}", "m.yaml: line 1: colums: unknown key (want one of source, delimiter, columns, fixed, dates, amount, number)"},
		// Every unknown key is named by its path, with the keys known there,
		// and the other problems follow, each line naming the file (a typo
		// once gave only yaml's first complaint, with a Go type name:
		// "field delimeter not found in type usage.Mapping").
		{"columns: {event_idd: X}\ndelimeter: \";\"\ndates: {layout: [DD/MM/YYYY], timezone: Mars/Base}\n",
			"m.yaml: line 2: delimeter: unknown key (want one of source, delimiter, columns, fixed, dates, amount, number)\n" +
				"m.yaml: line 3: dates.layout: unknown key (want one of layouts, timezone)\n" +
				`m.yaml: columns: "event_idd" is not a canonical column (want one of event_id, occurred_at, seller, channel, customer, product, region, quantity, unit_price, amount, currency)` + "\n" +
				`m.yaml: dates.timezone: unknown time zone "Mars/Base"`},
		{"number: {decimal: [\",\"]}", "m.yaml: line 1: cannot unmarshal !!seq into string"},
		// Column names match case-insensitively: both fields read one
		// column, which was taken without a word.
		{"columns: {seller: Vendor, customer: vendor}",
			`m.yaml: columns.customer and columns.seller both map the column "Vendor": a column is read as one field (map one of them to another column, or give it under fixed:)`},
		// A fixed value becomes every event's field: a line break or an
		// escape sequence in it was taken.
		{"fixed: {customer: \"a\\nb\"}\ncolumns: {product: \"x\\e\"}\nsource: \"s\\u0085\"\n",
			"m.yaml: source: \"s\\u0085\" has control characters or invalid UTF-8: write it on one line, in UTF-8\n" +
				"m.yaml: columns.product: \"x\\x1b\" has control characters or invalid UTF-8: write it on one line, in UTF-8\n" +
				`m.yaml: fixed.customer: "a\nb" has control characters or invalid UTF-8: write it on one line, in UTF-8`},
		{"columns: {amt: x}", `m.yaml: columns: "amt" is not a canonical column (want one of event_id, occurred_at, seller, channel, customer, product, region, quantity, unit_price, amount, currency)`},
		{"dates: {layouts: [\"15:04\"]}", `m.yaml: dates.layouts: "15:04" is not a layout with a year, month and day (write DD/MM/YYYY, MM/DD/YYYY, YYYY-MM-DD hh:mm:ss, or a Go layout such as 02/01/2006)`},
		{"number: {decimal: \",\", thousands: \",\"}", `m.yaml: number.thousands: "," is also the decimal separator`},
		{"amount: {sign_column: t}", `m.yaml: amount.sign_column: needs a list of negative values`},
		{"delimiter: x", `m.yaml: delimiter: "x": want ",", ";", tab or "|"`},
		// "Local" is the zone of whichever machine imports: the same file
		// was read as 2026-01-31T20:00:00+09:00 in Tokyo and -05:00 in New
		// York, a different month in UTC. Contracts refused it already.
		{"dates: {layouts: [\"YYYY-MM-DD hh:mm:ss\"], timezone: Local}",
			`m.yaml: dates.timezone: "Local" is the zone of the machine that runs revshare, which differs between machines: name an IANA time zone such as UTC or Europe/Paris`},
	} {
		_, err := ParseMapping("m.yaml", strings.NewReader(tc.doc))
		if err == nil || err.Error() != tc.want {
			t.Errorf("ParseMapping(%q) = %v, want %s", tc.doc, err, tc.want)
		}
	}
}

func TestMappingMissingColumn(t *testing.T) {
	m := mustMapping(t, "columns: {event_id: Txn}\n")
	_, errs := readAll(t, head, m)
	want := []string{`f.csv:1: missing column "Txn" (mapped to event_id)`}
	if strings.Join(errs, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors %q", errs)
	}
}

// TestMappingColumnReadTwice: a field mapped to the column another field
// reads by its own name (customer from the seller column) is refused at
// the header, naming the column, both fields and the mapping's entry.
func TestMappingColumnReadTwice(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{"columns: {customer: seller}\n", `f.csv:1: column "seller" is read as seller and as customer (m.yaml: columns.customer): map each field to a column of its own`},
		{"columns: {seller: Customer}\n", `f.csv:1: column "customer" is read as seller and as customer (m.yaml: columns.seller): map each field to a column of its own`},
	} {
		m := mustMapping(t, tc.doc)
		_, errs := readAll(t, "event_id,occurred_at,seller,channel,customer,amount,currency\ne1,2026-01-05,a,b,c,1.00,USD\n", m)
		if strings.Join(errs, "\n") != tc.want {
			t.Errorf("%s: errors %q\nwant %s", tc.doc, errs, tc.want)
		}
	}
}

func TestDigestAndDiff(t *testing.T) {
	evs, errs := readAll(t, head+"e1,2026-01-05,a,b,10.50,USD\ne1,2026-01-05,a,b,10.5,USD\ne1,2026-01-05,a,c,11,USD\n", nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	d0, _ := Digest(&evs[0], nil)
	d1, _ := Digest(&evs[1], nil)
	d2, _ := Digest(&evs[2], nil)
	if d0 != d1 || d0 == d2 {
		t.Errorf("digests: 10.50 and 10.5 must be equal, another channel must differ")
	}
	got := ConflictReason("imported in batch 1 (line 2)", &evs[0], &evs[2])
	want := `conflicts with the version imported in batch 1 (line 2): channel "b" -> "c"; amount "10.50" -> "11"`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestRates(t *testing.T) {
	data := "Date,From,To,Rate\n2026-01-01,eur,USD,1.0850\n2026-02-30,EUR,XXX,0\n2026-01-01,USD,USD,1e2\n"
	rr, err := NewRateReader(strings.NewReader(data), "r.csv")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	var row RateRow
	for rr.Next(&row) == nil {
		for _, e := range row.Errors {
			got = append(got, e.Error())
		}
		if len(row.Errors) == 0 {
			got = append(got, row.Rate.Date.String()+" "+row.Rate.From+"->"+row.Rate.To+" "+ledger.FormatAmount(row.Rate.Rate))
		}
	}
	want := []string{
		"2026-01-01 EUR->USD 1.0850",
		`r.csv:3: column Date: value "2026-02-30": not a date YYYY-MM-DD`,
		`r.csv:3: column To: value "XXX": unknown ISO 4217 currency`,
		`r.csv:3: column Rate: value "0": a rate must be positive`,
		`r.csv:4: column To: value "USD": same currency as from`,
		`r.csv:4: column Rate: value "1e2": not a decimal number (exponents are not allowed)`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestRatesUTF16: a rates file in UTF-16 is named as such, not read as a
// header of garbled column names.
func TestRatesUTF16(t *testing.T) {
	_, err := NewRateReader(strings.NewReader("\xff\xfed\x00a\x00"), "r.csv")
	want := `r.csv:1: the file is UTF-16LE (it starts with a UTF-16 byte-order mark), not UTF-8: save it as CSV UTF-8 (in Excel: Save As, "CSV UTF-8 (Comma delimited)") and import that file`
	if err == nil || err.Error() != want {
		t.Errorf("NewRateReader(UTF-16LE) = %v, want %s", err, want)
	}
}

// TestAppendDecimal: the digest's fast formatting equals decimal.String for
// every shape of amount: zero, signs, leading and trailing zeros, 18
// fractional digits, coefficients around the int64 limit, positive exponents.
func TestAppendDecimal(t *testing.T) {
	cases := []string{"0", "-0", "0.00", "-0.000", "10.50", "-10.50", "007.100", "1", "-1", "0.000000000000000001",
		"-0.000000000000000010", "999999999999999999", "9999999999999999999", "-9223372036854775808", "9223372036854775807.5",
		"123456789012345678.9", "1e3", "-2.5e2", "1e-20", "12345678901234567890123.456"}
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 20000; i++ {
		d := decimal.New(rng.Int63()>>uint(rng.Intn(63)), -int32(rng.Intn(21)))
		if rng.Intn(2) == 0 {
			d = d.Neg()
		}
		cases = append(cases, d.String(), ledger.FormatAmount(d))
	}
	for _, c := range cases {
		d, err := decimal.NewFromString(c)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := string(appendDecimal(nil, d)), d.String(); got != want {
			t.Errorf("appendDecimal(%s) = %s, want %s", c, got, want)
		}
	}
}

// TestDelimiters: a semicolon- or tab-separated export is read without a
// mapping (the header decides), and a mapping's delimiter wins.
func TestDelimiters(t *testing.T) {
	for _, tc := range []struct {
		name, data, mapping string
		want                rune
	}{
		{"comma", head + "e1,2026-01-05,a,b,1.50,USD\n", "", ','},
		{"semicolon", "event_id;occurred_at;seller;channel;amount;currency\ne1;2026-01-05;a;b;1.50;USD\n", "", ';'},
		{"semicolon, a comma in a quoted name", "event_id;\"occurred, at\";seller;channel;amount;currency\ne1;2026-01-05;a;b;1.50;USD\n",
			"columns: {occurred_at: \"occurred, at\"}", ';'},
		{"tab", "event_id\toccurred_at\tseller\tchannel\tamount\tcurrency\ne1\t2026-01-05\ta\tb\t1.50\tUSD\n", "", '\t'},
		{"mapping says tab", "event_id\toccurred_at\tseller\tchannel\tamount\tcurrency\ne1\t2026-01-05\ta\tb\t1.50\tUSD\n", "delimiter: tab", '\t'},
		{"mapping says semicolon, header has more commas", "event_id;occurred_at;seller;channel;amount;currency;note,x,y,z,w,v\ne1;2026-01-05;a;b;1.50;USD;n,x,y,z,w,v\n", "delimiter: \";\"", ';'},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m *Mapping
			if tc.mapping != "" {
				m = mustMapping(t, tc.mapping)
			}
			rd, err := NewReader(strings.NewReader(tc.data), "f.csv", m)
			if err != nil {
				t.Fatal(err)
			}
			if rd.Delimiter() != tc.want {
				t.Errorf("delimiter %q, want %q", rd.Delimiter(), tc.want)
			}
			var row Row
			if err := rd.Next(&row); err != nil || len(row.Errors) > 0 {
				t.Fatalf("%v %v", err, row.Errors)
			}
			if row.Event.EventID != "e1" || ledger.FormatAmount(row.Event.Amount) != "1.50" {
				t.Errorf("event %+v", row.Event)
			}
		})
	}
	// A one-column header of a file that is separated by something else.
	_, errs := readAll(t, "event_id|occurred_at|seller|channel|amount|currency\n", nil)
	want := `f.csv:1: missing required column event_id (the header has one column: if the file is not comma-separated, set delimiter in a --mapping file)`
	if len(errs) == 0 || errs[0] != want {
		t.Errorf("errors %q\nwant first %q", errs, want)
	}
}

// TestSpreadsheetLayouts: dates written DD/MM/YYYY or YYYY-MM-DD hh:mm:ss in
// a mapping read as the Go layouts they stand for.
func TestSpreadsheetLayouts(t *testing.T) {
	m := mustMapping(t, `
delimiter: ";"
dates: {layouts: ["DD/MM/YYYY", "YYYY-MM-DD hh:mm:ss"], timezone: Europe/Paris}
number: {decimal: ",", thousands: "."}
`)
	data := "event_id;occurred_at;seller;channel;amount;currency\n" +
		"e1;03/01/2026;a;b;1.234,56;EUR\n" +
		"e2;2026-01-05 10:00:00;a;b;-0,50;EUR\n"
	evs, errs := readAll(t, data, m)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if !evs[0].DateOnly || evs[0].AccountingDate().String() != "2026-01-03" || ledger.FormatAmount(evs[0].Amount) != "1234.56" {
		t.Errorf("e1 %+v", evs[0])
	}
	if evs[1].DateOnly || evs[1].OccurredAt.UTC().Format(time.RFC3339) != "2026-01-05T09:00:00Z" || ledger.FormatAmount(evs[1].Amount) != "-0.50" {
		t.Errorf("e2 %+v", evs[1])
	}
}

// TestOneGrammar: a usage file's number (default convention) is refused
// exactly when, and in the words that, revshare pay, REST, contracts and
// scenarios refuse it (ledger.DecimalProblem), and accepted with the same
// value and scale.
func TestOneGrammar(t *testing.T) {
	for _, s := range []string{"1e3", "+5", ".5", "5.", "-", "NaN", "-inf", "1,000", "1 000.50", "1,2", "ten", "--5", "0x10",
		"1234567890123456789", "0.1234567890123456789", "12.50", "-0.000000000000000001", "999999999999999999.999999999999999999"} {
		d, reason := ParseDecimal(s, DefaultNumber)
		want, err := ledger.ParseDecimal(s)
		if reason != ledger.DecimalProblem(s) || (err == nil) != (reason == "") || !d.Equal(want) || d.Exponent() != want.Exponent() {
			t.Errorf("%q: usage %s %q, ledger %s %v", s, d, reason, want, err)
		}
	}
}

// TestSignColumnRefusesSignedAmounts: where the mapping's sign_column
// decides the sign, an amount (or quantity, or unit price) that carries a
// sign of its own is refused. A refund exported as -10.00 with Type refund
// was negated again and imported as +10.00 of revenue.
func TestSignColumnRefusesSignedAmounts(t *testing.T) {
	m := mustMapping(t, "amount: {sign_column: Type, negative: [refund], positive: [sale]}\n")
	data := "event_id,occurred_at,seller,channel,amount,currency,Type\n" +
		"t1,2026-01-05,openai,direct,10.00,USD,refund\n" +
		"t2,2026-01-05,openai,direct,-10.00,USD,refund\n" +
		"t3,2026-01-05,openai,direct,-4.00,USD,Sale\n" +
		"t4,2026-01-05,openai,direct,4.00,USD,sale\n"
	evs, errs := readAll(t, data, m)
	want := []string{
		`f.csv:3: column amount: value "-10.00": has a sign, but Type "refund" gives the sign (amount.sign_column): write it without the sign, or drop sign_column from the mapping if the file signs its amounts`,
		`f.csv:4: column amount: value "-4.00": has a sign, but Type "Sale" gives the sign (amount.sign_column): write it without the sign, or drop sign_column from the mapping if the file signs its amounts`,
	}
	if strings.Join(errs, "\n") != strings.Join(want, "\n") {
		t.Fatalf("errors:\n%s\nwant:\n%s", strings.Join(errs, "\n"), strings.Join(want, "\n"))
	}
	if len(evs) != 2 || ledger.FormatAmount(evs[0].Amount) != "-10.00" || ledger.FormatAmount(evs[1].Amount) != "4.00" {
		t.Fatalf("events %+v", evs)
	}
	// Quantity and unit price are the amount's factors: the same rule.
	data = "event_id,occurred_at,seller,channel,quantity,unit_price,currency,Type\n" +
		"q1,2026-01-05,openai,direct,-2,5.00,USD,refund\n"
	if _, errs = readAll(t, data, m); len(errs) != 1 || !strings.HasPrefix(errs[0], `f.csv:2: column quantity: value "-2": has a sign, but Type "refund" gives the sign`) {
		t.Fatalf("errors %q", errs)
	}
}

// TestClockChangeGap: a mapped local time that a daylight-saving change
// skipped is refused; Go read 02:30 on Paris's spring-forward day as 03:30
// and booked the event an hour later without a word. The hour repeated in
// autumn exists (Go takes one of its two instants and does not promise
// which), as does a layout with an offset of its own.
func TestClockChangeGap(t *testing.T) {
	m := mustMapping(t, `dates: {layouts: ["YYYY-MM-DD hh:mm:ss", "YYYY-MM-DD hh:mm:ss Z07:00"], timezone: Europe/Paris}`)
	data := "event_id,occurred_at,seller,channel,amount,currency\n" +
		"g1,2026-03-29 02:30:00,a,b,1,EUR\n" +
		"g2,2026-03-29 03:30:00,a,b,1,EUR\n" +
		"g3,2026-10-25 02:30:00,a,b,1,EUR\n" +
		"g4,2026-03-29 02:30:00 +01:00,a,b,1,EUR\n"
	evs, errs := readAll(t, data, m)
	want := `f.csv:2: column occurred_at: value "2026-03-29 02:30:00": no such local time in Europe/Paris: the clocks skipped it (a daylight-saving change)`
	if len(errs) != 1 || errs[0] != want {
		t.Fatalf("errors %q\nwant %q", errs, want)
	}
	var got []string
	for _, e := range evs {
		got = append(got, e.EventID+" "+e.OccurredAt.UTC().Format(time.RFC3339))
	}
	first := "g2 2026-03-29T01:30:00Z|g3 2026-10-25T00:30:00Z|g4 2026-03-29T01:30:00Z"
	second := "g2 2026-03-29T01:30:00Z|g3 2026-10-25T01:30:00Z|g4 2026-03-29T01:30:00Z"
	if g := strings.Join(got, "|"); g != first && g != second {
		t.Errorf("events %q, want %q or %q", g, first, second)
	}
}

// TestRatesLineTooLong: a rate file's over-long line is named by its line
// (it was "r.csv:0" wherever it was), as a usage file's is.
func TestRatesLineTooLong(t *testing.T) {
	long := strings.Repeat("1", 3*MaxLineBytes) // over the limit in any read
	for _, tc := range []struct{ data, want string }{
		{long + "\n", "r.csv:1: line longer than 1048576 bytes"},
		{"date,from,to,rate\n2026-01-01,EUR,USD,1.1\n2026-01-02,EUR,USD," + long + "\n", "r.csv:3: line longer than 1048576 bytes"},
	} {
		rr, err := NewRateReader(strings.NewReader(tc.data), "r.csv")
		if err == nil {
			var row RateRow
			for err == nil {
				err = rr.Next(&row)
			}
		}
		if err == nil || err.Error() != tc.want {
			t.Errorf("%.40q...: %v, want %s", tc.data, err, tc.want)
		}
	}
}

// mustMapping parses the mapping file text doc, as m.yaml.
func mustMapping(t *testing.T, doc string) *Mapping {
	t.Helper()
	m, err := ParseMapping("m.yaml", strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestCRLineEnds: a file whose lines end in CR alone reads, through CSV, as
// one header line holding every row; before, that was reported as
// duplicate and missing columns (`duplicate column "a"`, `missing required
// column currency`) that the file does not lack. Usage and rates files
// both name the line ends. A CRLF file is read as before.
func TestCRLineEnds(t *testing.T) {
	const reason = "the header runs on past a carriage return: the file's lines end in CR alone (classic Mac line ends), which CSV does not read as line ends; save it with LF or CRLF line ends and import that file"
	_, errs := readAll(t, "event_id,occurred_at,seller,channel,amount,currency\re1,2026-01-03,a,b,1.50,USD\re2,2026-01-04,a,b,2.50,USD\r", nil)
	if want := "f.csv:1: " + reason; len(errs) != 1 || errs[0] != want {
		t.Errorf("usage errors %q\nwant [%q]", errs, want)
	}
	_, err := NewRateReader(strings.NewReader("date,from,to,rate\r2026-01-01,EUR,USD,1.1\r"), "r.csv")
	if want := "r.csv:1: " + reason; err == nil || err.Error() != want {
		t.Errorf("NewRateReader = %v, want %s", err, want)
	}
	evs, errs := readAll(t, "event_id,occurred_at,seller,channel,amount,currency\r\ne1,2026-01-03,a,b,1.50,USD\r\n", nil)
	if len(errs) != 0 || len(evs) != 1 {
		t.Errorf("CRLF file: %d events, errors %q", len(evs), errs)
	}
}

// A product whose factors' places add up past 18 is kept when the digits
// there are zeros, written with 18 places (the amount grammar's most); a
// product with a digit there is refused (TestReaderBad). Found by
// FuzzReader: 0.0000000000 × 0.000000000 gave the amount text
// "0.0000000000000000000", which no amount may be.
func TestReaderProductPlaces(t *testing.T) {
	data := "event_id,occurred_at,seller,channel,quantity,unit_price,currency\n" +
		"p1,2026-01-05,a,b,1.0000000000,2.000000000,USD\n" +
		"p2,2026-01-05,a,b,0.0000000000,0.000000000,USD\n" +
		"p3,2026-01-05,a,b,0.5000000000,0.250000000,USD\n"
	evs, errs := readAll(t, data, nil)
	if len(errs) != 0 || len(evs) != 3 {
		t.Fatalf("errors %q, %d events", errs, len(evs))
	}
	for i, want := range []string{"2.000000000000000000", "0.000000000000000000", "0.125000000000000000"} {
		if got := ledger.FormatAmount(evs[i].Amount); got != want {
			t.Errorf("%s: amount %s, want %s", evs[i].EventID, got, want)
		}
	}
}
