#!/usr/bin/env python3
"""The registry-driven Icarus testbench on units no hand-written testbench knows (ctest:
Icarus.AnyUnitTestbench).

  test_testbench.py FMALAB

A probe unit in a registry of its own (a temporary rtl/ with the package): ports of 16 values each
(a:8x16, b:8x16 -> y:8x16, 128 bits wide), rnd, flags, and a row parameter (K), so the testbench must
pack elements by name, drive rnd from the header's round= or from a rnd column (round=mixed), and set
the parameter on the instance. sim/bench_icarus.py --vectors runs it on vector files written with
synth/vectors.py: clean files pass; one expected element altered fails with exit status 1; files
whose columns do not fit the unit (a column missing, an extra one, a wrong width, a rnd column without
round=mixed, another unit) are refused with one line naming the file, before Icarus runs; the
generated testbench itself refuses a file whose header differs from the one it was made for. Then a
real unit from a round=mixed file of FMALAB (each vector its own mode).
Prints one line per check and `N passed, M failed`; exit status 1 on a failure.
"""
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "synth"))
import registry  # noqa: E402
import testbench  # noqa: E402
import vectors  # noqa: E402

BENCH = os.path.join(ROOT, "sim", "bench_icarus.py")
N = 16  # values per port
PROBE = f"""// A probe for the testbench generator: element-wise y_i = a_i ^ b_i ^ K, flags = rnd.
module vec_probe #(parameter int MUL_ARCH = 0, parameter int K = 0) (
    input  logic [8*{N}-1:0] a,
    input  logic [8*{N}-1:0] b,
    input  logic [2:0] rnd,
    output logic [8*{N}-1:0] y,
    output logic [4:0] flags
);
  assign y = a ^ b ^ {{{N}{{8'(K + MUL_ARCH)}}}};
  assign flags = {{2'b00, rnd}};
endmodule
"""
ROW = {"name": "vec_probe", "op": "probe:vec", "in": [f"a:8x{N}", f"b:8x{N}", "rnd:3"], "out": [f"y:8x{N}", "flags:5"],
       "params": {"K": 0x5a}}

from checks import check, finish  # noqa: E402  (one line per check, counted)


def probe_registry(tmp):
    rtl = os.path.join(tmp, "rtl")
    os.makedirs(rtl)
    shutil.copy(os.path.join(ROOT, "rtl", "fmalab_pkg.sv"), rtl)
    with open(os.path.join(rtl, "vec_probe.sv"), "w") as f:
        f.write(PROBE)
    path = os.path.join(rtl, "units.json")
    with open(path, "w") as f:
        json.dump({"package": "fmalab_pkg.sv", "variants": {"array": {"MUL_ARCH": 0}}, "units": [ROW]}, f)
    return path


def probe_file(path, count, mixed, seed=1):
    """Vectors of the probe with their expected results (K = 0x5a), written through vectors.py."""
    rng = random.Random(seed)
    names = [f"{g}{i}" for g in "ab" for i in range(N)]
    fields = [(n, 8) for n in names] + ([("rnd", 3)] if mixed else []) + [(f"y{i}", 8) for i in range(N)]
    fields.append(("flags", 5))
    rows = []
    for _ in range(count):
        r = {n: rng.randrange(256) for n in names}
        frm = rng.randrange(5) if mixed else 3
        if mixed:
            r["rnd"] = frm
        r.update({f"y{i}": r[f"a{i}"] ^ r[f"b{i}"] ^ 0x5a for i in range(N)})
        r["flags"] = frm
        rows.append(r)
    h = vectors.Header("vec_probe", fields, "mixed" if mixed else "rup", info=[("count", str(count))])
    vectors.write(path, h, rows)
    return h, rows


def bench(reg, work, vec, large=300):
    return subprocess.run([sys.executable, BENCH, "--registry", reg, "--unit", "vec_probe", "--vectors", vec,
                           "--work", work, "--small", "100", "--large", str(large)], capture_output=True, text=True)


