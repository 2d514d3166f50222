"""The mutation score per module, from ``mutmut results --all true`` (run after ``mutmut run``).

Prints a Markdown table: mutants killed (a test failed or timed out) against those that
survived, per module and overall; mutants no test reaches count as survivors. The equivalent
survivors (no behaviour change) are listed by hand in benchmarks/MUTATION.md.
"""

from __future__ import annotations

import collections
import re
import subprocess
import sys
from pathlib import Path

KILLED = {"killed", "timeout", "segfault", "caught by type check"}
COUNTED = KILLED | {"survived", "no tests", "suspicious"}


def main() -> int:
    mutmut = Path(sys.executable).with_name("mutmut")
    out = subprocess.run([str(mutmut), "results", "--all", "true"], capture_output=True, text=True, check=True).stdout
    by_module: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    unchecked = sum(line.rstrip().endswith(": not checked") for line in out.splitlines())
    for line in out.splitlines():
        match = re.match(r"\s*([\w.]+?)\.x[\w]*__mutmut_\d+: (.+)$", line) or re.match(r"\s*([\w.]+)\.\w+__mutmut_\d+: (.+)$", line)
        if match and match.group(2).strip() in COUNTED:
            by_module[match.group(1)][match.group(2).strip()] += 1
    if not by_module:
        print("no mutation results: run `mutmut run` first")
        return 1
    print("| module | mutants | killed | survived | no tests | score |")
    print("|---|---:|---:|---:|---:|---:|")
    total = collections.Counter()
    for module in sorted(by_module):
        counts = by_module[module]
        total.update(counts)
        print(_row(module, counts))
    print(_row("**all**", total))
    if unchecked:
        print(f"\n{unchecked} mutants not checked yet (an interrupted run): `mutmut run` goes on with them.")
    return 0


def _row(name: str, counts: collections.Counter) -> str:
    n = sum(counts.values())
    killed = sum(counts[k] for k in KILLED)
    return (f"| {name} | {n} | {killed} | {counts['survived'] + counts['suspicious']} | {counts['no tests']} "
            f"| {100 * killed / n:.0f} % |")


if __name__ == "__main__":
    sys.exit(main())
