package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestContractAddRefusesInvalidCorpus: every invalid contract under
// testdata/contracts/invalid is refused with its golden list of problems on
// stderr, a one-line reason last, and nothing stored.
func TestContractAddRefusesInvalidCorpus(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/contracts/invalid/*.*")
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, ".golden") {
			continue
		}
		n++
		golden, err := os.ReadFile(strings.TrimSuffix(f, filepath.Ext(f)) + ".golden")
		if err != nil {
			t.Fatal(err)
		}
		db := filepath.Join(t.TempDir(), "c.db")
		_, errOut, err := runCLI(t, "--db", db, "contract", "add", f)
		if err == nil {
			t.Errorf("%s: accepted", f)
			continue
		}
		// The golden problems, each as "FILE:LINE: problem" (or "FILE:
		// problem" for one without a line), then the one-line reason.
		header, problems, _ := strings.Cut(strings.TrimRight(string(golden), "\n"), "\n")
		lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
		want := strings.Split(problems, "\n")
		if len(lines) != len(want)+2 || lines[0] != f+": "+header || lines[len(lines)-1] != "revshare: "+f+": "+strings.TrimSuffix(header, ":") {
			t.Errorf("%s: stderr\n%s\nwant %s, %d problems and the reason", f, errOut, header, len(want))
			continue
		}
		for i, w := range want {
			got := strings.TrimPrefix(lines[i+1], f)
			if n, rest, ok := strings.Cut(got, ": "); ok && strings.HasPrefix(n, ":") && strings.Trim(n[1:], "0123456789") == "" && len(n) > 1 {
				got = ": " + rest
			}
			if got != ": "+w {
				t.Errorf("%s: problem %d is %q, want %q after %s:LINE", f, i, lines[i+1], w, f)
			}
		}
		// No database (the refusal came before opening one), or an empty one.
		if _, err := os.Stat(db); err != nil {
			continue
		}
		if out := cli(t, db, "contract", "list", "--format", "json"); out != "[]\n" {
			t.Errorf("%s: stored something: %s", f, out)
		}
	}
	if n < 5 {
		t.Fatalf("only %d invalid contracts found", n)
	}
}

// TestContractUpdateSaysUnchanged: updating with the stored terms stores
// nothing and says so; changed terms store the next version.
func TestContractUpdateSaysUnchanged(t *testing.T) {
	onBothBackends(t, testContractUpdateSaysUnchanged)
}

func testContractUpdateSaysUnchanged(t *testing.T, newDB newDB) {
	dir := t.TempDir()
	db := newDB(t)
	cli(t, db, "contract", "add", "../../testdata/runs/contract.yaml")
	if got := cli(t, db, "contract", "update", "../../testdata/runs/contract.yaml"); got != "contract small version 1 (unchanged: the file says what that version says; nothing stored)\n" {
		t.Errorf("update with the same terms: %q", got)
	}
	changed := runsContractEdited(t, dir, "contract.yaml", replaceOnce(`rate: "0.20"`, `rate: "0.25"`))
	if got := cli(t, db, "contract", "update", changed); got != "contract small version 2\n" {
		t.Errorf("update with a new rate: %q", got)
	}
}

// TestContractListFormats: contract list is a table like every other
// listing ("text", its old name, prints the same); show keeps text, json
// and yaml; a bad value names the command's own choices.
func TestContractListFormats(t *testing.T) {
	db := filepath.Join(t.TempDir(), "c.db")
	cli(t, db, "contract", "add", "../../testdata/runs/contract.yaml")
	table := cli(t, db, "contract", "list")
	if !strings.HasPrefix(table, "ID     VERSION  CURRENCY  PERIOD  RULES  NAME\nsmall  1 ") {
		t.Errorf("contract list:\n%s", table)
	}
	for _, f := range []string{"table", "text"} {
		if got := cli(t, db, "contract", "list", "--format", f); got != table {
			t.Errorf("--format %s:\n%s\nwant\n%s", f, got, table)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"list", "--format", "yaml"}, `revshare: unknown --format "yaml" (want table or json)` + "\n"},
		{[]string{"show", "small", "--format", "csv"}, `revshare: unknown --format "csv" (want text, json or yaml)` + "\n"},
	} {
		if _, errOut, err := runCLI(t, append([]string{"--db", db, "contract"}, c.args...)...); err == nil || errOut != c.want {
			t.Errorf("contract %v: err %v, stderr %q, want %q", c.args, err, errOut, c.want)
		}
	}
	if got := cli(t, db, "contract", "show", "small", "--format", "yaml"); !strings.HasPrefix(got, "# version 1, recorded ") {
		t.Errorf("contract show --format yaml:\n%s", got)
	}
}

// TestContractProblemsNameTheLine: the problems of a contract file named
// the field and the reason but not the line, which a file of many rules
// needs (the import names the line of a bad row).
func TestContractProblemsNameTheLine(t *testing.T) {
	dir := "../../testdata/contracts/invalid/"
	for _, tc := range []struct{ file, want string }{
		{"duplicate-key.yaml", dir + "duplicate-key.yaml: invalid contract (1 problem):\n" +
			dir + "duplicate-key.yaml:5: currency: duplicate key\n" +
			"revshare: " + dir + "duplicate-key.yaml: invalid contract (1 problem)\n"},
		{"rate-outside.yaml", dir + "rate-outside.yaml: invalid contract (3 problems):\n" +
			dir + "rate-outside.yaml:8: rules[0].rate: 1.5 is outside [0, 1] (a rate is a fraction: if 1.5% is meant, write 0.015)\n" +
			dir + "rate-outside.yaml:12: rules[1].rate: -0.01 is outside [0, 1]\n" +
			dir + `rate-outside.yaml:16: rules[2].rate: "twenty": not a decimal number (want digits, an optional leading '-' and one '.', as in -1234.50)` + "\n" +
			"revshare: " + dir + "rate-outside.yaml: invalid contract (3 problems)\n"},
		{"binary.yaml", dir + "binary.yaml: invalid contract (1 problem):\n" +
			dir + "binary.yaml: control characters are not allowed\n" +
			"revshare: " + dir + "binary.yaml: invalid contract (1 problem)\n"},
	} {
		db := filepath.Join(t.TempDir(), "c.db")
		_, errOut, err := runCLI(t, "--db", db, "contract", "add", dir+tc.file)
		if err == nil || errOut != tc.want {
			t.Errorf("%s: %v\n%s\nwant\n%s", tc.file, err, errOut, tc.want)
		}
		if _, err := os.Stat(db); !os.IsNotExist(err) {
			t.Errorf("%s: a database was made for an invalid contract (%v)", tc.file, err)
		}
	}
}
