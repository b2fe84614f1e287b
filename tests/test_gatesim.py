#!/usr/bin/env python3
"""Checks the gate-level simulation and toggle counting of synth/gatesim.py (ctest: Synth.*).

  test_gatesim.py pattern          a known pattern through eight inverters: exactly 28 toggles
  test_gatesim.py ports            the harness on ports it has never seen: 16 values per port (128-bit
                                   ports), rnd from the header or a rnd column, flags; malformed
                                   files refused with one line naming the file and line
  test_gatesim.py unit FMALAB UNIT  a real unit's netlist: cosimulates clean against the golden
                                    model on 100k vectors, and the all-zero stream is the floor
"""
import os
import random
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "synth"))
import flow  # noqa: E402
import gatesim  # noqa: E402
import registry  # noqa: E402
import vectors  # noqa: E402

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
        probe = registry.unit_of("toggle_probe", ["a:8", "b:8", "c:32"], ["y:32"])  # not a registry unit
        g = gatesim.GateModel("toggle_probe", work, probe)
        streams = {"pattern": [0x00, 0xFF, 0x00, 0xFF, 0x0F], "zero": [0x00] * 5}
        header = vectors.Header("toggle_probe", [("a", 8), ("b", 8), ("c", 32), ("y", 32), ("flags", 5)])
        files = {}
        for name, values in streams.items():
            files[name] = os.path.join(work, name + ".hex")
            vectors.write(files[name], header, [[v, 0, 0, 0xFF & ~v, 0] for v in values])
        res, failed = gatesim.simulate(g, files)
        bad = check(not failed, "the probe's netlist computes ~a")
        bad += check(abs(res["pattern"]["toggles_per_op"] * 5 - 28) < 1e-9,
                     f"pattern: {res['pattern']['toggles_per_op'] * 5:.0f} cell-output toggles (want 28)")
        bad += check(res["zero"]["toggles_per_op"] == 0 and res["zero"]["pj_per_op"] == 0, "zero stream: no toggles")
        inv = [c for c, _ in g.insts]
        bad += check(inv and all(c.startswith("INV") for c in inv), f"cells: {sorted(set(inv))}")
        return bad


N = 16
PORTS_PROBE = f"""module ports_probe #(parameter int MUL_ARCH = 0) (
    input logic [8*{N}-1:0] a, input logic [8*{N}-1:0] b, input logic [2:0] rnd,
    output logic [8*{N}-1:0] y, output logic [4:0] flags);
  assign y = a ^ b;
  assign flags = {{2'b00, rnd}};
endmodule
"""


def ports():
    """The harness maps columns to ports by name: element i of a 16-value port at [8i +: 8]."""
    rng = random.Random(5)
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "ports_probe.sv")
        with open(src, "w") as f:
            f.write(PORTS_PROBE)
        flow.synthesize("ports_probe", "array", tmp, sources=[src])
        work = os.path.join(tmp, "ports_probe_array")
        probe = registry.unit_of("ports_probe", [f"a:8x{N}", f"b:8x{N}", "rnd:3"], [f"y:8x{N}", "flags:5"])
        g = gatesim.GateModel("ports_probe", work, probe)
        ops = [f"{g_}{i}" for g_ in "ab" for i in range(N)]
        files, bad = {}, 0
        for name, mixed in (("rup", False), ("mixed", True)):
            fields = [(n, 8) for n in ops] + ([("rnd", 3)] if mixed else []) + [(f"y{i}", 8) for i in range(N)] + \
                     [("flags", 5)]
            rows = []
            for _ in range(200):
                r = {n: rng.randrange(256) for n in ops}
                frm = rng.randrange(5) if mixed else 3
                r.update({"rnd": frm, "flags": frm, **{f"y{i}": r[f"a{i}"] ^ r[f"b{i}"] for i in range(N)}})
                rows.append(r)
            files[name] = os.path.join(work, name + ".hex")
            vectors.write(files[name], vectors.Header("ports_probe", fields, "mixed" if mixed else "rup"), rows)
        files.update(gatesim.write_streams(None, "ports_probe", work, 50, 1, ["zero"], probe))
        res, failed = gatesim.simulate(g, files)
        bad += check(not failed and [res[n]["vectors"] for n in files] == [200, 200, 50],
                     f"128-bit ports, rnd from round=rup and from a rnd column, the zero stream: "
                     f"{ {n: (r['vectors'], r['failed']) for n, r in res.items()} }")
        # One expected element altered: the harness names the line and the column.
        vf = vectors.read(files["rup"])
        vf.rows[9][vf.header.names().index(f"y{N - 1}")] ^= 0x80
        vectors.write(files["rup"], vf.header, vf.rows)
        r = gatesim.run([g.exe, work, f"rup={files['rup']}"])
        bad += check(r.returncode == 1 and "rup: 200 vectors, 1 failed" in r.stdout and
                     f"MISMATCH rup line 11: netlist y{N - 1}=" in r.stdout,
                     f"an altered y15 fails: {r.stdout.strip()!r}")
        # Malformed files: exit status 2, one line naming the file and line.
        h = vf.header
        cases = {
            "no header": ("00 " * 33 + "00\n", ":1:", "not a vector file"),
            "a column that is no port": (h.line().replace(",flags:5", ",z:8,flags:5") + "\n", ":1:",
                                         "field z is no port"),
            "a port no column feeds": (h.line().replace("b7:8,", "") + "\n", ":1:", "no column feeds port b element 7"),
            "a rnd column without round=mixed": (h.line().replace(",y0:8", ",rnd:3,y0:8") + "\n", ":1:", "round=rup"),
            "a field of the wrong width": (h.line() + "\n" + " ".join(["00"] * 48 + ["0"]) + "\n", ":2:",
                                           "field flags takes 2 hex digits"),
            "a field too few": (h.line() + "\n" + " ".join(["00"] * 48) + "\n", ":2:", "48 fields, the header has 49"),
        }
        for what, (text, line, words) in cases.items():
            path = os.path.join(work, "bad.hex")
            with open(path, "w") as f:
                f.write(text)
            r = gatesim.subprocess.run([g.exe, work, f"bad={path}"], capture_output=True, text=True)
            err = r.stderr.strip()
            bad += check(r.returncode == 2 and len(err.splitlines()) == 1 and path + line in err and words in err,
                         f"{what}: {err!r}".replace(tmp, "$TMP"))
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
    if sys.argv[1:2] == ["ports"]:
        sys.exit(1 if ports() else 0)
    if sys.argv[1:2] == ["unit"] and len(sys.argv) == 4:
        sys.exit(1 if unit(sys.argv[2], sys.argv[3]) else 0)
    print(__doc__, file=sys.stderr)
    sys.exit(2)
