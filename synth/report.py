#!/usr/bin/env python3
"""The design-space report, fmalab's main job: every RTL unit and multiplier variant synthesized,
simulated at gate level for energy on each distribution, and measured for accuracy.

  report.py --fmalab build/bin/fmalab --work build/synth --out build/report [--count 100000] [--jobs 2]
  report.py --fmalab build/bin/fmalab --from-json build/report --out DIR   (tables, plots and conclusions
      again from a finished run's units.json and study JSON files, accuracy re-measured: seconds, no synthesis)

Writes OUT/index.html (tables and plots), OUT/units.csv, OUT/units.json, OUT/dot_units.json (the fused
dot units per MAC), the accumulation study's OUT/accumulation.{csv,json,png} (synth/accumulation.py) and
the formats study's OUT/formats.{json,png} (synth/formats.py). Units come from the
registry, rtl/units.json (synth/flow.py synthesizes each one), so a unit added there appears without
editing this script; BASE_UNIT, FP8_UNIT and FIXED_UNIT only name the units the ratios and summary
compare. Progress on stderr; exit status 1 if a netlist disagrees with the golden model, 2 on a tool failure.
"""
import argparse
import concurrent.futures
import csv
import html
import io
import json
import os
import subprocess
import sys
import time

import accumulation  # the accumulation study (fmalab gemm, every preset, K = 256 .. 16384)
import errors  # one-line errors naming the file, exit status 2
import formats  # per-tensor INT8/FP8 against MX and NVFP4 (fmalab quantize)
import lns_errors  # lnsadd's methods against the exact sum
import lns_report  # the LNS units beside INT8 and FP8
import registry  # rtl/units.json: a unit's ports give its MACs per operation

try:
    import matplotlib
except ImportError:
    print(f"report.py: no matplotlib for {sys.executable}: install Debian's python3-matplotlib (make deps does)"
          " and run with /usr/bin/python3", file=sys.stderr)
    sys.exit(2)

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
BASE_UNIT = "mac_int8"
FP8_UNIT = "fma_e4m3_fp32"
FIXED_UNIT = "fma_e4m3_fx48"
# The fused dot unit whose exact (sticky, one rounding) sibling is UNIT + "_exact".
TRUNCATING_DOT = "dot16_e4m3_fp32"

# Published figures (../shared/docs/background.md section 6) shown beside the measured ones.
PUBLISHED = [
    ("FP8 vs INT8 MAC, dedicated hardware (van Baalen et al., Qualcomm 2023)", "1.5x - 2.8x",
     "gate-count estimates: floating point 50% to 180% less efficient than INT"),
    ("8b add / 8b mult energy, 45 nm (Horowitz, ISSCC 2014)", "0.03 / 0.2 pJ", "an 8b MAC with a 32b add: about 0.3 pJ"),
    ("fp32 add / mult energy, 45 nm (Horowitz)", "0.9 / 3.7 pJ", "fp32 operands, not FP8: an upper bound for an FP8 FMA"),
    ("fp32 mult vs 8b mult area, 45 nm (Horowitz)", "7700 / 282 um^2 = 27x", "fp32 operands"),
    ("MX6 / MX4 vs FP8 dot product (Rouhani et al., ISCA 2023)", "2x / 4x less area x memory", "not yet in fmalab's RTL"),
    ("LNS-Madam energy vs FP32 / FP8 (Zhao et al., 2022)", "90% / 55% lower",
     "8-bit LNS at matched training accuracy; measured: the LNS section"),
    ("8/38-bit log-float MAC vs int8/32 MAC, 28 nm (Johnson, 2018)", "0.96x power, 1.12x area", "measured: the LNS section"),
]


def progress(msg):
    errors.status(f"\r[report] {msg:<78}")


def run(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True)
    except OSError as e:
        raise RuntimeError(f"{cmd[0]}: cannot run ({e.strerror})") from None


SYNTH_FIELDS = {"unit": "str", "variant": "str", "area_ge": "number", "transistors": "number", "depth": "number",
                "area_um2": "number", "delay_ns": "number"}
ACCURACY_COLUMNS = ("dist", "sqnr_db_activations", "rel_err_k256", "rel_err_k4096", "overflow_k4096")
# Newer fmalab: overflow events split into wraps and saturations (overflow_k = Inf/NaN, wrap or saturation).
ACCURACY_OPTIONAL = ("wrap_k4096", "sat_k4096")
# Energy is measured on osu018 (180 nm, 1.8 V); the published figures are Horowitz's 45 nm, 0.9 V. First-order
# scaling, stated in the report: switched energy C V^2 with C proportional to the feature size.
MEASURED_NODE, MEASURED_VDD, REF_NODE, REF_VDD = 180, 1.8, 45, 0.9
SCALE_TO_45NM = (REF_NODE / MEASURED_NODE) * (REF_VDD / MEASURED_VDD) ** 2
PUBLISHED_RANGE = (1.5, 2.8)  # van Baalen et al.: FP8 against INT8, dedicated hardware


