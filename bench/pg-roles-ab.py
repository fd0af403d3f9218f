#!/usr/bin/env python3
"""A/B of the two-role setup (migration 0095: the triggers that write the
derived tables SECURITY DEFINER with a fixed search_path) against main:
`revshare contract add CONTRACT` (not measured), `revshare import usage
FILE`, then `revshare run --through THROUGH`, each into a fresh PostgreSQL
database per round (127.0.0.1:5432, postgres, trust auth); the backends' CPU of each command from
/proc/PID/schedstat (polled every 50 ms), revshare's from wait4, the load
average. An arm LABEL=BINARY runs as the server's superuser (one role);
LABEL=BINARY:owner as one role that is not a superuser (the database's
owner, as most single-role books are); LABEL=BINARY:login creates the
database owned by a role of the run, grants a login role with `revshare
grant`, and imports and runs as that role.
ROUNDS rounds in ABBA order. Figures: docs/postgres.md, "Session 13".

    python3 bench/pg-roles-ab.py 2 part00.csv bench/pg-roles-contract.yaml 2023-04 \\
        main=/tmp/revshare-main definer=/tmp/revshare-new login=/tmp/revshare-new:login
"""
import os, subprocess, sys

from pgcpu import measure, psql

rounds = int(sys.argv[1]); csv = sys.argv[2]; contract = sys.argv[3]; through = sys.argv[4]
arms = []
for a in sys.argv[5:]:
    label, rest = a.split('=', 1)
    binary, _, mode = rest.partition(':')
    arms.append((label, binary, mode or 'single'))
URL = 'postgres://%s@127.0.0.1:5432/%s?sslmode=disable'
tag = 'pgroles_ab_%d' % os.getpid()
OWNER, LOGIN = tag + '_owner', tag + '_login'

def run(label, binary, mode, n):
    db = '%s_%s_%d' % (tag, label, n)
    user = 'postgres'
    if mode == 'login':
        psql('postgres', 'CREATE DATABASE %s OWNER %s' % (db, OWNER))
        subprocess.run([binary, '--db', URL % (OWNER, db), 'grant', LOGIN], check=True, stdout=subprocess.DEVNULL)
        user = LOGIN
    elif mode == 'owner':
        psql('postgres', 'CREATE DATABASE %s OWNER %s' % (db, OWNER))
        user = OWNER
    else:
        psql('postgres', 'CREATE DATABASE %s' % db)
    url = URL % (user, db)
    try:
        # The contract first: its write applies the migrations (the
        # owner's grant already did for a login arm), outside the figures.
        subprocess.run([binary, '--db', url, 'contract', 'add', contract], check=True, stdout=subprocess.DEVNULL)
        load0 = os.getloadavg()[0]
        imp = measure(db, [binary, '--db', url, 'import', 'usage', csv])
        rn = measure(db, [binary, '--db', url, 'run', '--through', through])
        print('%-6s round %d: import backend %.2f s revshare %.2f s wall %.1f s; run backend %.2f s revshare %.2f s wall %.1f s; load %.2f -> %.2f'
              % (label, n, imp[0], imp[1], imp[2], rn[0], rn[1], rn[2], load0, os.getloadavg()[0]), flush=True)
        return imp[0], rn[0]
    finally:
        psql('postgres', 'DROP DATABASE %s WITH (FORCE)' % db)

psql('postgres', 'CREATE ROLE %s LOGIN; CREATE ROLE %s LOGIN' % (OWNER, LOGIN))
try:
    res = {a[0]: [] for a in arms}
    for n in range(rounds):
        order = arms if n % 2 == 0 else arms[::-1]
        for label, binary, mode in order + order[::-1]:
            res[label].append(run(label, binary, mode, n))
finally:
    psql('postgres', 'DROP ROLE IF EXISTS %s; DROP ROLE IF EXISTS %s' % (LOGIN, OWNER))
mean = lambda xs: sum(xs) / len(xs)
for label in res:
    print('%s: import backend mean %.2f s (%s); run backend mean %.2f s (%s)' % (label,
          mean([x[0] for x in res[label]]), ' '.join('%.2f' % x[0] for x in res[label]),
          mean([x[1] for x in res[label]]), ' '.join('%.2f' % x[1] for x in res[label])))
a, b = arms[0][0], arms[-1][0]
print('%s / %s: import backend %.3f, run backend %.3f' % (b, a,
      mean([x[0] for x in res[b]]) / mean([x[0] for x in res[a]]),
      mean([x[1] for x in res[b]]) / mean([x[1] for x in res[a]])))
