package reports

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"

	"github.com/revshare/revshare/ledger"
)

// Formats a statement renders to.
var StatementFormats = []string{"json", "csv", "md", "html"}

// Render writes the statement in format (json, csv, md or html). The same
// statement always renders to the same bytes.
func (s *Statement) Render(w io.Writer, format string) error {
	switch format {
	case "json":
		return s.renderJSON(w)
	case "csv":
		return s.renderCSV(w)
	case "md":
		return s.renderMarkdown(w)
	case "html":
		return s.RenderHTML(w, "")
	}
	return fmt.Errorf("unknown statement format %q (want json, csv, md or html)", format)
}

func (s *Statement) renderJSON(w io.Writer) error {
	if s.Stored != nil {
		_, err := w.Write(s.Stored)
		return err
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// renderCSV writes one table: a row per figure, with the section and rule it
// belongs to, so a spreadsheet can pivot it.
func (s *Statement) renderCSV(w io.Writer) error {
	cw := ledger.NewCSVWriter(w)
	row := func(section, rule, item, value string) {
		cw.Write([]string{s.Contract, s.Period.Label, s.Status, section, rule, item, value})
	}
	cw.Write([]string{"contract", "period", "status", "section", "rule", "item", "value"})
	for _, r := range s.Rules {
		row("rule", r.Rule, "payer", r.Payer)
		row("rule", r.Rule, "payee", r.PayeeText())
		row("rule", r.Rule, "rate", r.Rate)
		row("rule", r.Rule, "base", r.Base)
		row("rule", r.Rule, "events", strconv.Itoa(r.Events))
		for _, b := range r.BaseByChannel {
			row("rule", r.Rule, "base:channel:"+b.Key, b.Base)
		}
		for _, b := range r.BaseByProduct {
			row("rule", r.Rule, "base:product:"+b.Key, b.Base)
		}
		row("rule", r.Rule, "gross", r.Gross)
		for _, c := range r.Caps {
			kind := c.Kind
			if c.Shared != "" {
				kind = "shared:" + c.Shared + ":" + c.Kind
			}
			row("cap", r.Rule, kind+":limit", c.Limit)
			row("cap", r.Rule, kind+":consumed_before", c.ConsumedBefore)
			row("cap", r.Rule, kind+":applied", c.Applied)
			row("cap", r.Rule, kind+":remaining_after", c.RemainingAfter)
			row("cap", r.Rule, kind+":binds", strconv.FormatBool(c.Binds))
		}
		if r.RefundFloor != "" {
			row("rule", r.Rule, "refund_floor", r.RefundFloor)
		}
		row("rule", r.Rule, "obligation", r.Obligation)
		row("rule", r.Rule, "minimum_true_up", r.MinimumTrueUp)
		for _, sp := range r.Splits {
			row("split", r.Rule, sp.Payee+":share", sp.Share)
			row("split", r.Rule, sp.Payee+":amount", sp.Amount)
		}
		for _, a := range r.Adjustments {
			row("adjustment", r.Rule, a.Period+":base_delta", a.BaseDelta)
			row("adjustment", r.Rule, a.Period+":obligation_delta", a.ObligationDelta)
		}
	}
	for _, p := range s.Pairs {
		name := p.Payer + "->" + p.Payee
		row("pair", name, "obligations", p.Obligations)
		row("pair", name, "reverse_obligations", p.ReverseObligations)
		row("pair", name, "net", p.Net)
		row("pair", name, "opening_balance", p.OpeningBalance)
		row("pair", name, "payments", p.Payments)
		if p.Recouped != "" {
			row("pair", name, "recouped", p.Recouped)
		}
		row("pair", name, "closing_balance", p.ClosingBalance)
	}
	for _, a := range s.AdvanceList() {
		row("advance", a.ID, "payer", a.Payer)
		row("advance", a.ID, "payee", a.Payee)
		row("advance", a.ID, "date", a.Date)
		row("advance", a.ID, "amount", a.Amount)
		row("advance", a.ID, "recouped_before", a.RecoupedBefore)
		row("advance", a.ID, "recouped", a.Recouped)
		row("advance", a.ID, "unrecouped_after", a.UnrecoupedAfter)
	}
	if s.Booking != "" {
		// The JSON's booking (Markdown and HTML's "Not booked" note): a
		// draft whose rules show what no run has booked yet.
		row("statement", "", "booking", s.Booking)
	}
	row("statement", "", "hash", s.Hash)
	cw.Flush()
	return cw.Error()
}

// ForPeople returns a copy of s for the human formats (Markdown, HTML):
// every amount grouped in thousands ("38,000,000,000.00"), every digit kept.
// JSON and CSV render s itself, plain and exact, and the hash is always of
// s's JSON. A new amount field of the statement model belongs here too.
func (s *Statement) ForPeople() *Statement {
	g := ledger.GroupThousands
	c := *s
	c.Rules = make([]RuleLine, len(s.Rules))
	for i, r := range s.Rules {
		r.Base, r.Gross, r.Obligation, r.MinimumTrueUp, r.RefundFloor = g(r.Base), g(r.Gross), g(r.Obligation), g(r.MinimumTrueUp), g(r.RefundFloor)
		r.Tiers = append([]Tier(nil), r.Tiers...)
		for j := range r.Tiers {
			r.Tiers[j].UpTo = g(r.Tiers[j].UpTo)
		}
		r.BaseByChannel = groupBreakdowns(r.BaseByChannel)
		r.BaseByProduct = groupBreakdowns(r.BaseByProduct)
		r.Caps = append([]CapLine(nil), r.Caps...)
		for j, cp := range r.Caps {
			r.Caps[j].Limit, r.Caps[j].ConsumedBefore, r.Caps[j].Applied, r.Caps[j].RemainingAfter = g(cp.Limit), g(cp.ConsumedBefore), g(cp.Applied), g(cp.RemainingAfter)
		}
		r.Splits = append([]Split(nil), r.Splits...)
		for j, sp := range r.Splits {
			r.Splits[j].Amount = g(sp.Amount)
		}
		r.Adjustments = append([]Adjustment(nil), r.Adjustments...)
		for j, a := range r.Adjustments {
			r.Adjustments[j].BaseDelta, r.Adjustments[j].ObligationDelta = g(a.BaseDelta), g(a.ObligationDelta)
		}
		c.Rules[i] = r
	}
	c.Pairs = make([]Pair, len(s.Pairs))
	for i, p := range s.Pairs {
		p.Obligations, p.ReverseObligations, p.Net = g(p.Obligations), g(p.ReverseObligations), g(p.Net)
		p.OpeningBalance, p.Payments, p.ClosingBalance = g(p.OpeningBalance), g(p.Payments), g(p.ClosingBalance)
		p.Recouped = g(p.Recouped)
		c.Pairs[i] = p
	}
	if s.Advances != nil {
		advances := make([]Advance, len(*s.Advances))
		for i, a := range *s.Advances {
			a.Amount, a.RecoupedBefore, a.Recouped, a.UnrecoupedAfter = g(a.Amount), g(a.RecoupedBefore), g(a.Recouped), g(a.UnrecoupedAfter)
			advances[i] = a
		}
		c.Advances = &advances
	}
	return &c
}

// groupBreakdowns writes a breakdown's amounts for people, and the events
// with no product (an optional column) as "(none)", not a blank name.
func groupBreakdowns(bs []Breakdown) []Breakdown {
	out := make([]Breakdown, len(bs))
	for i, b := range bs {
		key := b.Key
		if key == "" {
			key = "(none)"
		}
		out[i] = Breakdown{Key: key, Base: ledger.GroupThousands(b.Base)}
	}
	return out
}

func (s *Statement) renderMarkdown(w io.Writer) error {
	s = s.ForPeople()
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s — %s (%s)\n\n", mdText(s.Title()), s.Period.Label, s.Status)
	fmt.Fprintf(&b, "Contract %s version %d · %s · amounts in %s\n\n", mdCode(s.Contract), s.ContractVersion, s.Period.Days(), s.Currency)
	if t := s.BookingText(); t != "" {
		fmt.Fprintf(&b, "**Not booked:** %s\n\n", t)
	}
	for _, r := range s.Rules {
		fmt.Fprintf(&b, "## %s (%s → %s)\n\n", mdText(r.Rule), mdText(r.Payer), mdText(r.PayeeText()))
		fmt.Fprintf(&b, "| item | amount |\n|---|---:|\n")
		fmt.Fprintf(&b, "| base (%s) | %s |\n", eventsText(r.Events), r.Base)
		for _, c := range r.BaseByChannel {
			fmt.Fprintf(&b, "| · channel %s | %s |\n", mdText(c.Key), c.Base)
		}
		for _, c := range r.BaseByProduct {
			fmt.Fprintf(&b, "| · product %s | %s |\n", mdText(c.Key), c.Base)
		}
		fmt.Fprintf(&b, "| rate | %s |\n", rateText(r))
		fmt.Fprintf(&b, "| gross | %s |\n", r.Gross)
		for _, c := range r.Caps {
			bind := ""
			if c.Binds {
				bind = " **binds**"
			}
			fmt.Fprintf(&b, "| cap %s%s: limit %s, consumed before %s, applied %s | remaining %s |\n", c.Name(), bind, c.Limit, c.ConsumedBefore, c.Applied, c.RemainingAfter)
		}
		if r.RefundFloor != "" {
			fmt.Fprintf(&b, "| refund limited to the %s consumed before | |\n", r.RefundFloor)
		}
		fmt.Fprintf(&b, "| obligation | %s |\n", r.Obligation)
		fmt.Fprintf(&b, "| minimum true-up | %s |\n", r.MinimumTrueUp)
		for _, sp := range r.Splits {
			fmt.Fprintf(&b, "| · split to %s (share %s) | %s |\n", mdText(sp.Payee), sp.Share, sp.Amount)
		}
		for _, a := range r.Adjustments {
			fmt.Fprintf(&b, "| prior-period adjustment for %s (base %s, entry %d): %s | %s |\n", a.Period, a.BaseDelta, a.Entry, mdText(a.Reason), a.ObligationDelta)
		}
		b.WriteString("\n")
	}
	if len(s.Pairs) > 0 && s.HasRecouped() {
		b.WriteString("## Settlement\n\n| payer → payee | obligations | reverse | net | opening | payments | recouped | closing (due) |\n|---|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, p := range s.Pairs {
			fmt.Fprintf(&b, "| %s → %s | %s | %s | %s | %s | %s | %s | %s |\n", mdText(p.Payer), mdText(p.Payee), p.Obligations, p.ReverseObligations, p.Net, p.OpeningBalance, p.Payments, p.Recouped, p.ClosingBalance)
		}
		b.WriteString("\n")
	} else if len(s.Pairs) > 0 {
		b.WriteString("## Settlement\n\n| payer → payee | obligations | reverse | net | opening | payments | closing (due) |\n|---|---:|---:|---:|---:|---:|---:|\n")
		for _, p := range s.Pairs {
			fmt.Fprintf(&b, "| %s → %s | %s | %s | %s | %s | %s | %s |\n", mdText(p.Payer), mdText(p.Payee), p.Obligations, p.ReverseObligations, p.Net, p.OpeningBalance, p.Payments, p.ClosingBalance)
		}
		b.WriteString("\n")
	}
	if len(s.AdvanceList()) > 0 {
		b.WriteString("## Advances\n\n| advance | payer → payee | date | amount | recouped before | recouped | unrecouped after |\n|---|---|---|---:|---:|---:|---:|\n")
		for _, a := range s.AdvanceList() {
			fmt.Fprintf(&b, "| %s | %s → %s | %s | %s | %s | %s | %s |\n", a.ID, a.Payer, a.Payee, a.Date, a.Amount, a.RecoupedBefore, a.Recouped, a.UnrecoupedAfter)
		}
		b.WriteString("\n")
	}
	if len(s.Amendments) > 0 {
		b.WriteString("## Amendments\n\n")
		for _, a := range s.Amendments {
			fmt.Fprintf(&b, "- %s: %s\n", a.Date, mdText(a.Note))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "Hash: `%s`\n", s.Hash)
	_, err := w.Write(b.Bytes())
	return err
}

// mdEscaper makes text from stored data (product and channel names,
// parties, notes) inert in Markdown: raw HTML ("<img onerror=…>") becomes
// entities, and what would end a table cell or start a link or code span
// is backslash-escaped; a line break would end the table row.
var mdEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "|", "\\|", "[", "\\[", "]", "\\]",
	"`", "\\`", "\\", "\\\\", "\n", " ", "\r", " ")

// mdText is s made inert in Markdown (mdEscaper), control characters
// written as escapes (ledger.Printable): stored names from before the
// contract rule that refuses them reached the terminal as escape sequences.
func mdText(s string) string { return ledger.Printable(mdEscaper.Replace(s)) }

// mdCode is s as a Markdown code span; a backtick inside it would end the
// span, so the span's fence is one backtick longer than any run in s.
func mdCode(s string) string {
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	s = ledger.Printable(strings.NewReplacer("\n", " ", "\r", " ").Replace(s))
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}

func rateText(r RuleLine) string {
	if len(r.Tiers) == 0 {
		return r.Rate
	}
	var parts []string
	for _, t := range r.Tiers {
		if t.UpTo == "" {
			parts = append(parts, t.Rate+" above")
		} else {
			parts = append(parts, t.Rate+" up to "+t.UpTo)
		}
	}
	return "tiers (" + r.TierWindow + "): " + strings.Join(parts, ", ")
}

//go:embed templates/*.html
var templateFS embed.FS

var statementTemplate = template.Must(template.New("statement.html").Funcs(template.FuncMap{
	"rateText": rateText,
}).ParseFS(templateFS, "templates/statement.html"))

// RenderHTML writes the statement as a standalone, printable HTML page.
// linkBase prefixes the drill-down links (entries and events), e.g. "/web";
// empty renders links relative to the web view's root.
func (s *Statement) RenderHTML(w io.Writer, linkBase string) error {
	if linkBase == "" {
		linkBase = "/web"
	}
	return writeHTML(w, func(b *bytes.Buffer) error {
		return statementTemplate.Execute(b, struct {
			*Statement
			Link string
		}{s.ForPeople(), linkBase})
	})
}

// writeHTML writes the HTML that render makes with the bidirectional
// controls of stored names (parties, rules, channels) escaped, as the
// command line's tables and Markdown show them (ledger.EscapeBidi).
func writeHTML(w io.Writer, render func(*bytes.Buffer) error) error {
	var b bytes.Buffer
	if err := render(&b); err != nil {
		return err
	}
	_, err := io.WriteString(w, ledger.EscapeBidi(b.String()))
	return err
}

// RenderHTMLBody writes the statement's HTML without the document around it
// (no title, no style sheet), for a page that shows it in its own layout
// as the web view does; linkBase is as RenderHTML's.
func (s *Statement) RenderHTMLBody(w io.Writer, linkBase string) error {
	if linkBase == "" {
		linkBase = "/web"
	}
	return writeHTML(w, func(b *bytes.Buffer) error {
		return statementTemplate.ExecuteTemplate(b, "statement-body", struct {
			*Statement
			Link string
		}{s.ForPeople(), linkBase})
	})
}
