#!/usr/bin/env python3
"""Prints make bench's figures as ratios against the baselines measured in the same run.

bench_report.py BENCH_FMA.json [BENCH_COSIM.json BENCH_ICARUS.json] [--dot BENCH_DOT.json] [--mx BENCH_MX.json]
"""
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "synth"))
import errors  # noqa: E402  (one-line errors naming the file, exit status 2)
from errors import field  # noqa: E402


def rates(path):
    """A Google Benchmark JSON file's runs by name and their items_per_second."""
    doc = errors.read_json(path, "benchmark JSON file")
    benchmarks = field(doc, "benchmarks", path, "top level", "list")
    runs = {}
    for i, b in enumerate(benchmarks):
        name = field(b, "name", path, f"benchmarks[{i}]", "str")
        if "items_per_second" in b:
            field(b, "items_per_second", path, name)
        runs[name] = b
    return runs, {n: b.get("items_per_second", 0.0) for n, b in runs.items()}


def model_report(path, runs, rate):
    sweep = next((b for n, b in runs.items() if n.startswith("BM_ExhaustiveE5m2Sweep")), None)
    if sweep:
        for key in ("real_time", "triples", "items_per_second"):
            field(sweep, key, path, sweep["name"])
        errors.need(sweep["real_time"] > 0 and math.isfinite(sweep["triples"]), path,
                    f"{sweep['name']}: real_time or triples out of range")
    print("\nfmalab bench (items/s measured in this run; ratios against the MPFR oracle of the same run)")
    for unit in ("fma_e4m3_fp32", "fma_e5m2_fp32"):
        model = rate.get("BM_ModelBatch/" + unit, 0.0)
        oracle = rate.get("BM_MpfrOracle/" + unit, 0.0)
        base = rate.get("BM_ModelBatchBaseline/" + unit, 0.0)
        if model and oracle:
            print(f"  {unit}: model {model / 1e6:8.1f} M FMA/s   MPFR oracle {oracle / 1e6:6.2f} M/s"
                  f"   model/oracle = {model / oracle:6.1f}x   (target 100 M FMA/s)")
        if base and oracle and model:
            print(f"  {unit}: baseline-ISA build (no AVX2) {base / 1e6:8.1f} M FMA/s"
                  f"   = {base / model:4.2f} of the dispatched build")
    if sweep:
        secs = sweep["real_time"] / 1000.0 if sweep.get("time_unit") == "ms" else sweep["real_time"]
        print(f"  exhaustive e5m2 sweep ({int(sweep['triples'])} triples): {secs:.3f} s"
              f" ({sweep['items_per_second'] / 1e6:.1f} M FMA/s); the peers' figures are bench_peers' table")


def read_icarus(path):
    """bench_icarus.py's --json record."""
    icarus = errors.read_json(path, "bench_icarus.py JSON file")
    field(icarus, "unit", path, "top level", "str")
    field(icarus, "vectors_per_second", path, "top level")
    for key in ("passed", "failed"):
        field(icarus, key, path, "top level", "int")
    return icarus


def cosim_report(runs, rate, icarus):
    base = icarus["vectors_per_second"]
    print(f"\ncosimulation (golden model + Verilated RTL, one core) beside Icarus Verilog on "
          f"{icarus['unit']} in the same run")
    alone = rate.get("BM_RtlAlone/" + icarus["unit"], 0.0)
    if alone > 0:
        both = rate.get("BM_Cosim/" + icarus["unit"], 0.0)
        print(f"  {icarus['unit']}: Verilated RTL alone {alone / 1e6:6.2f} M vectors/s; cosimulation {both / 1e6:6.2f} M/s"
              f" = {both / alone:4.2f} of it (the model's share of the time: {max(0.0, 1 - both / alone):4.0%})")
    for name, r in sorted(rate.items()):
        if not name.startswith("BM_Cosim/"):
            continue
        if runs[name].get("error_occurred"):
            print(f"  {name[9:]}: FAILED ({runs[name].get('error_message', '')})")
            continue
        line = f"  {name[9:]:22s} {r / 1e6:6.2f} M vectors/s"
        if name[9:] == icarus["unit"]:
            line += (f"   Icarus {base:8.0f} vectors/s   ratio {r / base:8.0f}x   (targets 5 M/s, 100x)" if base > 0
                     else "   Icarus measured no rate")
        print(line)
    print(f"  Icarus checked {icarus['passed'] + icarus['failed']} vectors: {icarus['failed']} failed")


# bench_dot's runs: BM_Dot/<preset>/<K> and BM_Binary64Loop/<K>, items/s being MACs/s.
DOT_PRESETS = (("h100_fp8", "h100 FP8"), ("exact", "exact"))
DOT_TARGET = 200e6  # MAC/s per core (issue 13), and within 4x of the binary64 loop


