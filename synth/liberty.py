"""A small Liberty reader: the cells' pins (direction, capacitance) and internal energy tables.

Only what the energy calculation needs (synth/energy.py). Groups are parsed generically into
nested dicts: {"name": ..., "args": [...], "attrs": {...}, "groups": [...]}.
"""
import re
import sys

import errors  # one-line errors naming the file, exit status 2

# A string may not run over a line (a long one is continued with a backslash before the newline).
_TOKEN = re.compile(r'\s*(?:(/\*.*?\*/)|("(?:[^"\\\n]|\\.)*")|([A-Za-z0-9_.+\-!\'*^|&$\[\]]+)|(\\\n)|(.))', re.S)


class LibertyError(ValueError):
    """A malformed liberty file: the message and the line it is on (read() adds the file)."""

    def __init__(self, line, msg):
        super().__init__(msg)
        self.line = line


def _tokens(text):
    """(kind, value, line) of each token: "str", "word" or "punct"."""
    pos, line, counted = 0, 1, 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
        comment, string, word, cont, punct = m.groups()
        if comment or cont:
            continue
        start = m.start(m.lastindex)
        line += text.count("\n", counted, start)
        counted = start
        if string is not None:
            yield ("str", string[1:-1], line)
        elif word is not None:
            yield ("word", word, line)
        elif punct is not None and not punct.isspace():
            if punct == '"':
                raise LibertyError(line, "unterminated string")
            if punct == "/" and text.startswith("*", start + 1):
                raise LibertyError(line, "unterminated comment")
            yield ("punct", punct, line)


def parse(text):
    """The file's first top-level group (the library). Groups are {"name", "args", "attrs",
    "groups", "line", "attr_lines", "arg_lines"}; a brace or parenthesis left open or closing nothing, or a
    string left open, is a LibertyError."""
    toks = list(_tokens(text))
    pos = 0

    def at(k):
        return toks[k] if k < len(toks) else (None, None, None)

    def group_body(opened):  # opened: (what, line) of the group's '{', None at the top level
        nonlocal pos
        g = {"attrs": {}, "groups": [], "attr_lines": {}, "arg_lines": {}}
        while True:
            kind, name, line = at(pos)
            if kind is None:
                if opened:
                    raise LibertyError(opened[1], f"'{{' of {opened[0]} is never closed")
                return g
            pos += 1
            if kind == "punct":
                if name == "}":
                    if not opened:
                        raise LibertyError(line, "'}' closes no group")
                    return g
                if name == ";":
                    continue
                raise LibertyError(line, f"unexpected '{name}'")
            kind, val, vline = at(pos)
            if val == ":":
                pos += 1
                kind, value, vline = at(pos)
                if kind not in ("word", "str"):
                    raise LibertyError(vline or line, f"no value after '{name} :'")
                pos += 1
                if at(pos)[1] == ";":
                    pos += 1
                g["attrs"][name] = value
                g["attr_lines"][name] = line
            elif val == "(" and kind == "punct":
                pos += 1
                args, arg_lines = [], []
                while True:
                    kind, arg, aline = at(pos)
                    if kind is None or (kind == "punct" and arg in "({};"):
                        raise LibertyError(vline, f"'(' after {name} is never closed")
                    pos += 1
                    if kind == "punct" and arg == ")":
                        break
                    if arg != ",":
                        args.append(arg)
                        arg_lines.append(aline)
                if at(pos)[1] == "{" and at(pos)[0] == "punct":
                    pos += 1
                    sub = group_body((f"{name} ({', '.join(args)})", at(pos - 1)[2]))
                    sub["name"] = name
                    sub["args"] = args
                    sub["line"] = line
                    g["groups"].append(sub)
                else:
                    if at(pos)[1] == ";":
                        pos += 1
                    g["attrs"].setdefault(name, args)
                    g["attr_lines"].setdefault(name, line)
                    g["arg_lines"].setdefault(name, arg_lines)
            elif kind is None:
                raise LibertyError(line, f"the file ends after '{name}'")
            elif kind == "punct" and val in "{)":
                raise LibertyError(vline, f"unexpected '{val}' after '{name}'")
            elif not (kind == "punct" and val == "}"):
                pos += 1

    top = group_body(None)
    if not top["groups"]:
        raise LibertyError(1, "no library group")
    return top["groups"][0]


