package scenario

import (
	"math"
	"strconv"

	"github.com/shopspring/decimal"
	"go.yaml.in/yaml/v3"
)

func (p *parser) monteCarlo(n *yaml.Node, streams []Stream) *MonteCarlo {
	mc := &MonteCarlo{}
	if n.Kind != yaml.MappingNode {
		p.add("monte_carlo", "must be a mapping")
		return nil
	}
	hasRuns, hasSeed, hasDraws := false, false, false
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		kp := join("monte_carlo", k.Value)
		p.at(kp, k)
		switch k.Value {
		case "runs":
			hasRuns = true
			s, ok := p.scalar(kp, v)
			if !ok {
				continue
			}
			r, err := strconv.Atoi(s)
			if err != nil || r < 1 || r > MaxRuns {
				p.add(kp, "%q must be a whole number from 1 to %d", s, MaxRuns)
				continue
			}
			mc.Runs = r
		case "seed":
			hasSeed = true
			s, ok := p.scalar(kp, v)
			if !ok {
				continue
			}
			seed, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				p.add(kp, "%q must be a whole number from 0 to %d", s, uint64(math.MaxUint64))
				continue
			}
			mc.Seed = seed
		default:
			hasDraws = true
			if d, ok := p.draw(kp, k.Value, v, streams); ok {
				for _, o := range mc.Draws {
					if o.Path == d.Path {
						p.add(kp, "duplicate path")
					}
				}
				mc.Draws = append(mc.Draws, d)
			}
		}
	}
	if !hasRuns {
		p.add("monte_carlo.runs", "required")
	}
	if !hasSeed {
		p.add("monte_carlo.seed", "required (results are reproducible from it)")
	}
	if !hasDraws {
		p.add("monte_carlo", "draws nothing: add a growth path, e.g. growth.monthly: {dist: normal, mean: \"0.04\", sd: \"0.015\"}")
	}
	return mc
}

func (p *parser) draw(path, key string, n *yaml.Node, streams []Stream) (Draw, bool) {
	pp, why := parsePath(key, len(streams))
	if why != "" {
		p.add(path, "%s", why)
		return Draw{}, false
	}
	if pp.kind != pathGrowth {
		p.add(path, "Monte Carlo draws growth only: want growth.monthly, growth.annual or streams[<i>].growth.monthly|annual")
		return Draw{}, false
	}
	if pp.stream >= 0 && streams[pp.stream].IsForecast() {
		p.add(path, "streams[%d] is a forecast and has no growth", pp.stream)
		return Draw{}, false
	}
	d := Draw{Path: key}
	f := p.fields(path, n, "dist", "mean", "sd")
	if n.Kind != yaml.MappingNode {
		return d, false
	}
	ok := true
	if v := f["dist"]; v != nil {
		if s, good := p.scalar(join(path, "dist"), v); good {
			if s != "normal" && s != "lognormal" {
				p.add(join(path, "dist"), "%q is not a distribution (want normal or lognormal)", s)
				ok = false
			}
			d.Dist = s
		} else {
			ok = false
		}
	} else {
		p.add(join(path, "dist"), "required (normal or lognormal)")
		ok = false
	}
	for _, k := range []string{"mean", "sd"} {
		v := f[k]
		if v == nil {
			p.add(join(path, k), "required")
			ok = false
			continue
		}
		x, good := p.decimal(join(path, k), v)
		if !good {
			ok = false
			continue
		}
		switch {
		case k == "sd" && x.IsNegative():
			p.add(join(path, k), "%q is negative", v.Value)
			ok = false
		case k == "mean" && x.LessThanOrEqual(decimal.NewFromInt(-1)):
			p.add(join(path, k), "%q must be above -1", v.Value)
			ok = false
		}
		if k == "mean" {
			d.Mean = x
		} else {
			d.SD = x
		}
	}
	return d, ok
}
