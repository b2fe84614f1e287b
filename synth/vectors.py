#!/usr/bin/env python3
"""Vector files (README "Vector files"), read and written for every Python script: the Icarus
testbench generator and bench (sim/bench_icarus.py), gate-level simulation (synth/gatesim.py) and
the tests. The C++ side has its own reader and writer (sim/vector_file.cpp); this module follows it
field for field, so a file either side writes the other reads, and a malformed one is refused with
the same kind of one-line error, naming the file and line here.

  // fmalab-vectors 2 unit=fma_e4m3_fp32 round=rne sat=0 sr_bits=8 window=0 sticky=1 ftz_in=0 ftz_out=0
     fields=a:8,b:8,c:32,y:32,flags:5 count=3            (one line)
  38 38 3f800000 40000000 00

The first line that is not blank is the header: the unit, every option that changes a result, the
columns as fields=name:bits,... and any other key=value (how the file was made: count, seed, classes).
Then one vector per line, each field fixed-width lowercase hex (ceil(bits/4) digits, no 0x), single
spaces between; blank lines and // comments are skipped. The memh layout has the same header and one
field per line. Columns: the operands (a group of count K is a0..a(K-1)), then `rnd:3` (each
vector's RISC-V frm) when round=mixed, or the random word `rand` when round=sr, then the results and
`flags:5`.

  vectors.py check FILE [--memh]   reads every vector; prints `FILE: N vectors, fields ...`
"""
import re
import sys

import errors  # one-line errors naming the file, exit status 2

MAGIC = "// fmalab-vectors 2"
MODES = {"rne": 0, "rtz": 1, "rdn": 2, "rup": 3, "rmm": 4}  # RISC-V frm codes
ROUNDS = (*MODES, "sr", "mixed")
MAX_WINDOW = 125  # model/options.hpp kMaxWindow: the aligned adder's 128 bits less sign, carry and sticky
MAX_FIELD_BITS = 64  # a field is one 64-bit word on the C++ side
# The options every header carries, in the C++ writer's order, with the C++ reader's defaults and
# the whole numbers each takes.
OPTIONS = {"sat": (0, 0, 1), "sr_bits": (8, 1, 32), "window": (0, 0, MAX_WINDOW), "sticky": (1, 0, 1),
           "ftz_in": (0, 0, 1), "ftz_out": (0, 0, 1)}
_HEX = re.compile(r"[0-9a-fA-F]+")
_NAME = re.compile(r"[A-Za-z_]\w*")


def digits(bits):
    """Hex digits of a field of `bits` bits."""
    return (bits + 3) // 4


def element_names(name, count):
    """The field names of an operand group: `a` for one element, a0..a(K-1) for K."""
    return [name] if count == 1 else [f"{name}{i}" for i in range(count)]


def fields_text(fields):
    return ",".join(f"{n}:{b}" for n, b in fields)


