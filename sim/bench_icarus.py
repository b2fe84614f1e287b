#!/usr/bin/env python3
"""Runs one RTL unit in Icarus Verilog on `fmalab vectors` output and reports vectors per second.

The Icarus baseline of `make bench` (issue 4): the same unit and the same vectors (the same seed,
classes and mode as the Verilator cosimulation benchmark, whose first vectors these are), each
result and flags compared with the golden model's expected ones in the testbench (sim/icarus_tb.sv).
vvp runs twice, on a small and a large count from the same loaded file; the rate is the difference
in vectors over the difference in time, so start-up, elaboration and $readmemh cancel out.

  bench_icarus.py --fmalab build/bin/fmalab --unit fma_e4m3_fp32 --work build/icarus [--json OUT]

Exit status 1 if any vector disagrees, 2 on bad arguments or a tool that fails.
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


def fail(msg):
    raise errors.InputError(msg)


def run(cmd, **kw):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    except OSError as e:
        fail(f"{cmd[0]}: cannot run ({e.strerror})")
    if r.returncode != 0:
        fail(f"{cmd[0]} failed ({r.returncode}): {(r.stderr or r.stdout).strip().splitlines()[-1:]}")
    return r


def testbench_sources(u, work):
    """The -D defines and files that put unit u (a registry row) into sim/icarus_tb.sv, which has one
    width for a and b and one for c and y."""
    p = u.ports
    if p["a"] != p["b"] or p["c"] != p["y"]:
        fail(f"unit '{u.name}': icarus_tb.sv needs a and b, and c and y, of one width each ({registry.fmt_ports(p)})")
    defines = [f"-DUNIT={u.top}", f"-DIN_W={p['a']}", f"-DACC_W={p['c']}"]
    defines += ["-DHAS_RND"] if u.has_rnd else []
    defines += ["-DHAS_FLAGS"] if u.has_flags else []
    files = u.files() + [os.path.join(ROOT, "sim", "icarus_tb.sv")]
    if u.params:  # a unit that is a parameterization of its top: Icarus sets them from a second root
        path = os.path.join(work, "unit_params.sv")
        errors.write_text(path, "module unit_params;\n" + "".join(
            f"  defparam icarus_tb.u_dut.{k} = {v};\n" for k, v in u.params.items()) + "endmodule\n")
        files.append(path)
    return defines, files, ["-s", "icarus_tb"] + (["-s", "unit_params"] if u.params else [])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fmalab", required=True)
    ap.add_argument("--unit", default="fma_e4m3_fp32")
    ap.add_argument("--work", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--round", default="rne")
    ap.add_argument("--small", type=int, default=1000)
    ap.add_argument("--large", type=int, default=8000)
    ap.add_argument("--json")
    a = ap.parse_args()
    if not 0 < a.small < a.large:
        fail("--small must be positive and below --large")
    frm = {"rne": 0, "rtz": 1, "rdn": 2, "rup": 3, "rmm": 4}.get(a.round)
    if frm is None:
        fail(f"unknown rounding mode '{a.round}'")
    errors.need_exe(a.fmalab, "--fmalab")
    if a.json:
        errors.need_out_file(a.json, "--json")
    unit = registry.load().need(a.unit)
    errors.make_dir(a.work, "--work")
    for tool in ("iverilog", "vvp"):
        errors.need_exe(tool, "program")

    vec_path = os.path.join(a.work, f"{a.unit}.hex")
    out = run([a.fmalab, "vectors", a.unit, "--count", str(a.large), "--seed", str(a.seed), "--round", a.round])
    errors.write_text(vec_path, out.stdout)

    vvp = os.path.join(a.work, f"{a.unit}.vvp")
    defines, files, roots = testbench_sources(unit, a.work)
    run(["iverilog", "-g2012", "-o", vvp, *roots, *defines, f"-DMAX_VECTORS={a.large}", *files])

    def simulate(n):
        t0 = time.perf_counter()
        r = run(["vvp", "-n", vvp, f"+vectors={vec_path}", f"+n={n}", f"+rnd={frm}"])
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
                                              "failed": failed, "seed": a.seed, "round": a.round,
                                              "vectors": a.large}))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    errors.run_main("bench_icarus.py", main)
