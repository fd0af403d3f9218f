package scenario

import (
	"bytes"
	"encoding/xml"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestSVGGolden renders the chart of testdata/scenario/chart and compares it
// with the committed golden file (go test -update rewrites it).
func TestSVGGolden(t *testing.T) {
	res := runScenario(t, string(readChart(t, "scenario.yaml")), Sources{})
	var b bytes.Buffer
	if err := res.WriteSVG(&b); err != nil {
		t.Fatal(err)
	}
	checkXML(t, b.Bytes())
	golden := filepath.Join(chartDir, "chart.svg")
	if !matchesGolden(t, golden, b.Bytes()) {
		t.Errorf("chart differs from %s (run go test -update and look at it)", golden)
	}
}

// TestFormatsGolden compares the table, CSV and JSON of the chart scenario
// with committed golden files (go test -update rewrites them).
func TestFormatsGolden(t *testing.T) {
	res := runScenario(t, string(readChart(t, "scenario.yaml")), Sources{})
	for _, f := range []struct {
		name  string
		write func(io.Writer) error
	}{{"table.txt", res.WriteTable}, {"result.csv", res.WriteCSV}, {"result.json", res.WriteJSON}} {
		var b bytes.Buffer
		if err := f.write(&b); err != nil {
			t.Fatal(err)
		}
		if !matchesGolden(t, filepath.Join(chartDir, f.name), b.Bytes()) {
			t.Errorf("%s differs from the golden file:\n%s", f.name, b.String())
		}
	}
}

// chartDir holds the chart scenario and its golden renderings.
var chartDir = filepath.Join("..", "..", "testdata", "scenario", "chart")

// readChart reads a file of chartDir.
func readChart(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(chartDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// matchesGolden reports whether got equals the golden file, which
// go test -update first rewrites with got.
func matchesGolden(t *testing.T, golden string, got []byte) bool {
	t.Helper()
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Equal(got, want)
}

// checkXML parses the document with encoding/xml and checks its root.
func checkXML(t *testing.T, doc []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	root := ""
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Space + " " + se.Name.Local
		}
	}
	if root != "http://www.w3.org/2000/svg svg" {
		t.Errorf("root element = %q, want svg in the SVG namespace", root)
	}
}

// TestSVGManyVariants draws at most 12 variants and says how many it left out.
func TestSVGManyVariants(t *testing.T) {
	res := runScenario(t, smallContract("1000")+`
horizon: 2027-12
streams: [{match: {seller: seller}, start: "100"}]
sweep:
  streams[0].start: ["100", "200", "300", "400", "500", "600", "700", "800", "900", "1000", "1100", "1200", "1300", "1400", "1500"]
`, Sources{})
	var b bytes.Buffer
	if err := res.WriteSVG(&b); err != nil {
		t.Fatal(err)
	}
	checkXML(t, b.Bytes())
	if n := strings.Count(b.String(), `class="variant"`); n != 12 {
		t.Errorf("%d lines drawn, want 12", n)
	}
	if !strings.Contains(b.String(), ">+3 more not drawn<") {
		t.Errorf("no note of the 3 variants left out")
	}
	if len(res.Variants) != 15 {
		t.Errorf("WriteSVG changed the result: %d variants", len(res.Variants))
	}
}
