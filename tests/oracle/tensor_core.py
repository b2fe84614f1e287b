#!/usr/bin/env python3
"""Independent exact reference for fmalab's dot:IN:ACC:K, the inner product of GPU tensor cores.

    D = sum_{i<K} a_i * b_i + c

computed the way real tensor cores do it, bit for bit: the block FMA of Khattak and Mikaitis, "Accurate
Models of NVIDIA Tensor Cores" (ACM TACO), as their MATLAB model has it (north-numerical-computing/
MATLAB-tensor-core, commit b12b5a7: models/tools/Generic_BFMA_TC.m and GEMM.m), followed stage by
stage in integer arithmetic (no float anywhere in the datapath), with two corrections the measured data
demand (both documented where they are: Params.frac_bits and emulated_dot):
  - a negative neab cuts a result to min(out.mbits, 23 + neab) fraction bits, not out.mbits + neab;
  - FP8 mma.sync on H100/H200/B200 runs through the fp16 tensor core (two blocks, then c added).

A preset names a GPU; with the input and output formats it selects the parameters (preset_params).
Every preset reproduces every measured vector of the upstream repository (5000 per GPU x input x
output, 48 sets, shipped in tests/data/tensor_cores/vectors.tar.xz):

    python3 tests/oracle/tensor_core.py validate [--preset P] [--data ARCHIVE|DIR] [--cross]
    python3 tests/oracle/tensor_core.py eval PRESET IN OUT [--round M] < lines "a0 .. aK-1 b0 .. bK-1 c"
    python3 tests/oracle/tensor_core.py table

Every value is a pair of Python ints: the magnitude is mag * 2**exp.
"""

import argparse
import lzma
import os
import sys
import tarfile
from dataclasses import dataclass, replace

# =====================================================================================================
# Formats
# =====================================================================================================


@dataclass(frozen=True)
class Fmt:
    name: str
    ebits: int
    mbits: int
    style: str  # 'ieee': Inf and NaN at exponent all ones; 'fn': OCP e4m3, no Inf, NaN = S.1111.111;
    #             'fnuz': no Inf, no -0, NaN = 1000..0, bias 2^(e-1)

    @property
    def bits(self):
        return 1 + self.ebits + self.mbits

    @property
    def bias(self):
        return (1 << (self.ebits - 1)) - (0 if self.style == 'fnuz' else 1)

    @property
    def emin(self):  # exponent of the smallest normal
        return 1 - self.bias

    @property
    def max_code(self):  # largest finite magnitude code
        top = (1 << (self.ebits + self.mbits)) - 1
        if self.style == 'ieee':
            return top - (1 << self.mbits)
        if self.style == 'fn':
            return top - 1
        return top

    @property
    def emax(self):
        return (self.max_code >> self.mbits) - self.bias

    @property
    def hex_digits(self):
        return (self.bits + 3) // 4


FORMATS = {f.name: f for f in [
    Fmt('fp32', 8, 23, 'ieee'), Fmt('fp16', 5, 10, 'ieee'), Fmt('bf16', 8, 7, 'ieee'),
    Fmt('tf32', 8, 10, 'ieee'), Fmt('e4m3', 4, 3, 'fn'), Fmt('e5m2', 5, 2, 'ieee'),
    Fmt('e4m3fnuz', 4, 3, 'fnuz'), Fmt('e5m2fnuz', 5, 2, 'fnuz')]}
ALIASES = {'e8m10': 'tf32', 'e4m3fn': 'e4m3', 'binary32': 'fp32', 'binary16': 'fp16'}


def fmt(name):
    name = name.lower()
    return FORMATS[ALIASES.get(name, name)]


@dataclass(frozen=True)
class Val:
    """A decoded value: kind 'num' (magnitude mag * 2**exp, mag == 0 for zero), 'inf' or 'nan'."""
    kind: str
    sign: int = 0
    mag: int = 0
    exp: int = 0


def decode(f, code):
    sign = code >> (f.bits - 1) & 1
    mag_code = code & ((1 << (f.bits - 1)) - 1)
    e_field, m_field = mag_code >> f.mbits, mag_code & ((1 << f.mbits) - 1)
    if f.style == 'ieee' and e_field == (1 << f.ebits) - 1:
        return Val('nan') if m_field else Val('inf', sign)
    if f.style == 'fn' and mag_code == (1 << (f.bits - 1)) - 1:
        return Val('nan')
    if f.style == 'fnuz' and code == 1 << (f.bits - 1):
        return Val('nan')
    if e_field == 0:
        return Val('num', sign, m_field, f.emin - f.mbits)
    return Val('num', sign, m_field | 1 << f.mbits, e_field - f.bias - f.mbits)


