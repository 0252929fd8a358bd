"""Run the benchmarks in turn (what `make bench` does) and repeat their figures at the end.

Each script runs in a process of its own, so one benchmark's memory and caches never
colour the next. The summary repeats every line that carries a ratio or a target.

    .venv/bin/python bench/run_all.py [personalize send publish queue sources web]
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SCRIPTS = ("personalize", "send", "publish", "queue", "sources", "web")
SUMMARY_WORDS = ("ratio", "target", " / ", "peak memory", "client CPU", "sink", "load average")


def run(name: str) -> tuple[int, float, list[str]]:
    """Run bench/`name`.py, echo its output as it comes; return its status, time and lines."""
    print(f"== bench/{name}.py", flush=True)
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, str(BENCH / f"{name}.py")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        print(line, end="", flush=True)
        lines.append(line.rstrip("\n"))
    status = process.wait()
    return status, time.perf_counter() - started, lines


def main(names: list[str]) -> int:
    """Run the named benchmarks (all four by default); fail when any of them fails."""
    unknown = [name for name in names if name not in SCRIPTS]
    if unknown:
        print(f"unknown benchmark {', '.join(unknown)}: choose from {', '.join(SCRIPTS)}")
        return 2
    failed = []
    summary = []
    started = time.perf_counter()
    for name in names or SCRIPTS:
        status, seconds, lines = run(name)
        summary.append(f"-- {name} ({seconds:.0f} s{', FAILED' if status else ''})")
        summary += [line for line in lines if any(word in line for word in SUMMARY_WORDS)]
        if status:
            failed.append(name)
    print(f"\n== summary ({time.perf_counter() - started:.0f} s in all)")
    print("\n".join(summary))
    if failed:
        print(f"failed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
