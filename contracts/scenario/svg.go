package scenario

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"slices"
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
	rule    string // "" for all rules together; a shared cap's id when shared
	shared  bool   // a shared cap's panel: the sum of its member rules
	members string // a shared cap's rules, joined by "," (comparable)
	title   string
}

// has reports whether cap c is drawn on the panel.
func (pn panel) has(c *CapResult) bool { return c.Rule == pn.rule && (c.Shared != "") == pn.shared }

func (r *Result) chartPanels() []panel {
	var out []panel
	seen := map[panel]bool{}
	for _, v := range r.Variants {
		for _, c := range v.Caps {
			pn := panel{rule: c.Rule, title: c.Rule + ": cumulative obligations against its caps"}
			if c.Shared != "" {
				pn = panel{rule: c.Shared, shared: true, members: strings.Join(c.Rules, ","),
					title: "shared cap " + c.Shared + " (" + strings.Join(c.Rules, ", ") + "): cumulative obligations against it"}
			}
			if !seen[pn] {
				seen[pn] = true
				out = append(out, pn)
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
		switch {
		case pn.shared:
			sum := 0.0
			for _, ra := range p.Rules {
				if slices.Contains(strings.Split(pn.members, ","), ra.Rule) {
					sum += parseFloat(ra.Amount)
				}
			}
			out[i] = sum
			continue
		case pn.rule != "":
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

// plot is one panel being drawn: its data, its scales and the output.
type plot struct {
	b              *bytes.Buffer
	r              *Result
	pn             panel
	x0, x1, y0, y1 float64 // plot area; y0 is the axis (value 0), y1 the top
	ymax, step     float64 // the y axis runs from 0 to ymax in ticks of step
	labels         []string
}

func (r *Result) drawPanel(b *bytes.Buffer, pn panel, top float64) {
	pl := &plot{b: b, r: r, pn: pn,
		x0: marginLeft, x1: chartWidth - marginRight, y0: top + panelHeight - marginBottom, y1: top + marginTop}
	pl.scale()
	fmt.Fprintf(b, `<g class="panel" data-rule="%s">`+"\n", esc(pn.rule))
	fmt.Fprintf(b, `<text x="%s" y="%s" font-size="15" font-weight="bold">%s</text>`+"\n", f1(pl.x0), f1(top+28), esc(pn.title))
	pl.frame()
	pl.caps()
	pl.lines()
	pl.bindings()
	if first := r.chartPanels()[0]; first == pn {
		pl.recoupments()
	}
	pl.legend()
	b.WriteString("</g>\n")
}

// scale fixes the axes: periods of the longest variant; amounts up to every
// line and every total cap, plus 5%, on a round step.
func (pl *plot) scale() {
	ymax := 0.0
	for vi := range pl.r.Variants {
		v := &pl.r.Variants[vi]
		for _, f := range pl.pn.series(v) {
			ymax = math.Max(ymax, f)
		}
		if len(v.Periods) > len(pl.labels) {
			pl.labels = pl.labels[:0]
			for _, p := range v.Periods {
				pl.labels = append(pl.labels, p.Period)
			}
		}
		for _, c := range v.Caps {
			if pl.pn.has(&c) && c.Kind == "total" {
				ymax = math.Max(ymax, parseFloat(c.Limit))
			}
		}
	}
	pl.step = niceStep(ymax / 5)
	pl.ymax = pl.step * math.Ceil(ymax*1.05/pl.step)
	if pl.ymax <= 0 {
		pl.ymax, pl.step = 1, 1
	}
}

func (pl *plot) xAt(i int) float64 {
	if len(pl.labels) <= 1 {
		return pl.x0
	}
	return pl.x0 + (pl.x1-pl.x0)*float64(i)/float64(len(pl.labels)-1)
}

func (pl *plot) yAt(v float64) float64 { return pl.y0 - (pl.y0-pl.y1)*v/pl.ymax }

// frame draws the grid, the axes with their ticks and titles, and the
// divider between actuals and projection.
func (pl *plot) frame() {
	b, x0, x1, y0, y1 := pl.b, pl.x0, pl.x1, pl.y0, pl.y1
	for k := 0; float64(k)*pl.step <= pl.ymax+pl.step/2; k++ {
		v := float64(k) * pl.step
		y := pl.yAt(v)
		fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#e0e0e0"/>`+"\n", f1(x0), f1(y), f1(x1), f1(y))
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="end">%s</text>`+"\n", f1(x0-8), f1(y+4), esc(shortAmount(v)))
	}
	fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#333"/>`+"\n", f1(x0), f1(y0), f1(x1), f1(y0))
	fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#333"/>`+"\n", f1(x0), f1(y0), f1(x0), f1(y1))
	// X ticks: at most about 12, on round periods (quarters, half years, years).
	tick := xTicks(pl.labels)
	for i, l := range pl.labels {
		if tick(i) {
			x := pl.xAt(i)
			fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#333"/>`+"\n", f1(x), f1(y0), f1(x), f1(y0+5))
			fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="middle">%s</text>`+"\n", f1(x), f1(y0+20), esc(l))
		}
	}
	if pl.r.ActualsThrough != "" {
		for i, l := range pl.labels {
			if l == pl.r.FirstProjected {
				x := (pl.xAt(i-1) + pl.xAt(i)) / 2
				fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#999" stroke-dasharray="2,3"/>`+"\n", f1(x), f1(y0), f1(x), f1(y1))
				fmt.Fprintf(b, `<text x="%s" y="%s" fill="#666" text-anchor="end">actuals</text>`+"\n", f1(x-4), f1(y1+12))
				fmt.Fprintf(b, `<text x="%s" y="%s" fill="#666">projection</text>`+"\n", f1(x+4), f1(y1+12))
			}
		}
	}
	fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="middle">period</text>`+"\n", f1((x0+x1)/2), f1(y0+45))
	fmt.Fprintf(b, `<text transform="translate(%s %s) rotate(-90)" text-anchor="middle">cumulative obligations (%s)</text>`+"\n",
		f1(x0-85), f1((y0+y1)/2), esc(pl.r.Currency))
}

// caps draws one dashed line per distinct total cap limit, labelled.
func (pl *plot) caps() {
	type capLine struct {
		limit    string
		variants []string
	}
	var caps []capLine
	for _, v := range pl.r.Variants {
		for _, c := range v.Caps {
			if !pl.pn.has(&c) || c.Kind != "total" {
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
		y := pl.yAt(parseFloat(cl.limit))
		fmt.Fprintf(pl.b, `<line class="cap" x1="%s" y1="%s" x2="%s" y2="%s" stroke="#B00020" stroke-width="1.5" stroke-dasharray="8,4"/>`+"\n",
			f1(pl.x0), f1(y), f1(pl.x1), f1(y))
		who := ""
		switch {
		case len(cl.variants) == len(pl.r.Variants):
		case len(cl.variants) <= 2:
			who = " (" + strings.Join(cl.variants, ", ") + ")"
		default:
			who = fmt.Sprintf(" (%d variants)", len(cl.variants))
		}
		// Labelled below the line at its left end: binding labels sit above
		// their points, which lie towards the right.
		fmt.Fprintf(pl.b, `<text x="%s" y="%s" fill="#B00020">total cap %s%s</text>`+"\n",
			f1(pl.x0+6), f1(y+15), esc(shortAmount(parseFloat(cl.limit))), esc(who))
	}
}

// lines draws one polyline per variant.
func (pl *plot) lines() {
	for vi := range pl.r.Variants {
		v := &pl.r.Variants[vi]
		var pts []string
		for i, f := range pl.pn.series(v) {
			pts = append(pts, f1(pl.xAt(i))+","+f1(pl.yAt(f)))
		}
		fmt.Fprintf(pl.b, `<polyline class="variant" data-variant="%s" fill="none" stroke="%s" stroke-width="2" points="%s"/>`+"\n",
			esc(v.Name), palette[vi%len(palette)], strings.Join(pts, " "))
	}
}

// bindings marks each binding point with a dot and a label; a label that
// would overlap one already drawn moves up, with a leader line.
func (pl *plot) bindings() {
	var placed [][2]float64
	for vi := range pl.r.Variants {
		v := &pl.r.Variants[vi]
		col := palette[vi%len(palette)]
		s := pl.pn.series(v)
		for _, c := range v.Caps {
			if !pl.pn.has(&c) || c.BindsIn == "never" {
				continue
			}
			for i, p := range v.Periods {
				if p.Period != c.BindsIn {
					continue
				}
				x, y := pl.xAt(i), pl.yAt(s[i])
				fmt.Fprintf(pl.b, `<circle class="binds" cx="%s" cy="%s" r="5" fill="%s" stroke="#fff" stroke-width="1.5"/>`+"\n", f1(x), f1(y), col)
				label := c.BindsIn
				if c.Kind != "total" {
					label = c.Kind + " " + label
				}
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
					fmt.Fprintf(pl.b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="0.8"/>`+"\n", f1(x), f1(y-5), f1(x-4), f1(ly+2), col)
				}
				fmt.Fprintf(pl.b, `<text x="%s" y="%s" fill="%s" text-anchor="end" font-weight="bold">binds %s</text>`+"\n",
					f1(x-6), f1(ly), col, esc(label))
			}
		}
	}
}

