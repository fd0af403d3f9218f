package contracts

import (
	"strings"
	"testing"

	"github.com/revshare/revshare/internal/deptest"
)

// TestNoIO keeps package contracts pure: no database, network or process
// packages among its dependencies.
func TestNoIO(t *testing.T) {
	deptest.Forbid(t, "github.com/revshare/revshare/contracts", func(dep string) bool {
		return dep == "database/sql" || dep == "net/http" || dep == "os/exec" || dep == "net" ||
			strings.HasPrefix(dep, "github.com/mattn/") || strings.HasPrefix(dep, "github.com/gorilla/") ||
			strings.HasPrefix(dep, "github.com/revshare/revshare/") && dep != "github.com/revshare/revshare/ledger" && dep != "github.com/revshare/revshare/contracts" && dep != "github.com/revshare/revshare/internal/spelling"
	})
}
