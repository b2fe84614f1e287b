#!/usr/bin/env python3
"""The Python module `fmalab` (sim/python_module.cpp; ctest Python.Module*).

    PYTHONPATH=build/python FMALAB=build/bin/fmalab python3 -m unittest test_python_module

No expected value comes from the module itself: eval and trace against `fmalab eval` (itself checked
against the MPFR oracle), quantize against the .npy files of `fmalab quantize`, decode against known
values and encode against `fmalab eval cvt:fp32:FMT`, units against `fmalab units --json`.
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

import fmalab

FMALAB = os.environ.get("FMALAB", os.path.join(os.path.dirname(__file__), "..", "build", "bin", "fmalab"))
MODES = ["rne", "rtz", "rdn", "rup", "rmm"]
N = 3000  # vectors per comparison: the CLI reads them as text


def rng(seed):
    return np.random.default_rng(seed)


def cli(*args, stdin=""):
    r = subprocess.run([FMALAB, *args], input=stdin, capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError(f"fmalab {' '.join(args)}: {r.stderr.strip()}")
    return r.stdout


def cli_eval(unit, operands, *options):
    """`fmalab eval` on the operand arrays (one per group, (n,) or (n, K)): results (n, words), flags."""
    cols = [np.asarray(a).reshape(len(a), -1).astype(np.uint64) for a in operands]
    rows = np.hstack(cols)
    text = "\n".join(" ".join(f"{v:x}" for v in row) for row in rows.tolist()) + "\n"
    lines = [ln.split() for ln in cli("eval", unit, *options, stdin=text).splitlines()]
    return (np.array([[int(t, 16) for t in ln[:-1]] for ln in lines], dtype=np.uint64),
            np.array([int(ln[-1], 16) for ln in lines], dtype=np.uint8))


def cli_options(kw):
    """Keyword options as the CLI's flags (the tests only use these)."""
    out = []
    for k, v in kw.items():
        if k == "round":
            out += ["--round", v]
        elif k == "sat" and v:
            out.append("--sat")
        elif k in ("preset", "dot", "rule", "lut_bits", "window", "sr_bits"):
            out += ["--" + k.replace("_", "-"), str(v)]
        elif k in ("method", "lns_method"):
            out += ["--method", v]
        elif k == "sticky" and not v:
            out.append("--no-sticky")
        else:
            raise ValueError(k)
    return out


def fp32_codes(r, n):
    """fp32 codes: random bits, and ordinary values a product lands near."""
    raw = r.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32)
    vals = (r.normal(size=n) * 2.0 ** r.integers(-20, 10, n)).astype(np.float32).view(np.uint32)
    return np.where(r.random(n) < 0.3, raw, vals)


class ModuleCase(unittest.TestCase):
    def same_as_cli(self, unit, operands, **kw):
        """eval against `fmalab eval` on the same vectors; the module's results flattened to words."""
        res, flags = fmalab.eval(unit, *operands, **kw)
        want, want_flags = cli_eval(unit, operands, *cli_options(kw))
        groups = res if isinstance(res, tuple) else (res,)
        got = np.hstack([np.asarray(g).reshape(len(flags), -1).astype(np.uint64) for g in groups])
        np.testing.assert_array_equal(got, want, err_msg=f"{unit} {kw}")
        np.testing.assert_array_equal(flags, want_flags, err_msg=f"{unit} {kw} flags")
        self.assertEqual(flags.dtype, np.uint8)
        return res, flags