def read_synth(path):
    """flow.py's synth.json: one record per unit and variant."""
    synth = errors.read_json(path, "synth.json")
    errors.need(isinstance(synth, list) and synth, path, "expected a non-empty list of synthesis records")
    for i, rec in enumerate(synth):
        for key, kind in SYNTH_FIELDS.items():
            errors.field(rec, key, path, f"record {i}", kind)
    return synth


def energy_of(fmalab, work, rec, count, streams):
    out = os.path.join(work, f"{rec['unit']}_{rec['variant']}", "energy.json")
    r = run([sys.executable, os.path.join(HERE, "gatesim.py"), "--synth", work, "--unit", rec["unit"], "--variant",
             rec["variant"], "--fmalab", fmalab, "--count", str(count), "--streams", ",".join(streams),
             "--json", out])
    if r.returncode not in (0, 1) or not os.path.exists(out):
        raise RuntimeError(f"gatesim failed on {rec['unit']} ({rec['variant']}): {r.stderr.strip()[-300:]}")
    data = errors.read_json(out, "gatesim.py JSON file")
    got = errors.field(data, "streams", out, "top level", "dict")
    for name in streams:
        errors.field(got, name, out, "streams", "dict")
        errors.field(got[name], "pj_per_op", out, f"stream {name}")
        errors.field(got[name], "vectors", out, f"stream {name}", "int")
    data["mismatches"] = [line for line in r.stdout.splitlines() if line.startswith("MISMATCH")]
    return data


def accuracy_of(fmalab, unit):
    r = run([fmalab, "accuracy", unit, "--dist", "all", "--seed", "1", "--trials", "200"])
    if r.returncode:
        raise RuntimeError(f"fmalab accuracy {unit} failed: {r.stderr.strip()}")
    return parse_accuracy(r.stdout, f"{fmalab} accuracy {unit} (stdout)")


def parse_accuracy(text, source):
    """`fmalab accuracy` CSV: {dist: {column: value}}; an InputError naming source:line:column."""
    rows = list(csv.reader(io.StringIO(text)))
    errors.need(rows, source, "no CSV header")
    head = rows[0]
    missing = [c for c in ACCURACY_COLUMNS if c not in head]  # ACCURACY_OPTIONAL may be absent (older fmalab)
    errors.need(not missing, source, f"CSV header lacks {', '.join(missing)}: {errors.excerpt(','.join(head))}")
    errors.need(len(rows) > 1, source, "no CSV rows after the header")
    out = {}
    for n, row in enumerate(rows[1:], 2):
        if not row:  # a blank line, skipped as csv.DictReader does
            continue
        errors.need(len(row) == len(head), f"{source}:{n}", f"{len(row)} cells, the header has {len(head)}")
        cells = dict(zip(head, row))
        out[cells["dist"]] = {k: errors.csv_float(v, source, n, col, k)
                              for col, (k, v) in enumerate(zip(head, row), 1) if k != "dist"}
    return out


def macs_of(reg, unit):
    """Multiply-accumulates per operation: the element count of the unit's `a` port (a dot unit's K)."""
    return next((p.count for p in reg.need(unit).inputs if p.name == "a"), 1)


def build_rows(synth, energy, accuracy, dists, reg):
    base = {r["variant"]: r for r in synth if r["unit"] == BASE_UNIT}
    rows = []
    for rec in synth:
        row = {k: rec[k] for k in ("unit", "variant", "area_ge", "transistors", "depth", "area_um2", "delay_ns")}
        row["macs_per_op"] = macs_of(reg, rec["unit"])
        streams = energy[(rec["unit"], rec["variant"])]["streams"]
        for d in dists:
            row[f"pj_per_op_{d}"] = streams[d]["pj_per_op"]
        acc = accuracy[rec["unit"]]
        set_accuracy(row, accuracy[rec["unit"]], dists)
        b = base.get(rec["variant"])
        if b:
            bstreams = energy[(BASE_UNIT, rec["variant"])]["streams"]
            row["area_vs_mac_int8"] = rec["area_ge"] / b["area_ge"]
            for d in dists:
                row[f"energy_{d}_vs_mac_int8"] = streams[d]["pj_per_op"] / bstreams[d]["pj_per_op"]
        row["pj_per_op_zero"] = streams["zero"]["pj_per_op"]
        row["netlist_vectors_checked"] = sum(s["vectors"] for s in streams.values())
        rows.append({k: float(f"{v:.6g}") if isinstance(v, float) else v for k, v in row.items()})
    return with_best_int8(rows, dists)


def set_accuracy(row, acc, dists):
    """A unit's `fmalab accuracy` figures into its row (every variant of a unit computes the same)."""
    for d in dists:
        row[f"sqnr_db_{d}"] = acc[d]["sqnr_db_activations"]
        row[f"rel_err_k256_{d}"] = acc[d]["rel_err_k256"]
        row[f"rel_err_k4096_{d}"] = acc[d]["rel_err_k4096"]
        row[f"overflow_k4096_{d}"] = acc[d]["overflow_k4096"]
        for c in ACCURACY_OPTIONAL:
            if c in acc[d]:
                row[f"{c}_{d}"] = acc[d][c]


