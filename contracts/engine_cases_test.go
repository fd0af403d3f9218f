package contracts

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
)

// engineCases are hand-computed: every number below was worked out on paper
// from the case's contract.yaml and events.csv under
// testdata/contracts/cases/<name>/ (the comments in each contract say what
// the case shows). The full engine output is also kept there as
// expected.json (regenerate with -update, then review the diff).
var engineCases = map[string][]string{
	"total-cap-mid-period": {
		"2026-01 r base=1000 n=2 gross=200.00 obl=200.00 tu=0.00 total=200.00 | total 500.00 before=0.00 applied=200.00 after=300.00",
		"2026-02 r base=2000 n=1 gross=400.00 obl=300.00 tu=0.00 total=300.00 | total 500.00 before=200.00 applied=300.00 after=0.00 BOUND",
		"2026-03 r base=500 n=1 gross=100.00 obl=0.00 tu=0.00 total=0.00 | total 500.00 before=500.00 applied=0.00 after=0.00 BOUND",
	},
	"rule-ends-mid-period": {
		"2026-Q1 r1 base=1500 n=2 gross=150.00 obl=150.00 tu=0.00 total=150.00",
		"2026-Q1 r2 base=1800 n=3 gross=90.00 obl=90.00 tu=0.00 total=90.00",
		"2026-Q2 r2 base=700 n=1 gross=35.00 obl=35.00 tu=0.00 total=35.00",
	},
	"yearly-through-2030": {
		"2029 r1 base=100 n=1 gross=20.00 obl=20.00 tu=0.00 total=20.00",
		"2029 r2 base=200 n=2 gross=20.00 obl=20.00 tu=0.00 total=20.00",
		"2030 r1 base=1000 n=1 gross=200.00 obl=200.00 tu=0.00 total=200.00",
		"2030 r2 base=1000 n=1 gross=100.00 obl=100.00 tu=0.00 total=100.00",
		"2031 r2 base=1000 n=1 gross=100.00 obl=100.00 tu=0.00 total=100.00",
	},
	"amendment-two-way": {
		"2026-01 a-to-b base=0 n=0 gross=0.00 obl=0.00 tu=0.00 total=0.00",
		"2026-02 a-to-b base=0 n=0 gross=0.00 obl=0.00 tu=0.00 total=0.00",
		"2026-03 a-to-b base=0 n=0 gross=0.00 obl=0.00 tu=0.00 total=0.00",
		"2026-03 b-to-a base=0 n=0 gross=0.00 obl=0.00 tu=0.00 total=0.00",
		"2026-04 a-to-b base=100 n=1 gross=20.00 obl=20.00 tu=0.00 total=20.00",
		"2026-04 b-to-a base=1000 n=1 gross=200.00 obl=200.00 tu=0.00 total=200.00",
		"2026-05 a-to-b base=100 n=1 gross=20.00 obl=20.00 tu=0.00 total=20.00",
	},
	"tiers": {
		"2025-11 year base=800 n=1 gross=80.00 obl=80.00 tu=0.00 total=80.00",
		"2025-11 lifetime base=800 n=1 gross=80.00 obl=80.00 tu=0.00 total=80.00",
		"2025-11 period base=800 n=1 gross=80.00 obl=80.00 tu=0.00 total=80.00",
		"2025-12 year base=1500 n=1 gross=85.00 obl=85.00 tu=0.00 total=85.00",
		"2025-12 lifetime base=1500 n=1 gross=85.00 obl=85.00 tu=0.00 total=85.00",
		"2025-12 period base=1500 n=1 gross=125.00 obl=125.00 tu=0.00 total=125.00",
		"2026-01 year base=2000 n=1 gross=150.00 obl=150.00 tu=0.00 total=150.00",
		"2026-01 lifetime base=2000 n=1 gross=61.00 obl=61.00 tu=0.00 total=61.00",
		"2026-01 period base=2000 n=1 gross=150.00 obl=150.00 tu=0.00 total=150.00",
		"2026-02 year base=-2500 n=1 gross=-200.00 obl=-200.00 tu=0.00 total=-200.00",
		"2026-02 lifetime base=-2500 n=1 gross=-86.00 obl=-86.00 tu=0.00 total=-86.00",
		"2026-02 period base=-2500 n=1 gross=-250.00 obl=-250.00 tu=0.00 total=-250.00",
	},
	"per-year-cap": {
		"2025-Q3 r base=150 n=1 gross=75.00 obl=75.00 tu=0.00 total=75.00 | per_year 100.00 before=0.00 applied=75.00 after=25.00",
		"2025-Q4 r base=100 n=1 gross=50.00 obl=25.00 tu=0.00 total=25.00 | per_year 100.00 before=75.00 applied=25.00 after=0.00 BOUND",
		"2026-Q1 r base=100 n=1 gross=50.00 obl=50.00 tu=0.00 total=50.00 | per_year 100.00 before=0.00 applied=50.00 after=50.00",
		"2026-Q2 r base=200 n=1 gross=100.00 obl=50.00 tu=0.00 total=50.00 | per_year 100.00 before=50.00 applied=50.00 after=0.00 BOUND",
	},
	"per-period-cap": {
		"2026-01 r base=400 n=1 gross=40.00 obl=40.00 tu=0.00 total=40.00 | per_period 50.00 before=0.00 applied=40.00 after=10.00 | total 120.00 before=0.00 applied=40.00 after=80.00",
		"2026-02 r base=800 n=1 gross=80.00 obl=50.00 tu=0.00 total=50.00 | per_period 50.00 before=0.00 applied=50.00 after=0.00 BOUND | total 120.00 before=40.00 applied=50.00 after=30.00",
		"2026-03 r base=600 n=1 gross=60.00 obl=30.00 tu=0.00 total=30.00 | per_period 50.00 before=0.00 applied=30.00 after=20.00 | total 120.00 before=90.00 applied=30.00 after=0.00 BOUND",
	},
	"minimum-true-up": {
		"2025-Q4 m1 base=300 n=1 gross=30.00 obl=30.00 tu=70.00 total=100.00",
		"2025-Q4 m2 base=300 n=1 gross=30.00 obl=30.00 tu=60.00 total=90.00 | total 90.00 before=0.00 applied=90.00 after=0.00 BOUND",
		"2025-Q4 m3 base=300 n=1 gross=30.00 obl=30.00 tu=70.00 total=100.00",
		"2026-Q1 m1 base=500 n=1 gross=50.00 obl=50.00 tu=0.00 total=50.00",
		"2026-Q1 m2 base=500 n=1 gross=50.00 obl=0.00 tu=0.00 total=0.00 | total 90.00 before=90.00 applied=0.00 after=0.00 BOUND",
		"2026-Q1 m3 base=500 n=1 gross=50.00 obl=50.00 tu=0.00 total=50.00",
		"2026-Q2 m1 base=0 n=0 gross=0.00 obl=0.00 tu=0.00 total=0.00",
		"2026-Q2 m2 base=0 n=0 gross=0.00 obl=0.00 tu=0.00 total=0.00 | total 90.00 before=90.00 applied=0.00 after=0.00",
		"2026-Q2 m3 base=0 n=0 gross=0.00 obl=0.00 tu=50.00 total=50.00",
		"2026-Q3 m1 base=0 n=0 gross=0.00 obl=0.00 tu=0.00 total=0.00",
		"2026-Q3 m2 base=0 n=0 gross=0.00 obl=0.00 tu=0.00 total=0.00 | total 90.00 before=90.00 applied=0.00 after=0.00",
		"2026-Q4 m1 base=200 n=1 gross=20.00 obl=20.00 tu=30.00 total=50.00",
		"2026-Q4 m2 base=200 n=1 gross=20.00 obl=0.00 tu=0.00 total=0.00 | total 90.00 before=90.00 applied=0.00 after=0.00 BOUND",
	},
	"refunds-after-cap": {
		"2026-01 r1 base=1000 n=1 gross=200.00 obl=100.00 tu=0.00 total=100.00 | total 100.00 before=0.00 applied=100.00 after=0.00 BOUND",
		"2026-01 r2 base=1000 n=1 gross=100.00 obl=100.00 tu=0.00 total=100.00",
		"2026-02 r1 base=-300 n=1 gross=-60.00 obl=-60.00 tu=0.00 total=-60.00 | total 100.00 before=100.00 applied=-60.00 after=60.00",
		"2026-02 r2 base=-300 n=1 gross=-30.00 obl=-30.00 tu=0.00 total=-30.00",
		"2026-03 r1 base=2000 n=1 gross=400.00 obl=60.00 tu=0.00 total=60.00 | total 100.00 before=40.00 applied=60.00 after=0.00 BOUND",
		"2026-03 r2 base=2000 n=1 gross=200.00 obl=200.00 tu=0.00 total=200.00",
		"2026-04 r1 base=-1000 n=1 gross=-200.00 obl=-100.00 tu=0.00 total=-100.00 | total 100.00 before=100.00 applied=-100.00 after=100.00",
		"2026-04 r2 base=-1000 n=1 gross=-100.00 obl=-100.00 tu=0.00 total=-100.00",
		"2026-05 r1 base=-5000 n=1 gross=-1000.00 obl=0.00 tu=0.00 total=0.00 | total 100.00 before=0.00 applied=0.00 after=100.00",
		"2026-05 r2 base=-5000 n=1 gross=-500.00 obl=-170.00 tu=0.00 total=-170.00",
	},
	"rounding-half_up": {
		"2026-01 r base=0.25 n=1 gross=0.13 obl=0.13 tu=0.00 total=0.13",
		"2026-02 r base=-0.25 n=1 gross=-0.13 obl=-0.13 tu=0.00 total=-0.13",
		"2026-03 r base=0.27 n=1 gross=0.14 obl=0.14 tu=0.00 total=0.14",
	},
	"rounding-half_even": {
		"2026-01 r base=0.25 n=1 gross=0.12 obl=0.12 tu=0.00 total=0.12",
		"2026-02 r base=-0.25 n=1 gross=-0.12 obl=-0.12 tu=0.00 total=-0.12",
		"2026-03 r base=0.27 n=1 gross=0.14 obl=0.14 tu=0.00 total=0.14",
	},
	"jpy": {
		"2026-01 r base=12345 n=1 gross=1852 obl=1852 tu=0 total=1852 | total 3000 before=0 applied=1852 after=1148",
		"2026-02 r base=10003 n=1 gross=1500 obl=1148 tu=0 total=1148 | total 3000 before=1852 applied=1148 after=0 BOUND",
	},
	"bhd": {
		"2026-01 r base=12.345 n=1 gross=1.852 obl=1.852 tu=0.000 total=1.852",
		"2026-02 r base=10.003 n=1 gross=1.500 obl=1.500 tu=0.000 total=1.500",
	},
	"timezone-america-new_york": {
		"2026-01 r base=100 n=1 gross=10.00 obl=10.00 tu=0.00 total=10.00",
		"2026-02 r base=0 n=0 gross=0.00 obl=0.00 tu=0.00 total=0.00",
		"2026-03 r base=600 n=2 gross=60.00 obl=60.00 tu=0.00 total=60.00",
		"2026-04 r base=800 n=1 gross=80.00 obl=80.00 tu=0.00 total=80.00",
	},
	"timezone-utc": {
		"2026-01 r base=0 n=0 gross=0.00 obl=0.00 tu=0.00 total=0.00",
		"2026-02 r base=100 n=1 gross=10.00 obl=10.00 tu=0.00 total=10.00",
		"2026-03 r base=0 n=0 gross=0.00 obl=0.00 tu=0.00 total=0.00",
		"2026-04 r base=1400 n=3 gross=140.00 obl=140.00 tu=0.00 total=140.00",
	},
	"splits": {
		// gross 123.456 -> 123.46; artist round(55.557) = 55.56, producer
		// round(43.211) = 43.21, mixer 123.46 - 55.56 - 43.21 = 24.69.
		"2026-01 record base=1234.56 n=1 gross=123.46 obl=123.46 tu=0.00 total=123.46 | total 150.00 before=0.00 applied=123.46 after=26.54 | split artist 0.45=55.56 | split producer 0.35=43.21 | split mixer 0.2=24.69",
		// gross -20.005 -> -20.01 (half_up, away from zero); artist
		// round(-9.0045) = -9.00, producer round(-7.0035) = -7.00, mixer -4.01.
		"2026-02 record base=-200.05 n=1 gross=-20.01 obl=-20.01 tu=0.00 total=-20.01 | total 150.00 before=123.46 applied=-20.01 after=46.55 | split artist 0.45=-9.00 | split producer 0.35=-7.00 | split mixer 0.2=-4.01",
		// the cap binds at 46.55: artist round(20.9475) = 20.95, producer
		// round(16.2925) = 16.29, mixer 46.55 - 20.95 - 16.29 = 9.31.
		"2026-03 record base=1000 n=1 gross=100.00 obl=46.55 tu=0.00 total=46.55 | total 150.00 before=103.45 applied=46.55 after=0.00 BOUND | split artist 0.45=20.95 | split producer 0.35=16.29 | split mixer 0.2=9.31",
	},
	"shared-caps": {
		// r1 is held to 25.00 by its own cap; r2 (gross 40.00) gets the
		// 35.00 of the shared monthly 60.00 that r1 left.
		"2026-01 r1 base=300 n=1 gross=30.00 obl=25.00 tu=0.00 total=25.00 | per_period 25.00 before=0.00 applied=25.00 after=0.00 BOUND | shared p-shares per_period 60.00 before=0.00 applied=25.00 after=35.00 | shared p-shares total 100.00 before=0.00 applied=25.00 after=75.00",
		"2026-01 r2 base=200 n=1 gross=40.00 obl=35.00 tu=0.00 total=35.00 | shared p-shares per_period 60.00 before=25.00 applied=35.00 after=0.00 BOUND | shared p-shares total 100.00 before=25.00 applied=35.00 after=40.00",
		"2026-01 r3 base=500 n=2 gross=25.00 obl=25.00 tu=0.00 total=25.00",
		// r1's refund (-10.00) gives room back: the shared total has
		// 100 - 60 + 10 = 50.00 left for r2 (gross 80.00), and binds.
		"2026-02 r1 base=-100 n=1 gross=-10.00 obl=-10.00 tu=0.00 total=-10.00 | per_period 25.00 before=0.00 applied=-10.00 after=35.00 | shared p-shares per_period 60.00 before=0.00 applied=-10.00 after=70.00 | shared p-shares total 100.00 before=60.00 applied=-10.00 after=50.00",
		"2026-02 r2 base=400 n=1 gross=80.00 obl=50.00 tu=0.00 total=50.00 | shared p-shares per_period 60.00 before=-10.00 applied=50.00 after=20.00 | shared p-shares total 100.00 before=50.00 applied=50.00 after=0.00 BOUND",
		"2026-02 r3 base=300 n=2 gross=15.00 obl=15.00 tu=0.00 total=15.00",
		// the shared total is used up: r1 gets nothing (bound), r2 had
		// nothing to cut (not bound); r3 is outside the shared cap.
		"2026-03 r1 base=500 n=1 gross=50.00 obl=0.00 tu=0.00 total=0.00 | per_period 25.00 before=0.00 applied=0.00 after=25.00 | shared p-shares per_period 60.00 before=0.00 applied=0.00 after=60.00 | shared p-shares total 100.00 before=100.00 applied=0.00 after=0.00 BOUND",
		"2026-03 r2 base=0 n=0 gross=0.00 obl=0.00 tu=0.00 total=0.00 | shared p-shares per_period 60.00 before=0.00 applied=0.00 after=60.00 | shared p-shares total 100.00 before=100.00 applied=0.00 after=0.00",
		"2026-03 r3 base=500 n=1 gross=25.00 obl=25.00 tu=0.00 total=25.00",
	},
	"advances": {
		"2026-01 r base=60 n=1 gross=30.00 obl=30.00 tu=0.00 total=30.00",
		"2026-02 r base=100 n=1 gross=50.00 obl=50.00 tu=0.00 total=50.00",
		"2026-03 r base=200 n=1 gross=100.00 obl=100.00 tu=0.00 total=100.00",
		"2026-04 r base=-60 n=1 gross=-30.00 obl=-30.00 tu=0.00 total=-30.00",
		"2026-05 r base=100 n=1 gross=50.00 obl=50.00 tu=0.00 total=50.00",
		// the rule had consumed 200.00: the refund floor lets all of it back.
		"2026-06 r base=-400 n=1 gross=-200.00 obl=-200.00 tu=0.00 total=-200.00",
		// January: signing recoups all 30.00 of the period.
		"2026-01 advance signing before=0.00 recouped=30.00 after=20.00",
		// February: signing takes the 20.00 it lacks; 30.00 is paid in cash.
		"2026-02 advance signing before=30.00 recouped=20.00 after=0.00",
		// March: 100.00 recoups bonus (30.00, first by id) then tour (70.00).
		"2026-03 advance signing before=50.00 recouped=0.00 after=0.00",
		"2026-03 advance bonus before=0.00 recouped=30.00 after=0.00",
		"2026-03 advance tour before=0.00 recouped=70.00 after=10.00",
		// April: -30.00 is given back in reverse order: tour first.
		"2026-04 advance signing before=50.00 recouped=0.00 after=0.00",
		"2026-04 advance bonus before=30.00 recouped=0.00 after=0.00",
		"2026-04 advance tour before=70.00 recouped=-30.00 after=40.00",
		// May: 50.00 recoups tour's 40.00; 10.00 is paid in cash.
		"2026-05 advance signing before=50.00 recouped=0.00 after=0.00",
		"2026-05 advance bonus before=30.00 recouped=0.00 after=0.00",
		"2026-05 advance tour before=40.00 recouped=40.00 after=0.00",
		// June: -200.00 gives back tour 80.00, bonus 30.00, signing 50.00
		// (-160.00, all that was recouped); the other -40.00 is owed back.
		"2026-06 advance signing before=50.00 recouped=-50.00 after=50.00",
		"2026-06 advance bonus before=30.00 recouped=-30.00 after=30.00",
		"2026-06 advance tour before=80.00 recouped=-80.00 after=80.00",
	},
	"combined-jpy": {
		// api 0.20 × 12345 = 2469; ms round(1851.75) = 1852, fund 617. chat
		// 555.5 -> 556 (half_up) in the 10000 - 2469 = 7531 left.
		"2026-01 api base=12345 n=1 gross=2469 obl=2469 tu=0 total=2469 | shared all total 10000 before=0 applied=2469 after=7531 | split ms 0.75=1852 | split fund 0.25=617",
		"2026-01 chat base=5555 n=1 gross=556 obl=556 tu=0 total=556 | shared all total 10000 before=2469 applied=556 after=6975",
		// api 6000.2 -> 6000 fits the 6975 left; chat gets the last 975.
		"2026-02 api base=30001 n=1 gross=6000 obl=6000 tu=0 total=6000 | shared all total 10000 before=3025 applied=6000 after=975 | split ms 0.75=4500 | split fund 0.25=1500",
		"2026-02 chat base=20000 n=1 gross=2000 obl=975 tu=0 total=975 | shared all total 10000 before=9025 applied=975 after=0 BOUND",
		// api's refund -1000.6 -> -1001 gives room back (ms round(-750.75) =
		// -751, fund -250); chat's 300 fits the 1001 it freed.
		"2026-03 api base=-5003 n=1 gross=-1001 obl=-1001 tu=0 total=-1001 | shared all total 10000 before=10000 applied=-1001 after=1001 | split ms 0.75=-751 | split fund 0.25=-250",
		"2026-03 chat base=3000 n=1 gross=300 obl=300 tu=0 total=300 | shared all total 10000 before=8999 applied=300 after=701",
		// ms gets 1852 + 556 = 2408 in January, all recouped; 4500 + 975 in
		// February, of which the 592 left; -751 + 300 = -451 in March, given back.
		"2026-01 advance adv before=0 recouped=2408 after=592",
		"2026-02 advance adv before=2408 recouped=592 after=0",
		"2026-03 advance adv before=3000 recouped=-451 after=451",
	},
	"combined-bhd": {
		// stream 100.004 × 0.125 = 12.5005 -> 12.500 (half_even: a tie goes
		// to the even digit); a 7.500, b 5.000. sync 3.00015 -> 3.000. The
		// shared cap lists stream first: contract order decides, not the
		// order of its rules list.
		"2026-Q1 stream base=100.004 n=1 gross=12.500 obl=12.500 tu=0.000 total=12.500 | shared label-cap per_year 60.000 before=0.000 applied=12.500 after=47.500 | split a 0.6=7.500 | split b 0.4=5.000",
		"2026-Q1 sync base=10.0005 n=1 gross=3.000 obl=3.000 tu=0.000 total=3.000 | shared label-cap per_year 60.000 before=12.500 applied=3.000 after=44.500",
		"2026-Q2 stream base=80 n=1 gross=10.000 obl=10.000 tu=0.000 total=10.000 | shared label-cap per_year 60.000 before=15.500 applied=10.000 after=34.500 | split a 0.6=6.000 | split b 0.4=4.000",
		"2026-Q2 sync base=50 n=1 gross=15.000 obl=15.000 tu=0.000 total=15.000 | shared label-cap per_year 60.000 before=25.500 applied=15.000 after=19.500",
		"2026-Q3 stream base=0 n=0 gross=0.000 obl=0.000 tu=0.000 total=0.000 | shared label-cap per_year 60.000 before=40.500 applied=0.000 after=19.500 | split a 0.6=0.000 | split b 0.4=0.000",
		"2026-Q3 sync base=50 n=1 gross=15.000 obl=15.000 tu=0.000 total=15.000 | shared label-cap per_year 60.000 before=40.500 applied=15.000 after=4.500",
		// the year's stream is 23.500 of a 50.000 minimum, short 26.500, but
		// the shared cap has 4.500 - 1.000 = 3.500 left: the true-up is
		// 3.500 and the cap binds; a 2.700, b 1.800.
		"2026-Q4 stream base=8 n=1 gross=1.000 obl=1.000 tu=3.500 total=4.500 | shared label-cap per_year 60.000 before=55.500 applied=4.500 after=0.000 BOUND | split a 0.6=2.700 | split b 0.4=1.800",
		// sync's refund gives 3.000 of room back.
		"2026-Q4 sync base=-10 n=1 gross=-3.000 obl=-3.000 tu=0.000 total=-3.000 | shared label-cap per_year 60.000 before=60.000 applied=-3.000 after=3.000",
		// from Q2 (the advance's date): a gets 6.000 + 15.000 = 21.000, the
		// 20.000 is recouped; Q3 recoups nothing more; Q4's 2.700 - 3.000 =
		// -0.300 gives 0.300 back.
		"2026-Q2 advance adv before=0.000 recouped=20.000 after=0.000",
		"2026-Q3 advance adv before=20.000 recouped=0.000 after=0.000",
		"2026-Q4 advance adv before=20.000 recouped=-0.300 after=0.300",
	},
	"fx": {
		"2026-01 event-date base=180.012 n=3 gross=45.00 obl=45.00 tu=0.00 total=45.00",
		"2026-01 period-end base=190.012 n=3 gross=47.50 obl=47.50 tu=0.00 total=47.50",
		"2026-02 event-date base=13 n=1 gross=3.25 obl=3.25 tu=0.00 total=3.25",
		"2026-02 period-end base=13 n=1 gross=3.25 obl=3.25 tu=0.00 total=3.25",
	},
}

