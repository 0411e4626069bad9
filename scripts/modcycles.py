#!/usr/bin/env python3
"""Module import cycles of Rust crates: scripts/modcycles.py CRATE_DIR [...]

The house rule is that no two modules of a crate import each other, directly or around a loop.

Edges: a file module A refers (use statement or inline path) to an item of file module B != A,
with `crate::`, `super::`, `self::` paths resolved and `pub use` re-exports followed (a re-export
itself is not counted as an import). Code after the first `#[cfg(test)]` line is ignored.
Exit 1 if any cycle is found.
"""
import os, re, sys

def file_modules(src):
    mods = {}
    for root, _, files in os.walk(src):
        for f in files:
            if not f.endswith('.rs'):
                continue
            p = os.path.join(root, f)
            rel = os.path.relpath(p, src)[:-3].split(os.sep)
            if rel[-1] in ('lib', 'main') and len(rel) == 1:
                rel = []
            elif rel[-1] == 'mod':
                rel = rel[:-1]
            if rel and rel[0] == 'bin':
                continue
            mods[tuple(rel)] = p
    return mods

def strip_comments(text):
    text = re.sub(r'/\*.*?\*/', lambda m: '\n' * m.group(0).count('\n'), text, flags=re.S)
    out = []
    for line in text.split('\n'):
        i = line.find('//')
        if i >= 0:
            line = line[:i]
        out.append(line)
    text = '\n'.join(out)
    # strip string literals (keep newlines)
    text = re.sub(r'"(?:\\.|[^"\\])*"', lambda m: '""' + '\n' * m.group(0).count('\n'), text)
    return text

def expand(tree):
    """Expand a use tree `a::{b, c::{d, e}}` into lists of segments."""
    tree = re.sub(r'\s+as\s+\w+', '', tree)
    tree = tree.replace(' ', '').replace('\n', '')
    def parse(s, i):
        # returns list of paths, new index
        paths = []
        prefix = ''
        while i < len(s):
            c = s[i]
            if c == '{':
                inner, i = parse_group(s, i + 1)
                base = prefix[:-2] if prefix.endswith('::') else prefix
                for p in inner:
                    paths.append((base + '::' + p) if base and p else (base or p))
                prefix = ''
                continue
            if c in ',}':
                break
            prefix += c
            i += 1
        if prefix:
            paths.append(prefix)
        return paths, i
    def parse_group(s, i):
        paths = []
        while i < len(s):
            sub, i = parse(s, i)
            paths.extend(sub)
            if i < len(s) and s[i] == ',':
                i += 1
                continue
            if i < len(s) and s[i] == '}':
                return paths, i + 1
        return paths, i
    paths, _ = parse(tree, 0)
    res = []
    for p in paths:
        res.append([x for x in p.split('::') if x])
    return res

def absolutize(segs, here):
    if not segs:
        return None
    cur = list(here)
    if segs[0] == 'crate':
        return segs[1:]
    if segs[0] in ('self', 'super'):
        i = 0
        while i < len(segs) and segs[i] in ('self', 'super'):
            if segs[i] == 'super':
                if not cur:
                    return None
                cur = cur[:-1]
            i += 1
        return cur + segs[i:]
    return None  # extern crate or local name