def probe(tmp):
    reg = probe_registry(tmp)
    check(not registry.check(registry.load(reg)), "the probe's row matches its module (a:8x16 is [8*16-1:0])")
    work = os.path.join(tmp, "work")
    for mixed in (False, True):
        name = "round=mixed, rnd per vector" if mixed else "round=rup, rnd from the header"
        vec = os.path.join(tmp, f"probe_{mixed}.hex")
        h, rows = probe_file(vec, 300, mixed)
        r = bench(reg, work, vec)
        check(r.returncode == 0 and "300 passed, 0 failed" in r.stdout,
              f"probe, {name}: {(r.stdout + r.stderr).strip()[-200:]}")
        rows[123][f"y{N - 1}"] ^= 0x80  # the last element: the top byte of the 128-bit port
        vectors.write(vec, h, rows)
        r = bench(reg, work, vec)
        check(r.returncode == 1 and "299 passed, 1 failed" in r.stdout and "MISMATCH vector 123" in r.stdout,
              f"probe, {name}: one altered element fails: {r.stdout.strip()[-300:]}")

    # Files that do not fit the unit: refused in Python, one line naming the file, no Icarus run.
    h, rows = probe_file(os.path.join(tmp, "ok.hex"), 300, False)
    cases = {
        "a column missing": ([(n, b) for n, b in h.fields if n != "b7"], "rup", "no field b7:8"),
        "a column that is no port": (h.fields[:-1] + [("z", 8), ("flags", 5)], "rup", "z:8 is no port"),
        "a column of the wrong width": ([(n, 16 if n == "a0" else b) for n, b in h.fields], "rup", "a0 is 16 bits"),
        "a rnd column without round=mixed": (h.fields[:2 * N] + [("rnd", 3)] + h.fields[2 * N:], "rup",
                                             "needs round=mixed"),
        "round=mixed without a rnd column": (h.fields, "mixed", "no field rnd:3"),
    }
    for what, (fields, rnd, words) in cases.items():
        bad = os.path.join(tmp, "bad.hex")
        vectors.write(bad, vectors.Header("vec_probe", fields, rnd), [[0] * len(fields)] * 300)
        r = bench(reg, os.path.join(tmp, "w_bad"), bad)
        err = r.stderr.strip()
        check(r.returncode == 2 and len(err.splitlines()) == 1 and bad in err and words in err,
              f"{what} is refused: {err!r}".replace(tmp, "$TMP"))
    other = os.path.join(tmp, "other.hex")
    vectors.write(other, vectors.Header("fma_e4m3_fp32", h.fields, "rup"), [[0] * len(h.fields)] * 300)
    r = bench(reg, os.path.join(tmp, "w_other"), other)
    check(r.returncode == 2 and "not vec_probe" in r.stderr, f"another unit's file is refused: {r.stderr.strip()!r}"
          .replace(tmp, "$TMP"))

    # The testbench checks the header again when it runs: one made for round=rup files refuses a
    # mixed one, and one whose fields differ.
    tb_dir = os.path.join(tmp, "tb")
    os.makedirs(tb_dir)
    unit = registry.load(reg).need("vec_probe")
    tb = os.path.join(tb_dir, "tb.sv")
    with open(tb, "w") as f:
        f.write(testbench.generate(unit, h))
    vvp = os.path.join(tb_dir, "tb.vvp")
    c = subprocess.run(["iverilog", "-g2012", "-s", "icarus_tb", "-DMAX_VECTORS=300", "-o", vvp, *unit.files(), tb],
                       capture_output=True, text=True)
    check(c.returncode == 0, f"the generated testbench compiles on its own {c.stderr.strip()[-200:]}")
    for what, path in (("round=mixed", os.path.join(tmp, "probe_True.hex")), ("other fields", other)):
        r = subprocess.run(["vvp", "-n", vvp, f"+vectors={path}"], capture_output=True, text=True)
        out = r.stdout + r.stderr
        check(r.returncode != 0 and "FATAL" in out and "passed" not in out,
              f"at run time it refuses a file with {what}: {out.strip().splitlines()[:1]}".replace(tmp, "$TMP"))


def run_bench(vec, tmp):
    return subprocess.run([sys.executable, BENCH, "--unit", "fma_e4m3_bf16", "--vectors", vec, "--work",
                           os.path.join(tmp, "w_mixed"), "--small", "100", "--large", "600"],
                          capture_output=True, text=True)


def real_unit_mixed(fmalab, tmp):
    """fma_e4m3_bf16 from a round=mixed file: every vector its own mode, from the rnd column."""
    vec = os.path.join(tmp, "mixed.hex")
    r = subprocess.run([fmalab, "vectors", "fma_e4m3_bf16", "--count", "600", "--seed", "3", "--round", "mixed",
                        "-o", vec], capture_output=True, text=True)
    check(r.returncode == 0, f"fmalab vectors --round mixed: {r.stderr.strip()!r}")
    if r.returncode:
        return
    vf = vectors.read(vec)
    modes = sorted(set(vf.column("rnd")))
    check(vf.header.mixed and modes == [0, 1, 2, 3, 4], f"fmalab's round=mixed file has a rnd column of {modes}")
    r = run_bench(vec, tmp)
    check(r.returncode == 0 and "600 passed, 0 failed" in r.stdout,
          f"fma_e4m3_bf16 in Icarus, round=mixed: {(r.stdout + r.stderr).strip()[-200:]}")
    # Every rdn vector relabelled rne: the testbench must fail exactly the vectors the golden model
    # says differ between the two modes (it takes each vector's mode from its column).
    rows = [list(x) for x in vf.rows]
    relabelled = sum(1 for x in rows if x[3] == 2)
    for x in rows:
        x[3] = 0 if x[3] == 2 else x[3]
    vectors.write(vec, vf.header, rows)
    model = subprocess.run([fmalab, "eval", "fma_e4m3_bf16", "--check", "-i", vec], capture_output=True, text=True)
    r = run_bench(vec, tmp)
    want = re.search(r"\d+ passed, \d+ failed", model.stdout)
    check(want and want.group(0) != "600 passed, 0 failed" and f"{want.group(0)};" in r.stdout,
          f"{relabelled} rdn vectors relabelled rne: Icarus and fmalab eval --check agree "
          f"({want.group(0) if want else model.stderr.strip()}; {r.stdout.strip().splitlines()[-1:]})")


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    with tempfile.TemporaryDirectory() as tmp:
        probe(tmp)
        real_unit_mixed(os.path.abspath(sys.argv[1]), tmp)
    finish()


if __name__ == "__main__":
    main()
