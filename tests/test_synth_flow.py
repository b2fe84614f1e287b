#!/usr/bin/env python3
"""Checks synth/flow.py on circuits whose figures are known by hand (ctest: Synth.KnownCircuits).

A lone NAND2 must come out as 1 GE, 4 transistors, depth 1; a 4-bit ripple of XORs as 3 XOR2 cells
(6 GE), depth 3. A MUL_ARCH parameter is required by the script, so each module declares one.
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "synth"))
import flow  # noqa: E402

CIRCUITS = {
    "nand_only": ("module nand_only #(parameter int MUL_ARCH = 0) (input logic a, b, output logic y);\n"
                  "  assign y = ~(a & b);\nendmodule\n",
                  {"area_ge": 1.0, "transistors": 4, "depth": 1}),
    "xor_chain": ("module xor_chain #(parameter int MUL_ARCH = 0) (input logic [3:0] a, output logic y);\n"
                  "  assign y = ((a[0] ^ a[1]) ^ a[2]) ^ a[3];\nendmodule\n",
                  {"area_ge": 6.0, "cells_ge": 3}),
}


def main():
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, (text, want) in CIRCUITS.items():
            src = os.path.join(tmp, name + ".sv")
            with open(src, "w") as f:
                f.write(text)
            got = flow.synthesize(name, "array", tmp, sources=[src])
            for key, val in want.items():
                ok = abs(got[key] - val) < 1e-6
                print(f"{name}: {key} = {got[key]} (want {val}) {'ok' if ok else 'WRONG'}")
                failures += not ok
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
