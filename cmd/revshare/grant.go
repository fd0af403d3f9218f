package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

// Two roles on PostgreSQL (docs/postgres.md, "Two roles"): the schema's
// owner migrates and grants; revshare's login role runs the daily
// commands with only the privileges they need.

func newGrantCommand(m *Main) *cobra.Command {
	var readOnly bool
	c := &cobra.Command{
		Use:   "grant ROLE",
		Short: "PostgreSQL: let ROLE run revshare's commands on the book with only the privileges they need (run as the schema's owner)",
		Long: `grant sets up the two roles an auditor expects on PostgreSQL. Run it with
the URL of the role that owns the book's schema: it applies the migrations
(creating the book in an empty schema), then grants ROLE, an existing login
role, exactly what revshare's commands need: SELECT and INSERT, UPDATE only
of a running import's counters, a token's revocation and the data version.
ROLE cannot then switch a trigger off, drop one, truncate a table, or write
the derived tables. The daily commands use ROLE's URL; migrations of later
versions run with the owner's (revshare migrate), which grants ROLE what
they add. ROLE may not be a superuser nor the owner (or a member of it).

With --read-only, ROLE gets SELECT on every table and nothing more: an
auditor's role, for balance, verify, statement, export, the list and show
commands and serve --read-only; a command that writes is refused. grant
refuses to call a role read-only that could still write a table through a
role it belongs to. Granting a role again switches it between the two.
See docs/postgres.md.`,
		Example: `  revshare --db 'postgres://revshare_owner@db.local/books' grant revshare_app
  REVSHARE_DB='postgres://revshare_app@db.local/books' revshare import usage march.csv
  revshare --db 'postgres://revshare_owner@db.local/books' grant --read-only auditor`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("grant: want one ROLE (see revshare grant --help)")
			}
			return runGrant(cmd.Context(), m, args[0], readOnly)
		},
	}
	c.Flags().BoolVar(&readOnly, "read-only", false, "grant ROLE SELECT on the book and nothing more (an auditor's role)")
	return c
}

func runGrant(ctx context.Context, m *Main, role string, readOnly bool) error {
	if !onServer(m.DBPath) {
		return fmt.Errorf("grant: %s is an SQLite file: roles are PostgreSQL's (--db postgres://OWNER@host/db)", m.DBPath)
	}
	what := "revshare's commands"
	if readOnly {
		what = "read-only access"
	}
	if err := m.grantLogin(ctx, role, readOnly); err != nil {
		return err
	}
	_, err := fmt.Fprintf(m.Stdout, "granted %s %s on %s\n", role, what, m.dbName())
	return err
}

func newMigrateCommand(m *Main) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "apply this revshare's migrations to the book (on PostgreSQL, as the schema's owner)",
		Long: `migrate applies the migrations of this revshare that the book lacks, and
nothing else. Every command that writes does so too; on PostgreSQL with two
roles, the login role may not change the schema, so the owner runs migrate
once after an upgrade (it also grants the login roles what the migrations
add). Where --db names no book yet, migrate makes a new, empty one (for a
book that will be filled through the REST API: migrate, token create, serve).
See docs/postgres.md.`,
		Example: `  revshare --db 'postgres://revshare_owner@db.local/books' migrate
  revshare --db book.db migrate && revshare --db book.db token create --role finance`,
		RunE: withoutArgs("migrate", func(ctx context.Context) error {
			created := m.bookMissing()
			db, err := m.openBook(ctx, readWrite)
			if err != nil {
				return err
			}
			defer db.Close()
			if created {
				_, err = fmt.Fprintf(m.Stdout, "%s is a new, empty book\n", m.dbName())
				return err
			}
			_, err = fmt.Fprintf(m.Stdout, "%s is migrated\n", m.dbName())
			return err
		}),
	}
}
