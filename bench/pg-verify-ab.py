"""revshare verify on PostgreSQL, two binaries side by side (A B B A ...):
wall, revshare's CPU and peak RSS (wait4), its backends' CPU (pgcpu).

    python3 bench/pg-verify-ab.py DB ROUNDS A_BINARY B_BINARY

DB is a database on 127.0.0.1:5432 (user postgres) holding a book, e.g. the
1M per-event book (docs/postgres.md, "Verify at 1M entries")."""
import os, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pgcpu

def run(db, binary):
    url = 'postgres://postgres@127.0.0.1:5432/%s?sslmode=disable' % db
    p = subprocess.Popen([binary, '--db', url, 'verify'], stdout=subprocess.PIPE, text=True)
    seen, t0 = {}, time.time()
    while True:
        r = os.wait4(p.pid, os.WNOHANG)
        if r[0] != 0:
            break
        for pid in pgcpu.backends(db):
            c = pgcpu.cpu(pid)
            if c is not None:
                seen[pid] = c
        time.sleep(0.05)
    wall = time.time() - t0
    _, status, ru = r
    out = p.stdout.read().strip()
    if status != 0 or not out.startswith('ok:'):
        raise SystemExit('%s failed: %d %s' % (binary, status, out))
    return wall, ru.ru_utime + ru.ru_stime, sum(seen.values()), ru.ru_maxrss / 1024

def main():
    db, rounds, a, b = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    res = {'A': [], 'B': []}
    order = ''.join('AB' if i % 2 == 0 else 'BA' for i in range(rounds))
    for k in order:
        load = os.getloadavg()[0]
        r = run(db, a if k == 'A' else b)
        res[k].append(r)
        print('%s wall %6.1f s  revshare CPU %5.1f s  server CPU %5.1f s  peak RSS %4.0f MB  (load %.1f)' % ((k,) + r + (load,)), flush=True)
    for k in 'AB':
        w = sorted(x[0] for x in res[k]); c = sorted(x[1] for x in res[k])
        s = sorted(x[2] for x in res[k]); m = sorted(x[3] for x in res[k])
        print('%s wall %.1f-%.1f  revshare CPU %.1f-%.1f  server CPU %.1f-%.1f  RSS %.0f-%.0f MB' % (k, w[0], w[-1], c[0], c[-1], s[0], s[-1], m[0], m[-1]))

main()