def nan_code(f, nvidia=True):
    """NaN result code: NVIDIA's canonical NaN (all ones but the sign) for the GPU presets, the quiet
    NaN 0 11..1 10..0 otherwise. Not in the measured data (which has no NaN)."""
    if f.style == 'fn':
        return (1 << (f.bits - 1)) - 1
    if f.style == 'fnuz':
        return 1 << (f.bits - 1)
    if nvidia:
        return (1 << (f.bits - 1)) - 1
    return ((1 << f.ebits) - 1) << f.mbits | 1 << (f.mbits - 1)


def inf_code(f, sign):
    return sign << (f.bits - 1) | ((1 << f.ebits) - 1) << f.mbits


def floor_log2(mag, exp):
    return mag.bit_length() - 1 + exp


def shift_floor(x, s):
    """floor(x * 2**s) for an integer x >= 0."""
    return x << s if s >= 0 else x >> -s


# =====================================================================================================
# Rounding an exact value into a format
# =====================================================================================================

MODES = ('rz', 'rne', 'rd', 'ru', 'rna')
MODE_ALIASES = {'rtz': 'rz', 'rdn': 'rd', 'rup': 'ru', 'rmm': 'rna'}


def round_mag(mag, s, mode, sign):
    """mag * 2**s rounded to an integer (s <= 0 drops -s bits) in mode; returns (int, inexact)."""
    if s >= 0:
        return mag << s, False
    q, r = mag >> -s, mag & ((1 << -s) - 1)
    if r == 0:
        return q, False
    half = 1 << (-s - 1)
    up = {'rz': False, 'rd': sign == 1, 'ru': sign == 0,
          'rne': r > half or (r == half and q & 1 == 1), 'rna': r >= half}[mode]
    return q + up, True


def encode_round(f, sign, mag, exp, mode, frac_bits=None, overflow='ieee', subnormals=True):
    """The code of (-1)^sign * mag * 2**exp rounded to f with frac_bits fraction bits kept (fewer
    than f.mbits: the result is cut to that many fraction bits, still encoded in f).

    overflow: 'ieee' (rz/rd/ru go to the largest finite value where IEEE says so) or 'inf' (every
    mode gives Inf once the rounded exponent passes emax: what Generic_BFMA_TC.m does)."""
    frac_bits = f.mbits if frac_bits is None else frac_bits
    if mag == 0:
        return sign << (f.bits - 1) if f.style != 'fnuz' else 0
    e = max(floor_log2(mag, exp), f.emin)
    q = e - frac_bits  # exponent of the last kept bit
    r, _ = round_mag(mag, exp - q, mode, sign)
    if r == 0:
        return sign << (f.bits - 1) if f.style != 'fnuz' else 0
    if r.bit_length() > frac_bits + 1:  # carried into the next binade
        e += 1
    if not subnormals and floor_log2(r, q) < f.emin:
        return sign << (f.bits - 1) if f.style != 'fnuz' else 0
    max_mag = f.max_code & ((1 << f.mbits) - 1) | 1 << f.mbits  # largest finite: max_mag * 2**(emax - mbits)
    d = q - (f.emax - f.mbits)
    if (r << d > max_mag) if d >= 0 else (r > max_mag << -d):
        to_max = overflow == 'ieee' and (mode == 'rz' or (mode == 'rd' and sign == 0)
                                         or (mode == 'ru' and sign == 1))
        if to_max or f.style != 'ieee':
            return sign << (f.bits - 1) | f.max_code
        return inf_code(f, sign)
    # r * 2**q is representable: field values
    sig = shift_floor(r, q - (max(floor_log2(r, q), f.emin) - f.mbits))
    if floor_log2(r, q) < f.emin:  # subnormal
        return sign << (f.bits - 1) | sig
    e_field = floor_log2(r, q) + f.bias
    return sign << (f.bits - 1) | e_field << f.mbits | (sig & ((1 << f.mbits) - 1))


# =====================================================================================================
# Parameters
# =====================================================================================================


