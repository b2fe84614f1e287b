#!/usr/bin/env python3
"""Peak memory of fmalab's streaming commands at two input lengths (make bench-memory).

    python3 tests/bench/bench_memory.py --fmalab build/bin/fmalab [--small 1000000] [--large 100000000]

Runs each command on --small and on --large vectors (eval reads what `fmalab vectors` writes through a
pipe; the others make their own) and prints each process's peak resident set size (getrusage's
ru_maxrss, from wait4 on that process alone). A command runs in bounded memory when its peak does not
grow with the input: the table says "bounded" when the large run's peak is within 1.25x + 8 MiB of
the small run's, "GROWS" otherwise, and exit status 1 then.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

UNIT, RTL_UNIT = "fma:e4m3:fp32", "fma_e4m3_fp32"


def run(cmds):
    """Runs a pipeline of argument lists, stdout of each into the next, the last into /dev/null;
    returns [(peak RSS in KiB, seconds)] per command and raises on a failure."""
    procs, prev = [], None
    devnull = open(os.devnull, "wb")
    errs = [tempfile.TemporaryFile() for _ in cmds]  # shown only when a command fails
    t0 = time.monotonic()
    for i, cmd in enumerate(cmds):
        last = i == len(cmds) - 1
        p = subprocess.Popen(cmd, stdin=prev, stdout=devnull if last else subprocess.PIPE, stderr=errs[i])
        if prev is not None:
            prev.close()  # the next reader holds the pipe now
        prev = p.stdout
        procs.append(p)
    out = []
    for p, cmd, err in zip(procs, cmds, errs):
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode != 0:
            err.seek(0)
            sys.stderr.write(err.read().decode(errors="replace")[-2000:])
            raise SystemExit(f"bench_memory.py: {' '.join(cmd)} exited with {p.returncode}")
        out.append((usage.ru_maxrss, time.monotonic() - t0))
    devnull.close()
    return out


def commands(fmalab, n):
    """(name, pipeline, index of the measured command) for n vectors."""
    gen = [fmalab, "vectors", UNIT, "--count", str(n), "--seed", "1"]
    return [
        ("vectors", [gen], 0),
        ("eval", [gen, [fmalab, "eval", UNIT]], 1),
        ("cosim", [[fmalab, "cosim", RTL_UNIT, "--count", str(n), "--seed", "1"]], 0),
        ("stream", [[fmalab, "stream", UNIT, "--count", str(n), "--seed", "1"]], 0),
    ]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--fmalab", default=os.path.join("build", "bin", "fmalab"))
    p.add_argument("--small", type=int, default=1_000_000)
    p.add_argument("--large", type=int, default=100_000_000)
    args = p.parse_args()
    if not os.access(args.fmalab, os.X_OK):
        print(f"bench_memory.py: no fmalab executable at {args.fmalab}", file=sys.stderr)
        return 2
    print(f"peak resident memory (MiB) of fmalab's streaming commands, {args.small} and {args.large} vectors")
    print(f"  {'command':8s} {'small':>8s} {'large':>8s} {'large s':>8s}   verdict")
    grew = False
    for (name, small, at), (_, large, _) in zip(commands(args.fmalab, args.small), commands(args.fmalab, args.large)):
        rs, _ = run(small)[at]
        print(f"  {name:8s} {rs / 1024:8.1f} ", end="", flush=True)
        rl, secs = run(large)[at]
        ok = rl <= 1.25 * rs + 8 * 1024
        grew |= not ok
        print(f"{rl / 1024:8.1f} {secs:8.1f}   {'bounded' if ok else 'GROWS'}", flush=True)
    return 1 if grew else 0


if __name__ == "__main__":
    sys.exit(main())
