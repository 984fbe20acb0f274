#!/bin/sh
# layering.sh: the source tree's stage rule (docs/ARCHITECTURE.md).
#
# 1. A folder includes only folders listed before it (or itself):
#      engine: base nn io data train score measure prune output worker sweep
#      tui:    host paths theme explorer cli screen   (tui/main.c may include any)
#    tui may include every engine folder; the engine never includes tui.
#    Every project include names its folder ("nn/net.h", never "net.h").
# 2. Only tui/screen draws with curses.  tui/explorer may include
#    <curses.h> for the KEY_* constants alone: libtui.a links without the
#    curses library, so a call would not link.
# Prints "layering: N passed, N failed".
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
command -v python3 >/dev/null 2>&1 || { echo "layering: no python3"; exit 77; }
exec python3 - "$top_srcdir" "$top_builddir" <<'PY'
import os, re, subprocess, sys
src, build = sys.argv[1], sys.argv[2]
ORDER = {
    'engine': 'base nn io data train score measure prune output worker sweep'.split(),
    'tui': 'host paths theme explorer cli screen'.split(),
}
passed = failed = 0
def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print('FAIL:', what)

inc_re = re.compile(r'^\s*#\s*include\s+([<"])([^">]+)[">]', re.M)
files = []
for top in ORDER:
    for dp, _, fs in os.walk(os.path.join(src, top)):
        for f in sorted(fs):
            if f.endswith(('.c', '.h')):
                files.append(os.path.relpath(os.path.join(dp, f), src))
bad = []
for rel in sorted(files):
    parts = rel.split('/')
    top = parts[0]
    folder = parts[1] if len(parts) > 2 else None   # None: tui/main.c
    if folder is not None and folder not in ORDER[top]:
        bad.append(f'{rel}: folder {top}/{folder} is not a stage')
        continue
    text = open(os.path.join(src, rel), encoding='utf-8').read()
    for kind, name in inc_re.findall(text):
        if kind == '<':
            if re.match(r'n?curses(w)?\.h$|ncursesw/|term\.h$', name) and not (top == 'tui' and folder in ('screen', 'explorer')):
                bad.append(f'{rel}: includes <{name}> (curses only in tui/screen)')
            continue
        if name == 'config.h':
            continue
        p = name.split('/')
        if len(p) != 2:
            bad.append(f'{rel}: include "{name}" does not name its folder')
            continue
        f2 = p[0]
        if f2 in ORDER['engine'] and os.path.exists(os.path.join(src, 'engine', name)):
            itop = 'engine'
        elif f2 in ORDER['tui'] and os.path.exists(os.path.join(src, 'tui', name)):
            itop = 'tui'
        else:
            bad.append(f'{rel}: include "{name}" is not a project header')
            continue
        if top == 'engine' and itop == 'tui':
            bad.append(f'{rel}: the engine includes tui header "{name}"')
        elif itop == top and folder is not None and \
                ORDER[top].index(f2) > ORDER[top].index(folder):
            bad.append(f'{rel}: {top}/{folder} includes "{name}", a later stage')
for b in bad:
    print('FAIL:', b)
check(not bad, 'include order')
print(f'layering: checked {len(files)} files for the include order')

print(f'layering: {passed} passed, {failed} failed')
sys.exit(1 if failed else 0)
PY
