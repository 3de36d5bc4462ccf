#!/usr/bin/env python3
"""Lists Rust functions longer than a limit (80 lines by default), counted from the line of
`fn` to the line of its closing brace. Test code is left out: files under a `tests/` folder,
files declared `#[cfg(test)] mod name;`, and items marked `#[cfg(test)]`, `#[test]` or
`#[tokio::test]`. The source is tokenized first, so braces inside strings (raw and byte strings
too), character literals and comments do not count; a nested fn is counted on its own and
within its parent. Prints `file:line function length` per long function; exits 1 when any.

Usage: scripts/long-functions.py [--max N] [dir ...]   (default: src common/src server/src
client/src)"""
import os
import re
import sys

LIMIT = 80
DEFAULT_ROOTS = ["src", "common/src", "server/src", "client/src"]

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
RAW_START = re.compile(r"(?:br|r|cr)(#*)\"")
TEST_ATTR = re.compile(r"#\[\s*(?:cfg\s*\(\s*test\s*\)|(?:tokio::)?test\b)")


def tokens(text):
    """Yields (kind, value, line) with kind one of ident, punct, literal; comments dropped."""
    i, line, n = 0, 1, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif c.isspace():
            i += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            line += text.count("\n", i, j)
            i = j
        elif RAW_START.match(text, i):
            m = RAW_START.match(text, i)
            close = '"' + m.group(1)
            end = text.find(close, m.end())
            end = n if end < 0 else end + len(close)
            yield ("literal", "str", line)
            line += text.count("\n", i, end)
            i = end
        elif c == '"' or (c in "bc" and text.startswith('"', i + 1)):
            j = i + 2 if c != '"' else i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            yield ("literal", "str", line)
            line += text.count("\n", i, j + 1)
            i = j + 1
        elif c == "'" or (c == "b" and text.startswith("'", i + 1)):
            start = i + 1 if c == "'" else i + 2
            # A char literal is one (maybe escaped) character and a closing quote; anything
            # else is a lifetime or label such as 'a or 'static.
            if start < n and text[start] == "\\":
                end = text.find("'", start + 2)
                i = n if end < 0 else end + 1
                yield ("literal", "char", line)
            elif start + 1 < n and text[start + 1] == "'":
                i = start + 2
                yield ("literal", "char", line)
            else:
                m = IDENT.match(text, start)
                i = m.end() if m else start
                yield ("literal", "lifetime", line)
        elif IDENT.match(text, i):
            m = IDENT.match(text, i)
            yield ("ident", m.group(0), line)
            i = m.end()
        elif c == "#":
            # Attributes are kept whole so `#[cfg(test)]` can be recognised.
            j = i + 1
            if j < n and text[j] == "!":
                j += 1
            if j < n and text[j] == "[":
                depth, k = 0, j
                while k < n:
                    if text[k] == "[":
                        depth += 1
                    elif text[k] == "]":
                        depth -= 1
                        if depth == 0:
                            break
                    elif text[k] == '"':
                        k += 1
                        while k < n and text[k] != '"':
                            k += 2 if text[k] == "\\" else 1
                    k += 1
                yield ("attr", text[i : k + 1], line)
                line += text.count("\n", i, k + 1)
                i = k + 1
            else:
                yield ("punct", c, line)
                i += 1
        else:
            yield ("punct", c, line)
            i += 1


def skip_item(toks, k):
    """The index just past the item starting at toks[k]: up to its `;` or its closing brace."""
    depth = 0
    while k < len(toks):
        kind, value, _ = toks[k]
        if kind == "punct" and value in "{([":
            depth += 1
        elif kind == "punct" and value in "})]":
            depth -= 1
            if depth == 0 and value == "}":
                return k + 1
        elif kind == "punct" and value == ";" and depth == 0:
            return k + 1
        k += 1
    return k


def closing(toks, k):
    """The index of the brace closing the one at toks[k]."""
    depth = 0
    for j in range(k, len(toks)):
        kind, value = toks[j][0], toks[j][1]
        if kind == "punct" and value == "{":
            depth += 1
        elif kind == "punct" and value == "}":
            depth -= 1
            if depth == 0:
                return j
    return len(toks) - 1


def functions(text):
    """Yields (name, first line, length) for every fn with a body outside test items."""
    toks = list(tokens(text))
    skipped = set()
    k = 0
    while k < len(toks):
        kind, value, _ = toks[k]
        if kind == "attr" and TEST_ATTR.match(value):
            j = k + 1
            while j < len(toks) and toks[j][0] == "attr":
                j += 1
            end = skip_item(toks, j)
            skipped.update(range(k, end))
            k = end
        else:
            k += 1
    for k, (kind, value, line) in enumerate(toks):
        if k in skipped or kind != "ident" or value != "fn":
            continue
        if k + 1 >= len(toks) or toks[k + 1][0] != "ident":
            continue  # `fn(` pointer types, `fn $name` in macros
        name = toks[k + 1][1]
        depth = 0
        for j in range(k + 2, len(toks)):
            jkind, jvalue = toks[j][0], toks[j][1]
            if jkind != "punct":
                continue
            if jvalue in "([":
                depth += 1
            elif jvalue in ")]":
                depth -= 1
            elif jvalue == ";" and depth == 0:
                break  # a declaration without a body
            elif jvalue == "{" and depth == 0:
                end = closing(toks, j)
                yield name, line, toks[end][2] - line + 1
                break


def test_files(root):
    """Files declared by `#[cfg(test)] mod name;` under root."""
    found = set()
    decl = re.compile(r"#\[cfg\(test\)\]\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;")
    for dirpath, _, files in os.walk(root):
        for name in files:
            if not name.endswith(".rs"):
                continue
            path = os.path.join(dirpath, name)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            base = os.path.dirname(path)
            if name not in ("mod.rs", "lib.rs", "main.rs"):
                base = os.path.join(base, name[:-3])
            for mod in decl.findall(text):
                found.add(os.path.normpath(os.path.join(base, mod + ".rs")))
                found.add(os.path.normpath(os.path.join(base, mod, "mod.rs")))
    return found


def main(argv):
    limit = LIMIT
    if "--max" in argv:
        at = argv.index("--max")
        limit = int(argv[at + 1])
        argv = argv[:at] + argv[at + 2 :]
    roots = argv or DEFAULT_ROOTS
    long = []
    for root in roots:
        skip = test_files(root)
        for dirpath, _, files in os.walk(root):
            if "tests" in dirpath.split(os.sep):
                continue
            for name in sorted(files):
                path = os.path.normpath(os.path.join(dirpath, name))
                if not name.endswith(".rs") or path in skip:
                    continue
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                for fn, line, length in functions(text):
                    if length > limit:
                        long.append((path, line, fn, length))
    for path, line, fn, length in sorted(long, key=lambda x: -x[3]):
        print(f"{path}:{line} {fn} {length} lines")
    if long:
        print(f"{len(long)} functions over {limit} lines")
    return 1 if long else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