class Header:
    """A vector file's header line.

    unit: the unit's name or grammar; round: rne rtz rdn rup rmm sr or mixed; options: the other
    result-changing options by name (sat sr_bits window sticky ftz_in ftz_out, whole numbers);
    fields: [(name, bits)] in column order; info: [(key, value)], everything else, in order.
    """

    def __init__(self, unit, fields, round="rne", options=None, info=()):
        self.unit = unit
        self.round = round
        self.options = {k: d for k, (d, _, _) in OPTIONS.items()}
        self.options.update(options or {})
        self.fields = [(n, int(b)) for n, b in fields]
        self.info = list(info.items() if isinstance(info, dict) else info)

    @property
    def mixed(self):
        """Each vector's rounding mode is in its rnd column."""
        return self.round == "mixed"

    @property
    def frm(self):
        """The RISC-V frm of every vector (None when mixed or stochastic)."""
        return MODES.get(self.round)

    def names(self):
        return [n for n, _ in self.fields]

    def widths(self):
        return dict(self.fields)

    def line(self):
        """The header as the C++ writer prints it (no newline)."""
        opts = " ".join(f"{k}={self.options[k]}" for k in OPTIONS)
        extra = "".join(f" {k}={v}" for k, v in self.info)
        return f"{MAGIC} unit={self.unit} round={self.round} {opts} fields={fields_text(self.fields)}{extra}"

    @classmethod
    def parse(cls, text, source="<header>", line=1):
        """The header in text; an InputError `source:line: ...` unless it is a version-2 header."""
        where = f"{source}:{line}"
        text = text.rstrip("\r\n")
        if not text.startswith(MAGIC):
            raise errors.InputError(f"{where}: not a vector file: the first line must start '{MAGIC}', got "
                                    f"{errors.excerpt(text)}")
        unit, rnd, opts, fields, info = None, "rne", {}, None, []
        for tok in text[len(MAGIC):].split():
            key, eq, val = tok.partition("=")
            if not eq or not key:
                raise errors.InputError(f"{where}: header field {errors.excerpt(tok)} is not key=value")
            if key == "unit":
                unit = val
            elif key == "round":
                if val not in ROUNDS:
                    raise errors.InputError(f"{where}: header round= takes {', '.join(ROUNDS)}, "
                                            f"got {errors.excerpt(val)}")
                rnd = val
            elif key in OPTIONS:
                _, lo, hi = OPTIONS[key]
                opts[key] = _whole(val, lo, hi, f"{where}: header field {key}")
            elif key == "fields":
                fields = _parse_fields(val, where)
            else:
                info.append((key, val))
        if not unit:
            raise errors.InputError(f"{where}: the header names no unit=")
        if fields is None:
            raise errors.InputError(f"{where}: the header names no fields=")
        return cls(unit, fields, rnd, opts, info)


def _whole(text, lo, hi, what):
    if not re.fullmatch(r"[+-]?\d+", text) or not lo <= int(text) <= hi:
        raise errors.InputError(f"{what} takes a whole number from {lo} to {hi}, got {errors.excerpt(text)}")
    return int(text)


def _parse_fields(text, where):
    fields = []
    for item in text.split(","):
        name, colon, bits = item.partition(":")
        if not colon or not name:
            raise errors.InputError(f"{where}: header fields= takes name:bits,..., got {errors.excerpt(item)}")
        if not _NAME.fullmatch(name):
            raise errors.InputError(f"{where}: header fields=: {errors.excerpt(name)} is not a field name")
        if name in (n for n, _ in fields):
            raise errors.InputError(f"{where}: header fields= names {name} twice")
        fields.append((name, _whole(bits, 1, MAX_FIELD_BITS, f"{where}: header fields= {name}: bits")))
    return fields


def _data_lines(text, first):
    """(line number, tokens) of every line after the header that is not blank once // comments go."""
    for n, raw in enumerate(text.split("\n")[first:], first + 1):
        toks = raw.split("//", 1)[0].split()
        if toks:
            yield n, toks


def _value(tok, name, bits, source, n):
    want = digits(bits)
    if len(tok) != want:
        raise errors.InputError(f"{source}:{n}: field {name} takes {want} hex digits, got {errors.excerpt(tok)}")
    if not _HEX.fullmatch(tok):
        raise errors.InputError(f"{source}:{n}: field {name} is not hex: {errors.excerpt(tok)}")
    v = int(tok, 16)
    if v >> bits:
        raise errors.InputError(f"{source}:{n}: field {name} {errors.excerpt(tok)} is wider than {bits} bits")
    return v


class VectorFile:
    """A whole vector file in memory: header and rows (each a list of ints in fields order)."""

    def __init__(self, header, rows, path=None):
        self.header, self.rows, self.path = header, rows, path

    def __len__(self):
        return len(self.rows)

    def dicts(self):
        """The rows as {field name: value}."""
        names = self.header.names()
        return [dict(zip(names, r)) for r in self.rows]

    def column(self, name):
        i = self.header.names().index(name)
        return [r[i] for r in self.rows]