@dataclass(frozen=True)
class Params:
    """One block FMA's parameters (the fields of def_params in the MATLAB models)."""
    n: int = 8                  # products per block (def_params.fma)
    neab: int = 0               # extra alignment bits below the 24-bit fp32 significand; < 0 cuts
    round: str = 'rz'           # rounding of every block result (def_params.frmode)
    min_exp: int = -1024        # lower clamp of the alignment exponent (def_params.min_exp_limit)
    sticky: bool = False        # one sticky bit below the window (def_params.stkbitenabled)
    late_c: bool = False        # c added after the products (def_params.late_partial_sum)
    c_min_exp: bool = False     # late c == 0 still sits at exponent -126 (def_params.c_min_exp_limit)
    armode: str = 'rz'          # rounding of the smaller operand in the two-operand additions
    odd_even: bool = False      # even and odd products summed apart (CDNA3 FP8)
    denorm_prd: bool = True     # products kept in [1,4) (False: renormalised to [1,2))
    prd_limit: bool = False     # a product >= 2^(2^(E_out-1)) makes the row Inf (NaN if both signs)
    in_subnormals: bool = True  # False: subnormal inputs read as zero
    out_subnormals: bool = True  # False: subnormal c read as zero and subnormal results flushed
    cut: int = None             # fraction bits kept in block results (None: min(out.mbits, 23 + neab))
    inter: str = None           # format of the results passed from block to block (None: the output)
    inter_round: str = None     # rounding of those (None: round)
    emulated: bool = False      # FP8 mma.sync on sm_90/sm_100: through the fp16 tensor core (see emulated_dot)
    c_add_round: str = 'rne'    # emulated: rounding of the final addition of c
    exact: bool = False         # one correct rounding of the exact sum (no blocks)
    nvidia: bool = True         # NaN result: NVIDIA canonical (0x7fffffff) or quiet NaN

    def frac_bits(self, out):
        """The normalised sum holds 24 + neab significant bits: a negative neab cuts the result to
        23 + neab fraction bits when the output has more (fp32: 13 for neab = -10). The MATLAB model
        cuts out.mbits + neab (0 for fp16 with neab = -10), which the measured FP8 -> fp16 data refute."""
        return self.cut if self.cut is not None else min(out.mbits, 23 + self.neab)


# =====================================================================================================
# The block FMA, stage by stage (Generic_BFMA_TC.m)
# =====================================================================================================
# A term is (sign, e, mag, fbits): its magnitude is mag * 2**(e - fbits), and e is the exponent the
# term is aligned by: for a product ea + eb with its significand in [0, 4) (not renormalised), for c
# its fp32 exponent (at least -126).


def split_input(v, f, p):
    """An input as (exponent, significand integer, fraction bits): exponent max(floor(log2|v|), emin)."""
    if v.mag == 0 or (not p.in_subnormals and floor_log2(v.mag, v.exp) < f.emin):
        return None
    e = max(floor_log2(v.mag, v.exp), f.emin)
    return e, v.mag, e - v.exp  # |v| = mag * 2**(e - fbits)


def multiply(a, b, f, p):
    """Stage 1: the exact product of two inputs, not renormalised: exponent ea + eb, significand in
    [0, 4). None for a zero product (a zero product takes no part unless odd_even)."""
    sa, sb = split_input(a, f, p), split_input(b, f, p)
    if sa is None or sb is None:
        return None
    (ea, ma, fa), (eb, mb, fb) = sa, sb
    e, mag, fbits = ea + eb, ma * mb, fa + fb
    if not p.denorm_prd and mag >> fbits >= 2:  # renormalise to [1, 2)
        e, fbits = e + 1, fbits + 1
    return (a.sign ^ b.sign, e, mag, fbits)


def c_term(c):
    """c as a term: its fp32 view (exponent floor(log2|c|) clamped below at -126, 23 fraction bits)."""
    if c.mag == 0:
        return None
    e = max(floor_log2(c.mag, c.exp), -126)
    return (c.sign, e, c.mag, e - c.exp)


def max_exponent(terms, p):
    """Stage 2: the alignment exponent: the largest term exponent, clamped below at min_exp."""
    return max([t[1] for t in terms] + [p.min_exp])


def align_and_cut(terms, E, neab, sticky):
    """Stage 3: each magnitude as an integer in units of 2^(E - 23 - neab - sticky): the 24 + neab bit
    window below bit E (two more bits above it hold the product's integer part and carry), truncated
    (magnitude rounded toward zero, no two's complement), before the sign is applied.

    With sticky, the unit is one bit finer and its last bit is the OR of the bits lost, computed as
    the MATLAB does: over the window's bits only (24 + neab bits), so a lost bit at or above 2^(E+1)
    of a shifted-out product with significand >= 2 is not seen."""
    out = []
    for s, e, mag, fbits in terms:
        sig = shift_floor(mag, 23 - fbits)  # the term's significand * 2^23 (an integer here)
        sig = shift_floor(sig, neab)
        shift = E - e
        aligned = sig >> shift if shift <= 31 else 0
        if sticky:
            mask = (1 << shift) - 1 if shift <= 24 + neab else (1 << (24 + neab)) - 1
            aligned = aligned * 2 + (1 if sig & mask else 0)
        out.append(-aligned if s else aligned)
    return out