def with_best_int8(rows, dists):
    """Each row's ratios against the best INT8 MAC: the smallest mac_int8 area and the least mac_int8
    energy over its multiplier variants (area_vs_mac_int8 divides by the same variant's mac_int8)."""
    base = [r for r in rows if r["unit"] == BASE_UNIT]
    if not base:
        return rows
    area = min(r["area_ge"] for r in base)
    energy = {d: min(r[f"pj_per_op_{d}"] for r in base) for d in dists}
    for r in rows:
        r["area_vs_best_int8"] = float(f"{r['area_ge'] / area:.6g}")
        for d in dists:
            r[f"energy_{d}_vs_best_int8"] = float(f"{r[f'pj_per_op_{d}'] / energy[d]:.6g}")
        r["pj_per_op_gaussian_45nm"] = float(f"{r['pj_per_op_gaussian'] * SCALE_TO_45NM:.6g}")
    return rows


def save_png(fig, path):
    """The figure as a PNG, written atomically (errors.write_bytes)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    errors.write_bytes(path, buf.getvalue())


def bar_labels(ax, rows):
    """One tick per row, rotated so that long unit names do not run into each other."""
    ax.set_xticks(range(len(rows)), [f"{r['unit']} ({r['variant']})" for r in rows], fontsize=7, rotation=60,
                  ha="right", rotation_mode="anchor")


def failed(r, d="gaussian"):
    """A unit whose K=4096 result overflowed (Inf/NaN, wrap or saturation) in some trial, or has no error."""
    err = r.get(f"rel_err_k4096_{d}")
    return err is None or err != err or (r.get(f"overflow_k4096_{d}") or 0) > 0


def spread_labels(points, min_gap):
    """Label heights for points [(x, y)] in axis fractions: each at its point, pushed up past any
    label already placed at a nearby x that it would overlap. Returned in the points' order."""
    order = sorted(range(len(points)), key=lambda i: points[i][1])
    placed, out = [], [0.0] * len(points)
    for i in order:
        x, h = points[i]
        for px, ph in sorted(placed, key=lambda p: p[1]):
            if abs(px - x) < 0.3 and abs(ph - h) < min_gap:
                h = ph + min_gap
        placed.append((x, h))
        out[i] = h
    return out


def pareto(rows, path):
    """Accuracy against energy, one point per unit (booth4). Units that overflowed are listed apart
    (they have no comparable error); exact units sit on their own band below the chart."""
    import math
    pts = [r for r in rows if r["variant"] == "booth4"]
    ok = [r for r in pts if not failed(r) and r["rel_err_k4096_gaussian"] > 0]
    exact = [r for r in pts if not failed(r) and r["rel_err_k4096_gaussian"] == 0]
    bad = [r for r in pts if failed(r)]
    fig, (ax, side) = plt.subplots(1, 2, figsize=(11, 5.2), gridspec_kw={"width_ratios": [3, 1]})
    xs = [r["pj_per_op_gaussian"] for r in pts if r["pj_per_op_gaussian"] > 0] or [1]
    ax.set_xscale("log")
    ax.set_yscale("log")
    errs = [r["rel_err_k4096_gaussian"] for r in ok] or [1e-6]
    lo, hi = min(errs) / 10, max(errs) * 10
    band = lo / 10  # the exact units' band, below every measured error
    for r in ok:
        ax.scatter(r["pj_per_op_gaussian"], r["rel_err_k4096_gaussian"], marker="o", s=40, color="#4477aa")
    for r in exact:
        ax.scatter(r["pj_per_op_gaussian"], band, marker="v", s=50, color="#228833")
    ax.axhline(lo, color="#999", lw=0.8, ls="--")
    ax.set_ylim(band / 3, hi)
    ax.set_xlim(min(xs) / 1.5, max(xs) * 3)
    # Labels in axis fractions (log axes), spread so that none overlaps another.
    x0, x1, y0, y1 = (math.log10(v) for v in (*ax.get_xlim(), *ax.get_ylim()))
    items = [(r, r["pj_per_op_gaussian"], r["rel_err_k4096_gaussian"]) for r in ok] + \
            [(r, r["pj_per_op_gaussian"], band) for r in exact]
    frac = [((math.log10(x) - x0) / (x1 - x0), (math.log10(y) - y0) / (y1 - y0)) for _, x, y in items]
    for (r, x, y), (fx, fy), h in zip(items, frac, spread_labels(frac, 0.05)):
        ax.annotate(r["unit"], (x, y), xytext=(fx + 0.015, h), textcoords="axes fraction", fontsize=7, va="center",
                    arrowprops={"arrowstyle": "-", "color": "#bbb"} if h != fy else None)
    ax.text(0.01, (math.log10(band) - y0) / (y1 - y0) + 0.04, "exact (error 0)", transform=ax.transAxes, fontsize=7,
            color="#228833")
    ax.set_xlabel("energy, pJ per operation (gaussian stream, booth4; osu018 180 nm, 1.8 V)")
    ax.set_ylabel("median relative error, K=4096 dot product")
    ax.set_title("Accuracy against energy (lower left is better)", fontsize=10)
    side.axis("off")
    side.set_title("overflowed, not plotted", fontsize=9, color="#aa3377")
    lines = [f"{r['unit']}: {100 * (r.get('overflow_k4096_gaussian') or 0):.0f}% of trials" for r in bad] or ["none"]
    side.text(0, 1, "\n".join(lines), va="top", fontsize=8, transform=side.transAxes)
    fig.tight_layout()
    save_png(fig, path)
    plt.close(fig)


