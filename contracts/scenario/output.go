package scenario

import (
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/revshare/revshare/internal/spelling"
	"github.com/revshare/revshare/ledger"
)

// WriteJSON writes the result as indented JSON.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteCSV writes the result in long form, one value per row, with the
// header variant,section,rule,kind,key,value:
//
//	section cap:          key limit | binds_in | remaining_at_horizon
//	section year:         key = the year, value = obligations (all rules)
//	section year_rule:    rule, key = the year, value = that rule's obligations
//	section total_paid:   value
//	section pair_paid:    key = payer:payee, value = what that payer pays that payee
//	section actuals_paid: value (with actuals_through)
//	section year_cash_paid: key = the year, value = obligations less recoupments (with advances)
//	section advance:      key = the advance's id, value = recouped_by (a period or never)
//	section distribution: rule and kind of the cap, key binds_in.p10 ... total_paid.p90,
//	                      binds_by_year_end.<year>, pair_paid.<payer>:<payee>.p10 ...
func (r *Result) WriteCSV(w io.Writer) error {
	cw := ledger.NewCSVWriter(w)
	_ = cw.Write([]string{"variant", "section", "rule", "kind", "key", "value"})
	for _, v := range r.Variants {
		row := func(section, rule, kind, key, value string) {
			_ = cw.Write([]string{v.Name, section, rule, kind, key, value})
		}
		for _, c := range v.Caps {
			row("cap", c.Rule, c.Kind, "limit", c.Limit)
			row("cap", c.Rule, c.Kind, "binds_in", c.BindsIn)
			row("cap", c.Rule, c.Kind, "remaining_at_horizon", c.RemainingAtHorizon)
		}
		for _, y := range v.Years {
			row("year", "", "", strconv.Itoa(y.Year), y.Obligations)
			if y.CashPaid != "" {
				row("year_cash_paid", "", "", strconv.Itoa(y.Year), y.CashPaid)
			}
			for _, ra := range y.Rules {
				row("year_rule", ra.Rule, "", strconv.Itoa(y.Year), ra.Amount)
			}
		}
		row("total_paid", "", "", "", v.TotalPaid)
		for _, pp := range v.Pairs {
			row("pair_paid", "", "", pp.Payer+":"+pp.Payee, pp.TotalPaid)
		}
		if v.ActualsPaid != "" {
			row("actuals_paid", "", "", "", v.ActualsPaid)
		}
		for _, a := range v.Advances {
			row("advance", "", "", a.ID, a.RecoupedBy)
		}
		if d := v.Distribution; d != nil {
			row("distribution", "", "", "runs", strconv.Itoa(d.Runs))
			for _, c := range d.Caps {
				row("distribution", c.Rule, c.Kind, "binds_in.p10", c.BindsIn.P10)
				row("distribution", c.Rule, c.Kind, "binds_in.p50", c.BindsIn.P50)
				row("distribution", c.Rule, c.Kind, "binds_in.p90", c.BindsIn.P90)
				for _, y := range c.ByYearEnd {
					row("distribution", c.Rule, c.Kind, "binds_by_year_end."+strconv.Itoa(y.Year), y.Probability)
				}
			}
			row("distribution", "", "", "total_paid.p10", d.TotalPaid.P10)
			row("distribution", "", "", "total_paid.p50", d.TotalPaid.P50)
			row("distribution", "", "", "total_paid.p90", d.TotalPaid.P90)
			for _, pp := range d.Pairs {
				pair := pp.Payer + ":" + pp.Payee
				row("distribution", "", "", "pair_paid."+pair+".p10", pp.TotalPaid.P10)
				row("distribution", "", "", "pair_paid."+pair+".p50", pp.TotalPaid.P50)
				row("distribution", "", "", "pair_paid."+pair+".p90", pp.TotalPaid.P90)
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteTable writes a table per variant, then a comparison across variants.
// Amounts are grouped by thousands for reading ("38,000,000,000.00").
func (r *Result) WriteTable(w io.Writer) error {
	var b strings.Builder
	title := r.Name
	if title == "" {
		title = "scenario"
	}
	fmt.Fprintf(&b, "%s: contract %s (%s, %sly periods)\n", title, r.Contract, r.Currency, r.Period)
	if r.ActualsThrough != "" {
		fmt.Fprintf(&b, "actuals through %s, projected %s to %s\n", r.ActualsThrough, r.FirstProjected, r.Horizon)
	} else {
		fmt.Fprintf(&b, "projected %s to %s\n", r.FirstProjected, r.Horizon)
	}
	// A distribution equal to the previous variant's (sweep variants whose
	// swept value the runs draw themselves) is named, not repeated.
	runStart := ""
	for i := range r.Variants {
		v := &r.Variants[i]
		same := ""
		if i > 0 && v.Distribution != nil && reflect.DeepEqual(v.Distribution, r.Variants[i-1].Distribution) {
			same = runStart
		} else {
			runStart = v.Name
		}
		writeVariantTable(&b, v, same)
	}
	if len(r.Variants) > 1 {
		b.WriteString("\ncomparison\n")
		writeSection(&b, r.comparisonRows())
	}
	for _, wmsg := range r.Warnings {
		fmt.Fprintf(&b, "\nwarning: %s", wmsg)
	}
	if len(r.Warnings) > 0 {
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeSection aligns the rows of one table on their own: the first column
// to the left, the others (amounts, periods) to the right.
func writeSection(b *strings.Builder, rows [][]string) {
	w0 := 0
	for _, row := range rows {
		w0 = max(w0, utf8.RuneCountInString(row[0]))
	}
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, row := range rows {
		first := row[0] + strings.Repeat(" ", w0-utf8.RuneCountInString(row[0]))
		fmt.Fprintln(tw, strings.Join(append([]string{first}, row[1:]...), "\t")+"\t")
	}
	tw.Flush()
}

// writeVariantTable writes one variant: caps, years (per rule when there
// are several), totals, and the Monte Carlo distribution, or, when
// sameDistribution names a variant, a line saying it is that one's.
func writeVariantTable(b *strings.Builder, v *VariantResult, sameDistribution string) {
	fmt.Fprintf(b, "\nvariant %s\n", v.Name)
	if len(v.Caps) > 0 {
		rows := [][]string{{"rule", "cap", "limit", "binds in", "remaining at horizon"}}
		for _, c := range v.Caps {
			rows = append(rows, []string{c.Rule, c.Kind, group(c.Limit), c.BindsIn, group(c.RemainingAtHorizon)})
		}
		writeSection(b, rows)
	} else {
		b.WriteString("  no caps\n")
	}
	b.WriteString("\n")
	head := []string{"year", "obligations"}
	cash := len(v.Years) > 0 && v.Years[0].CashPaid != ""
	if cash {
		head = append(head, "cash paid")
	}
	fixed := len(head)
	if len(v.Years) > 0 && len(v.Years[0].Rules) > 1 {
		for _, ra := range v.Years[0].Rules {
			head = append(head, ra.Rule)
		}
	}
	rows := [][]string{head}
	for _, y := range v.Years {
		row := []string{fmt.Sprint(y.Year), group(y.Obligations)}
		if cash {
			row = append(row, group(y.CashPaid))
		}
		if len(head) > fixed {
			for _, ra := range y.Rules {
				row = append(row, group(ra.Amount))
			}
		}
		rows = append(rows, row)
	}
	if v.ActualsPaid != "" {
		rows = append(rows, []string{"actuals paid", group(v.ActualsPaid)})
	}
	rows = append(rows, []string{"total paid", group(v.TotalPaid)})
	for _, pp := range v.Pairs {
		rows = append(rows, []string{pp.Payer + " to " + pp.Payee, group(pp.TotalPaid)})
	}
	for _, a := range v.Advances {
		rows = append(rows, []string{"advance " + a.ID + " recouped by", a.RecoupedBy})
	}
	writeSection(b, rows)
	switch d := v.Distribution; {
	case d == nil:
	case sameDistribution != "":
		fmt.Fprintf(b, "\n  Monte Carlo, %s: the same as under variant %s (the runs draw what this variant sets)\n", spelling.Count(d.Runs, "run", "runs"), sameDistribution)
	default:
		writeDistribution(b, d)
	}
}

func writeDistribution(b *strings.Builder, d *Distribution) {
	fmt.Fprintf(b, "\n  Monte Carlo, %s\n", spelling.Count(d.Runs, "run", "runs"))
	rows := [][]string{{"", "P10", "P50", "P90"}}
	for _, c := range d.Caps {
		rows = append(rows, []string{c.Rule + " " + c.Kind + " binds in", c.BindsIn.P10, c.BindsIn.P50, c.BindsIn.P90})
	}
	rows = append(rows, []string{"total paid", group(d.TotalPaid.P10), group(d.TotalPaid.P50), group(d.TotalPaid.P90)})
	for _, pp := range d.Pairs {
		rows = append(rows, []string{pp.Payer + " to " + pp.Payee, group(pp.TotalPaid.P10), group(pp.TotalPaid.P50), group(pp.TotalPaid.P90)})
	}
	writeSection(b, rows)
	for _, c := range d.Caps {
		var ys []string
		for _, y := range c.ByYearEnd {
			ys = append(ys, fmt.Sprintf("%d %s", y.Year, y.Probability))
		}
		fmt.Fprintf(b, "  P(%s %s bound by year end): %s\n", c.Rule, c.Kind, strings.Join(ys, ", "))
	}
}

// comparisonRows has one row per variant: when each cap binds, what remains
// of it, and the total paid. Columns are every (rule, cap) of any variant,
// in order of first appearance ("-" where a variant lacks that cap).
func (r *Result) comparisonRows() [][]string {
	type capKey struct{ rule, kind string }
	type pairKey struct{ payer, payee string }
	// Every cap, and every direction paid (a total over both directions
	// alone hides which party pays), in order of first appearance.
	var caps orderedSet[capKey]
	var directions orderedSet[pairKey]
	for _, v := range r.Variants {
		for _, c := range v.Caps {
			caps.add(capKey{c.Rule, c.Kind})
		}
		for _, pp := range v.Pairs {
			directions.add(pairKey{pp.Payer, pp.Payee})
		}
	}
	keys, pairs := caps.keys, directions.keys
	head := []string{"variant"}
	for _, k := range keys {
		head = append(head, k.rule+" "+k.kind+" binds in", "remaining")
	}
	head = append(head, "total paid")
	for _, k := range pairs {
		head = append(head, k.payer+" to "+k.payee)
	}
	rows := [][]string{head}
	for _, v := range r.Variants {
		cells := []string{v.Name}
		for _, k := range keys {
			bind, rem := "-", "-"
			for _, c := range v.Caps {
				if c.Rule == k.rule && c.Kind == k.kind {
					bind, rem = c.BindsIn, group(c.RemainingAtHorizon)
				}
			}
			cells = append(cells, bind, rem)
		}
		cells = append(cells, group(v.TotalPaid))
		for _, k := range pairs {
			paid := "-"
			for _, pp := range v.Pairs {
				if pp.Payer == k.payer && pp.Payee == k.payee {
					paid = group(pp.TotalPaid)
				}
			}
			cells = append(cells, paid)
		}
		rows = append(rows, cells)
	}
	return rows
}

// orderedSet holds distinct keys in the order they were first added.
type orderedSet[K comparable] struct {
	keys []K
	seen map[K]bool
}

func (s *orderedSet[K]) add(k K) {
	if s.seen[k] {
		return
	}
	if s.seen == nil {
		s.seen = map[K]bool{}
	}
	s.seen[k] = true
	s.keys = append(s.keys, k)
}

// group inserts thousands separators in a decimal string: "-1234567.50"
// becomes "-1,234,567.50".
func group(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if hasFrac {
		return sign + b.String() + "." + frac
	}
	return sign + b.String()
}