func TestEngineCases(t *testing.T) {
	dirs, err := filepath.Glob("../testdata/contracts/cases/*")
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) != len(engineCases) {
		t.Errorf("%d case directories, %d cases in the table", len(dirs), len(engineCases))
	}
	for _, dir := range dirs {
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			want, ok := engineCases[name]
			if !ok {
				t.Fatalf("no hand-computed expectation for %s", name)
			}
			c, events, rates, through := loadCase(t, dir)
			res, err := Compute(c, events, rates, through, Options{TraceEvents: true})
			if err != nil {
				t.Fatal(err)
			}
			if got := summarize(c, res); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			checkInvariants(t, c, res)
			got, err := json.MarshalIndent(res, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := filepath.Join(dir, "expected.json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if w := readFile(t, golden); string(got) != w {
				t.Fatalf("output differs from %s:\n%s", golden, got)
			}
		})
	}
}

// summarize renders each line compactly: money in the contract currency's
// minor units, base exactly.
func summarize(c *Contract, res *Result) []string {
	var out []string
	m := func(d decimal.Decimal) string { return ledger.FormatMoney(d, c.Currency) }
	for _, ln := range res.Lines {
		s := fmt.Sprintf("%s %s base=%s n=%d gross=%s obl=%s tu=%s total=%s", ln.Period, ln.Rule, ln.Base.String(), ln.Events,
			m(ln.Gross), m(ln.Obligation), m(ln.MinimumTrueUp), m(ln.Total))
		for _, cl := range ln.Caps {
			kind := string(cl.Kind)
			if cl.Shared != "" {
				kind = "shared " + cl.Shared + " " + kind
			}
			s += fmt.Sprintf(" | %s %s before=%s applied=%s after=%s", kind, m(cl.Limit), m(cl.ConsumedBefore), m(cl.Applied), m(cl.RemainingAfter))
			if cl.Bound {
				s += " BOUND"
			}
		}
		for _, sp := range ln.Splits {
			s += fmt.Sprintf(" | split %s %s=%s", sp.Payee, sp.Share, m(sp.Amount))
		}
		out = append(out, s)
	}
	for _, rc := range res.Recoupments(nil) {
		out = append(out, fmt.Sprintf("%s advance %s before=%s recouped=%s after=%s", rc.Period, rc.Advance,
			m(rc.RecoupedBefore), m(rc.Recouped), m(rc.UnrecoupedAfter)))
	}
	return out
}

