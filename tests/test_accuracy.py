#!/usr/bin/env python3
"""`fmalab accuracy`'s overflow counts, input scale and datapath options against computations made
here, independently of the C++ code (the golden model's arithmetic is checked elsewhere):

  test_accuracy.py FMALAB

- fma:int8:int16 (an int8 MAC into a wrapping int16): the share of K=256 and K=4096 trials whose exact running
  sum leaves [-32768, 32767] is re-estimated by a Monte Carlo of the same recipe in Python (gaussian
  weights and activations, each trial's tensors scaled so their largest magnitude lands on 127,
  rounded to nearest); the two estimates must agree within sampling error.
- Bounds worked by hand: int8 codes at most round(0.08 * 127) = 10 give |sum| <= 256 * 100 = 25600, so
  no K=256 trial can wrap and every sum is exact; into int32, 4096 * 127^2 < 2^31: never.
- --sat turns every wrap into a saturation (same draws, same events), and a saturated sum is wrong.
- --input-scale s lowers an int8 tensor's SQNR by 20 log10(1/s) dB (fixed step, smaller signal),
  and the SQNR itself matches a Python quantization of gaussian values within sampling error (2 dB).
- The datapath options reach the datapath: --window 10 --no-sticky changes an FP8 FMA's error.
- Bad --input-scale values: a one-line error, exit status 2.
"""
import csv
import io
import math
import random
import subprocess
import sys

FAILS = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        FAILS.append(what)


def accuracy(fmalab, *args):
    r = subprocess.run([fmalab, "accuracy", *args], capture_output=True, text=True)
    if r.returncode:
        raise SystemExit(f"fmalab accuracy {' '.join(args)}: exit {r.returncode}: {r.stderr.strip()}")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    return {row["dist"]: {k: float(v) for k, v in row.items() if k != "dist"} for row in rows}


def quantize_int8(values, top=127.0):
    scale = top / max(abs(v) for v in values)
    return [max(-128, min(127, round(v * scale))) for v in values]


def wrap_share_python(k, trials, rng):
    """Share of trials whose exact running sum of k int8 products leaves int16's range."""
    left = 0
    for _ in range(trials):
        w = quantize_int8([rng.gauss(0, 1) for _ in range(k)])
        x = quantize_int8([rng.gauss(0, 1) for _ in range(k)])
        s, out = 0, False
        for a, b in zip(w, x):
            s += a * b
            out = out or not -32768 <= s <= 32767
        left += out
    return left / trials


def sqnr_python(scale_to, n, rng):
    v = [rng.gauss(0, 1) for _ in range(n)]
    s = scale_to * 127 / max(abs(t) for t in v)
    q = [max(-128, min(127, round(t * s))) / s for t in v]
    return 10 * math.log10(sum(t * t for t in v) / sum((t - u) ** 2 for t, u in zip(v, q)))


