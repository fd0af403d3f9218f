package main

// audit16Cases are TestSpecAudit16's cases: testdata/audit16/<name>, the
// commands run after contract add, import rates and import usage, and each
// period's statement as auditLines sums it up. Every figure was computed by
// hand first (the comments); docs/design/spec-audit.md, session 16.
var audit16Cases = []struct {
	name, contract string
	rates          bool
	steps          []string
	periods        []string
	want           map[string][]string
}{
	// §4.3, one rule with every cap kind (10%, per_period 60, per_year 100, total 150).
	// Jan 500 → 50. Feb 700 → gross 70: min(70, 60, 100−50, 150−50) = 50, per_year binds
	// exactly at the cap (remaining 0). Mar gross 30, per_year room 0 → 0. Apr refund −200 →
	// −20 (floor −100 not reached) gives per_year room back. May gross 40 → room 100−80 = 20.
	// 2027 resets the year: Jan gross 100 → total room 150−100 = 50 binds. Feb refund −3000 →
	// gross −300, floored at −total_to_date = −150; per_year remaining 100−50+150 = 200 (above
	// the limit: the formula, not clamped). Mar gross 10, year_to_date −100, total room 150 → 10.
	// Apr 2026 the pair turns: q's obligations (0) exceed p's (−20), so q is the payer, opening
	// −100, net 0 − (−20) = 20, closing −80 (§5 orientation read literally).
	{
		name: "caps", contract: "caps", rates: false,
		steps:   []string{"run --through 2027-03"},
		periods: []string{"2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06", "2027-01", "2027-02", "2027-03"},
		want: map[string][]string{
			"2026-01": {
				"== 2026-01 draft",
				"  r base=500.00 n=1 gross=50.00 ob=50.00 mtu=0.00 caps=per_period:60.00/cb0.00/ap50.00/ra10.00,per_year:100.00/cb0.00/ap50.00/ra50.00,total:150.00/cb0.00/ap50.00/ra100.00",
				"  pair p->q ob=50.00 rev=0.00 net=50.00 open=0.00 pay=0.00 rec=- close=50.00",
			},
			"2026-02": {
				"== 2026-02 draft",
				"  r base=700.00 n=1 gross=70.00 ob=50.00 mtu=0.00 caps=per_period:60.00/cb0.00/ap50.00/ra10.00,per_year:100.00/cb50.00/ap50.00/ra0.00*,total:150.00/cb50.00/ap50.00/ra50.00",
				"  pair p->q ob=50.00 rev=0.00 net=50.00 open=50.00 pay=0.00 rec=- close=100.00",
			},
			"2026-03": {
				"== 2026-03 draft",
				"  r base=300.00 n=1 gross=30.00 ob=0.00 mtu=0.00 caps=per_period:60.00/cb0.00/ap0.00/ra60.00,per_year:100.00/cb100.00/ap0.00/ra0.00*,total:150.00/cb100.00/ap0.00/ra50.00",
				"  pair p->q ob=0.00 rev=0.00 net=0.00 open=100.00 pay=0.00 rec=- close=100.00",
			},
			"2026-04": {
				"== 2026-04 draft",
				"  r base=-200.00 n=1 gross=-20.00 ob=-20.00 mtu=0.00 caps=per_period:60.00/cb0.00/ap-20.00/ra80.00,per_year:100.00/cb100.00/ap-20.00/ra20.00,total:150.00/cb100.00/ap-20.00/ra70.00",
				"  pair q->p ob=0.00 rev=-20.00 net=20.00 open=-100.00 pay=0.00 rec=- close=-80.00",
			},
			"2026-05": {
				"== 2026-05 draft",
				"  r base=400.00 n=1 gross=40.00 ob=20.00 mtu=0.00 caps=per_period:60.00/cb0.00/ap20.00/ra40.00,per_year:100.00/cb80.00/ap20.00/ra0.00*,total:150.00/cb80.00/ap20.00/ra50.00",
				"  pair p->q ob=20.00 rev=0.00 net=20.00 open=80.00 pay=0.00 rec=- close=100.00",
			},
			"2026-06": {
				"== 2026-06 draft",
				"  r base=0.00 n=0 gross=0.00 ob=0.00 mtu=0.00 caps=per_period:60.00/cb0.00/ap0.00/ra60.00,per_year:100.00/cb100.00/ap0.00/ra0.00,total:150.00/cb100.00/ap0.00/ra50.00",
				"  pair p->q ob=0.00 rev=0.00 net=0.00 open=100.00 pay=0.00 rec=- close=100.00",
			},
			"2027-01": {
				"== 2027-01 draft",
				"  r base=1000.00 n=1 gross=100.00 ob=50.00 mtu=0.00 caps=per_period:60.00/cb0.00/ap50.00/ra10.00,per_year:100.00/cb0.00/ap50.00/ra50.00,total:150.00/cb100.00/ap50.00/ra0.00*",
				"  pair p->q ob=50.00 rev=0.00 net=50.00 open=100.00 pay=0.00 rec=- close=150.00",
			},
			"2027-02": {
				"== 2027-02 draft",
				"  r base=-3000.00 n=1 gross=-300.00 ob=-150.00 mtu=0.00 caps=per_period:60.00/cb0.00/ap-150.00/ra210.00,per_year:100.00/cb50.00/ap-150.00/ra200.00,total:150.00/cb150.00/ap-150.00/ra150.00",
				"  pair q->p ob=0.00 rev=-150.00 net=150.00 open=-150.00 pay=0.00 rec=- close=0.00",
			},
			"2027-03": {
				"== 2027-03 draft",
				"  r base=100.00 n=1 gross=10.00 ob=10.00 mtu=0.00 caps=per_period:60.00/cb0.00/ap10.00/ra50.00,per_year:100.00/cb-100.00/ap10.00/ra190.00,total:150.00/cb0.00/ap10.00/ra140.00",
				"  pair p->q ob=10.00 rev=0.00 net=10.00 open=0.00 pay=0.00 rec=- close=10.00",
			},
		},
	},
	// §3 tiers [≤1000 20%, ≤3000 10%, 5%], quarterly, one rule per tier_window.
	// year (t): Q1 800 → 160; Q2 +1500 crosses 1000 inside the quarter: 200×0.2 + 1300×0.1
	// = 170; Q3 −500 walks back down 2300 → 1800 at 10% = −50; Q4 +2000 → 3800: 1200×0.1 +
	// 800×0.05 = 160; 2027-Q1 the year restarts: 1000×0.2 = 200.
	// lifetime (tl): the same through 2026, then 3800 → 4800 at 5% = 50.
	// period (tp): Q2 1000×0.2 + 500×0.1 = 250; Q3 −500 from zero: the first tier's rate, −100
	// (a negative base gives a negative gross, §4.2); Q4 2000 → 200 + 100 = 300.
	{
		name: "tiers", contract: "tiers", rates: false,
		steps:   []string{"run --through 2027-Q1"},
		periods: []string{"2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4", "2027-Q1"},
		want: map[string][]string{
			"2026-Q1": {
				"== 2026-Q1 draft",
				"  t base=800.00 n=1 gross=160.00 ob=160.00 mtu=0.00",
				"  tl base=800.00 n=1 gross=160.00 ob=160.00 mtu=0.00",
				"  tp base=800.00 n=1 gross=160.00 ob=160.00 mtu=0.00",
				"  pair p->q ob=480.00 rev=0.00 net=480.00 open=0.00 pay=0.00 rec=- close=480.00",
			},
			"2026-Q2": {
				"== 2026-Q2 draft",
				"  t base=1500.00 n=1 gross=170.00 ob=170.00 mtu=0.00",
				"  tl base=1500.00 n=1 gross=170.00 ob=170.00 mtu=0.00",
				"  tp base=1500.00 n=1 gross=250.00 ob=250.00 mtu=0.00",
				"  pair p->q ob=590.00 rev=0.00 net=590.00 open=480.00 pay=0.00 rec=- close=1070.00",
			},
			"2026-Q3": {
				"== 2026-Q3 draft",
				"  t base=-500.00 n=1 gross=-50.00 ob=-50.00 mtu=0.00",
				"  tl base=-500.00 n=1 gross=-50.00 ob=-50.00 mtu=0.00",
				"  tp base=-500.00 n=1 gross=-100.00 ob=-100.00 mtu=0.00",
				"  pair q->p ob=0.00 rev=-200.00 net=200.00 open=-1070.00 pay=0.00 rec=- close=-870.00",
			},
			"2026-Q4": {
				"== 2026-Q4 draft",
				"  t base=2000.00 n=1 gross=160.00 ob=160.00 mtu=0.00",
				"  tl base=2000.00 n=1 gross=160.00 ob=160.00 mtu=0.00",
				"  tp base=2000.00 n=1 gross=300.00 ob=300.00 mtu=0.00",
				"  pair p->q ob=620.00 rev=0.00 net=620.00 open=870.00 pay=0.00 rec=- close=1490.00",
			},
			"2027-Q1": {
				"== 2027-Q1 draft",
				"  t base=1000.00 n=1 gross=200.00 ob=200.00 mtu=0.00",
				"  tl base=1000.00 n=1 gross=50.00 ob=50.00 mtu=0.00",
				"  tp base=1000.00 n=1 gross=200.00 ob=200.00 mtu=0.00",
				"  pair p->q ob=450.00 rev=0.00 net=450.00 open=1490.00 pay=0.00 rec=- close=1940.00",
			},
		},
	},
	// Asia/Tokyo, quarterly. m: 10%, [2026-02-15, 2026-08-10), minimum 100/year, total cap 80.
	// Q1: 2026-02-14 (before from) out; 2026-02-14T15:00Z is 02-15 00:00 in Tokyo, in: 300 + 7
	// → 30.70. Q2 200 → 20.00. Q3: 08-09 in, 08-10 out (until is exclusive): 10.00; Q3 is the
	// rule's last period, so the year's 60.70 gets a true-up of 39.30, cut to the cap's 80 −
	// 60.70 = 19.30 (total binds). w: [02-01, 02-28] in Tokyo: 01-31T15:00Z in, 14:59:59Z
	// out, 02-28T14:59:59Z in, 15:00Z out: 10 + 40 = 50 at 50% = 25.00. m2 starts 11-15:
	// 2026 obligations 5.00, minimum 30 not prorated → 25.00; 2027: 10.00 → true-up 20.00.
	{
		name: "windows-minimum", contract: "minw", rates: false,
		steps:   []string{"run --through 2027-Q4"},
		periods: []string{"2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4", "2027-Q1", "2027-Q4"},
		want: map[string][]string{
			"2026-Q1": {
				"== 2026-Q1 draft",
				"  m base=307.00 n=2 gross=30.70 ob=30.70 mtu=0.00 caps=total:80.00/cb0.00/ap30.70/ra49.30",
				"  w base=50.00 n=2 gross=25.00 ob=25.00 mtu=0.00",
				"  pair p->q ob=30.70 rev=25.00 net=5.70 open=0.00 pay=0.00 rec=- close=5.70",
			},
			"2026-Q2": {
				"== 2026-Q2 draft",
				"  m base=200.00 n=1 gross=20.00 ob=20.00 mtu=0.00 caps=total:80.00/cb30.70/ap20.00/ra29.30",
				"  pair p->q ob=20.00 rev=0.00 net=20.00 open=5.70 pay=0.00 rec=- close=25.70",
			},
			"2026-Q3": {
				"== 2026-Q3 draft",
				"  m base=100.00 n=1 gross=10.00 ob=10.00 mtu=19.30 caps=total:80.00/cb50.70/ap29.30/ra0.00*",
				"  pair p->q ob=29.30 rev=0.00 net=29.30 open=25.70 pay=0.00 rec=- close=55.00",
			},
			"2026-Q4": {
				"== 2026-Q4 draft",
				"  m2 base=50.00 n=1 gross=5.00 ob=5.00 mtu=25.00",
				"  pair p->q ob=30.00 rev=0.00 net=30.00 open=55.00 pay=0.00 rec=- close=85.00",
			},
			"2027-Q1": {
				"== 2027-Q1 draft",
				"  m2 base=100.00 n=1 gross=10.00 ob=10.00 mtu=0.00",
				"  pair p->q ob=10.00 rev=0.00 net=10.00 open=85.00 pay=0.00 rec=- close=95.00",
			},
			"2027-Q4": {
				"== 2027-Q4 draft",
				"  m2 base=0.00 n=0 gross=0.00 ob=0.00 mtu=20.00",
				"  pair p->q ob=20.00 rev=0.00 net=20.00 open=95.00 pay=0.00 rec=- close=115.00",
			},
		},
	},
	// Europe/Berlin, quarterly, minimum 100 on u [01-01, 07-01) and t [01-01, 06-30]: both end
	// at the Q2 boundary, so Q2 is their last period (true-up 100 − 10 = 90) and neither appears
	// in Q3. 2026-06-30T21:59:59Z is 23:59:59 CEST (Q2), 22:00Z is July 1 (Q3, f). f [07-01,
	// 12-31], minimum 40: 2026-12-31T22:59:59Z is 23:59:59 CET (in), 23:00Z is 2027 (out):
	// 200 → 20.00 in Q3, 50 → 5.00 in Q4 plus a true-up of 40 − 25 = 15.00. No rule in 2027-Q1.
	{
		name: "window-edges", contract: "edge", rates: false,
		steps:   []string{"run --through 2027-Q1"},
		periods: []string{"2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4", "2027-Q1"},
		want: map[string][]string{
			"2026-Q1": {
				"== 2026-Q1 draft",
				"  u base=0.00 n=0 gross=0.00 ob=0.00 mtu=0.00",
				"  t base=0.00 n=0 gross=0.00 ob=0.00 mtu=0.00",
				"  pair p->q ob=0.00 rev=0.00 net=0.00 open=0.00 pay=0.00 rec=- close=0.00",
			},
			"2026-Q2": {
				"== 2026-Q2 draft",
				"  u base=100.00 n=1 gross=10.00 ob=10.00 mtu=90.00",
				"  t base=100.00 n=1 gross=10.00 ob=10.00 mtu=90.00",
				"  pair p->q ob=200.00 rev=0.00 net=200.00 open=0.00 pay=0.00 rec=- close=200.00",
			},
			"2026-Q3": {
				"== 2026-Q3 draft",
				"  f base=200.00 n=1 gross=20.00 ob=20.00 mtu=0.00",
				"  pair p->q ob=20.00 rev=0.00 net=20.00 open=200.00 pay=0.00 rec=- close=220.00",
			},
			"2026-Q4": {
				"== 2026-Q4 draft",
				"  f base=50.00 n=1 gross=5.00 ob=5.00 mtu=15.00",
				"  pair p->q ob=20.00 rev=0.00 net=20.00 open=220.00 pay=0.00 rec=- close=240.00",
			},
			"2027-Q1": {
				"== 2027-Q1 draft",
				"  pair p->q ob=0.00 rev=0.00 net=0.00 open=240.00 pay=0.00 rec=- close=240.00",
			},
		},
	},
	// §1 BHD (3 decimals), 50%, split 0.5/0.25/0.25, half_up (away from zero on a tie).
	// Jan 10.005 → 5.0025 → 5.003; parts 2.5015 → 2.502, 1.25075 → 1.251, last 1.250.
	// Feb −0.005 → −0.0025 → −0.003; parts −0.0015 → −0.002, −0.00075 → −0.001, last 0.000.
	// Mar 0.013 → 0.0065 → 0.007; 0.0035 → 0.004, 0.00175 → 0.002, last 0.001.
	// Apr −0.021 → −0.0105 → −0.011; −0.0055 → −0.006, −0.00275 → −0.003, last −0.002.
	{
		name: "round-half_up", contract: "rnd-half_up", rates: false,
		steps:   []string{"run --through 2026-04"},
		periods: []string{"2026-01", "2026-02", "2026-03", "2026-04"},
		want: map[string][]string{
			"2026-01": {
				"== 2026-01 draft",
				"  s base=10.005 n=1 gross=5.003 ob=5.003 mtu=0.000 splits=a:2.502,b:1.251,c:1.250",
				"  pair p->a ob=2.502 rev=0.000 net=2.502 open=0.000 pay=0.000 rec=- close=2.502",
				"  pair p->b ob=1.251 rev=0.000 net=1.251 open=0.000 pay=0.000 rec=- close=1.251",
				"  pair p->c ob=1.250 rev=0.000 net=1.250 open=0.000 pay=0.000 rec=- close=1.250",
			},
			"2026-02": {
				"== 2026-02 draft",
				"  s base=-0.005 n=1 gross=-0.003 ob=-0.003 mtu=0.000 splits=a:-0.002,b:-0.001,c:0.000",
				"  pair a->p ob=0.000 rev=-0.002 net=0.002 open=-2.502 pay=0.000 rec=- close=-2.500",
				"  pair b->p ob=0.000 rev=-0.001 net=0.001 open=-1.251 pay=0.000 rec=- close=-1.250",
				"  pair p->c ob=0.000 rev=0.000 net=0.000 open=1.250 pay=0.000 rec=- close=1.250",
			},
			"2026-03": {
				"== 2026-03 draft",
				"  s base=0.013 n=1 gross=0.007 ob=0.007 mtu=0.000 splits=a:0.004,b:0.002,c:0.001",
				"  pair p->a ob=0.004 rev=0.000 net=0.004 open=2.500 pay=0.000 rec=- close=2.504",
				"  pair p->b ob=0.002 rev=0.000 net=0.002 open=1.250 pay=0.000 rec=- close=1.252",
				"  pair p->c ob=0.001 rev=0.000 net=0.001 open=1.250 pay=0.000 rec=- close=1.251",
			},
			"2026-04": {
				"== 2026-04 draft",
				"  s base=-0.021 n=1 gross=-0.011 ob=-0.011 mtu=0.000 splits=a:-0.006,b:-0.003,c:-0.002",
				"  pair a->p ob=0.000 rev=-0.006 net=0.006 open=-2.504 pay=0.000 rec=- close=-2.498",
				"  pair b->p ob=0.000 rev=-0.003 net=0.003 open=-1.252 pay=0.000 rec=- close=-1.249",
				"  pair c->p ob=0.000 rev=-0.002 net=0.002 open=-1.251 pay=0.000 rec=- close=-1.249",
			},
		},
	},
	// The same with half_even: 5.0025 → 5.002; 2.501, 1.2505 → 1.250, last 1.251.
	// −0.0025 → −0.002; −0.001, −0.0005 → 0.000, last −0.001. 0.0065 → 0.006; 0.003,
	// 0.0015 → 0.002, last 0.001. −0.0105 → −0.010; −0.005, −0.0025 → −0.002, last −0.003.
	{
		name: "round-half_even", contract: "rnd-half_even", rates: false,
		steps:   []string{"run --through 2026-04"},
		periods: []string{"2026-01", "2026-02", "2026-03", "2026-04"},
		want: map[string][]string{
			"2026-01": {
				"== 2026-01 draft",
				"  s base=10.005 n=1 gross=5.002 ob=5.002 mtu=0.000 splits=a:2.501,b:1.250,c:1.251",
				"  pair p->a ob=2.501 rev=0.000 net=2.501 open=0.000 pay=0.000 rec=- close=2.501",
				"  pair p->b ob=1.250 rev=0.000 net=1.250 open=0.000 pay=0.000 rec=- close=1.250",
				"  pair p->c ob=1.251 rev=0.000 net=1.251 open=0.000 pay=0.000 rec=- close=1.251",
			},
			"2026-02": {
				"== 2026-02 draft",
				"  s base=-0.005 n=1 gross=-0.002 ob=-0.002 mtu=0.000 splits=a:-0.001,b:0.000,c:-0.001",
				"  pair a->p ob=0.000 rev=-0.001 net=0.001 open=-2.501 pay=0.000 rec=- close=-2.500",
				"  pair p->b ob=0.000 rev=0.000 net=0.000 open=1.250 pay=0.000 rec=- close=1.250",
				"  pair c->p ob=0.000 rev=-0.001 net=0.001 open=-1.251 pay=0.000 rec=- close=-1.250",
			},
			"2026-03": {
				"== 2026-03 draft",
				"  s base=0.013 n=1 gross=0.006 ob=0.006 mtu=0.000 splits=a:0.003,b:0.002,c:0.001",
				"  pair p->a ob=0.003 rev=0.000 net=0.003 open=2.500 pay=0.000 rec=- close=2.503",
				"  pair p->b ob=0.002 rev=0.000 net=0.002 open=1.250 pay=0.000 rec=- close=1.252",
				"  pair p->c ob=0.001 rev=0.000 net=0.001 open=1.250 pay=0.000 rec=- close=1.251",
			},
			"2026-04": {
				"== 2026-04 draft",
				"  s base=-0.021 n=1 gross=-0.010 ob=-0.010 mtu=0.000 splits=a:-0.005,b:-0.002,c:-0.003",
				"  pair a->p ob=0.000 rev=-0.005 net=0.005 open=-2.503 pay=0.000 rec=- close=-2.498",
				"  pair b->p ob=0.000 rev=-0.002 net=0.002 open=-1.252 pay=0.000 rec=- close=-1.250",
				"  pair c->p ob=0.000 rev=-0.003 net=0.003 open=-1.251 pay=0.000 rec=- close=-1.248",
			},
		},
	},
	// §4.5 shared cap sc (per_period 50, total 120) listed [r2, r1]; the contract's order (r1
	// first) decides. Jan r1 30; r2 40 → period room 50 − 30 = 20. Feb r1 −10 gives room back:
	// r2 100 → min(50 + 10, 120 − 50 + 10) = 60. Mar r1 50 → total room 120 − 100 = 20; r2 10
	// → 0. Apr r1 (first) 10 → room 120 − 120 = 0 → 0; r2 −200 floored at its own −80: room
	// comes back only after r1. May r1 100 → per_period 50 (total room 120 − 40 = 80).
	{
		name: "shared-caps", contract: "sh", rates: false,
		steps:   []string{"run --through 2026-05"},
		periods: []string{"2026-01", "2026-02", "2026-03", "2026-04", "2026-05"},
		want: map[string][]string{
			"2026-01": {
				"== 2026-01 draft",
				"  r1 base=300.00 n=1 gross=30.00 ob=30.00 mtu=0.00 caps=scper_period:50.00/cb0.00/ap30.00/ra20.00,sctotal:120.00/cb0.00/ap30.00/ra90.00",
				"  r2 base=400.00 n=1 gross=40.00 ob=20.00 mtu=0.00 caps=scper_period:50.00/cb30.00/ap20.00/ra0.00*,sctotal:120.00/cb30.00/ap20.00/ra70.00",
				"  pair p->q ob=30.00 rev=0.00 net=30.00 open=0.00 pay=0.00 rec=- close=30.00",
				"  pair p->z ob=20.00 rev=0.00 net=20.00 open=0.00 pay=0.00 rec=- close=20.00",
			},
			"2026-02": {
				"== 2026-02 draft",
				"  r1 base=-100.00 n=1 gross=-10.00 ob=-10.00 mtu=0.00 caps=scper_period:50.00/cb0.00/ap-10.00/ra60.00,sctotal:120.00/cb50.00/ap-10.00/ra80.00",
				"  r2 base=1000.00 n=1 gross=100.00 ob=60.00 mtu=0.00 caps=scper_period:50.00/cb-10.00/ap60.00/ra0.00*,sctotal:120.00/cb40.00/ap60.00/ra20.00",
				"  pair q->p ob=0.00 rev=-10.00 net=10.00 open=-30.00 pay=0.00 rec=- close=-20.00",
				"  pair p->z ob=60.00 rev=0.00 net=60.00 open=20.00 pay=0.00 rec=- close=80.00",
			},
			"2026-03": {
				"== 2026-03 draft",
				"  r1 base=500.00 n=1 gross=50.00 ob=20.00 mtu=0.00 caps=scper_period:50.00/cb0.00/ap20.00/ra30.00,sctotal:120.00/cb100.00/ap20.00/ra0.00*",
				"  r2 base=100.00 n=1 gross=10.00 ob=0.00 mtu=0.00 caps=scper_period:50.00/cb20.00/ap0.00/ra30.00,sctotal:120.00/cb120.00/ap0.00/ra0.00*",
				"  pair p->q ob=20.00 rev=0.00 net=20.00 open=20.00 pay=0.00 rec=- close=40.00",
				"  pair p->z ob=0.00 rev=0.00 net=0.00 open=80.00 pay=0.00 rec=- close=80.00",
			},
			"2026-04": {
				"== 2026-04 draft",
				"  r1 base=100.00 n=1 gross=10.00 ob=0.00 mtu=0.00 caps=scper_period:50.00/cb0.00/ap0.00/ra50.00,sctotal:120.00/cb120.00/ap0.00/ra0.00*",
				"  r2 base=-2000.00 n=1 gross=-200.00 ob=-80.00 mtu=0.00 caps=scper_period:50.00/cb0.00/ap-80.00/ra130.00,sctotal:120.00/cb120.00/ap-80.00/ra80.00",
				"  pair p->q ob=0.00 rev=0.00 net=0.00 open=40.00 pay=0.00 rec=- close=40.00",
				"  pair z->p ob=0.00 rev=-80.00 net=80.00 open=-80.00 pay=0.00 rec=- close=0.00",
			},
			"2026-05": {
				"== 2026-05 draft",
				"  r1 base=1000.00 n=1 gross=100.00 ob=50.00 mtu=0.00 caps=scper_period:50.00/cb0.00/ap50.00/ra0.00*,sctotal:120.00/cb40.00/ap50.00/ra30.00",
				"  r2 base=0.00 n=0 gross=0.00 ob=0.00 mtu=0.00 caps=scper_period:50.00/cb50.00/ap0.00/ra0.00,sctotal:120.00/cb90.00/ap0.00/ra30.00",
				"  pair p->q ob=50.00 rev=0.00 net=50.00 open=40.00 pay=0.00 rec=- close=90.00",
				"  pair p->z ob=0.00 rev=0.00 net=0.00 open=0.00 pay=0.00 rec=- close=0.00",
			},
		},
	},
	// §4.7–8 advances of l→a recouped in (date, id) order: adv1 20 and adv2 30 on 01-10 (adv1
	// first by id), adv0 50 on 03-05 (lower id, later date: last). 50% of: Jan 60 → 30: adv1 20,
	// adv2 10. Feb 15: adv2 15. Mar 50 (03-01 sale; adv0 recoups from the period of its date):
	// adv2 5, adv0 45. Apr −40 gives back in reverse: adv0 −40. May −15: adv0 −5, adv2 −10.
	// Jun 100: adv2 10, adv0 50; payment 15 → closing 0 + 100 − 15 − 60 = 25. January lists
	// only the advances dated by 01-31.
	{
		name: "advances", contract: "adv", rates: false,
		steps:   []string{"run --through 2026-06", "pay --contract adv --payer l --payee a --amount 15.00 --date 2026-06-10"},
		periods: []string{"2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"},
		want: map[string][]string{
			"2026-01": {
				"== 2026-01 draft",
				"  r base=60.00 n=1 gross=30.00 ob=30.00 mtu=0.00",
				"  pair l->a ob=30.00 rev=0.00 net=30.00 open=0.00 pay=0.00 rec=30.00 close=0.00",
				"  adv adv1 2026-01-10 amt=20.00 rb=0.00 r=20.00 ua=0.00",
				"  adv adv2 2026-01-10 amt=30.00 rb=0.00 r=10.00 ua=20.00",
			},
			"2026-02": {
				"== 2026-02 draft",
				"  r base=30.00 n=1 gross=15.00 ob=15.00 mtu=0.00",
				"  pair l->a ob=15.00 rev=0.00 net=15.00 open=0.00 pay=0.00 rec=15.00 close=0.00",
				"  adv adv1 2026-01-10 amt=20.00 rb=20.00 r=0.00 ua=0.00",
				"  adv adv2 2026-01-10 amt=30.00 rb=10.00 r=15.00 ua=5.00",
			},
			"2026-03": {
				"== 2026-03 draft",
				"  r base=100.00 n=1 gross=50.00 ob=50.00 mtu=0.00",
				"  pair l->a ob=50.00 rev=0.00 net=50.00 open=0.00 pay=0.00 rec=50.00 close=0.00",
				"  adv adv1 2026-01-10 amt=20.00 rb=20.00 r=0.00 ua=0.00",
				"  adv adv2 2026-01-10 amt=30.00 rb=25.00 r=5.00 ua=0.00",
				"  adv adv0 2026-03-05 amt=50.00 rb=0.00 r=45.00 ua=5.00",
			},
			"2026-04": {
				"== 2026-04 draft",
				"  r base=-80.00 n=1 gross=-40.00 ob=-40.00 mtu=0.00",
				"  pair a->l ob=0.00 rev=-40.00 net=40.00 open=0.00 pay=0.00 rec=40.00 close=0.00",
				"  adv adv1 2026-01-10 amt=20.00 rb=20.00 r=0.00 ua=0.00",
				"  adv adv2 2026-01-10 amt=30.00 rb=30.00 r=0.00 ua=0.00",
				"  adv adv0 2026-03-05 amt=50.00 rb=45.00 r=-40.00 ua=45.00",
			},
			"2026-05": {
				"== 2026-05 draft",
				"  r base=-30.00 n=1 gross=-15.00 ob=-15.00 mtu=0.00",
				"  pair a->l ob=0.00 rev=-15.00 net=15.00 open=0.00 pay=0.00 rec=15.00 close=0.00",
				"  adv adv1 2026-01-10 amt=20.00 rb=20.00 r=0.00 ua=0.00",
				"  adv adv2 2026-01-10 amt=30.00 rb=30.00 r=-10.00 ua=10.00",
				"  adv adv0 2026-03-05 amt=50.00 rb=5.00 r=-5.00 ua=50.00",
			},
			"2026-06": {
				"== 2026-06 draft",
				"  r base=200.00 n=1 gross=100.00 ob=100.00 mtu=0.00",
				"  pair l->a ob=100.00 rev=0.00 net=100.00 open=0.00 pay=15.00 rec=60.00 close=25.00",
				"  adv adv1 2026-01-10 amt=20.00 rb=20.00 r=0.00 ua=0.00",
				"  adv adv2 2026-01-10 amt=30.00 rb=20.00 r=10.00 ua=0.00",
				"  adv adv0 2026-03-05 amt=50.00 rb=0.00 r=50.00 ua=0.00",
			},
		},
	},
	// §3 FX, EUR→USD 1.1 (01-01), 1.2 (01-20), 1.3 (01-31), 1.4 (02-15); the USD→JPY rate is
	// another pair. event_date: 100 on 01-10 ×1.1 = 110, 01-25 ×1.2 = 120,
	// 33.333 (01-02) ×1.1 = 36.6663 (exact): 266.6663 × 0.15 = 39.999945 → 40.00.
	// Feb: 10×1.3 (02-10) + 10×1.4 (02-20) = 27 → 4.05.
	{
		name: "fx-event_date", contract: "fx-event_date", rates: true,
		steps:   []string{"run --through 2026-02"},
		periods: []string{"2026-01", "2026-02"},
		want: map[string][]string{
			"2026-01": {
				"== 2026-01 draft",
				"  r base=266.6663 n=3 gross=40.00 ob=40.00 mtu=0.00",
				"  pair p->q ob=40.00 rev=0.00 net=40.00 open=0.00 pay=0.00 rec=- close=40.00",
			},
			"2026-02": {
				"== 2026-02 draft",
				"  r base=27.00 n=2 gross=4.05 ob=4.05 mtu=0.00",
				"  pair p->q ob=4.05 rev=0.00 net=4.05 open=40.00 pay=0.00 rec=- close=44.05",
			},
		},
	},
	// period_end: every January event at 01-31's 1.3: 233.333×1.3 = 303.3329 → 45.499935 →
	// 45.50; February at the latest rate on or before 02-28 (1.4): 28 → 4.20.
	{
		name: "fx-period_end", contract: "fx-period_end", rates: true,
		steps:   []string{"run --through 2026-02"},
		periods: []string{"2026-01", "2026-02"},
		want: map[string][]string{
			"2026-01": {
				"== 2026-01 draft",
				"  r base=303.3329 n=3 gross=45.50 ob=45.50 mtu=0.00",
				"  pair p->q ob=45.50 rev=0.00 net=45.50 open=0.00 pay=0.00 rec=- close=45.50",
			},
			"2026-02": {
				"== 2026-02 draft",
				"  r base=28.00 n=2 gross=4.20 ob=4.20 mtu=0.00",
				"  pair p->q ob=4.20 rev=0.00 net=4.20 open=45.50 pay=0.00 rec=- close=49.70",
			},
		},
	},
	// §5 late events. Jan: r 10% of 500 = 50 (cap total 100), r2 a→l 20% of 100 = 20; closed.
	// Paid 20 in Feb. Late: l 800 at 2026-01-31T23:59:59Z and a −50 on 01-20. Jan recomputed:
	// r 130 → cap 100 (+50), r2 50 → 10 (−10), both booked on 02-01 as prior-period
	// adjustments. Feb r 300 → gross 30, cap used up → 0. Pair Feb: 0 + 50 from l, −10 from a:
	// net 60, opening 30 (Jan 50 − 20), payments 20 → closing 70 (the ledger: 100 − 10 − 20).
	// January's final statement is unchanged.
	{
		name: "late", contract: "late", rates: false,
		steps:   []string{"run --through 2026-01", "close 2026-01", "pay --contract late --payer l --payee a --amount 20 --date 2026-02-03", "import usage late.csv", "run --through 2026-02"},
		periods: []string{"2026-01", "2026-02", "2026-03"},
		want: map[string][]string{
			"2026-01": {
				"== 2026-01 final",
				"  r base=500.00 n=1 gross=50.00 ob=50.00 mtu=0.00 caps=total:100.00/cb0.00/ap50.00/ra50.00",
				"  r2 base=100.00 n=1 gross=20.00 ob=20.00 mtu=0.00",
				"  pair l->a ob=50.00 rev=20.00 net=30.00 open=0.00 pay=0.00 rec=- close=30.00",
			},
			"2026-02": {
				"== 2026-02 draft",
				"  r base=300.00 n=1 gross=30.00 ob=0.00 mtu=0.00 caps=total:100.00/cb100.00/ap0.00/ra0.00* adj=2026-01:bd800.00:od50.00",
				"  r2 base=0.00 n=0 gross=0.00 ob=0.00 mtu=0.00 adj=2026-01:bd-50.00:od-10.00",
				"  pair l->a ob=50.00 rev=-10.00 net=60.00 open=30.00 pay=20.00 rec=- close=70.00",
			},
			"2026-03": {
				"== 2026-03 draft",
				"  r base=0.00 n=0 gross=0.00 ob=0.00 mtu=0.00 caps=total:100.00/cb100.00/ap0.00/ra0.00",
				"  r2 base=0.00 n=0 gross=0.00 ob=0.00 mtu=0.00",
				"  pair l->a ob=0.00 rev=0.00 net=0.00 open=70.00 pay=0.00 rec=- close=70.00",
			},
		},
	},
	// JPY. Advance 100 (01-15) recouped by r (10%). Jan 500 → 50 recouped (closed). Late Jan
	// 300 → +30 adjustment in Feb; Feb 105 → 10.5 → 11 (half_up). Feb's recoupable = 11 + 30
	// (adjustments included) = 41: 9 left. Mar: back (a→l, 50% of 200) = 100, a pays l 7 →
	// a→l closing 93; nothing recouped (l owes a nothing in March).
	{
		name: "advance-late", contract: "advl", rates: false,
		steps:   []string{"run --through 2026-01", "close 2026-01", "import usage late.csv", "pay --contract advl --payer a --payee l --amount 7 --date 2026-03-03", "run --through 2026-03"},
		periods: []string{"2026-01", "2026-02", "2026-03"},
		want: map[string][]string{
			"2026-01": {
				"== 2026-01 final",
				"  r base=500 n=1 gross=50 ob=50 mtu=0",
				"  back base=0 n=0 gross=0 ob=0 mtu=0",
				"  pair l->a ob=50 rev=0 net=50 open=0 pay=0 rec=50 close=0",
				"  adv adv 2026-01-15 amt=100 rb=0 r=50 ua=50",
			},
			"2026-02": {
				"== 2026-02 draft",
				"  r base=105 n=1 gross=11 ob=11 mtu=0 adj=2026-01:bd300:od30",
				"  back base=0 n=0 gross=0 ob=0 mtu=0",
				"  pair l->a ob=41 rev=0 net=41 open=0 pay=0 rec=41 close=0",
				"  adv adv 2026-01-15 amt=100 rb=50 r=41 ua=9",
			},
			"2026-03": {
				"== 2026-03 draft",
				"  r base=0 n=0 gross=0 ob=0 mtu=0",
				"  back base=200 n=1 gross=100 ob=100 mtu=0",
				"  pair a->l ob=100 rev=0 net=100 open=0 pay=7 rec=0 close=93",
				"  adv adv 2026-01-15 amt=100 rb=91 r=0 ua=9",
			},
		},
	},
	// Asia/Tokyo, JPY. USD→JPY 150 (01-01), 160 (01-20). 2026-01-19T16:00Z is 01-20 in Tokyo:
	// 10.01×160 = 1601.6; 14:59Z is 01-19: ×150 = 1501.5; base 3103.1 × 0.07 = 217.217 → 217,
	// split 0.3/0.7: round(65.1) = 65, 152. r2 (a 50% of 1000 = 500) under the shared total
	// 500: room 283. The advance (100, l→a, from r only) recoups a's 65. Feb: r first, room 0 →
	// 0; r2 −500 floored at −283. Mar r −140 (floor −217 not reached): −42 / −98, advance gives
	// back 42 (unrecouped 77); shared remaining 500 − 217 + 140 = 423.
	{
		name: "fx-zone-split-shared", contract: "fxtz", rates: true,
		steps:   []string{"run --through 2026-03"},
		periods: []string{"2026-01", "2026-02", "2026-03"},
		want: map[string][]string{
			"2026-01": {
				"== 2026-01 draft",
				"  r base=3103.1 n=2 gross=217 ob=217 mtu=0 caps=sctotal:500/cb0/ap217/ra283 splits=a:65,b:152",
				"  r2 base=1000 n=1 gross=500 ob=283 mtu=0 caps=sctotal:500/cb217/ap283/ra0*",
				"  pair p->a ob=348 rev=0 net=348 open=0 pay=0 rec=65 close=283",
				"  pair p->b ob=152 rev=0 net=152 open=0 pay=0 rec=0 close=152",
				"  adv ad 2026-01-31 amt=100 rb=0 r=65 ua=35",
			},
			"2026-02": {
				"== 2026-02 draft",
				"  r base=5000 n=1 gross=350 ob=0 mtu=0 caps=sctotal:500/cb500/ap0/ra0* splits=a:0,b:0",
				"  r2 base=-1000 n=1 gross=-500 ob=-283 mtu=0 caps=sctotal:500/cb500/ap-283/ra283",
				"  pair a->p ob=0 rev=-283 net=283 open=-283 pay=0 rec=0 close=0",
				"  pair p->b ob=0 rev=0 net=0 open=152 pay=0 rec=0 close=152",
				"  adv ad 2026-01-31 amt=100 rb=65 r=0 ua=35",
			},
			"2026-03": {
				"== 2026-03 draft",
				"  r base=-2000 n=1 gross=-140 ob=-140 mtu=0 caps=sctotal:500/cb217/ap-140/ra423 splits=a:-42,b:-98",
				"  r2 base=0 n=0 gross=0 ob=0 mtu=0 caps=sctotal:500/cb77/ap0/ra423",
				"  pair a->p ob=0 rev=-42 net=42 open=0 pay=0 rec=42 close=0",
				"  pair b->p ob=0 rev=-98 net=98 open=-152 pay=0 rec=0 close=-54",
				"  adv ad 2026-01-31 amt=100 rb=65 r=-42 ua=77",
			},
		},
	},
	// Minimum 50/year, per_year cap 200, 10%. 2026-Q4 100. 2027: Q1 −80; Q2 gross 300, room
	// 200 − (−80) = 280; Q3 −300 (floor −300); year's obligations −100 → true-up 150 (the
	// difference, bounded by the per_year room 300).
	{
		name: "minimum-negative-year", contract: "mneg", rates: false,
		steps:   []string{"run --through 2027-Q4"},
		periods: []string{"2026-Q4", "2027-Q1", "2027-Q2", "2027-Q3", "2027-Q4"},
		want: map[string][]string{
			"2026-Q4": {
				"== 2026-Q4 draft",
				"  r base=1000.00 n=1 gross=100.00 ob=100.00 mtu=0.00 caps=per_year:200.00/cb0.00/ap100.00/ra100.00",
				"  pair p->q ob=100.00 rev=0.00 net=100.00 open=0.00 pay=0.00 rec=- close=100.00",
			},
			"2027-Q1": {
				"== 2027-Q1 draft",
				"  r base=-800.00 n=1 gross=-80.00 ob=-80.00 mtu=0.00 caps=per_year:200.00/cb0.00/ap-80.00/ra280.00",
				"  pair q->p ob=0.00 rev=-80.00 net=80.00 open=-100.00 pay=0.00 rec=- close=-20.00",
			},
			"2027-Q2": {
				"== 2027-Q2 draft",
				"  r base=3000.00 n=1 gross=300.00 ob=280.00 mtu=0.00 caps=per_year:200.00/cb-80.00/ap280.00/ra0.00*",
				"  pair p->q ob=280.00 rev=0.00 net=280.00 open=20.00 pay=0.00 rec=- close=300.00",
			},
			"2027-Q3": {
				"== 2027-Q3 draft",
				"  r base=-3000.00 n=1 gross=-300.00 ob=-300.00 mtu=0.00 caps=per_year:200.00/cb200.00/ap-300.00/ra300.00",
				"  pair q->p ob=0.00 rev=-300.00 net=300.00 open=-300.00 pay=0.00 rec=- close=0.00",
			},
			"2027-Q4": {
				"== 2027-Q4 draft",
				"  r base=0.00 n=0 gross=0.00 ob=0.00 mtu=150.00 caps=per_year:200.00/cb-100.00/ap150.00/ra150.00",
				"  pair p->q ob=150.00 rev=0.00 net=150.00 open=0.00 pay=0.00 rec=- close=150.00",
			},
		},
	},
	// close without a run books first (Q1 20, Q2 10). Late 400 on 2025-03-31 → Q1 100 (+80 in
	// Q4). Q4: 100 + 1000 at 20% = 220, per_year room 150 − 110 = 40; the year's 150 meets the
	// minimum of 100. Pair: 80 + 40 = 120, opening 30, paid 25 → 125.
	{
		name: "quarterly-close", contract: "q", rates: false,
		steps:   []string{"close 2025-Q3", "pay --contract q --payer p --payee q --amount 25 --date 2025-10-01", "import usage late.csv", "run --through 2025-Q4"},
		periods: []string{"2025-Q1", "2025-Q3", "2025-Q4"},
		want: map[string][]string{
			"2025-Q1": {
				"== 2025-Q1 final",
				"  r base=100.00 n=1 gross=20.00 ob=20.00 mtu=0.00 caps=per_year:150.00/cb0.00/ap20.00/ra130.00",
				"  pair p->q ob=20.00 rev=0.00 net=20.00 open=0.00 pay=0.00 rec=- close=20.00",
			},
			"2025-Q3": {
				"== 2025-Q3 final",
				"  r base=0.00 n=0 gross=0.00 ob=0.00 mtu=0.00 caps=per_year:150.00/cb30.00/ap0.00/ra120.00",
				"  pair p->q ob=0.00 rev=0.00 net=0.00 open=30.00 pay=0.00 rec=- close=30.00",
			},
			"2025-Q4": {
				"== 2025-Q4 draft",
				"  r base=1100.00 n=2 gross=220.00 ob=40.00 mtu=0.00 caps=per_year:150.00/cb110.00/ap40.00/ra0.00* adj=2025-Q1:bd400.00:od80.00",
				"  pair p->q ob=120.00 rev=0.00 net=120.00 open=30.00 pay=25.00 rec=- close=125.00",
			},
		},
	},
	// Version 2 after January's close: r's rate 0.1 → 0.25, s ends at 01-20. Jan r 200 → 50
	// (+30), s 10 → 5 (−15) booked on 02-01; Feb r 50 uses the cap (100) up; Mar 0 (binds).
	{
		name: "amendment", contract: "am", rates: false,
		steps:   []string{"run --through 2026-01", "close 2026-01", "contract update contract2.yaml", "run --through 2026-03"},
		periods: []string{"2026-01", "2026-02", "2026-03"},
		want: map[string][]string{
			"2026-01": {
				"== 2026-01 final",
				"  r base=200.00 n=1 gross=20.00 ob=20.00 mtu=0.00 caps=total:100.00/cb0.00/ap20.00/ra80.00",
				"  s base=40.00 n=2 gross=20.00 ob=20.00 mtu=0.00",
				"  pair p->q ob=20.00 rev=20.00 net=0.00 open=0.00 pay=0.00 rec=- close=0.00",
			},
			"2026-02": {
				"== 2026-02 draft",
				"  r base=200.00 n=1 gross=50.00 ob=50.00 mtu=0.00 caps=total:100.00/cb50.00/ap50.00/ra0.00 adj=2026-01:bd0.00:od30.00",
				"  s base=0.00 n=0 gross=0.00 ob=0.00 mtu=0.00 adj=2026-01:bd-30.00:od-15.00",
				"  pair p->q ob=80.00 rev=-15.00 net=95.00 open=0.00 pay=0.00 rec=- close=95.00",
			},
			"2026-03": {
				"== 2026-03 draft",
				"  r base=400.00 n=1 gross=100.00 ob=0.00 mtu=0.00 caps=total:100.00/cb100.00/ap0.00/ra0.00*",
				"  pair p->q ob=0.00 rev=0.00 net=0.00 open=95.00 pay=0.00 rec=- close=95.00",
			},
		},
	},
	// period year; r1 from 03-01 (the February sale is out), per_period 80, minimum 100; shared
	// per_year 150 with r2. 2026: r1 50, true-up 50 cut to the per_period room 30; r2 120 → room
	// 150 − 80 = 70. 2027: r1 200 → 80, no true-up left under per_period; r2 10.
	{
		name: "yearly", contract: "yr", rates: false,
		steps:   []string{"run --through 2027"},
		periods: []string{"2026", "2027"},
		want: map[string][]string{
			"2026": {
				"== 2026 draft",
				"  r1 base=500.00 n=1 gross=50.00 ob=50.00 mtu=30.00 caps=per_period:80.00/cb0.00/ap80.00/ra0.00*,scper_year:150.00/cb0.00/ap80.00/ra70.00",
				"  r2 base=1200.00 n=1 gross=120.00 ob=70.00 mtu=0.00 caps=scper_year:150.00/cb80.00/ap70.00/ra0.00*",
				"  pair p->q ob=150.00 rev=0.00 net=150.00 open=0.00 pay=0.00 rec=- close=150.00",
			},
			"2027": {
				"== 2027 draft",
				"  r1 base=2000.00 n=1 gross=200.00 ob=80.00 mtu=0.00 caps=per_period:80.00/cb0.00/ap80.00/ra0.00*,scper_year:150.00/cb0.00/ap80.00/ra70.00",
				"  r2 base=100.00 n=1 gross=10.00 ob=10.00 mtu=0.00 caps=scper_year:150.00/cb80.00/ap10.00/ra60.00",
				"  pair p->q ob=90.00 rev=0.00 net=90.00 open=150.00 pay=0.00 rec=- close=240.00",
			},
		},
	},
	// §5 pairs: one per pair of parties with rules between them, even when no rule of theirs
	// overlaps the period (q–z before r3 starts; z–p after r2 ends). A tie (0 = 0) takes the
	// order of parties [p, q, z]: p→z in February, opening −10 (z owed p 10).
	{
		name: "pairs", contract: "pr", rates: false,
		steps:   []string{"run --through 2026-03"},
		periods: []string{"2026-01", "2026-02", "2026-03"},
		want: map[string][]string{
			"2026-01": {
				"== 2026-01 draft",
				"  r1 base=100.00 n=1 gross=10.00 ob=10.00 mtu=0.00",
				"  r2 base=100.00 n=1 gross=10.00 ob=10.00 mtu=0.00",
				"  pair p->q ob=10.00 rev=0.00 net=10.00 open=0.00 pay=0.00 rec=- close=10.00",
				"  pair z->p ob=10.00 rev=0.00 net=10.00 open=0.00 pay=0.00 rec=- close=10.00",
				"  pair q->z ob=0.00 rev=0.00 net=0.00 open=0.00 pay=0.00 rec=- close=0.00",
			},
			"2026-02": {
				"== 2026-02 draft",
				"  r1 base=100.00 n=1 gross=10.00 ob=10.00 mtu=0.00",
				"  pair p->q ob=10.00 rev=0.00 net=10.00 open=10.00 pay=0.00 rec=- close=20.00",
				"  pair p->z ob=0.00 rev=0.00 net=0.00 open=-10.00 pay=0.00 rec=- close=-10.00",
				"  pair q->z ob=0.00 rev=0.00 net=0.00 open=0.00 pay=0.00 rec=- close=0.00",
			},
			"2026-03": {
				"== 2026-03 draft",
				"  r1 base=0.00 n=0 gross=0.00 ob=0.00 mtu=0.00",
				"  r3 base=0.00 n=0 gross=0.00 ob=0.00 mtu=0.00",
				"  pair p->q ob=0.00 rev=0.00 net=0.00 open=20.00 pay=0.00 rec=- close=20.00",
				"  pair p->z ob=0.00 rev=0.00 net=0.00 open=-10.00 pay=0.00 rec=- close=-10.00",
				"  pair q->z ob=0.00 rev=0.00 net=0.00 open=0.00 pay=0.00 rec=- close=0.00",
			},
		},
	},
	// §4.3's floor without any cap: n's first period refunds −100 → gross −10.00, floored at
	// −total_to_date = 0.00. r 10%: Jan 50, Feb 8 recouped by the 10.00 advance of 02-01 (2
	// left), Mar −30: the advance gives back all it recouped, 8.00; the rest stays owed: the
	// pair turns a→l, opening −55, net 30, recouped +8 (signed by the orientation), closing −33
	// (l owes a 50 + 13 − 30 = 33).
	{
		name: "refund-floor-advance", contract: "fl", rates: false,
		steps:   []string{"run --through 2026-03"},
		periods: []string{"2026-01", "2026-02", "2026-03"},
		want: map[string][]string{
			"2026-01": {
				"== 2026-01 draft",
				"  r base=500.00 n=1 gross=50.00 ob=50.00 mtu=0.00",
				"  n base=-100.00 n=1 gross=-10.00 ob=0.00 mtu=0.00",
				"  pair l->a ob=50.00 rev=0.00 net=50.00 open=0.00 pay=0.00 rec=0.00 close=50.00",
			},
			"2026-02": {
				"== 2026-02 draft",
				"  r base=80.00 n=1 gross=8.00 ob=8.00 mtu=0.00",
				"  n base=50.00 n=1 gross=5.00 ob=5.00 mtu=0.00",
				"  pair l->a ob=13.00 rev=0.00 net=13.00 open=50.00 pay=0.00 rec=8.00 close=55.00",
				"  adv adv 2026-02-01 amt=10.00 rb=0.00 r=8.00 ua=2.00",
			},
			"2026-03": {
				"== 2026-03 draft",
				"  r base=-300.00 n=1 gross=-30.00 ob=-30.00 mtu=0.00",
				"  n base=0.00 n=0 gross=0.00 ob=0.00 mtu=0.00",
				"  pair a->l ob=0.00 rev=-30.00 net=30.00 open=-55.00 pay=0.00 rec=8.00 close=-33.00",
				"  adv adv 2026-02-01 amt=10.00 rb=8.00 r=-8.00 ua=10.00",
			},
		},
	},
	// Minimum 100/year, 10%, from 2025-11. December closed at 10 + true-up 90. A late December
	// 300 raises the obligation to 40 and lowers the true-up to 60: the total stays 100, nothing
	// is booked. A late November 2000 → 200; December's true-up goes to 0 (the year has 240):
	// −60. January shows one item per corrected period: 2025-11 base +2000 obligation +200,
	// 2025-12 base +300 (from its final statement's 100) obligation −60. Pair 200 − 60 + 5 =
	// 145, closing 245.
	{
		name: "late-true-up", contract: "mc", rates: false,
		steps:   []string{"close 2025-12", "import usage late1.csv", "run --through 2026-01", "import usage late2.csv", "run --through 2026-01"},
		periods: []string{"2025-11", "2025-12", "2026-01"},
		want: map[string][]string{
			"2025-11": {
				"== 2025-11 final",
				"  r base=0.00 n=0 gross=0.00 ob=0.00 mtu=0.00",
				"  pair p->q ob=0.00 rev=0.00 net=0.00 open=0.00 pay=0.00 rec=- close=0.00",
			},
			"2025-12": {
				"== 2025-12 final",
				"  r base=100.00 n=1 gross=10.00 ob=10.00 mtu=90.00",
				"  pair p->q ob=100.00 rev=0.00 net=100.00 open=0.00 pay=0.00 rec=- close=100.00",
			},
			"2026-01": {
				"== 2026-01 draft",
				"  r base=50.00 n=1 gross=5.00 ob=5.00 mtu=0.00 adj=2025-11:bd2000.00:od200.00,2025-12:bd300.00:od-60.00",
				"  pair p->q ob=145.00 rev=0.00 net=145.00 open=100.00 pay=0.00 rec=- close=245.00",
			},
		},
	},
	// Contract ac (10%, an advance of 100.00 dated 01-15) is added after January's close: the
	// advance is paid on the first open day and January's 30.00 is booked on 02-01 as a
	// prior-period adjustment, which February's recoupable amount includes: 30 + 20 = 50
	// recouped. January, closed before the contract existed, is a draft with nothing booked.
	// a pays l 5.00, against the pair's orientation: payments −5.00, closing 0 + 50 + 5 − 50 = 5.
	{
		name: "advance-closed-date", contract: "ac", rates: false,
		steps:   []string{"close 2026-01", "contract add advance.yaml", "run --through 2026-02", "pay --contract ac --payer a --payee l --amount 5 --date 2026-02-20"},
		periods: []string{"2026-01", "2026-02"},
		want: map[string][]string{
			"2026-01": {
				"== 2026-01 draft",
				"  r base=300.00 n=1 gross=30.00 ob=30.00 mtu=0.00",
				"  pair l->a ob=0.00 rev=0.00 net=0.00 open=0.00 pay=0.00 rec=0.00 close=0.00",
				"  adv adv 2026-01-15 amt=100.00 rb=0.00 r=0.00 ua=100.00",
			},
			"2026-02": {
				"== 2026-02 draft",
				"  r base=200.00 n=1 gross=20.00 ob=20.00 mtu=0.00 adj=2026-01:bd300.00:od30.00",
				"  pair l->a ob=50.00 rev=0.00 net=50.00 open=0.00 pay=-5.00 rec=50.00 close=5.00",
				"  adv adv 2026-01-15 amt=100.00 rb=0.00 r=50.00 ua=50.00",
			},
		},
	},
}
