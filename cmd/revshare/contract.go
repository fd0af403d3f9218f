package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
)

func newContractCommand(m *Main) *cobra.Command {
	cmd := group("contract", "add, update, list or show contracts", `  revshare contract add contract.yaml
  revshare contract update contract.yaml
  revshare contract list --format json
  revshare contract show openai-microsoft --format yaml`)
	for _, action := range []string{"add", "update"} {
		cmd.AddCommand(&cobra.Command{
			Use:     action + " FILE.yaml",
			Short:   map[string]string{"add": "add a new contract", "update": "store a new version of a contract"}[action],
			Example: "  revshare contract " + action + " contract.yaml",
			RunE: withArgs("contract "+action, "one FILE.yaml", 1, func(ctx context.Context, args []string) error {
				return runContractSave(ctx, m, args[0], action == "update")
			}),
		})
	}
	list := listCommand("contract", "list the contracts with their latest version", func(ctx context.Context, format string) error {
		return runContractList(ctx, m, format)
	})
	var showFormat string
	show := &cobra.Command{
		Use:     "show ID",
		Short:   "print a contract's latest version as it was stored",
		Example: "  revshare contract show openai-microsoft\n  revshare contract show openai-microsoft --format json",
		RunE: withArgs("contract show", "one contract ID", 1, func(ctx context.Context, args []string) error {
			return runContractShow(ctx, m, args[0], showFormat)
		}),
	}
	formatFlag(show, &showFormat, "text", "text", "json", "yaml")
	cmd.AddCommand(list, show)
	return cmd
}

func runContractSave(ctx context.Context, m *Main, path string, update bool) error {
	data, err := readInputFile(path, contracts.MaxDocumentBytes, "contract file")
	if err != nil {
		return err
	}
	c, err := contracts.Parse(data)
	if err != nil {
		var ve *contracts.ValidationError
		if errors.As(err, &ve) {
			// Every problem on its own line; the one-line reason follows.
			header, _, _ := strings.Cut(err.Error(), "\n") // "invalid contract (N problems):"
			fmt.Fprintln(m.Stderr, path+": "+header)
			printProblems(m.Stderr, path, ve.Problems)
			return fmt.Errorf("%s: %s", path, strings.TrimSuffix(header, ":"))
		}
		return fmt.Errorf("%s: %w", path, err)
	}
	st, err := m.Store(ctx)
	if err != nil {
		return err
	}
	prev := 0
	if update {
		if sc, err := st.Contracts.Contract(ctx, c.ID); err == nil {
			prev = sc.Version
		}
	}
	v, err := st.Contracts.SaveContract(ctx, c, update)
	if err != nil {
		return err
	}
	if update && v == prev {
		fmt.Fprintf(m.Stdout, "contract %s version %d (unchanged: the file says what that version says; nothing stored)\n", c.ID, v)
		return nil
	}
	fmt.Fprintf(m.Stdout, "contract %s version %d\n", c.ID, v)
	return nil
}

func runContractList(ctx context.Context, m *Main, format string) error {
	// A table, as every other listing calls it; "text", its name before,
	// still works for scripts that say it.
	if format == "text" {
		format = "table"
	}
	st, err := m.storeFor(ctx, format, "table", "json")
	if err != nil {
		return err
	}
	cs, err := st.Contracts.Contracts(ctx)
	if err != nil {
		return err
	}
	if format == "json" {
		type item struct {
			ID       string `json:"id"`
			Name     string `json:"name"`
			Version  int    `json:"version"`
			Currency string `json:"currency"`
			Period   string `json:"period"`
			Rules    int    `json:"rules"`
		}
		out := []item{}
		for _, sc := range cs {
			out = append(out, item{sc.Contract.ID, sc.Contract.Name, sc.Version, sc.Contract.Currency, string(sc.Contract.Period), len(sc.Contract.Rules)})
		}
		return writeJSON(m.Stdout, out)
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tVERSION\tCURRENCY\tPERIOD\tRULES\tNAME")
	for _, sc := range cs {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%d\t%s\n", sc.Contract.ID, sc.Version, sc.Contract.Currency, sc.Contract.Period, len(sc.Contract.Rules), ledger.Printable(sc.Contract.Name))
	}
	return tw.Flush()
}

func runContractShow(ctx context.Context, m *Main, id, format string) error {
	st, err := m.storeFor(ctx, format, "text", "json", "yaml")
	if err != nil {
		return err
	}
	sc, err := contracts.FindContract(ctx, st.Contracts, id)
	if err != nil {
		return err
	}
	recorded := sc.RecordedAt.Format(time.RFC3339Nano)
	if format == "json" {
		return writeJSON(m.Stdout, map[string]any{"version": sc.Version, "recorded_at": recorded, "contract": sc.Contract})
	}
	fmt.Fprintf(m.Stdout, "# version %d, recorded %s\n", sc.Version, recorded)
	_, err = m.Stdout.Write(sc.Contract.Canonical())
	return err
}

// printProblems writes each problem of a document on its own line, as
// "FILE:LINE: path: reason" (the form of the CSV import's bad rows), or
// "FILE: path: reason" for a problem of the whole document, which has no
// line. The library's text (ValidationError.Error, the REST message) has
// no lines; a file of many rules needs them to find the one meant.
func printProblems(w io.Writer, file string, problems []contracts.Problem) {
	for _, p := range problems {
		if p.Line > 0 {
			fmt.Fprintf(w, "%s:%d: %s\n", file, p.Line, p)
		} else {
			fmt.Fprintf(w, "%s: %s\n", file, p)
		}
	}
}
