package scenario

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/revshare/revshare/ledger"
)

// Chart geometry (SVG user units).
const (
	chartWidth   = 960
	panelHeight  = 460
	marginLeft   = 110
	marginRight  = 230 // legend and cap labels
	marginTop    = 60
	marginBottom = 60
)

// maxChartVariants is the most variants a chart draws.
const maxChartVariants = 12

// palette holds the variants' line colours (colour-blind safe, Okabe–Ito),
// reused in order when there are more variants.
var palette = []string{"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"}

// WriteSVG draws, per capped rule (or, without caps, for all rules
// together), the cumulative obligations of each variant over the evaluated
// periods: one line per variant, each distinct total cap as a dashed
// horizontal line, and each binding point marked with a dot and its period.
// Panels are stacked vertically in one SVG document.
func (r *Result) WriteSVG(w io.Writer) error {
	if len(r.Variants) > maxChartVariants {
		// A chart of hundreds of lines says nothing: draw the first ones and
		// say how many were left out.
		rr := *r
		rr.Variants = r.Variants[:maxChartVariants]
		rr.omitted = len(r.Variants) - maxChartVariants
		r = &rr
	}
	panels := r.chartPanels()
	var b bytes.Buffer
	height := panelHeight * len(panels)
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		chartWidth, height, chartWidth, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", chartWidth, height)
	for i, pn := range panels {
		r.drawPanel(&b, pn, float64(i*panelHeight))
	}
	b.WriteString("</svg>\n")
	_, err := w.Write(b.Bytes())
	return err
}

type panel struct {
	rule  string // "" for all rules together
	title string
}

func (r *Result) chartPanels() []panel {
	var out []panel
	seen := map[string]bool{}
	for _, v := range r.Variants {
		for _, c := range v.Caps {
			if !seen[c.Rule] {
				seen[c.Rule] = true
				out = append(out, panel{rule: c.Rule, title: c.Rule + ": cumulative obligations against its caps"})
			}
		}
	}
	if len(out) == 0 {
		out = append(out, panel{title: "cumulative obligations, all rules"})
	}
	return out
}

// series returns a variant's cumulative obligations in the panel.
func (pn panel) series(v *VariantResult) []float64 {
	out := make([]float64, len(v.Periods))
	for i, p := range v.Periods {
		s := p.Cumulative
		if pn.rule != "" {
			s = "0"
			for _, ra := range p.Rules {
				if ra.Rule == pn.rule {
					s = ra.Amount
				}
			}
		}
		out[i] = parseFloat(s)
	}
	return out
}

