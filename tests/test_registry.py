#!/usr/bin/env python3
"""The RTL unit registry against the RTL (ctest: Registry.MatchesRtl).

rtl/units.json must list every unit top in rtl/ (a module no other rtl/ module instantiates), name
only modules that exist, with the ports they declare; each unit's file list (synth/registry.py) must
be exactly what its top needs (Verilator -Wall reads it alone, with no module missing and no second
top: MULTITOP); the README's unit table must be the one the registry gives. The checks check
themselves on a temporary copy of rtl/: a planted unit file, a row naming no module, a wrong port
width, a module pulled into a datapath and an edited README table must each be caught.
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

results = []


def check(cond, what):
    print(f"{'ok   ' if cond else 'WRONG'} {what}")
    results.append(bool(cond))


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

    # A row naming a module that does not exist.
    ghost = {"name": "ghost_unit", "op": "fma:e4m3:fp32", "ports": {"a": 8, "b": 8, "c": 32, "y": 32}}
    problems = registry.check(with_doc({**doc, "units": doc["units"] + [ghost]}))
    check(any("ghost_unit" in p for p in problems), f"a row naming no module is caught: {problems}")

    # A row whose port width differs from its module's.
    wrong = json.loads(json.dumps(doc))
    wrong["units"][0]["ports"]["c"] += 1
    problems = registry.check(with_doc(wrong))
    check(any(wrong["units"][0]["name"] in p and "ports" in p for p in problems),
          f"a wrong port width is caught: {problems}")

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
    failed = results.count(False)
    print(f"{len(results) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
