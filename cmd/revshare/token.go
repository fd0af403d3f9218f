package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"
)

func init() {
	register("token", "manage API tokens for revshare serve (create, list, revoke)", runToken)
}

const tokenUsage = "usage: revshare token create --role auditor|analyst|finance|admin [--name N] | token list [--format table|json] | token revoke ID"

func runToken(ctx context.Context, m *Main, args []string) error {
	if len(args) == 0 {
		return errors.New(tokenUsage)
	}
	switch args[0] {
	case "create":
		return runTokenCreate(ctx, m, args[1:])
	case "list":
		return runTokenList(ctx, m, args[1:])
	case "revoke":
		return runTokenRevoke(ctx, m, args[1:])
	case "-h", "--help", "-help":
		fmt.Fprintln(m.Stderr, tokenUsage)
		return nil
	}
	return fmt.Errorf("unknown token command %q (want create, list or revoke)", args[0])
}

func runTokenCreate(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlagSet("token create", "--role auditor|analyst|finance|admin [--name N]")
	role := fs.String("role", "", "the token's `role`: auditor (reads), analyst (reads, scenarios), finance (reads and writes), admin (everything)")
	name := fs.String("name", "", "a `name` to recognise the token by in token list")
	err := parseNoArgs(fs, "token create", args)
	if err != nil {
		return err
	}
	if *role == "" {
		return errors.New("token create: --role is required (auditor, analyst, finance or admin)")
	}
	db, err := m.DB(ctx)
	if err != nil {
		return err
	}
	t, secret, err := db.CreateToken(ctx, *name, *role)
	if err != nil {
		return err
	}
	// The secret goes alone on stdout so that scripts can capture it.
	fmt.Fprintln(m.Stdout, secret)
	fmt.Fprintf(m.Stderr, "token %d (%s) created; it is shown only this once\n", t.ID, t.Role)
	return nil
}

func runTokenList(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlagSet("token list", "[--format table|json]")
	format := fs.String("format", "table", "output format: table or json")
	err := parseNoArgs(fs, "token list", args)
	if err != nil {
		return err
	}
	if err := checkFormat(*format, "table", "json"); err != nil {
		return err
	}
	db, err := m.DB(ctx)
	if err != nil {
		return err
	}
	ts, err := db.Tokens(ctx)
	if err != nil {
		return err
	}
	if *format == "json" {
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
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, t.CreatedAt.UTC().Format(time.RFC3339), revoked)
	}
	return tw.Flush()
}

func runTokenRevoke(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlagSet("token revoke", "ID")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("token revoke takes one token ID (see revshare token list)")
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id < 1 {
		return fmt.Errorf("invalid token ID %q: want a positive whole number", pos[0])
	}
	db, err := m.DB(ctx)
	if err != nil {
		return err
	}
	if err := db.RevokeToken(ctx, id); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "token %d revoked\n", id)
	return nil
}
