#!/usr/bin/env python3
"""The RTL unit registry, rtl/units.json, for every Python script (flow, gatesim, report, bench_icarus
and the tests): the units, their ports and golden-model operations, the variants, the fault builds,
and each unit's own file list, found from the RTL itself (the package, then every rtl/ module its top
instantiates, directly or not). CMake reads the same JSON with string(JSON).

A row's ports are `in` and `out`, ordered lists of "name:bits" or "name:bitsxcount" (count values of
bits each packed into one port, element i at [i*bits +: bits]); a port carries the model operation's
operand or result group of the same name, except rnd (input, 3 bits, RISC-V frm) and flags (output,
5 bits). Unit.inputs and Unit.outputs are Ports (name, bits, count); nothing here or in the scripts
assumes port names beyond rnd and flags.

  registry.py list                      unit names, one a line
  registry.py filelist UNIT [--relative] the unit's files, package first, one a line (a .f file for
                                        Icarus -f, Verilator -f, Yosys read_verilog): absolute paths,
                                        or relative to the repository with --relative
  registry.py show UNIT                 the unit's row with its derived fields, as JSON (inputs and
                                        outputs as [name, bits, count], has_rnd, has_flags, files)
  registry.py readme                    the README's RTL unit table
  registry.py check                     the registry against rtl/: exit status 1 and one line per problem

Bad input is one line naming the file, exit status 2.
"""
import json
import os
import re
import sys

import errors  # one-line errors naming the file, exit status 2
import vectors  # field names of a port's elements (a0..a31)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REGISTRY = os.path.join(ROOT, "rtl", "units.json")
FIXED_PORTS = {"rnd": ("in", 3), "flags": ("out", 5)}  # RISC-V frm and fflags: the one non-operand port each way
MAX_BITS = 64  # an element is one 64-bit word in the vector files and the C++ harnesses
MAX_COUNT = 1024  # elements in one port (a dot-product unit's operand vectors)
STAGES_PORT = "stages"  # the cosimulation's observability port, only under FMALAB_STAGES
_PORT = re.compile(r"([A-Za-z_]\w*):(\d+)(?:x(\d+))?")


class Port(tuple):
    """One port of a unit as the registry writes it, name:bits or name:bitsxcount: count elements of
    bits each, packed into one port of bits*count bits, element i at [i*bits +: bits]."""

    def __new__(cls, name, bits, count=1):
        return super().__new__(cls, (name, bits, count))

    name = property(lambda self: self[0])
    bits = property(lambda self: self[1])
    count = property(lambda self: self[2])
    width = property(lambda self: self[1] * self[2])  # the SystemVerilog port's width

    def fields(self):
        """The vector-file fields it carries, [(name, bits)]: `a`, or a0..a(K-1) for K elements."""
        return [(f, self.bits) for f in vectors.element_names(self.name, self.count)]

    def text(self):
        return f"{self.name}:{self.bits}" + (f"x{self.count}" if self.count != 1 else "")

    def sv(self):
        """As the README table shows it: a[7:0], or a[32][7:0] for 32 elements of 8 bits."""
        return f"{self.name}" + (f"[{self.count}]" if self.count != 1 else "") + f"[{self.bits - 1}:0]"


def parse_port(text, path, where, direction):
    """A Port from a registry string; an InputError naming the file and unit otherwise."""
    m = _PORT.fullmatch(text) if isinstance(text, str) else None
    errors.need(m is not None, path, f"{where}: {direction} port {errors.excerpt(text)} is not name:bits or "
                                     f"name:bitsxcount")
    name, bits, count = m.group(1), int(m.group(2)), int(m.group(3) or 1)
    errors.need(1 <= bits <= MAX_BITS, path, f"{where}: port '{name}': {bits} bits per element, want 1 to {MAX_BITS}")
    errors.need(1 <= count <= MAX_COUNT, path, f"{where}: port '{name}': count {count}, want 1 to {MAX_COUNT}")
    errors.need(name != STAGES_PORT, path, f"{where}: port '{name}' is the cosimulation's own (FMALAB_STAGES)")
    if name in FIXED_PORTS:
        want_dir, want_bits = FIXED_PORTS[name]
        errors.need(direction == want_dir and bits == want_bits and count == 1, path,
                    f"{where}: port '{name}' must be an {want_dir}put of {want_bits} bits")
    return Port(name, bits, count)


