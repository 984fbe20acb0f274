#!/bin/sh
# circles.sh: no circle between compiled files.  An object that calls a
# function (or uses a variable) another object defines depends on it; no
# chain of such dependencies may lead back to where it started.
#
# The objects are exactly those the build links: the lists automake wrote
# into the Makefile for engine/libengine.a, tui/libtui.a and the program
# (am_*_OBJECTS), so an object left behind by a renamed or deleted source
# is never read, and two sources with the same file name in different
# folders stay apart.  Symbols come from nm.  Each circle is printed with
# one symbol per dependency in it.  Prints "circles: N passed, N failed".
set -u
top_builddir=${top_builddir:-$(cd "$(dirname "$0")/.." && pwd)}
command -v python3 >/dev/null 2>&1 || { echo "circles: no python3"; exit 77; }
command -v nm >/dev/null 2>&1 || { echo "circles: no nm"; exit 77; }
exec python3 - "$top_builddir" <<'PY'
import os, re, subprocess, sys
build = sys.argv[1]
TARGETS = ['engine_libengine_a', 'tui_libtui_a', 'reconvene']
passed = failed = 0
def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print('FAIL:', what)

# The object lists, from the generated Makefile (continuation lines joined).
makefile = os.path.join(build, 'Makefile')
try:
    text = open(makefile, encoding='utf-8').read().replace('\\\n', ' ')
except OSError as e:
    print('circles: cannot read', makefile, '(run configure first):', e)
    sys.exit(1)
objs = []
for t in TARGETS:
    m = re.search(r'^am_%s_OBJECTS\s*=(.*)$' % t, text, re.M)
    if not m:
        print('circles: no am_%s_OBJECTS in %s' % (t, makefile))
        sys.exit(1)
    objs += [w.replace('$(OBJEXT)', 'o') for w in m.group(1).split()]
missing = [o for o in objs if not os.path.isfile(os.path.join(build, o))]
if missing:
    print('circles: not built:', ' '.join(missing))
    sys.exit(1)

# Global definitions (any upper-case type but U, plus GNU unique 'u' and
# indirect 'i') and undefined uses, per object.
defs = {o: set() for o in objs}
uses = {o: set() for o in objs}
r = subprocess.run(['nm', '-A'] + [os.path.join(build, o) for o in objs],
                   capture_output=True, text=True)
if r.returncode != 0:
    print('circles: nm failed:', r.stderr.strip())
    sys.exit(1)
for line in r.stdout.splitlines():
    m = re.match(r'^(.*\.o):\s*(?:[0-9a-fA-F]+\s+)?(\S)\s+(\S+)$', line)
    if not m:
        continue
    path, kind, sym = m.groups()
    o = os.path.relpath(path, build)
    if kind == 'U':
        uses[o].add(sym)
    elif (kind.isupper() and kind not in 'NA') or kind in 'ui':
        defs[o].add(sym)

owner = {}
for o in objs:
    for s in defs[o]:
        owner.setdefault(s, o)
edges = {o: {} for o in objs}          # o -> {object it uses: a symbol}
for o in objs:
    for s in sorted(uses[o]):
        d = owner.get(s)
        if d is not None and d != o:
            edges[o].setdefault(d, s)

# Tarjan's strongly connected components; a component of two or more
# objects is a circle.
index, low, stack, on, sccs, n = {}, {}, [], set(), [], [0]
sys.setrecursionlimit(10000)
def visit(v):
    index[v] = low[v] = n[0]; n[0] += 1
    stack.append(v); on.add(v)
    for w in sorted(edges[v]):
        if w not in index:
            visit(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        c = []
        while True:
            w = stack.pop(); on.discard(w); c.append(w)
            if w == v:
                break
        if len(c) > 1:
            sccs.append(sorted(c))
for v in sorted(edges):
    if v not in index:
        visit(v)
for c in sorted(sccs):
    print('FAIL: circle between', ' '.join(c))
    for a in c:
        for b in sorted(edges[a]):
            if b in c:
                print('  %s uses %s from %s' % (a, edges[a][b], b))
check(not sccs, 'object circles')
print(f'circles: checked {len(objs)} objects for circles')
print(f'circles: {passed} passed, {failed} failed')
sys.exit(1 if failed else 0)
PY
