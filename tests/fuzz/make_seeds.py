#!/usr/bin/env python3
"""Write the fuzz targets' seed corpora, tests/fuzz/corpus/NAME/.

Run from the top of a built tree with Debian's python3 (no packages
needed beyond the standard library):

    /usr/bin/python3 tests/fuzz/make_seeds.py

Seeds come from three places:
  - the files the project ships or writes: models/*.cfg, themes/*.theme,
    tests/fixtures (sample.keylog, tiny_ref.safetensors), and a bundle of
    the fuzz net (tests/fuzz/fuzz_net.cfg) written by ./reconvene prune
    and ./reconvene train --save;
  - the malformed inputs the unit tests use: the string literals of the
    tables in tests/check_*.c (each run of adjacent literals is one seed);
  - small files built here in each target's input layout (fuzz/fuzz_*.c
    describe them): IDX pairs, CIFAR-10 batches, cache entries.
Seed names are content hashes, so running it again adds only new seeds;
findings of the campaign are added by hand as crash-NAME-* files.
"""
import gzip
import hashlib
import json
import os
import re
import struct
import subprocess
import sys
import tempfile

TOP = os.getcwd()
OUT = os.path.join(TOP, 'tests', 'fuzz', 'corpus')


def put(target, data, name=None):
    if isinstance(data, str):
        data = data.encode('utf-8', 'surrogateescape')
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    for old in os.listdir(d):  # kept already (a crash-* file, say)
        if read(os.path.join(d, old)) == data:
            return
    name = name or 'seed-' + hashlib.sha1(data).hexdigest()[:12]
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


def c_literals(path, first=1, last=10**9):
    """Each run of adjacent C string literals in lines first..last, decoded
    to bytes (escapes: \\n \\t \\r \\" \\\\ \\xNN and octal)."""
    lines = open(path, encoding='utf-8', errors='surrogateescape').read().split('\n')
    text = '\n'.join(lines[first - 1:last])
    text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
    out, cur, i = [], None, 0
    lit = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
    while i < len(text):
        m = lit.match(text, i)
        if m:
            cur = (cur or b'') + c_unescape(m.group(1))
            i = m.end()
        elif text[i].isspace():
            i += 1
        else:
            if cur is not None:
                out.append(cur)
                cur = None
            i += 1
    if cur is not None:
        out.append(cur)
    return out


def c_unescape(s):
    b = bytearray()
    raw = s.encode('utf-8', 'surrogateescape')
    i = 0
    simple = {ord('n'): 10, ord('t'): 9, ord('r'): 13, ord('"'): 34, ord('\\'): 92,
              ord("'"): 39, ord('a'): 7, ord('b'): 8, ord('f'): 12, ord('v'): 11}
    while i < len(raw):
        c = raw[i]
        if c != 92:
            b.append(c)
            i += 1
            continue
        e = raw[i + 1]
        if e in simple:
            b.append(simple[e])
            i += 2
        elif e == ord('x'):
            j = i + 2
            while j < len(raw) and chr(raw[j]) in '0123456789abcdefABCDEF':
                j += 1
            b.append(int(raw[i + 2:j], 16) & 0xff)
            i = j
        elif chr(e) in '01234567':
            j = i + 1
            while j < len(raw) and j < i + 4 and chr(raw[j]) in '01234567':
                j += 1
            b.append(int(raw[i + 1:j], 8) & 0xff)
            i = j
        else:
            b.append(e)
            i += 2
    return bytes(b)


def line_of(path, pattern):
    for n, line in enumerate(open(path, encoding='utf-8', errors='replace'), 1):
        if pattern in line:
            return n
    sys.exit(f'make_seeds: {pattern!r} not in {path}')


def run(*args):
    env = dict(os.environ, RECONVENE_MODELS_DIR=os.path.join(TOP, 'models'),
               RECONVENE_THEMES_DIR=os.path.join(TOP, 'themes'))
    subprocess.run(args, check=True, env=env, stdout=subprocess.DEVNULL)


def read(path):
    with open(path, 'rb') as f:
        return f.read()


def tests(name):
    return os.path.join(TOP, 'tests', name)


# --- text formats --------------------------------------------------------
for f in sorted(os.listdir('models')):
    if f.endswith('.cfg'):
        put('cfg', read(os.path.join('models', f)))
put('cfg', read(os.path.join('tests', 'fuzz', 'fuzz_net.cfg')))
for s in c_literals(tests('check_cfg.c')):
    if b'[' in s or b'=' in s:
        put('cfg', s)

