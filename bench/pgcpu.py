"""CPU of a command and of its PostgreSQL backends, for the bench/pg-*-ab.py
scripts: revshare's (or a test binary's) from wait4, its backends' from
/proc/PID/schedstat of every backend whose command line names WORD (the
database or the role of the run), polled every 50 ms (the last 50 ms of a
backend may be missed)."""
import glob, os, subprocess, time

def psql(db, sql):
    """Runs sql in database db as postgres on 127.0.0.1:5432; its output."""
    return subprocess.run(['psql', '-h', '127.0.0.1', '-U', 'postgres', '-d', db, '-Atc', sql],
                          check=True, capture_output=True, text=True).stdout.strip()

def backends(word):
    out = []
    for p in glob.glob('/proc/[0-9]*/cmdline'):
        try:
            c = open(p, 'rb').read()
        except OSError:
            continue
        if c.startswith(b'postgres: ') and (b' ' + word.encode() + b' ') in c:
            out.append(p.split('/')[2])
    return out

def cpu(pid):
    try:
        return int(open('/proc/%s/schedstat' % pid).read().split()[0]) / 1e9
    except OSError:
        return None

def measure(word, argv, stdout=subprocess.DEVNULL, env=None):
    """Runs argv to its end: (backends' CPU, its own CPU, wall seconds)."""
    p = subprocess.Popen(argv, stdout=stdout, env=env)
    seen = {}
    t0 = time.time()
    while True:
        r = os.wait4(p.pid, os.WNOHANG)
        if r[0] != 0:
            break
        for pid in backends(word):
            c = cpu(pid)
            if c is not None:
                seen[pid] = c
        time.sleep(0.05)
    _, status, ru = r
    if status != 0:
        raise SystemExit('%s failed: %d' % (' '.join(argv), status))
    return sum(seen.values()), ru.ru_utime + ru.ru_stime, time.time() - t0
