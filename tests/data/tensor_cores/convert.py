#!/usr/bin/env python3
"""Regenerate the tensor-core vector files of this directory from the upstream measurements.

Source: north-numerical-computing/MATLAB-tensor-core, commit b12b5a7, model_validation/<GPU>/<fmt>/
(see README.md here). Reads the repository either from a bare git mirror or from a checkout:

    python3 tests/data/tensor_cores/convert.py --repo /work/.mirror/north-numerical-computing+MATLAB-tensor-core/repo
    python3 tests/data/tensor_cores/convert.py --repo ~/src/MATLAB-tensor-core --checkout [--plain DIR]

Upstream layout, per GPU and input format: a_<GPU>_<fmt>.txt and b_<GPU>_<fmt>.txt (one vector per line:
K values, each an fp32 hex word holding a value of the input format), c_<GPU>_fp32.txt (one fp32 word
per line, as a 32-character binary string), d_<GPU>_fp32.txt and d_<GPU>_fp16.txt (the GPU's result, a
binary string of its fp32 value; an fp16 result was widened to fp32 by __half2float).

Written: one file per (GPU, input, output), <gpu>_<in>_<out>.vec, all in one reproducible xz-compressed
tar, vectors.tar.xz, in this directory (one archive: the FP8 inputs are the same on every GPU, and xz
then stores them once; 2.8 MB instead of 12.7 MB as 48 separate .xz files). Each file: a first line in
fmalab's vector-file form, then one vector per line, fixed-width lowercase hex codes in each format's own
width: a0 .. a(K-1) b0 .. b(K-1) c y.

The c column is the c the GPU was given: for an fp32 output the upstream c word, for an fp16 output that
word rounded to nearest-even into fp16 (the CUDA harness's __float2half), and 0 for the H100 and H200
FP8 -> fp32 sets, which were measured with wgmma and a zero accumulator (the upstream c file was not
used; model_validation/Validate_TC_models.m sets C to zero for them).

Every conversion is checked to be exact (each input value is a value of its format, each result a
value of the output format); the script stops on the first that is not.
"""

import argparse
import io
import os
import subprocess
import sys
import tarfile

COMMIT = 'b12b5a7'
ARCHIVE = 'vectors.tar.xz'
REPO = 'north-numerical-computing/MATLAB-tensor-core'
GPUS = ['V100', 'A100', 'A2', 'Ada', 'L40S', 'H100', 'H200', 'B200']
# upstream folder -> (fmalab format name in the unit, field width in bits, exponent bits, fraction bits)
INPUTS = {'fp16': ('fp16', 16, 5, 10), 'bf16': ('bf16', 16, 8, 7), 'tf32': ('e8m10', 19, 8, 10),
          'E4M3': ('e4m3', 8, 4, 3), 'E5M2': ('e5m2', 8, 5, 2)}
OUTPUTS = {'fp32': (32, 8, 23), 'fp16': (16, 5, 10)}
ROUND = {  # the preset's own rounding mode (of its block results), in fmalab's spelling
    'fp32': 'rtz', 'fp16': 'rne'}


class Source:
    def __init__(self, repo, checkout):
        self.repo, self.checkout = repo, checkout

    def read(self, path):
        if self.checkout:
            full = os.path.join(self.repo, path)
            if not os.path.exists(full):
                return None
            with open(full) as fh:
                return fh.read()
        r = subprocess.run(['git', '-C', self.repo, 'show', f'HEAD:{path}'], capture_output=True, text=True)
        return r.stdout if r.returncode == 0 else None

    def commit(self):
        if self.checkout:
            return None
        r = subprocess.run(['git', '-C', self.repo, 'rev-parse', 'HEAD'], capture_output=True, text=True)
        return r.stdout.strip()


def f32_fields(word):
    return word >> 31, (word >> 23) & 0xff, word & 0x7fffff


def narrow(word, ebits, mbits, mode='exact'):
    """The code in (1, ebits, mbits) of the fp32 value `word`: exactly (mode 'exact', else an error)
    or rounded to nearest-even ('rne'; finite values in range only, as the data need)."""
    s, e, m = f32_fields(word)
    if e == 0xff:
        raise ValueError(f'{word:08x}: Inf or NaN')
    bias = (1 << (ebits - 1)) - 1
    if e == 0 and m == 0:
        return s << (ebits + mbits)
    # value = sig * 2**(exp - 23), sig with the hidden bit
    sig, exp = (m | 1 << 23, e - 127) if e else (m, -126)
    while sig < 1 << 23:
        sig, exp = sig << 1, exp - 1
    emin = 1 - bias
    q = max(exp, emin) - mbits  # exponent of the target's last bit
    drop = q - (exp - 23)
    if drop <= 0:
        r = sig << -drop
    else:
        r, rem = sig >> drop, sig & ((1 << drop) - 1)
        if rem and mode == 'exact':
            raise ValueError(f'{word:08x} is not a value of e{ebits}m{mbits}')
        half = 1 << (drop - 1)
        if rem > half or (rem == half and r & 1):
            r += 1
    if r >> (mbits + 1):  # rounding carried into the next binade
        r, q = r >> 1, q + 1
    if r < 1 << mbits:  # subnormal
        code = r
    else:
        efield = q + mbits + bias
        if efield >= (1 << ebits) - 1:
            raise ValueError(f'{word:08x} overflows e{ebits}m{mbits}')
        code = efield << mbits | (r & ((1 << mbits) - 1))
    return s << (ebits + mbits) | code