class Unit:
    """One registry row with its derived fields: inputs and outputs as ordered Ports (rnd and
    flags among them when the unit has them), has_rnd, has_flags."""

    def __init__(self, reg, row, where):
        path = reg.path
        self.name = errors.field(row, "name", path, where, "str")
        where = f"unit '{self.name}'"
        self.top = row.get("top", self.name)
        errors.need(isinstance(self.top, str), path, f"{where}: 'top' is not a str")
        self.op = errors.field(row, "op", path, where, "str")
        errors.need("ports" not in row, path, f"{where}: 'ports' is the old schema: list the ports in 'in' and 'out' "
                                              f"as name:bits")
        self.inputs = [parse_port(p, path, where, "in") for p in errors.field(row, "in", path, where, "list")]
        self.outputs = [parse_port(p, path, where, "out") for p in errors.field(row, "out", path, where, "list")]
        names = [p.name for p in self.inputs + self.outputs]
        for n in names:
            errors.need(names.count(n) == 1, path, f"{where}: port '{n}' appears {names.count(n)} times")
        errors.need(any(p.name not in FIXED_PORTS for p in self.inputs), path, f"{where}: no operand input")
        errors.need(any(p.name not in FIXED_PORTS for p in self.outputs), path, f"{where}: no result output")
        self.has_rnd = "rnd" in names
        self.has_flags = "flags" in names
        self.params = row.get("params", {})
        errors.need(isinstance(self.params, dict) and all(isinstance(v, int) for v in self.params.values()), path,
                    f"{where}: 'params' is not an object of whole numbers")
        self.variants = row.get("variants", list(reg.variants))
        errors.need(isinstance(self.variants, list) and all(v in reg.variants for v in self.variants), path,
                    f"{where}: 'variants' names a variant not in {', '.join(reg.variants)}")
        self.note = row.get("note", "")
        # false: left out of the default synthesis (make synth, the report) for its run time;
        # `flow.py --units NAME` still synthesizes it.
        self.synth = row.get("synth", True)
        errors.need(isinstance(self.synth, bool), path, f"{where}: 'synth' is not true or false")
        self.options = row.get("options", "")
        errors.need(isinstance(self.options, str), path,
                    f"{where}: 'options' is not a string of key=value model options")
        self._reg = reg

    def operands(self):
        """The input ports that carry operand groups (not rnd)."""
        return [p for p in self.inputs if p.name not in FIXED_PORTS]

    def results(self):
        """The output ports that carry result groups (not flags)."""
        return [p for p in self.outputs if p.name not in FIXED_PORTS]

    def declared(self):
        """{port: (direction, width)} as the top module must declare them."""
        return {**{p.name: ("input", p.width) for p in self.inputs},
                **{p.name: ("output", p.width) for p in self.outputs}}

    def files(self):
        """The unit's own files, package first (absolute paths)."""
        return self._reg.files_of(self.top)

    def variant_params(self, variant):
        """The top's parameter values for one variant: the variant's, then the row's own."""
        return {**self._reg.variants[variant], **self.params}

    def as_dict(self):
        return {"name": self.name, "top": self.top, "op": self.op, "in": [p.text() for p in self.inputs],
                "out": [p.text() for p in self.outputs],
                "inputs": [list(p) for p in self.inputs], "outputs": [list(p) for p in self.outputs],
                "has_rnd": self.has_rnd, "has_flags": self.has_flags, "params": self.params,
                "variants": self.variants, "note": self.note, "options": self.options, "synth": self.synth,
                "files": [os.path.relpath(f, ROOT) for f in self.files()]}


def unit_of(name, inputs, outputs, top=None):
    """A Unit-like record for a circuit that is not in the registry (a test's probe), from port
    strings as the registry writes them."""
    rec = Unit.__new__(Unit)
    rec.name, rec.top, rec.op, rec.params, rec.note, rec.options = name, top or name, "", {}, "", ""
    rec.inputs = [parse_port(p, "<probe>", name, "in") for p in inputs]
    rec.outputs = [parse_port(p, "<probe>", name, "out") for p in outputs]
    rec.has_rnd = any(p.name == "rnd" for p in rec.inputs)
    rec.has_flags = any(p.name == "flags" for p in rec.outputs)
    return rec


