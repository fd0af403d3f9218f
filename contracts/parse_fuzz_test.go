package contracts

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzParse checks that Parse never panics, and that whatever it accepts
// survives the canonical round trip. Seeds: the demo contract, the engine
// cases and the invalid corpus. Run longer with
// go test -fuzz FuzzParse -fuzztime 60s ./contracts
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("../testdata/contracts/*.yaml")
	more, _ := filepath.Glob("../testdata/contracts/*/*/contract.yaml")
	bad, _ := filepath.Glob("../testdata/contracts/invalid/*.*")
	for _, p := range append(append(seeds, more...), bad...) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(tieredDoc))
	f.Add([]byte(dealDoc))
	f.Fuzz(func(t *testing.T, doc []byte) {
		c, err := Parse(doc)
		if err != nil {
			if _, ok := err.(*ValidationError); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		c2, err := Parse(c.Canonical())
		if err != nil {
			t.Fatalf("canonical form does not parse: %v\n%s", err, c.Canonical())
		}
		if !reflect.DeepEqual(c.document(), c2.document()) {
			t.Fatalf("canonical round trip differs:\n%s", c.Canonical())
		}
	})
}
