"""The checks of the Python test scripts: each prints one line (`ok` or `WRONG` and what it checks)
and is counted; the script then prints `N passed, M failed` from `results`."""

results = []


def check(cond, what):
    print(f"{'ok   ' if cond else 'WRONG'} {what}")
    results.append(bool(cond))
