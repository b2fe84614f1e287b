"""The report's LNS section: the LNS units per MAC beside INT8 and FP8, the measured saving against
LNS-Madam's published one, and how far lnsadd's methods are from the exact sum (synth/lns_errors.py).
"""
import html

MADAM_UNIT = "lns8_mac_madam"
# What the LNS-Madam MAC is held against: the INT8 MAC, the scalar FP8 FMA into fp32, and the fused
# FP8 dot unit (products summed exactly, one rounding), as LNS-Madam's FP8 baseline is a vector MAC.
AGAINST = [("mac_int8", "INT8 MAC"), ("fma_e4m3_fp32", "FP8 FMA into fp32"),
           ("dot16_e4m3_fp32_exact", "fused FP8 dot (16 lanes)")]
MADAM_SAVING_VS_FP8 = 0.55  # Zhao et al. 2022: energy 55% below FP8 at matched training accuracy
JOHNSON_POWER_VS_INT8 = 0.96  # Johnson 2018: 8/38-bit log-float MAC at 0.96x an int8/32 MAC's power
DISTS = ("gaussian", "laplace", "outliers")


def per_mac(rows, variant="booth4"):
    """{unit: row with per-MAC figures} for the booth4 variant (or the unit's only one)."""
    out = {}
    for r in rows:
        if r["variant"] == variant or r["unit"] not in out:
            k = r.get("macs_per_op", 1)
            out[r["unit"]] = dict(r, area_per_mac=r["area_ge"] / k,
                                  **{f"pj_per_mac_{d}": r[f"pj_per_op_{d}"] / k for d in DISTS})
    return out


def findings(rows):
    by = per_mac(rows)
    m = by.get(MADAM_UNIT)
    if not m:
        return []
    says = []
    for unit, what in AGAINST:
        b = by.get(unit)
        if not b:
            continue
        saving = {d: 1 - m[f"pj_per_mac_{d}"] / b[f"pj_per_mac_{d}"] for d in DISTS}
        says.append(f"{MADAM_UNIT} against the {what} ({unit}), per MAC: energy "
                    + ", ".join(f"{abs(100 * s):.0f}% {'less' if s >= 0 else 'more'} ({d})" for d, s in saving.items())
                    + f"; area {m['area_per_mac'] / b['area_per_mac']:.2f}x")
        if unit == "mac_int8":
            says.append(f"Johnson (2018) measured 0.96x an int8/32 MAC's power for an 8/38-bit log-float MAC; here "
                        f"{m['pj_per_mac_gaussian'] / b['pj_per_mac_gaussian']:.2f}x (gaussian)")
        elif unit == "fma_e4m3_fp32" or unit == "dot16_e4m3_fp32_exact":
            g = saving["gaussian"]
            says.append(f"LNS-Madam reports 55% less energy than FP8; against the {what} the measured saving is "
                        f"{100 * g:.0f}% (gaussian), {abs(100 * (g - MADAM_SAVING_VS_FP8)):.0f} points "
                        f"{'below' if g < MADAM_SAVING_VS_FP8 else 'above'} the published figure")
    return says


def html_section(rows, err_rows):
    by = per_mac(rows)
    units = [u for u in by if u.startswith("lns")] + [u for u, _ in AGAINST if u in by]
    cols = ["unit", "variant", "macs_per_op", "area_ge", "depth", "area_per_mac"] + [f"pj_per_mac_{d}" for d in DISTS] + \
           [f"sqnr_db_{d}" for d in DISTS] + ["rel_err_k256_gaussian", "rel_err_k4096_gaussian"]

    def cell(v):
        return f"{v:.4g}" if isinstance(v, float) else html.escape(str(v))
    body = "".join("<tr>" + "".join(f"<td>{cell(by[u].get(c, ''))}</td>" for c in cols) + "</tr>" for u in units)
    says = "".join(f"<li>{html.escape(s)}</li>" for s in findings(rows))
    ecols = ["format", "method", "pairs", "max_ulp", "max_ulp_add", "max_ulp_sub", "mean_ulp", "max_vs_rounded_ulp",
             "lost_to_zero"]
    ebody = "".join("<tr>" + "".join(f"<td>{cell(r[c])}</td>" for c in ecols) + "</tr>" for r in err_rows)
    return (f"<ul>{says}</ul><table><tr>{''.join(f'<th>{c}</th>' for c in cols)}</tr>{body}</table>"
            f"<p class=\"note\">Per MAC: the unit's area and its energy per operation on each stream over its MACs "
            f"(lns8_mac_madam: 8 products per operation into 2 x 8 bins, combined with 8-bit constants and added "
            f"into a 48-bit fixed-point accumulator; lns8_mul and lns16_add_lut are the two halves of a log MAC, "
            f"each one operation). Accuracy columns as in the accuracy table: lns8_mac_madam's dot error is the "
            f"method's (constants cut to 8 bits) against the exact sum of the same lns8 products.</p>"
            f"<h3>lnsadd: each method's error in ulps of the result's log</h3>"
            f"<table><tr>{''.join(f'<th>{c}</th>' for c in ecols)}</tr>{ebody}</table>"
            f"<p class=\"note\">synth/lns_errors.py: every pair of lns8_3 codes; for lns16_10 every distance d with "
            f"both signs (the error depends on d and the signs only); pairs whose exact sum is zero, saturates or "
            f"underflows left out. max_vs_rounded: against the correctly rounded code. The lut method interpolates "
            f"log2(1 - 2^-d) linearly, also next to its pole at d = 0, hence the large subtraction errors at small "
            f"d; lost_to_zero counts sums a method underflows that the exact sum keeps.</p>")
