#!/usr/bin/env python3
"""Gate-level simulation and energy per operation of a synthesized unit (osu018 netlist).

  gatesim.py --synth build/synth --unit fma_e4m3_fp32 --variant booth4 --fmalab build/bin/fmalab
             [--count 100000] [--seed 1] [--streams uniform,zero] [--json OUT]

Builds the unit's osu018 netlist (synth/flow.py) with the osu018 cell models into a Verilator
model with --coverage-toggle (synth/gate_harness.cpp), runs operand streams through it, checks
every result and flag against the golden model's expected values, and turns each net's toggle
count into energy:

  E = sum over nets n of toggles(n) * ( (E_rise + E_fall)/2 of n's driving cell at load C_n
                                        + C_n * V^2 / 2 )

with C_n the sum of the input-pin capacitances n drives (no wire load), E_rise/E_fall the
liberty's internal_power tables of the driver's output pin (mean over related pins, at C_n and a
fixed input transition SLEW_NS), V the liberty's operating voltage. A toggle counts once per
vector in which the net changed (zero-delay simulation: glitches are not counted, so the figure
is a lower bound). pJ/op = E / vectors.

Streams (`fmalab stream`): uniform (random bits in every operand), gaussian, laplace and outliers
(weights and activations quantized with a per-tensor scale, c the running sum of a 256-term dot
product), and zero (all-zero operands: the energy floor). Exit status 1 if the netlist disagrees with the golden model, 2 on bad input.
"""
import argparse
import json
import os
import re
import subprocess
import sys

import errors  # one-line errors naming the file, exit status 2
import liberty
import registry  # rtl/units.json: the unit's top module and whether it has rnd and flags ports

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OSU_DIR = "/usr/share/qflow/tech/osu018"
SLEW_NS = 0.1


def fail(msg):
    raise errors.InputError(msg)


def run(cmd, **kw):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    except OSError as e:
        fail(f"{cmd[0]}: cannot run ({e.strerror})")
    if r.returncode not in (0, 1):
        fail(f"{os.path.basename(cmd[0])} failed ({r.returncode}): {(r.stderr or r.stdout).strip()[-400:]}")
    return r


def plain_names(netlist, out):
    """The netlist with every net named netN: Verilator's toggle coverage skips names that start
    with an underscore (Yosys's _0123_) and mangles escaped ones (\\u_mac.b_i)."""
    names = {}

    def rename(m):
        return names.setdefault(m.group(0), f"net{len(names)}")

    text = re.sub(r"\\\S+|\b_\d+_\b", rename, errors.read_text(netlist, "netlist"))
    text = re.sub(r"(net\d+) +\[", r"\1[", text)
    if not (os.path.isfile(out) and errors.read_text(out, "netlist") == text):  # unchanged: keep the built model
        errors.write_text(out, text)
    return out


def build(info, work, netlist, cells):
    """The Verilated netlist with the harness; rebuilt only when the netlist is newer. The cell
    models come from the liberty's functions (osu018's own Verilog uses UDPs, which Verilator
    does not take)."""
    unit = info.top
    exe = os.path.join(work, "obj_gate", "V" + unit)
    if os.path.exists(exe) and os.path.getmtime(exe) > os.path.getmtime(netlist):
        return exe
    errors.need_exe("verilator", "program")
    models = os.path.join(work, "cell_models.v")
    errors.write_text(models, liberty.verilog_models(cells))
    cflags = f"-DUNIT={unit}" + (" -DHAS_RND" if info.has_rnd else "") + (" -DHAS_FLAGS" if info.has_flags else "")
    run(["verilator", "--cc", "--exe", "--build", "-j", "2", "--coverage-toggle", "-O1", "-Wno-fatal", "-Wno-lint",
         "-Wno-style", "--timescale", "1ns/10ps", "--top-module", unit,
         "-CFLAGS", cflags, "-Mdir", os.path.join(work, "obj_gate"),
         netlist, models, os.path.join(ROOT, "synth", "gate_harness.cpp")])
    if not os.path.exists(exe):
        fail(f"Verilator built no {exe}")
    return exe


