#!/usr/bin/env python3
"""Checks the gate-level simulation and toggle counting of synth/gatesim.py (ctest: Synth.*).

  test_gatesim.py pattern          a known pattern through eight inverters: exactly 28 toggles
  test_gatesim.py unit FMALAB UNIT  a real unit's netlist: cosimulates clean against the golden
                                    model on 100k vectors, and the all-zero stream is the floor
"""
import os
import sys
import tempfile
import types

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "synth"))
import flow  # noqa: E402
import gatesim  # noqa: E402

PROBE = """module toggle_probe #(parameter int MUL_ARCH = 0) (
    input logic [7:0] a, input logic [7:0] b, input logic [31:0] c, output logic [31:0] y);
  assign y = {24'b0, ~a};
endmodule
"""


def check(cond, what):
    print(f"{'ok   ' if cond else 'WRONG'} {what}")
    return 0 if cond else 1


def pattern():
    # a: 00 FF 00 FF 0F after a reset to 00. Bits 0-3 of y = ~a toggle 3 times, bits 4-7 4 times.
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "toggle_probe.sv")
        with open(src, "w") as f:
            f.write(PROBE)
        flow.synthesize("toggle_probe", "array", tmp, sources=[src])
        work = os.path.join(tmp, "toggle_probe_array")
        probe = types.SimpleNamespace(top="toggle_probe", has_rnd=False, has_flags=False)  # not a registry unit
        g = gatesim.GateModel("toggle_probe", work, probe)
        streams = {"pattern": [0x00, 0xFF, 0x00, 0xFF, 0x0F], "zero": [0x00] * 5}
        files = {}
        for name, values in streams.items():
            files[name] = os.path.join(work, name + ".hex")
            with open(files[name], "w") as f:
                f.writelines(f"{v:02x} 00 00000000 {0xFF & ~v:08x} 00\n" for v in values)
        res, failed = gatesim.simulate(g, files)
        bad = check(not failed, "the probe's netlist computes ~a")
        bad += check(abs(res["pattern"]["toggles_per_op"] * 5 - 28) < 1e-9,
                     f"pattern: {res['pattern']['toggles_per_op'] * 5:.0f} cell-output toggles (want 28)")
        bad += check(res["zero"]["toggles_per_op"] == 0 and res["zero"]["pj_per_op"] == 0, "zero stream: no toggles")
        inv = [c for c, _ in g.insts]
        bad += check(inv and all(c.startswith("INV") for c in inv), f"cells: {sorted(set(inv))}")
        return bad


def unit(fmalab, name):
    with tempfile.TemporaryDirectory() as tmp:
        flow.synthesize(name, "booth4", tmp)
        work = os.path.join(tmp, f"{name}_booth4")
        g = gatesim.GateModel(name, work)
        files = gatesim.write_streams(fmalab, name, work, 100000, 7, ["uniform", "zero"])
        res, failed = gatesim.simulate(g, files)
        bad = check(not failed and res["uniform"]["vectors"] == 100000,
                    f"{name}: netlist agrees with the golden model on {res['uniform']['vectors']} vectors")
        bad += check(res["zero"]["pj_per_op"] == 0.0 < res["uniform"]["pj_per_op"],
                     f"{name}: zero stream {res['zero']['pj_per_op']} pJ/op is the floor"
                     f" (uniform {res['uniform']['pj_per_op']:.2f})")
        return bad


if __name__ == "__main__":
    if sys.argv[1:2] == ["pattern"]:
        sys.exit(1 if pattern() else 0)
    if sys.argv[1:2] == ["unit"] and len(sys.argv) == 4:
        sys.exit(1 if unit(sys.argv[2], sys.argv[3]) else 0)
    print(__doc__, file=sys.stderr)
    sys.exit(2)
