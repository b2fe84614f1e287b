#!/usr/bin/env python3
"""Runs one RTL unit in Icarus Verilog on `fmalab vectors` output and reports vectors per second.

The Icarus baseline of `make bench` (issue 4) and the Icarus.* tests: the same unit and the same
vectors (the same seed, classes and mode as the Verilator cosimulation benchmark, whose first vectors
these are), each result and the flags compared with the golden model's expected ones in a testbench
made for the unit from its registry row and the file's header (synth/testbench.py, template
sim/icarus_tb.sv), so any unit of rtl/units.json runs here. vvp runs twice, on a small and a large
count from the same loaded file; the rate is the difference in vectors over the difference in time,
so start-up, elaboration and $readmemh cancel out.

  bench_icarus.py --fmalab build/bin/fmalab --unit fma_e4m3_fp32 --work build/icarus [--round rup|mixed]
                  [--vectors FILE] [--registry rtl/units.json] [--json OUT]

--vectors runs an existing vector file instead of generating one (its header decides the mode; the file
is read through synth/vectors.py, every line checked, before any tool runs). Exit
status 1 if any vector disagrees, 2 on bad arguments or a tool that fails.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "synth"))
import errors  # noqa: E402  (one-line errors naming the file, exit status 2)
import registry  # noqa: E402  (rtl/units.json: the unit's ports and its own file list)
import testbench  # noqa: E402  (the unit's testbench from its ports and the file's columns)
import vectors  # noqa: E402  (the one reader of vector files)


def fail(msg):
    raise errors.InputError(msg)


def run(cmd, **kw):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    except OSError as e:
        fail(f"{cmd[0]}: cannot run ({e.strerror})")
    if r.returncode != 0:
        lines = (r.stdout + "\n" + r.stderr).strip().splitlines()
        why = next((ln for ln in lines if "FATAL" in ln or "error" in ln.lower()), lines[-1] if lines else "")
        fail(f"{cmd[0]} failed ({r.returncode}): {why.strip()}")
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fmalab", help="the fmalab driver (not needed with --vectors)")
    ap.add_argument("--unit", default="fma_e4m3_fp32")
    ap.add_argument("--work", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--round", default="rne")
    ap.add_argument("--small", type=int, default=1000)
    ap.add_argument("--large", type=int, default=8000)
    ap.add_argument("--json")
    ap.add_argument("--vectors", help="an existing vector file to run (default: generate one)")
    ap.add_argument("--registry", default=registry.REGISTRY)
    a = ap.parse_args()
    if not 0 < a.small < a.large:
        fail("--small must be positive and below --large")
    if a.round not in vectors.ROUNDS:
        fail(f"unknown rounding mode '{a.round}'; modes: {', '.join(vectors.ROUNDS)}")
    if a.vectors is None:
        if not a.fmalab:
            fail("--fmalab is required unless --vectors names a vector file")
        errors.need_exe(a.fmalab, "--fmalab")
    if a.json:
        errors.need_out_file(a.json, "--json")
    unit = registry.load(a.registry).need(a.unit)
    errors.make_dir(a.work, "--work")

    vec_path = a.vectors or os.path.join(a.work, f"{a.unit}.hex")
    if a.vectors is None:
        run([a.fmalab, "vectors", a.unit, "--count", str(a.large), "--seed", str(a.seed), "--round", a.round,
             "-o", vec_path])
    vf = vectors.read(vec_path)  # every line checked against the header's fields
    if len(vf) < a.large:
        fail(f"{vec_path}: {len(vf)} vectors, fewer than --large {a.large}")
    tb = os.path.join(a.work, f"{a.unit}_tb.sv")
    errors.write_text(tb, testbench.generate(unit, vf.header, vec_path))
    for tool in ("iverilog", "vvp"):
        errors.need_exe(tool, "program")
    vvp = os.path.join(a.work, f"{a.unit}.vvp")
    run(["iverilog", "-g2012", "-s", "icarus_tb", f"-DMAX_VECTORS={a.large}", "-o", vvp, *unit.files(), tb])

    def simulate(n):
        t0 = time.perf_counter()
        r = run(["vvp", "-n", vvp, f"+vectors={vec_path}", f"+n={n}"])
        secs = time.perf_counter() - t0
        m = re.search(r"(\d+) passed, (\d+) failed", r.stdout)
        if not m:
            fail(f"vvp printed no summary: {r.stdout.strip()[-200:]}")
        for line in r.stdout.splitlines():
            if line.startswith("MISMATCH"):
                print(f"icarus {a.unit}: {line}")
        return secs, int(m.group(1)), int(m.group(2))

    t_small, _, _ = simulate(a.small)
    t_large, passed, failed = simulate(a.large)
    rate = (a.large - a.small) / (t_large - t_small) if t_large > t_small else 0.0
    print(f"icarus {a.unit}: {passed} passed, {failed} failed;"
          f" {rate:.0f} vectors/s ({a.large - a.small} vectors in {t_large - t_small:.2f} s)")
    if a.json:
        errors.write_text(a.json, json.dumps({"unit": a.unit, "vectors_per_second": rate, "passed": passed,
                                              "failed": failed, "seed": a.seed, "round": vf.header.round,
                                              "vectors": a.large}))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    errors.run_main("bench_icarus.py", main)