def plots(rows, out, dists):
    fig, ax = plt.subplots(figsize=(11, 4.8))
    ax.bar(range(len(rows)), [r["area_ge"] for r in rows], color=["#4477aa" if r["variant"] == "booth4" else "#88bbdd"
                                                                   for r in rows])
    bar_labels(ax, rows)
    ax.set_ylabel("area (NAND2 equivalents, FreePDK45)")
    ax.set_title("Area per unit and multiplier variant")
    fig.tight_layout()
    save_png(fig, os.path.join(out, "area.png"))
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(11, 4.8))
    w = 0.8 / len(dists)
    for k, d in enumerate(dists):
        ax.bar([i + (k - (len(dists) - 1) / 2) * w for i in range(len(rows))], [r[f"pj_per_op_{d}"] for r in rows], w,
               label=d)
    bar_labels(ax, rows)
    ax.set_ylabel("pJ per operation (osu018, 180 nm, 1.8 V)")
    ax.set_title("Energy per operation by operand distribution")
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_png(fig, os.path.join(out, "energy.png"))
    plt.close(fig)
    pareto(rows, os.path.join(out, "pareto.png"))


def fmt(v):
    """Four significant digits: enough to tell rows apart (0.018 from 0.016)."""
    if isinstance(v, float):
        if v != v:
            return "n/a"
        if v == 0:
            return "0"
        if abs(v) >= 1e4:
            return f"{v:,.0f}"
        if abs(v) < 1e-3:
            return f"{v:.3e}"
        return f"{v:.4g}"
    return html.escape(str(v))


def table(rows, cols, head=None):
    h = "<tr>" + "".join(f"<th>{html.escape(head.get(c, c) if head else c)}</th>" for c in cols) + "</tr>"
    body = "".join("<tr>" + "".join(f"<td>{fmt(r.get(c, ''))}</td>" for c in cols) + "</tr>" for r in rows)
    return f'<div class="scroll"><table>{h}{body}</table></div>'


# The accumulation study's shape (synth/accumulation.py).
ACC_KS, ACC_ROWS, ACC_COLS, ACC_SEED, ACC_PROMOTE = [256, 512, 1024, 2048, 4096, 8192, 16384], 32, 8, 1, 128
# The formats study's shape (synth/formats.py).
FMT_K, FMT_ROWS, FMT_COLS = 4096, 16, 16


def dot_rows(rows):
    """Per MAC, every multi-term unit beside K scalar FP8 FMAs and the INT8 MAC (same multiplier)."""
    by = {(r["unit"], r["variant"]): r for r in rows}
    out = []
    for r in rows:
        k = r["macs_per_op"]
        fma, mac = by.get((FP8_UNIT, r["variant"])), by.get((BASE_UNIT, r["variant"]))
        if k == 1 or not fma or not mac:
            continue
        out.append({"unit": r["unit"], "variant": r["variant"], "macs_per_op": k, "area_ge": r["area_ge"],
                    "depth": r["depth"], "area_ge_per_mac": r["area_ge"] / k,
                    "pj_per_mac_gaussian": r["pj_per_op_gaussian"] / k,
                    "area_per_mac_vs_fma": r["area_ge"] / k / fma["area_ge"],
                    "energy_per_mac_vs_fma": r["pj_per_op_gaussian"] / k / fma["pj_per_op_gaussian"],
                    "depth_vs_fma_chain": r["depth"] / (k * fma["depth"]),
                    "area_per_mac_vs_mac_int8": r["area_ge"] / k / mac["area_ge"],
                    "energy_per_mac_vs_mac_int8": r["pj_per_op_gaussian"] / k / mac["pj_per_op_gaussian"]})
    return [{k: float(f"{v:.4g}") if isinstance(v, float) else v for k, v in d.items()} for d in out]


def dot_summary(rows):
    by = {(r["unit"], r["variant"]): r for r in rows}
    cut, exact = by.get((TRUNCATING_DOT, "booth4")), by.get((TRUNCATING_DOT + "_exact", "booth4"))
    if not cut or not exact:
        return ""
    return (f"<p><b>Exact against truncating:</b> {exact['unit']} (every bit of the 16 products kept, one rounding "
            f"in any mode) costs {exact['area_ge'] / cut['area_ge']:.2f}x the area and "
            f"{exact['pj_per_op_gaussian'] / cut['pj_per_op_gaussian']:.2f}x the energy per operation (gaussian) "
            f"of {cut['unit']} (H100's 14-bit window, truncated, round toward zero).</p>")


def against_range(x, lo_hi=PUBLISHED_RANGE):
    lo, hi = lo_hi
    return "inside" if lo <= x <= hi else ("below" if x < lo else "above")


