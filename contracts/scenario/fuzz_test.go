package scenario

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: any input parses or comes back as a *ValidationError with at
// least one problem; nothing panics.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"demo.yaml", "demo-projection.yaml", filepath.Join("chart", "scenario.yaml")} {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "scenario", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("contract: c\nhorizon: 2030-12\nstreams: [{match: {seller: a}, start: \"1\", growth: {annual: \"0.1\"}}]\nsweep: {streams[0].start: [\"1\", \"2\"]}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(data, ParseOptions{ReadFile: func(string) ([]byte, error) { return []byte("period,match,amount\n2027-01,seller=a,1\n"), nil }})
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) == 0 {
				t.Fatalf("error %v is not a *ValidationError with problems", err)
			}
			return
		}
		if s == nil {
			t.Fatal("nil scenario without an error")
		}
		s.Expand()
	})
}
