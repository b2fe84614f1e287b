#!/usr/bin/env python3
"""A SystemVerilog testbench for any unit of the registry, made from its ports (rtl/units.json) and a
vector file's header, so that no testbench names a unit or a port by hand: sim/icarus_tb.sv is the
template, filled here with the unit's declarations, its instance (with the row's params), and the
lines that put each column of the file on its port (element i of a name:bitsxcount port at
[i*bits +: bits]) and compare each result column and the flags.

  testbench.py UNIT --vectors FILE [-o OUT]   the testbench for UNIT and FILE's columns (stdout
                                              without -o); FILE is read through synth/vectors.py

The file's columns must be the unit's: its operand ports' fields, `rnd:3` exactly when round=mixed,
its result ports' fields and `flags:5`, by name and width, in any order (the testbench follows the
header's); unit= must be the unit's name or its operation, and every other option the default (an RTL
unit computes its operation with them). A unit without a rnd port ignores the rnd column; one
without a flags port must expect flags 0. Used by sim/bench_icarus.py and the README's compile
lines. Bad input is one line naming the file, exit status 2.
"""
import os
import sys

import errors  # one-line errors naming the file, exit status 2
import registry  # rtl/units.json: the unit's ports, top and parameters
import vectors  # the one reader of vector files

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEMPLATE = os.path.join(ROOT, "sim", "icarus_tb.sv")
DEFAULT_OPTIONS = {"sat": 0, "window": 0, "sticky": 1, "ftz_in": 0, "ftz_out": 0}


def expected_fields(unit, header):
    """The columns a vector file of the unit has under header's rounding: [(name, bits)] in the C++
    writer's order (operands, rnd when mixed, results, flags)."""
    return ([f for p in unit.operands() for f in p.fields()] + ([("rnd", 3)] if header.mixed else []) +
            [f for p in unit.results() for f in p.fields()] + [("flags", 5)])


def check_header(unit, header, source):
    """InputError `source: ...` unless the file's header fits the unit: its unit, options and columns."""
    if header.unit not in (unit.name, unit.op):
        raise errors.InputError(f"{source}: the vectors are for unit {errors.excerpt(header.unit)}, not {unit.name} "
                                f"({unit.op})")
    # The unit's datapath: the default options but those its row names (rtl/units.json "options").
    want = {**{k: str(v) for k, v in DEFAULT_OPTIONS.items()}, "preset": "", "dot": "",
            **dict(item.split("=", 1) for item in unit.options.split())}
    info = dict(header.info)
    got = {k: str(header.options[k]) if k in header.options else info.get(k, "") for k in want}
    odd = {k: v for k, v in got.items() if v != want[k]}
    if odd:
        raise errors.InputError(f"{source}: unit {unit.name} computes {unit.op} with "
                                f"{unit.options or 'the default options'}; the file has "
                                + " ".join(f"{k}={v}" for k, v in odd.items()))
    want, got = dict(expected_fields(unit, header)), header.widths()
    problems = [f"no field {n}:{b}" for n, b in want.items() if n not in got]
    problems += ["a rnd column needs round=mixed" if n == "rnd" else f"field {n}:{b} is no port of the unit"
                 for n, b in got.items() if n not in want]
    problems += [f"field {n} is {got[n]} bits, the port's elements {b}" for n, b in want.items()
                 if n in got and got[n] != b]
    if problems:
        shown = "; ".join(problems[:4]) + (f"; and {len(problems) - 4} more" if len(problems) > 4 else "")
        raise errors.InputError(f"{source}: its fields= do not fit unit {unit.name} (round={header.round}): {shown}")


def columns(unit):
    """{field name: (port, lsb, bits)} for every element of every port."""
    out = {}
    for p in unit.inputs + unit.outputs:
        for i, (name, bits) in enumerate(p.fields()):
            out[name] = (p.name, i * bits, bits)
    return out


