package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/revshare/revshare/ledger"
)

func newTokenCommand(m *Main) *cobra.Command {
	cmd := group("token", "manage API tokens for revshare serve (create, list, revoke)", `  revshare token create --role auditor --name "external audit"
  revshare token list
  revshare token revoke 3`)
	var role, name string
	create := &cobra.Command{
		Use:     "create --role auditor|analyst|finance|admin [--name N]",
		Short:   "create a token and print its secret (shown only this once)",
		Example: "  revshare token create --role auditor --name \"external audit\"\n  TOKEN=$(revshare token create --role finance --name billing-bot)",
		RunE:    withoutArgs("token create", func(ctx context.Context) error { return runTokenCreate(ctx, m, role, name) }),
	}
	create.Flags().StringVar(&role, "role", "", "the token's `role`: auditor (reads), analyst (reads, scenarios), finance (reads and writes), admin (everything)")
	create.Flags().StringVar(&name, "name", "", "a `name` to recognise the token by in token list")
	completeFlag(create, "role", "auditor", "analyst", "finance", "admin")
	list := listCommand("token", "list the tokens (never their secrets)", func(ctx context.Context, format string) error {
		return runTokenList(ctx, m, format)
	})
	revoke := &cobra.Command{
		Use:     "revoke ID",
		Short:   "revoke a token: it stops working at once",
		Example: "  revshare token revoke 3",
		RunE: withArgs("token revoke", "one token ID (see revshare token list)", 1, func(ctx context.Context, args []string) error {
			return runTokenRevoke(ctx, m, args[0])
		}),
	}
	cmd.AddCommand(create, list, revoke)
	return cmd
}

func runTokenCreate(ctx context.Context, m *Main, role, name string) error {
	if role == "" {
		return errors.New("token create: --role is required (auditor, analyst, finance or admin)")
	}
	st, err := m.Store(ctx)
	if err != nil {
		return err
	}
	t, secret, err := st.Tokens.CreateToken(ctx, name, role)
	if err != nil {
		return err
	}
	// The secret goes alone on stdout so that scripts can capture it.
	fmt.Fprintln(m.Stdout, secret)
	fmt.Fprintf(m.Stderr, "token %d (%s) created; it is shown only this once\n", t.ID, t.Role)
	return nil
}

func runTokenList(ctx context.Context, m *Main, format string) error {
	st, err := m.storeFor(ctx, format, "table", "json")
	if err != nil {
		return err
	}
	ts, err := st.Tokens.Tokens(ctx)
	if err != nil {
		return err
	}
	if format == "json" {
		if ts == nil {
			return writeJSON(m.Stdout, []struct{}{})
		}
		return writeJSON(m.Stdout, ts)
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tROLE\tCREATED\tREVOKED")
	for _, t := range ts {
		revoked := "-"
		if t.Revoked() {
			revoked = t.RevokedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", t.ID, ledger.Printable(t.Name), t.Role, t.CreatedAt.UTC().Format(time.RFC3339), revoked)
	}
	return tw.Flush()
}

func runTokenRevoke(ctx context.Context, m *Main, arg string) error {
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || id < 1 {
		return fmt.Errorf("invalid token ID %q: want a positive whole number", arg)
	}
	st, err := m.Store(ctx)
	if err != nil {
		return err
	}
	if err := st.Tokens.RevokeToken(ctx, id); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "token %d revoked\n", id)
	return nil
}
