#!/usr/bin/env python3
"""The README's SystemVerilog testbench, sim/vector_tb.sv, under both simulators (ctest:
Rtl.ReadmeTestbench).

  test_vector_tb.py FMALAB

The README shows the file verbatim (the block between <!-- vector-tb --> markers must be the file) and
the lines that run it (between <!-- vector-tb-lines --> markers): they run as written from the
repository root, with OUT a temporary directory and build/bin/fmalab replaced by FMALAB, and Icarus and
the Verilator binary must each print `1000 passed, 0 failed`. Then each simulator runs the same
testbench on a copy of the vector file with one expected result altered: it must print `999 passed, 1
failed` and the MISMATCH line, and exit nonzero. Prints one line per check and `N passed, M failed`.
"""
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
from checks import check, finish  # noqa: E402  (one line per check, counted)


def readme_block(marker, lang):
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        m = re.search(rf"<!-- {marker} -->\n```{lang}\n(.*?)```\n<!-- /{marker} -->", f.read(), re.S)
    return m.group(1) if m else None


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    fmalab = os.path.abspath(sys.argv[1])
    with open(os.path.join(ROOT, "sim", "vector_tb.sv"), encoding="utf-8") as f:
        tb = f.read()
    shown = readme_block("vector-tb", "systemverilog")
    check(shown == tb, "the README's testbench is sim/vector_tb.sv, verbatim")
    lines = readme_block("vector-tb-lines", "sh")
    check(bool(lines), "the README has the lines that run it")
    if not lines:
        return
    with tempfile.TemporaryDirectory() as out:
        env = dict(os.environ, OUT=out)
        r = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", lines.replace("build/bin/fmalab", fmalab)],
                           cwd=ROOT, env=env, capture_output=True, text=True)
        text = r.stdout + r.stderr
        if r.returncode:
            print("  " + text.strip().replace("\n", "\n  ")[-1500:])
        check(r.returncode == 0, "every line succeeds")
        summaries = re.findall(r"^\d+ passed, \d+ failed$", r.stdout, re.M)
        check(summaries == ["1000 passed, 0 failed"] * 2, f"Icarus, then Verilator: {summaries}")
        warnings = [ln for ln in text.splitlines() if ln.startswith("%Warning")]
        check(not warnings, f"Verilator -Wall: no warning {warnings[:3]}")

        # One expected result altered: both simulators must say so and fail.
        vec = os.path.join(out, "v.hex")
        with open(vec, encoding="utf-8") as f:
            rows = f.read().split("\n")
        fields = rows[500].split(" ")
        fields[3] = f"{int(fields[3], 16) ^ 1:08x}"
        rows[500] = " ".join(fields)
        bad = os.path.join(out, "bad.hex")
        with open(bad, "w", encoding="utf-8") as f:
            f.write("\n".join(rows))
        for sim, cmd in (("Icarus", ["vvp", "-n", os.path.join(out, "vector_tb.vvp"), f"+vectors={bad}"]),
                         ("Verilator", [os.path.join(out, "obj", "Vvector_tb"), f"+vectors={bad}"])):
            r = subprocess.run(cmd, capture_output=True, text=True, cwd=out)
            want = f"MISMATCH a={fields[0]} b={fields[1]} c={fields[2]}: "
            check(r.returncode != 0 and "999 passed, 1 failed" in r.stdout and want in r.stdout,
                  f"{sim}: the altered vector fails, exit status {r.returncode}: "
                  f"{[ln for ln in r.stdout.splitlines() if 'MISMATCH' in ln or 'passed' in ln]}")


if __name__ == "__main__":
    main()
    finish()