class EvalTest(ModuleCase):
    def test_fma_every_mode(self):
        r = rng(1)
        a, b = r.integers(0, 256, N, dtype=np.uint8), r.integers(0, 256, N, dtype=np.uint8)
        c = fp32_codes(r, N)
        for mode in MODES:
            y, _ = self.same_as_cli("fma:e4m3:fp32", [a, b, c], round=mode)
            self.assertEqual(y.dtype, np.uint32)
        self.same_as_cli("fma:e4m3:fp32", [a, b, c], round="rne", sat=True)

    def test_stochastic_rounding_takes_the_random_word(self):
        r = rng(2)
        a, b = r.integers(0, 256, N, dtype=np.uint8), r.integers(0, 256, N, dtype=np.uint8)
        c = fp32_codes(r, N)
        rand = r.integers(0, 256, N, dtype=np.uint16)
        self.same_as_cli("fma:e4m3:fp16", [a, b, c & 0xFFFF, rand], round="sr")

    def test_dtypes_strides_and_broadcast(self):
        r = rng(3)
        a = r.integers(0, 256, N, dtype=np.uint8)
        b = r.integers(0, 256, 2 * N, dtype=np.int64)[::2]  # signed, strided
        c = fp32_codes(r, N).astype(np.uint64)
        y, f = fmalab.eval("fma:e4m3:fp32", a, b, c)
        want, wf = cli_eval("fma:e4m3:fp32", [a, b, c])
        np.testing.assert_array_equal(y, want[:, 0])
        np.testing.assert_array_equal(f, wf)
        # A scalar operand is repeated for every vector.
        y1, f1 = fmalab.eval("fma:e4m3:fp32", a, 0x38, c)
        want, wf = cli_eval("fma:e4m3:fp32", [a, np.full(N, 0x38), c])
        np.testing.assert_array_equal(y1, want[:, 0])
        np.testing.assert_array_equal(f1, wf)
        # Big-endian input is read by value.
        y2, _ = fmalab.eval("fma:e4m3:fp32", a, b, c.astype(">u4"))
        np.testing.assert_array_equal(y2, y)

    def test_the_gil_is_released(self):
        # While a long eval runs in a thread, this thread keeps running Python code: its loop spins at a
        # good part of the rate it has beside a sleeping thread (a call holding the GIL gives ~2%).
        import threading
        import time
        n = 1 << 22
        a = np.full(n, 0x38, np.uint8)
        c = np.full(n, 0x3F800000, np.uint32)
        done = []

        def spin_rate(target, *args):
            worker = threading.Thread(target=target, args=args)
            spins, t0 = 0, time.perf_counter()
            worker.start()
            while worker.is_alive():
                spins += 1
            worker.join()
            return spins / (time.perf_counter() - t0), time.perf_counter() - t0

        during, took = spin_rate(lambda: done.append(fmalab.eval("fma:e4m3:fp32", a, a, c)))
        beside, _ = spin_rate(time.sleep, took)
        self.assertTrue((done[0][0] == 0x40000000).all())
        self.assertGreater(during / beside, 0.1)

    def test_rtl_unit_name_is_its_model(self):
        r = rng(4)
        a, b = r.integers(0, 256, (N, 16), dtype=np.uint8), r.integers(0, 256, (N, 16), dtype=np.uint8)
        c = fp32_codes(r, N)
        y, f = fmalab.eval("dot16_e4m3_fp32", a, b, c)
        y2, f2 = fmalab.eval("dot:e4m3:fp32:16", a, b, c, preset="h100")
        np.testing.assert_array_equal(y, y2)
        np.testing.assert_array_equal(f, f2)
        with self.assertRaises(ValueError):
            fmalab.eval("dot16_e4m3_fp32", a, b, c, preset="a100")

    def test_several_result_groups_are_a_tuple(self):
        r = rng(5)
        x = fp32_codes(r, N * 32).reshape(N, 32)
        (scale, p), flags = self.same_as_cli("mxq:mxfp8_e4m3", [x])
        self.assertEqual(scale.shape, (N,))
        self.assertEqual(p.shape, (N, 32))


