#!/usr/bin/env python3
"""Bad input to the Python scripts (ctest: Python.ErrorsAreOneLine): each case runs a script in a
subprocess on a crafted input in a temporary directory and wants exit status 2 and exactly one
line on stderr that names the offending file, with no traceback.

Needs neither the C++ build nor Yosys, Verilator or Icarus: fmalab is a missing path or a shell
script, and the scripts that would run a tool get an empty PATH.

  test_python_errors.py [NAME...]   run every case (or those whose name contains a NAME)
"""
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SYNTH = os.path.join(ROOT, "synth")
BENCH_REPORT = os.path.join(ROOT, "sim", "bench_report.py")
BENCH_ICARUS = os.path.join(ROOT, "sim", "bench_icarus.py")
FLOW = os.path.join(SYNTH, "flow.py")
GATESIM = os.path.join(SYNTH, "gatesim.py")
REPORT = os.path.join(SYNTH, "report.py")
LIBERTY = os.path.join(SYNTH, "liberty.py")
VECTORS = os.path.join(SYNTH, "vectors.py")
TESTBENCH = os.path.join(SYNTH, "testbench.py")
VEC_HEADER = ("// fmalab-vectors 2 unit=fma_e4m3_fp32 round=rne sat=0 sr_bits=8 window=0 sticky=1 ftz_in=0 ftz_out=0 "
              "fields=a:8,b:8,c:32,y:32,flags:5 count=2\n")

TINY_LIB = """/* a one-cell library */
library(tiny) {
  nom_voltage : 1.8;
  cell(INVX1) {
    area : 1;
    pin(A) { direction : input; capacitance : 0.01; }
    pin(Y) {
      direction : output;
      function : "(!A)";
      internal_power() {
        related_pin : "A";
        rise_power(t) { index_1 ("0.1, 0.2"); index_2 ("0.1, 0.2"); values ("1, 2", "3, 4"); }
        fall_power(t) { index_1 ("0.1, 0.2"); index_2 ("0.1, 0.2"); values ("1, 2", "3, 4"); }
      }
    }
  }
}
"""

GOOD_FMA = {"benchmarks": [
    {"name": "BM_ModelBatch/fma_e4m3_fp32", "items_per_second": 2.0e8},
    {"name": "BM_MpfrOracle/fma_e4m3_fp32", "items_per_second": 1.0e6},
    {"name": "BM_ExhaustiveE5m2Sweep", "real_time": 100.0, "time_unit": "ms", "triples": 1e6,
     "items_per_second": 1e7}]}
GOOD_COSIM = {"benchmarks": [{"name": "BM_Cosim/fma_e4m3_fp32", "items_per_second": 6.0e6}]}
GOOD_ICARUS = {"unit": "fma_e4m3_fp32", "vectors_per_second": 5.0e4, "passed": 8000, "failed": 0}

CASES = []


def case(fn):
    CASES.append(fn)
    return fn


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)
    return path


def fake_fmalab(tmp, stdout=""):
    """An executable standing in for fmalab that prints stdout."""
    path = write(os.path.join(tmp, "bin", "fmalab"), "#!/bin/sh\ncat <<'EOF'\n" + stdout + "EOF\n")
    os.chmod(path, 0o755)
    return path


def empty_path(tmp):
    """An environment whose PATH holds no tool (no yosys, iverilog, vvp or verilator)."""
    d = os.path.join(tmp, "empty_path")
    os.makedirs(d, exist_ok=True)
    return dict(os.environ, PATH=d)


def run(args, env=None):
    """(exit status, stdout, stderr) of the command; status None if it ran over the time limit."""
    try:
        r = subprocess.run(args, capture_output=True, text=True, env=env, timeout=60, cwd=ROOT)
        return r.returncode, r.stdout, r.stderr
    except subprocess.TimeoutExpired as e:
        return None, "", (e.stderr or b"").decode(errors="replace") if isinstance(e.stderr, bytes) else ""


