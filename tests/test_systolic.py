#!/usr/bin/env python3
"""fmalab systolic (ctest: Systolic.Cli).

  test_systolic.py FMALAB

No expected value comes from the array model itself:
- D against `fmalab gemm`'s D, byte for byte, on random matrices through fma, dot (exact and h100),
  mac:int8 and lnsmac, with M, N and K not multiples of R, C and K', on 1x1, square and non-square
  arrays (gemm is checked against numpy and against `fmalab eval` chains by tests/test_gemm.py);
- mxdot (gemm does not take it) against the chunks chained through `fmalab eval mxdot:...`, each
  chunk with its block's scales, a short last chunk on the shorter unit;
- the stats against the closed form of the documented schedule: cycles = R + tiles (T + 2R + C - 2),
  busy PE-cycles = M N T, utilization, operand hops, partial-sum shifts, loads and drain reads;
- bad input: exit status 2, one line, the old D untouched, no temporary left behind.
Prints one line per check and `N passed, M failed`; exit status 1 on a failure.
"""
import atexit
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError:
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])
    print("test_systolic.py needs numpy (Debian: python3-numpy)")
    sys.exit(1)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, finish  # noqa: E402

FMALAB = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/bin/fmalab")
TMP = tempfile.mkdtemp(prefix="fmalab-systolic-")
atexit.register(shutil.rmtree, TMP, ignore_errors=True)
RNG = np.random.default_rng(20240920)


def run(*args, stdin=None):
    return subprocess.run([FMALAB, *args], input=stdin, capture_output=True, text=True, cwd=TMP)


def save(name, arr):
    np.save(os.path.join(TMP, name), arr)
    return name


def load(name):
    return np.load(os.path.join(TMP, name))


def matrices(a, b, c=None, xa=None, xb=None):
    args = ["--a", save("A.npy", a), "--b", save("B.npy", b)]
    if c is not None:
        args += ["--c", save("C.npy", c)]
    if xa is not None:
        args += ["--xa", save("XA.npy", xa), "--xb", save("XB.npy", xb)]
    return args


def systolic(unit, rows, cols, a, b, c=None, xa=None, xb=None):
    """(returncode, stderr, D, stats) of fmalab systolic on these matrices."""
    for f in ("D.npy",):
        if os.path.exists(os.path.join(TMP, f)):
            os.remove(os.path.join(TMP, f))
    r = run("systolic", *unit.split(), *matrices(a, b, c, xa, xb), "-o", "D.npy", "--rows", str(rows),
            "--cols", str(cols))
    if r.returncode:
        return r.returncode, r.stderr, None, None
    return 0, r.stderr, load("D.npy"), json.loads(r.stdout)


def gemm(unit, a, b, c=None):
    r = run("gemm", *unit.split(), *matrices(a, b, c), "-o", "G.npy")
    if r.returncode:
        raise SystemExit(f"fmalab gemm {unit}: {r.stderr.strip()}")
    return load("G.npy")


def eval_rows(unit, rows):
    text = "".join(" ".join(f"{int(x):x}" for x in row) + "\n" for row in rows)
    r = run("eval", *unit.split(), stdin=text)
    if r.returncode:
        raise SystemExit(f"fmalab eval {unit}: {r.stderr.strip()}")
    return [int(line.split()[0], 16) for line in r.stdout.splitlines()]


# --- the documented schedule in closed form ----------------------------------------------------