put('keylog', read(tests('fixtures/sample.keylog')))
for s in c_literals(tests('check_keylog.c')):
    put('keylog', s)

for f in sorted(os.listdir('themes')):
    if f.endswith('.theme'):
        put('theme', read(os.path.join('themes', f)))
for s in c_literals(tests('check_theme.c')):
    if b'=' in s or b'[' in s:
        put('theme', s)
put('theme', '[theme]\nname = "loop"\ninherit = self\n[roles]\nnormal = red blue\n')
put('theme', '[theme]\ninherit = mono\n[gradients]\nheat = #102030 $x #ffffff\n'
              'heat@mono = "\xe2\x96\x91\xe2\x96\x92\xe2\x96\x93"\n')

for s in c_literals(tests('check_layout.c'), line_of(tests('check_layout.c'), 'settings_defaults')):
    if b'=' in s:
        put('settings', s)

# --- a bundle of the fuzz net: plan.json, report.json, weights ----------
with tempfile.TemporaryDirectory() as tmp:
    b = os.path.join(tmp, 'b')
    run('./reconvene', 'prune', 'tests/fuzz/fuzz_net.cfg', '--auto', '--out', b,
        '--method', 'magnitude', '--sparsity', '0.7', '--tau', '0.6', '--residual')
    plan = read(os.path.join(b, 'plan.json'))
    report = read(os.path.join(b, 'report.json'))
    put('plan', plan)
    put('report', report)
    put('safetensors', read(os.path.join(b, 'model.safetensors')))
    w = os.path.join(tmp, 'w.safetensors')
    run('./reconvene', 'train', 'tests/fuzz/fuzz_net.cfg', '--steps', '1', '--batch', '2',
        '--save', w)
    put('safetensors', read(w))
put('safetensors', read(tests('fixtures/tiny_ref.safetensors')))

p = json.loads(plan)
p['groups'] = {'wide': 6, 'ca': 3, 'one': 1, 'c3': 2}
p['kept'] = {'wide': [0, 2, 3, 4, 6, 7], 'ca': [1, 2, 4], 'c3': [0, 3]}
put('plan', json.dumps(p, indent=2))
put('plan', '{"model": "fuzz", "groups": {}}')
for s in c_literals(tests('check_reconvene.c'), line_of(tests('check_reconvene.c'), 'missing \\"model\\"') - 3):
    if s.startswith(b'{'):
        put('plan', s.replace(b'"chain"', b'"fuzz"').replace(b'"c2"', b'"ca"'))

r = json.loads(report)
r['verification'] = None
put('report', json.dumps(r))
r = json.loads(report)
r['settings']['seed'] = 18446744073709551615
r['settings']['k'] = 3
put('report', json.dumps(r))
put('report', '{"format": "reconvene-report", "model": "m", "settings": {"method": "snip", '
              '"sparsity": 0.5, "tau": 1, "k": 1e30, "seed": -1, "min_keep": 1, '
              '"synflow_iterations": 2.5, "include_residual": false, '
              '"sensitive_dense": true}}')
for s in c_literals(tests('check_report.c')):
    if s.startswith(b'{'):
        put('report', s)

# --- safetensors: the unit tests' malformed headers, framed -------------
def st_frame(header, data_len, hlen_add=0):
    h = header.encode() if isinstance(header, str) else header
    return struct.pack('<Q', len(h) + hlen_add) + h + bytes((i * 37 + 1) & 0xff
                                                            for i in range(data_len))


fc_w = '"fc.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}'
fc_b = '"fc.bias":{"dtype":"F32","shape":[2],"data_offsets":[24,32]}'
put('safetensors', st_frame('{' + fc_w + ',' + fc_b + '}', 32))
put('safetensors', st_frame('{"__metadata__":{"model":"fc","seed":"1"},' + fc_w + ',' + fc_b + '}', 32))
put('safetensors', st_frame('{' + fc_w + ',' + fc_b + '}', 32, 1000))
put('safetensors', st_frame('{"a":{"dtype":"I64","shape":[],"data_offsets":[0,8]},'
                            '"b":{"dtype":"BF16","shape":[3],"data_offsets":[8,14]},'
                            '"c":{"dtype":"BOOL","shape":[0,5],"data_offsets":[14,14]}}', 14))
for s in c_literals(tests('check_weights.c'), line_of(tests('check_weights.c'), 'bad_cases[] = {')):
    if s.startswith(b'{') and b'dtype' in s or s in (b'{}', b'[1,2,3]'):
        put('safetensors', st_frame(s, 32))
