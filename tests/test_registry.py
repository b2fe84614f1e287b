#!/usr/bin/env python3
"""The RTL unit registry against the RTL (ctest: Registry.MatchesRtl).

rtl/units.json must list every unit top in rtl/ (a module no other rtl/ module instantiates), name
only modules that exist, with the ports they declare; each unit's file list (synth/registry.py) must
be exactly what its top needs (Verilator -Wall reads it alone, with no module missing and no second
top: MULTITOP); the README's unit table must be the one the registry gives. The checks check
themselves on a temporary copy of rtl/: a planted unit file, a row naming no module, a wrong port
width, a port on the wrong side, a module pulled into a datapath and an edited README table must each
be caught; a port of several values (a:8x4) must match its module's [8*4-1:0]; malformed port strings
and the old `ports` object are refused with one line.
Prints one line per check and `N passed, M failed`; exit status 1 on a failure.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "synth"))
import registry  # noqa: E402

from checks import check, finish  # noqa: E402  (one line per check, counted)


def readme_table_problem(readme_text, reg):
    """None when the README's generated block is the registry's table, else what differs."""
    m = re.search(r"<!-- units-table.*?-->\n(.*?)<!-- /units-table -->", readme_text, re.S)
    if not m:
        return "no <!-- units-table --> block"
    want = registry.readme_table(reg)
    if m.group(1) != want:
        return f"README table differs from `python3 synth/registry.py readme`:\n{m.group(1)}---\n{want}"
    return None


def lint_filelist(unit):
    """Verilator -Wall on exactly the unit's files, with no --top-module: '' when clean."""
    r = subprocess.run(["verilator", "--lint-only", "-Wall", *unit.files()], capture_output=True, text=True)
    return "" if r.returncode == 0 else (r.stderr or r.stdout).strip()[-600:]


def real_tree():
    reg = registry.load()
    problems = registry.check(reg)
    for p in problems:
        print("  " + p)
    check(not problems, f"rtl/units.json lists every unit top in rtl/, and only modules rtl/ defines, with their ports "
                        f"({len(reg.units)} units)")
    check(sorted(registry.Rtl(reg.rtl_dir).tops()) == sorted(u.top for u in reg.units),
          "the unit tops found in rtl/ are the registry's tops")
    for u in reg.units:
        files = u.files()
        check(files[0].endswith(reg.package) and len(set(files)) == len(files),
              f"{u.name}: file list starts with the package, no file twice ({len(files)} files)")
        err = lint_filelist(u)
        if err:
            print("  " + err.replace("\n", "\n  "))
        check(not err, f"{u.name}: Verilator -Wall reads exactly its file list (no missing module, no second top)")
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        problem = readme_table_problem(f.read(), reg)
    if problem:
        print("  " + problem.replace("\n", "\n  "))
    check(problem is None, "README's RTL unit table is `python3 synth/registry.py readme`")
    for f in reg.faults:
        check(reg.find(f["unit"]) is not None and 1 <= f["stage"] <= 7, f"fault build {f}: a unit and a stage")


