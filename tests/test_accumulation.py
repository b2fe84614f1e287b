#!/usr/bin/env python3
"""synth/accumulation.py, the accumulation study, synth/formats.py and the LNS section's
synth/lns_errors.py and synth/lns_report.py (ctest: Python.AccumulationStudy).

  test_accumulation.py FMALAB

Runs the study small (K = 256 and 1024, 4 x K times K x 2) and checks what it rests on without the
code under test: its fp16 and bf16 codes are numpy's round-to-nearest conversions (fp16) and the
nearest bf16 found by brute force over the two neighbours; its exact reference for them equals
numpy's float64 product of the decoded codes rounded to fp32 (the products are exact in binary64 and
a sum of 1024 of them loses at most a few units of 2^-53, far below fp32's half-ulp unless a tie
is hit); every datapath, distribution, K and promotion has a row with finite errors; and the
H100 FP8 datapath's error on positive data shrinks with promotion (the window's loss, DeepSeek-V3).
Prints one line per check and `N passed, M failed`; exit status 1 on a failure.
"""
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError:  # ctest's python3 may be another interpreter than Debian's, which has numpy
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])
    raise

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "synth"))
import accumulation  # noqa: E402
import formats  # noqa: E402
import lns_errors  # noqa: E402
import lns_report  # noqa: E402
import registry  # noqa: E402

from checks import check, finish  # noqa: E402


def bf16_value(code):
    return (code.astype(np.uint32) << 16).view(np.float32).astype(np.float64)


