#!/usr/bin/env python
"""A/B of one placement's CPU between commits, for a loaded machine: compare CPU, not rates.

Each variant is a code tree (`git archive` of a commit) with its own PostgreSQL database; a run places
300 two-line orders through bench_place.py's `Placer` in a fresh process (after 20 warm-up orders) and
reports the process's own CPU (`time.process_time()`) and its PostgreSQL backend's (/proc/<pid>/stat)
per order. Runs of A and B alternate, so drift in the machine's load hits both alike.

  bench/ab_place.py setup LABEL COMMIT      extract COMMIT, create database oms_place_ab_LABEL, migrate, fixtures
  bench/ab_place.py run A B [pairs] [orders]  alternate runs; LABEL:prep = prepared statements
  bench/ab_place.py profile LABEL [orders]  cProfile on process time, into bench/profile_LABEL.txt
  bench/ab_place.py count LABEL             statements per placement (2 and 10 lines)

Environment: DATABASE_URL's server (default postgres://postgres@127.0.0.1:5432), BENCH_REDIS_URL (the
broker and cache, default redis://127.0.0.1:6379/15).
"""

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent / "bench" / "bench_place.py"
ROOT = Path("/tmp/place_ab")
SERVER = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/x").rpartition("/")[0]
os.environ.setdefault("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")


def _load_bench():
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_place", BENCH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _spec(label):
    name, _, mode = label.partition(":")
    spec = json.loads((ROOT / f"{name}.json").read_text())
    if mode == "prep":
        spec["prepare"] = "1"
    return spec


def worker(args):
    bench = _load_bench()
    os.environ.update(args.get("env", {}))
    bench._django(Path(args["code"]), args["db_url"], args.get("prepare", ""))
    from django.db import connection

    ids = args["ids"]
    if args["task"] == "count":
        return bench._statements(ids)
    placer = bench.Placer(ids, os.getpid())
    for _ in range(20):
        placer.place()
    pid = connection.cursor().connection.info.backend_pid
    n = args["orders"]
    if args["task"] == "profile":
        import cProfile
        import io
        import pstats

        prof = cProfile.Profile(time.process_time)
        prof.enable()
        for _ in range(n):
            placer.place()
        prof.disable()
        out = io.StringIO()
        st = pstats.Stats(prof, stream=out)
        st.sort_stats("tottime").print_stats(45)
        st.sort_stats("cumulative").print_stats(90)
        Path(args["out"]).write_text(out.getvalue())
        return {"ok": True}
    b0, t0 = bench._backend_ticks(pid), time.process_time()
    for _ in range(n):
        placer.place()
    t1, b1 = time.process_time(), bench._backend_ticks(pid)
    return {"py": (t1 - t0) / n * 1000, "pg": (b1 - b0) / bench.TICKS / n * 1000}


def _run(args):
    r = subprocess.run([sys.executable, __file__, "--worker", json.dumps(args)], capture_output=True, text=True)
    if r.returncode:
        raise SystemExit(r.stdout[-3000:] + r.stderr[-5000:])
    return json.loads(r.stdout.strip().splitlines()[-1])


def setup(label, commit):
    import psycopg

    code = ROOT / label
    subprocess.run(["rm", "-rf", str(code)], check=True)
    code.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(HERE.parent), "archive", commit], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(code)], input=archive, check=True)
    db = f"oms_place_ab_{label}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {db}")
    bench = [sys.executable, str(BENCH), "--worker"]
    spec = {"code": str(code), "db_url": f"{SERVER}/{db}", "prepare": ""}
    r = subprocess.run([*bench, json.dumps({**spec, "task": "prepare"})], capture_output=True, text=True)
    if r.returncode:
        raise SystemExit(r.stdout[-3000:] + r.stderr[-5000:])
    spec.update(json.loads(r.stdout.strip().splitlines()[-1]))
    spec["commit"] = subprocess.run(
        ["git", "-C", str(HERE.parent), "rev-parse", "--short", commit], capture_output=True, text=True
    ).stdout.strip()
    (ROOT / f"{label}.json").write_text(json.dumps(spec))
    print(label, spec["commit"], "ready")


def _ab(a: str, b: str, pairs: int = 3, orders: int = 300) -> None:
    res = {a: [], b: []}
    for i in range(pairs):
        for label in (a, b) if i % 2 == 0 else (b, a):
            r = _run({**_spec(label), "task": "measure", "orders": orders})
            res[label].append(r)
            load = os.getloadavg()[0]
            print(
                f"  {label:>8} ({_spec(label)['commit']}) py {r['py']:.2f} pg {r['pg']:.2f} ms/order, load {load:.1f}"
            )
    for label in (a, b):
        py, pg = [r["py"] for r in res[label]], [r["pg"] for r in res[label]]
        print(
            f"{label:>8} ({_spec(label)['commit']}): Python mean {statistics.mean(py):.2f} (median "
            f"{statistics.median(py):.2f}), backend mean {statistics.mean(pg):.2f} ms per placement"
        )


def main():
    cmd = sys.argv[1]
    if cmd == "--worker":
        print(json.dumps(worker(json.loads(sys.argv[2]))))
    elif cmd == "setup":
        setup(sys.argv[2], sys.argv[3])
    elif cmd == "run":
        _ab(sys.argv[2], sys.argv[3], *(int(n) for n in sys.argv[4:6]))
    elif cmd == "profile":
        label = sys.argv[2]
        out = str(HERE / f"profile_{label.replace(':', '_')}.txt")
        orders = int(sys.argv[3]) if len(sys.argv) > 3 else 300
        _run({**_spec(label), "task": "profile", "orders": orders, "out": out})
        print(out)
    elif cmd == "count":
        print(_run({**_spec(sys.argv[2]), "task": "count"}))


if __name__ == "__main__":
    main()