def generate(unit, header, source="<vectors>"):
    """The testbench text for unit (a registry Unit) and a vector file's header."""
    check_header(unit, header, source)
    names, widths = header.names(), header.widths()
    col = {n: i for i, n in enumerate(names)}
    where = columns(unit)
    port_width = {p.name: p.width for p in unit.inputs + unit.outputs}
    operand_ports = {p.name for p in unit.operands()}
    result_ports = {p.name for p in unit.results()}

    def word(name):  # the column of the current vector, i
        return f"mem[FIELDS*i+{col[name]}][{widths[name] - 1}:0]"

    def signal(name):  # the port (or its element) a column drives or checks
        if name == "flags":
            return "flags"
        port, lsb, bits = where[name]
        return port if port_width[port] == bits else f"{port}[{lsb} +: {bits}]"

    decls = [f"  logic [{p.width - 1}:0] {p.name};" for p in unit.inputs + unit.outputs if p.name != "rnd"]
    if not unit.has_flags:
        decls.append("  logic [4:0] flags;  // the unit raises none\n  assign flags = '0;")
    ins = [n for n in names if n in where and where[n][0] in operand_ports]
    outs = [n for n in names if n in where and where[n][0] in result_ports] + ["flags"]
    drive = [f"      {signal(n)} = {word(n)};" for n in ins]
    drive.append(f"      rnd = {word('rnd')};" if header.mixed else "      rnd = frm[2:0];")
    shown = ins + ["rnd"]
    params = ", ".join(f".{k}({v})" for k, v in unit.params.items())
    fill = {
        "FIELDS": str(len(names)), "FIELDS_TEXT": vectors.fields_text(header.fields), "UNIT": unit.name,
        "OP": unit.op, "TOP": unit.top + (f" #({params})" if params else ""),
        "DECLARATIONS": "\n".join(decls), "CONNECTIONS": ", ".join(f".{p}({p})" for p in port_width),
        "HAS_RND_COLUMN": "1'b1" if "rnd" in col else "1'b0", "HAS_RAND_COLUMN": "1'b1" if "rand" in col else "1'b0",
        "DRIVE": "\n".join(drive),
        "MISMATCH": " || ".join(f"{signal(n)} !== {word(n)}" for n in outs),
        "DISPLAY_FORMAT": "".join(f" {n}=%h" for n in shown) + "; rtl" + "".join(f" {n}=%h" for n in outs)
                          + ", expected" + " %h" * len(outs),
        "DISPLAY_ARGS": "".join(f", {signal(n) if n != 'rnd' else 'rnd'}" for n in shown)
                        + "".join(f", {signal(n)}" for n in outs) + "".join(f", {word(n)}" for n in outs),
    }
    text = errors.read_text(TEMPLATE, "testbench template")
    for key, val in fill.items():
        text = text.replace("{" + key + "}", val)
    head = (f"// Generated by synth/testbench.py for unit {unit.name} and vector files with\n// fields="
            f"{vectors.fields_text(header.fields)}; do not edit (the template is sim/icarus_tb.sv).\n")
    return head + text


def main(argv):
    usage = __doc__.split("\n\n")[1]
    opts, rest = {}, []
    it = iter(argv)
    for a in it:
        if a in ("--vectors", "-o") and a not in opts:
            opts[a] = next(it, None)
        else:
            rest.append(a)
    if len(rest) != 1 or rest[0].startswith("-") or not opts.get("--vectors") or opts.get("-o", "x") in (None, ""):
        raise errors.InputError(f"bad arguments {errors.excerpt(' '.join(argv))}; usage:\n{usage}")
    vec, out = opts["--vectors"], opts.get("-o")
    unit = registry.load(os.environ.get("FMALAB_REGISTRY", registry.REGISTRY)).need(rest[0])
    if out:
        errors.need_out_file(out, "-o")
    text = generate(unit, vectors.read_header(vec), vec)
    if out:
        errors.write_text(out, text)
    else:
        print(text, end="")
    return 0


if __name__ == "__main__":
    sys.exit(errors.run_main("testbench.py", main, sys.argv[1:]))