class Registry:
    def __init__(self, path=REGISTRY):
        self.path = path
        self.rtl_dir = os.path.dirname(os.path.abspath(path))
        doc = errors.read_json(path, "unit registry")
        errors.need(isinstance(doc, dict), path, "expected an object with 'units'")
        self.package = errors.field(doc, "package", path, "the registry", "str")
        self.variants = errors.field(doc, "variants", path, "the registry", "dict")
        for v, params in self.variants.items():
            errors.need(isinstance(params, dict) and all(isinstance(x, int) for x in params.values()), path,
                        f"variant '{v}': not an object of whole numbers")
        rows = errors.field(doc, "units", path, "the registry", "list")
        self.units = [Unit(self, row, f"units[{i}]") for i, row in enumerate(rows)]
        names = [u.name for u in self.units]
        for n in names:
            errors.need(names.count(n) == 1, path, f"unit '{n}' appears {names.count(n)} times")
        self.faults = doc.get("faults", [])
        for i, f in enumerate(self.faults):
            where = f"faults[{i}]"
            errors.need(errors.field(f, "unit", path, where, "str") in names, path,
                        f"{where}: unknown unit '{f['unit']}'")
            errors.field(f, "stage", path, where, "int")
            errors.field(f, "bit", path, where, "int")
        self._rtl = None

    def find(self, name):
        for u in self.units:
            if u.name == name:
                return u
        return None

    def need(self, name):
        """The unit named name; an InputError listing the units otherwise."""
        u = self.find(name)
        if u is None:
            raise errors.InputError(f"unknown unit '{name}'; units: {', '.join(u.name for u in self.units)}")
        return u

    def rtl(self):
        """The parsed rtl/ directory (read once)."""
        if self._rtl is None:
            self._rtl = Rtl(self.rtl_dir)
        return self._rtl

    def files_of(self, top):
        rtl = self.rtl()
        errors.need(top in rtl.modules, self.path, f"no module '{top}' in {self.rtl_dir}")
        pkg = os.path.join(self.rtl_dir, self.package)
        errors.need(os.path.isfile(pkg), self.path, f"no package file {pkg}")
        return [pkg] + [f for f in rtl.closure(top) if f != pkg]


def strip_comments(text):
    return re.sub(r"//[^\n]*|/\*.*?\*/", " ", text, flags=re.S)


class Rtl:
    """The modules of one rtl/ directory: where each is defined, which others each instantiates,
    and each one's declared port widths."""

    def __init__(self, rtl_dir):
        self.dir = rtl_dir
        self.modules, self.packages, texts = {}, {}, {}
        for f in sorted(os.listdir(rtl_dir)):
            if not f.endswith(".sv"):
                continue
            path = os.path.join(rtl_dir, f)
            text = strip_comments(errors.read_text(path, "SystemVerilog file"))
            texts[path] = text
            for kind, name in re.findall(r"^\s*(module|package)\s+(\w+)", text, re.M):
                table = self.modules if kind == "module" else self.packages
                errors.need(name not in table, path, f"{kind} '{name}' is also defined in {table.get(name)}")
                table[name] = path
        # An instance: a known module's name, then a parameter list `#(` or an instance name and `(`.
        names = "|".join(sorted(self.modules, key=len, reverse=True)) or "(?!)"
        inst = re.compile(rf"(?<![\w$.:])\b({names})\s*(?:#\s*\(|[A-Za-z_]\w*\s*\()")
        self.children = {m: set() for m in self.modules}
        self._bodies = {}
        for path, text in texts.items():
            for m in re.finditer(r"^\s*module\s+(\w+)(.*?)\bendmodule\b", text, re.M | re.S):
                self._bodies[m.group(1)] = m.group(2)
                self.children[m.group(1)] |= {c for c in inst.findall(m.group(2)) if c != m.group(1)}

    def tops(self):
        """Modules that no other module here instantiates."""
        used = set().union(*self.children.values()) if self.children else set()
        return sorted(m for m in self.modules if m not in used)

    def closure(self, top):
        """The files of top and of every module under it, top's file last."""
        seen, order = set(), []

        def visit(m):
            if m in seen:
                return
            seen.add(m)
            for c in sorted(self.children[m]):
                visit(c)
            order.append(self.modules[m])

        visit(top)
        return list(dict.fromkeys(order))

    def header(self, module):
        """The module's ANSI port list: the text inside `( ... )` after the name and any `#( ... )`."""
        body, at = self._bodies[module], 0
        while True:
            m = re.compile(r"\s*(#\s*)?\(").match(body, at)
            if not m:
                return ""
            depth = 0
            for i in range(m.end() - 1, len(body)):
                depth += {"(": 1, ")": -1}.get(body[i], 0)
                if depth == 0:
                    break
            if not m.group(1):
                return body[m.end():i]
            at = i + 1

    def ports(self, module):
        """{port: (direction, width)} as the module declares them in its ANSI port list (width None
        when it is written with parameters), without the stages port. A range's bounds may be
        whole-number arithmetic ([8*32-1:0])."""
        ports = {}
        decl = re.compile(r"\b(input|output|inout)\s+(?:wire\s+|var\s+)?(?:logic\s+|bit\s+)?(?:signed\s+|unsigned\s+)?"
                          r"(\[[^\]]+\])?\s*([A-Za-z_]\w*(?:\s*,\s*(?!input\b|output\b|inout\b)[A-Za-z_]\w*)*)")
        for direction, rng, names in decl.findall(self.header(module)):
            for port in re.split(r"\s*,\s*", names.strip()):
                ports[port] = (direction, range_width(rng) if rng else 1)
        ports.pop(STAGES_PORT, None)
        return ports


