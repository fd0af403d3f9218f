package ledger

import (
	"fmt"
	"os"
	"sync"
	"time"
)

// WriterActivity says what a writer is doing, for the writers that wait
// behind it: "another import is running: batch 12 (march.csv), started
// 2026-12-05 14:02:05 UTC (pid 4242)". Both backends word a waiting
// writer's message with it (SQLite from the holder file, PostgreSQL from
// the holder's application_name).
type WriterActivity struct {
	Op     string    `json:"op"`     // "import", "run", "close", "payment", "contract update", "write"
	Detail string    `json:"detail"` // "batch 12 (march.csv)", "through 2026-03"
	Since  time.Time `json:"since"`
	PID    int       `json:"pid"`
	Host   string    `json:"host"`
	// ServerPID is the holder's server process on PostgreSQL (0 on SQLite).
	ServerPID int `json:"-"`
}

// String is how a waiting writer describes the holder. The host is named
// only when it is not this one.
func (a WriterActivity) String() string {
	s := "another " + a.Op + " is running"
	if a.Detail != "" {
		s += ": " + a.Detail + ","
	}
	s += " started " + a.Since.UTC().Format("2006-01-02 15:04:05 UTC")
	var who []string
	if a.PID != 0 {
		p := fmt.Sprintf("pid %d", a.PID)
		if a.Host != "" && a.Host != localHost() {
			p += " on " + a.Host
		}
		who = append(who, p)
	}
	if a.ServerPID != 0 {
		who = append(who, fmt.Sprintf("server pid %d", a.ServerPID))
	}
	for i, w := range who {
		if i == 0 {
			s += " (" + w
		} else {
			s += ", " + w
		}
	}
	if len(who) > 0 {
		s += ")"
	}
	return s
}

var localHost = sync.OnceValue(func() string { h, _ := os.Hostname(); return h })
