#!/usr/bin/env python3
"""Lists import cycles between the modules of a Rust crate: `crate::…` and `super::…` paths,
file by file, resolved to the module that defines them. A module's references to its own
ancestors or descendants (mod.rs building its children, children using the parent's types) are
not cycles; test modules are left out. A reference from inside one module to inside a sibling
counts between the two siblings as well (`a::b::c -> a::d::e` adds `a::b -> a::d`), so two
subtrees that use each other show as a cycle. Exits 1 when there is a cycle.

With --top, modules are folded into the crate's top-level modules first (`delivery::hub` counts
as `delivery`), so a cycle through different files of two top-level modules shows too.

Usage: scripts/import-cycles.py [--top] server/src   (or common/src, client/src)"""
import os
import re
import sys

args = [a for a in sys.argv[1:] if a != "--top"]
top = "--top" in sys.argv[1:]
root = args[0] if args else "server/src"


def module_of(path):
    rel = os.path.relpath(path, root)[:-3].split(os.sep)
    if rel[-1] in ("mod", "lib", "main"):
        rel = rel[:-1]
    return tuple(rel)


modules = {}
for dirpath, _, files in os.walk(root):
    for name in files:
        if name.endswith(".rs"):
            path = os.path.join(dirpath, name)
            modules[module_of(path)] = path


def resolve(parts):
    """The longest known module prefix of a path."""
    for n in range(len(parts), 0, -1):
        if tuple(parts[:n]) in modules:
            return tuple(parts[:n])
    return None


def related(a, b):
    return a[: len(b)] == b or b[: len(a)] == a


edges = {m: set() for m in modules}
path_re = re.compile(r"\b(crate|super)((?:::[A-Za-z_][A-Za-z0-9_]*)+)")
group_re = re.compile(r"\b(crate|super)((?:::[A-Za-z_][A-Za-z0-9_]*)*)::\{([^}]*)\}")
for module, path in modules.items():
    text = open(path, encoding="utf-8").read()
    text = re.split(r"#\[cfg\(test\)\]\s*mod tests", text)[0]
    found = []
    for head, rest, inner in group_re.findall(text):
        for item in inner.split(","):
            item = item.strip().split(" as ")[0].split("::")[0]
            if item and item not in ("self", "*"):
                found.append((head, rest + "::" + item))
    found += path_re.findall(text)
    for head, rest in found:
        parts = [p for p in rest.split("::") if p]
        if head == "crate":
            base = []
        else:
            # `super` is the parent of the file's module (in a mod.rs as in any other file).
            base = list(module)[:-1]
            while parts and parts[0] == "super":
                parts = parts[1:]
                base = base[:-1]
        target = resolve(base + parts)
        if target is not None and target != module and not related(target, module):
            edges[module].add(target)
            # The subtrees of two siblings depend on each other too: `a::b::c -> a::d::e`
            # makes `a::b -> a::d`, so `a::d::e -> a::b` closes a cycle between the two.
            k = 0
            while module[k] == target[k]:
                k += 1
            if module[: k + 1] != module:
                edges.setdefault(module[: k + 1], set()).add(target[: k + 1])
            elif target[: k + 1] != target:
                edges[module].add(target[: k + 1])

if top:
    folded = {}
    for m, targets in edges.items():
        key = m[:1]
        folded.setdefault(key, set()).update(t[:1] for t in targets if t[:1] != key)
    edges = folded
    modules = {m: None for m in folded}

# Tarjan's strongly connected components.
index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]


def visit(v):
    index[v] = low[v] = counter[0]
    counter[0] += 1
    stack.append(v)
    on.add(v)
    for w in edges.get(v, ()):
        if w not in index:
            visit(w)
            low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        scc = []
        while True:
            w = stack.pop()
            on.discard(w)
            scc.append(w)
            if w == v:
                break
        if len(scc) > 1:
            sccs.append(scc)


sys.setrecursionlimit(10000)
for v in modules:
    if v not in index:
        visit(v)
for scc in sccs:
    names = sorted("::".join(m) or "crate" for m in scc)
    print("import cycle: " + " <-> ".join(names))
    for m in sorted(scc):
        for t in sorted(edges[m] & set(scc)):
            print(f"  {'::'.join(m)} -> {'::'.join(t)}")
sys.exit(1 if sccs else 0)
