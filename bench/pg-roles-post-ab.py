#!/usr/bin/env python3
"""A/B of many small posts (BenchmarkPost/batch=1: one entry a transaction,
so each statement trigger fires once per entry) between two test binaries
of ./ledger/postgres, e.g. main's and migration 0095's (its SECURITY DEFINER
triggers). Each run logs in as a superuser role of its own, so that the
backends of that run are found by their user in /proc/PID/cmdline; their
CPU from /proc/PID/schedstat (polled every 50 ms). ROUNDS rounds in ABBA
order, N posts a run. Figures: docs/postgres.md, "Session 13".

    (cd main && go test -c -o /tmp/pg-main.test ./ledger/postgres); go test -c -o /tmp/pg-new.test ./ledger/postgres
    python3 bench/pg-roles-post-ab.py 2 3000 main=/tmp/pg-main.test new=/tmp/pg-new.test
"""
import os, re, sys, tempfile

from pgcpu import measure, psql

rounds = int(sys.argv[1]); n = int(sys.argv[2])
arms = [a.split('=', 1) for a in sys.argv[3:5]]
user = 'pgroles_post_ab_%d' % os.getpid()

def run(label, binary):
    env = dict(os.environ, REVSHARE_TEST_POSTGRES='postgres://%s@127.0.0.1:5432/postgres?sslmode=disable' % user)
    load0 = os.getloadavg()[0]
    with tempfile.TemporaryFile(mode='w+') as out:
        be, _, _ = measure(user, [binary, '-test.run', '^$', '-test.bench', '^BenchmarkPost$/^batch=1$', '-test.benchtime', '%dx' % n],
                           stdout=out, env=env)
        out.seek(0)
        text = out.read()
    m = re.search(r'(\d+) ns/entry', text)
    print('%-5s backend %.2f s (%.0f us a post), client %s ns/entry, load %.2f -> %.2f' % (label, be, be / n * 1e6, m.group(1) if m else '?', load0, os.getloadavg()[0]), flush=True)
    return be

psql('postgres', 'CREATE ROLE %s SUPERUSER LOGIN' % user)
try:
    res = {a[0]: [] for a in arms}
    for r in range(rounds):
        order = arms if r % 2 == 0 else arms[::-1]
        for label, binary in order + order[::-1]:
            res[label].append(run(label, binary))
finally:
    psql('postgres', 'DROP ROLE IF EXISTS %s' % user)
mean = lambda xs: sum(xs) / len(xs)
for label in res:
    print('%s: backend mean %.2f s (%s)' % (label, mean(res[label]), ' '.join('%.2f' % x for x in res[label])))
print('%s / %s: backend %.3f' % (arms[1][0], arms[0][0], mean(res[arms[1][0]]) / mean(res[arms[0][0]])))
