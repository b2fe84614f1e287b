#!/usr/bin/env python3
"""The RTL in other people's flows (ctest: Rtl.CompileLines).

  test_rtl_flows.py FMALAB

Runs the README's compile lines (the block between <!-- compile-lines --> markers) and the build
lines in sim/icarus_tb.sv's header (the template synth/testbench.py fills) as written, from the
repository root, with OUT a temporary directory and build/bin/fmalab replaced by FMALAB: each must
succeed, Icarus must print no `sorry: constant selects` line (its only `sorry` is the explained one
about unique case), and the generated testbench must pass every vector. Prints one line per check
and `N passed, M failed`.
"""
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ALLOWED_SORRY = "sorry: Case unique/unique0 qualities are ignored."

from checks import check, finish  # noqa: E402  (one line per check, counted)


def readme_lines():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        m = re.search(r"<!-- compile-lines -->\n```sh\n(.*?)```\n<!-- /compile-lines -->", f.read(), re.S)
    return m.group(1) if m else ""


def testbench_lines():
    """The indented command lines under sim/icarus_tb.sv's 'Rtl.CompileLines runs these lines'."""
    lines, on = [], False
    with open(os.path.join(ROOT, "sim", "icarus_tb.sv"), encoding="utf-8") as f:
        for line in f:
            if "Rtl.CompileLines runs these lines" in line:
                on = True
            elif on and line.startswith("//   "):
                lines.append(line[2:].strip() + "\n")
            elif on:
                break
    return "".join(lines)


def run(script, fmalab, out):
    script = script.replace("build/bin/fmalab", fmalab)
    env = dict(os.environ, OUT=out)
    r = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=ROOT, env=env, capture_output=True,
                       text=True)
    return r.returncode, r.stdout + r.stderr


def judge(name, script, fmalab, out, want_pass=None):
    check(script.strip() != "", f"{name}: found the lines")
    if not script.strip():
        return
    code, text = run(script, fmalab, out)
    if code:
        print("  " + text.strip().replace("\n", "\n  ")[-1500:])
    check(code == 0, f"{name}: every line succeeds")
    sorry = [ln for ln in text.splitlines() if "sorry" in ln]
    check(not any("constant selects" in ln for ln in sorry), f"{name}: no Icarus 'constant selects' sorry")
    odd = [ln for ln in sorry if ALLOWED_SORRY not in ln]
    check(not odd, f"{name}: no Icarus sorry but the unique-case one {odd[:3]}")
    if want_pass:
        check(re.search(rf"^{want_pass} passed, 0 failed$", text, re.M),
              f"{name}: the testbench passes {want_pass} of {want_pass} vectors")


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    fmalab = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as tmp:
        judge("README compile lines", readme_lines(), fmalab, os.path.join(tmp, "readme"), want_pass=1000)
        os.makedirs(os.path.join(tmp, "tb"))
        judge("sim/icarus_tb.sv build lines", testbench_lines(), fmalab, os.path.join(tmp, "tb"), want_pass=1000)
    finish()


if __name__ == "__main__":
    main()
