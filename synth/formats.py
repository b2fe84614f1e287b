#!/usr/bin/env python3
"""Formats side by side: per-tensor INT8, FP8 and 8-bit LNS against the MX block formats and NVFP4.

  formats.py --fmalab build/bin/fmalab --work build/formats --out build/report [--k 4096] [--seed 1]

For every format (FORMATS) and distribution (gaussian, laplace, outliers: weights and activations as
`fmalab stream` draws them), `fmalab quantize FMT --dequant` quantizes activations (rows x K) and
weights (K x cols, blocked along K) and gives back their values; the SQNR of the activations and the
median relative error of the K-term dot products of the dequantized values (summed in binary64, so
the error is the format's, not an accumulator's) against those of the unquantized values are
measured here with numpy. Bits per element count the shared scale (8 bits per block; NVFP4's fp32
tensor scale is negligible). report.py joins the rows with the area and energy per MAC of each
format's unit (UNITS) and states, from the numbers, which format wins where.
"""
import argparse
import html
import io
import json
import os
import re
import subprocess

import errors  # one-line errors naming the file, exit status 2
from accumulation import draw  # the streams' values, drawn as the accumulation study draws them

# name, bits per element (scale included), the registry unit that computes with it (None: no RTL yet).
# Per-tensor e4m3 is costed on the fused exact dot unit, the datapath the MX units share (products summed
# exactly, one fp32 rounding); e5m2 and int8 have scalar units only, so their per-MAC figures carry a
# scalar unit's normalization and rounding per MAC (the lanes column says which is which).
FORMATS = [
    ("int8", 8.0, "mac_int8"),
    ("e4m3", 8.0, "dot16_e4m3_fp32_exact"),
    ("e5m2", 8.0, "fma_e5m2_fp32"),
    ("mxfp8_e4m3", 8 + 8 / 32, "mxdot8_e4m3_fp32"),
    ("mxfp8_e5m2", 8 + 8 / 32, None),
    ("mxfp6_e3m2", 6 + 8 / 32, None),
    ("mxfp6_e2m3", 6 + 8 / 32, None),
    ("mxint8", 8 + 8 / 32, None),
    ("mxfp4_e2m1", 4 + 8 / 32, "mxdot16_e2m1_fp32"),
    ("nvfp4", 4 + 8 / 16, "nvdot16_e2m1_fp32"),
    ("lns8_3", 8.0, "lns8_mac_madam"),
]
DISTS = ("gaussian", "laplace", "outliers")


def quantize(fmalab, fmt, x_path, work, tag):
    """The dequantized values and fmalab's SQNR line for one tensor."""
    import numpy as np
    codes, deq = os.path.join(work, f"{tag}_codes.npy"), os.path.join(work, f"{tag}_deq.npy")
    cmd = [fmalab, "quantize", fmt, "--in", x_path, "-o", codes, "--dequant", deq]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True)
    except OSError as e:
        raise errors.InputError(f"{fmalab}: cannot run ({e.strerror})") from None
    if r.returncode:
        raise errors.InputError(f"fmalab quantize {fmt}: {r.stderr.strip().splitlines()[-1] if r.stderr.strip() else 'failed'}")
    m = re.search(r"sqnr_db=(\S+)", r.stdout)
    if not m:
        raise errors.InputError(f"fmalab quantize {fmt} (stdout): no sqnr_db= in {errors.excerpt(r.stdout)}")
    return np.load(deq).astype(np.float64), float(m.group(1))


def study(fmalab, work, k, rows, cols, seed, progress=lambda m: None):
    """[{format, bits, dist, sqnr_db, sqnr_db_numpy, dot_rel_err}] for every format and distribution."""
    import numpy as np
    errors.make_dir(work, "--work")
    out = []
    for di, dist in enumerate(DISTS):
        rng = np.random.default_rng([seed, di])
        a, b = draw(dist, (rows, k), rng, True), draw(dist, (k, cols), rng, False)
        a_path, bt_path = os.path.join(work, "a.npy"), os.path.join(work, "bt.npy")
        np.save(a_path, a)
        np.save(bt_path, np.ascontiguousarray(b.T))  # blocks run along K for the weights too
        ref = a.astype(np.float64) @ b.astype(np.float64)
        for n, (fmt, bits, _) in enumerate(FORMATS):
            progress(f"formats {dist} {n + 1}/{len(FORMATS)}: {fmt}")
            da, sqnr = quantize(fmalab, fmt, a_path, work, "a")
            db, _ = quantize(fmalab, fmt, bt_path, work, "b")
            noise = np.sum((a.astype(np.float64) - da) ** 2)
            mine = float("inf") if noise == 0 else 10 * np.log10(np.sum(a.astype(np.float64) ** 2) / noise)
            got = da @ db.T
            rel = np.abs(got - ref) / np.abs(ref)
            out.append({"format": fmt, "bits": round(bits, 3), "dist": dist, "sqnr_db": sqnr,
                        "sqnr_db_numpy": float(mine), "dot_rel_err": float(np.median(rel[ref != 0]))})
    return out


def join_costs(results, unit_rows):
    """Each result with its unit's area and energy per MAC (booth4, energy on the result's stream)."""
    by = {(r["unit"], r["variant"]): r for r in unit_rows}
    units = {f: u for f, _, u in FORMATS}
    out = []
    for r in results:
        u = by.get((units.get(r["format"]), "booth4"))
        row = dict(r, unit=units.get(r["format"]) or "")
        if u:
            k = u.get("macs_per_op", 1)
            row["lanes"] = k
            row["area_ge_per_mac"] = u["area_ge"] / k
            row["pj_per_mac"] = u[f"pj_per_op_{r['dist']}"] / k
        out.append(row)
    return out


