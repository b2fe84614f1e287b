#!/usr/bin/env python3
"""Prints make bench's figures as ratios against the baselines measured in the same run.

bench_report.py BENCH_FMA.json [BENCH_COSIM.json BENCH_ICARUS.json]
"""
import json
import sys


def rates(path):
    runs = {b["name"]: b for b in json.load(open(path))["benchmarks"]}
    return runs, {n: b.get("items_per_second", 0.0) for n, b in runs.items()}


def model_report(path):
    runs, rate = rates(path)
    print("\nfmalab bench (items/s measured in this run; ratios against the MPFR oracle of the same run)")
    for unit in ("fma_e4m3_fp32", "fma_e5m2_fp32"):
        model = rate.get("BM_ModelBatch/" + unit, 0.0)
        oracle = rate.get("BM_MpfrOracle/" + unit, 0.0)
        base = rate.get("BM_ModelBatchBaseline/" + unit, 0.0)
        if model and oracle:
            print(f"  {unit}: model {model / 1e6:8.1f} M FMA/s   MPFR oracle {oracle / 1e6:6.2f} M/s"
                  f"   model/oracle = {model / oracle:6.1f}x   (target 100 M FMA/s)")
        if base and oracle:
            print(f"  {unit}: baseline-ISA build (no AVX2) {base / 1e6:8.1f} M FMA/s"
                  f"   = {base / model:4.2f} of the dispatched build")
    sweep = next((b for n, b in runs.items() if n.startswith("BM_ExhaustiveE5m2Sweep")), None)
    if sweep:
        secs = sweep["real_time"] / 1000.0 if sweep.get("time_unit") == "ms" else sweep["real_time"]
        print(f"  exhaustive e5m2 sweep ({int(sweep['triples'])} triples): {secs:.3f} s"
              f" ({sweep['items_per_second'] / 1e6:.1f} M FMA/s);"
              f" published ac_std_float figure 1.4 s -> {1.4 / secs:.1f}x (target 10x; 1.4 s not measured here)")


def cosim_report(cosim_path, icarus_path):
    runs, rate = rates(cosim_path)
    icarus = json.load(open(icarus_path))
    base = icarus["vectors_per_second"]
    print(f"\ncosimulation (golden model + Verilated RTL, one core) beside Icarus Verilog on "
          f"{icarus['unit']} in the same run")
    for name, r in sorted(rate.items()):
        if not name.startswith("BM_Cosim/"):
            continue
        if runs[name].get("error_occurred"):
            print(f"  {name[9:]}: FAILED ({runs[name].get('error_message', '')})")
            continue
        line = f"  {name[9:]:22s} {r / 1e6:6.2f} M vectors/s"
        if name[9:] == icarus["unit"]:
            line += f"   Icarus {base:8.0f} vectors/s   ratio {r / base:8.0f}x   (targets 5 M/s, 100x)"
        print(line)
    print(f"  Icarus checked {icarus['passed'] + icarus['failed']} vectors: {icarus['failed']} failed")


def main(argv):
    model_report(argv[1])
    if len(argv) >= 4:
        cosim_report(argv[2], argv[3])


if __name__ == "__main__":
    main(sys.argv)
