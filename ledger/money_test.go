package ledger

import (
	"reflect"
	"testing"

	"github.com/shopspring/decimal"
)

func TestRoundMinor(t *testing.T) {
	tests := []struct {
		x, currency string
		mode        Rounding
		want        string
	}{
		{"1.005", "USD", HalfUp, "1.01"},
		{"1.005", "USD", HalfEven, "1"},
		{"1.015", "USD", HalfEven, "1.02"},
		{"-1.005", "USD", HalfUp, "-1.01"},
		{"-1.005", "USD", HalfEven, "-1"},
		{"2.5", "JPY", HalfUp, "3"},
		{"2.5", "JPY", HalfEven, "2"},
		{"3.5", "JPY", HalfEven, "4"},
		{"1.0005", "BHD", HalfUp, "1.001"},
		{"1.00049999", "BHD", HalfUp, "1"},
		{"0.000000000000000001", "USD", HalfUp, "0"},
		{"123.456", "CLF", "", "123.456"},
		{"1.004999999999999999", "USD", HalfUp, "1"},
	}
	for _, tc := range tests {
		got, err := RoundMinor(dec(tc.x), tc.currency, tc.mode)
		if err != nil {
			t.Errorf("RoundMinor(%s, %s, %s): %v", tc.x, tc.currency, tc.mode, err)
			continue
		}
		if got.String() != tc.want {
			t.Errorf("RoundMinor(%s, %s, %s) = %s, want %s", tc.x, tc.currency, tc.mode, got, tc.want)
		}
	}
}

func TestRoundMinorBad(t *testing.T) {
	if _, err := RoundMinor(dec("1"), "usd", HalfUp); err == nil || err.Error() != `unknown ISO 4217 currency "usd"` || ErrorCode(err) != EINVALID {
		t.Errorf("unknown currency: %v", err)
	}
	if _, err := RoundMinor(dec("1"), "USD", "up"); err == nil || err.Error() != `unknown rounding mode "up"` {
		t.Errorf("unknown mode: %v", err)
	}
}

func TestFormatAmountAndMoney(t *testing.T) {
	tests := []struct {
		x, currency, amount, money string
	}{
		{"10.50", "USD", "10.50", "10.50"},
		{"10.5", "USD", "10.5", "10.50"},
		{"3", "USD", "3", "3.00"},
		{"1050", "JPY", "1050", "1050"},
		{"-0.125", "BHD", "-0.125", "-0.125"},
		{"0.000000000000000001", "EUR", "0.000000000000000001", "0.00"},
		{"7.1", "XXX", "7.1", "7.1"},
	}
	for _, tc := range tests {
		if got := FormatAmount(dec(tc.x)); got != tc.amount {
			t.Errorf("FormatAmount(%s) = %s, want %s", tc.x, got, tc.amount)
		}
		if got := FormatMoney(dec(tc.x), tc.currency); got != tc.money {
			t.Errorf("FormatMoney(%s, %s) = %s, want %s", tc.x, tc.currency, got, tc.money)
		}
	}
}

func TestMinorUnits(t *testing.T) {
	for c, want := range map[string]int32{"USD": 2, "JPY": 0, "BHD": 3, "CLF": 4, "EUR": 2, "KWD": 3} {
		if got, err := MinorUnits(c); err != nil || got != want {
			t.Errorf("MinorUnits(%s) = %d, %v; want %d", c, got, err, want)
		}
	}
	if IsCurrency("XXX") || IsCurrency("usd") || !IsCurrency("USD") {
		t.Error("IsCurrency is wrong")
	}
}