def script(path, *args, env=None):
    return run([python_for(path), path, *args], env=env)


_MATPLOTLIB = {}


def python_for(path):
    """The interpreter for a script: report.py needs matplotlib, which `make main` finds by running
    it with Debian's /usr/bin/python3; ctest's Python3_EXECUTABLE may be another without it."""
    if path != REPORT:
        return sys.executable
    if "python" not in _MATPLOTLIB:
        _MATPLOTLIB["python"] = next((py for py in (sys.executable, "/usr/bin/python3") if os.path.exists(py) and
                                      run([py, "-c", "import matplotlib"])[0] == 0), None)
    return _MATPLOTLIB["python"]


class Skip(Exception):
    pass


def bench_report(tmp, fma, cosim=None, icarus=None):
    """bench_report.py on the given documents (dicts become JSON files, str/bytes are written as
    they are, None leaves the file out: missing)."""
    paths = []
    for name, doc in (("bench_fma.json", fma), ("bench_cosim.json", cosim), ("bench_icarus.json", icarus)):
        path = os.path.join(tmp, name)
        if doc is not None:
            write(path, doc if isinstance(doc, (str, bytes)) else json.dumps(doc))
        paths.append(path)
    return script(BENCH_REPORT, *(paths if cosim is not None or icarus is not None else paths[:1]))


# --- sim/bench_report.py ---------------------------------------------------------------------

@case
def bench_report_missing_json(tmp):
    return bench_report(tmp, None), os.path.join(tmp, "bench_fma.json")


@case
def bench_report_empty_json(tmp):
    return bench_report(tmp, ""), os.path.join(tmp, "bench_fma.json")


@case
def bench_report_truncated_json(tmp):
    return bench_report(tmp, json.dumps(GOOD_FMA)[:70]), os.path.join(tmp, "bench_fma.json")


@case
def bench_report_json_is_a_list(tmp):
    return bench_report(tmp, [1, 2, 3]), os.path.join(tmp, "bench_fma.json")


@case
def bench_report_benchmark_without_name(tmp):
    return bench_report(tmp, {"benchmarks": [{"real_time": 1.0}]}), os.path.join(tmp, "bench_fma.json")


@case
def bench_report_rate_not_a_number(tmp):
    doc = {"benchmarks": [{"name": "BM_ModelBatch/fma_e4m3_fp32", "items_per_second": "fast"},
                          {"name": "BM_MpfrOracle/fma_e4m3_fp32", "items_per_second": 1.0e6}]}
    return bench_report(tmp, doc), os.path.join(tmp, "bench_fma.json")


@case
def bench_report_binary_file(tmp):
    return bench_report(tmp, b"\x89PNG\r\n\x1a\n\xff\xfe\x00"), os.path.join(tmp, "bench_fma.json")


@case
def bench_report_directory(tmp):
    os.makedirs(os.path.join(tmp, "bench_fma.json"))
    return bench_report(tmp, None), os.path.join(tmp, "bench_fma.json")


@case
def bench_report_missing_cosim_json(tmp):
    write(os.path.join(tmp, "bench_icarus.json"), json.dumps(GOOD_ICARUS))
    r = script(BENCH_REPORT, write(os.path.join(tmp, "bench_fma.json"), json.dumps(GOOD_FMA)),
               os.path.join(tmp, "bench_cosim.json"), os.path.join(tmp, "bench_icarus.json"))
    return r, os.path.join(tmp, "bench_cosim.json")


@case
def bench_report_icarus_json_wrong_shape(tmp):
    icarus = {k: v for k, v in GOOD_ICARUS.items() if k != "vectors_per_second"}
    return bench_report(tmp, GOOD_FMA, GOOD_COSIM, icarus), os.path.join(tmp, "bench_icarus.json")


# --- sim/bench_icarus.py ---------------------------------------------------------------------

