#!/usr/bin/env python3
"""The design-space report, fmalab's main job: every RTL unit and multiplier variant synthesized,
simulated at gate level for energy on each distribution, and measured for accuracy.

  report.py --fmalab build/bin/fmalab --work build/synth --out build/report [--count 100000] [--jobs 2]

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
    missing = [c for c in ACCURACY_COLUMNS if c not in head]
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
        for d in dists:
            row[f"sqnr_db_{d}"] = acc[d]["sqnr_db_activations"]
            row[f"rel_err_k256_{d}"] = acc[d]["rel_err_k256"]
            row[f"rel_err_k4096_{d}"] = acc[d]["rel_err_k4096"]
            row[f"overflow_k4096_{d}"] = acc[d]["overflow_k4096"]
        b = base.get(rec["variant"])
        if b:
            bstreams = energy[(BASE_UNIT, rec["variant"])]["streams"]
            row["area_vs_mac_int8"] = rec["area_ge"] / b["area_ge"]
            for d in dists:
                row[f"energy_{d}_vs_mac_int8"] = streams[d]["pj_per_op"] / bstreams[d]["pj_per_op"]
        row["pj_per_op_zero"] = streams["zero"]["pj_per_op"]
        row["netlist_vectors_checked"] = sum(s["vectors"] for s in streams.values())
        rows.append({k: float(f"{v:.6g}") if isinstance(v, float) else v for k, v in row.items()})
    return rows


def save_png(fig, path):
    """The figure as a PNG, written atomically (errors.write_bytes)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    errors.write_bytes(path, buf.getvalue())


def plots(rows, out, dists):
    labels = [f"{r['unit']}\n{r['variant']}" for r in rows]
    fig, ax = plt.subplots(figsize=(11, 4.2))
    ax.bar(range(len(rows)), [r["area_ge"] for r in rows], color=["#4477aa" if r["variant"] == "booth4" else "#88bbdd"
                                                                   for r in rows])
    ax.set_xticks(range(len(rows)), labels, fontsize=7)
    ax.set_ylabel("area (NAND2 equivalents)")
    ax.set_title("Area per unit and multiplier variant")
    fig.tight_layout()
    save_png(fig, os.path.join(out, "area.png"))
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(11, 4.2))
    w = 0.8 / len(dists)
    for k, d in enumerate(dists):
        ax.bar([i + (k - (len(dists) - 1) / 2) * w for i in range(len(rows))], [r[f"pj_per_op_{d}"] for r in rows], w,
               label=d)
    ax.set_xticks(range(len(rows)), labels, fontsize=7)
    ax.set_ylabel("pJ per operation (osu018, 1.8 V)")
    ax.set_title("Energy per operation by operand distribution")
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_png(fig, os.path.join(out, "energy.png"))
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7.5, 5))
    floor = 1e-10
    at_floor = 0
    for r in rows:
        if r["variant"] != "booth4":
            continue
        err = r["rel_err_k4096_gaussian"]
        y = floor if err != err or err <= 0 else err  # exact (0) or overflowed (NaN) drawn at the floor
        marker = "x" if err != err else "o"
        ax.scatter(r["pj_per_op_gaussian"], y, marker=marker, s=60)
        note = " (overflows)" if err != err else (" (exact)" if err == 0 else "")
        lift = 0
        if y == floor:  # several units share the floor: stack their labels
            lift, at_floor = 12 * at_floor, at_floor + 1
        ax.annotate(r["unit"] + note, (r["pj_per_op_gaussian"], y), fontsize=8, xytext=(5, 4 + lift),
                    textcoords="offset points", arrowprops={"arrowstyle": "-", "color": "#999"} if lift else None)
    ax.set_yscale("log")
    ax.set_xlabel("energy, pJ per operation (gaussian stream, booth4 variants)")
    ax.set_ylabel("median relative error, K=4096 dot product\n(exact and overflowing units drawn at 1e-10)")
    ax.set_title("Accuracy against energy (lower left is better)")
    fig.tight_layout()
    save_png(fig, os.path.join(out, "pareto.png"))
    plt.close(fig)


def fmt(v):
    if isinstance(v, float):
        if v != v:
            return "overflow"
        if v == 0:
            return "0"
        if abs(v) >= 1e4:
            return f"{v:,.0f}"
        return f"{v:.3g}" if abs(v) < 1e-2 else f"{v:,.2f}"
    return html.escape(str(v))


def table(rows, cols, head=None):
    h = "<tr>" + "".join(f"<th>{html.escape(head.get(c, c) if head else c)}</th>" for c in cols) + "</tr>"
    body = "".join("<tr>" + "".join(f"<td>{fmt(r.get(c, ''))}</td>" for c in cols) + "</tr>" for r in rows)
    return f"<table>{h}{body}</table>"


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