def expected_stats(M, N, K, kunit, R, C, values_per_hop):
    T = -(-K // kunit)
    tr, tc = -(-M // R), -(-N // C)
    tiles = tr * tc
    cycles = R + tiles * (T + 2 * R + C - 2)
    return {"tiles": tiles, "chunks": T, "cycles": cycles, "busy_pe_cycles": M * N * T, "evaluations": M * N * T,
            "psum_writes": M * N * T, "pe_cycles": R * C * cycles,
            # each A row's chunks cross all C PEs of its tile row, once per tile column; B likewise
            "a_hops": M * T * C * tc, "b_hops": N * T * R * tr,
            "operand_values_moved": (M * T * C * tc + N * T * R * tr) * values_per_hop,
            # a C value enters row 0 and moves to its row r (r + 1 writes), its result moves on
            # to row R - 1 (R - 1 - r writes): R per output
            "psum_shifts": M * N * R, "c_loads": M * N, "drain_reads": M * N}


def check_stats(stats, what, M, N, K, kunit, R, C, values_per_hop=None):
    want = expected_stats(M, N, K, kunit, R, C, values_per_hop or kunit)
    bad = {k: (stats.get(k), v) for k, v in want.items() if stats.get(k) != v}
    util = want["busy_pe_cycles"] / want["pe_cycles"]
    ok = not bad and abs(stats["utilization"] - util) < 1e-6 and stats["rows"] == R and stats["cols"] == C
    check(ok, f"{what}: stats are the schedule's closed form (cycles {want['cycles']}, utilization {util:.4f}) {bad}")


# --- operands ----------------------------------------------------------------------------------

def e4m3(shape):
    """Finite e4m3 codes of either sign, zeros among them: products from 2^-18 to 2^17, so that
    fp32 sums round and the order of the chunks shows in D."""
    codes = RNG.integers(0x01, 0x7f, size=shape) | (RNG.integers(0, 2, size=shape) << 7)
    codes[RNG.random(shape) < 0.1] = 0
    return codes.astype(np.uint8)


def fp32(shape):
    return RNG.normal(0, 8, size=shape).astype(np.float32).view(np.uint32)


# --- 1. D equals gemm's on the product-sum units -----------------------------------------------

def check_against_gemm():
    cases = [  # unit, K', M, K, N, R, C, operands
        ("fma:e4m3:fp32", 1, 7, 37, 5, 3, 2, lambda M, K, N: (e4m3((M, K)), e4m3((K, N)), fp32((M, N)))),
        ("fma:e4m3:fp32", 1, 3, 5, 4, 1, 1, lambda M, K, N: (e4m3((M, K)), e4m3((K, N)), fp32((M, N)))),
        ("dot:e4m3:fp32:16", 16, 9, 45, 11, 4, 3, lambda M, K, N: (e4m3((M, K)), e4m3((K, N)), None)),
        ("dot:e4m3:fp32:16", 16, 8, 64, 8, 4, 4, lambda M, K, N: (e4m3((M, K)), e4m3((K, N)), fp32((M, N)))),
        ("dot:e4m3:fp32:16 --round rdn", 16, 5, 23, 6, 2, 5, lambda M, K, N: (e4m3((M, K)), e4m3((K, N)), fp32((M, N)))),
        ("dot:e4m3:fp32:16 --preset h100", 16, 6, 40, 7, 2, 4,
         lambda M, K, N: (e4m3((M, K)), e4m3((K, N)), fp32((M, N)))),
        ("mac:int8", 1, 5, 19, 6, 3, 3, lambda M, K, N: (
            RNG.integers(0, 256, (M, K)).astype(np.uint8), RNG.integers(0, 256, (K, N)).astype(np.uint8),
            RNG.integers(0, 2**32, (M, N)).astype(np.uint32))),
        ("lnsmac:lns8_3:fx48_16:8", 8, 6, 44, 5, 4, 2, lambda M, K, N: (
            RNG.integers(0, 256, (M, K)).astype(np.uint8), RNG.integers(0, 256, (K, N)).astype(np.uint8),
            RNG.integers(0, 2**40, (M, N)).astype(np.uint64))),
    ]
    for unit, kunit, M, K, N, R, C, make in cases:
        a, b, c = make(M, K, N)
        what = f"{unit} on a {R}x{C} array, M={M} K={K} N={N}" + (" with C" if c is not None else "")
        rc, err, d, stats = systolic(unit, R, C, a, b, c)
        if rc:
            check(False, f"{what}: {err.strip()}")
            continue
        g = gemm(unit, a, b, c)
        check(d.dtype == g.dtype and d.shape == g.shape and d.tobytes() == g.tobytes(),
              f"{what}: D is gemm's byte for byte ({d.dtype}, {(d != g).sum()} differ)")
        check_stats(stats, what, M, N, K, kunit, R, C)


# --- 2. mxdot against eval chains --------------------------------------------------------------

def check_mxdot():
    cases = [  # unit, short unit, K', block k, element bits, M, K, N, R, C
        ("mxdot:mxfp8_e4m3:8", "mxdot:mxfp8_e4m3:{}", 8, 32, 8, 3, 36, 2, 2, 2),
        ("mxdot:mxfp8_e4m3:8", "mxdot:mxfp8_e4m3:{}", 8, 32, 8, 5, 64, 3, 3, 2),
        ("mxdot:mxfp4_e2m1:16", "mxdot:mxfp4_e2m1:{}", 16, 32, 4, 4, 96, 3, 1, 3),
    ]
    for unit, short, kunit, bk, bits, M, K, N, R, C in cases:
        elem = e4m3 if bits == 8 else (lambda s: RNG.integers(0, 16, size=s).astype(np.uint8))
        a, b = elem((M, K)), elem((K, N))
        blocks = -(-K // bk)
        xa = RNG.integers(120, 134, (M, blocks)).astype(np.uint8)  # E8M0: 2^-7 .. 2^6
        xb = RNG.integers(120, 134, (blocks, N)).astype(np.uint8)
        c = fp32((M, N))
        what = f"{unit} on a {R}x{C} array, M={M} K={K} N={N}"
        rc, err, d, stats = systolic(unit, R, C, a, b, c, xa, xb)
        if rc:
            check(False, f"{what}: {err.strip()}")
            continue
        acc = {(i, j): int(c[i, j]) for i in range(M) for j in range(N)}
        for k0 in range(0, K, kunit):
            k1 = min(k0 + kunit, K)
            keys = list(acc)
            rows = [[xa[i, k0 // bk], *a[i, k0:k1], xb[k0 // bk, j], *b[k0:k1, j], acc[(i, j)]] for i, j in keys]
            for key, y in zip(keys, eval_rows(short.format(k1 - k0), rows)):
                acc[key] = y
        want = np.array([[acc[(i, j)] for j in range(N)] for i in range(M)], dtype=np.uint32)
        check(d.dtype == np.uint32 and (d == want).all(),
              f"{what}: D is the chunks chained through eval with their block scales ({(d != want).sum()} differ)")
        check_stats(stats, what, M, N, K, kunit, R, C, values_per_hop=kunit + 1)


# --- 3. the stats file, and stdout without SystemC's banner ------------------------------------

def check_output():
    a, b = e4m3((4, 20)), e4m3((20, 3))
    r = run("systolic", "dot:e4m3:fp32:4", *matrices(a, b), "-o", "D.npy", "--rows", "2", "--cols", "2")
    check(r.returncode == 0 and r.stdout.lstrip().startswith("{") and "SystemC" not in r.stdout + r.stderr,
          "stdout holds the JSON stats only (no SystemC banner or note)")
    r2 = run("systolic", "dot:e4m3:fp32:4", *matrices(a, b), "-o", "D.npy", "--rows", "2", "--cols", "2",
             "--stats", "S.json")
    with open(os.path.join(TMP, "S.json")) as f:
        same = json.load(f) == json.loads(r.stdout)
    check(r2.returncode == 0 and r2.stdout == "" and same, "--stats FILE: the same JSON in the file, stdout empty")


# --- 4. bad input ------------------------------------------------------------------------------

def check_errors():
    a, b = e4m3((3, 8)), e4m3((8, 2))
    save("A.npy", a), save("B.npy", b)
    save("Bbad.npy", e4m3((7, 2)))
    save("A16.npy", a.astype(np.uint16))
    save("Cbad.npy", fp32((2, 2)))
    save("XA.npy", np.full((3, 1), 127, np.uint8))
    save("XB.npy", np.full((1, 2), 127, np.uint8))
    save("XBbad.npy", np.full((2, 2), 127, np.uint8))
    base = ["--a", "A.npy", "--b", "B.npy", "-o", "E.npy"]
    arr = ["--rows", "2", "--cols", "2"]
    cases = [
        ("no --rows", ["dot:e4m3:fp32:4", *base, "--cols", "2"], "--rows"),
        ("--rows 0", ["dot:e4m3:fp32:4", *base, "--rows", "0", "--cols", "2"], "--rows"),
        ("--cols 257", ["dot:e4m3:fp32:4", *base, "--rows", "2", "--cols", "257"], "--cols"),
        ("not a product sum", ["cvt:fp32:e4m3", *base, *arr], "sum a_i*b_i"),
        ("an adder (half of a MAC)", ["lnsadd:lns8_3", *base, *arr], "sum a_i*b_i"),
        ("stochastic rounding", ["fma:e4m3:fp32", "--round", "sr", *base, *arr], "stochastic"),
        ("B's rows", ["dot:e4m3:fp32:4", "--a", "A.npy", "--b", "Bbad.npy", "-o", "E.npy", *arr], "want 8 rows"),
        ("A's dtype", ["dot:e4m3:fp32:4", "--a", "A16.npy", "--b", "B.npy", "-o", "E.npy", *arr], "dtype"),
        ("C's shape", ["dot:e4m3:fp32:4", *base, "--c", "Cbad.npy", *arr], "want (3, 2)"),
        ("mxdot without scales", ["mxdot:mxfp8_e4m3:8", *base, *arr], "--xa"),
        ("XB's shape", ["mxdot:mxfp8_e4m3:8", *base, "--xa", "XA.npy", "--xb", "XBbad.npy", *arr], "want (1, 2)"),
        ("scales for an unscaled unit", ["dot:e4m3:fp32:4", *base, "--xa", "XA.npy", "--xb", "XB.npy", *arr],
         "block scales"),
        ("a missing file", ["dot:e4m3:fp32:4", "--a", "nope.npy", "--b", "B.npy", "-o", "E.npy", *arr], "nope.npy"),
        ("an unknown option", ["dot:e4m3:fp32:4", *base, *arr, "--promote", "4"], "--promote"),
    ]
    for what, args, needle in cases:
        with open(os.path.join(TMP, "E.npy"), "wb") as f:
            f.write(b"old")
        r = run("systolic", *args)
        lines = r.stderr.strip().splitlines()
        with open(os.path.join(TMP, "E.npy"), "rb") as f:
            untouched = f.read() == b"old"
        leftovers = [n for n in os.listdir(TMP) if n.startswith(".E.npy")]
        check(r.returncode == 2 and len(lines) == 1 and needle in lines[0] and untouched and not leftovers
              and r.stdout == "", f"{what}: status 2, one line naming it, the old D untouched: {lines[:2]}")
    r = run("help")
    check("systolic UNIT" in r.stdout, "fmalab help lists systolic")


check_against_gemm()
check_mxdot()
check_output()
check_errors()
finish()