@case
def bench_icarus_missing_fmalab(tmp):
    fmalab = os.path.join(tmp, "no_such", "fmalab")
    return script(BENCH_ICARUS, "--fmalab", fmalab, "--unit", "mac_int8", "--work", os.path.join(tmp, "w"),
                  env=empty_path(tmp)), fmalab


@case
def bench_icarus_fmalab_is_a_directory(tmp):
    fmalab = os.path.join(tmp, "fmalab_dir")
    os.makedirs(fmalab)
    return script(BENCH_ICARUS, "--fmalab", fmalab, "--unit", "mac_int8", "--work", os.path.join(tmp, "w"),
                  env=empty_path(tmp)), fmalab


@case
def bench_icarus_work_is_a_file(tmp):
    work = write(os.path.join(tmp, "work"), "a file\n")
    return script(BENCH_ICARUS, "--fmalab", fake_fmalab(tmp), "--unit", "mac_int8", "--work", work,
                  env=empty_path(tmp)), work


@case
def bench_icarus_malformed_vectors(tmp):
    vec = write(os.path.join(tmp, "v.hex"), VEC_HEADER + "38 38 3f800000 40000000 00\n38 38 3f80000 40000000 00\n")
    return script(BENCH_ICARUS, "--unit", "fma_e4m3_fp32", "--vectors", vec, "--work", os.path.join(tmp, "w"),
                  "--small", "1", "--large", "2", env=empty_path(tmp)), vec + ":3:"


# --- synth/vectors.py and synth/testbench.py ---------------------------------------------------

@case
def vectors_bad_hex(tmp):
    vec = write(os.path.join(tmp, "v.hex"), VEC_HEADER + "38 38 3f80000g 40000000 00\n")
    return script(VECTORS, "check", vec), vec + ":2:"


@case
def vectors_wrong_field_count(tmp):
    vec = write(os.path.join(tmp, "v.hex"), "\n" + VEC_HEADER + "38 38 3f800000 40000000\n")
    return script(VECTORS, "check", vec), vec + ":3:"


@case
def vectors_not_a_vector_file(tmp):
    vec = write(os.path.join(tmp, "v.hex"), "a b c y flags\n38 38 3f800000 40000000 00\n")
    return script(VECTORS, "check", vec), vec + ":1:"


@case
def vectors_binary_file(tmp):
    vec = write(os.path.join(tmp, "v.hex"), b"\x7fELF\x02\x01\xff\x00")
    return script(VECTORS, "check", vec), vec


@case
def testbench_fields_do_not_fit(tmp):
    vec = write(os.path.join(tmp, "v.hex"), VEC_HEADER.replace("c:32,", ""))
    return script(TESTBENCH, "fma_e4m3_fp32", "--vectors", vec), vec


@case
def testbench_missing_vectors(tmp):
    vec = os.path.join(tmp, "no_such.hex")
    return script(TESTBENCH, "fma_e4m3_fp32", "--vectors", vec), vec


@case
def testbench_out_in_missing_directory(tmp):
    vec = write(os.path.join(tmp, "v.hex"), VEC_HEADER)
    out = os.path.join(tmp, "no_such", "tb.sv")
    return script(TESTBENCH, "fma_e4m3_fp32", "--vectors", vec, "-o", out), out


# --- synth/flow.py ---------------------------------------------------------------------------

@case
def flow_out_is_a_file(tmp):
    out = write(os.path.join(tmp, "synth"), "a file\n")
    return script(FLOW, "--out", out, "--units", "mac_int8", "--variants", "booth4", env=empty_path(tmp)), out


@case
def flow_out_under_a_file(tmp):
    parent = write(os.path.join(tmp, "synth"), "a file\n")
    return script(FLOW, "--out", os.path.join(parent, "sub"), "--units", "mac_int8", "--variants", "booth4",
                  env=empty_path(tmp)), parent


