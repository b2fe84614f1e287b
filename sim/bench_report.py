#!/usr/bin/env python3
"""Prints make bench's figures as ratios against the baselines measured in the same run."""
import json
import sys


def main(path):
    runs = {b["name"]: b for b in json.load(open(path))["benchmarks"]}
    rate = {n: b.get("items_per_second", 0.0) for n, b in runs.items()}
    print("\nfmalab bench (items/s measured in this run; ratios against the MPFR oracle of the same run)")
    for unit in ("fma_e4m3_fp32", "fma_e5m2_fp32"):
        model = rate.get("BM_ModelBatch/" + unit, 0.0)
        oracle = rate.get("BM_MpfrOracle/" + unit, 0.0)
        if model and oracle:
            print(f"  {unit}: model {model / 1e6:8.1f} M FMA/s   MPFR oracle {oracle / 1e6:6.2f} M/s"
                  f"   model/oracle = {model / oracle:6.1f}x")
    sweep = next((b for n, b in runs.items() if n.startswith("BM_ExhaustiveE5m2Sweep")), None)
    if sweep:
        secs = sweep["real_time"] / 1000.0 if sweep.get("time_unit") == "ms" else sweep["real_time"]
        print(f"  exhaustive e5m2 sweep ({int(sweep['triples'])} triples): {secs:.3f} s"
              f" ({sweep['items_per_second'] / 1e6:.1f} M FMA/s);"
              f" published ac_std_float figure 1.4 s -> {1.4 / secs:.1f}x (not measured here)")


if __name__ == "__main__":
    main(sys.argv[1])
