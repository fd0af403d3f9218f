package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
)

func init() {
	register("contract", "add, update, list or show contracts", runContract)
}

func runContract(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlagSet("contract", "add|update FILE.yaml | list | show ID [--format text|json|yaml]")
	format := fs.String("format", "text", "output format: text, json or yaml")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		fs.Usage()
		return errors.New("contract: want add, update, list or show")
	}
	db, err := m.DB(ctx)
	if err != nil {
		return err
	}
	switch pos[0] {
	case "add", "update":
		if len(pos) != 2 {
			return fmt.Errorf("contract %s: want one FILE.yaml", pos[0])
		}
		data, err := os.ReadFile(pos[1])
		if err != nil {
			return err
		}
		c, err := contracts.Parse(data)
		if err != nil {
			var ve *contracts.ValidationError
			if errors.As(err, &ve) {
				// Every problem on its own line; the one-line reason follows.
				fmt.Fprintln(m.Stderr, pos[1]+": "+err.Error())
				header, _, _ := strings.Cut(err.Error(), "\n") // "invalid contract (N problems):"
				return fmt.Errorf("%s: %s", pos[1], strings.TrimSuffix(header, ":"))
			}
			return fmt.Errorf("%s: %w", pos[1], err)
		}
		v, err := db.SaveContract(ctx, c, pos[0] == "update")
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "contract %s version %d\n", c.ID, v)
		return nil
	case "list":
		cs, err := db.Contracts(ctx)
		if err != nil {
			return err
		}
		if *format == "json" {
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
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%d\t%s\n", sc.Contract.ID, sc.Version, sc.Contract.Currency, sc.Contract.Period, len(sc.Contract.Rules), sc.Contract.Name)
		}
		return tw.Flush()
	case "show":
		if len(pos) != 2 {
			return errors.New("contract show: want one ID")
		}
		sc, err := db.Contract(ctx, pos[1])
		if err != nil {
			return err
		}
		switch *format {
		case "json":
			return writeJSON(m.Stdout, map[string]any{"version": sc.Version, "recorded_at": sc.RecordedAt, "contract": sc.Contract})
		case "text", "yaml":
			fmt.Fprintf(m.Stdout, "# version %d, recorded %s\n", sc.Version, sc.RecordedAt)
			_, err := m.Stdout.Write(sc.Contract.Canonical())
			return err
		}
		return checkFormat(*format, "text", "json", "yaml")
	}
	return ledger.Errorf(ledger.EINVALID, "contract: unknown action %q (want add, update, list or show)", pos[0])
}
