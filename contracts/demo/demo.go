// Package demo builds the shipped demo: the restructured Microsoft–OpenAI
// revenue share, with seeded, reproducible monthly usage.
package demo

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/shopspring/decimal"
)

// ContractYAML is the demo contract document.
//
//go:embed openai-microsoft.yaml
var ContractYAML []byte

// ContractID is the id of the demo contract.
const ContractID = "openai-microsoft"

// Usage describes the generated usage: OpenAI's revenue starts at
// OpenAIStart per month in the first month and grows by OpenAIGrowth a month,
// split across channels; Microsoft's Azure sales of OpenAI models run at
// about MicrosoftAzure a month. Sized so that, at the run rate of the last
// month, the $38B cap binds before the rule ends in 2030.
type Usage struct {
	First, Last    time.Time // first and last month (day 1, UTC)
	Seed           uint64
	EventsPerMonth int // per seller and channel
	OpenAIStart    decimal.Decimal
	OpenAIGrowth   decimal.Decimal
	MicrosoftAzure decimal.Decimal
}

// DefaultUsage is the demo's usage: 2025-01 through the month before now.
func DefaultUsage(now time.Time) Usage {
	last := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
	return Usage{
		First:          time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		Last:           last,
		Seed:           2025,
		EventsPerMonth: 40,
		OpenAIStart:    decimal.RequireFromString("1000000000.00"),
		OpenAIGrowth:   decimal.RequireFromString("0.06"),
		MicrosoftAzure: decimal.RequireFromString("300000000.00"),
	}
}

// channelShares splits OpenAI's revenue across the clouds it sells through.
var channelShares = []struct {
	channel string
	share   string
}{{"direct", "0.55"}, {"azure", "0.25"}, {"aws", "0.12"}, {"gcp", "0.08"}}

var products = []string{"chatgpt", "api", "enterprise"}
var customers = []string{"acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka"}
var regions = []string{"us", "eu", "apac"}

// WriteCSV writes the usage CSV (spec section 2 columns) to w. The same Usage
// always produces the same bytes.
func (u Usage) WriteCSV(w io.Writer) (rows int, err error) {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"event_id", "occurred_at", "seller", "channel", "customer", "product", "region", "amount", "currency"}); err != nil {
		return 0, err
	}
	rng := rand.New(rand.NewPCG(u.Seed, u.Seed^0x9e3779b97f4a7c15))
	monthly := u.OpenAIStart
	one := decimal.NewFromInt(1)
	for m, k := u.First, 0; !m.After(u.Last); m, k = m.AddDate(0, 1, 0), k+1 {
		for _, cs := range channelShares {
			total := monthly.Mul(decimal.RequireFromString(cs.share))
			n, err := u.writeMonth(cw, rng, m, "openai", cs.channel, total)
			rows += n
			if err != nil {
				return rows, err
			}
		}
		n, err := u.writeMonth(cw, rng, m, "microsoft", "azure", u.MicrosoftAzure)
		rows += n
		if err != nil {
			return rows, err
		}
		monthly = monthly.Mul(one.Add(u.OpenAIGrowth)).Round(2)
	}
	cw.Flush()
	return rows, cw.Error()
}

// writeMonth writes EventsPerMonth events of one seller and channel in month m
// summing to total (to the cent), one in twenty of them a refund.
func (u Usage) writeMonth(cw *csv.Writer, rng *rand.Rand, m time.Time, seller, channel string, total decimal.Decimal) (int, error) {
	n := u.EventsPerMonth
	weights := make([]int64, n)
	var sum int64
	for i := range weights {
		weights[i] = 50 + rng.Int64N(100)
		sum += weights[i]
	}
	days := m.AddDate(0, 1, 0).Sub(m).Hours() / 24
	left := total.Round(2)
	written := 0
	for i := 0; i < n; i++ {
		amount := left
		if i < n-1 {
			amount = total.Mul(decimal.NewFromInt(weights[i])).Div(decimal.NewFromInt(sum)).Round(2)
			left = left.Sub(amount)
		}
		at := m.Add(time.Duration(rng.Int64N(int64(days*24*3600))) * time.Second)
		id := fmt.Sprintf("%s-%s-%s-%03d", seller, channel, m.Format("2006-01"), i+1)
		row := []string{id, at.Format(time.RFC3339), seller, channel,
			customers[rng.IntN(len(customers))], products[rng.IntN(len(products))], regions[rng.IntN(len(regions))],
			amount.StringFixed(2), "USD"}
		if err := cw.Write(row); err != nil {
			return written, err
		}
		written++
		if i%20 == 19 { // a refund of part of this sale, a few days later
			refund := amount.Mul(decimal.RequireFromString("0.1")).Round(2).Neg()
			later := at.Add(72 * time.Hour)
			if later.Before(m.AddDate(0, 1, 0)) {
				row = []string{id + "-refund", later.Format(time.RFC3339), seller, channel, row[4], row[5], row[6], refund.StringFixed(2), "USD"}
				if err := cw.Write(row); err != nil {
					return written, err
				}
				written++
			}
		}
	}
	return written, nil
}