def parse(text, source="<vectors>", layout="hex"):
    """A VectorFile from the text of a file (hex: one vector per line; memh: one field per line).
    InputError `source:line: ...` for a missing or malformed header, a line with the wrong number
    of fields, a field of the wrong width, or bad hex."""
    if layout not in ("hex", "memh"):
        raise ValueError(f"layout {layout!r}")
    lines = text.split("\n")
    first = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    if first is None:
        raise errors.InputError(f"{source}: not a vector file: it is empty")
    h = Header.parse(lines[first], source, first + 1)
    fields, rows = h.fields, []
    nf = len(fields)
    if layout == "hex":
        for n, toks in _data_lines(text, first + 1):
            if len(toks) != nf:
                raise errors.InputError(f"{source}:{n}: a vector of {h.unit} has {nf} fields, got {len(toks)}")
            rows.append([_value(t, name, bits, source, n) for t, (name, bits) in zip(toks, fields)])
    else:
        row, n = [], first + 1
        for n, toks in _data_lines(text, first + 1):
            if len(toks) != 1:
                raise errors.InputError(f"{source}:{n}: a memh line holds one field, got {len(toks)}")
            name, bits = fields[len(row)]
            row.append(_value(toks[0], name, bits, source, n))
            if len(row) == nf:
                rows.append(row)
                row = []
        if row:
            raise errors.InputError(f"{source}:{n}: the file ends inside a vector: {len(row)} of its {nf} fields")
    return VectorFile(h, rows, source)


def read(path, layout="hex"):
    """The vector file at path (see parse)."""
    return parse(errors.read_text(path, "vector file"), path, layout)


def read_header(path):
    """Only the header of the file at path (its first line that is not blank), without reading the
    vectors."""
    try:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if line.strip():
                    return Header.parse(line, path, n)
    except FileNotFoundError:
        raise errors.InputError(f"{path}: no such vector file") from None
    except IsADirectoryError:
        raise errors.InputError(f"{path}: is a directory, not a vector file") from None
    except UnicodeDecodeError:
        raise errors.InputError(f"{path}: binary, not a text vector file") from None
    except OSError as e:
        raise errors.InputError(f"{path}: cannot read ({e.strerror})") from None
    raise errors.InputError(f"{path}: not a vector file: it is empty")


def format_rows(header, rows, layout="hex"):
    """The text of a vector file: the header line, then the rows (lists of ints in fields order, or
    dicts by field name). ValueError for a row that does not fit the fields (a bug in the caller)."""
    names, widths = header.names(), [digits(b) for _, b in header.fields]
    sep = "\n" if layout == "memh" else " "
    out = [header.line()]
    for r in rows:
        vals = [r[n] for n in names] if isinstance(r, dict) else list(r)
        if len(vals) != len(names):
            raise ValueError(f"a row of {len(vals)} fields for {fields_text(header.fields)}")
        for v, (name, bits) in zip(vals, header.fields):
            if not 0 <= v < 1 << bits:
                raise ValueError(f"field {name} = {v:#x} does not fit {bits} bits")
        out.append(sep.join(f"{v:0{w}x}" for v, w in zip(vals, widths)))
    return "\n".join(out) + "\n"


def write(path, header, rows, layout="hex"):
    """Writes a vector file atomically (errors.write_text)."""
    errors.write_text(path, format_rows(header, rows, layout))


def main(argv):
    usage = __doc__.split("\n\n")[-1]
    if len(argv) not in (2, 3) or argv[0] != "check" or argv[2:] not in ([], ["--memh"]):
        raise errors.InputError(f"bad arguments {errors.excerpt(' '.join(argv))}; usage:\n{usage}")
    vf = read(argv[1], "memh" if argv[2:] else "hex")
    print(f"{argv[1]}: {len(vf)} vectors, round={vf.header.round}, fields {fields_text(vf.header.fields)}")
    return 0


if __name__ == "__main__":
    sys.exit(errors.run_main("vectors.py", main, sys.argv[1:]))