// checkInvariants asserts what must hold for any result: caps never
// exceeded, consumption never negative, totals add up.
func checkInvariants(t *testing.T, c *Contract, res *Result) {
	t.Helper()
	consumed := map[string]decimal.Decimal{}
	for _, ln := range res.Lines {
		if !ln.Total.Equal(ln.Obligation.Add(ln.MinimumTrueUp)) {
			t.Fatalf("%s %s: total %s != obligation + true-up", ln.Period, ln.Rule, ln.Total)
		}
		if ln.MinimumTrueUp.Sign() < 0 || ln.Obligation.GreaterThan(ln.Gross) && ln.Gross.Sign() >= 0 {
			t.Fatalf("%s %s: obligation %s gross %s true-up %s", ln.Period, ln.Rule, ln.Obligation, ln.Gross, ln.MinimumTrueUp)
		}
		if len(ln.Splits) > 0 {
			sum := decimal.Zero
			for _, sp := range ln.Splits {
				sum = sum.Add(sp.Amount)
			}
			if !sum.Equal(ln.Total) {
				t.Fatalf("%s %s: splits sum to %s, total %s", ln.Period, ln.Rule, sum, ln.Total)
			}
		}
		consumed[ln.Rule] = consumed[ln.Rule].Add(ln.Total)
		if consumed[ln.Rule].Sign() < 0 {
			t.Fatalf("%s %s: consumption to date %s is negative", ln.Period, ln.Rule, consumed[ln.Rule])
		}
		for _, cl := range ln.Caps {
			if cl.RemainingAfter.Sign() < 0 || !cl.ConsumedBefore.Add(cl.Applied).Add(cl.RemainingAfter).Equal(cl.Limit) {
				t.Fatalf("%s %s: cap %+v exceeded or inconsistent", ln.Period, ln.Rule, cl)
			}
			if cl.Kind == CapTotal && cl.Shared == "" && !cl.ConsumedBefore.Add(cl.Applied).Equal(consumed[ln.Rule]) {
				t.Fatalf("%s %s: total cap consumed %s, rule consumed %s", ln.Period, ln.Rule, cl.ConsumedBefore.Add(cl.Applied), consumed[ln.Rule])
			}
		}
	}
}