class DotTest(ModuleCase):
    def test_dot_exact_and_h100(self):
        r = rng(10)
        a, b = r.integers(0, 256, (N, 16), dtype=np.uint8), r.integers(0, 256, (N, 16), dtype=np.uint8)
        # Mostly finite: NaN-free codes so that the sums are not all NaN.
        a[a & 0x7F == 0x7F] = 0x38
        b[b & 0x7F == 0x7F] = 0x40
        c = fp32_codes(r, N)
        for mode in MODES:
            self.same_as_cli("dot:e4m3:fp32:16", [a, b, c], round=mode)
        y, _ = self.same_as_cli("dot:e4m3:fp32:16", [a, b, c], preset="h100")
        self.assertEqual(y.shape, (N,))

    def test_one_vector_repeated(self):
        r = rng(11)
        a = r.integers(0, 0x7F, 16, dtype=np.uint8)  # one vector for every row
        b = r.integers(0, 0x7F, (50, 16), dtype=np.uint8)
        c = fp32_codes(r, 50)
        y, f = fmalab.eval("dot:e4m3:fp32:16", a, b, c)
        want, wf = cli_eval("dot:e4m3:fp32:16", [np.tile(a, (50, 1)), b, c])
        np.testing.assert_array_equal(y, want[:, 0])


class MxTest(ModuleCase):
    def test_mxdot(self):
        r = rng(20)
        xa, xb = r.integers(100, 150, N, dtype=np.uint8), r.integers(100, 150, N, dtype=np.uint8)
        a, b = r.integers(0, 256, (N, 8), dtype=np.uint8), r.integers(0, 256, (N, 8), dtype=np.uint8)
        c = fp32_codes(r, N)
        for mode in MODES:
            self.same_as_cli("mxdot:mxfp8_e4m3:8", [xa, a, xb, b, c], round=mode)
        self.same_as_cli("mxdot:nvfp4:16", [xa, r.integers(0, 16, (N, 16)), xb, r.integers(0, 16, (N, 16)), c])


class LnsTest(ModuleCase):
    def test_lnsmul_lnsadd(self):
        r = rng(30)
        a, b = r.integers(0, 256, N, dtype=np.uint8), r.integers(0, 256, N, dtype=np.uint8)
        for mode in MODES:
            self.same_as_cli("lnsmul:lns8_3", [a, b], round=mode)
            self.same_as_cli("lnsadd:lns8_3", [a, b], round=mode)
        a16, b16 = r.integers(0, 2**16, N, dtype=np.uint16), r.integers(0, 2**16, N, dtype=np.uint16)
        self.same_as_cli("lnsadd:lns16_10", [a16, b16], method="lut", lut_bits=8)
        self.same_as_cli("lnsadd:lns16_10", [a16, b16], lns_method="mitchell")
        # The RTL unit's row options (lns_method=lut lut_bits=8) come with its name.
        y, f = fmalab.eval("lns16_add_lut", a16, b16)
        y2, f2 = fmalab.eval("lnsadd:lns16_10", a16, b16, method="lut", lut_bits=8)
        np.testing.assert_array_equal(y, y2)


class CvtTest(ModuleCase):
    def test_cvt(self):
        r = rng(40)
        x = fp32_codes(r, N)
        for mode in MODES:
            self.same_as_cli("cvt:fp32:e4m3", [x], round=mode)
            self.same_as_cli("cvt:fp32:e5m2", [x], round=mode, sat=True)
        self.same_as_cli("cvt:e4m3:bf16", [r.integers(0, 256, N, dtype=np.uint8)])
        y, _ = self.same_as_cli("cvt:fp32:lns16_10", [x])
        self.assertEqual(y.dtype, np.uint16)


