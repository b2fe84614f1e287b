#!/usr/bin/env python3
"""fmalab gemm (ctest: Cli.Gemm).

  test_gemm.py FMALAB

No expected value comes from gemm itself:
- exact units on small-integer matrices (e4m3, fp16 inputs; a dot unit, an FMA chain, --quantize)
  against numpy's integer matmul, whose sums every chunk holds exactly;
- GPU presets (h100 FP8 -> fp32 and -> fp16, fp16 -> fp32) and exact with -0 rows against the chunks
  chained by hand through `fmalab eval`, the last chunk of a K that is not a multiple of the unit's K
  through the shorter unit (dot:IN:ACC:r): the padding must give what that gives;
- --promote against numpy float32 additions of per-group `fmalab eval` chains from c = +0;
- the same bytes for --threads 1, 2 and 7, an RTL unit name the same as its model operation;
- bad input: exit status 2, one line, no output left behind and an existing output untouched.
Prints one line per check and `N passed, M failed`; exit status 1 on a failure.
"""
import atexit
import os
import shutil
import stat
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError:  # ctest's Python3_EXECUTABLE may be another than Debian's, which has python3-numpy
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])
    print("test_gemm.py needs numpy (Debian: python3-numpy)")
    sys.exit(1)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, finish  # noqa: E402  (one line per check, counted)

FMALAB = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/bin/fmalab")
TMP = tempfile.mkdtemp(prefix="fmalab-gemm-")
atexit.register(shutil.rmtree, TMP, ignore_errors=True)
RNG = np.random.default_rng(20240613)


# --- formats, by hand ---------------------------------------------------------------------------

def e4m3_value(c):
    """OCP E4M3 (fn): bias 7, subnormals, NaN at S.1111.111, no Inf."""
    s, e, m = c >> 7, (c >> 3) & 15, c & 7
    if e == 15 and m == 7:
        return float("nan")
    v = (m / 8) * 2.0 ** -6 if e == 0 else (1 + m / 8) * 2.0 ** (e - 7)
    return -v if s else v


E4M3_FINITE = [c for c in range(256) if e4m3_value(c) == e4m3_value(c)]
E4M3_CODE = {e4m3_value(c): c for c in E4M3_FINITE if c != 0x80}  # value -> code (+0 for zero)


def e4m3_codes(values):
    return np.vectorize(lambda v: E4M3_CODE[float(v)], otypes=[np.uint8])(values)


def fp32_codes(values):
    return np.asarray(values, dtype=np.float32).view(np.uint32)


def fp16_codes(values):
    return np.asarray(values, dtype=np.float16).view(np.uint16)


# --- running fmalab -----------------------------------------------------------------------------

def run(*args, stdin=None):
    """fmalab in TMP, where the files are named without a directory (messages quote 40 characters)."""
    return subprocess.run([FMALAB, *args], input=stdin, capture_output=True, text=True, cwd=TMP)


def save(name, arr):
    np.save(os.path.join(TMP, name), arr)
    return name


def gemm(unit, a, b, c=None, extra=(), out="D.npy"):
    """(returncode, stderr, D or None) of fmalab gemm UNIT on these matrices."""
    args = ["gemm", *unit.split(), "--a", save("A.npy", a), "--b", save("B.npy", b)]
    if c is not None:
        args += ["--c", save("C.npy", c)]
    path = os.path.join(TMP, out)
    if os.path.exists(path):
        os.remove(path)
    r = run(*args, "-o", out, *extra)
    return r.returncode, r.stderr, (np.load(path) if r.returncode == 0 and os.path.exists(path) else None)


def eval_rows(unit, rows):
    """The first result of `fmalab eval UNIT` on each row of operand codes."""
    text = "".join(" ".join(f"{int(x):x}" for x in row) + "\n" for row in rows)
    r = run("eval", *unit.split(), stdin=text)
    if r.returncode:
        raise SystemExit(f"fmalab eval {unit}: {r.stderr.strip()}")
    return [int(line.split()[0], 16) for line in r.stdout.splitlines()]