// recoupments marks, on the first panel, the period by which each advance
// is fully recouped (recouped_by) on each variant's line: a diamond and
// "<advance> recouped".
func (pl *plot) recoupments() {
	for vi := range pl.r.Variants {
		v := &pl.r.Variants[vi]
		col := palette[vi%len(palette)]
		s := pl.pn.series(v)
		for _, a := range v.Advances {
			for i, p := range v.Periods {
				if p.Period != a.RecoupedBy {
					continue
				}
				x, y := pl.xAt(i), pl.yAt(s[i])
				fmt.Fprintf(pl.b, `<path class="recouped" d="M%s %sl6 6l-6 6l-6 -6z" fill="#fff" stroke="%s" stroke-width="2"/>`+"\n", f1(x), f1(y-6), col)
				fmt.Fprintf(pl.b, `<text x="%s" y="%s" fill="%s">%s recouped %s</text>`+"\n", f1(x+8), f1(y+16), col, esc(a.ID), esc(a.RecoupedBy))
			}
		}
	}
}

// legend lists the variants with their colours, right of the plot.
func (pl *plot) legend() {
	lx, ly := pl.x1+20, pl.y1+40
	fmt.Fprintf(pl.b, `<text x="%s" y="%s" font-weight="bold">variants</text>`+"\n", f1(lx), f1(ly))
	for vi, v := range pl.r.Variants {
		y := ly + 20 + 18*float64(vi)
		fmt.Fprintf(pl.b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="3"/>`+"\n", f1(lx), f1(y-4), f1(lx+22), f1(y-4), palette[vi%len(palette)])
		fmt.Fprintf(pl.b, `<text x="%s" y="%s">%s</text>`+"\n", f1(lx+28), f1(y), esc(shorten(v.Name, 30)))
	}
	if pl.r.omitted > 0 {
		y := ly + 20 + 18*float64(len(pl.r.Variants))
		fmt.Fprintf(pl.b, `<text x="%s" y="%s" fill="#666">+%d more not drawn</text>`+"\n", f1(lx), f1(y), pl.r.omitted)
	}
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