class QuantizeTest(unittest.TestCase):
    def run_cli(self, fmt, x, *opts):
        with tempfile.TemporaryDirectory() as d:
            src, out, sc, dq = (os.path.join(d, n) for n in ("x.npy", "y.npy", "s.npy", "d.npy"))
            np.save(src, x)
            per_tensor = fmt in ("e4m3", "e5m2", "int8") or fmt.startswith("lns")
            extra = [] if per_tensor else ["--scales", sc]
            line = cli("quantize", fmt, "--in", src, "-o", out, "--dequant", dq, *extra, *opts).strip()
            return (np.load(out), np.load(sc) if extra else None, np.load(dq), line)

    def check_blocks(self, fmt, x, cli_opts=(), **kw):
        q = fmalab.quantize(fmt, x, **kw)
        codes, scales, dq, line = self.run_cli(fmt, x, *cli_opts)
        np.testing.assert_array_equal(q.codes, codes)
        np.testing.assert_array_equal(q.scales, scales)
        np.testing.assert_array_equal(q.dequant.view(np.uint32), dq.view(np.uint32))
        self.assertEqual(q.codes.dtype, codes.dtype)
        self.assertIn(f"sqnr_db={q.sqnr_db:.2f}", line)
        if fmt == "nvfp4":
            self.assertIn(f"ts={q.ts:.9g}", line)
        else:
            self.assertIsNone(q.ts)
        return q

    def test_mx_formats(self):
        r = rng(50)
        x = (r.normal(size=(24, 100)) * 3).astype(np.float32)
        x[3, 5] = np.nan
        x[7, 9] = np.inf
        q = self.check_blocks("mxfp8_e4m3", x)
        self.assertEqual(q.scales.shape, (24, 4))
        self.check_blocks("mxfp4_e2m1", x.astype(np.float64), ["--rule", "ceil", "--round", "rtz"], rule="ceil",
                          round="rtz")
        self.check_blocks("mxint8", x, ["--no-clamp"], clamp=False)
        self.check_blocks("nvfp4", x)
        self.check_blocks("nvfp4", (r.normal(size=(2, 40, 48))).astype(np.float32), ["--weights-2d"],
                          weights_2d=True)

    def test_per_tensor(self):
        r = rng(51)
        x = r.normal(size=(10, 33))
        for fmt in ("e4m3", "e5m2", "int8", "lns8_3"):
            q = fmalab.quantize(fmt, x)
            codes, _, dq, line = self.run_cli(fmt, x)
            np.testing.assert_array_equal(q.codes, codes)
            np.testing.assert_array_equal(q.dequant, dq)
            self.assertIn(f"sqnr_db={q.sqnr_db:.2f}", line)
            self.assertAlmostEqual(q.scale, np.abs(x).max() / fmalab.formats([fmt])[0]["max"])

    def test_errors(self):
        with self.assertRaises(ValueError):
            fmalab.quantize("e4m3", np.array([1.0, np.nan]))
        with self.assertRaises(ValueError):
            fmalab.quantize("nvfp4", np.ones(32), rule="ceil")
        with self.assertRaises(ValueError):
            fmalab.quantize("e4m3", np.ones(4), round="rtz")
        with self.assertRaises(ValueError):
            fmalab.quantize("fp33", np.ones(4))