def main():
    fmalab = sys.argv[1]
    rng = random.Random(17)

    # Wraps of an int16 accumulator, K = 256: both estimates have a binomial spread; allow 4 sigma.
    trials = 400
    got = accuracy(fmalab, "fma:int8:int16", "--dist", "gaussian", "--trials", str(trials))["gaussian"]
    want = wrap_share_python(256, 2000, rng)
    sigma = math.sqrt(want * (1 - want) * (1 / trials + 1 / 2000))
    check(abs(got["wrap_k256"] - want) <= 4 * sigma + 1e-9,
          f"fma:int8:int16 wrap_k256 {got['wrap_k256']:.3f} vs Python {want:.3f} (4 sigma {4 * sigma:.3f})")
    check(got["overflow_k256"] == got["wrap_k256"] and got["sat_k256"] == 0,
          "without --sat the overflow column is the wraps, no saturations")
    check(0.2 < want < 0.9, f"the case is a real test: wraps in some trials, not all ({want:.3f})")
    # K = 4096 (fmalab runs trials / 4 of them): nearly every trial wraps; a sigma floor of 0.01 keeps
    # the bound meaningful when both shares are close to 1.
    want = wrap_share_python(4096, 300, rng)
    sigma = max(0.01, math.sqrt(want * (1 - want) * (4 / trials + 1 / 300)))
    check(abs(got["wrap_k4096"] - want) <= 4 * sigma and want > 0.9,
          f"fma:int8:int16 wrap_k4096 {got['wrap_k4096']:.3f} vs Python {want:.3f} (4 sigma {4 * sigma:.3f})")

    sat = accuracy(fmalab, "fma:int8:int16", "--dist", "gaussian", "--trials", str(trials), "--sat")["gaussian"]
    check(sat["sat_k256"] == got["wrap_k256"] and sat["wrap_k256"] == 0 and sat["overflow_k256"] == sat["sat_k256"],
          f"--sat: the same trials saturate instead ({sat['sat_k256']:.3f})")
    check(sat["rel_err_k4096"] > 0.1, "a saturated K=4096 sum is far off")

    small = accuracy(fmalab, "fma:int8:int16", "--dist", "gaussian", "--trials", "100", "--input-scale", "0.08")
    small = small["gaussian"]
    check(small["wrap_k256"] == 0 and small["overflow_k256"] == 0 and small["rel_err_k256"] == 0,
          "codes <= 10: 256 products sum within 25600, exact, no wrap")
    wide = accuracy(fmalab, "fma:int8:int32", "--dist", "gaussian", "--trials", "40")["gaussian"]
    check(wide["overflow_k4096"] == 0 and wide["rel_err_k4096"] == 0, "int32 holds 4096 int8 products exactly")

    # Input scale: the SQNR drops by 20 log10(1/s) dB and matches an independent quantization.
    full = accuracy(fmalab, "fma:int8:int32", "--dist", "gaussian", "--trials", "4")["gaussian"]
    for s in (0.5, 0.25):
        part = accuracy(fmalab, "fma:int8:int32", "--dist", "gaussian", "--trials", "4", "--input-scale", str(s))
        drop = full["sqnr_db_activations"] - part["gaussian"]["sqnr_db_activations"]
        check(abs(drop - 20 * math.log10(1 / s)) < 0.5, f"--input-scale {s}: SQNR drops {drop:.2f} dB")
        # The SQNR rides on the tensor's largest draw (about 4.3 sigma, give or take 7%, so +-0.6 dB):
        # against the mean of 5 independent tensors, within 2 dB.
        py = sum(sqnr_python(s, 1 << 16, rng) for _ in range(5)) / 5
        check(abs(part["gaussian"]["sqnr_db_weights"] - py) < 2.0,
              f"--input-scale {s}: SQNR {part['gaussian']['sqnr_db_weights']:.2f} dB vs Python {py:.2f} dB")

    # Datapath options reach the unit.
    base = accuracy(fmalab, "fma:e4m3:fp32", "--dist", "gaussian", "--trials", "40")["gaussian"]
    cut = accuracy(fmalab, "fma:e4m3:fp32", "--dist", "gaussian", "--trials", "40", "--window", "10", "--no-sticky",
                   "--ftz")["gaussian"]
    check(cut["rel_err_k4096"] > 10 * base["rel_err_k4096"],
          f"--window 10 --no-sticky: K=4096 error {cut['rel_err_k4096']:.3g} vs exact datapath {base['rel_err_k4096']:.3g}")

    for bad in ("0", "1.5", "abc", "nan"):
        r = subprocess.run([fmalab, "accuracy", "fma:int8:int16", "--input-scale", bad], capture_output=True, text=True)
        check(r.returncode == 2 and r.stdout == "" and r.stderr.count("\n") == 1 and "--input-scale" in r.stderr,
              f"--input-scale {bad}: one-line error, exit 2 ({r.stderr.strip()})")
    r = subprocess.run([fmalab, "accuracy", "mxdot8_e4m3_fp32", "--input-scale", "0.5"], capture_output=True, text=True)
    check(r.returncode == 2 and "per block" in r.stderr, "a block-scaled unit refuses --input-scale")

    if FAILS:
        print(f"{len(FAILS)} failed")
        sys.exit(1)


if __name__ == "__main__":
    main()