class Crate:
    def __init__(self, src):
        self.mods = file_modules(src)
        self.texts = {}
        self.reexports = {}  # mod -> {name: abs path} ; '*' -> list of glob abs paths
        for m, p in self.mods.items():
            t = strip_comments(open(p, encoding='utf-8').read())
            cut = t.find('#[cfg(test)]')
            if cut >= 0:
                t = t[:cut]
            self.texts[m] = t
            rex = {'*': []}
            for um in re.finditer(r'\bpub(?:\([^)]*\))?\s+use\s+([^;]+);', t):
                for segs in expand(um.group(1)):
                    if segs and segs[0] not in ('crate', 'self', 'super') and tuple(m) + (segs[0],) in self.mods:
                        segs = ['self'] + segs
                    a = absolutize(segs, m)
                    if a is None:
                        continue
                    if a[-1] == '*':
                        rex['*'].append(a[:-1])
                    else:
                        rex[a[-1]] = a
            self.reexports[m] = rex

    def resolve(self, path, depth=0):
        """Longest file-module prefix of an absolute path, following re-exports."""
        if depth > 8:
            return None
        k = len(path)
        while k >= 0 and tuple(path[:k]) not in self.mods:
            k -= 1
        if k < 0:
            return None
        m = tuple(path[:k])
        rest = path[k:]
        if rest and rest[0] != '*':
            rex = self.reexports.get(m, {})
            if rest[0] in rex:
                target = rex[rest[0]] + rest[1:]
                if tuple(target[:len(m)]) != m or len(target) > len(m) + 1:
                    r = self.resolve(target, depth + 1)
                    if r is not None:
                        return r
            for g in rex.get('*', []):
                r = self.resolve(g + rest, depth + 1)
                if r is not None and r != m:
                    # only if the glob target actually is a file module path prefix deeper
                    return r
        return m

    def edges(self):
        edges = {}
        for m, t in self.texts.items():
            lines = t.split('\n')
            refs = []
            for um in re.finditer(r'(?<![\w:])(?:pub(?:\([^)]*\))?\s+)?use\s+([^;]+);', t):
                if um.group(0).startswith('pub'):
                    continue
                line = t[:um.start()].count('\n') + 1
                for segs in expand(um.group(1)):
                    if segs and segs[0] not in ('crate', 'self', 'super') and tuple(m) + (segs[0],) in self.mods:
                        segs = ['self'] + segs
                    refs.append((segs, line))
            no_use = re.sub(r'(?<![\w:])(?:pub(?:\([^)]*\))?\s+)?use\s+[^;]+;', lambda x: '\n' * x.group(0).count('\n'), t)
            for pm in re.finditer(r'(?<![\w:])(\w+(?:::\w+)+)', no_use):
                line = no_use[:pm.start()].count('\n') + 1
                segs = pm.group(1).split('::')
                if segs[0] not in ('crate', 'self', 'super'):
                    if tuple(m) + (segs[0],) not in self.mods:
                        continue
                    segs = ['self'] + segs
                refs.append((segs, line))
            for segs, line in refs:
                a = absolutize(segs, m)
                if a is None:
                    continue
                r = self.resolve(a)
                if r is None or r == m:
                    continue
                # a parent reaching into its own child is an edge too; declarations are not refs
                edges.setdefault(m, {}).setdefault(r, (self.mods[m], line, '::'.join(segs)))
        return edges

def sccs(nodes, edges):
    index = {}; low = {}; stack = []; on = set(); out = []; counter = [0]
    sys.setrecursionlimit(10000)
    def strong(v):
        index[v] = low[v] = counter[0]; counter[0] += 1
        stack.append(v); on.add(v)
        for w in edges.get(v, {}):
            if w not in index:
                strong(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(comp)
    for v in nodes:
        if v not in index:
            strong(v)
    return out

def name(m):
    return 'crate' if not m else '::'.join(m)

def main():
    found = False
    for d in sys.argv[1:] or ['.', *sorted(os.path.join('crates', c) for c in os.listdir('crates'))]:
        src = os.path.join(d, 'src')
        c = Crate(src)
        e = c.edges()
        comps = sccs(sorted(c.mods), e)
        for comp in comps:
            found = True
            cs = set(comp)
            print(f'{d}: cycle among {len(comp)} modules: ' + ', '.join(sorted(name(m) for m in comp)))
            for a in sorted(comp):
                for b, (f, line, p) in sorted(e.get(a, {}).items()):
                    if b in cs:
                        print(f'    {name(a)} -> {name(b)}   ({os.path.relpath(f)}:{line} {p})')
        if not comps:
            print(f'{d}: no module cycles ({len(c.mods)} file modules)')
    sys.exit(1 if found else 0)

main()
