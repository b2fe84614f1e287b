#!/usr/bin/env python3
"""synth/vectors.py, the Python reader and writer of vector files (ctest: Python.VectorFiles).

  test_vectors_py.py FMALAB

Reads the file `FMALAB vectors fma_e4m3_fp32 --count 1000 --seed 1` writes and checks every line
against the header's fields= widths by hand (not through the reader under test); reads the memh
layout of the same vectors to the same rows; writes a file that `FMALAB eval --check` accepts (the
C++ reader takes what the Python writer writes); round-trips a header with every option and a
grouped operand (a0..a3); and refuses, with one line naming the file and line, each malformed input:
wrong magic, no fields=, a bad option value, a line with a field too many or too few, a field of the
wrong width, a value wider than its bits, bad hex, and a memh file that ends inside a vector.
Prints one line per check and `N passed, M failed`; exit status 1 on a failure.
"""
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "synth"))
import errors  # noqa: E402
import vectors  # noqa: E402

from checks import check, finish  # noqa: E402  (one line per check, counted)


def fmalab_file(fmalab, tmp, *args):
    path = os.path.join(tmp, "v_" + "_".join(a.strip("-") for a in args[1:3]) + ".hex")
    r = subprocess.run([fmalab, "vectors", *args, "-o", path], capture_output=True, text=True)
    if r.returncode:
        print("  " + r.stderr.strip())
    return path


