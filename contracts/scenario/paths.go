package scenario

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// Override paths. A path names one field of the contract or of a stream:
//
//	rules.<id>.<field>[.<field>...]    a field of the contract rule <id>: rate, from, through,
//	                                   until, cap.total, cap.per_year, cap.per_period, ...
//	shared_caps.<id>.<field>           a field of the shared cap <id>: total, per_year, per_period
//	advances.<id>.<field>              a field of the advance <id>: amount, date
//	streams[<i>].start                 stream i's revenue in the first projected period
//	streams[<i>].growth.monthly        stream i's growth (annual likewise)
//	growth.monthly, growth.annual      the growth of every start/growth stream
type pathKind int

const (
	pathRule pathKind = iota + 1
	pathStart
	pathGrowth
)

type parsedPath struct {
	kind   pathKind
	stream int    // stream index, or -1 for every stream
	basis  string // monthly or annual, for growth paths
	rest   string // for rule paths: "<id>.<field>..." (split against the contract's rule ids)
	list   string // for rule paths: the contract's list the id is in (rules, shared_caps or advances)
}

const pathHelp = "want rules.<id>.<field>, shared_caps.<id>.<field>, advances.<id>.<field>, streams[<i>].start, streams[<i>].growth.monthly|annual or growth.monthly|annual"

// parsePath reads an override path; it returns the reason when the path is
// unknown.
func parsePath(path string, nStreams int) (parsedPath, string) {
	unknown := fmt.Sprintf("unknown path %q (%s)", path, pathHelp)
	switch {
	case path == "growth.monthly" || path == "growth.annual":
		return parsedPath{kind: pathGrowth, stream: -1, basis: strings.TrimPrefix(path, "growth.")}, ""
	case strings.HasPrefix(path, "rules."), strings.HasPrefix(path, "shared_caps."), strings.HasPrefix(path, "advances."):
		list, rest, _ := strings.Cut(path, ".")
		if i := strings.IndexByte(rest, '.'); i <= 0 || i == len(rest)-1 {
			return parsedPath{}, unknown
		}
		return parsedPath{kind: pathRule, stream: -1, rest: rest, list: list}, ""
	case strings.HasPrefix(path, "streams["):
		end := strings.Index(path, "]")
		if end < 0 {
			return parsedPath{}, unknown
		}
		i, err := strconv.Atoi(path[len("streams["):end])
		if err != nil || i < 0 {
			return parsedPath{}, unknown
		}
		field := path[end+1:]
		var pp parsedPath
		switch field {
		case ".start":
			pp = parsedPath{kind: pathStart, stream: i}
		case ".growth.monthly", ".growth.annual":
			pp = parsedPath{kind: pathGrowth, stream: i, basis: strings.TrimPrefix(field, ".growth.")}
		default:
			return parsedPath{}, unknown
		}
		if i >= nStreams {
			return parsedPath{}, fmt.Sprintf("path %q: there is no streams[%d] (the scenario has %d stream(s))", path, i, nStreams)
		}
		return pp, ""
	}
	return parsedPath{}, unknown
}

// checkOverride checks what can be checked without the contract: the path
// and, for stream fields, the value. It returns the reason or "".
func checkOverride(o Override, streams []Stream) string {
	pp, why := parsePath(o.Path, len(streams))
	if why != "" {
		return why
	}
	if pp.kind == pathRule {
		return "" // the contract's own validation judges the value
	}
	if o.Delete {
		return "a stream field cannot be removed (null)"
	}
	if pp.stream >= 0 && streams[pp.stream].IsForecast() {
		return fmt.Sprintf("streams[%d] is a forecast and has no start or growth", pp.stream)
	}
	d, why := parseDecimal(o.Value)
	if why != "" {
		return why
	}
	switch pp.kind {
	case pathStart:
		if d.IsNegative() {
			return fmt.Sprintf("%q is negative", o.Value)
		}
	case pathGrowth:
		if d.LessThanOrEqual(decimal.NewFromInt(-1)) {
			return fmt.Sprintf("%q must be above -1", o.Value)
		}
	}
	return ""
}

// applyStreamOverride sets a stream path on streams (a copy owned by the
// caller). The override has passed checkOverride.
func applyStreamOverride(streams []Stream, pp parsedPath, value decimal.Decimal) {
	for i := range streams {
		if (pp.stream >= 0 && i != pp.stream) || streams[i].IsForecast() {
			continue
		}
		switch pp.kind {
		case pathStart:
			streams[i].Start = value
		case pathGrowth:
			streams[i].Growth = Growth{Basis: pp.basis, Rate: value}
		}
	}
}