def dot_report(path, runs, rate):
    ks = sorted({int(n.split("/")[-1]) for n in rate if n.startswith("BM_Binary64Loop/") and n.split("/")[-1].isdigit()},
                reverse=True)
    errors.need(ks, path, "no BM_Binary64Loop/<K> run")
    print("\ndot products, dot:e4m3:fp32:K (MAC/s on one core, batch API; ratios against the plain binary64"
          " dot loop over the same rows in the same run)")
    print(f"  {'K':>5s}  {'datapath':9s} {'M MAC/s':>9s}  {'binary64 M MAC/s':>16s}  {'binary64 / it':>13s}"
          f"   target: {DOT_TARGET / 1e6:.0f} M MAC/s and <= 4x")
    for k in ks:
        base = rate[f"BM_Binary64Loop/{k}"]
        errors.need(base > 0, path, f"BM_Binary64Loop/{k}: items_per_second is 0")
        for key, label in DOT_PRESETS:
            name = f"BM_Dot/{key}/{k}"
            if name not in rate:
                continue
            if runs[name].get("error_occurred"):
                print(f"  {k:5d}  {label:9s} FAILED ({runs[name].get('error_message', '')})")
                continue
            r = rate[name]
            ratio = base / r if r > 0 else math.inf
            met = "met" if r >= DOT_TARGET and ratio <= 4 else "not met"
            print(f"  {k:5d}  {label:9s} {r / 1e6:9.1f}  {base / 1e6:16.1f}  {ratio:12.2f}x   {met}")


# bench_mx's runs: BM_MxqBatch/<fmt>, BM_MxqKernel/<fmt> and BM_PlainFp32Loop, items/s being elements/s.
MX_TARGET_RATIO = 3.0  # within 3x of the plain fp32 loop (issue 14)


def mx_report(path, runs, rate):
    def plain(isa):
        name = "BM_PlainFp32Loop/" + isa
        return 0.0 if runs.get(name, {}).get("error_occurred") else rate.get(name, 0.0)
    baseline, avx2 = plain("baseline"), plain("avx2")
    errors.need(baseline > 0, path, "no BM_PlainFp32Loop/baseline run with items_per_second")
    print("\nMX quantization, mxq:FMT (elements/s on one core; ratios against a plain fp32 loop that computes"
          " each block's max-abs and scales the same data, built for the same ISA, in the same run)")
    print(f"  plain fp32 loop: baseline ISA {baseline / 1e6:9.1f} M elements/s, AVX2 "
          f"{avx2 / 1e6:9.1f} M/s   target: within {MX_TARGET_RATIO:.0f}x")
    for name in sorted(rate):
        if not (name.startswith("BM_MxqBatch/") or name.startswith("BM_MxqKernel/")):
            continue
        if runs[name].get("error_occurred"):
            print(f"  {name}: FAILED ({runs[name].get('error_message', '')})")
            continue
        r = rate[name]
        base = baseline if name.endswith("_baseline") or avx2 <= 0 else avx2
        ratio = base / r if r > 0 else math.inf
        met = "met" if ratio <= MX_TARGET_RATIO else "not met"
        if "nvfp4" in name:
            met = "(NVFP4's recipe per element: no fast path, no target)"
        print(f"  {name[3:]:30s} {r / 1e6:9.1f} M elements/s   plain / it {ratio:6.2f}x   {met}")


def take_file(args, flag):
    """The file after `flag` in args (removed from them), or None."""
    if flag not in args:
        return None
    at = args.index(flag)
    if at + 1 >= len(args):
        raise errors.InputError(f"{flag} needs a file: bench_report.py ... {flag} FILE.json")
    path = args[at + 1]
    del args[at:at + 2]
    return path


def main(argv):
    args = list(argv[1:])
    dot = None
    mx = take_file(args, "--mx")
    if "--dot" in args:
        at = args.index("--dot")
        if at + 1 >= len(args):
            raise errors.InputError("--dot needs a file: bench_report.py ... --dot BENCH_DOT.json")
        dot = args[at + 1]
        del args[at:at + 2]
    if len(args) not in (1, 3):
        raise errors.InputError("usage: bench_report.py BENCH_FMA.json [BENCH_COSIM.json BENCH_ICARUS.json]"
                                " [--dot BENCH_DOT.json] [--mx BENCH_MX.json]")
    # Every file is read and checked before anything is printed.
    model = rates(args[0])
    cosim = (*rates(args[1]), read_icarus(args[2])) if len(args) >= 3 else None
    dots = rates(dot) if dot else None
    mxs = rates(mx) if mx else None
    model_report(args[0], *model)
    if cosim:
        cosim_report(*cosim)
    if dots:
        dot_report(dot, *dots)
    if mxs:
        mx_report(mx, *mxs)


if __name__ == "__main__":
    errors.run_main("bench_report.py", main, sys.argv)