def chained(unit_of, a, b, c0, kunit, group=None):
    """D[i, j] by the chunks of K chained through fmalab eval: chunk t computes
    dot(a[i, t*K'..], b[t*K'.., j], c = the previous chunk's result); a short last chunk of r
    products runs on unit_of(r). With `group` (chunks per promotion group) each group restarts from
    c = +0 and the list of each group's results is returned instead."""
    M, K = a.shape
    N = b.shape[1]
    starts = list(range(0, K, kunit))
    step = group or len(starts)
    out = [[[] for _ in range(N)] for _ in range(M)]
    for g in range(0, len(starts), step):
        c = {(i, j): (int(c0[i, j]) if c0 is not None and not group else 0) for i in range(M) for j in range(N)}
        for k0 in starts[g:g + step]:
            k1 = min(k0 + kunit, K)
            keys = list(c)
            rows = [[*a[i, k0:k1], *b[k0:k1, j], c[(i, j)]] for (i, j) in keys]
            for key, y in zip(keys, eval_rows(unit_of(k1 - k0), rows)):
                c[key] = y
        for (i, j), y in c.items():
            out[i][j].append(y)
    if not group:
        return np.array([[out[i][j][0] for j in range(N)] for i in range(M)], dtype=np.uint64)
    return out


# --- 1. exact units against numpy's integer matmul ---------------------------------------------

def small_ints(shape, lo=-8, hi=8):
    return RNG.integers(lo, hi + 1, size=shape)


def check_exact_integers():
    a, b, c = small_ints((5, 10)), small_ints((10, 3)), small_ints((5, 3), -100, 100)
    want = a.astype(np.int64) @ b.astype(np.int64) + c
    for unit in ("dot:e4m3:fp32:4", "fma:e4m3:fp32", "dot:e4m3:fp32:16"):
        rc, err, d = gemm(unit, e4m3_codes(a), e4m3_codes(b), fp32_codes(c))
        ok = rc == 0 and d.dtype == np.uint32 and d.shape == (5, 3) and (d == fp32_codes(want)).all()
        check(ok, f"{unit} on e4m3 integers, K = 10, is numpy's A @ B + C exactly {err.strip()}")
    rc, err, d = gemm("dot:e4m3:fp32:4", e4m3_codes(a), e4m3_codes(b))
    check(rc == 0 and (d == fp32_codes(a.astype(np.int64) @ b)).all(), "without --c, C is +0 " + err.strip())
    a, b, c = small_ints((4, 37), -30, 30), small_ints((37, 6), -30, 30), small_ints((4, 6), -500, 500)
    rc, err, d = gemm("dot:fp16:fp32:8", fp16_codes(a), fp16_codes(b), fp32_codes(c))
    ok = rc == 0 and (d == fp32_codes(a.astype(np.int64) @ b + c)).all()
    check(ok, "dot:fp16:fp32:8 on fp16 integers, K = 37, is numpy's A @ B + C " + err.strip())
    # fp16 accumulator: D in uint16
    a, b = small_ints((3, 9), -4, 4), small_ints((9, 2), -4, 4)
    rc, err, d = gemm("dot:e4m3:fp16:4", e4m3_codes(a), e4m3_codes(b), fp16_codes(np.zeros((3, 2))))
    check(rc == 0 and d.dtype == np.uint16 and (d == fp16_codes(a @ b)).all(), "an fp16 accumulator: D holds uint16 codes")
    # --quantize: A's max |x| is e4m3's max (scale 1), B's twice it (scale 2): every value lands on a code.
    a, b, c = small_ints((4, 12)), 2 * small_ints((12, 5)), 2 * small_ints((4, 5), -50, 50)
    a[1, 3], b[7, 2] = 448, -896
    rc, err, d = gemm("dot:e4m3:fp32:4", a.astype(np.float32), b.astype(np.float64), c.astype(np.float32),
                      extra=["--quantize"])
    want = (a.astype(np.int64) @ b + c).astype(np.float32)
    check(rc == 0 and d.dtype == np.float32 and (d == want).all(),
          "--quantize: scales 1 and 2, C scaled by 1/2, D = 2 value(y): numpy's A @ B + C " + err.strip())


# --- 2. GPU presets and exact zeros against chunks chained through eval -------------------------