@case
def flow_missing_yosys(tmp):
    return script(FLOW, "--out", os.path.join(tmp, "synth"), "--units", "mac_int8", "--variants", "booth4",
                  env=empty_path(tmp)), "yosys"


# --- synth/gatesim.py ------------------------------------------------------------------------

def gatesim(tmp, fmalab, *extra):
    return script(GATESIM, "--synth", os.path.join(tmp, "synth"), "--unit", "mac_int8", "--variant", "booth4",
                  "--fmalab", fmalab, "--count", "10", *extra, env=empty_path(tmp))


@case
def gatesim_missing_fmalab(tmp):
    fmalab = os.path.join(tmp, "no_such", "fmalab")
    return gatesim(tmp, fmalab), fmalab


@case
def gatesim_missing_synth_directory(tmp):
    # Already one line on the original code: its "missing .../netlist_osu.v" names the directory.
    return gatesim(tmp, fake_fmalab(tmp)), os.path.join(tmp, "synth")


@case
def gatesim_binary_netlist(tmp):
    netlist = write(os.path.join(tmp, "synth", "mac_int8_booth4", "netlist_osu.v"), b"\x7fELF\x02\x01\xff\x00\x00")
    return gatesim(tmp, fake_fmalab(tmp)), netlist


@case
def gatesim_json_in_missing_directory(tmp):
    out = os.path.join(tmp, "no_such", "energy.json")
    return gatesim(tmp, fake_fmalab(tmp), "--json", out), out


# --- synth/report.py -------------------------------------------------------------------------

def report(tmp, fmalab, work, out):
    if not python_for(REPORT):
        raise Skip("no python3 with matplotlib for report.py")
    return script(REPORT, "--fmalab", fmalab, "--work", work, "--out", out, "--jobs", "1", env=empty_path(tmp))


@case
def report_out_is_a_file(tmp):
    out = write(os.path.join(tmp, "report"), "a file\n")
    return report(tmp, fake_fmalab(tmp), os.path.join(tmp, "synth"), out), out


@case
def report_work_is_a_file(tmp):
    work = write(os.path.join(tmp, "synth"), "a file\n")
    return report(tmp, fake_fmalab(tmp), work, os.path.join(tmp, "report")), work


@case
def report_missing_fmalab(tmp):
    fmalab = os.path.join(tmp, "no_such", "fmalab")
    return report(tmp, fmalab, os.path.join(tmp, "synth"), os.path.join(tmp, "report")), fmalab


ACCURACY_HEAD = "dist,sqnr_db_weights,sqnr_db_activations,rel_err_k256,rel_err_k4096,overflow_k256,overflow_k4096\n"


def accuracy(tmp, csv_text):
    """report.py's accuracy step (the one that reads `fmalab accuracy`'s CSV) under the scripts'
    error handler, on a fake fmalab printing csv_text."""
    if not python_for(REPORT):
        raise Skip("no python3 with matplotlib for report.py")
    fmalab = fake_fmalab(tmp, csv_text)
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import errors, report; "
            "errors.run_main('report.py', report.accuracy_of, sys.argv[2], 'mac_int8')")
    return run([python_for(REPORT), "-c", code, SYNTH, fmalab]), fmalab


@case
def report_accuracy_cell_not_a_number(tmp):
    return accuracy(tmp, ACCURACY_HEAD + "uniform,40.1,41.2,1.0e-3,2.0e-3,0.000,0.000\n"
                    "gaussian,38.0,n/a,1.0e-3,2.0e-3,0.000,0.000\n")


@case
def report_accuracy_row_too_short(tmp):
    return accuracy(tmp, ACCURACY_HEAD + "uniform,40.1,41.2\n")


# --- synth/liberty.py ------------------------------------------------------------------------

def liberty(tmp, text):
    path = write(os.path.join(tmp, "cells.lib"), text)
    return script(LIBERTY, path), path