def write_html(rows, out, meta, dists, study_html="", formats_html="", lns_html=""):
    by = {(r["unit"], r["variant"]): r for r in rows}
    fp8, int8, fx = by.get((FP8_UNIT, "booth4")), by.get((BASE_UNIT, "booth4")), by.get((FIXED_UNIT, "booth4"))
    summary = ""
    if fp8 and int8:
        summary += (f"<p><b>FP8 FMA into fp32 ({FP8_UNIT}) against the INT8 MAC ({BASE_UNIT}), both with radix-4 Booth "
                    f"multipliers:</b> area {fp8['area_ge'] / int8['area_ge']:.2f}x, energy on the gaussian stream "
                    f"{fp8['pj_per_op_gaussian'] / int8['pj_per_op_gaussian']:.2f}x. The published range for FP8 against "
                    f"INT8 is 1.5x to 2.8x (van Baalen et al., gate-count estimates). The energy ratio falls inside it; "
                    f"the area ratio lies above it because the FP8 unit carries a whole fp32 adder (alignment "
                    f"shifter, leading-zero count, normalizer, rounding) where the INT8 MAC has a 32-bit integer "
                    f"adder, while its 4x4-bit significand multiplier is smaller than the 8x8 one. The fixed-point "
                    f"row below isolates that adder.</p>")
    if fx and fp8:
        summary += (f"<p><b>Fixed-point accumulator ({FIXED_UNIT}) against fp32:</b> "
                    f"{100 * (1 - fx['area_ge'] / fp8['area_ge']):.0f}% less area and "
                    f"{100 * (1 - fx['pj_per_op_gaussian'] / fp8['pj_per_op_gaussian']):.0f}% less energy "
                    f"(gaussian), with exact accumulation (relative error 0) while the sum stays in range; "
                    f"{fx['area_ge'] / int8['area_ge']:.2f}x the INT8 MAC's area.</p>")
    main_cols = ["unit", "variant", "area_ge", "transistors", "depth", "area_um2", "delay_ns"] + \
                [f"pj_per_op_{d}" for d in dists] + ["area_vs_mac_int8", "energy_gaussian_vs_mac_int8"]
    acc_cols = ["unit", "variant"] + [f"sqnr_db_{d}" for d in dists] + \
               [f"rel_err_k256_{d}" for d in dists] + [f"rel_err_k4096_{d}" for d in dists]
    pub = "".join(f"<tr><td>{html.escape(a)}</td><td>{html.escape(b)}</td><td>{html.escape(c)}</td></tr>"
                  for a, b, c in PUBLISHED)
    doc = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>fmalab design-space report</title>
<style>
body {{ font-family: sans-serif; margin: 1.5em; max-width: 1250px; color: #222; }}
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
{table(rows, main_cols)}
<img src="area.png" alt="area per unit"><img src="energy.png" alt="energy per unit">
<h2>Accuracy</h2>
<p class="note">SQNR: activations quantized into the unit's input format with a per-tensor scale (max |x| to the
format's max). Relative error: median over trials of |unit - exact| / |exact| for K-term dot products accumulated
by the unit's own datapath from zero, against the exact sum of the same quantized products; "overflow" means the
accumulator reached Inf/NaN in most trials (fp16 cannot hold e4m3 products of max-scaled tensors).</p>
{table(rows, acc_cols)}
<img src="pareto.png" alt="accuracy against energy">
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
<table><tr><th>what</th><th>published</th><th>note</th></tr>{pub}</table>
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
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, default=100000)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    a = ap.parse_args()
    t0 = time.time()
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
    progress("plots and tables")
    plots(rows, a.out, dists)
    cols = list(rows[0].keys())
    first = ["unit", "variant", "area_ge", "transistors", "depth", "area_um2", "delay_ns"] + \
            [f"pj_per_op_{d}" for d in dists]
    acc = [c for c in cols if c.startswith(("sqnr_db_", "rel_err_", "overflow_"))]
    cols = first + acc + [c for c in cols if c not in first and c not in acc]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    errors.write_text(os.path.join(a.out, "units.csv"), buf.getvalue())
    errors.write_text(os.path.join(a.out, "units.json"), json.dumps(rows, indent=1))
    errors.write_text(os.path.join(a.out, "dot_units.json"), json.dumps(dot_rows(rows), indent=1))
    meta = (f"{len(rows)} units x variants; {a.count} vectors per stream; generated in {time.time() - t0:.0f} s by "
            f"synth/report.py")
    write_html(rows, a.out, meta, dists,
               accumulation.html_section(study, ACC_PROMOTE, ACC_ROWS, ACC_COLS, ACC_SEED),
               formats.html_section(fmt_rows, FMT_K, FMT_ROWS, FMT_COLS, ACC_SEED),
               lns_report.html_section(rows, lns_err))
    errors.status(f"\n[report] {os.path.join(a.out, 'index.html')} ({time.time() - t0:.0f} s)\n")
    if failures:
        print("\n".join(failures[:10]))
        sys.exit(1)


if __name__ == "__main__":
    errors.run_main("report.py", main)
