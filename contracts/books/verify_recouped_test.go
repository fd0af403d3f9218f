package books_test

import (
	"fmt"
	"testing"

	"github.com/revshare/revshare/contracts/books"
)

// TestVerifyRecoupedWithin: recouped to date stays within the most an
// advance was ever paid out, and in the end within all that was paid out.
// An advance lowered from 30 to 10 after a closed January recouped 30 is
// right once February gives 20 back (TestAdvanceLoweredBelowRecouped);
// without that give-back, or with the advance removed, the excess is a
// violation.
func TestVerifyRecoupedWithin(t *testing.T) {
	row := func(id int64, amount, date string) books.AdvanceText {
		return books.AdvanceText{EntryID: id, Contract: "adv", Advance: "signing", Payer: "a", Payee: "b", Amount: amount, Date: date}
	}
	lowered := []books.AdvanceText{row(1, "30.00", "2026-01-05"), row(3, "-20.00", "2026-02-01")}
	removed := []books.AdvanceText{row(1, "30.00", "2026-01-05"), row(3, "-30.00", "2026-02-01")}
	tests := []struct {
		name           string
		paid, recouped []books.AdvanceText
		want           string
	}{
		{"lowered, excess given back", lowered, []books.AdvanceText{row(2, "30.00", "2026-01-31"), row(4, "-20.00", "2026-02-28")}, "<nil>"},
		{"lowered, excess kept", lowered, []books.AdvanceText{row(2, "30.00", "2026-01-31"), row(4, "0.00", "2026-02-28")},
			"entry 4: contract adv advance signing: 30 recouped by 2026-02-28, outside [0, 10 paid]"},
		{"removed, recoupment kept", removed, []books.AdvanceText{row(2, "30.00", "2026-01-31")},
			"entry 2: contract adv advance signing: 30 recouped by 2026-01-31, outside [0, 0 paid]"},
		// An advance moved earlier by an amendment keeps its payment date:
		// recouped before it was paid is within what it was paid.
		{"date moved earlier", []books.AdvanceText{row(2, "30.00", "2026-02-05")}, []books.AdvanceText{row(1, "10.00", "2026-01-31")}, "<nil>"},
		{"beyond the most paid", lowered, []books.AdvanceText{row(2, "31.00", "2026-01-31"), row(4, "-21.00", "2026-02-28")},
			"entry 2: contract adv advance signing: 31 recouped by 2026-01-31, outside [0, 30 paid]"},
		{"negative", lowered, []books.AdvanceText{row(2, "-1.00", "2026-01-31")},
			"entry 2: contract adv advance signing: -1 recouped by 2026-01-31, outside [0, 30 paid]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fmt.Sprint(books.VerifyRecoupedWithin(tt.paid, tt.recouped)); got != tt.want {
				t.Errorf("got %s\nwant %s", got, tt.want)
			}
		})
	}
}
