#!/usr/bin/env python
"""Run every bench/bench_*.py in turn (name order), printing each one's output. Exit non-zero if any fails."""

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failed = []
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"=== {script.name} ===", flush=True)
        started = time.perf_counter()
        result = subprocess.run([sys.executable, str(script), *sys.argv[1:]], cwd=HERE.parent, check=False)
        print(f"--- {script.name}: exit {result.returncode} in {time.perf_counter() - started:.1f} s\n", flush=True)
        if result.returncode:
            failed.append(script.name)
    if failed:
        print("Failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
