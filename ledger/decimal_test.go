package ledger

import "testing"

func TestParseDecimal(t *testing.T) {
	good := map[string]string{"0": "0", "-12.50": "-12.5", "1234.5": "1234.5", "0.000000000000000001": "0.000000000000000001",
		"999999999999999999.999999999999999999": "999999999999999999.999999999999999999"}
	for in, want := range good {
		d, err := ParseDecimal(in)
		if err != nil || d.String() != want {
			t.Errorf("ParseDecimal(%q) = %s, %v; want %s", in, d, err, want)
		}
	}
	bad := []struct{ in, want string }{
		{"", `"": empty number`},
		{"+5", `"+5": not a decimal number (a leading '+' is not allowed: write 5)`},
		{"1e3", `"1e3": not a decimal number (exponents are not allowed)`},
		{"-2E-4", `"-2E-4": not a decimal number (exponents are not allowed)`},
		{".5", `".5": not a decimal number (want digits before the decimal point, as in 0.50)`},
		{"5.", `"5.": not a decimal number (want digits after the decimal point)`},
		{"-", `"-": not a decimal number`},
		{" 5", `" 5": not a decimal number (want digits, an optional leading '-' and one '.', as in -1234.50)`},
		{"1,000", `"1,000": not a decimal number (want digits, an optional leading '-' and one '.', as in -1234.50)`},
		{"1.2.3", `"1.2.3": not a decimal number (want digits, an optional leading '-' and one '.', as in -1234.50)`},
		{"NaN", `"NaN": not a decimal number (want digits, an optional leading '-' and one '.', as in -1234.50)`},
		{"--5", `"--5": not a decimal number (want digits, an optional leading '-' and one '.', as in -1234.50)`},
		{"1.0000000000000000001", `"1.0000000000000000001": more than 18 fractional digits`},
		{"1234567890123456789", `"1234567890123456789": more than 18 digits before the decimal point`},
	}
	for _, tt := range bad {
		_, err := ParseDecimal(tt.in)
		if ErrorCode(err) != EINVALID || ErrorMessage(err) != tt.want {
			t.Errorf("ParseDecimal(%q): %v, want %s", tt.in, err, tt.want)
		}
	}
}