def read_netlist(path):
    """Instances (cell type, {pin: net}) and the single-bit aliases of `assign a = b;`."""
    text = errors.read_text(path, "netlist")
    insts = []
    for m in re.finditer(r"^\s*(\w+)\s+(\S+)\s*\(\s*(\..*?)\);", text, re.M | re.S):
        pins = {p: n.replace(" ", "") for p, n in re.findall(r"\.(\w+)\(\s*([^()]*?)\s*\)", m.group(3))}
        insts.append((m.group(1), pins))
    alias = {}
    for lhs, rhs in re.findall(r"^\s*assign\s+(\S+)\s*=\s*([^;]+?)\s*;", text, re.M):
        alias[lhs.replace(" ", "")] = rhs.replace(" ", "")
    return insts, alias


def read_toggles(path, unit, cells):
    """Toggle counts of the top module's nets by name (ports as name[bit]), and Verilator's own
    per-cell-type sums of the cells' output pins, {(cell, pin): toggles}, for a cross-check."""
    toggles, by_cell = {}, {}
    for n, line in enumerate(errors.read_text(path, "coverage file", "latin-1").split("\n"), 1):
        if not line.startswith("C '"):
            continue
        key, _, count = line.rpartition("' ")
        fields = dict(f.split("\x02", 1) for f in key[3:].split("\x01") if "\x02" in f)
        page = fields.get("page", "")
        if not key or not count.strip().isdigit() or (page.startswith("v_toggle/") and "o" not in fields):
            fail(f"{path}:{n}: not a coverage count line: {errors.excerpt(line)}")
        count = int(count)
        if page == f"v_toggle/{unit}":
            toggles[fields["o"]] = toggles.get(fields["o"], 0) + int(count)
        elif page.startswith("v_toggle/") and page[9:] in cells and fields["o"] in cells[page[9:]].outputs:
            k = (page[9:], fields["o"])
            by_cell[k] = by_cell.get(k, 0) + int(count)
    return toggles, by_cell


def check_every_output_counted(insts, cells, toggles, by_cell, path):
    """The nets' toggles, summed by driving cell type, must equal Verilator's count of the cells'
    output pins: no cell output is left out of the energy by a net-naming slip."""
    summed = {}
    for ctype, pins in insts:
        for pin in cells[ctype].outputs:
            if pin in pins:
                if pins[pin] not in toggles:
                    fail(f"{path}: no toggle count for net {pins[pin]} ({ctype}.{pin})")
                summed[(ctype, pin)] = summed.get((ctype, pin), 0) + toggles[pins[pin]]
    if summed != {k: v for k, v in by_cell.items() if k in summed or v}:
        fail(f"{path}: per-net toggles disagree with the per-cell counts")


def net_energies(insts, alias, volts, cells):
    """Energy per toggle (pJ) of every cell-driven net."""
    def canon(n):
        seen = 0
        while n in alias and seen < 8:
            n, seen = alias[n], seen + 1
        return n

    load = {}
    for ctype, pins in insts:
        cell = cells[ctype]
        for pin, net in pins.items():
            if pin in cell.inputs:
                load[canon(net)] = load.get(canon(net), 0.0) + cell.inputs[pin]
    energy = {}
    for ctype, pins in insts:
        cell = cells[ctype]
        for pin in cell.outputs:
            if pin in pins:
                net = pins[pin]
                c = load.get(canon(net), 0.0)
                energy[net] = cell.internal_energy(pin, c, SLEW_NS) + 0.5 * c * volts * volts
    return energy


def write_streams(fmalab, unit, work, count, seed, names):
    """Each stream as a `fmalab stream` file (zero: all-zero operands, the energy floor)."""
    files = {}
    for name in names:
        path = os.path.join(work, f"stream_{name}.hex")
        if name == "zero":
            # 0 * 0 + 0 is +0 with no flags in every unit.
            errors.write_text(path, "// a b c result flags\n" + "0 0 0 0 0\n" * count)
        else:
            r = run([fmalab, "stream", unit, "--dist", name, "--count", str(count), "--seed", str(seed), "-o", path])
            if r.returncode:
                fail(f"fmalab stream failed: {r.stderr.strip()}")
        files[name] = path
    return files


