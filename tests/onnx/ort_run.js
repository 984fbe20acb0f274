#!/usr/bin/env node
// ort_run.js: run an ONNX model with ONNX Runtime (npm onnxruntime-node) on
// a float32 .npy array and write the first output as float32 .npy; the
// tests' independent runtime for exported models.
//
//   node tests/onnx/ort_run.js MODEL.onnx INPUT.npy OUTPUT.npy [--threads N]
//   node tests/onnx/ort_run.js MODEL.onnx INPUT.npy --time R [--threads N]
//
// --threads N   intra-op threads (default 1; inter-op is always 1)
// --time R      instead of writing, time R batch-1 runs on the first sample
//               (after 10 warm-up runs) and print
//               "median_ms M p10_ms A p90_ms B runs R threads N"
//
// onnxruntime-node is found through NODE_PATH (the tests set it to the
// build tree's ort/node_modules, which `make ort` fills).  Exit status: 0
// ok, 1 failure (one line on stderr), 2 usage.
'use strict';

const fs = require('fs');

function die(msg, code) {
	process.stderr.write('ort_run: ' + msg + '\n');
	process.exit(code === undefined ? 1 : code);
}

// A C-order float32 .npy file (versions 1.0-3.0, little-endian) -> {dims, data}.
function npyRead(path) {
	const b = fs.readFileSync(path);
	if (b.length < 10 || b.toString('latin1', 0, 6) !== '\x93NUMPY')
		die(path + ': not a .npy file');
	const major = b[6];
	if (major < 1 || major > 3)
		die(path + ': .npy version ' + major + ' is not supported');
	const pre = major === 1 ? 10 : 12;
	const hlen = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
	if (pre + hlen > b.length)
		die(path + ': truncated header');
	const h = b.toString('utf8', pre, pre + hlen);
	const descr = /'descr':\s*'([^']*)'/.exec(h);
	const fortran = /'fortran_order':\s*(True|False)/.exec(h);
	const shape = /'shape':\s*\(([^)]*)\)/.exec(h);
	if (!descr || !fortran || !shape)
		die(path + ': header is not a .npy dict: ' + h.trim());
	if (descr[1] !== '<f4')
		die(path + ": dtype '" + descr[1] + "' (float32 '<f4' expected)");
	if (fortran[1] === 'True')
		die(path + ': fortran_order is True (C order expected)');
	const dims = shape[1].split(',').map((s) => s.trim()).filter((s) => s.length)
		.map((s) => Number(s.replace(/L$/, '')));
	if (dims.some((d) => !Number.isSafeInteger(d) || d < 0))
		die(path + ': bad shape (' + shape[1] + ')');
	const count = dims.reduce((a, d) => a * d, 1);
	const off = pre + hlen;
	if (b.length - off !== count * 4)
		die(path + ': ' + (b.length - off) + ' data bytes, the shape needs ' + count * 4);
	const data = new Float32Array(count);
	for (let i = 0; i < count; i++)
		data[i] = b.readFloatLE(off + 4 * i);
	return { dims, data };
}

// The header np.save writes (version 1.0, padded to 64 bytes), then the data.
function npyWrite(path, dims, data) {
	const tuple = dims.length === 1 ? '(' + dims[0] + ',)' : '(' + dims.join(', ') + ')';
	let dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + tuple + ', }';
	const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
	dict = dict + ' '.repeat(total - 10 - dict.length - 1) + '\n';
	const b = Buffer.alloc(total + data.length * 4);
	b.write('\x93NUMPY', 0, 'latin1');
	b[6] = 1;
	b[7] = 0;
	b.writeUInt16LE(dict.length, 8);
	b.write(dict, 10, 'latin1');
	for (let i = 0; i < data.length; i++)
		b.writeFloatLE(data[i], total + 4 * i);
	const tmp = path + '.tmp' + process.pid;
	fs.writeFileSync(tmp, b);
	fs.renameSync(tmp, path);
}

function parseArgs(argv) {
	const o = { threads: 1, time: 0, pos: [] };
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a === '--threads' || a === '--time') {
			const v = Number(argv[++i]);
			if (!Number.isInteger(v) || v < 1)
				die(a + ' wants a positive integer', 2);
			o[a.slice(2)] = v;
		} else if (a === '-h' || a === '--help') {
			process.stdout.write('usage: ort_run.js MODEL.onnx INPUT.npy (OUTPUT.npy | --time R) [--threads N]\n');
			process.exit(0);
		} else {
			o.pos.push(a);
		}
	}
	if (o.pos.length !== (o.time ? 2 : 3))
		die('usage: ort_run.js MODEL.onnx INPUT.npy (OUTPUT.npy | --time R) [--threads N]', 2);
	return o;
}

async function main() {
	const o = parseArgs(process.argv.slice(2));
	let ort;
	try {
		ort = require('onnxruntime-node');
	} catch (e) {
		die("onnxruntime-node not found (run 'make ort'; NODE_PATH=" +
		    (process.env.NODE_PATH || '') + ')');
	}
	const x = npyRead(o.pos[1]);
	let s;
	try {
		s = await ort.InferenceSession.create(o.pos[0], {
			intraOpNumThreads: o.threads, interOpNumThreads: 1,
			executionProviders: ['cpu'], graphOptimizationLevel: 'all',
		});
	} catch (e) {
		die(o.pos[0] + ': ' + String(e.message || e).split('\n')[0]);
	}
	const feed = (dims, data) => ({ [s.inputNames[0]]: new ort.Tensor('float32', data, dims) });
	if (o.time) {
		if (x.dims.length < 1 || x.dims[0] < 1)
			die(o.pos[1] + ': no sample to time');
		const per = x.data.length / x.dims[0];
		const f = feed([1].concat(x.dims.slice(1)), x.data.slice(0, per));
		for (let i = 0; i < 10; i++)
			await s.run(f);
		const t = [];
		for (let i = 0; i < o.time; i++) {
			const t0 = process.hrtime.bigint();
			await s.run(f);
			t.push(Number(process.hrtime.bigint() - t0) / 1e6);
		}
		t.sort((a, b) => a - b);
		const q = (p) => t[Math.min(t.length - 1, Math.floor(p * t.length))];
		process.stdout.write('median_ms ' + q(0.5).toFixed(4) + ' p10_ms ' + q(0.1).toFixed(4) +
			' p90_ms ' + q(0.9).toFixed(4) + ' runs ' + o.time + ' threads ' + o.threads + '\n');
		return;
	}
	let r;
	try {
		r = await s.run(feed(x.dims, x.data));
	} catch (e) {
		die(o.pos[0] + ': ' + String(e.message || e).split('\n')[0]);
	}
	const y = r[s.outputNames[0]];
	if (y.type !== 'float32')
		die(o.pos[0] + ': first output is ' + y.type + ', not float32');
	npyWrite(o.pos[2], y.dims.map(Number), y.data);
}

main().catch((e) => die(String(e && e.message || e)));
