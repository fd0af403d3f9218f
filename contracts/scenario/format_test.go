package scenario

import (
	"testing"

	"github.com/revshare/revshare/ledger"
)

func TestGroup(t *testing.T) {
	for in, want := range map[string]string{
		"0.00": "0.00", "999.99": "999.99", "1000": "1,000", "-1234567.50": "-1,234,567.50",
		"38000000000.00": "38,000,000,000.00", "123456": "123,456",
	} {
		if got := group(in); got != want {
			t.Errorf("group(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAxisHelpers(t *testing.T) {
	for in, want := range map[float64]string{0: "0", 950: "950", 1500: "1.5k", 2.5e6: "2.5M", 38e9: "38bn", 1.2e12: "1.2tn", 0.30000000000000004e9: "300M"} {
		if got := shortAmount(in); got != want {
			t.Errorf("shortAmount(%v) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[float64]float64{0: 1, 0.7: 1, 1.2: 2, 3: 5, 7.6e9: 1e10, 8e9: 1e10, 4e9: 5e9} {
		if got := niceStep(in); got != want {
			t.Errorf("niceStep(%v) = %v, want %v", in, got, want)
		}
	}
}

func TestXTicks(t *testing.T) {
	labels := func(first string, n int) []string {
		var out []string
		p := mustPeriod(first)
		for i := 0; i < n; i++ {
			out = append(out, p.Label())
			p = p.Next()
		}
		return out
	}
	for _, tt := range []struct {
		first string
		n     int
		want  []string
	}{
		{"2027-01", 6, []string{"2027-01", "2027-02", "2027-03", "2027-04", "2027-05", "2027-06"}},
		{"2027-01", 30, []string{"2027-01", "2027-04", "2027-07", "2027-10", "2028-01", "2028-04", "2028-07", "2028-10", "2029-01", "2029-04"}},
		{"2025-01", 72, []string{"2025-01", "2025-07", "2026-01", "2026-07", "2027-01", "2027-07", "2028-01", "2028-07", "2029-01", "2029-07", "2030-01", "2030-07"}},
		{"2023-02", 96, []string{"2024-01", "2025-01", "2026-01", "2027-01", "2028-01", "2029-01", "2030-01", "2031-01"}},
		{"2025-Q3", 10, []string{"2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4", "2027-Q1", "2027-Q2", "2027-Q3", "2027-Q4"}},
		{"2025-Q1", 24, []string{"2025-Q1", "2025-Q3", "2026-Q1", "2026-Q3", "2027-Q1", "2027-Q3", "2028-Q1", "2028-Q3", "2029-Q1", "2029-Q3", "2030-Q1", "2030-Q3"}},
		{"2001", 30, []string{"2005", "2010", "2015", "2020", "2025", "2030"}},
	} {
		ls := labels(tt.first, tt.n)
		tick := xTicks(ls)
		var got []string
		for i, l := range ls {
			if tick(i) {
				got = append(got, l)
			}
		}
		if len(got) != len(tt.want) {
			t.Errorf("%s × %d: ticks %v, want %v", tt.first, tt.n, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%s × %d: ticks %v, want %v", tt.first, tt.n, got, tt.want)
				break
			}
		}
	}
}

var mustPeriod = ledger.MustParsePeriod