def _number(text, what, line):
    try:
        return float(text)
    except (TypeError, ValueError):
        raise LibertyError(line, f"{what} is not a number: {errors.excerpt(text)}") from None


def _attr_float(group, key, default=None):
    """A group's numeric attribute (default if absent; an error if absent and no default)."""
    line = group["attr_lines"].get(key, group.get("line"))
    if key not in group["attrs"]:
        if default is None:
            raise LibertyError(line, f"{group.get('name', 'group')} has no {key}")
        return float(default)
    return _number(group["attrs"][key], key, line)


def _floats(s, what="value", line=None):
    return [_number(x, what, line) for x in s.replace("\\", " ").split(",") if x.strip()]


class Table:
    """A 2-D lookup table (index_1 load capacitance, index_2 input transition), bilinear."""

    def __init__(self, group):
        attrs, lines = group["attrs"], group["attr_lines"]

        def floats(key):
            line = lines.get(key, group["line"])
            if not isinstance(attrs.get(key), list) or len(attrs[key]) < 1:
                raise LibertyError(line, f"{group['name']} has no {key} ( \"...\" )")
            return line, [_floats(r, key, aline) for r, aline in zip(attrs[key], group["arg_lines"][key])]

        line, (self.i1, *_) = floats("index_1")
        self.i2 = floats("index_2")[1][0] if "index_2" in attrs else [0.0]
        for idx, key in ((self.i1, "index_1"), (self.i2, "index_2")):
            if not idx or any(b <= a for a, b in zip(idx, idx[1:])):
                raise LibertyError(lines.get(key, group["line"]), f"{key} is empty or not increasing")
        line, self.v = floats("values")
        if len(self.v) != len(self.i1):
            raise LibertyError(line, f"values has {len(self.v)} rows, index_1 {len(self.i1)} entries")
        for row, aline in zip(self.v, group["arg_lines"]["values"]):
            if len(row) != len(self.i2):
                raise LibertyError(aline, f"a values row has {len(row)} entries, index_2 {len(self.i2)}")

    def at(self, x1, x2):
        def bracket(idx, x):
            if len(idx) == 1:
                return 0, 0, 0.0
            k = 0
            while k < len(idx) - 2 and x > idx[k + 1]:
                k += 1
            t = (x - idx[k]) / (idx[k + 1] - idx[k])
            return k, k + 1, min(max(t, 0.0), 1.0)

        a0, a1, ta = bracket(self.i1, x1)
        b0, b1, tb = bracket(self.i2, x2)
        v = self.v
        top = v[a0][b0] * (1 - tb) + v[a0][b1] * tb
        bot = v[a1][b0] * (1 - tb) + v[a1][b1] * tb
        return top * (1 - ta) + bot * ta


def _name(group):
    if not group["args"]:
        raise LibertyError(group["line"], f"{group['name']} with no name")
    return group["args"][0]