func parseFloat(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

func (r *Result) drawPanel(b *bytes.Buffer, pn panel, top float64) {
	x0, x1 := float64(marginLeft), float64(chartWidth-marginRight)
	y0, y1 := top+panelHeight-marginBottom, top+marginTop // y0 is the axis (value 0)
	// The y range covers every line and every total cap.
	ymax := 0.0
	nPeriods := 0
	var labels []string
	for vi := range r.Variants {
		v := &r.Variants[vi]
		for _, f := range pn.series(v) {
			ymax = math.Max(ymax, f)
		}
		if len(v.Periods) > nPeriods {
			nPeriods = len(v.Periods)
			labels = labels[:0]
			for _, p := range v.Periods {
				labels = append(labels, p.Period)
			}
		}
		for _, c := range v.Caps {
			if c.Rule == pn.rule && c.Kind == "total" {
				ymax = math.Max(ymax, parseFloat(c.Limit))
			}
		}
	}
	step := niceStep(ymax / 5)
	top_ := step * math.Ceil(ymax*1.05/step)
	if top_ <= 0 {
		top_, step = 1, 1
	}
	xAt := func(i int) float64 {
		if nPeriods <= 1 {
			return x0
		}
		return x0 + (x1-x0)*float64(i)/float64(nPeriods-1)
	}
	yAt := func(v float64) float64 { return y0 - (y0-y1)*v/top_ }

	fmt.Fprintf(b, `<g class="panel" data-rule="%s">`+"\n", esc(pn.rule))
	fmt.Fprintf(b, `<text x="%s" y="%s" font-size="15" font-weight="bold">%s</text>`+"\n", f1(x0), f1(top+28), esc(pn.title))
	// Grid and y ticks.
	for k := 0; float64(k)*step <= top_+step/2; k++ {
		v := float64(k) * step
		y := yAt(v)
		fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#e0e0e0"/>`+"\n", f1(x0), f1(y), f1(x1), f1(y))
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="end">%s</text>`+"\n", f1(x0-8), f1(y+4), esc(shortAmount(v)))
	}
	// Axes.
	fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#333"/>`+"\n", f1(x0), f1(y0), f1(x1), f1(y0))
	fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#333"/>`+"\n", f1(x0), f1(y0), f1(x0), f1(y1))
	// X ticks: at most about 12, on round periods (quarters, half years, years).
	tick := xTicks(labels)
	for i, l := range labels {
		if tick(i) {
			x := xAt(i)
			fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#333"/>`+"\n", f1(x), f1(y0), f1(x), f1(y0+5))
			fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="middle">%s</text>`+"\n", f1(x), f1(y0+20), esc(l))
		}
	}
	if r.ActualsThrough != "" {
		for i, l := range labels {
			if l == r.FirstProjected {
				x := (xAt(i-1) + xAt(i)) / 2
				fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#999" stroke-dasharray="2,3"/>`+"\n", f1(x), f1(y0), f1(x), f1(y1))
				fmt.Fprintf(b, `<text x="%s" y="%s" fill="#666" text-anchor="end">actuals</text>`+"\n", f1(x-4), f1(y1+12))
				fmt.Fprintf(b, `<text x="%s" y="%s" fill="#666">projection</text>`+"\n", f1(x+4), f1(y1+12))
			}
		}
	}
	// Axis titles.
	fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="middle">period</text>`+"\n", f1((x0+x1)/2), f1(y0+45))
	fmt.Fprintf(b, `<text transform="translate(%s %s) rotate(-90)" text-anchor="middle">cumulative obligations (%s)</text>`+"\n",
		f1(x0-85), f1((y0+y1)/2), esc(r.Currency))
	// Total caps: one dashed line per distinct limit, labelled.
	type capLine struct {
		limit    string
		variants []string
	}
	var caps []capLine
	for _, v := range r.Variants {
		for _, c := range v.Caps {
			if c.Rule != pn.rule || c.Kind != "total" {
				continue
			}
			found := false
			for i := range caps {
				if caps[i].limit == c.Limit {
					caps[i].variants = append(caps[i].variants, v.Name)
					found = true
				}
			}
			if !found {
				caps = append(caps, capLine{c.Limit, []string{v.Name}})
			}
		}
	}
	for _, cl := range caps {
		y := yAt(parseFloat(cl.limit))
		fmt.Fprintf(b, `<line class="cap" x1="%s" y1="%s" x2="%s" y2="%s" stroke="#B00020" stroke-width="1.5" stroke-dasharray="8,4"/>`+"\n",
			f1(x0), f1(y), f1(x1), f1(y))
		who := ""
		switch {
		case len(cl.variants) == len(r.Variants):
		case len(cl.variants) <= 2:
			who = " (" + strings.Join(cl.variants, ", ") + ")"
		default:
			who = fmt.Sprintf(" (%d variants)", len(cl.variants))
		}
		// Labelled below the line at its left end: binding labels sit above
		// their points, which lie towards the right.
		fmt.Fprintf(b, `<text x="%s" y="%s" fill="#B00020">total cap %s%s</text>`+"\n",
			f1(x0+6), f1(y+15), esc(shortAmount(parseFloat(cl.limit))), esc(who))
	}
	// Lines, then binding points on top.
	for vi := range r.Variants {
		v := &r.Variants[vi]
		col := palette[vi%len(palette)]
		var pts []string
		for i, f := range pn.series(v) {
			pts = append(pts, f1(xAt(i))+","+f1(yAt(f)))
		}
		fmt.Fprintf(b, `<polyline class="variant" data-variant="%s" fill="none" stroke="%s" stroke-width="2" points="%s"/>`+"\n",
			esc(v.Name), col, strings.Join(pts, " "))
	}
	var placed [][2]float64 // label anchors already drawn, to avoid overlaps
	for vi := range r.Variants {
		v := &r.Variants[vi]
		col := palette[vi%len(palette)]
		s := pn.series(v)
		for _, c := range v.Caps {
			if c.Rule != pn.rule || c.BindsIn == "never" {
				continue
			}
			for i, p := range v.Periods {
				if p.Period != c.BindsIn {
					continue
				}
				x, y := xAt(i), yAt(s[i])
				fmt.Fprintf(b, `<circle class="binds" cx="%s" cy="%s" r="5" fill="%s" stroke="#fff" stroke-width="1.5"/>`+"\n", f1(x), f1(y), col)
				label := c.BindsIn
				if c.Kind != "total" {
					label = c.Kind + " " + label
				}
				// Move a label up while it would overlap one already drawn.
				ly := y - 10
				for moved := true; moved; {
					moved = false
					for _, q := range placed {
						if math.Abs(q[0]-x) < 110 && math.Abs(q[1]-ly) < 15 {
							ly, moved = q[1]-15, true
						}
					}
				}
				placed = append(placed, [2]float64{x, ly})
				if ly < y-12 {
					fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="0.8"/>`+"\n", f1(x), f1(y-5), f1(x-4), f1(ly+2), col)
				}
				fmt.Fprintf(b, `<text x="%s" y="%s" fill="%s" text-anchor="end" font-weight="bold">binds %s</text>`+"\n",
					f1(x-6), f1(ly), col, esc(label))
			}
		}
	}
	// Legend.
	lx, ly := x1+20, y1+40
	fmt.Fprintf(b, `<text x="%s" y="%s" font-weight="bold">variants</text>`+"\n", f1(lx), f1(ly))
	for vi, v := range r.Variants {
		col := palette[vi%len(palette)]
		y := ly + 20 + 18*float64(vi)
		fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="3"/>`+"\n", f1(lx), f1(y-4), f1(lx+22), f1(y-4), col)
		fmt.Fprintf(b, `<text x="%s" y="%s">%s</text>`+"\n", f1(lx+28), f1(y), esc(shorten(v.Name, 30)))
	}
	if r.omitted > 0 {
		y := ly + 20 + 18*float64(len(r.Variants))
		fmt.Fprintf(b, `<text x="%s" y="%s" fill="#666">+%d more not drawn</text>`+"\n", f1(lx), f1(y), r.omitted)
	}
	b.WriteString("</g>\n")
}

// niceStep rounds x up to 1, 2 or 5 times a power of ten.
func niceStep(x float64) float64 {
	if x <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= x {
			return m * p
		}
	}
	return 10 * p
}

// shortAmount renders an axis value: 38000000000 → "38bn", 2500000 → "2.5M".
func shortAmount(v float64) string {
	for _, u := range []struct {
		div  float64
		name string
	}{{1e12, "tn"}, {1e9, "bn"}, {1e6, "M"}, {1e3, "k"}} {
		if math.Abs(v) >= u.div {
			return strconv.FormatFloat(v/u.div, 'g', 6, 64) + u.name
		}
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

func f1(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// shorten cuts s to n characters, marking the cut with an ellipsis.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// xTicks returns which periods get a labelled tick: every period when there
// are few, otherwise every 2, 3, 6 months, every year, every 2, 5, 10 years
// (quarters and years likewise), whichever first keeps to about 12 ticks.
func xTicks(labels []string) func(i int) bool {
	periods := make([]ledger.Period, len(labels))
	for i, l := range labels {
		periods[i], _ = ledger.ParsePeriod(l)
	}
	perYear := map[ledger.Frequency]int{ledger.Month: 12, ledger.Quarter: 4, ledger.Year: 1}
	n := len(labels)
	if n == 0 {
		return func(int) bool { return false }
	}
	py := perYear[periods[0].Freq]
	if py == 0 {
		py = 12
	}
	steps := []int{1, 2, 3, 6, 12, 24, 60, 120, 240, 600, 1200} // in months
	step := steps[len(steps)-1]
	for _, st := range steps {
		if st%(12/py) == 0 && n*(12/py)/st <= 12 {
			step = st
			break
		}
	}
	return func(i int) bool {
		p := periods[i]
		month := (p.Index - 1) * (12 / py) // months since January of the period's start
		if step < 12 {
			return month%step == 0
		}
		return month == 0 && p.Year%(step/12) == 0
	}
}