def by_hand(path):
    """Problems of a hex vector file found without vectors.py: every line after the header has the
    header's fields, each ceil(bits/4) lowercase hex digits and no wider than its bits."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    m = re.search(r"\bfields=(\S+)", lines[0])
    if not lines[0].startswith("// fmalab-vectors 2 ") or not m:
        return ["no header"], 0
    fields = [(n, int(b)) for n, b in (item.split(":") for item in m.group(1).split(","))]
    problems, rows = [], 0
    for n, line in enumerate(lines[1:], 2):
        if not line:
            continue
        toks = line.split(" ")
        rows += 1
        if len(toks) != len(fields):
            problems.append(f"line {n}: {len(toks)} fields")
            continue
        for tok, (name, bits) in zip(toks, fields):
            if not re.fullmatch(r"[0-9a-f]{%d}" % ((bits + 3) // 4), tok) or int(tok, 16) >> bits:
                problems.append(f"line {n}: {name}={tok!r} is not {bits} bits in fixed-width hex")
    return problems, rows


def real_files(fmalab, tmp):
    path = fmalab_file(fmalab, tmp, "fma_e4m3_fp32", "--count", "1000", "--seed", "1")
    problems, rows = by_hand(path)
    check(rows == 1000 and not problems, f"fmalab's file: 1000 lines, every field as fields= says {problems[:3]}")
    vf = vectors.read(path)
    h = vf.header
    check((h.unit, h.round, h.frm, h.mixed) == ("fma_e4m3_fp32", "rne", 0, False),
          f"header: unit={h.unit} round={h.round} frm={h.frm}")
    check(h.fields == [("a", 8), ("b", 8), ("c", 32), ("y", 32), ("flags", 5)], f"fields {h.fields}")
    check(h.options == {"sat": 0, "sr_bits": 8, "window": 0, "sticky": 1, "ftz_in": 0, "ftz_out": 0},
          f"options {h.options}")
    info = dict(h.info)
    check(info.get("count") == "1000" and info.get("seed") == "1" and "classes" in info, f"info {h.info}")
    with open(path, encoding="utf-8") as f:
        text = f.read().split("\n")
    want = [[int(t, 16) for t in ln.split()] for ln in text[1:] if ln]
    check(len(vf) == 1000 and vf.rows == want, "the rows are the file's numbers, in order")
    d = vf.dicts()[0]
    check(list(d) == h.names() and d["y"] == want[0][3], f"a row by field name: {d}")
    check(vf.column("flags") == [r[4] for r in want], "a column by name")
    check(vectors.format_rows(h, vf.rows) == "\n".join(t for t in text if t) + "\n",
          "writing the file back gives the same text")
    check(vectors.read_header(path).line() == h.line(), "read_header gives the same header")

    memh = fmalab_file(fmalab, tmp, "fma_e4m3_fp32", "--count", "50", "--seed", "1", "--format", "memh")
    vm = vectors.read(memh, "memh")
    check(vm.rows == vf.rows[:50], "the memh layout reads to the same rows")

    # The C++ reader takes what the Python writer writes: eval --check agrees with every vector,
    # and finds the one altered.
    out = os.path.join(tmp, "py.hex")
    rows = [list(r) for r in vf.rows[:200]]
    vectors.write(out, h, rows)
    r = subprocess.run([fmalab, "eval", "fma_e4m3_fp32", "--check", "-i", out], capture_output=True, text=True)
    check(r.returncode == 0 and "200 passed, 0 failed" in r.stdout,
          f"fmalab eval --check passes the Python-written file: {(r.stdout + r.stderr).strip()[-120:]!r}")
    rows[7][3] ^= 1
    vectors.write(out, h, rows)
    r = subprocess.run([fmalab, "eval", "fma_e4m3_fp32", "--check", "-i", out], capture_output=True, text=True)
    check(r.returncode == 1 and "199 passed, 1 failed" in r.stdout, "and finds the vector altered in it")


def header_round_trip():
    h = vectors.Header("dot:e4m3:fp32:4", [*((f"a{i}", 8) for i in range(4)), ("c", 32), ("rnd", 3), ("y", 32),
                                            ("flags", 5)], "mixed", {"sat": 1, "window": 40}, [("seed", "9")])
    line = h.line()
    back = vectors.Header.parse(line)
    check(line.startswith("// fmalab-vectors 2 unit=dot:e4m3:fp32:4 round=mixed sat=1 sr_bits=8 window=40 sticky=1 "
                          "ftz_in=0 ftz_out=0 fields=a0:8,a1:8,a2:8,a3:8,c:32,rnd:3,y:32,flags:5 seed=9"),
          f"a header as the C++ writer prints it: {line}")
    check((back.unit, back.round, back.options, back.fields, back.info, back.mixed, back.frm) ==
          (h.unit, "mixed", h.options, h.fields, [("seed", "9")], True, None), "parses back to the same")
    check(vectors.element_names("a", 1) == ["a"] and vectors.element_names("a", 3) == ["a0", "a1", "a2"],
          "element names: a; a0..a2")
    text = vectors.format_rows(h, [{"a0": 1, "a1": 2, "a2": 3, "a3": 4, "c": 5, "rnd": 4, "y": 0xabc, "flags": 1}],
                               "memh")
    check(text.split("\n")[1:] == ["01", "02", "03", "04", "00000005", "4", "00000abc", "01", ""],
          "memh: one field a line, fixed width")


HEADER = ("// fmalab-vectors 2 unit=u round=rne sat=0 sr_bits=8 window=0 sticky=1 ftz_in=0 ftz_out=0 "
          "fields=a:8,c:12,flags:5")
BAD = {
    "wrong magic": ("// fmalab-vectors 1 unit=u fields=a:8\n01\n", 1, "not a vector file"),
    "no header": ("01 002 00\n", 1, "not a vector file"),
    "empty": ("\n\n", None, "empty"),
    "no fields=": ("// fmalab-vectors 2 unit=u round=rne\n", 1, "no fields="),
    "no unit=": ("// fmalab-vectors 2 round=rne fields=a:8\n", 1, "no unit="),
    "bad round": (HEADER.replace("round=rne", "round=odd") + "\n", 1, "round="),
    "bad option": (HEADER.replace("sat=0", "sat=2") + "\n", 1, "sat"),
    "field width 0": (HEADER.replace("a:8", "a:0") + "\n", 1, "fields"),
    "field twice": (HEADER.replace("c:12", "a:12") + "\n", 1, "twice"),
    "a field too few": (HEADER + "\n01 002 00\n01 002\n", 3, "has 3 fields"),
    "a field too many": (HEADER + "\n01 002 00 00\n", 2, "has 3 fields"),
    "wrong width": (HEADER + "\n01 02 00\n", 2, "field c takes 3 hex digits"),
    "bad hex": (HEADER + "\n01 0g2 00\n", 2, "field c is not hex"),
    "0x prefix": (HEADER + "\n0x1 002 00\n", 2, "field a"),
    "wider than bits": (HEADER + "\n01 002 3f\n", 2, "wider than 5 bits"),
}


def malformed(tmp):
    for name, (text, line, words) in BAD.items():
        path = os.path.join(tmp, "bad.hex")
        with open(path, "w") as f:
            f.write(text)
        try:
            vectors.read(path)
            msg = None
        except errors.InputError as e:
            msg = str(e)
        where = f"{path}:{line}:" if line else f"{path}:"
        check(msg is not None and msg.startswith(where) and words in msg and "\n" not in msg,
              f"{name}: {msg!r}".replace(tmp, "$TMP"))
    path = os.path.join(tmp, "bad.memh")
    with open(path, "w") as f:
        f.write(HEADER + "\n01\n002\n00\n01\n002\n")
    try:
        vectors.read(path, "memh")
        msg = None
    except errors.InputError as e:
        msg = str(e)
    check(msg is not None and msg.startswith(f"{path}:6:") and "ends inside a vector" in msg,
          f"memh ending inside a vector: {msg!r}".replace(tmp, "$TMP"))
    # The command line: one line on stderr naming the file, status 2.
    path = os.path.join(tmp, "bad.hex")
    with open(path, "w") as f:
        f.write(HEADER + "\n01 002 00\n01 02 00\n")
    r = subprocess.run([sys.executable, os.path.join(ROOT, "synth", "vectors.py"), "check", path], capture_output=True,
                       text=True)
    check(r.returncode == 2 and r.stderr.count("\n") == 1 and f"{path}:3:" in r.stderr,
          f"vectors.py check: {r.stderr.strip()!r}".replace(tmp, "$TMP"))


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    fmalab = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as tmp:
        real_files(fmalab, tmp)
        header_round_trip()
        malformed(tmp)
    finish()


if __name__ == "__main__":
    main()