def integer_sum(aligned):
    """Stage 4: the exact signed sum of the aligned terms."""
    return sum(aligned)


def normalize(total, E, neab, sticky):
    """Stage 5: sign and magnitude of the sum; the value is mag * 2**exp (normalisation itself is
    only the position of the leading one, which the rounding finds)."""
    return (1 if total < 0 else 0), abs(total), E - 23 - neab - (1 if sticky else 0)


def round_result(sign, mag, exp, out, p, mode, frac_bits):
    """Stage 6: round into the output format, frac_bits fraction bits kept (Params.frac_bits). Subnormal results keep their bits down to 2^(emin - frac_bits);
    a result at or past 2^(emax+1) after rounding is Inf in every mode (as the MATLAB model)."""
    if mag == 0:
        return 0  # an exact zero sum is +0 (as the one zero result measured: Ada/L40S e5m2 line 2087)
    return encode_round(out, sign, mag, exp, mode, frac_bits, overflow='inf',
                        subnormals=p.out_subnormals)


def add_two(e1, s1, m1, e2, s2, m2, armode, eab1, eab2, neab, exp_check):
    """AddTwoNonNormSums: add two aligned partial sums (exponents e1, e2, signs, magnitudes m1, m2 in
    units of 2^(e - 23 - neab)); the one with the smaller exponent is shifted right and rounded in
    armode ('rd': toward -inf, 'ru', 'rne'; else truncated). Before that both are moved left by eab
    of the smaller one (extra bits it gains). Returns (exponent, signed sum, neab)."""
    E = max(e1, e2)
    shift = abs(e1 - e2)
    if shift > 532:  # one of the sums sits at the zero exponent -1024
        shift = 0

    def rnd(m, s, sh, check):
        q, r = m >> sh, m - ((m >> sh) << sh)
        if armode == 'rd':
            adj = r > 0 and s == 1
            if check:
                adj = False
        elif armode == 'ru':
            adj = r > 0 and s == 0
        elif armode == 'rne':
            half = 1 << (sh - 1) if sh > 0 else 0
            adj = r > half or (r == half and q & 1 == 1)
        else:
            adj = False
        return q + adj

    if e1 < E:
        neab += eab1
        m1, m2 = m1 << eab1, m2 << eab1
        m1 = rnd(m1, s1, shift, False)
    elif e2 < E:
        neab += eab2
        m1, m2 = m1 << eab2, m2 << eab2
        m2 = rnd(m2, s2, shift, exp_check and e2 < E - 25)
    return E, (-m1 if s1 else m1) + (-m2 if s2 else m2), neab


def late_c_operand(c, neab, c_min_exp):
    """c for a late addition: exponent max(floor(log2|c|), -126), significand * 2^(23 + neab)
    rounded to nearest (ties away; exact unless neab < 0). c == 0 sits at -126 or -1024."""
    if c.mag == 0:
        return (-126 if c_min_exp else -1024), 0, 0
    e = max(floor_log2(c.mag, c.exp), -126)
    s = 23 + neab - (e - c.exp)  # c.mag * 2**(c.exp - e) * 2**(23 + neab)
    if s >= 0:
        m = c.mag << s
    else:
        m = (c.mag + (1 << (-s - 1))) >> -s
    return e, c.sign, m


def block_fma(a, b, c, inf, out, p, mode, frac_bits):
    """One block: sum_{i<n} a_i*b_i + c, rounded (mode) into `out` with frac_bits fraction bits.
    a, b: decoded inputs (no Inf/NaN: GEMM decides those for the whole row first); c: decoded, finite."""
    if not p.out_subnormals and c.mag and floor_log2(c.mag, c.exp) < out.emin:
        c = Val('num', 0, 0, 0)
    if p.prd_limit:
        big = [a_.sign ^ b_.sign for a_, b_ in zip(a, b) if a_.mag and b_.mag
               and floor_log2(a_.mag * b_.mag, a_.exp + b_.exp) >= 1 << (out.ebits - 1)]
        if big:
            return nan_code(out, p.nvidia) if len(set(big)) == 2 else inf_code(out, big[0])
    prods = [multiply(x, y, inf, p) for x, y in zip(a, b)]
    if p.odd_even:
        return odd_even_block(prods, c, out, p, mode, frac_bits)
    prods = [t for t in prods if t is not None]
    if not prods and c.mag == 0:
        return 0  # early exit: +0
    neab = p.neab
    if not p.late_c:
        terms = prods + ([c_term(c)] if c.mag else [])
        E = max_exponent(terms, p)
        total = integer_sum(align_and_cut(terms, E, neab, p.sticky))
        sign, mag, exp = normalize(total, E, neab, p.sticky)
        return round_result(sign, mag, exp, out, p, mode, frac_bits)
    # late c: products first (kept unnormalised), then c with one two-operand addition
    if prods:
        E = max_exponent(prods, p)
        total = integer_sum(align_and_cut(prods, E, neab, p.sticky))
    else:
        E, total = None, 0
    ce, cs, cm = late_c_operand(c, neab, p.c_min_exp)
    if E is None:
        E2, total2 = ce, (-cm if cs else cm)
    else:
        E2, total2, neab = add_two(E, 1 if total < 0 else 0, abs(total), ce, cs, cm,
                                   p.armode, 7, 0, neab, False)
    sign, mag, exp = normalize(total2, E2, neab, False)
    return round_result(sign, mag, exp, out, p, mode, frac_bits)