func TestAccountTypeOf(t *testing.T) {
	good := map[string]AccountType{
		"assets:cash:openai":                    Asset,
		"liabilities:revshare:a:b:c":            Liability,
		"equity:opening":                        Equity,
		"income:revenue:openai:direct":          Income,
		"expenses:revshare:openai:microsoft:c1": Expense,
		"assets:x-y_z.0":                        Asset,
	}
	for name, want := range good {
		if got, err := AccountTypeOf(name); err != nil || got != want {
			t.Errorf("AccountTypeOf(%q) = %q, %v; want %q", name, got, err, want)
		}
	}
	bad := map[string]string{
		"":                 `invalid account "": want root:segment[:segment...]`,
		"assets":           `invalid account "assets": want root:segment[:segment...]`,
		"assets:":          `invalid account "assets:": empty segment`,
		":cash":            `invalid account ":cash": empty segment`,
		"asset:cash":       `invalid account "asset:cash": root must be assets, liabilities, equity, income or expenses`,
		"assets:Cash":      `invalid account "assets:Cash": character 'C' not allowed (use a-z 0-9 - _ .)`,
		"assets:caf\u00e9": `invalid account "assets:café": character 'é' not allowed (use a-z 0-9 - _ .)`,
	}
	for name, want := range bad {
		_, err := AccountTypeOf(name)
		if err == nil || err.Error() != want || ErrorCode(err) != EINVALID {
			t.Errorf("AccountTypeOf(%q) = %v, want %q", name, err, want)
		}
	}
}

func TestAccountNames(t *testing.T) {
	tests := map[string]string{
		ReceivableAccount("OpenAI", "Google Cloud"):           "assets:receivable:openai:google_cloud",
		RevenueAccount("OpenAI", "azure"):                     "income:revenue:openai:azure",
		ShareExpenseAccount("OpenAI", "Microsoft", "rs-2030"): "expenses:revshare:openai:microsoft:rs-2030",
		SharePayableAccount("OpenAI", "Microsoft", "rs-2030"): "liabilities:revshare:openai:microsoft:rs-2030",
		CashAccount(" "): "assets:cash:_",
	}
	for got, want := range tests {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
		if _, err := AccountTypeOf(got); err != nil {
			t.Errorf("%q is not a valid account: %v", got, err)
		}
	}
}

// TestRevenueSegments: RevenueSegments reads back what RevenueAccount
// writes, and no other account.
func TestRevenueSegments(t *testing.T) {
	for _, tc := range []struct{ account, seller, channel string }{
		{RevenueAccount("OpenAI", "Google Cloud"), "openai", "google_cloud"},
		{"income:revenue:openai:azure", "openai", "azure"},
		{"income:revenue::", "", ""},
	} {
		if s, c, ok := RevenueSegments(tc.account); !ok || s != tc.seller || c != tc.channel {
			t.Errorf("RevenueSegments(%q) = %q, %q, %t; want %q, %q", tc.account, s, c, ok, tc.seller, tc.channel)
		}
	}
	for _, account := range []string{
		"income:revenue:openai", "income:revenue:openai:azure:x", "income:revenue", "income:other:openai:azure",
		ReceivableAccount("openai", "azure"), "",
	} {
		if s, c, ok := RevenueSegments(account); ok {
			t.Errorf("RevenueSegments(%q) = %q, %q, true; want not a revenue account", account, s, c)
		}
	}
}

// TestRevenueSegmentSets: the segments of the revenue accounts only, each
// once.
func TestRevenueSegmentSets(t *testing.T) {
	sellers, channels := RevenueSegmentSets([]string{
		"income:revenue:openai:azure", "income:revenue:openai:direct", "income:revenue:acme:azure",
		"assets:receivable:globex:aws", "income:revenue:x", "",
	})
	if want := map[string]bool{"openai": true, "acme": true}; !reflect.DeepEqual(sellers, want) {
		t.Errorf("sellers = %v, want %v", sellers, want)
	}
	if want := map[string]bool{"azure": true, "direct": true}; !reflect.DeepEqual(channels, want) {
		t.Errorf("channels = %v, want %v", channels, want)
	}
	sellers, channels = RevenueSegmentSets(nil)
	if sellers == nil || channels == nil || len(sellers)+len(channels) != 0 {
		t.Errorf("RevenueSegmentSets(nil) = %v, %v; want two empty maps", sellers, channels)
	}
}

