package usage

import (
	"fmt"
	"strings"
	"time"

	"github.com/revshare/revshare/internal/spelling"
	"github.com/revshare/revshare/ledger"
)

// This file holds what helps a file exported from a spreadsheet in: the
// delimiter, date layouts written as DD/MM/YYYY, and hints in errors that
// name the mapping option to set.

// delimiterNames maps what a mapping's delimiter may say to the byte.
var delimiterNames = map[string]rune{",": ',', ";": ';', "\t": '\t', "tab": '\t', `\t`: '\t', "|": '|'}

// detectDelimiter returns the separator of a header line: the one of comma,
// semicolon and tab that occurs most often outside quotes (a tie, or none,
// is a comma). Spreadsheets in locales with a decimal comma export with
// semicolons; "Text (tab-delimited)" exports use tabs.
func detectDelimiter(head []byte) rune {
	var comma, semi, tab int
	inQuotes := false
	for _, c := range head {
		switch {
		case c == '"':
			inQuotes = !inQuotes
		case inQuotes:
		case c == '\n':
			return pickDelimiter(comma, semi, tab)
		case c == ',':
			comma++
		case c == ';':
			semi++
		case c == '\t':
			tab++
		}
	}
	return pickDelimiter(comma, semi, tab)
}

func pickDelimiter(comma, semi, tab int) rune {
	switch {
	case semi > comma && semi >= tab:
		return ';'
	case tab > comma && tab > semi:
		return '\t'
	}
	return ','
}

func delimiterName(d rune) string {
	switch d {
	case ',':
		return "comma"
	case ';':
		return "semicolon"
	case '\t':
		return "tab"
	}
	return fmt.Sprintf("%q", d)
}

// layoutTokens translate a layout written the spreadsheet way into a Go
// layout. Case matters: MM is the month, mm the minute.
var layoutTokens = strings.NewReplacer(
	"YYYY", "2006", "MM", "01", "DD", "02", "hh", "15", "HH", "15", "mm", "04", "ss", "05",
)

// goLayout returns l as a Go time layout: l itself when it is one already
// (it holds 2006), else the translation of its YYYY, MM, DD, hh, mm, ss.
func goLayout(l string) string {
	if strings.Contains(l, "YYYY") {
		return layoutTokens.Replace(l)
	}
	return l
}

// commonLayouts are the layouts suggested when a date is not understood, in
// the spreadsheet way of writing them.
var commonLayouts = []string{
	"DD/MM/YYYY", "MM/DD/YYYY", "DD.MM.YYYY", "DD-MM-YYYY", "MM-DD-YYYY", "YYYY/MM/DD",
	"YYYY-MM-DD hh:mm:ss", "YYYY-MM-DD hh:mm", "DD/MM/YYYY hh:mm:ss", "MM/DD/YYYY hh:mm:ss",
	"DD/MM/YYYY hh:mm", "MM/DD/YYYY hh:mm", "DD.MM.YYYY hh:mm:ss", "YYYY-MM-DDThh:mm:ss",
}

// layoutHint names the mapping option that reads s: the common layouts that
// parse it, or "" when none does.
func layoutHint(s string) string {
	var fits []string
	for _, l := range commonLayouts {
		if _, err := time.Parse(goLayout(l), s); err == nil {
			fits = append(fits, `"`+l+`"`)
		}
	}
	if len(fits) == 0 {
		return ""
	}
	hint := "set dates.layouts: [" + strings.Join(fits, "] or [") + "]"
	if len(fits) > 1 {
		hint += ", whichever your file uses,"
	}
	hint += " in a --mapping file"
	if strings.Contains(fits[0], "hh") {
		hint += ", and dates.timezone if it is not UTC"
	}
	return hint
}