def odd_even_block(prods, c, out, p, mode, frac_bits):
    """CDNA3 FP8: the even-indexed and the odd-indexed products are aligned and summed apart (zero
    products kept, at exponent -1024), the two sums added with armode rounding, then c likewise."""
    zero = (0, -1024, 0, 0)
    prods = [t if t is not None else zero for t in prods]
    sums = []
    for group in (prods[0::2], prods[1::2]):
        E = max_exponent(group, p)
        total = integer_sum(align_and_cut(group, E, p.neab, False))
        sums.append((E, 1 if total < 0 else 0, abs(total)))
    (e0, s0, m0), (e1, s1, m1) = sums
    E, total, neab = add_two(e0, s0, m0, e1, s1, m1, p.armode, 0, 0, p.neab, False)
    ce, cs, cm = late_c_operand(c, neab, p.c_min_exp)
    E, total, neab = add_two(E, 1 if total < 0 else 0, abs(total), ce, cs, cm, p.armode, 7, 0, neab, True)
    sign, mag, exp = normalize(total, E, neab, False)
    return round_result(sign, mag, exp, out, p, mode, frac_bits)


# =====================================================================================================
# The whole dot product (GEMM.m): specials over the row, then blocks of n chained through c
# =====================================================================================================


def specials(a, b, c, out, p):
    """NaN and Inf over the whole row (all K products and c), before any block: a NaN operand, 0*Inf,
    or +Inf with -Inf gives NaN; otherwise any Inf gives that Inf. None when all are finite."""
    vals = [c]
    for x, y in zip(a, b):
        if x.kind == 'nan' or y.kind == 'nan':
            vals.append(Val('nan'))
        elif x.kind == 'inf' or y.kind == 'inf':
            vals.append(Val('nan') if x.mag == 0 and x.kind == 'num' or y.mag == 0 and y.kind == 'num'
                        else Val('inf', x.sign ^ y.sign))
    if any(v.kind == 'nan' for v in vals):
        return nan_code(out, p.nvidia)
    signs = {v.sign for v in vals if v.kind == 'inf'}
    if len(signs) == 2:
        return nan_code(out, p.nvidia)
    if signs:
        return inf_code(out, signs.pop())
    return None


def exact_dot(a, b, c, out, mode):
    """`exact`: the exact sum rounded once (IEEE: overflow per mode, an exact zero is +0 unless every
    term is -0 or the mode is rd)."""
    terms = [(x.sign ^ y.sign, x.mag * y.mag, x.exp + y.exp) for x, y in zip(a, b)] + [(c.sign, c.mag, c.exp)]
    lo = min(t[2] for t in terms)
    total = sum((-1 if s else 1) * (m << (e - lo)) for s, m, e in terms)
    if total == 0:
        nonzero = [t for t in terms if t[1]]
        all_neg = all(t[0] == 1 for t in terms)
        neg = (mode == 'rd') if nonzero else all_neg
        return (1 << (out.bits - 1)) if neg else 0
    return encode_round(out, 1 if total < 0 else 0, abs(total), lo, mode, overflow='ieee')


def add_round(x, y, out, mode):
    """x + y for two finite values, rounded once into out (an IEEE addition; an exact zero is +0)."""
    lo = min(x.exp, y.exp)
    total = (-1 if x.sign else 1) * (x.mag << (x.exp - lo)) + (-1 if y.sign else 1) * (y.mag << (y.exp - lo))
    if total == 0:
        return (1 << (out.bits - 1)) if (x.sign and y.sign) or (mode == 'rd' and (x.mag or y.mag)) else 0
    return encode_round(out, 1 if total < 0 else 0, abs(total), lo, mode, overflow='ieee')


