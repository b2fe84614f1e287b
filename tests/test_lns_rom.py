#!/usr/bin/env python3
"""The committed ROM of lns16_add_lut against the golden model (ctest: Rtl.LnsRomMatchesModel).

  test_lns_rom.py FMALAB

rtl/lns16_10_lut_rom.sv must be exactly what synth/lns_rom.py writes from FMALAB's tables (`fmalab
lnslut lns16_10 --lut-bits T`), so the ROM and the model cannot drift apart; and the check must
notice a file with one entry altered. Prints one line per check and `N passed, M failed`.
"""
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GENERATOR = os.path.join(ROOT, "synth", "lns_rom.py")
ROM = os.path.join(ROOT, "rtl", "lns16_10_lut_rom.sv")

from checks import check, finish  # noqa: E402  (one line per check, counted)


def generate(fmalab, *args):
    return subprocess.run([sys.executable, GENERATOR, "--fmalab", fmalab, *args], capture_output=True, text=True)


def main():
    if len(sys.argv) != 2:
        print("usage: test_lns_rom.py FMALAB", file=sys.stderr)
        sys.exit(2)
    fmalab = os.path.abspath(sys.argv[1])
    r = generate(fmalab, "--check")
    if r.returncode:
        print("  " + (r.stdout + r.stderr).strip())
    check(r.returncode == 0, "rtl/lns16_10_lut_rom.sv is what synth/lns_rom.py writes from the build's fmalab")

    with tempfile.TemporaryDirectory() as tmp:
        fresh = os.path.join(tmp, "rom.sv")
        r = generate(fmalab, "-o", fresh)
        check(r.returncode == 0 and os.path.isfile(fresh), f"the generator writes a file ({r.stderr.strip()[-200:]})")
        with open(fresh, encoding="utf-8") as f:
            text = f.read()
        # One entry of the T = 8 table off by one: --check must notice it.
        m = re.search(r"(9'd17: begin add_o = 19'sd)(\d+)", text)
        check(m is not None, "the T = 8 table has entry 17")
        if m:
            altered = os.path.join(tmp, "altered.sv")
            with open(altered, "w", encoding="utf-8") as f:
                f.write(text[:m.start(2)] + str(int(m.group(2)) + 1) + text[m.end(2):])
            r = generate(fmalab, "--check", "-o", altered)
            check(r.returncode == 1 and "differs" in r.stdout, "a ROM with one entry altered is caught")
    finish()


if __name__ == "__main__":
    main()