def ratio_sentences(unit, rows):
    """unit against the INT8 MAC: per multiplier variant (same variant's mac_int8) and against the best
    INT8 MAC (least area, least energy over the variants), each placed against the published range."""
    by = {(r["unit"], r["variant"]): r for r in rows}
    ints = [r for r in rows if r["unit"] == BASE_UNIT]
    mine = [r for r in rows if r["unit"] == unit]
    if not ints or not mine:
        return []
    says = []
    for r in mine:
        b = by.get((BASE_UNIT, r["variant"]))
        if b:
            a, e = r["area_ge"] / b["area_ge"], r["pj_per_op_gaussian"] / b["pj_per_op_gaussian"]
            says.append(f"{unit} against {BASE_UNIT}, both with {r['variant']} multipliers: area {a:.2f}x "
                        f"({against_range(a)} the published 1.5x-2.8x), energy {e:.2f}x ({against_range(e)} it).")
    best_a = min(ints, key=lambda r: r["area_ge"])
    best_e = min(ints, key=lambda r: r["pj_per_op_gaussian"])
    r_a = min(mine, key=lambda r: r["area_ge"])
    r_e = min(mine, key=lambda r: r["pj_per_op_gaussian"])
    a, e = r_a["area_ge"] / best_a["area_ge"], r_e["pj_per_op_gaussian"] / best_e["pj_per_op_gaussian"]
    says.append(f"Best against best ({unit}'s smallest variant, {r_a['variant']}, against the smallest INT8 MAC, "
                f"{best_a['variant']}, {best_a['area_ge']:.0f} GE; energy likewise, {r_e['variant']} against "
                f"{best_e['variant']}): area {a:.2f}x ({against_range(a)} the published range), energy {e:.2f}x "
                f"({against_range(e)} it).")
    if len(ints) > 1:
        big, small = max(ints, key=lambda r: r["area_ge"]), best_a
        says.append(f"The INT8 baseline itself moves: {BASE_UNIT} is {big['area_ge']:.0f} GE with the {big['variant']} "
                    f"multiplier and {small['area_ge']:.0f} GE with {small['variant']} "
                    f"({big['area_ge'] / small['area_ge']:.2f}x), so a ratio depends on the variant it divides by.")
    return says


def half_macs(rows):
    """The units that are half a MAC (a multiplier or an adder: no `c` input in rtl/units.json); a unit
    the registry does not know counts as a whole MAC."""
    reg = registry.load()
    return {u for u in {r["unit"] for r in rows}
            if reg.find(u) is not None and not any(p.name == "c" for p in reg.find(u).inputs)}


def winners(rows, dists):
    """Which unit wins where, from the measured numbers: per distribution, the least energy per MAC
    among the whole MACs whose K=4096 dot product did not overflow, and the cheapest more accurate one."""
    says = []
    halves = half_macs(rows)
    for d in dists:
        cand = [r for r in rows if r["variant"] == "booth4" and not failed(r, d) and r["unit"] not in halves]
        if not cand:
            continue
        per_mac = lambda r: r[f"pj_per_op_{d}"] / r.get("macs_per_op", 1)
        cheap = min(cand, key=per_mac)
        line = (f"{d}: the least energy per MAC without overflow is {cheap['unit']} ({per_mac(cheap):.4g} pJ, input "
                f"SQNR {cheap[f'sqnr_db_{d}']:.1f} dB, K=4096 accumulation error {fmt(cheap[f'rel_err_k4096_{d}'])})")
        better = [r for r in cand if r[f"sqnr_db_{d}"] > cheap[f"sqnr_db_{d}"] + 1]
        if better:
            nxt = min(better, key=per_mac)
            line += (f"; the cheapest with a higher SQNR is {nxt['unit']} ({per_mac(nxt) / per_mac(cheap):.2f}x the "
                     f"energy per MAC, {nxt[f'sqnr_db_{d}']:.1f} dB, error {fmt(nxt[f'rel_err_k4096_{d}'])})")
        gone = sorted({r["unit"] for r in rows if failed(r, d)})
        if gone:
            line += f"; overflowed and left out: {', '.join(gone)}"
        says.append(line + ".")
    if halves:
        says.append(f"Left out of the comparison above as half a MAC each (a multiplier or an adder alone): "
                    f"{', '.join(sorted(halves))}; the LNS section sets them beside whole MACs.")
    return says


def fixed_sentence(rows):
    by = {(r["unit"], r["variant"]): r for r in rows}
    fx, fp8 = by.get((FIXED_UNIT, "booth4")), by.get((FP8_UNIT, "booth4"))
    if not fx or not fp8:
        return []
    da, de = 1 - fx["area_ge"] / fp8["area_ge"], 1 - fx["pj_per_op_gaussian"] / fp8["pj_per_op_gaussian"]
    err = fx["rel_err_k4096_gaussian"]
    return [f"Fixed-point accumulator ({FIXED_UNIT}) against fp32 ({FP8_UNIT}), booth4: {abs(100 * da):.1f}% "
            f"{'less' if da >= 0 else 'more'} area, {abs(100 * de):.1f}% {'less' if de >= 0 else 'more'} energy "
            f"(gaussian); K=4096 error {fmt(err)} against fp32's {fmt(fp8['rel_err_k4096_gaussian'])}, overflow in "
            f"{100 * (fx.get('overflow_k4096_gaussian') or 0):.0f}% of trials."]