put('safetensors', b'\x10\0\0')
put('safetensors', b'\0\0\0\0\0\0\0\x01{}')


# --- IDX: mode byte, u16 images length, images, labels (fuzz_idx.c) -----
def idx_images(n, rows, cols, magic=0x803):
    return struct.pack('>IIII', magic, n, rows, cols) + bytes((i * 7) & 0xff for i in range(n * rows * cols))


def idx_labels(n, magic=0x801, first=None):
    lab = bytes(i % 10 for i in range(n))
    if first is not None:
        lab = bytes([first]) + lab[1:]
    return struct.pack('>II', magic, n) + lab


def idx_input(mode, img, lab):
    return bytes([mode]) + struct.pack('<H', len(img)) + img + lab


good_i, good_l = idx_images(3, 2, 2), idx_labels(3)
put('idx', idx_input(0, good_i, good_l))
put('idx', idx_input(2 | 2 << 2, good_i, good_l))
put('idx', idx_input(1 | 1 << 2, gzip.compress(good_i, mtime=0), gzip.compress(good_l, mtime=0)))
put('idx', idx_input(1, gzip.compress(good_i, mtime=0)[:-3], good_l))          # cut gzip
put('idx', idx_input(0, idx_images(3, 2, 2, magic=0x801), good_l))             # bad magic
put('idx', idx_input(0, good_i[:-1], good_l))                                  # truncated
put('idx', idx_input(0, good_i + b'x', good_l))                                # trailing
put('idx', idx_input(0, good_i, idx_labels(2)))                                # count
put('idx', idx_input(0, good_i, idx_labels(3, first=10)))                      # label
put('idx', idx_input(0, idx_images(1, 4097, 1)[:16], idx_labels(1)))          # size
put('idx', idx_input(0, struct.pack('>IIII', 0x803, 0xffffffff, 4096, 4096), idx_labels(1)))
put('idx', idx_input(0, b'', b''))


# --- CIFAR-10: flags, six files of u16 size + content (fuzz_cifar.c) -----
def cifar_file(labels, size=None):
    n = len(labels) * 3073 if size is None else size
    # Content shorter than the size is zero-filled by the target; give
    # each record its label byte at its offset.
    data = bytearray()
    for k, lab in enumerate(labels):
        data += bytes(3073 * k - len(data)) + bytes([lab]) + bytes(range(1, 9))
    return struct.pack('<H', n) + bytes(data[:n])


def cifar_input(flags, files):
    return bytes([flags]) + b''.join(files)


ok = [cifar_file([k % 10]) for k in range(5)] + [cifar_file([3, 7])]
put('cifar', cifar_input(0, ok))
put('cifar', cifar_input(1, ok))
put('cifar', cifar_input(2 | 3 << 2, ok))
put('cifar', cifar_input(0, ok[:5] + [cifar_file([3], size=3072)]))
put('cifar', cifar_input(0, ok[:2] + [cifar_file([10])] + ok[3:]))
put('cifar', cifar_input(0, [cifar_file([], size=0)] + ok[1:]))


# --- cache entries for the key fuzz_cache.c asks for --------------------
KEY = b'latency v=plan model=fuzz'


def fnv(data, h=0xcbf29ce484222325):
    for x in data:
        h = ((h ^ x) * 0x100000001b3) & 0xffffffffffffffff
    return h


def cache_entry(key, payload, ver=1, sum_add=0, klen=None, plen=None):
    return (b'RCVCACHE' + struct.pack('<IIQQ', ver, len(key) if klen is None else klen,
                                      len(payload) if plen is None else plen,
                                      (fnv(key + payload) + sum_add) & 0xffffffffffffffff)
            + key + payload)


pay = struct.pack('<4d', 1.5, 1.2, 1.9, 50)
put('cache', cache_entry(KEY, pay))
put('cache', cache_entry(KEY, b''))
put('cache', cache_entry(KEY, pay, ver=7))
put('cache', cache_entry(KEY, pay, sum_add=1))
put('cache', cache_entry(b'latency v=plan model=other', pay))
put('cache', cache_entry(KEY, pay)[:40])
put('cache', cache_entry(KEY, pay) + b'\0')
put('cache', cache_entry(KEY, pay, plen=1 << 40))
put('cache', b'RCVCACH')
print('make_seeds: ' + ', '.join(f'{t} {len(os.listdir(os.path.join(OUT, t)))}'
                                 for t in sorted(os.listdir(OUT))))