EMU_CHUNK = 32
EMU_LO = [k for k in range(EMU_CHUNK) if k % 4 < 2]   # the low byte pair of each 4-byte register
EMU_HI = [k for k in range(EMU_CHUNK) if k % 4 >= 2]  # the high byte pair


def emulated_dot(a, b, c, inf, out, p, mode):
    """FP8 mma.sync.m16n8k32 on H100/H200 (sm_90) and B200 (sm_100), as the measured data show it:
    each chunk of 32 k-values (zero-padded) runs as two fp16 tensor-core blocks, the FP8 inputs read
    exactly as fp16: the first block sums the products of k mod 4 in {0, 1} with c = 0, the second
    those of k mod 4 in {2, 3} with c = the first's result (each block: n, neab, min_exp, round of the
    part's fp16 path, result in the output format); then the chunk's result and the accumulator (the
    operand c for the first chunk) are added in one IEEE addition rounded with c_add_round."""
    zero = Val('num', 0, 0, 0)
    chunks = max(1, -(-len(a) // EMU_CHUNK))
    a = a + [zero] * (chunks * EMU_CHUNK - len(a))
    b = b + [zero] * (chunks * EMU_CHUNK - len(b))
    fb = p.frac_bits(out)
    acc = c
    for j in range(chunks):
        base = j * EMU_CHUNK
        x = zero
        for half in (EMU_LO, EMU_HI):
            code = block_fma([a[base + k] for k in half], [b[base + k] for k in half], x, inf, out, p, mode, fb)
            x = decode(out, code)
            if x.kind != 'num':
                return code
        code = add_round(x, acc, out, p.c_add_round)
        acc = decode(out, code)
        if acc.kind != 'num':
            return code
    return code


def dot(a_codes, b_codes, c_code, inf, out, p, mode=None):
    """The preset's D for K codes a, b (format inf) and c (format out). Returns D's code in out."""
    mode = MODE_ALIASES.get(mode, mode) or p.round
    a = [decode(inf, x) for x in a_codes]
    b = [decode(inf, x) for x in b_codes]
    c = decode(out, c_code)
    sp = specials(a, b, c, out, p)
    if sp is not None:
        return sp
    if p.exact:
        return exact_dot(a, b, c, out, mode)
    if p.emulated:
        return emulated_dot(a, b, c, inf, out, p, mode)
    inter = fmt(p.inter) if p.inter else out
    inter_mode = p.inter_round or mode
    K = len(a)
    nblocks = max(1, -(-K // p.n))
    zero = Val('num', 0, 0, 0)
    a = a + [zero] * (nblocks * p.n - K)
    b = b + [zero] * (nblocks * p.n - K)
    for k in range(nblocks):
        last = k == nblocks - 1
        f = out if last else inter
        code = block_fma(a[k * p.n:(k + 1) * p.n], b[k * p.n:(k + 1) * p.n], c, inf, f, p,
                         mode if last else inter_mode, p.frac_bits(f))
        c = decode(f, code)
        if c.kind != 'num':  # a block overflowed: the rest of the row cannot bring it back
            return code if f is out else (inf_code(out, c.sign) if c.kind == 'inf' else nan_code(out, p.nvidia))
    return code


# =====================================================================================================
# Presets: GPU x input format x output format -> parameters
# =====================================================================================================

NV_IN = ('fp16', 'bf16', 'tf32', 'e4m3', 'e5m2')


def _nvidia(n, neab, min_exp, rnd='rz', **kw):
    return Params(n=n, neab=neab, round=rnd, min_exp=min_exp, **kw)


def preset_params(preset, inf, out):
    """Params for (preset, input format name, output format name); KeyError if the part lacks it."""
    inf, out = fmt(inf).name, fmt(out).name
    fp8 = inf in ('e4m3', 'e5m2')
    if preset == 'exact':
        return Params(n=1, round='rne', exact=True, nvidia=False)
    if preset == 'v100':
        if inf == 'fp16' and out == 'fp32':
            return _nvidia(4, 0, -1024)
        if inf == 'fp16' and out == 'fp16':
            return _nvidia(4, 0, -19, 'rne')
    if preset in ('a100', 'a2', 'ada', 'l40s'):  # Ada's 16-bit paths are Ampere's
        if inf in ('fp16', 'bf16') and out == 'fp32':
            return _nvidia(8, 1, -132)
        if inf == 'tf32' and out == 'fp32':
            return _nvidia(4, 1, -132)
        if inf == 'fp16' and out == 'fp16':
            return _nvidia(8, 1, -20, 'rne')
    if preset in ('ada', 'l40s'):
        if fp8 and out == 'fp32':
            return _nvidia(16, -10, -132)
        if fp8 and out == 'fp16':
            return FP8_FP16[preset]
    if preset in ('h100', 'h200', 'b200'):
        if inf in ('fp16', 'bf16') and out == 'fp32':
            return _nvidia(16, 2, -133)
        if inf == 'tf32' and out == 'fp32':
            return _nvidia(8, 2, -133)
        if inf == 'fp16' and out == 'fp16':
            return _nvidia(16, 2, -21, 'rne')
        if fp8 and out == 'fp32':
            return B200_FP8_FP32 if preset == 'b200' else _nvidia(32, -10, -133)
        if fp8 and out == 'fp16':
            return FP8_FP16[preset]
    if preset == 'mi300':
        base = Params(n=8, neab=1, round='rne', armode='rd', late_c=True, c_min_exp=True,
                      prd_limit=True, min_exp=-1024, nvidia=False)
        if out == 'fp32' and inf in ('fp16', 'bf16'):
            return base
        if out == 'fp32' and inf == 'tf32':
            return replace(base, n=4)
        if out == 'fp32' and inf in ('e4m3fnuz', 'e5m2fnuz'):
            return replace(base, n=16, late_c=False, odd_even=True)
    raise KeyError(f'{preset} has no dot:{inf}:{out}')


# Found from the measured data (the MATLAB model has none that fit; see tests/data/tensor_cores/README.md).
# Ada / L40S (sm_89, native FP8): blocks of 16 with the 14-bit window of the FP8 -> fp32 path, each block
# rounded to nearest into fp16 (10 fraction bits) and chained through c.
_ADA_FP8_FP16 = Params(n=16, neab=-10, round='rne', min_exp=-132)
# H100 / H200 / B200 (mma.sync FP8 emulated through the fp16 tensor core): see emulated_dot.
_EMU_FP8_FP16 = Params(n=16, neab=2, round='rne', min_exp=-21, emulated=True, c_add_round='rne')
FP8_FP16 = {'ada': _ADA_FP8_FP16, 'l40s': _ADA_FP8_FP16,
            'h100': _EMU_FP8_FP16, 'h200': _EMU_FP8_FP16, 'b200': _EMU_FP8_FP16}
B200_FP8_FP32 = Params(n=16, neab=2, round='rz', min_exp=-133, emulated=True, c_add_round='rne')

PRESETS = ('v100', 'a100', 'a2', 'ada', 'l40s', 'h100', 'h200', 'b200', 'mi300', 'exact')
GPU_DIR = {'v100': 'V100', 'a100': 'A100', 'a2': 'A2', 'ada': 'Ada', 'l40s': 'L40S', 'h100': 'H100',
           'h200': 'H200', 'b200': 'B200'}


# =====================================================================================================
# Vector files (tests/data/tensor_cores/*.vec[.xz]) and the command line
# =====================================================================================================

DEFAULT_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'data', 'tensor_cores',
                            'vectors.tar.xz')


def vector_texts(data):
    """(name, text) of every vector file in `data`: a .tar[.xz] archive or a directory of .vec[.xz]."""
    if os.path.isdir(data):
        for name in sorted(os.listdir(data)):
            if name.endswith('.vec'):
                with open(os.path.join(data, name)) as fh:
                    yield name, fh.read()
            elif name.endswith('.vec.xz'):
                with lzma.open(os.path.join(data, name), 'rt') as fh:
                    yield name[:-3], fh.read()
        return
    with tarfile.open(data) as tar:
        for member in sorted(tar.getmembers(), key=lambda m: m.name):
            if member.isfile() and member.name.endswith('.vec'):
                yield os.path.basename(member.name), tar.extractfile(member).read().decode()


def parse_vectors(text):
    """(header dict, rows) of a vector file's text: each row (a codes, b codes, c code, y code)."""
    header, rows, K = None, [], 0
    for line in text.splitlines():
        if header is None:
            if not line.strip():
                continue
            if not line.startswith('// fmalab-vectors 2'):
                raise ValueError('not a vector file')
            header = dict(t.split('=', 1) for t in line.split()[3:])
            K = int(header['unit'].split(':')[3])
            continue
        words = line.split('//')[0].split()
        if not words:
            continue
        w = [int(x, 16) for x in words]
        if len(w) != 2 * K + 2:
            raise ValueError(f'a vector of {header["unit"]} has {2 * K + 2} fields, got {len(w)}')
        rows.append((w[:K], w[K:2 * K], w[2 * K], w[2 * K + 1]))
    return header, rows


def check_rows(preset, unit, rows):
    _, inf, out, _ = unit.split(':')
    p = preset_params(preset, inf, out)
    f_in, f_out = fmt(inf), fmt(out)
    return [i for i, (a, b, c, y) in enumerate(rows) if dot(a, b, c, f_in, f_out, p) != y]


def cmd_validate(args):
    failed = seen = 0
    for name, text in vector_texts(args.data):
        header, rows = parse_vectors(text)
        unit, own = header['unit'], header['preset']
        _, inf, out, _ = unit.split(':')
        presets = [args.preset] if args.preset else (PRESETS if args.cross else [own])
        for preset in presets:
            if preset != own and not args.cross:
                continue
            try:
                bad = check_rows(preset, unit, rows)
            except KeyError:
                continue
            seen += 1
            failed += len(bad)
            data = f'  (data: {header.get("gpu", own)})' if preset != own else ''
            print(f'{preset:6} {fmt(inf).name:5} -> {out:5} vectors {len(rows):5}  mismatches {len(bad):5}'
                  + (f'  first: line {bad[0] + 2}' if bad else '') + data, flush=True)
    if args.preset in ('mi300', 'exact') and not args.cross:
        print(f'{args.preset}: no measured data (the data sets are NVIDIA GPUs\')')
    elif not seen:
        print(f'no vector files for {args.preset or "any preset"} in {args.data}', file=sys.stderr)
        return 1
    return 1 if failed else 0


def cmd_eval(args):
    inf, out = fmt(args.input), fmt(args.output)
    p = preset_params(args.preset, inf.name, out.name)
    for line in sys.stdin:
        w = [int(x, 16) for x in line.split('#')[0].split()]
        if not w:
            continue
        K = (len(w) - 1) // 2
        d = dot(w[:K], w[K:2 * K], w[2 * K], inf, out, p, args.round)
        print(f'{d:0{out.hex_digits}x}')
    return 0


def describe(p):
    if p.exact:
        return 'exact: the exact sum rounded once (IEEE)'
    if p.emulated:
        return (f'emulated: per 32 k, blocks k%4<2 then k%4>=2 (n={p.n} neab={p.neab} {p.round} '
                f'min_exp={p.min_exp}), then + c rounded {p.c_add_round}')
    d = f'n={p.n} neab={p.neab} {p.round} min_exp={p.min_exp}'
    if p.min_exp <= -1024:
        d = d.replace(' min_exp=-1024', ' min_exp=none')
    extra = [k for k, on in (('sticky', p.sticky), ('late_c', p.late_c), ('c_min_exp', p.c_min_exp),
                             ('odd_even', p.odd_even), ('prd_limit', p.prd_limit)) if on]
    if p.late_c or p.odd_even:
        extra.append(f'armode={p.armode}')
    return d + (' ' + ' '.join(extra) if extra else '')


def cmd_table(args):
    for preset in PRESETS:
        for inf in ('fp16', 'bf16', 'tf32', 'e4m3', 'e5m2', 'e4m3fnuz', 'e5m2fnuz'):
            for out in ('fp32', 'fp16'):
                try:
                    p = preset_params(preset, inf, out)
                except KeyError:
                    continue
                if preset == 'exact' and inf.endswith('fnuz'):
                    continue
                print(f'{preset:6} {inf:9} -> {out:5} {describe(p)}  (result fraction bits: {p.frac_bits(fmt(out))})')
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    v = sub.add_parser('validate', help='run every preset on every shipped data set')
    v.add_argument('--preset', choices=PRESETS)
    v.add_argument('--data', default=DEFAULT_DATA, help='a .tar[.xz] of vector files or a directory of .vec[.xz]')
    v.add_argument('--cross', action='store_true',
                   help='run every preset (or --preset) on every data set it has a unit for, not only its own')
    e = sub.add_parser('eval', help='evaluate hex vectors "a0..aK-1 b0..bK-1 c" from stdin')
    e.add_argument('preset', choices=PRESETS)
    e.add_argument('input')
    e.add_argument('output')
    e.add_argument('--round', choices=MODES + tuple(MODE_ALIASES), help='override the final rounding')
    sub.add_parser('table', help='print every preset x input x output and its parameters')
    args = ap.parse_args(argv)
    return {'validate': cmd_validate, 'eval': cmd_eval, 'table': cmd_table}[args.cmd](args)


if __name__ == '__main__':
    sys.exit(main())