def range_width(rng):
    """The width of a packed range [MSB:LSB] whose bounds are whole-number arithmetic (digits,
    + - * / and parentheses); None when it names a parameter."""
    m = re.fullmatch(r"\[\s*([\d\s+\-*/()]+?)\s*:\s*([\d\s+\-*/()]+?)\s*\]", rng)
    if not m:
        return None
    try:  # digits and operators only (checked above): nothing but arithmetic to evaluate
        msb, lsb = (eval(x.replace("/", "//"), {"__builtins__": {}}) for x in m.groups())
    except (SyntaxError, ZeroDivisionError):
        return None
    return abs(msb - lsb) + 1


def check(reg):
    """Problems with the registry against its rtl/ directory, one string each (empty when none): every
    unit top in rtl/ has a row, every row names a module, and each of its ports has the module's
    direction and total width (count x bits)."""
    rtl = reg.rtl()
    problems = []
    tops = {u.top for u in reg.units}
    for m in rtl.tops():
        if m not in tops:
            problems.append(f"{rtl.modules[m]}: module '{m}' is instantiated by no other rtl/ module and is no unit's "
                            f"top: add its row to {reg.path}")
    for u in reg.units:
        if u.top not in rtl.modules:
            problems.append(f"{reg.path}: unit '{u.name}' names module '{u.top}', which no rtl/ file defines")
            continue
        declared = rtl.ports(u.top)
        if declared != u.declared():
            problems.append(f"{reg.path}: unit '{u.name}' ports {fmt_ports(u.declared())} differ from module '{u.top}' "
                            f"in {rtl.modules[u.top]}: {fmt_ports(declared)}")
    if not os.path.isfile(os.path.join(reg.rtl_dir, reg.package)):
        problems.append(f"{reg.path}: no package file {reg.package} in {reg.rtl_dir}")
    return problems


def fmt_ports(ports):
    """{port: (direction, width)} as `input a[7:0] ... output y[31:0]`."""
    return " ".join(f"{d} {p}[{w - 1}:0]" if isinstance(w, int) else f"{d} {p}[?]" for p, (d, w) in ports.items())


def readme_table(reg):
    """The README's table of units, derived from the registry."""
    lines = ["| unit | ports | model | top module |", "|---|---|---|---|"]
    for u in reg.units:
        ins = " ".join(p.sv() for p in u.inputs)
        outs = " ".join(p.sv() for p in u.outputs)
        note = f" ({u.note})" if u.note else ""
        params = "".join(f" #({k}={v})" for k, v in u.params.items())
        model = f"`{u.op}` {u.options}" if u.options else f"`{u.op}`"
        lines.append(f"| `{u.name}` | {ins} -> {outs}{note} | {model} | `{u.top}`{params} |")
    return "\n".join(lines) + "\n"


def load(path=REGISTRY):
    return Registry(path)


def main(argv):
    usage = __doc__.split("\n\n")[1]
    if not argv or argv[0] in ("-h", "--help"):
        print(usage, file=sys.stdout if argv else sys.stderr)
        return 0 if argv else 2
    cmd, args = argv[0], argv[1:]
    reg = load(os.environ.get("FMALAB_REGISTRY", REGISTRY))
    if cmd == "list" and not args:
        print("\n".join(u.name for u in reg.units))
    elif cmd == "filelist" and args and set(args[1:]) <= {"--relative"}:
        files = reg.need(args[0]).files()
        print("\n".join(os.path.relpath(f, ROOT) if "--relative" in args else f for f in files))
    elif cmd == "show" and len(args) == 1:
        print(json.dumps(reg.need(args[0]).as_dict(), indent=1))
    elif cmd == "readme" and not args:
        print(readme_table(reg), end="")
    elif cmd == "check" and not args:
        problems = check(reg)
        for p in problems:
            print(p)
        return 1 if problems else 0
    else:
        raise errors.InputError(f"bad arguments {errors.excerpt(' '.join(argv))}; usage:\n{usage}")
    return 0


if __name__ == "__main__":
    sys.exit(errors.run_main("registry.py", main, sys.argv[1:]))