@case
def liberty_unclosed_brace(tmp):
    return liberty(tmp, TINY_LIB.rstrip().rsplit("}", 1)[0])


@case
def liberty_extra_brace(tmp):
    return liberty(tmp, TINY_LIB + "}\n")


@case
def liberty_unclosed_paren(tmp):
    return liberty(tmp, TINY_LIB.replace('index_1 ("0.1, 0.2");', 'index_1 ("0.1, 0.2";', 1))


@case
def liberty_extra_paren(tmp):
    return liberty(tmp, TINY_LIB.replace("area : 1;", "area : 1;)", 1))


@case
def liberty_unterminated_string(tmp):
    return liberty(tmp, TINY_LIB.replace('function : "(!A)";', 'function : "(!A);', 1))


@case
def liberty_value_not_a_number(tmp):
    return liberty(tmp, TINY_LIB.replace("capacitance : 0.01;", "capacitance : 0.0l;", 1))


@case
def liberty_binary_file(tmp):
    return liberty(tmp, b"\x1f\x8b\x08\x00\xff\xfe" + b"\x00" * 16)


@case
def liberty_empty_file(tmp):
    return liberty(tmp, "")


# --- positive controls: good input still works ------------------------------------------------

def good_liberty(tmp):
    (status, out, err), path = liberty(tmp, TINY_LIB)
    ok = status == 0 and out.strip() == f"{path}: 1 cells, 1.8 V" and not err
    return ok, f"status {status}, stdout {out.strip()!r}, stderr {err.strip()!r}"


def good_bench_report(tmp):
    status, out, err = bench_report(tmp, GOOD_FMA, GOOD_COSIM, GOOD_ICARUS)
    want = ["model    200.0 M FMA/s", "model/oracle =  200.0x", "exhaustive e5m2 sweep (1000000 triples): 0.100 s",
            "Icarus    50000 vectors/s   ratio      120x", "Icarus checked 8000 vectors: 0 failed"]
    ok = status == 0 and not err and all(w in out for w in want)
    return ok, f"status {status}, stderr {err.strip()!r}, missing {[w for w in want if w not in out]}"


CONTROLS = [good_liberty, good_bench_report]


def check(result, name):
    """Why the result is not a one-line error naming `name` with exit status 2 (None if it is)."""
    status, _, err = result
    lines = err.splitlines()
    if status is None:
        return "ran over the time limit"
    if status != 2:
        return f"exit status {status}, want 2 (stderr {err.strip()[-200:]!r})"
    if "Traceback" in err:
        return f"a traceback: {err.strip().splitlines()[-1]!r}"
    if len(lines) != 1:
        return f"{len(lines)} lines on stderr, want 1: {err.strip()[-300:]!r}"
    if name not in err:
        return f"stderr does not name {name}: {err.strip()!r}"
    return None


def run_case(fn):
    """(problem or None, what to show, skipped) of one case, in its own temporary directory."""
    with tempfile.TemporaryDirectory() as tmp:
        if fn in CONTROLS:
            ok, detail = fn(tmp)
            return (None if ok else detail), "good input accepted", False
        try:
            result, name = fn(tmp)
        except Skip as e:
            return None, str(e), True
        return check(result, name), result[2].strip().replace(tmp, "$TMP"), False


def main(argv):
    python_for(REPORT)  # once, before the cases run side by side
    chosen = [fn for fn in CASES + CONTROLS if not argv[1:] or any(w in fn.__name__ for w in argv[1:])]
    # The cases are independent subprocesses: run them side by side (report.py's matplotlib import
    # is most of the time).
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(run_case, chosen))
    passed = failed = 0
    for fn, (problem, shown, skipped) in zip(chosen, outcomes):
        if skipped:
            print(f"skip {fn.__name__}: {shown}")
        elif problem:
            failed += 1
            print(f"FAIL {fn.__name__}: {problem}")
        else:
            passed += 1
            print(f"ok   {fn.__name__}: {shown}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