def findings(rows):
    """Sentences computed from the rows: which format wins where."""
    says = []
    for dist in DISTS:
        rs = [r for r in rows if r["dist"] == dist]
        low = [r for r in rs if r["bits"] <= 4.5]
        eight = [r for r in rs if 8 <= r["bits"] <= 8.25]
        if low:
            w = max(low, key=lambda r: r["sqnr_db"])
            says.append(f"{dist}: at 4.5 bits or fewer per element {w['format']} has the highest SQNR "
                        f"({w['sqnr_db']:.1f} dB; dot error {w['dot_rel_err']:.2e})")
        if eight:
            w = max(eight, key=lambda r: r["sqnr_db"])
            says.append(f"{dist}: among the 8-bit formats {w['format']} ({w['sqnr_db']:.1f} dB; dot error "
                        f"{w['dot_rel_err']:.2e})")
        costed = [r for r in rs if "pj_per_mac" in r]
        if costed:
            # The cheapest energy per MAC among those within 3 dB of the best costed SQNR.
            best = max(r["sqnr_db"] for r in costed)
            w = min((r for r in costed if r["sqnr_db"] >= best - 3), key=lambda r: r["pj_per_mac"])
            says.append(f"{dist}: the least energy per MAC within 3 dB of the most accurate format that has a "
                        f"unit: {w['format']} ({w['pj_per_mac']:.3f} pJ/MAC, {w['sqnr_db']:.1f} dB)")
    return says


def plot(rows, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.6))
    marks = {"gaussian": "o", "laplace": "s", "outliers": "^"}
    # One colour per format (the same in both panels), one marker per distribution.
    palette = plt.get_cmap("tab10")
    color = {f: palette(i % 10) for i, (f, _, _) in enumerate(FORMATS)}
    for r in rows:
        c = color.get(r["format"], "black")
        axes[0].scatter(r["bits"], r["sqnr_db"], marker=marks[r["dist"]], s=18, color=c)
        if r["dist"] == "gaussian":
            axes[0].annotate(r["format"], (r["bits"], r["sqnr_db"]), fontsize=7)
        if "pj_per_mac" in r:
            axes[1].scatter(r["pj_per_mac"], r["sqnr_db"], marker=marks[r["dist"]], s=18, color=c)
            if r["dist"] == "gaussian":
                axes[1].annotate(r["format"], (r["pj_per_mac"], r["sqnr_db"]), fontsize=7)
    axes[0].set_xlabel("bits per element (scale included)")
    axes[1].set_xlabel("energy per MAC of the format's unit (pJ, booth4)")
    for ax in axes:
        ax.set_ylabel("activation SQNR (dB)")
        ax.grid(True, alpha=0.3)
    axes[1].set_title("o gaussian, s laplace, ^ outliers", fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    errors.write_bytes(path, buf.getvalue())


def write(rows, out):
    errors.write_text(os.path.join(out, "formats.json"), json.dumps(rows, indent=1))
    plot(rows, os.path.join(out, "formats.png"))


def html_section(rows, k, rows_n, cols_n, seed):
    cols = ["format", "bits", "dist", "sqnr_db", "dot_rel_err", "unit", "lanes", "area_ge_per_mac", "pj_per_mac"]

    def cell(v):
        return f"{v:.4g}" if isinstance(v, float) else html.escape(str(v))
    body = "".join("<tr>" + "".join(f"<td>{cell(r.get(c, ''))}</td>" for c in cols) + "</tr>" for r in rows)
    says = "".join(f"<li>{html.escape(s)}</li>" for s in findings(rows))
    return (f"<ul>{says}</ul><table><tr>{''.join(f'<th>{c}</th>' for c in cols)}</tr>{body}</table>"
            f'<img src="formats.png" alt="accuracy against bits and energy">'
            f"<p class=\"note\">SQNR of {rows_n} x {k} activations quantized by <code>fmalab quantize</code> (blocks "
            f"along K; per-tensor formats with stream's scale); dot error: median relative error of the {rows_n} x "
            f"{cols_n} K = {k} dot products of the dequantized activations and weights, summed in binary64, against "
            f"the unquantized values' (seed {seed}). Energy per MAC: the unit's gaussian, laplace or outlier "
            f"stream energy per operation over its MACs (lanes: MACs per operation; a one-lane unit normalizes and "
            f"rounds every MAC, a fused unit once per operation). Formats without a unit have no cost columns.</p>")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fmalab", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--k", type=int, default=4096)
    ap.add_argument("--rows", type=int, default=16)
    ap.add_argument("--cols", type=int, default=16)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    errors.need_exe(a.fmalab, "--fmalab")
    errors.make_dir(a.out, "--out")
    rows = study(a.fmalab, a.work, a.k, a.rows, a.cols, a.seed, lambda m: errors.status(f"\r[formats] {m:<50}"))
    errors.status("\n")
    write(rows, a.out)
    for r in rows:
        print(f"{r['format']:<11} {r['dist']:<9} {r['bits']:5.2f} bits  sqnr {r['sqnr_db']:6.2f} dB  "
              f"dot err {r['dot_rel_err']:.3e}")
    for s in findings(rows):
        print(s)


if __name__ == "__main__":
    errors.run_main("formats.py", main)
