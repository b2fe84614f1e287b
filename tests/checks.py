"""The checks of the Python test scripts: each prints one line (`ok` or `WRONG` and what it checks)
and is counted; finish() then prints `N passed, M failed` and exits."""

import sys

results = []


def check(cond, what):
    print(f"{'ok   ' if cond else 'WRONG'} {what}")
    results.append(bool(cond))


def finish():
    """Prints `N passed, M failed` and exits, status 1 when any check failed."""
    failed = results.count(False)
    print(f"{len(results) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