class CodecTest(unittest.TestCase):
    def test_known_values(self):
        v = fmalab.decode("e4m3", np.array([0x38, 0x7E, 0xFE, 0x01, 0x00, 0x80, 0x7F], dtype=np.uint8))
        np.testing.assert_array_equal(v[:6], [1.0, 448.0, -448.0, 2.0**-9, 0.0, -0.0])
        self.assertTrue(np.signbit(v[5]))
        self.assertTrue(np.isnan(v[6]))
        v = fmalab.decode("e5m2", [0x7C, 0xFC, 0x7E, 0x3C])
        np.testing.assert_array_equal(v[[0, 1, 3]], [np.inf, -np.inf, 1.0])
        self.assertTrue(np.isnan(v[2]))
        np.testing.assert_array_equal(fmalab.decode("fp16", np.array([0x3C00, 0x7BFF], np.uint16)), [1.0, 65504.0])
        np.testing.assert_array_equal(fmalab.decode("int8", [0xFF, 0x7F, 0x80]), [-1, 127, -128])
        np.testing.assert_array_equal(fmalab.decode("lns8_3", [0x00, 0x08, 0x88]), [1.0, 2.0, -2.0])
        np.testing.assert_array_equal(fmalab.decode("fp32", np.array([1.5], np.float32).view(np.uint32)), [1.5])

    def test_round_trip_every_code(self):
        for fmt in ("e4m3", "e5m2", "fp16", "bf16", "e2m1", "e3m2", "int8", "lns8_3"):
            bits = fmalab.formats([fmt])[0]["bits"]
            codes = np.arange(2**bits, dtype=np.uint32)
            v = fmalab.decode(fmt, codes)
            back, flags = fmalab.encode(fmt, v)
            finite = ~np.isnan(v)
            np.testing.assert_array_equal(back[finite], codes[finite], err_msg=fmt)
            # An LNS value 2^(k/2^F) is irrational: its double is inexact, so only NX may be raised.
            allowed = 0x01 if fmt.startswith("lns") else 0
            self.assertFalse((flags[finite] & ~allowed).any(), fmt)

    def test_encode_against_cvt(self):
        r = rng(60)
        x = fp32_codes(r, N)
        with np.errstate(invalid="ignore"):
            vals = x.view(np.float32).astype(np.float64)
        for fmt in ("e4m3", "e5m2", "fp16", "lns8_3"):
            for mode in MODES:
                for sat in (False, True):
                    codes, flags = fmalab.encode(fmt, vals, round=mode, sat=sat)
                    want, wf = cli_eval(f"cvt:fp32:{fmt}", [x], "--round", mode, *(["--sat"] if sat else []))
                    keep = ~np.isnan(vals)  # fp32 NaN payloads are not float64's: compare the rest
                    np.testing.assert_array_equal(codes[keep], want[keep, 0], err_msg=f"{fmt} {mode} {sat}")
                    np.testing.assert_array_equal(flags[keep], wf[keep], err_msg=f"{fmt} {mode} {sat}")

    def test_formats(self):
        f = {d["name"]: d for d in fmalab.formats()}
        self.assertEqual(f["e4m3"]["max"], 448.0)
        self.assertEqual(f["e5m2"]["max"], 57344.0)
        self.assertEqual(f["e4m3"]["min_subnormal"], 2.0**-9)
        self.assertEqual(f["fp16"]["inf_code"], 0x7C00)
        self.assertEqual(f["int8"]["bits"], 8)
        self.assertEqual(f["e2m1"]["max"], 6.0)
        for name, d in f.items():
            line = cli("formats", name).splitlines()[1].split()
            self.assertEqual(int(line[1]), d["bits"], name)