// numberHint names the number options that read s when the mapping's do
// not, or "" when none would. With both a point and a comma, the last one
// is the decimal separator; a lone comma before three digits may be either.
func numberHint(s string, current Number) string {
	s = strings.TrimSpace(s)
	dot, comma := strings.LastIndexByte(s, '.'), strings.LastIndexByte(s, ',')
	var tries []Number
	switch {
	case dot >= 0 && comma >= 0 && comma > dot:
		tries = []Number{{Decimal: ',', Thousands: '.'}}
	case dot >= 0 && comma >= 0:
		tries = []Number{{Decimal: '.', Thousands: ','}}
	case comma >= 0:
		tries = []Number{{Decimal: '.', Thousands: ','}, {Decimal: ','}}
	default:
		tries = []Number{{Decimal: '.', Thousands: ' '}, {Decimal: '.', Thousands: '\''}}
	}
	var hints []string
	for _, n := range tries {
		if n == current {
			continue
		}
		if _, reason := ParseDecimal(s, n); reason != "" {
			continue
		}
		var opts []string
		if n.Decimal != current.Decimal {
			opts = append(opts, fmt.Sprintf("number.decimal: %q", string(n.Decimal)))
		}
		if n.Thousands != 0 && n.Thousands != current.Thousands {
			opts = append(opts, fmt.Sprintf("number.thousands: %q", string(n.Thousands)))
		}
		hints = append(hints, strings.Join(opts, " and "))
	}
	switch len(hints) {
	case 0:
		return ""
	case 1:
		return "set " + hints[0] + " in a --mapping file"
	}
	return "set " + hints[0] + " (if " + s + " means " + strings.ReplaceAll(s, ",", "") + ") or " + hints[1] + " in a --mapping file"
}

// squash folds a column name for "did you mean": lower case, without
// spaces, underscores, dashes and dots ("Event ID" and event_id agree).
func squash(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch r {
		case ' ', '_', '-', '.':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// columnSynonyms are the names other systems' exports commonly give a
// canonical column (squashed): a file with "date" but no occurred_at is
// told which header likely holds it. Only names with one likely meaning.
var columnSynonyms = map[string][]string{
	ColEventID:    {"id", "eventid", "transactionid", "txnid", "txid"},
	ColOccurredAt: {"date", "timestamp", "time", "datetime", "eventdate", "eventtime", "transactiondate"},
	ColSeller:     {"vendor", "merchant"},
	ColChannel:    {"marketplace", "salechannel", "saleschannel"},
	ColAmount:     {"revenue", "value"},
	ColCurrency:   {"ccy", "currencycode", "curr"},
}

// columnHint returns, for a missing canonical column, the file's header
// that names it in another spelling ("Event ID", "occurred-at") or with a
// typo ("evnt_id", "amout": one letter off, two for names of 8 letters and
// more), if one is unused; "" when none is. synonym is set when the header
// is another system's usual name for it ("date" for occurred_at) rather
// than a spelling of it.
func columnHint(canonical string, header []string, used []bool) (hint string, synonym bool) {
	if h := typoHint(canonical, header, used); h != "" {
		return h, false
	}
	for _, name := range columnSynonyms[canonical] {
		for i, h := range header {
			if !used[i] && squash(h) == name {
				return h, true
			}
		}
	}
	return "", false
}

func typoHint(canonical string, header []string, used []bool) string {
	want := squash(canonical)
	typos := 1 // the letters a header may be off and still name canonical
	if len(want) >= 8 {
		typos = 2
	}
	best, bestDist := "", typos+1
	for i, h := range header {
		if used[i] || h == "" {
			continue
		}
		d := spelling.EditDistance(squash(h), want)
		if d == 0 {
			return h
		}
		if d < bestDist {
			best, bestDist = h, d
		}
	}
	return best
}

// withHint adds the option that would read a value to the reason it was
// refused: inside a closing parenthesis as another way out ("(write
// 1234.50, or set ...)"), else after a colon.
func withHint(reason, hint string) string {
	switch {
	case hint == "":
		return reason
	case reason == ledger.NotADecimal: // its parenthesis is an example, not a list of ways
		return reason + ": " + hint
	case strings.HasSuffix(reason, ")"):
		return reason[:len(reason)-1] + ", or " + hint + ")"
	}
	return reason + ": " + hint
}