class Cell:
    def __init__(self, group):
        self.name = _name(group)
        self.area = _attr_float(group, "area", 0)
        self.inputs, self.outputs = {}, []
        self.functions = {}  # output pin -> Liberty boolean function
        self.three_state = False
        self.energy = {}  # output pin -> list of (rise Table, fall Table), one per related pin
        for pin in (g for g in group["groups"] if g["name"] == "pin"):
            pname = _name(pin)
            direction = pin["attrs"].get("direction")
            if direction == "input":
                self.inputs[pname] = _attr_float(pin, "capacitance", 0)
            elif direction == "output":
                self.outputs.append(pname)
                if "three_state" in pin["attrs"]:
                    self.three_state = True
                if "function" in pin["attrs"]:
                    self.functions[pname] = pin["attrs"]["function"]
                tables = []
                for ip in (g for g in pin["groups"] if g["name"] == "internal_power"):
                    rise = next((Table(t) for t in ip["groups"] if t["name"] == "rise_power"), None)
                    fall = next((Table(t) for t in ip["groups"] if t["name"] == "fall_power"), None)
                    if rise and fall:
                        tables.append((rise, fall))
                self.energy[pname] = tables

    def internal_energy(self, pin, load_pf, slew_ns):
        """Mean of rise and fall internal energy per output toggle, averaged over related pins (pJ)."""
        tables = self.energy.get(pin) or []
        if not tables:
            return 0.0
        return sum((r.at(load_pf, slew_ns) + f.at(load_pf, slew_ns)) / 2 for r, f in tables) / len(tables)


def read(path):
    """The library's operating voltage and its cells by name; an errors.InputError naming the file
    and line if the file is missing, binary or malformed."""
    text = errors.read_text(path, "liberty file")
    try:
        lib = parse(text)
        cond = next((g for g in lib["groups"] if g["name"] == "operating_conditions"), None)
        volts = _attr_float(cond, "voltage") if cond else _attr_float(lib, "nom_voltage", 1.0)
        cells = {c.name: c for c in (Cell(g) for g in lib["groups"] if g["name"] == "cell")}
    except LibertyError as e:
        raise errors.InputError(f"{path}:{e.line}: {e}") from None
    return volts, cells


def verilog_expr(function, inputs):
    """A Liberty function ("(!((S A) + (!S B)))") as a Verilog expression; None if it names
    anything but the cell's inputs (a sequential cell's state)."""
    names = re.findall(r"[A-Za-z_]\w*", function)
    if any(n not in inputs for n in names):
        return None
    e = function.replace("!", "~").replace("*", "&").replace("+", "|")
    # Juxtaposition is AND: an operand or ')' followed by an operand, '(' or '~'.
    e = re.sub(r"([A-Za-z_0-9)'])\s+(?=[A-Za-z_(~])", r"\1 & ", e)
    # A postfix ' is NOT of the preceding operand or parenthesized group.
    while "'" in e:
        end = e.index("'")
        start = end - 1
        if e[start] == ")":
            depth = 0
            while True:
                depth += {")": 1, "(": -1}.get(e[start], 0)
                if depth == 0:
                    break
                start -= 1
        else:
            while start > 0 and (e[start - 1].isalnum() or e[start - 1] == "_"):
                start -= 1
        e = e[:start] + "(~" + e[start:end] + ")" + e[end + 1:]
    return e


def verilog_models(cells):
    """Verilog for the combinational cells, from their functions: for simulators that take no UDPs."""
    out = ["// Generated by synth/liberty.py from the liberty's pin functions; combinational cells only.",
           "/* verilator lint_off DECLFILENAME */"]
    for c in cells.values():
        exprs = {p: verilog_expr(f, c.inputs) for p, f in c.functions.items()}
        if c.three_state or not c.outputs or any(v is None for v in exprs.values()) or len(exprs) != len(c.outputs):
            continue
        ports = [f"input {i}" for i in c.inputs] + [f"output {o}" for o in c.outputs]
        out.append(f"module {c.name} ({', '.join(ports)});")
        out += [f"  assign {o} = {exprs[o]};" for o in c.outputs]
        out.append("endmodule")
    out.append("/* verilator lint_on DECLFILENAME */")
    return "\n".join(out) + "\n"


def main(argv):
    if len(argv) != 2:
        raise errors.InputError("usage: liberty.py FILE.lib  (checks the file; prints its voltage and cell count)")
    volts, cells = read(argv[1])
    print(f"{argv[1]}: {len(cells)} cells, {volts:g} V")


if __name__ == "__main__":
    errors.run_main("liberty.py", main, sys.argv)