def planted(tmp):
    """The checks on a copy of rtl/ with one thing wrong at a time."""
    rtl = os.path.join(tmp, "rtl")
    shutil.copytree(os.path.join(ROOT, "rtl"), rtl)
    path = os.path.join(rtl, "units.json")
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    check(not registry.check(registry.load(path)), "the copy of rtl/ passes as it is")

    # A unit file with no row.
    fake = os.path.join(rtl, "fma_fake_unit.sv")
    with open(fake, "w") as f:
        f.write("module fma_fake_unit #(parameter int MUL_ARCH = 0) (input logic [7:0] a, b, c, output logic [7:0] y);\n"
                "  assign y = a & b & c;\nendmodule\n")
    problems = registry.check(registry.load(path))
    check(any("fma_fake_unit" in p for p in problems), f"a planted unit file without a row is caught: {problems}")
    os.remove(fake)

    def with_doc(d):
        with open(path, "w") as f:
            json.dump(d, f)
        return registry.load(path)

    def load_error(d):
        """The one-line error loading d gives ("" when it loads)."""
        try:
            with_doc(d)
            return ""
        except registry.errors.InputError as e:
            return str(e)

    # A row naming a module that does not exist.
    ghost = {"name": "ghost_unit", "op": "fma:e4m3:fp32", "in": ["a:8", "b:8", "c:32"], "out": ["y:32"]}
    problems = registry.check(with_doc({**doc, "units": doc["units"] + [ghost]}))
    check(any("ghost_unit" in p for p in problems), f"a row naming no module is caught: {problems}")

    # A row whose port width differs from its module's, or whose port is on the wrong side.
    wrong = json.loads(json.dumps(doc))
    wrong["units"][0]["in"][2] = "c:33"
    problems = registry.check(with_doc(wrong))
    check(any(wrong["units"][0]["name"] in p and "ports" in p for p in problems),
          f"a wrong port width is caught: {problems}")
    wrong = json.loads(json.dumps(doc))
    row = wrong["units"][0]
    row["in"], row["out"] = row["in"][:-1], [row["in"][-1]] + row["out"]  # c declared an output
    problems = registry.check(with_doc(wrong))
    check(any(row["name"] in p and "output c[" in p for p in problems), f"a port on the wrong side is caught: {problems}")

    # Ports of several values: name:bitsxcount is one port of bits*count bits, as the module declares
    # it ([8*4-1:0] or [31:0]); the README table shows it as a[4][7:0].
    with open(os.path.join(rtl, "dot4_probe.sv"), "w") as f:
        f.write("module dot4_probe #(parameter int MUL_ARCH = 0) (\n    input logic [8*4-1:0] a,\n"
                "    input logic [31:0] b, c,\n    output logic [31:0] y);\n  assign y = a ^ b ^ c;\nendmodule\n")
    dot = {"name": "dot4_probe", "op": "dot:int8:int32:4", "in": ["a:8x4", "b:8x4", "c:32"], "out": ["y:32"]}
    reg = with_doc({**doc, "units": doc["units"] + [dot]})
    u = reg.find("dot4_probe")
    check(not registry.check(reg) and u.inputs == [("a", 8, 4), ("b", 8, 4), ("c", 32, 1)] and
          [p.width for p in u.inputs] == [32, 32, 32] and not u.has_rnd and not u.has_flags,
          f"a:8x4 matches [8*4-1:0] and [31:0] ({registry.check(reg)}; {u.inputs})")
    check("| `dot4_probe` | a[4][7:0] b[4][7:0] c[31:0] -> y[31:0] |" in registry.readme_table(reg),
          "the README table shows a port of 4 values as a[4][7:0]")
    reg = with_doc({**doc, "units": doc["units"] + [{**dot, "in": ["a:8x3", "b:8x4", "c:32"]}]})
    check(any("dot4_probe" in p for p in registry.check(reg)), "a count that does not fit the width is caught")
    os.remove(os.path.join(rtl, "dot4_probe.sv"))

    # Malformed port strings: one line naming the file and the unit.
    for bad, words in (("a8", "not name:bits"), ("a:0", "bits per element"), ("a:8x0", "count"),
                       ("a:8y2", "not name:bits"), ("rnd:4", "rnd"), ("stages:64", "FMALAB_STAGES")):
        broken = json.loads(json.dumps(doc))
        broken["units"][1]["in"][0] = bad
        msg = load_error(broken)
        check(msg.startswith(path) and broken["units"][1]["name"] in msg and words in msg and "\n" not in msg,
              f"port {bad!r} is refused: {msg!r}")
    broken = json.loads(json.dumps(doc))
    broken["units"][1]["out"] = ["y:32", "flags:5", "rnd:3"]
    broken["units"][1]["in"].remove("rnd:3")
    msg = load_error(broken)
    check("'rnd' must be an input" in msg, f"rnd as an output is refused: {msg!r}")
    old = json.loads(json.dumps(doc))
    old["units"][0] = {k: v for k, v in old["units"][0].items() if k not in ("in", "out")}
    old["units"][0]["ports"] = {"a": 8, "b": 8, "c": 32, "y": 32}
    msg = load_error(old)
    check("old schema" in msg, f"the old 'ports' object is refused with a word on the new schema: {msg!r}")

    # The README table differs when the registry does.
    reg = with_doc({**doc, "units": doc["units"][1:]})
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        check(readme_table_problem(f.read(), reg) is not None, "a README table that differs from the registry is caught")

    # File lists follow instantiations: an unrelated module stays out, one that a datapath
    # instantiates comes in.
    reg = with_doc(doc)
    extra = os.path.join(rtl, "aaa_unrelated.sv")
    with open(extra, "w") as f:
        f.write("module aaa_unrelated (input logic [15:0] a, output logic [31:0] y);\n  assign y = a * a;\nendmodule\n")
    mac = reg.find("mac_int8")
    check(extra not in mac.files(), "an unrelated module is in no unit's file list")
    mac_int = os.path.join(rtl, "mac_int.sv")
    with open(mac_int, encoding="utf-8") as f:
        text = f.read()
    with open(mac_int, "w") as f:
        f.write(text.replace("endmodule", "  logic [31:0] unrelated_y;\n  aaa_unrelated u_x (.a(16'(a_i)), .y(unrelated_y));"
                                          "\nendmodule"))
    reg = with_doc(doc)
    check(extra in reg.find("mac_int8").files() and extra not in reg.find("fma_e4m3_fp32").files(),
          "a module a datapath instantiates joins the file lists of the units above it only")


def main():
    real_tree()
    with tempfile.TemporaryDirectory() as tmp:
        planted(tmp)
    finish()


if __name__ == "__main__":
    main()