def main():
    fmalab = sys.argv[1]
    rng = np.random.default_rng(7)
    x = rng.standard_normal(4096).astype(np.float32)
    c = accumulation.codes("bf16", x)
    lo = (x.view(np.uint32) >> 16).astype(np.uint16)
    hi = lo + np.uint16(1)
    err = lambda k: np.abs(bf16_value(k) - x.astype(np.float64))
    best = np.where(err(hi) < err(lo), hi, lo)
    ties = err(hi) == err(lo)
    best = np.where(ties, np.where(lo % 2 == 0, lo, hi), best)
    check(np.array_equal(c, best), "bf16 codes are the nearest bf16 (ties to even), found by brute force")
    check(np.array_equal(accumulation.codes("fp16", x), x.astype(np.float16).view(np.uint16)), "fp16 codes are numpy's")

    with tempfile.TemporaryDirectory() as tmp:
        for fmt, value in (("bf16", bf16_value), ("fp16", lambda k: k.view(np.float16).astype(np.float64))):
            a = accumulation.codes(fmt, rng.standard_normal((4, 1024)).astype(np.float32))
            b = accumulation.codes(fmt, rng.standard_normal((1024, 2)).astype(np.float32))
            ap, bp, dp = (os.path.join(tmp, n) for n in ("a.npy", "b.npy", "d.npy"))
            np.save(ap, a)
            np.save(bp, b)
            got = accumulation.gemm(fmalab, f"dot:{fmt}:fp32:1024", "exact", ap, bp, dp, None, False)
            want = (value(a) @ value(b)).astype(np.float32).astype(np.float64)
            check(np.array_equal(got, want), f"{fmt}: the exact reference is numpy's float64 product rounded to fp32")

        res = accumulation.study(fmalab, tmp, [256, 1024], 4, 2, 1, 128)
        want = {(n, d, k, p) for n, _, _ in accumulation.DATAPATHS for d in accumulation.DISTS for k in (256, 1024)
                for p in (0, 128)}
        got = {(r["datapath"], r["dist"], r["k"], r["promote"]) for r in res}
        check(got == want, f"a row for every datapath, distribution, K and promotion ({len(got)} of {len(want)})")
        check(all(np.isfinite(r["max"]) and r["max"] >= r["median"] >= 0 for r in res),
              "every row's errors are finite, max >= median >= 0")
        pos = {r["promote"]: r["normwise"] for r in res
               if r["datapath"] == "h100 e4m3" and r["dist"] == "uniform01" and r["k"] == 1024}
        check(pos[0] > 10 * pos[128] and pos[0] > 1e-3,
              f"h100 FP8 on positive data: promotion every 128 cuts the error ({pos[0]:.2e} -> {pos[128]:.2e})")
        accumulation.write(res, tmp, 128)
        check(all(os.path.getsize(os.path.join(tmp, f)) > 0 for f in
                  ("accumulation.csv", "accumulation.json", "accumulation.png")), "csv, json and png written")
        # synth/formats.py: fmalab's SQNR against numpy's from the same dequantized values, and the
        # ordering no format can escape: an 8-bit block format beats a 4-bit one on gaussian data.
        rows = formats.study(fmalab, tmp, 256, 4, 4, 3)
        check(len(rows) == len(formats.FORMATS) * len(formats.DISTS), f"formats: {len(rows)} rows")
        worst = max(abs(r["sqnr_db"] - r["sqnr_db_numpy"]) for r in rows if np.isfinite(r["sqnr_db"]))
        check(worst < 0.01, f"formats: fmalab's SQNR equals numpy's from the dequantized values (worst {worst:.4f} dB)")
        g = {r["format"]: r for r in rows if r["dist"] == "gaussian"}
        check(g["mxfp8_e4m3"]["sqnr_db"] > g["mxfp4_e2m1"]["sqnr_db"] + 6 and
              g["mxint8"]["dot_rel_err"] < g["mxfp4_e2m1"]["dot_rel_err"],
              "formats: 8-bit MX beats MXFP4 in SQNR and dot error on gaussian data")
        # Every unit the formats table costs is synthesized by default (its row reaches the report), and
        # join_costs divides a unit's figures by its lanes.
        reg = registry.load()
        named = [u for _, _, u in formats.FORMATS if u]
        check(all(reg.need(u).synth for u in named), f"formats: every costed unit is synthesized ({', '.join(named)})")
        fake = [{"unit": "mxdot8_e4m3_fp32", "variant": "booth4", "area_ge": 800.0, "macs_per_op": 8,
                 **{f"pj_per_op_{d}": 4.0 for d in formats.DISTS}}]
        j = [r for r in formats.join_costs(rows, fake) if r["format"] == "mxfp8_e4m3" and r["dist"] == "gaussian"]
        check(len(j) == 1 and j[0]["lanes"] == 8 and j[0]["area_ge_per_mac"] == 100.0 and j[0]["pj_per_mac"] == 0.5,
              "formats: costs per MAC are the unit's over its lanes")
        # synth/lns_errors.py's binary64 reference against fmalab's exact lnsadd: within half an ulp
        # everywhere (a wrong reference or a wrong model shows here), and each method's error finite.
        errs = lns_errors.table(fmalab)
        exact = [r for r in errs if r["method"] == "exact"]
        check(len(exact) == 2 and all(r["max_ulp"] <= 0.5 + 1e-6 and r["max_vs_rounded_ulp"] == 0 for r in exact),
              "lns errors: the exact method within 0.5 ulp of binary64's log2|a + b| on every pair")
        lut = {r["method"]: r["mean_ulp"] for r in errs if r["format"] == "lns16_10" and r["method"].startswith("lut")}
        check(lut["lut T=4"] > lut["lut T=6"] > lut["lut T=8"] > lut["lut T=10"],
              f"lns errors: the lut's mean error falls as its table grows ({lut})")
        # lns_report: savings per MAC from the units' figures over their lanes.
        fake = [{"unit": u, "variant": "booth4", "area_ge": a, "macs_per_op": k,
                 **{f"pj_per_op_{d}": e for d in lns_report.DISTS}}
                for u, a, k, e in (("lns8_mac_madam", 800.0, 8, 8.0), ("mac_int8", 100.0, 1, 2.0),
                                   ("fma_e4m3_fp32", 400.0, 1, 4.0))]
        says = lns_report.findings(fake)
        check(any("against the FP8 FMA into fp32" in x and "75% less (gaussian)" in x and "area 0.25x" in x for x in says)
              and any("measured saving is 75% (gaussian), 20 points above" in x for x in says)
              and any("here 0.50x (gaussian)" in x for x in says), f"lns report: savings per MAC ({says})")
        fake[1] = dict(fake[1], **{f"pj_per_op_{d}": 0.5 for d in lns_report.DISTS})
        says = lns_report.findings(fake)
        check(any("against the INT8 MAC" in x and "100% more (gaussian)" in x for x in says)
              and any("here 2.00x (gaussian)" in x for x in says), f"lns report: a cost above the baseline ({says})")
    finish()


if __name__ == "__main__":
    main()