class GateModel:
    """A unit's osu018 netlist in `work` ready to simulate: the Verilated harness, the instances
    and aliases of the renamed netlist, and the liberty's voltage and cells. info has the unit's
    top, has_rnd and has_flags: the registry row (rtl/units.json) unless given (a test's circuit)."""

    def __init__(self, unit, work, info=None):
        info = info or registry.load().need(unit)
        netlist = os.path.join(work, "netlist_osu.v")
        if not os.path.exists(netlist):
            fail(f"missing {netlist}: run synth/flow.py --units {unit} first")
        self.unit, self.top, self.work = unit, info.top, work
        sim_netlist = plain_names(netlist, os.path.join(work, "netlist_sim.v"))
        self.insts, self.alias = read_netlist(sim_netlist)
        lib = os.path.join(OSU_DIR, "osu018_stdcells.lib")
        self.volts, self.cells = liberty.read(lib)
        unknown = sorted({c for c, _ in self.insts if c not in self.cells})
        if unknown:
            fail(f"{netlist}: cells not in {lib}: {errors.excerpt(' '.join(unknown))}")
        self.exe = build(info, work, sim_netlist, self.cells)


def simulate(g, files):
    """Runs each stream file through g; ({stream: figures}, whether any vector failed)."""
    r = run([g.exe, g.work, "0"] + [f"{n}={p}" for n, p in files.items()])
    results, failed = {}, False
    energy = net_energies(g.insts, g.alias, g.volts, g.cells)
    for name in files:
        m = re.search(rf"^{name}: (\d+) vectors, (\d+) failed$", r.stdout, re.M)
        if not m:
            fail(f"harness printed no summary for {name}: {r.stdout[-300:]}")
        n, bad = int(m.group(1)), int(m.group(2))
        failed |= bad > 0
        path = os.path.join(g.work, f"toggles_{name}.dat")
        toggles, by_cell = read_toggles(path, g.top, g.cells)
        check_every_output_counted(g.insts, g.cells, toggles, by_cell, path)
        total = sum(toggles.get(net, 0) * e for net, e in energy.items())
        results[name] = {"vectors": n, "failed": bad, "pj_per_op": total / n if n else 0.0,
                         "toggles_per_op": sum(toggles.get(net, 0) for net in energy) / n if n else 0.0}
    for line in r.stdout.splitlines():
        if line.startswith("MISMATCH"):
            print(line)
    return results, failed


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--synth", required=True)
    ap.add_argument("--unit", required=True)
    ap.add_argument("--variant", default="booth4")
    ap.add_argument("--fmalab", required=True)
    ap.add_argument("--count", type=int, default=100000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--streams", default="uniform,gaussian,laplace,outliers,zero")
    ap.add_argument("--json")
    a = ap.parse_args()
    if any(s != "zero" for s in a.streams.split(",")):
        errors.need_exe(a.fmalab, "--fmalab")
    if a.json:
        errors.need_out_file(a.json, "--json")
    errors.need_dir(a.synth, "--synth")
    work = os.path.join(a.synth, f"{a.unit}_{a.variant}")
    g = GateModel(a.unit, work)
    files = write_streams(a.fmalab, a.unit, work, a.count, a.seed, a.streams.split(","))
    results, failed = simulate(g, files)
    for name, r in results.items():
        print(f"{a.unit} ({a.variant}) {name}: {r['vectors']} vectors, {r['failed']} failed,"
              f" {r['pj_per_op']:.3f} pJ/op, {r['toggles_per_op']:.1f} toggles/op")
    if a.json:
        errors.write_text(a.json, json.dumps({"unit": a.unit, "variant": a.variant, "streams": results}, indent=1))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    errors.run_main("gatesim.py", main)