def conclusions(rows, dists):
    """The report's conclusions, every one computed from rows."""
    says = ratio_sentences(FP8_UNIT, rows) + fixed_sentence(rows) + winners(rows, dists)
    return "<ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in says) + "</ul>"


def node_note(rows):
    """The INT8 MAC's measured energy at its own node and scaled to the published figures' (computed)."""
    ints = [r for r in rows if r["unit"] == BASE_UNIT]
    if not ints:
        return ""
    lo, hi = min(r["pj_per_op_gaussian"] for r in ints), max(r["pj_per_op_gaussian"] for r in ints)
    return (f'<p class="note">The measured pJ are osu018 figures (180 nm, 1.8 V); the published ones below are '
            f"45 nm. {BASE_UNIT} measures {lo:.3g}-{hi:.3g} pJ per MAC (gaussian, over its variants), "
            f"{lo * SCALE_TO_45NM:.3g}-{hi * SCALE_TO_45NM:.3g} pJ scaled to 45 nm, 0.9 V (x{SCALE_TO_45NM:.4g}, "
            f"see Cost), against about 0.3 pJ published for an 8b multiply and a 32b add (Horowitz); the rest of "
            f"the gap is not explained by this first-order scaling (libraries, wires and the circuits differ).</p>")


def one_per_unit(rows):
    """The accuracy rows: one per unit (its variants compute the same numbers)."""
    seen, out = set(), []
    for r in rows:
        if r["unit"] not in seen:
            seen.add(r["unit"])
            out.append(r)
    return out


def write_html(rows, out, meta, dists, study_html="", formats_html="", lns_html=""):
    summary = conclusions(rows, dists)
    main_cols = ["unit", "variant", "area_ge", "transistors", "depth", "area_um2", "delay_ns"] + \
                [f"pj_per_op_{d}" for d in dists] + ["pj_per_op_gaussian_45nm", "area_vs_mac_int8",
                                                     "energy_gaussian_vs_mac_int8", "area_vs_best_int8",
                                                     "energy_gaussian_vs_best_int8"]
    over = [c for c in ("overflow_k4096_gaussian", "wrap_k4096_gaussian", "sat_k4096_gaussian") if c in rows[0]]
    acc_cols = ["unit"] + [f"sqnr_db_{d}" for d in dists] + \
               [f"rel_err_k256_{d}" for d in dists] + [f"rel_err_k4096_{d}" for d in dists] + over
    pub = "".join(f"<tr><td>{html.escape(a)}</td><td>{html.escape(b)}</td><td>{html.escape(c)}</td></tr>"
                  for a, b, c in PUBLISHED)
    doc = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>fmalab design-space report</title>