def random_e4m3(shape):
    return RNG.choice(np.array(E4M3_FINITE, dtype=np.uint8), size=shape)


def check_chaining():
    cases = [("dot:e4m3:fp32:32 --preset h100", "dot:e4m3:fp32:{} --preset h100", 32, 96, fp32_codes),
             ("dot:e4m3:fp32:32 --preset h100", "dot:e4m3:fp32:{} --preset h100", 32, 80, fp32_codes),
             ("dot:e4m3:fp16:32 --preset h100", "dot:e4m3:fp16:{} --preset h100", 32, 72, fp16_codes),
             ("dot:e4m3:fp32:16 --preset ada", "dot:e4m3:fp32:{} --preset ada", 16, 40, fp32_codes)]
    for unit, short, kunit, K, codes in cases:
        a, b = random_e4m3((3, K)), random_e4m3((K, 4))
        c = codes(RNG.normal(0, 4, size=(3, 4)))
        rc, err, d = gemm(unit, a, b, c)
        want = chained(lambda r: short.format(r), a, b, c, kunit)
        check(rc == 0 and (d.astype(np.uint64) == want).all(),
              f"{unit}, K = {K}: the chunks chained through eval (short last chunk on the shorter unit) {err.strip()}")
    a = fp16_codes(RNG.normal(0, 1, size=(2, 50)))
    b = fp16_codes(RNG.normal(0, 1, size=(50, 3)))
    c = fp32_codes(RNG.normal(0, 1, size=(2, 3)))
    rc, err, d = gemm("dot:fp16:fp32:16 --preset a100", a, b, c)
    want = chained(lambda r: f"dot:fp16:fp32:{r} --preset a100", a, b, c, 16)
    check(rc == 0 and (d.astype(np.uint64) == want).all(), "a100 fp16 -> fp32, K = 50 " + err.strip())
    # exact: a zero sum takes its terms' sign, so the padding must be a product of the right sign.
    for mode, a0, c0, want_code in (("rne", 0x80, 0x80000000, 0x80000000), ("rdn", 0x00, 0x00000000, 0)):
        a = np.full((1, 3), a0, dtype=np.uint8)
        b = np.full((3, 1), 0x38, dtype=np.uint8)  # 1.0
        c = np.array([[c0]], dtype=np.uint32)
        rc, err, d = gemm(f"dot:e4m3:fp32:4 --round {mode}", a, b, c)
        ref = eval_rows(f"dot:e4m3:fp32:3 --round {mode}", [[*a[0], *b[:, 0], c0]])[0]
        check(rc == 0 and ref == want_code and int(d[0, 0]) == ref,
              f"exact, --round {mode}: a row of {'-0' if a0 else '+0'} products, K = 3 of 4, is {want_code:#x} "
              f"as on dot:e4m3:fp32:3 {err.strip()}")
    for mode in ("rne", "rdn", "rtz"):
        a = RNG.choice(np.array([0x00, 0x80, 0x38, 0xb8], dtype=np.uint8), size=(6, 7))
        b = RNG.choice(np.array([0x00, 0x80, 0x38, 0xb8], dtype=np.uint8), size=(7, 5))
        c = RNG.choice(np.array([0, 0x80000000, 0x3f800000, 0xbf800000], dtype=np.uint32), size=(6, 5))
        rc, err, d = gemm(f"dot:e4m3:fp32:4 --round {mode}", a, b, c)
        want = chained(lambda r: f"dot:e4m3:fp32:{r} --round {mode}", a, b, c, 4)
        check(rc == 0 and (d.astype(np.uint64) == want).all(), f"exact --round {mode}, zeros and ones, K = 7 " + err.strip())


# --- 3. --promote against float32 additions of per-group eval chains ----------------------------

def promoted(groups, c32):
    M, N = len(groups), len(groups[0])
    d = np.zeros((M, N), dtype=np.uint32)
    for i in range(M):
        for j in range(N):
            acc = np.float32(c32[i, j]) if c32 is not None else np.float32(0)
            for y in groups[i][j]:
                acc = np.float32(acc + np.uint32(y).view(np.float32))
            d[i, j] = np.float32(acc).view(np.uint32)
    return d


