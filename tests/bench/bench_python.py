#!/usr/bin/env python3
"""The Python module's overhead over the C++ batch API (make bench).

    PYTHONPATH=build/python python3 tests/bench/bench_python.py --bench-batch build/bin/bench_batch

Times fmalab.eval("fma:e4m3:fp32", a, b, c) on 16M vectors (a, b uint8, c uint32; median of
--rounds x --reps runs) and, on the same columns written to raw files, fmalab::evaluate in tests/bench/bench_batch.cpp;
checks that both give the same results, prints the ratio and PASS when Python is within 1.5x.
Exit status 1 on FAIL.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

import fmalab


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bench-batch", default=os.path.join("build", "bin", "bench_batch"))
    p.add_argument("--n", type=int, default=1 << 24)
    p.add_argument("--reps", type=int, default=5, help="runs per round and side (median over all)")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--limit", type=float, default=1.5)
    args = p.parse_args()
    unit = "fma:e4m3:fp32"
    r = np.random.default_rng(args.seed)
    a = r.integers(0, 256, args.n, dtype=np.uint8)
    b = r.integers(0, 256, args.n, dtype=np.uint8)
    # Addends of the products' size (random fp32 bits would be mostly huge or tiny).
    c = (r.normal(size=args.n) * 4).astype(np.float32).view(np.uint32)

    # Rounds of Python then C++ runs, so that load from other processes falls on both sides alike.
    py_times, cpp_times, same = [], [], True
    with tempfile.TemporaryDirectory(prefix="fmalab-bench-") as d:
        paths = [os.path.join(d, n) for n in ("a.u8", "b.u8", "c.u32", "y.u32")]
        for arr, path in zip((a, b, c), paths):
            arr.tofile(path)
        for _ in range(args.rounds):
            for _ in range(args.reps):
                t0 = time.perf_counter()
                y, flags = fmalab.eval(unit, a, b, c)
                py_times.append(time.perf_counter() - t0)
            out = subprocess.run([args.bench_batch, unit, str(args.n), str(args.reps), *paths], check=True,
                                 capture_output=True, text=True).stdout
            cpp_times += [float(t) for t in dict(kv.split("=") for kv in out.split())["times_s"].split(",")]
            same = same and np.array_equal(np.fromfile(paths[3], dtype=np.uint32), y)
    py, cpp = statistics.median(py_times), statistics.median(cpp_times)

    ratio = py / cpp
    ok = same and ratio <= args.limit
    print(f"{unit} n={args.n} runs={len(py_times)}+{len(cpp_times)}: python {py * 1e3:.1f} ms ({args.n / py / 1e6:.0f} M/s), "
          f"C++ batch API {cpp * 1e3:.1f} ms ({args.n / cpp / 1e6:.0f} M/s), ratio {ratio:.3f}, "
          f"same results: {'yes' if same else 'NO'}; {'PASS' if ok else 'FAIL'} (within {args.limit}x)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