<style>
body {{ font-family: sans-serif; margin: 1.5em; max-width: 1250px; color: #222; overflow-wrap: anywhere; }}
.scroll {{ overflow-x: auto; max-width: 100%; }}
table {{ border-collapse: collapse; font-size: 12px; margin: 0.5em 0 1.5em; }}
th, td {{ border: 1px solid #ccc; padding: 3px 6px; text-align: right; }}
th {{ background: #eef; }} td:first-child, td:nth-child(2) {{ text-align: left; }}
img {{ max-width: 100%; border: 1px solid #ddd; margin: 0.4em 0; }}
.note {{ font-size: 12px; color: #555; }}
</style></head><body>
<h1>fmalab design-space report</h1>
<p class="note">{html.escape(meta)}</p>
{summary}
<h2>Cost</h2>
<p class="note">Two technologies, labelled: area_ge in NAND2 equivalents from FreePDK45 (45 nm) cell areas;
area_um2, delay_ns and every pJ figure from osu018 (180 nm, 1.8 V). pj_per_op_gaussian_45nm scales the measured
energy to Horowitz's 45 nm, 0.9 V by the first-order rule E = C V^2 with C proportional to the feature size:
x (45/180) (0.9/1.8)^2 = {SCALE_TO_45NM:.4g}; it ignores wires, leakage and the cell libraries' differences, so
it places the measured figures beside the published ones only to within a small factor.
area_vs_mac_int8 and energy_gaussian_vs_mac_int8 divide by {BASE_UNIT} with the <em>same</em> multiplier
variant (array by array, booth4 by booth4); area_vs_best_int8 and energy_gaussian_vs_best_int8 divide by the best
{BASE_UNIT} over its variants (least area; least energy).</p>
{table(rows, main_cols)}
<img src="area.png" alt="area per unit"><img src="energy.png" alt="energy per unit">
<h2>Accuracy</h2>
<p class="note">One row per unit (its multiplier variants compute the same numbers). SQNR: activations quantized
into the unit's input format with a per-tensor scale (max |x| to the format's max). Relative error: median over
trials of |unit - exact| / |exact| for K-term dot products accumulated by the unit's own datapath from zero, against
the exact sum of the same quantized products, over the trials that did not end in Inf/NaN ("n/a": all did).
overflow_k4096: the share of K=4096 trials with an overflow event: Inf/NaN (fp16 cannot hold e4m3 products of
max-scaled tensors), a wrap (wrap_k4096: a fixed-point accumulator's exact running sum left its range) or a
saturation (sat_k4096: the same clamped, or a float accumulator held at its max, under sat=1). A wrapped integer
sum can come back into range and end exact, so a small error does not mean no overflow.</p>
{table(one_per_unit(rows), acc_cols)}
<img src="pareto.png" alt="accuracy against energy">
<p class="note">Units with an overflow event in any K=4096 gaussian trial are listed beside the chart, not
plotted: their error is not comparable. Units with error 0 sit on their own band below the dashed line.</p>
<h2>Fused dot products: does fusing pay?</h2>
<p class="note">Each multi-term unit per multiply-accumulate, beside K scalar FP8 FMAs into fp32 ({FP8_UNIT}, a chain
of K units: K times its area, its energy per operation, K times its depth) and the INT8 MAC ({BASE_UNIT}), each with
the same multiplier variant. Energy on the gaussian stream.</p>
{table(dot_rows(rows), list(dot_rows(rows)[0]) if dot_rows(rows) else ["unit"])}
{dot_summary(rows)}
<h2>Accumulation: long dot products through each tensor core</h2>
{study_html}
<h2>Formats side by side: per-tensor INT8 and FP8, MX and NVFP4</h2>
{formats_html}
<h2>Logarithmic number formats: LNS-Madam beside INT8 and FP8</h2>
{lns_html}
<h2>Published figures</h2>
{node_note(rows)}
<div class="scroll"><table><tr><th>what</th><th>published</th><th>note</th></tr>{pub}</table></div>
<h2>Method</h2>
<p class="note">Synthesis: Yosys 0.23, one script for every unit (synth/unit.ys, <code>synth -noshare -flatten</code>).
Area in NAND2 equivalents on synth/cells/fmalab_ge.lib (NanGate FreePDK45 X1 areas over NAND2_X1); transistors
from <code>stat -tech cmos</code> on a CMOS NAND/NOR/NOT mapping; depth from <code>ltp</code>; um^2 and the
critical path (ABC <code>stime</code>, no wire load) on osu018_stdcells.lib. Energy: the osu018 netlist simulated
with Verilator (toggle coverage) on 100k-vector streams per distribution, each result and flag checked against the
golden model; per net, toggles x ((E_rise + E_fall)/2 of the driving cell's internal_power at the net's load and
0.1 ns input transition + C_load V^2 / 2); zero-delay, so glitches are not counted and the figures are lower
bounds. Streams: uniform = random bits in every operand; gaussian, laplace, outliers = weights and activations
quantized per tensor, c the running sum of 256-term dot products; the all-zero stream costs
{fmt(min(r['pj_per_op_zero'] for r in rows))} pJ/op (the floor: no switching).</p>
</body></html>
"""
    errors.write_text(os.path.join(out, "index.html"), doc)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fmalab", required=True)
    ap.add_argument("--work")
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, default=100000)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--from-json", metavar="DIR",
                    help="rebuild the HTML, plots and tables from DIR's units.json (and the studies' JSON files "
                         "when present), accuracy re-measured by --fmalab; no synthesis or gate-level energy")
    a = ap.parse_args()
    t0 = time.time()
    if a.from_json:
        return rebuild(a, t0)
    errors.need(a.work, "--work", "required unless --from-json is given")
    errors.need_exe(a.fmalab, "--fmalab")
    errors.make_dir(a.work, "--work")
    errors.make_dir(a.out, "--out")
    progress("synthesizing every unit (synth/flow.py)")
    r = subprocess.run([sys.executable, os.path.join(HERE, "flow.py"), "--out", a.work, "--jobs", str(a.jobs)])
    if r.returncode:
        sys.exit(2)
    synth = read_synth(os.path.join(a.work, "synth.json"))
    progress("accuracy")
    try:
        accuracy = {u: accuracy_of(a.fmalab, u) for u in sorted({rec["unit"] for rec in synth})}
    except RuntimeError as e:
        raise errors.InputError(str(e)) from None
    # The distributions are fmalab's own (`accuracy --dist all`), so a new one appears here unedited.
    dists = list(next(iter(accuracy.values())))
    for u, acc in accuracy.items():
        errors.need(set(acc) == set(dists), f"{a.fmalab} accuracy {u} (stdout)",
                    f"distributions {', '.join(acc)} differ from {', '.join(dists)}")
    energy, failures = {}, []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
        futs = {pool.submit(energy_of, a.fmalab, a.work, rec, a.count, dists + ["zero"]): rec for rec in synth}
        for n, fut in enumerate(concurrent.futures.as_completed(futs), 1):
            rec = futs[fut]
            try:
                data = fut.result()
            except RuntimeError as e:
                raise errors.InputError(str(e)) from None
            energy[(rec["unit"], rec["variant"])] = data
            failures += data["mismatches"]
            progress(f"gate-level energy {n}/{len(synth)}: {rec['unit']} ({rec['variant']})")
    rows = build_rows(synth, energy, accuracy, dists, registry.load())
    progress("accumulation study (fmalab gemm)")
    study = accumulation.study(a.fmalab, os.path.join(a.work, "accumulation"), ACC_KS, ACC_ROWS, ACC_COLS, ACC_SEED,
                               ACC_PROMOTE, progress)
    accumulation.write(study, a.out, ACC_PROMOTE)
    progress("formats side by side (fmalab quantize)")
    fmt_rows = formats.join_costs(formats.study(a.fmalab, os.path.join(a.work, "formats"), FMT_K, FMT_ROWS, FMT_COLS,
                                                ACC_SEED, progress), rows)
    formats.write(fmt_rows, a.out)
    progress("lnsadd methods against the exact sum (synth/lns_errors.py)")
    lns_err = lns_errors.table(a.fmalab, progress)
    errors.write_text(os.path.join(a.out, "lns_errors.json"), json.dumps(lns_err, indent=1))
    finish(rows, dists, a.out, study, fmt_rows, lns_err,
           f"{len(rows)} units x variants; {a.count} vectors per stream; generated in {time.time() - t0:.0f} s by "
           f"synth/report.py")
    errors.status(f"\n[report] {os.path.join(a.out, 'index.html')} ({time.time() - t0:.0f} s)\n")
    if failures:
        print("\n".join(failures[:10]))
        sys.exit(1)


def finish(rows, dists, out, study, fmt_rows, lns_err, meta):
    """Plots, units.csv/json, dot_units.json and index.html from the measured rows and the studies'."""
    progress("plots and tables")
    plots(rows, out, dists)
    cols = list(rows[0].keys())
    first = ["unit", "variant", "area_ge", "transistors", "depth", "area_um2", "delay_ns"] + \
            [f"pj_per_op_{d}" for d in dists]
    acc = [c for c in cols if c.startswith(("sqnr_db_", "rel_err_", "overflow_"))]
    cols = first + acc + [c for c in cols if c not in first and c not in acc]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    errors.write_text(os.path.join(out, "units.csv"), buf.getvalue())
    errors.write_text(os.path.join(out, "units.json"), json.dumps(rows, indent=1))
    errors.write_text(os.path.join(out, "dot_units.json"), json.dumps(dot_rows(rows), indent=1))
    write_html(rows, out, meta, dists,
               accumulation.html_section(study, ACC_PROMOTE, ACC_ROWS, ACC_COLS, ACC_SEED) if study else "",
               formats.html_section(fmt_rows, FMT_K, FMT_ROWS, FMT_COLS, ACC_SEED) if fmt_rows else "",
               lns_report.html_section(rows, lns_err))


def rebuild(a, t0):
    """--from-json: a finished run's rows with their accuracy measured again (new columns, a changed
    accuracy method), then everything finish() writes. Studies whose JSON file is absent are left out."""
    src = a.from_json
    errors.need_exe(a.fmalab, "--fmalab")
    errors.make_dir(a.out, "--out")
    path = os.path.join(src, "units.json")
    rows = errors.read_json(path, "units.json")
    errors.need(isinstance(rows, list) and rows and all(isinstance(r, dict) for r in rows), path,
                "expected a non-empty list of unit rows")
    for i, r in enumerate(rows):
        for key in ("unit", "variant"):
            errors.field(r, key, path, f"row {i}", "str")
        for key in ("area_ge", "pj_per_op_gaussian"):
            errors.field(r, key, path, f"row {i}")
    dists = [k[len("pj_per_op_"):] for k in rows[0] if k.startswith("pj_per_op_") and k != "pj_per_op_zero"
             and not k.endswith("_45nm")]
    progress("accuracy")
    try:
        accuracy = {u: accuracy_of(a.fmalab, u) for u in sorted({r["unit"] for r in rows})}
    except RuntimeError as e:
        raise errors.InputError(str(e)) from None
    for r in rows:
        missing = [d for d in dists if d not in accuracy[r["unit"]]]
        errors.need(not missing, f"{a.fmalab} accuracy {r['unit']}", f"no row for {', '.join(missing)}")
        set_accuracy(r, accuracy[r["unit"]], dists)
    rows = with_best_int8([{k: float(f"{v:.6g}") if isinstance(v, float) else v for k, v in r.items()} for r in rows],
                          dists)

    def optional(name):
        p = os.path.join(src, name)
        return errors.read_json(p, name) if os.path.exists(p) else None
    study, fmt_rows, lns_err = optional("accumulation.json"), optional("formats.json"), optional("lns_errors.json")
    if study:
        accumulation.write(study, a.out, ACC_PROMOTE)
    if fmt_rows:
        formats.write(fmt_rows, a.out)
    if lns_err is not None:
        errors.write_text(os.path.join(a.out, "lns_errors.json"), json.dumps(lns_err, indent=1))
    finish(rows, dists, a.out, study, fmt_rows, lns_err or [],
           f"{len(rows)} units x variants, rebuilt from {src}/units.json in {time.time() - t0:.0f} s by synth/report.py "
           f"--from-json (accuracy measured again)")
    errors.status(f"\n[report] {os.path.join(a.out, 'index.html')} ({time.time() - t0:.0f} s)\n")


if __name__ == "__main__":
    errors.run_main("report.py", main)
