#!/usr/bin/env python3
"""Synthesizes every RTL unit in each variant through the one script synth/unit.ys.

  flow.py --out build/synth [--units mac_int8,fma_e4m3_fp32] [--variants array,booth4] [--jobs 2]
          [--registry rtl/units.json]

Writes OUT/<unit>_<variant>/ (Yosys log, gate-level netlists netlist_ge.v and netlist_osu.v, stat
reports) and OUT/synth.json: one record per unit and variant with area_ge, transistors, depth,
area_um2 and delay_ns. The units, their variants' parameters and each unit's own file list come from
the registry (synth/registry.py reads rtl/units.json), so a unit added there is synthesized without
editing this script, and Yosys reads exactly the files that unit instantiates.
Progress on stderr; exit status 2 on bad arguments or a failed synthesis.
"""
import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import time

import errors  # one-line errors naming the file, exit status 2
import registry  # rtl/units.json: the units, variants and file lists

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GE_LIB = os.path.join(ROOT, "synth", "cells", "fmalab_ge.lib")
OSU_LIB = "/usr/share/qflow/tech/osu018/osu018_stdcells.lib"
# A circuit given by hand (the tests' known circuits) gets this variant's parameters.
DEFAULT_VARIANTS = {"array": {"MUL_ARCH": 0}, "booth4": {"MUL_ARCH": 1}}


def fail(msg):
    raise errors.InputError(msg)


def parse(out_dir, log):
    def grab(name, pattern, cast=float):
        text = errors.read_text(os.path.join(out_dir, name), "Yosys report") if name else log
        hits = re.findall(pattern, text)
        if not hits:
            raise ValueError(f"{os.path.join(out_dir, name or 'yosys.log')}: no '{pattern}'")
        return cast(hits[-1])

    return {
        "area_ge": grab("ge.txt", r"Chip area for module .*?: ([\d.]+)"),
        "transistors": grab("cmos.txt", r"Estimated number of transistors:\s+(\d+)", int),
        "depth": grab("ltp.txt", r"Longest topological path in \S+ \(length=(\d+)\)", int),
        "area_um2": grab("osu.txt", r"Chip area for module .*?: ([\d.]+)"),
        "delay_ns": grab(None, r"Delay =\s+([\d.]+) ps") / 1000.0,
        "cells_ge": grab("ge.txt", r"Number of cells:\s+(\d+)", int),
    }


def synthesize(unit, variant, out_root, sources=None, reg=None, defines=()):
    """Synthesizes one registry unit (its own files, its top, the variant's parameters), or, with
    sources, the module named unit from those files with DEFAULT_VARIANTS[variant]. defines are
    NAME or NAME=VALUE macros for read_verilog."""
    out_dir = os.path.join(out_root, f"{unit}_{variant}")
    errors.make_dir(out_dir, "output directory")
    script = errors.read_text(os.path.join(ROOT, "synth", "unit.ys"), "Yosys script")
    if sources is None:
        u = (reg or registry.load()).need(unit)
        top, sources, params = u.top, u.files(), u.variant_params(variant)
    else:
        top, params = unit, DEFAULT_VARIANTS[variant]
    chparam = "\n".join(f"chparam -set {k} {v} {top}" for k, v in params.items())
    for key, val in {"GE_LIB": GE_LIB, "OSU_LIB": OSU_LIB, "DEFINES": " ".join(f"-D{d}" for d in defines),
                     "RTL": " ".join(sources), "CHPARAM": chparam, "TOP": top, "OUT": out_dir}.items():
        script = script.replace("{" + key + "}", val)
    errors.write_text(os.path.join(out_dir, "unit.ys"), script)
    log_path = os.path.join(out_dir, "yosys.log")
    t0 = time.time()
    try:
        r = subprocess.run(["yosys", "-q", "-l", log_path, os.path.join(out_dir, "unit.ys")], capture_output=True,
                           text=True)
    except OSError as e:
        raise RuntimeError(f"yosys: cannot run ({e.strerror})") from None
    if r.returncode != 0:
        raise RuntimeError(f"yosys failed on {unit} ({variant}): {(r.stderr or r.stdout).strip()[-300:]}")
    rec = {"unit": unit, "variant": variant}
    rec.update(parse(out_dir, errors.read_text(log_path, "Yosys log")))
    rec["synth_seconds"] = round(time.time() - t0, 1)
    return rec


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--units")
    ap.add_argument("--variants", default="array,booth4")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--registry", default=registry.REGISTRY)
    a = ap.parse_args()
    errors.make_dir(a.out, "--out")
    errors.need_exe("yosys", "program")
    if not os.path.exists(OSU_LIB):
        fail(f"missing {OSU_LIB}: install Debian's qflow-tech-osu018 (make deps does)")
    reg = registry.load(a.registry)
    # By default every unit but those whose row says "synth": false (named with --units, they run too).
    units = [reg.need(u).name for u in a.units.split(",")] if a.units else [u.name for u in reg.units if u.synth]
    variants = a.variants.split(",")
    for v in variants:
        if v not in reg.variants:
            fail(f"unknown variant '{v}'; variants: {', '.join(reg.variants)}")
    jobs = [(u, v) for u in units for v in variants if v in reg.find(u).variants]
    for u in units:
        reg.find(u).files()  # a missing module is one line before any synthesis starts
    records = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
        futures = [pool.submit(synthesize, u, v, a.out, None, reg) for u, v in jobs]
        for n, fut in enumerate(concurrent.futures.as_completed(futures), 1):
            try:
                rec = fut.result()
            except (RuntimeError, ValueError, errors.InputError) as e:
                fail(str(e))
            records.append(rec)
            errors.status(f"\rsynth {n}/{len(jobs)}: {rec['unit']} ({rec['variant']}) {rec['area_ge']:.0f} GE"
                          f" in {rec['synth_seconds']} s   ")
    errors.status("\n")
    order = {(u, v): i for i, (u, v) in enumerate(jobs)}
    records.sort(key=lambda r: order[(r["unit"], r["variant"])])
    errors.write_text(os.path.join(a.out, "synth.json"), json.dumps(records, indent=1))


if __name__ == "__main__":
    errors.run_main("flow.py", main)