def check_promote():
    for K, n in ((256, 128), (200, 64)):
        a, b = random_e4m3((3, K)), random_e4m3((K, 4))
        c = RNG.normal(0, 8, size=(3, 4)).astype(np.float32)
        rc, err, d = gemm("dot:e4m3:fp32:32 --preset h100", a, b, fp32_codes(c), extra=["--promote", str(n)])
        groups = chained(lambda r: f"dot:e4m3:fp32:{r} --preset h100", a, b, None, 32, group=n // 32)
        check(rc == 0 and d.dtype == np.uint32 and (d == promoted(groups, c)).all(),
              f"--promote {n}, K = {K}: numpy float32 sums of the groups' eval chains {err.strip()}")
    a, b = random_e4m3((2, 10)), random_e4m3((10, 3))
    c = RNG.normal(0, 8, size=(2, 3)).astype(np.float16)
    rc, err, d = gemm("fma:e4m3:fp16", a, b, fp16_codes(c), extra=["--promote", "4"])
    groups = chained(lambda r: "fma:e4m3:fp16", a, b, None, 1, group=4)
    groups = [[[int(np.uint16(y).view(np.float16).astype(np.float32).view(np.uint32)) for y in g] for g in row]
              for row in groups]
    check(rc == 0 and d.dtype == np.uint32 and (d == promoted(groups, c.astype(np.float32))).all(),
          "fma:e4m3:fp16 --promote 4: fp16 partials and C widened exactly, fp32 D " + err.strip())


# --- 4. threads, unit names ---------------------------------------------------------------------

def check_threads():
    a, b = random_e4m3((23, 96)), random_e4m3((96, 70))
    c = fp32_codes(RNG.normal(0, 4, size=(23, 70)))
    outs = []
    for t in (1, 2, 7):
        rc, err, _ = gemm("dot:e4m3:fp32:32 --preset h100", a, b, c, extra=["--threads", str(t)], out=f"D{t}.npy")
        with open(os.path.join(TMP, f"D{t}.npy"), "rb") as f:
            outs.append((rc, f.read()))
    check(all(rc == 0 for rc, _ in outs) and outs[0][1] == outs[1][1] == outs[2][1],
          "--threads 1, 2 and 7 write the same bytes")
    a, b = random_e4m3((4, 6)), random_e4m3((6, 5))
    c = fp32_codes(RNG.normal(0, 4, size=(4, 5)))
    _, _, d1 = gemm("fma_e4m3_fp32", a, b, c)
    _, _, d2 = gemm("fma:e4m3:fp32", a, b, c)
    check(d1 is not None and d2 is not None and (d1 == d2).all(), "an RTL unit name computes as its model operation")


# --- 5. bad input -------------------------------------------------------------------------------

def check_errors():
    good_a, good_b = save("ga.npy", random_e4m3((2, 64))), save("gb.npy", random_e4m3((64, 3)))
    bad_magic, truncated = "magic.npy", "trunc.npy"
    with open(os.path.join(TMP, bad_magic), "wb") as f:
        f.write(b"\x93NUMPX\x01\x00" + b"x" * 100)
    with open(os.path.join(TMP, good_b), "rb") as f:
        data = f.read()
    with open(os.path.join(TMP, truncated), "wb") as f:
        f.write(data[:-5])
    cases = [
        ("a missing file", ["dot:e4m3:fp32:32", "--a", "nope.npy", "--b", good_b], "nope.npy"),
        ("bad magic", ["dot:e4m3:fp32:32", "--a", bad_magic, "--b", good_b], "magic"),
        ("a truncated file", ["dot:e4m3:fp32:32", "--a", good_a, "--b", truncated], "truncated"),
        ("B with the wrong number of rows", ["dot:e4m3:fp32:32", "--a", good_a, "--b", save("b3.npy", random_e4m3((63, 3)))], "rows"),
        ("a 1-D A", ["dot:e4m3:fp32:32", "--a", save("a1.npy", random_e4m3(64)), "--b", good_b], "2-D"),
        ("C of the wrong shape", ["dot:e4m3:fp32:32", "--a", good_a, "--b", good_b, "--c",
                                  save("c.npy", np.zeros((3, 2), dtype=np.uint32))], "want (2, 3)"),
        ("a Fortran-order A", ["dot:e4m3:fp32:32", "--a", save("af.npy", np.asfortranarray(random_e4m3((2, 64)))),
                               "--b", good_b], "Fortran"),
        ("a big-endian B", ["dot:fp16:fp32:16", "--a", save("a16.npy", np.zeros((2, 64), dtype="<u2")),
                            "--b", save("b16.npy", np.zeros((64, 3), dtype=">u2"))], "big-endian"),
        ("uint16 codes of e4m3", ["dot:e4m3:fp32:32", "--a", save("a2.npy", np.zeros((2, 64), dtype=np.uint16)),
                                  "--b", good_b], "uint8"),
        ("a code wider than its format", ["mac_int8_acc24", "--a", save("ai.npy", np.zeros((2, 4), dtype=np.uint8)),
                                          "--b", save("bi.npy", np.zeros((4, 3), dtype=np.uint8)),
                                          "--c", save("ci.npy", np.array([[0, 0, 0], [0, 1 << 24, 0]], dtype=np.uint32))],
         "flat index 4"),
        ("--promote not a multiple of K'", ["dot:e4m3:fp32:32", "--preset", "h100", "--a", good_a, "--b", good_b,
                                           "--promote", "48"], "multiple"),
        ("an unknown unit", ["dot:e4m3:fp99:32", "--a", good_a, "--b", good_b], "fp99"),
        ("a NaN under --quantize", ["dot:e4m3:fp32:32", "--quantize", "--a",
                                    save("an.npy", np.array([[1, np.nan] * 32] * 2, dtype=np.float32)),
                                    "--b", save("bf.npy", np.ones((64, 3), dtype=np.float32))], "NaN"),
        ("codes under --quantize", ["dot:e4m3:fp32:32", "--quantize", "--a", good_a, "--b", good_b], "float"),
    ]
    out = os.path.join(TMP, "E.npy")
    with open(out, "wb") as f:
        f.write(b"old")
    os.chmod(out, 0o640)
    for what, args, word in cases:
        r = run("gemm", *args, "-o", "E.npy")
        lines = r.stderr.splitlines()
        with open(out, "rb") as f:
            untouched = f.read() == b"old"
        leftovers = [n for n in os.listdir(TMP) if n.startswith(".E.npy")]
        check(r.returncode == 2 and len(lines) == 1 and lines[0].startswith("fmalab: ") and word in lines[0] and
              untouched and not leftovers, f"{what}: status 2, one line naming it, the old D untouched: {lines[:2]}")
    r = run("gemm", "dot:e4m3:fp32:32", "--a", good_a, "--b", good_b, "-o", "new.npy", "--promote", "48")
    check(r.returncode == 2 and not os.path.exists(os.path.join(TMP, "new.npy")), "no new D left behind by an error")
    r = run("gemm", "dot:e4m3:fp32:32", "--a", good_a, "--b", good_b, "-o", "E.npy")
    check(r.returncode == 0 and stat.S_IMODE(os.stat(out).st_mode) == 0o640 and np.load(out).shape == (2, 3),
          "a successful run replaces D and keeps its mode")


def check_versions():
    a, b = small_ints((3, 8)), small_ints((8, 2))
    for version in ((2, 0), (3, 0)):
        for name, x in (("Av.npy", e4m3_codes(a)), ("Bv.npy", e4m3_codes(b))):
            with open(os.path.join(TMP, name), "wb") as f:
                np.lib.format.write_array(f, x, version=version)
        r = run("gemm", "dot:e4m3:fp32:4", "--a", "Av.npy", "--b", "Bv.npy", "-o", "Dv.npy")
        ok = r.returncode == 0 and (np.load(os.path.join(TMP, "Dv.npy")) == fp32_codes(a @ b)).all()
        check(ok, f".npy format {version[0]}.0 input " + r.stderr.strip())


def check_help():
    r = run("help")
    check(r.returncode == 0 and "gemm UNIT --a A.npy --b B.npy" in r.stdout, "fmalab help lists gemm")


check_exact_integers()
check_chaining()
check_promote()
check_threads()
check_errors()
check_versions()
check_help()
finish()
