"""Run by the interpreter a core came from (3.11+): for each frame on stdin
(JSON list of {file, qualname, lasti}), the positions CPython itself gives
the instruction at lasti: co_positions() of every code object of that
qualname compiled from the frame's file.  Prints a JSON list: per frame,
the candidates' [line, end_line, column, end_column] (null where unknown),
or null when the file cannot be compiled here (frozen modules, "<string>").
"""
import json
import sys

_codes = {}


def codes(path):
    if path not in _codes:
        try:
            with open(path, "rb") as f:
                top = compile(f.read(), path, "exec", dont_inherit=True)
        except (OSError, SyntaxError, ValueError):
            _codes[path] = None
            return None
        found, todo = [], [top]
        while todo:
            c = todo.pop()
            found.append(c)
            todo.extend(k for k in c.co_consts if hasattr(k, "co_positions"))
        _codes[path] = found
    return _codes[path]


def main():
    out = []
    for fr in json.load(sys.stdin):
        cs = codes(fr["file"])
        if cs is None:
            out.append(None)
            continue
        cands = []
        for c in cs:
            if c.co_qualname != fr["qualname"]:
                continue
            pos = list(c.co_positions())
            i = fr["lasti"] // 2
            if 0 <= i < len(pos):
                cands.append(list(pos[i]))
        out.append(cands)
    json.dump(out, sys.stdout)


main()
