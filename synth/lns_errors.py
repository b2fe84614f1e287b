#!/usr/bin/env python3
"""How far lnsadd's methods are from the exact sum, in ulps of the result's log (units of 2^-F).

  lns_errors.py --fmalab build/bin/fmalab [--json OUT]

The operand pairs go through `fmalab eval lnsadd:FMT --method M`; the reference is log2|a + b| computed
here in binary64 from the operands' values (independent of the model: the error of a method, not of
this arithmetic, whose own error is below 1e-9 ulp), and the exact method's code. lns8_3: every pair of
nonzero non-NaN codes. lns16_10: the error depends only on d = La - Lb and whether the signs differ
(away from the range ends), so one larger operand near the top of the range and every d from 0 to
2 Lmax - 1024 with both signs, which is every pair whose sum stays in range. Pairs whose exact sum
is zero, saturates or underflows are left out (they are exact cases or the range's, not the method's).
"""
import argparse
import json
import subprocess

import errors

# (format, W, F, [(method label, options)])
CASES = [
    ("lns8_3", 8, 3, [("exact", []), ("lut T=4", ["--method", "lut", "--lut-bits", "4"]),
                      ("lut T=6", ["--method", "lut", "--lut-bits", "6"]), ("mitchell", ["--method", "mitchell"])]),
    ("lns16_10", 16, 10, [("exact", []), ("lut T=4", ["--method", "lut", "--lut-bits", "4"]),
                          ("lut T=6", ["--method", "lut", "--lut-bits", "6"]),
                          ("lut T=8", ["--method", "lut", "--lut-bits", "8"]),
                          ("lut T=10", ["--method", "lut", "--lut-bits", "10"]), ("mitchell", ["--method", "mitchell"])]),
]


def pack(w, sign, log):
    return (sign << (w - 1)) | (log & ((1 << (w - 1)) - 1))


def unpack(w, code):
    """(sign, L) of a code; None for zero and NaN."""
    field = code & ((1 << (w - 1)) - 1)
    if field == 1 << (w - 2):
        return None
    return code >> (w - 1), field - (1 << (w - 1)) if field >> (w - 2) else field


def pairs(fmt, w, f):
    lmax = (1 << (w - 2)) - 1
    if w <= 8:
        return [(a, b) for a in range(1 << w) for b in range(1 << w) if unpack(w, a) and unpack(w, b)]
    big = lmax - (1 << f)  # room above for the sum (g <= 2^F), below for every d
    return [(pack(w, 0, big), pack(w, s, big - d)) for s in (0, 1) for d in range(0, 2 * lmax - (1 << f) + 1)]


def evaluate(fmalab, fmt, opts, ps, w):
    digits = (w + 3) // 4
    text = "".join(f"{a:0{digits}x} {b:0{digits}x}\n" for a, b in ps)
    try:
        r = subprocess.run([fmalab, "eval", f"lnsadd:{fmt}"] + opts, input=text, capture_output=True, text=True)
    except OSError as e:
        raise errors.InputError(f"{fmalab}: cannot run ({e.strerror})") from None
    if r.returncode:
        raise errors.InputError(f"fmalab eval lnsadd:{fmt} {' '.join(opts)}: {r.stderr.strip()}")
    out = [line.split() for line in r.stdout.splitlines()]
    errors.need(len(out) == len(ps), f"fmalab eval lnsadd:{fmt}", f"{len(out)} results for {len(ps)} pairs")
    return [(int(y, 16), int(fl, 16)) for y, fl in out]


def table(fmalab, progress=lambda m: None):
    import numpy as np
    rows = []
    for fmt, w, f, methods in CASES:
        ps = pairs(fmt, w, f)
        sa, la = np.array([unpack(w, a) for a, _ in ps]).T
        sb, lb = np.array([unpack(w, b) for _, b in ps]).T
        va = np.where(sa == 1, -1.0, 1.0) * np.exp2(la / 2.0 ** f)
        vb = np.where(sb == 1, -1.0, 1.0) * np.exp2(lb / 2.0 ** f)
        # log2|a + b| in units of 2^-F, factored so that a near-cancelling pair keeps its digits.
        hi = np.maximum(la, lb).astype(np.float64)
        d = np.abs(la - lb) / 2.0 ** f
        sign = np.where(sa == sb, 1.0, -1.0)
        with np.errstate(divide="ignore"):
            t = hi + 2.0 ** f * np.where(sign > 0, np.log1p(np.exp2(-d)), np.log(-np.expm1(-d * np.log(2)))) / np.log(2)
        keep = ~((sa != sb) & (la == lb))
        exact_codes = None
        for label, opts in methods:
            progress(f"lns errors {fmt} {label}")
            got = evaluate(fmalab, fmt, opts, ps, w)
            codes = np.array([y for y, _ in got])
            flags = np.array([fl for _, fl in got])
            if exact_codes is None:
                exact_codes, exact_flags = codes, flags
                keep &= (exact_flags & 0x06) == 0  # neither OF nor UF: inside the range
            lg = np.array([unpack(w, y)[1] if unpack(w, y) else np.nan for y in codes], dtype=np.float64)
            le = np.array([unpack(w, y)[1] if unpack(w, y) else np.nan for y in exact_codes], dtype=np.float64)
            ok = keep & ~np.isnan(lg)
            err = np.abs(lg - t)
            rows.append({"format": fmt, "method": label, "pairs": int(ok.sum()), "max_ulp": float(err[ok].max()),
                         "mean_ulp": float(err[ok].mean()),
                         "max_ulp_add": float(err[ok & (sign > 0)].max()), "max_ulp_sub": float(err[ok & (sign < 0)].max()),
                         "max_vs_rounded_ulp": float(np.abs(lg[ok] - le[ok]).max()),
                         "lost_to_zero": int((keep & np.isnan(lg)).sum())})
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fmalab", required=True)
    ap.add_argument("--json")
    a = ap.parse_args()
    errors.need_exe(a.fmalab, "--fmalab")
    rows = table(a.fmalab, lambda m: errors.status(f"\r[lns] {m:<40}"))
    errors.status("\n")
    for r in rows:
        print(f"{r['format']:<9} {r['method']:<9} pairs {r['pairs']:>6}  max {r['max_ulp']:10.3f} ulp (add "
              f"{r['max_ulp_add']:.3f}, sub {r['max_ulp_sub']:.3f})  mean {r['mean_ulp']:8.3f} ulp  "
              f"max vs rounded {r['max_vs_rounded_ulp']:6.0f}  to zero {r['lost_to_zero']}")
    if a.json:
        errors.write_text(a.json, json.dumps(rows, indent=1))


if __name__ == "__main__":
    errors.run_main("lns_errors.py", main)