class ErrorsTest(unittest.TestCase):
    def one_line(self, fn, *words):
        with self.assertRaises(ValueError) as e:
            fn()
        msg = str(e.exception)
        self.assertNotIn("\n", msg)
        self.assertLess(len(msg), 400)
        for w in words:
            self.assertIn(w, msg)
        return msg

    def test_errors(self):
        a = np.zeros(4, np.uint8)
        c = np.zeros(4, np.uint32)
        self.one_line(lambda: fmalab.eval("fma:e4m3:fq32", a, a, c), "fq32")
        self.one_line(lambda: fmalab.eval("nosuchunit", a), "nosuchunit")
        self.one_line(lambda: fmalab.eval("fma:e4m3:fp32", a, a), "takes 3 operands", "got 2")
        wide = np.array([1, 2, 300, 4], np.uint16)
        self.one_line(lambda: fmalab.eval("fma:e4m3:fp32", a, wide, c), "operand b", "vector 2", "8 bits")
        dots = np.zeros((4, 16), np.uint16)
        dots[3, 5] = 0x100
        self.one_line(lambda: fmalab.eval("dot:e4m3:fp32:16", dots, dots * 0, c), "operand a5", "vector 3")
        self.one_line(lambda: fmalab.eval("fma:e4m3:fp32", np.array([0, -1, 0, 0], np.int8), a, c), "operand a",
                      "vector 1", "negative")
        self.one_line(lambda: fmalab.eval("fma:e4m3:fp32", a, a, c, round="nearest"), "round")
        self.one_line(lambda: fmalab.eval("fma:e4m3:fp32", a, a, c, colour=1), "colour")
        self.one_line(lambda: fmalab.eval("fma:e4m3:fp32", a, a, c, rule="ceil"), "rule")
        self.one_line(lambda: fmalab.eval("fma:e4m3:fp32", a, a, c.astype(np.float32)), "operand c", "dtype")
        self.one_line(lambda: fmalab.eval("fma:e4m3:fp32", a, a, np.zeros(5, np.uint32)), "operand c")
        self.one_line(lambda: fmalab.eval("dot:e4m3:fp32:16", np.zeros((4, 8), np.uint8), dots, c), "operand a",
                      "(n, 16)")
        self.one_line(lambda: fmalab.eval("x" * 5000, a), "...")
        self.one_line(lambda: fmalab.decode("e4m3", [0x100]), "wider")
        self.one_line(lambda: fmalab.decode("e99", [1]), "e99")
        self.one_line(lambda: fmalab.encode("e4m3", [1.0], round="sr"), "sr")
        self.one_line(lambda: fmalab.trace("fma:e4m3:fp32", 0x38, 0x138, 0), "operand b")


class TraceTest(unittest.TestCase):
    def same_trace(self, unit, operands, *cli_opts, **kw):
        stages, results, flags = fmalab.trace(unit, *operands, **kw)
        words = []
        for o in operands:
            words += [int(v) for v in np.atleast_1d(o)]
        out = cli("eval", unit, "--trace", *cli_opts, stdin=" ".join(f"{w:x}" for w in words) + "\n").splitlines()
        want = []
        for ln in out[:-1]:
            head, _, text = ln.partition(" stage=")
            name, _, values = text.partition(" ")
            want.append((name, values))
        self.assertEqual(stages, want)
        last = out[-1].split()
        self.assertEqual(list(results), [int(t, 16) for t in last[:-1]])
        self.assertEqual(flags, int(last[-1], 16))

    def test_traces(self):
        self.same_trace("fma:e4m3:fp32", [0x38, 0x38, 0x3F800000])
        self.same_trace("fma:e4m3:fp32", [0x3A, 0x45, 0xBF800001], "--round", "rtz", round="rtz")
        r = rng(70)
        a, b = r.integers(0, 0x7F, 16), r.integers(0, 0x7F, 16)
        self.same_trace("dot:e4m3:fp32:16", [a, b, 0x3F800000], "--preset", "h100", preset="h100")
        self.same_trace("lnsadd:lns16_10", [0x1234, 0x0456], "--method", "lut", method="lut")
        self.same_trace("cvt:fp32:e4m3", [0x43E00000])


class UnitsTest(unittest.TestCase):
    def test_units_and_signature(self):
        want = json.loads(cli("units", "--json"))
        got = fmalab.units()
        self.assertEqual([(o["grammar"], o["summary"]) for o in got["operations"]],
                         [(o["grammar"], o["summary"]) for o in want["operations"]])
        self.assertEqual([(u["name"], u["model"], u["options"], u["in"], u["out"]) for u in got["rtl_units"]],
                         [(u["name"], u["model"], u["options"], u["in"], u["out"]) for u in want["rtl_units"]])
        s = fmalab.signature("dot:e4m3:fp32:16")
        self.assertEqual([(g["name"], g["format"], g["count"]) for g in s["operands"]],
                         [("a", "e4m3", 16), ("b", "e4m3", 16), ("c", "fp32", 1)])
        self.assertEqual(fmalab.signature("fma:e4m3:fp16", round="sr")["random_bits"], 8)


if __name__ == "__main__":
    unittest.main()
