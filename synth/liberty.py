"""A small Liberty reader: the cells' pins (direction, capacitance) and internal energy tables.

Only what the energy calculation needs (synth/energy.py). Groups are parsed generically into
nested dicts: {"name": ..., "args": [...], "attrs": {...}, "groups": [...]}.
"""
import re

_TOKEN = re.compile(r'\s*(?:(/\*.*?\*/)|("(?:[^"\\]|\\.)*")|([A-Za-z0-9_.+\-!\'*^|&$\[\]]+)|(\\\n)|(.))', re.S)


def _tokens(text):
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
        comment, string, word, cont, punct = m.groups()
        if comment or cont:
            continue
        if string is not None:
            yield ("str", string[1:-1])
        elif word is not None:
            yield ("word", word)
        elif punct is not None and not punct.isspace():
            yield ("punct", punct)


def parse(text):
    toks = list(_tokens(text))
    pos = 0

    def group_body():
        nonlocal pos
        g = {"attrs": {}, "groups": []}
        while pos < len(toks):
            kind, val = toks[pos]
            if kind == "punct" and val == "}":
                pos += 1
                return g
            name = val
            pos += 1
            kind, val = toks[pos]
            if val == ":":
                pos += 1
                value = toks[pos][1]
                pos += 1
                if pos < len(toks) and toks[pos][1] == ";":
                    pos += 1
                g["attrs"][name] = value
            elif val == "(":
                pos += 1
                args = []
                while toks[pos][1] != ")":
                    if toks[pos][1] != ",":
                        args.append(toks[pos][1])
                    pos += 1
                pos += 1
                if pos < len(toks) and toks[pos][1] == "{":
                    pos += 1
                    sub = group_body()
                    sub["name"] = name
                    sub["args"] = args
                    g["groups"].append(sub)
                else:
                    if pos < len(toks) and toks[pos][1] == ";":
                        pos += 1
                    g["attrs"].setdefault(name, args)
            else:
                pos += 1
        return g

    top = group_body()
    return top["groups"][0]


def _floats(s):
    return [float(x) for x in s.replace("\\", " ").split(",") if x.strip()]


class Table:
    """A 2-D lookup table (index_1 load capacitance, index_2 input transition), bilinear."""

    def __init__(self, group):
        self.i1 = _floats(group["attrs"]["index_1"][0])
        self.i2 = _floats(group["attrs"]["index_2"][0]) if "index_2" in group["attrs"] else [0.0]
        rows = group["attrs"]["values"]
        self.v = [_floats(r) for r in rows]

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


class Cell:
    def __init__(self, group):
        self.name = group["args"][0]
        self.area = float(group["attrs"].get("area", 0))
        self.inputs, self.outputs = {}, []
        self.functions = {}  # output pin -> Liberty boolean function
        self.three_state = False
        self.energy = {}  # output pin -> list of (rise Table, fall Table), one per related pin
        for pin in (g for g in group["groups"] if g["name"] == "pin"):
            pname = pin["args"][0]
            direction = pin["attrs"].get("direction")
            if direction == "input":
                self.inputs[pname] = float(pin["attrs"].get("capacitance", 0))
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
    lib = parse(open(path).read())
    volts = float(next((g["attrs"]["voltage"] for g in lib["groups"] if g["name"] == "operating_conditions"),
                       lib["attrs"].get("nom_voltage", 1.0)))
    cells = {c.name: c for c in (Cell(g) for g in lib["groups"] if g["name"] == "cell")}
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
