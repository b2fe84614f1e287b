"""Bad input, reported the project's way: one line on stderr that names the file (and line where
there is one) and the problem, exit status 2, no traceback, and no half-written output.

Every script runs its main through run_main("name.py", main). Input is read through read_text,
read_json and csv_float, which turn OSError, UnicodeDecodeError, json.JSONDecodeError and
ValueError into an InputError naming the file where they happen; need_exe, need_dir, make_dir and
need_out_file check arguments before any work starts; write_text and write_bytes replace a file
atomically. Used by synth/*.py and sim/*.py (which put synth/ on sys.path).
"""
import json
import os
import re
import shutil
import stat
import sys
import tempfile

EXCERPT = 40  # at most this many characters of the offending input are echoed

# The process's umask, read once while single-threaded: a replaced file gets the mode open()
# would have given it (mkstemp's temporaries are 0600).
_UMASK = os.umask(0o022)
os.umask(_UMASK)

_status_open = False  # a progress line without its newline is on stderr


class InputError(Exception):
    """Bad input or a missing tool: the message names the file and the problem."""


def excerpt(text):
    """A short repr of an offending value, for a message."""
    text = str(text)
    return repr(text if len(text) <= EXCERPT else text[:EXCERPT] + "...")


def status(text):
    """Progress on stderr: on a terminal a '\\r' line rewritten in place (an error printed later
    starts on a line of its own); elsewhere, a log file, each message on a line of its own, without
    carriage returns or padding."""
    global _status_open
    if not sys.stderr.isatty():
        msg = text.strip("\r\n").rstrip()
        if msg:
            print(msg, file=sys.stderr, flush=True)
        _status_open = False
        return
    print(text, end="", file=sys.stderr, flush=True)
    _status_open = not text.endswith("\n")


def _describe(e):
    """An OSError as 'file: problem'."""
    if e.filename is not None:
        return f"{e.filename}: {e.strerror or e}"
    return str(e.strerror or e)


def run_main(prog, main, *args):
    """Runs main(*args); an InputError (or an OSError, as `file: problem`) becomes `prog: message` on
    stderr and exit status 2. Anything else is a bug and keeps its traceback."""
    try:
        return main(*args)
    except InputError as e:
        msg = str(e)
    except OSError as e:
        msg = _describe(e)
    msg = re.sub(r"\s*[\r\n]+\s*", " / ", msg.strip())
    print(("\n" if _status_open else "") + f"{prog}: {msg}", file=sys.stderr, flush=True)
    sys.exit(2)


def read_text(path, what="file", encoding="utf-8"):
    """The file's text; an InputError if it is missing, unreadable, a directory or binary."""
    try:
        with open(path, encoding=encoding) as f:
            text = f.read()
    except FileNotFoundError:
        raise InputError(f"{path}: no such {what}") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a {what}") from None
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: binary, not a text {what} (byte 0x{e.object[e.start]:02x} at offset {e.start})") \
            from None
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror})") from None
    nul = text.find("\0")
    if nul >= 0:
        raise InputError(f"{path}: binary, not a text {what} (NUL byte at offset {nul})")
    return text


def read_json(path, what="JSON file"):
    """The parsed JSON document in path; an InputError naming the file (and line) otherwise."""
    text = read_text(path, what)
    if not text.strip():
        raise InputError(f"{path}: empty, expected a {what}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        at = text[e.pos:e.pos + EXCERPT].split("\n")[0]
        if not text[e.pos:].strip():
            near = " at the end of the file (truncated?)"
        else:
            near = (" " if e.msg.endswith(" at") else " near ") + excerpt(at)
        raise InputError(f"{path}:{e.lineno}:{e.colno}: not valid JSON: {e.msg}{near}") from None
    except RecursionError:
        raise InputError(f"{path}: JSON nested too deeply") from None


def need(cond, path, problem):
    """An InputError `path: problem` unless cond (for a document's shape)."""
    if not cond:
        raise InputError(f"{path}: {problem}")


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def field(obj, key, path, where, kind="number"):
    """obj[key] of the given kind ("number", "int", "str", "list", "dict") in a JSON document;
    an InputError naming the file, the record (where) and the key otherwise."""
    ok = {"number": is_number, "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
          "str": lambda v: isinstance(v, str), "list": lambda v: isinstance(v, list),
          "dict": lambda v: isinstance(v, dict)}[kind]
    need(isinstance(obj, dict), path, f"{where}: expected an object, found {type(obj).__name__}")
    need(key in obj, path, f"{where}: no '{key}'")
    need(ok(obj[key]), path, f"{where}: '{key}' is not a {kind}: {excerpt(obj[key])}")
    return obj[key]


def csv_float(text, source, line, column, name):
    """A CSV cell as a float; an InputError `source:line:column: name ...` if it is not a number."""
    try:
        return float(text)
    except (TypeError, ValueError):
        raise InputError(f"{source}:{line}:{column}: {name} is not a number: {excerpt(text)}") from None


def need_exe(path, what):
    """A program given as a path (or a bare name looked up in PATH) that can be run."""
    if os.sep not in path:
        if shutil.which(path) is None:
            raise InputError(f"{what} {path}: not found in PATH")
        return path
    if not os.path.exists(path):
        raise InputError(f"{what} {path}: no such file")
    if os.path.isdir(path):
        raise InputError(f"{what} {path}: is a directory, not a program")
    if not os.access(path, os.X_OK):
        raise InputError(f"{what} {path}: not executable")
    return path


def need_dir(path, what):
    """An existing directory."""
    if not os.path.exists(path):
        raise InputError(f"{what} {path}: no such directory")
    if not os.path.isdir(path):
        raise InputError(f"{what} {path}: not a directory")
    return path


def make_dir(path, what):
    """An output directory, created (with its parents) if missing."""
    if os.path.exists(path) and not os.path.isdir(path):
        raise InputError(f"{what} {path}: exists and is not a directory")
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as e:
        raise InputError(f"{what} {path}: cannot create the directory ({e.strerror})") from None
    return path


def need_out_file(path, what):
    """An output file's target: not a directory, in a directory that exists."""
    if os.path.isdir(path):
        raise InputError(f"{what} {path}: is a directory")
    parent = os.path.dirname(path) or "."
    if not os.path.isdir(parent):
        raise InputError(f"{what} {path}: no directory {parent}")
    return path


def write_bytes(path, data):
    """Replaces path with data atomically: a temporary created exclusively beside it, then
    os.replace; an existing file keeps its mode; the temporary is removed on failure."""
    parent = os.path.dirname(path) or "."
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode) if os.path.isfile(path) else 0o666 & ~_UMASK
        fd, tmp = tempfile.mkstemp(dir=parent, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    except OSError as e:
        raise InputError(f"{path}: cannot write ({e.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise InputError(f"{path}: cannot write ({e.strerror})") from None
        raise


def write_text(path, text):
    """write_bytes of the text in UTF-8."""
    write_bytes(path, text.encode("utf-8"))
