#!/usr/bin/env python3
"""Synthesis reads a unit and nothing else (ctest: Synth.UnitReadsOnlyItsFiles, Synth.NoFaultLogicInNetlists).

  test_synth_units.py files    mac_int8 (booth4) from a copy of rtl/ with an unrelated module added:
                               the same figures and netlist as from rtl/, and Yosys never reads the file
  test_synth_units.py faults   rtl/ names fault injection (FAULT_*, fault_mask) only inside `ifdef
                               FMALAB_FAULTS (and a term planted outside one in a copy is caught);
                               for one unit of each datapath (mac_int, fma_fixed, fma_float) the
                               netlist has no name with "fault" in it, and a planted fault
                               (FMALAB_FAULTS) does change it

Prints one line per check and `N passed, M failed`; exit status 1 on a failure.
"""
import concurrent.futures
import json
import os
import re
import shutil
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "synth"))
import flow  # noqa: E402
import registry  # noqa: E402

FIGURES = ("area_ge", "transistors", "depth", "area_um2", "delay_ns", "cells_ge")
FAULT_UNITS = ("mac_int8", "fma_e4m3_fx48", "fma_e4m3_bf16")  # mac_int, fma_fixed, fma_float

from checks import check, finish  # noqa: E402  (one line per check, counted)


def netlist(out, unit, variant):
    with open(os.path.join(out, f"{unit}_{variant}", "netlist_ge.v"), encoding="utf-8") as f:
        return f.read()


def copy_rtl(tmp, name):
    rtl = os.path.join(tmp, name, "rtl")
    shutil.copytree(os.path.join(ROOT, "rtl"), rtl)
    return rtl


def same_figures(a, b):
    return all(a[k] == b[k] for k in FIGURES)


def files():
    with tempfile.TemporaryDirectory() as tmp:
        rtl = copy_rtl(tmp, "copy")
        extra = os.path.join(rtl, "aaa_unrelated.sv")  # sorts first, as the old read-everything flow saw it
        with open(extra, "w") as f:
            f.write("module aaa_unrelated #(parameter int MUL_ARCH = 0) (input logic [15:0] a, b,\n"
                    "    output logic [31:0] y);\n  assign y = a * b + 32'(MUL_ARCH);\nendmodule\n")
        copy_reg = registry.load(os.path.join(rtl, "units.json"))
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            real = pool.submit(flow.synthesize, "mac_int8", "booth4", os.path.join(tmp, "real"))
            copy = pool.submit(flow.synthesize, "mac_int8", "booth4", os.path.join(tmp, "copy_out"), None, copy_reg)
            real, copy = real.result(), copy.result()
        print(f"  rtl/: {json.dumps({k: real[k] for k in FIGURES})}")
        print(f"  copy: {json.dumps({k: copy[k] for k in FIGURES})}")
        check(same_figures(real, copy), "mac_int8 (booth4): the same figures with an unrelated module in rtl/")
        check(netlist(os.path.join(tmp, "real"), "mac_int8", "booth4") ==
              netlist(os.path.join(tmp, "copy_out"), "mac_int8", "booth4"), "mac_int8 (booth4): the same netlist")
        with open(os.path.join(tmp, "copy_out", "mac_int8_booth4", "unit.ys"), encoding="utf-8") as f:
            script = f.read()
        check("aaa_unrelated" not in script and os.path.join(rtl, "mac_int.sv") in script,
              "Yosys reads the unit's files from the copy, and not the unrelated one")


def fault_code_outside_ifdef(rtl):
    """Lines of rtl/*.sv (comments removed) that name fault injection (FAULT_*, fault_mask) outside an
    `ifdef FMALAB_FAULTS branch, as 'file:line'."""
    found = []
    for f in sorted(os.listdir(rtl)):
        if not f.endswith(".sv"):
            continue
        with open(os.path.join(rtl, f), encoding="utf-8") as fh:
            text = registry.strip_comments(fh.read())
        stack = []  # per open conditional: whether its current branch is FMALAB_FAULTS-only
        for n, line in enumerate(text.split("\n"), 1):
            m = re.match(r"\s*`(ifdef|ifndef|elsif|else|endif)\b\s*(\w*)", line)
            if m:
                kind, name = m.groups()
                if kind in ("ifdef", "ifndef"):
                    stack.append(kind == "ifdef" and name == "FMALAB_FAULTS")
                elif kind == "endif" and stack:
                    stack.pop()
                elif stack:  # else / elsif: the FMALAB_FAULTS branch has ended
                    stack[-1] = False
                continue
            if re.search(r"\bFAULT_\w+|\bfault_mask\b", line) and not any(stack):
                found.append(f"{f}:{n}")
    return found


def faults():
    with tempfile.TemporaryDirectory() as tmp:
        outside = fault_code_outside_ifdef(os.path.join(ROOT, "rtl"))
        check(not outside, f"rtl/ names fault injection only under `ifdef FMALAB_FAULTS {outside}")
        rtl = copy_rtl(tmp, "leak")
        path = os.path.join(rtl, "mac_int.sv")
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text.replace("  assign p = p_raw;\n", "  assign p = p_raw ^ FAULT_MULTIPLY[PW-1:0];\n"))
        leak = fault_code_outside_ifdef(rtl)
        check(leak and leak[0].startswith("mac_int.sv:"), f"a fault term outside the `ifdef is caught: {leak}")

        planted = ("FMALAB_FAULTS", "FMALAB_FAULT_STAGE=7", "FMALAB_FAULT_BIT=0")  # pack: every datapath has it
        jobs = {}
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            for u in FAULT_UNITS:
                jobs[(u, "real")] = pool.submit(flow.synthesize, u, "booth4", os.path.join(tmp, "real"))
                jobs[(u, "planted")] = pool.submit(flow.synthesize, u, "booth4", os.path.join(tmp, "planted"), None,
                                                   None, planted)
            recs = {k: v.result() for k, v in jobs.items()}
        for u in FAULT_UNITS:
            real = netlist(os.path.join(tmp, "real"), u, "booth4")
            check("fault" not in real.lower(), f"{u} (booth4): no name in the netlist says fault "
                                               f"({recs[(u, 'real')]['area_ge']} GE)")
            check(real != netlist(os.path.join(tmp, "planted"), u, "booth4"),
                  f"{u} (booth4): a planted fault (FMALAB_FAULTS, pack stage) does change the netlist")


def main():
    tests = {"files": files, "faults": faults}
    if len(sys.argv) != 2 or sys.argv[1] not in tests:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    tests[sys.argv[1]]()
    finish()


if __name__ == "__main__":
    main()
