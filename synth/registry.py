#!/usr/bin/env python3
"""The RTL unit registry, rtl/units.json, for every Python script (flow, gatesim, report, bench_icarus
and the tests): the units, their ports and golden-model operations, the variants, the fault builds,
and each unit's own file list, found from the RTL itself (the package, then every rtl/ module its top
instantiates, directly or not). CMake reads the same JSON with string(JSON).

  registry.py list                      unit names, one a line
  registry.py filelist UNIT [--relative] the unit's files, package first, one a line (a .f file for
                                        Icarus -f, Verilator -f, Yosys read_verilog): absolute paths,
                                        or relative to the repository with --relative
  registry.py show UNIT                 the unit's row with its derived fields, as JSON
  registry.py readme                    the README's RTL unit table
  registry.py check                     the registry against rtl/: exit status 1 and one line per problem

Bad input is one line naming the file, exit status 2.
"""
import json
import os
import re
import sys

import errors  # one-line errors naming the file, exit status 2

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REGISTRY = os.path.join(ROOT, "rtl", "units.json")
PORTS = ("a", "b", "c", "rnd", "y", "flags")  # in the harnesses' order; rnd and flags optional
REQUIRED_PORTS = ("a", "b", "c", "y")
FIXED_WIDTHS = {"rnd": 3, "flags": 5}  # RISC-V frm and fflags
MAX_WIDTH = 64  # the C++ harness drives and reads ports as 64-bit words
STAGES_PORT = "stages"  # the cosimulation's observability port, only under FMALAB_STAGES


class Unit:
    """One registry row with its derived fields."""

    def __init__(self, reg, row, where):
        path = reg.path
        self.name = errors.field(row, "name", path, where, "str")
        where = f"unit '{self.name}'"
        self.top = row.get("top", self.name)
        errors.need(isinstance(self.top, str), path, f"{where}: 'top' is not a str")
        self.op = errors.field(row, "op", path, where, "str")
        ports = errors.field(row, "ports", path, where, "dict")
        for p, w in ports.items():
            errors.need(p in PORTS, path, f"{where}: unknown port '{p}' (ports: {', '.join(PORTS)})")
            errors.need(isinstance(w, int) and not isinstance(w, bool) and 1 <= w <= MAX_WIDTH, path,
                        f"{where}: port '{p}' width {errors.excerpt(w)} is not a whole number from 1 to {MAX_WIDTH}")
            errors.need(p not in FIXED_WIDTHS or w == FIXED_WIDTHS[p], path,
                        f"{where}: port '{p}' must be {FIXED_WIDTHS.get(p)} bits wide")
        for p in REQUIRED_PORTS:
            errors.need(p in ports, path, f"{where}: no port '{p}'")
        self.ports = {p: ports[p] for p in PORTS if p in ports}
        self.has_rnd = "rnd" in ports
        self.has_flags = "flags" in ports
        self.params = row.get("params", {})
        errors.need(isinstance(self.params, dict) and all(isinstance(v, int) for v in self.params.values()), path,
                    f"{where}: 'params' is not an object of whole numbers")
        self.variants = row.get("variants", list(reg.variants))
        errors.need(isinstance(self.variants, list) and all(v in reg.variants for v in self.variants), path,
                    f"{where}: 'variants' names a variant not in {', '.join(reg.variants)}")
        self.note = row.get("note", "")
        self._reg = reg

    def files(self):
        """The unit's own files, package first (absolute paths)."""
        return self._reg.files_of(self.top)

    def variant_params(self, variant):
        """The top's parameter values for one variant: the variant's, then the row's own."""
        return {**self._reg.variants[variant], **self.params}

    def as_dict(self):
        return {"name": self.name, "top": self.top, "op": self.op, "ports": self.ports, "has_rnd": self.has_rnd,
                "has_flags": self.has_flags, "params": self.params, "variants": self.variants, "note": self.note,
                "files": [os.path.relpath(f, ROOT) for f in self.files()]}


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

    def ports(self, module):
        """{port: width} as the module declares them (None for a width written with parameters),
        without the stages port."""
        ports = {}
        for rng, port in re.findall(r"\b(?:input|output)\s+logic\s+(\[[^\]]+\])?\s*(\w+)", self._bodies[module]):
            w = re.fullmatch(r"\[\s*(\d+)\s*:\s*0\s*\]", rng) if rng else None
            ports[port] = (int(w.group(1)) + 1 if w else None) if rng else 1
        ports.pop(STAGES_PORT, None)
        return ports


def check(reg):
    """Problems with the registry against its rtl/ directory, one string each (empty when none)."""
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
        if declared != u.ports:
            problems.append(f"{reg.path}: unit '{u.name}' ports {fmt_ports(u.ports)} differ from module '{u.top}' "
                            f"in {rtl.modules[u.top]}: {fmt_ports(declared)}")
    if not os.path.isfile(os.path.join(reg.rtl_dir, reg.package)):
        problems.append(f"{reg.path}: no package file {reg.package} in {reg.rtl_dir}")
    return problems


def fmt_ports(ports):
    return " ".join(f"{p}[{w - 1}:0]" if isinstance(w, int) else f"{p}[?]" for p, w in ports.items())


def readme_table(reg):
    """The README's table of units, derived from the registry."""
    lines = ["| unit | ports | model | top module |", "|---|---|---|---|"]
    for u in reg.units:
        ins = " ".join(f"{p}[{u.ports[p] - 1}:0]" for p in ("a", "b", "c", "rnd") if p in u.ports)
        outs = " ".join(f"{p}[{u.ports[p] - 1}:0]" for p in ("y", "flags") if p in u.ports)
        note = f" ({u.note})" if u.note else ""
        params = "".join(f" #({k}={v})" for k, v in u.params.items())
        lines.append(f"| `{u.name}` | {ins} -> {outs}{note} | `{u.op}` | `{u.top}`{params} |")
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