// TestOtherSpelling: the first other name of the segment, never the name
// itself.
func TestOtherSpelling(t *testing.T) {
	names := []string{"Acme", "acme", "Globex Inc", "globex_inc", "initech"}
	for _, tc := range []struct{ name, segment, want string }{
		{"ACME", "acme", "Acme"},
		{"Acme", "acme", "acme"},
		{"globex inc", "globex_inc", "Globex Inc"},
		{"initech", "initech", ""},
		{"hooli", "hooli", ""},
	} {
		if got := OtherSpelling(names, tc.name, tc.segment); got != tc.want {
			t.Errorf("OtherSpelling(%q, %q) = %q, want %q", tc.name, tc.segment, got, tc.want)
		}
	}
	if got := OtherSpelling(nil, "acme", "acme"); got != "" {
		t.Errorf("OtherSpelling(nil) = %q, want \"\"", got)
	}
}

func TestErrors(t *testing.T) {
	e := Errorf(ECONFLICT, "key %s taken", "a/b")
	wrapped := wrap{e}
	if ErrorCode(wrapped) != ECONFLICT || ErrorMessage(wrapped) != "key a/b taken" {
		t.Errorf("wrapped: %s %s", ErrorCode(wrapped), ErrorMessage(wrapped))
	}
	plain := errString("disk on fire")
	if ErrorCode(plain) != EINTERNAL || ErrorMessage(plain) != "internal error" {
		t.Errorf("plain: %s %s", ErrorCode(plain), ErrorMessage(plain))
	}
	if ErrorCode(nil) != "" || ErrorMessage(nil) != "" {
		t.Error("nil error has a code or message")
	}
}

type wrap struct{ err error }

func (w wrap) Error() string { return "context: " + w.err.Error() }
func (w wrap) Unwrap() error { return w.err }

type errString string

func (e errString) Error() string { return string(e) }

func TestFormatExact(t *testing.T) {
	tests := []struct{ in, currency, want string }{
		{"10.5000", "USD", "10.50"}, // trailing zeros trimmed, not below the minor units
		{"10.5", "USD", "10.50"},
		{"0.125", "USD", "0.125"}, // every significant digit
		{"180.0120", "USD", "180.012"},
		{"-3", "USD", "-3.00"},
		{"1050.0", "JPY", "1050"},
		{"1.2345", "BHD", "1.2345"},
		{"2.5", "XXZ", "2.5"}, // unknown currency: no minimum
	}
	for _, tt := range tests {
		if got := FormatExact(decimal.RequireFromString(tt.in), tt.currency); got != tt.want {
			t.Errorf("FormatExact(%s, %s) = %s, want %s", tt.in, tt.currency, got, tt.want)
		}
	}
}

func TestFormatGrouped(t *testing.T) {
	tests := []struct{ in, currency, want string }{
		{"38000000000", "USD", "38,000,000,000.00"},
		{"38000000000.00", "USD", "38,000,000,000.00"},
		{"-1234.5", "USD", "-1,234.50"},
		{"999.99", "USD", "999.99"},
		{"1000", "USD", "1,000.00"},
		{"-100", "USD", "-100.00"},
		{"100000", "USD", "100,000.00"},
		{"1234567.891234", "USD", "1,234,567.891234"}, // every digit kept
		{"1234567", "JPY", "1,234,567"},
		{"0.125", "USD", "0.125"},
		{"12345.5", "XXZ", "12,345.5"},
	}
	for _, tt := range tests {
		if got := FormatGrouped(decimal.RequireFromString(tt.in), tt.currency); got != tt.want {
			t.Errorf("FormatGrouped(%s, %s) = %s, want %s", tt.in, tt.currency, got, tt.want)
		}
	}
	if got := FormatMoneyGrouped(decimal.RequireFromString("1234567.8"), "USD"); got != "1,234,567.80" {
		t.Errorf("FormatMoneyGrouped = %s", got)
	}
}

func TestGroupThousandsLeavesNonNumbers(t *testing.T) {
	for _, s := range []string{"", "never", "1e5", "-", "12a345", "1234.5x", ".5", "2030-03"} {
		if got := GroupThousands(s); got != s {
			t.Errorf("GroupThousands(%q) = %q, want it unchanged", s, got)
		}
	}
	if got := GroupThousands("+1234"); got != "+1,234" {
		t.Errorf("GroupThousands(+1234) = %q", got)
	}
}
