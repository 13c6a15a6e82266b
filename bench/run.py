"""Run every benchmark under bench/ in turn and print what each reports, with the
machine's load average before and after each (figures of a loaded machine are slower).

.venv/bin/python bench/run.py [word ...]     (or: make bench; words pick benches by name)
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from measure import bench_env, load_average  # noqa: E402


def main() -> int:
    failed = 0
    wanted = sys.argv[1:]
    begun = time.perf_counter()
    print(load_average(), flush=True)
    for script in sorted(HERE.glob("bench_*.py")):
        if wanted and not any(word in script.stem for word in wanted):
            continue
        print(f"== {script.name}", flush=True)
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, str(script)], cwd=HERE.parent, check=False, env=bench_env()
        )
        seconds = time.perf_counter() - started
        print(f"   ({seconds:.1f} s, exit {done.returncode}; {load_average()})\n", flush=True)
        failed += done.returncode != 0
    print(f"all benches: {time.perf_counter() - begun:.0f} s; {load_average()}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
