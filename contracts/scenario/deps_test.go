package scenario

import (
	"strings"
	"testing"

	"github.com/revshare/revshare/internal/deptest"
)

// TestNoAdapterDeps: the scenario package is domain logic; it reaches the
// database only through the interfaces it defines.
func TestNoAdapterDeps(t *testing.T) {
	deptest.Forbid(t, "github.com/revshare/revshare/contracts/scenario", func(dep string) bool {
		return dep == "database/sql" || dep == "net/http" || strings.Contains(dep, "sqlite") || strings.Contains(dep, "gorilla/mux")
	})
}