def convert_set(src, gpu, folder, out):
    base = f'model_validation/{gpu}/{folder}'
    d_text = src.read(f'{base}/d_{gpu}_{out}.txt')
    if d_text is None:
        return None
    name, width, ebits, mbits = INPUTS[folder]
    owidth, oebits, ombits = OUTPUTS[out]
    A = [line.split() for line in src.read(f'{base}/a_{gpu}_{folder}.txt').splitlines() if line.strip()]
    B = [line.split() for line in src.read(f'{base}/b_{gpu}_{folder}.txt').splitlines() if line.strip()]
    C = [int(line.strip(), 2) for line in src.read(f'{base}/c_{gpu}_fp32.txt').splitlines() if line.strip()]
    D = [int(line.strip(), 2) for line in d_text.splitlines() if line.strip()]
    K = len(A[0])
    assert len(A) == len(B) == len(C) == len(D), (gpu, folder, out)
    assert all(len(r) == K for r in A + B), (gpu, folder)
    fp8 = folder in ('E4M3', 'E5M2')
    zero_c = fp8 and out == 'fp32' and gpu in ('H100', 'H200')
    preset = gpu.lower()
    digits, odigits = (width + 3) // 4, (owidth + 3) // 4
    fields = ','.join([f'a{i}:{width}' for i in range(K)] + [f'b{i}:{width}' for i in range(K)]
                      + [f'c:{owidth}', f'y:{owidth}'])
    note = 'c=0_wgmma' if zero_c else ('c=fp16_rne_of_upstream_fp32_c' if out == 'fp16' else 'c=upstream')
    lines = [f'// fmalab-vectors 2 unit=dot:{name}:{out}:{K} preset={preset} round={ROUND[out]} flags=none '
             f'gpu={gpu} source={REPO}@{COMMIT}:{base} {note} count={len(D)} fields={fields}']
    for a, b, c, d in zip(A, B, C, D):
        if width == 19:  # tf32: the top 19 bits of the fp32 word, the low 13 must be zero
            codes = []
            for x in a + b:
                w = int(x, 16)
                if w & 0x1fff:
                    raise ValueError(f'{x} is not a tf32 value')
                codes.append(w >> 13)
        else:
            codes = [narrow(int(x, 16), ebits, mbits) for x in a + b]
        if zero_c:
            c_code = 0
        elif out == 'fp16':
            c_code = narrow(c, oebits, ombits, 'rne')
        else:
            c_code = c
        y = d if out == 'fp32' else narrow(d, oebits, ombits)
        lines.append(' '.join([f'{v:0{digits}x}' for v in codes] + [f'{c_code:0{odigits}x}', f'{y:0{odigits}x}']))
    return f'{preset}_{name}_{out}.vec', '\n'.join(lines) + '\n'


def write_archive(path, files):
    """A reproducible tar (sorted names, mtime 0, owner root, mode 0644) compressed by xz -9e -T1."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w', format=tarfile.GNU_FORMAT) as tar:
        for name, data in sorted(files):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = 'root'
            tar.addfile(info, io.BytesIO(data))
    packed = subprocess.run(['xz', '-9e', '-T1', '-c'], input=buf.getvalue(), capture_output=True,
                            check=True).stdout
    tmp = path + '.tmp'
    with open(tmp, 'wb') as fh:
        fh.write(packed)
    os.replace(tmp, path)
    return len(packed)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--repo', required=True, help='the upstream repository (bare git dir, or a checkout with --checkout)')
    ap.add_argument('--checkout', action='store_true', help='--repo is a work tree, not a git dir')
    ap.add_argument('--out', default=os.path.dirname(os.path.abspath(__file__)),
                    help='where vectors.tar.xz goes (default: this directory)')
    ap.add_argument('--plain', metavar='DIR', help='write the .vec files uncompressed into DIR instead')
    args = ap.parse_args()
    src = Source(args.repo, args.checkout)
    commit = src.commit()
    if commit and not commit.startswith(COMMIT):
        print(f'warning: the repository is at {commit[:7]}, the data here come from {COMMIT}', file=sys.stderr)
    files = []
    for gpu in GPUS:
        for folder in INPUTS:
            for out in OUTPUTS:
                made = convert_set(src, gpu, folder, out)
                if made is None:
                    continue
                name, text = made
                files.append((name, text.encode()))
                print(f'{name}: {text.count(chr(10)) - 1} vectors')
    raw = sum(len(d) for _, d in files)
    if args.plain:
        os.makedirs(args.plain, exist_ok=True)
        for name, data in files:
            with open(os.path.join(args.plain, name), 'wb') as fh:
                fh.write(data)
        print(f'{len(files)} files, {raw} bytes in {args.plain}')
    else:
        path = os.path.join(args.out, ARCHIVE)
        packed = write_archive(path, files)
        print(f'{len(files)} files, {raw} bytes raw, {packed} bytes in {path}')


if __name__ == '__main__':
    main()
