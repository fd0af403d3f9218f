package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/revshare/revshare/internal/spelling"
	"github.com/spf13/cobra"
)

type copyOptions struct{ from, to string }

func newCopyCommand(m *Main) *cobra.Command {
	var o copyOptions
	cmd := &cobra.Command{
		Use:   "copy",
		Short: "copy an SQLite book into an empty PostgreSQL database, then check them equal",
		Long: `copy moves a whole SQLite book into a PostgreSQL database that holds no book
yet, in one transaction: the journal with its IDs, instants and hashes, the
closes, contract versions, tokens, rates, imports and events, and the books
(bookings, payments, runs, final statements). It then runs verify on the
copy and compares it with the source: the same chain head, trial balance
and final statements. See docs/postgres.md.`,
		Example: "  revshare copy --from book.db --to 'postgres://me@db.local/books'",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := noPositional("copy", args); err != nil {
				return err
			}
			if o.from == "" || o.to == "" {
				return fmt.Errorf("copy: want --from PATH (an SQLite book) and --to URL (an empty PostgreSQL database)")
			}
			return runCopy(cmd.Context(), m, o)
		},
	}
	cmd.Flags().StringVar(&o.from, "from", "", "the SQLite book to copy, as `PATH`")
	cmd.Flags().StringVar(&o.to, "to", "", "the empty PostgreSQL database to copy into, as a postgres:// `URL`")
	return cmd
}

// copiedTables are the copied tables as the summary names them, in its order.
var copiedTables = []struct{ table, one, many string }{
	{"entries", "entry", "entries"}, {"events", "event", "events"}, {"import_batches", "import batch", "import batches"},
	{"contracts", "contract version", "contract versions"}, {"api_tokens", "token", "tokens"}, {"fx_rates", "rate", "rates"},
	{"bookings", "booking", "bookings"}, {"advance_bookings", "advance booking", "advance bookings"},
	{"recoupments", "recoupment", "recoupments"}, {"payments", "payment", "payments"}, {"runs", "run", "runs"},
	{"period_closes", "close", "closes"}, {"statements", "final statement", "final statements"},
}

func runCopy(ctx context.Context, m *Main, o copyOptions) error {
	counts, checked, err := m.copyBook(ctx, o.from, o.to)
	if err != nil {
		return err
	}
	var parts []string
	for _, t := range copiedTables {
		name := t.many
		if counts[t.table] == 1 {
			name = t.one
		}
		parts = append(parts, fmt.Sprintf("%d %s", counts[t.table], name))
	}
	fmt.Fprintf(m.Stdout, "copied %s to %s: %s\n", o.from, redactedURL(o.to), strings.Join(parts, ", "))
	fmt.Fprintf(m.Stdout, "checked: verify passes on the copy; chain head %s after %s, the trial balance (%s) and the final statements (%d) are the source's\n",
		checked.HeadHash, spelling.Count(checked.Entries, "entry", "entries"), spelling.Count(checked.Balances, "line", "lines"), checked.Statements)
	return nil
}
