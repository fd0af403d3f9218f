#!/usr/bin/env python3
"""Issue #14's import goal measured side by side: a raw COPY of a usage CSV
into a plain table of its columns (typed, no key, no index: psql's \\copy,
the file streamed from the client as an import streams it) against
`revshare import usage FILE`, each into a fresh PostgreSQL database
(created and dropped on 127.0.0.1:5432 as postgres, trust auth). For each
file and each binary, ROUNDS rounds in ABBA order (copy, import A, import
B, ..., then the reverse). Prints each run's backend CPU (/proc schedstat
of the database's backends, pgcpu.py), revshare's CPU (wait4), wall and
the load average, then per binary and file the means and copy ÷ import in
backend CPU and in wall time. Figures: docs/postgres.md, "Session 14".

    go build -o /tmp/revshare-new ./cmd/revshare
    python3 bench/pg-import-vs-copy.py 2 grouped.csv,book.csv main=/tmp/revshare-main new=/tmp/revshare-new

grouped.csv: 1M rows over 3 sellers x 2 channels x 30 days (30 entries,
BenchmarkImportVersusCopy's usageFile); book.csv: the 1M per-event book
(storetest.WritePerEventCSV(500, 1000): an entry per event)."""
import os, sys

from pgcpu import measure, psql

rounds = int(sys.argv[1]); files = sys.argv[2].split(',')
bins = [a.split('=', 1) for a in sys.argv[3:]]
PG = 'postgres://postgres@127.0.0.1:5432/%s?sslmode=disable'
TYPES = {'occurred_at': 'timestamptz', 'quantity': 'numeric', 'unit_price': 'numeric', 'amount': 'numeric'}

def fresh(label, n):
    db = 'pgimp_%s_%d_%d' % (label, n, os.getpid())
    psql('postgres', 'CREATE DATABASE %s' % db)
    return db

def copy(csv, n):
    header = open(csv).readline().strip().split(',')
    db = fresh('copy', n)
    try:
        psql(db, 'CREATE TABLE plain (%s)' % ', '.join('%s %s' % (c, TYPES.get(c, 'text')) for c in header))
        load0 = os.getloadavg()[0]
        be, rs, wall = measure(db, ['psql', '-h', '127.0.0.1', '-U', 'postgres', '-d', db, '-qc',
                                    "\\copy plain FROM '%s' (FORMAT csv, HEADER true)" % csv])
        print('  copy   %-12s backend %6.2f s, wall %6.1f s, load %.1f -> %.1f' % (os.path.basename(csv), be, wall, load0, os.getloadavg()[0]), flush=True)
        return be, wall
    finally:
        psql('postgres', 'DROP DATABASE %s WITH (FORCE)' % db)

def imp(label, binary, csv, n):
    db = fresh(label, n)
    try:
        load0 = os.getloadavg()[0]
        be, rs, wall = measure(db, [binary, '--db', PG % db, 'import', 'usage', csv])
        size = psql(db, 'SELECT pg_size_pretty(pg_database_size(current_database()))')
        print('  %-6s %-12s backend %6.2f s, revshare %6.2f s, wall %6.1f s, load %.1f -> %.1f, %s' % (label, os.path.basename(csv), be, rs, wall, load0, os.getloadavg()[0], size), flush=True)
        return be, wall
    finally:
        psql('postgres', 'DROP DATABASE %s WITH (FORCE)' % db)

res = {}
for n in range(rounds):
    order = bins if n % 2 == 0 else bins[::-1]
    for csv in files:
        print('round %d, %s' % (n, csv), flush=True)
        runs = [('copy', None)] + order + order[::-1] + [('copy', None)]
        for label, binary in runs:
            r = copy(csv, n) if binary is None else imp(label, binary, csv, n)
            res.setdefault((csv, label), []).append(r)
for csv in files:
    c = res[(csv, 'copy')]
    cb = sum(x[0] for x in c) / len(c); cw = sum(x[1] for x in c) / len(c)
    print('%s: copy backend mean %.2f s, wall %.1f s' % (csv, cb, cw))
    for label, _ in bins:
        r = res[(csv, label)]
        ib = sum(x[0] for x in r) / len(r); iw = sum(x[1] for x in r) / len(r)
        print('  %-6s backend mean %.2f s (%s), wall %.1f s: copy/import backend %.3f, wall %.3f'
              % (label, ib, ' '.join('%.2f' % x[0] for x in r), iw, cb / ib, cw / iw))
