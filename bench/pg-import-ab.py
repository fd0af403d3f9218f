#!/usr/bin/env python3
"""A/B of `revshare import usage FILE` into a fresh PostgreSQL database per run
(created and dropped on 127.0.0.1:5432 as postgres, trust auth): revshare's
CPU (wait4) and its backends' CPU (/proc/PID/schedstat of every backend of
that database, polled every 50 ms: the last 50 ms of a backend may be
missed), the load average, and the rows of the balance marks, spans and
versions; ROUNDS rounds in ABBA order. Figures: docs/postgres.md, "Session 12".

    go build -o /tmp/revshare-main ./cmd/revshare     # in a checkout of main; the same for the change
    python3 bench/pg-import-ab.py 2 part00.csv main=/tmp/revshare-main new=/tmp/revshare-new

FILE: e.g. storetest.WritePerEventCSV(w, 500, 100) (100,000 rows)."""
import os, sys

from pgcpu import measure, psql

rounds = int(sys.argv[1]); csv = sys.argv[2]
bins = [a.split('=', 1) for a in sys.argv[3:5]]
PG = 'postgres://postgres@127.0.0.1:5432/%s?sslmode=disable'

def run(label, binary, n):
    db = 'pgwork_ab_%s_%d_%d' % (label, n, os.getpid())
    psql('postgres', 'CREATE DATABASE %s' % db)
    try:
        load0 = os.getloadavg()[0]
        be, rs, wall = measure(db, [binary, '--db', PG % db, 'import', 'usage', csv])
        counts = psql(db, "SELECT concat_ws(' ', (SELECT count(*) FROM balance_marks), (SELECT count(*) FROM balance_spans), (SELECT count(*) FROM balance_versions), pg_size_pretty(pg_database_size(current_database())))")
        print('%-5s round %d: backend %.2f s, revshare %.2f s, wall %.1f s, load %.2f -> %.2f, marks/spans/versions/size %s'
              % (label, n, be, rs, wall, load0, os.getloadavg()[0], counts), flush=True)
        return be, rs
    finally:
        psql('postgres', 'DROP DATABASE %s WITH (FORCE)' % db)

res = {b[0]: [] for b in bins}
for n in range(rounds):
    order = bins if n % 2 == 0 else bins[::-1]
    for label, binary in order + order[::-1]:
        res[label].append(run(label, binary, n))
for label in res:
    be = [x[0] for x in res[label]]; rs = [x[1] for x in res[label]]
    print('%s: backend mean %.2f s (%s), revshare mean %.2f s' % (label, sum(be)/len(be), ' '.join('%.2f' % x for x in be), sum(rs)/len(rs)))
a, b = [sum(x[0] for x in res[l[0]])/len(res[l[0]]) for l in bins]
print('backend %s / %s = %.3f' % (bins[1][0], bins[0][0], b / a))