// loadCase reads contract.yaml, events.csv, rates.csv (optional) and
// through from a case directory.
func loadCase(t testing.TB, dir string) (*Contract, []ledger.Event, []ledger.FXRate, ledger.Period) {
	t.Helper()
	c := mustParse(t, readFile(t, filepath.Join(dir, "contract.yaml")))
	through, err := ledger.ParsePeriod(strings.TrimSpace(readFile(t, filepath.Join(dir, "through"))))
	if err != nil {
		t.Fatal(err)
	}
	var events []ledger.Event
	for _, row := range readCSV(t, filepath.Join(dir, "events.csv")) {
		id, err := strconv.ParseInt(row["id"], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		e := ledger.Event{ID: id, Source: "case", EventID: row["id"], Seller: row["seller"], Channel: row["channel"],
			Product: row["product"], Amount: decimal.RequireFromString(row["amount"]), Currency: row["currency"]}
		e.OccurredAt, e.DateOnly = parseOccurred(t, row["occurred_at"])
		events = append(events, e)
	}
	var rates []ledger.FXRate
	if _, err := os.Stat(filepath.Join(dir, "rates.csv")); err == nil {
		for _, row := range readCSV(t, filepath.Join(dir, "rates.csv")) {
			d, err := ledger.ParseDate(row["date"])
			if err != nil {
				t.Fatal(err)
			}
			rates = append(rates, ledger.FXRate{Date: d, From: row["from"], To: row["to"], Rate: decimal.RequireFromString(row["rate"])})
		}
	}
	return c, events, rates, through
}

func parseOccurred(t testing.TB, s string) (time.Time, bool) {
	t.Helper()
	if d, err := ledger.ParseDate(s); err == nil {
		return d.In(time.UTC), true
	}
	ts, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return ts, false
}

func readCSV(t testing.TB, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, h := range recs[0] {
			row[h] = rec[i]
		}
		out = append(out, row)
	}
	return out
}
