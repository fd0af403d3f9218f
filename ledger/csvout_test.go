package ledger_test

import (
	"strings"
	"testing"

	"github.com/revshare/revshare/ledger"
)

// TestCSVWriterNeutralizesFormulas: every cell a spreadsheet would run as a
// formula gets a leading apostrophe (spec section 7), except plain numbers
// in amount columns.
func TestCSVWriterNeutralizesFormulas(t *testing.T) {
	var b strings.Builder
	w := ledger.NewCSVWriter(&b)
	rows := [][]string{
		{"customer", "amount", "id"},
		{`=HYPERLINK("http://evil.example","x")`, "-12.50", "-1"},
		{"+cmd|' /C calc'!A0", "+3", "+3"},
		{"@SUM(A1:A9)", "-1e5", "@"},
		{"\tx", "\r-1", "-"},
		{"plain", "12.50", "a=b"},
		{"-", "=1+2", ""},
	}
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	want := `customer,amount,id
"'=HYPERLINK(""http://evil.example"",""x"")",-12.50,'-1
'+cmd|' /C calc'!A0,+3,'+3
'@SUM(A1:A9),'-1e5,'@
'	x,"'` + "\r" + `-1",'-
plain,12.50,a=b
'-,'=1+2,
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
