// Command gendemo writes the demo's usage CSV (contracts/demo) to standard
// output, for the API load benchmark (run.sh).
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/revshare/revshare/contracts/demo"
)

func main() {
	through := flag.String("through", "2026-10", "last month of usage (YYYY-MM)")
	perMonth := flag.Int("events", 0, "events per seller, channel and month (0: the demo's)")
	flag.Parse()
	last, err := time.Parse("2006-01", *through)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gendemo: --through: want YYYY-MM")
		os.Exit(2)
	}
	u := demo.DefaultUsage(last.AddDate(0, 1, 0))
	if *perMonth > 0 {
		u.EventsPerMonth = *perMonth
	}
	if _, err := u.WriteCSV(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "gendemo:", err)
		os.Exit(1)
	}
}
