#!/usr/bin/env python3
"""Write small ONNX files, valid and broken, for tests/cli_onnx.sh.

    python3 tests/onnx/make_cases.py OUTDIR

Needs nothing but Python 3: the protobuf wire format is written by hand
(the field numbers are onnx.proto's), so broken framing can be made on
purpose.  Writes OUTDIR/good_*.onnx (each must import) and OUTDIR/bad_*.onnx
(each must be refused with one line), and OUTDIR/cases.tsv with one line
per file: name, the exit status wanted, and a phrase the one line of
output (stderr for failures, the warning for good_folded) must contain.
"""
import os
import struct
import sys


# ---- the wire format ------------------------------------------------------

def varint(n):
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def key(field, wire):
    return varint(field << 3 | wire)


def f_int(field, v):
    return key(field, 0) + varint(v)


def f_bytes(field, b):
    if isinstance(b, str):
        b = b.encode()
    return key(field, 2) + varint(len(b)) + b


def f_f32(field, x):
    return key(field, 5) + struct.pack("<f", x)


# ---- ONNX messages -----------------------------------------------------------

FLOAT, INT64 = 1, 7


def tensor(name, dims, vals=None, dtype=FLOAT, raw=True, extra=b""):
    n = 1
    for d in dims:
        n *= d
    if vals is None:
        vals = [((i * 7919) % 17 - 8) / 16.0 for i in range(n)]
    out = b"".join(f_int(1, d) for d in dims) + f_int(2, dtype) + f_bytes(8, name)
    if dtype == INT64:
        out += f_bytes(9, struct.pack("<%dq" % len(vals), *vals))
    elif raw:
        out += f_bytes(9, struct.pack("<%df" % len(vals), *vals))
    else:
        out += f_bytes(4, struct.pack("<%df" % len(vals), *vals))
    return out + extra


def a_int(name, v):
    return f_bytes(1, name) + f_int(20, 2) + f_int(3, v)


def a_ints(name, vs):
    return f_bytes(1, name) + f_int(20, 7) + b"".join(f_int(8, v) for v in vs)


def a_bytes_attr(name, v):
    return f_bytes(1, name) + f_int(20, 3) + f_bytes(4, v)


def a_float(name, v):
    return f_bytes(1, name) + f_int(20, 1) + f_f32(2, v)


def a_tensor(name, t):
    return f_bytes(1, name) + f_int(20, 4) + f_bytes(5, t)


def node(op, ins, outs, name="", attrs=()):
    out = b"".join(f_bytes(1, i) for i in ins) + b"".join(f_bytes(2, o) for o in outs)
    out += f_bytes(3, name) + f_bytes(4, op)
    return out + b"".join(f_bytes(5, a) for a in attrs)


def value_info(name, dims, elem=FLOAT):
    dim = b"".join(f_bytes(1, f_int(1, d) if isinstance(d, int) else f_bytes(2, d))
                   for d in dims)
    ttype = f_int(1, elem) + f_bytes(2, dim)
    return f_bytes(1, name) + f_bytes(2, f_bytes(1, ttype))


def graph(nodes, inits, inputs, outputs, extra=b""):
    return (b"".join(f_bytes(1, n) for n in nodes) + f_bytes(2, "g") +
            b"".join(f_bytes(5, t) for t in inits) +
            b"".join(f_bytes(11, v) for v in inputs) +
            b"".join(f_bytes(12, v) for v in outputs) + extra)


def model(g, opset=13):
    return f_int(1, 7) + f_bytes(8, f_bytes(1, "") + f_int(2, opset)) + f_bytes(7, g)


# ---- the base model and its variants -------------------------------------------
# x [N,3,8,8] -> Conv 3x3 pad 1 (4 filters, bias) -> BN -> Relu -> GAP ->
# Flatten -> Gemm (5 classes): 3*4*9 + 4 + 8 + 4*5 + 5 = 145 params.

X = value_info("x", ["N", 3, 8, 8])
Y = value_info("y", ["N", 5])


def conv(ins=("x", "w", "b"), out="c", name="/conv1/Conv", pads=(1, 1, 1, 1), group=1):
    return node("Conv", list(ins), [out], name,
                [a_ints("kernel_shape", [3, 3]), a_ints("pads", list(pads)),
                 a_ints("strides", [1, 1]), a_int("group", group)])


def bn(inp="c", out="n", name="/bn1/BatchNormalization"):
    return node("BatchNormalization", [inp, "g", "be", "m", "v"], [out], name,
                [a_float("epsilon", 1e-5), a_float("momentum", 0.9)])


def head(inp="r"):
    return [node("GlobalAveragePool", [inp], ["p"], "/gap/GlobalAveragePool"),
            node("Flatten", ["p"], ["f"], "/Flatten", [a_int("axis", 1)]),
            node("Gemm", ["f", "fw", "fb"], ["y"], "/fc/Gemm",
                 [a_float("alpha", 1.0), a_float("beta", 1.0), a_int("transB", 1)])]


def inits(skip=()):
    ts = {"w": tensor("w", [4, 3, 3, 3]), "b": tensor("b", [4]),
          "g": tensor("g", [4], [1.0, 0.5, 1.5, 1.0]), "be": tensor("be", [4]),
          "m": tensor("m", [4]), "v": tensor("v", [4], [1.0, 2.0, 0.5, 1.0]),
          "fw": tensor("fw", [5, 4]), "fb": tensor("fb", [5])}
    return [t for k, t in ts.items() if k not in skip]


def base_nodes():
    return [conv(), bn(), node("Relu", ["n"], ["r"], "/relu/Relu")] + head()


def base(opset=13):
    return model(graph(base_nodes(), inits(), [X], [Y]), opset)


def cases():
    good, bad = {}, {}
    good["base"] = (base(), "145 params")
    nodes = base_nodes()
    nodes[0] = conv(pads=(0, 0, 2, 2))  # SAME_UPPER-like: all the padding after
    good["asymmetric_pads"] = (model(graph(nodes, inits(), [X], [Y])), "145 params")
    # Opset 6: Clip(0, 6) by attributes, BN with is_test, Dropout, shared
    # initializers through Identity, a Shape/Gather/Unsqueeze/Concat/Reshape
    # flatten, MatMul + Add instead of Gemm.
    nodes = [node("Identity", ["w"], ["w_alias"], "/Identity"),
             conv(ins=("x", "w_alias", "b")),
             node("BatchNormalization", ["c", "g", "be", "m", "v"], ["n"], "/bn1/BN",
                  [a_float("epsilon", 1e-5), a_int("is_test", 1)]),
             node("Clip", ["n"], ["r"], "/act/Clip", [a_float("min", 0.0), a_float("max", 6.0)]),
             node("Dropout", ["r"], ["d"], "/drop/Dropout", [a_int("is_test", 1)]),
             conv(ins=("d", "w2", "b2"), out="c2", name="/conv2/Conv"),
             node("GlobalAveragePool", ["c2"], ["p"], "/gap/GlobalAveragePool"),
             node("Shape", ["p"], ["s"], "/Shape"),
             node("Constant", [], ["zero"], "/Constant", [a_tensor("value", tensor("", [], [0], INT64))]),
             node("Gather", ["s", "zero"], ["n0"], "/Gather", [a_int("axis", 0)]),
             node("Unsqueeze", ["n0"], ["n1"], "/Unsqueeze", [a_ints("axes", [0])]),
             node("Constant", [], ["m1"], "/Constant_1", [a_tensor("value", tensor("", [1], [-1], INT64))]),
             node("Concat", ["n1", "m1"], ["shape"], "/Concat", [a_int("axis", 0)]),
             node("Reshape", ["p", "shape"], ["f"], "/Reshape"),
             node("MatMul", ["f", "mw"], ["mm"], "/fc/MatMul"),
             node("Add", ["mm", "fb"], ["y"], "/fc/Add")]
    ts = inits(skip=("fw",)) + [tensor("w2", [4, 4, 3, 3]), tensor("b2", [4]),
                                 tensor("mw", [4, 5])]
    good["opset6"] = (model(graph(nodes, ts, [X], [Y]), 6), "293 params")
    # ReLU6 as Clip with its limits in initializers (opset 13).
    nodes = base_nodes()
    nodes[2] = node("Clip", ["n", "lo", "hi"], ["r"], "/act/Clip")
    ts = inits() + [tensor("lo", [], [0.0]), tensor("hi", [], [6.0])]
    good["clip_initializers"] = (model(graph(nodes, ts, [X], [Y])), "145 params")
    # BN folded into the convolution: a warning, and it still imports.
    nodes = [conv(), node("Relu", ["c"], ["r"], "/relu/Relu")] + head()
    good["folded"] = (model(graph(nodes, inits(skip=("g", "be", "m", "v")), [X], [Y])),
                      "TrainingMode.PRESERVE")
    # float_data instead of raw_data, and the nodes in reverse order.
    ts = [tensor(t_name, dims, raw=False) for t_name, dims in
          (("w", [4, 3, 3, 3]), ("b", [4]), ("g", [4]), ("be", [4]), ("m", [4]),
           ("fw", [5, 4]), ("fb", [5]))] + [tensor("v", [4], [1.0, 2.0, 0.5, 1.0], raw=False)]
    good["float_data_unsorted"] = (model(graph(base_nodes()[::-1], ts, [X], [Y])), "145 params")

    b = base()
    bad["truncated"] = (b[:len(b) // 2], "not an ONNX model")
    bad["truncated_tail"] = (b[:-3], "not an ONNX model")
    bad["length_past_end"] = (f_int(1, 7) + key(7, 2) + varint(1000) + b"abc", "length past the end")
    bad["huge_length"] = (key(7, 2) + varint((1 << 63) + 5) + b"abc", "length past the end")
    bad["graph_wrong_wire"] = (f_int(1, 7) + f_int(7, 5), "wrong wire type")
    bad["name_wrong_wire"] = (model(graph([node("Relu", ["x"], ["y"]) + f_int(3, 9)], [], [X], [Y])),
                              "wrong wire type")
    bad["truncated_varint"] = (b + b"\x08\x80", "truncated varint")
    bad["group_wire_type"] = (b + key(3, 3), "unknown wire type")
    bad["empty"] = (b"", "no graph")
    bad["text"] = (b"hello, this is not protobuf\n", "not an ONNX model")
    bad["missing_initializer"] = (model(graph(base_nodes(), inits(skip=("w",)), [X], [Y])),
                                  "input 'w' is missing")
    ts = inits(skip=("w",)) + [tensor("w", [4, 2, 3, 3])]
    bad["channel_mismatch"] = (model(graph(base_nodes(), ts, [X], [Y])), "channel mismatch")
    ts = inits(skip=("g",)) + [tensor("g", [3])]
    bad["bn_channel_mismatch"] = (model(graph(base_nodes(), ts, [X], [Y])), "channel mismatch")
    nodes = [conv(), bn(inp="c2"), node("Relu", ["n"], ["c2"], "/relu/Relu")] + head("c2")
    bad["cycle"] = (model(graph(nodes, inits(), [X], [Y])), "cycle")
    nodes = base_nodes()
    nodes[2] = node("Softmax", ["n"], ["r"], "/act/Softmax")
    bad["unknown_op"] = (model(graph(nodes, inits(), [X], [Y])), "(Softmax): unsupported op")
    # A name from the file never breaks the one-line message (found by
    # fuzz_onnx).
    nodes = base_nodes()
    nodes[2] = node("Softmax", ["n"], ["r"], "/act\n/Softmax")
    bad["newline_in_name"] = (model(graph(nodes, inits(), [X], [Y])), "node '/act?/Softmax'")
    ts = inits(skip=("w",)) + [tensor("w", [4, 3, 3, 3], extra=f_int(14, 1))]
    bad["external_data"] = (model(graph(base_nodes(), ts, [X], [Y])), "external data")
    ts = inits(skip=("w",)) + [f_int(1, 1 << 40) + f_int(1, 3) + f_int(1, 3) + f_int(1, 3) +
                               f_int(2, FLOAT) + f_bytes(8, "w") + f_bytes(9, b"\0" * 16)]
    bad["huge_dims"] = (model(graph(base_nodes(), ts, [X], [Y])), "out of range")
    ts = inits(skip=("w",)) + [f_int(1, 1 << 31) + f_int(1, 1 << 31) + f_int(1, 1 << 31) +
                               f_int(2, FLOAT) + f_bytes(8, "w")]
    bad["dims_overflow"] = (model(graph(base_nodes(), ts, [X], [Y])), "dimensions too large")
    ts = inits(skip=("w",)) + [tensor("w", [4, 3, 3, 3], [0.5] * 100)]
    bad["raw_too_short"] = (model(graph(base_nodes(), ts, [X], [Y])), "raw_data does not hold")
    bad["opset_22"] = (base(22), "opset 22 is not supported")
    bad["two_inputs"] = (model(graph(base_nodes(), inits(), [X, value_info("x2", ["N", 3, 8, 8])], [Y])),
                         "2 graph inputs")
    nodes = base_nodes()[:3] + [node("Concat", ["r", "r"], ["r2"], "/cat/Concat", [a_int("axis", 1)])] + head("r2")
    bad["channel_concat"] = (model(graph(nodes, inits(), [X], [Y])), "channel concat")
    bad["int_input"] = (model(graph(base_nodes(), inits(), [value_info("x", ["N", 3, 8, 8], INT64)], [Y])),
                        "element type 7")
    bad["dynamic_channels"] = (model(graph(base_nodes(), inits(), [value_info("x", ["N", "C", 8, 8])], [Y])),
                               "needs a fixed shape")
    nodes = base_nodes() + [node("Relu", ["y"], ["dead"], "/dead/Relu")]
    bad["output_not_last"] = (model(graph(nodes, inits(), [X], [Y])), "not the last layer")
    nodes = [conv(out="y")]
    bad["not_classifier"] = (model(graph(nodes, inits(), [X], [value_info("y", ["N", 4, 8, 8])])),
                             "not a linear layer")
    nodes = base_nodes()
    nodes[0] = conv(pads=(1, 1, 100, 1))
    bad["pad_out_of_range"] = (model(graph(nodes, inits(), [X], [Y])), "pad 100 is out of range")
    nodes = base_nodes()
    nodes[0] = conv(pads=(1, 1, -1, 1))
    bad["negative_pad"] = (model(graph(nodes, inits(), [X], [Y])), "pad -1 is out of range")
    nodes = base_nodes()
    nodes[2] = node("Relu", ["n"], ["c"], "/relu/Relu")
    bad["duplicate_output"] = (model(graph(nodes, inits(), [X], [Y])), "already defined")
    nodes = base_nodes()
    nodes[0] = node("Conv", ["x", "w", "b"], ["c"], "/conv1/Conv", [a_float("group", 1.0)])
    bad["attr_wrong_type"] = (model(graph(nodes, inits(), [X], [Y])), "attribute group has type 1")
    bad["nul_in_name"] = (model(graph([node("Relu", ["x"], ["y"], "a\0b")], [], [X], [Y])),
                          "NUL byte")
    bad["sparse_initializer"] = (model(graph(base_nodes(), inits(), [X], [Y], f_bytes(15, b""))),
                                 "sparse initializers")
    nodes = base_nodes()[:3] + [node("MaxPool", ["r"], ["q"], "/pool/MaxPool",
                                     [a_ints("kernel_shape", [2, 2]), a_ints("strides", [2, 2])]),
                                node("Add", ["r", "q"], ["r2"], "/add/Add")] + head("r2")
    bad["add_broadcast"] = (model(graph(nodes, inits(), [X], [Y])), "broadcasting is not supported")
    nodes = [node("Constant", [], ["pp"], "/pad/Constant",
                  [a_tensor("value", tensor("", [8], [0, 1, 0, 0, 0, 0, 0, 0], INT64))]),
             node("Pad", ["x", "pp"], ["xp"], "/pad/Pad")] + base_nodes()
    nodes[2] = conv(ins=("xp", "w", "b"))
    bad["pad_channels"] = (model(graph(nodes, inits(), [X], [Y])), "padding the batch or channel axis")

    def pad_nodes(pads, mode=None, conv_pads=(0, 0, 1, 1)):
        attrs = [a_bytes_attr("mode", mode)] if mode else []
        nodes = [node("Constant", [], ["pp"], "/pad/Constant",
                      [a_tensor("value", tensor("", [8], list(pads), INT64))]),
                 node("Pad", ["x", "pp"], ["xp"], "/pad/Pad", attrs)] + base_nodes()
        nodes[2] = conv(ins=("xp", "w", "b"), pads=conv_pads)
        return nodes
    # nn.ZeroPad2d / TensorFlow SAME: the Pad's zeros go into the Conv's pads.
    good["pad_node"] = (model(graph(pad_nodes([0, 0, 1, 0, 0, 0, 0, 2]), inits(), [X], [Y])),
                        "145 params")
    bad["pad_reflect"] = (model(graph(pad_nodes([0, 0, 1, 1, 0, 0, 1, 1], "reflect"),
                                      inits(), [X], [Y])), "mode 'reflect' is not supported")
    bad["pad_crop"] = (model(graph(pad_nodes([0, 0, -1, 0, 0, 0, 0, 0]), inits(), [X], [Y])),
                       "negative pads")
    nodes = pad_nodes([0, 0, 1, 1, 0, 0, 1, 1])
    nodes[1] = node("Pad", ["r", "pp"], ["rp"], "/pad/Pad")
    nodes[-3] = node("GlobalAveragePool", ["rp"], ["p"], "/gap/GlobalAveragePool")
    nodes[2] = conv()
    bad["pad_before_pool"] = (model(graph(nodes, inits(), [X], [Y])),
                              "only supported right before a Conv")
    nodes = base_nodes()
    nodes[1] = node("BatchNormalization", ["c", "g", "be", "m", "v"], ["n"], "/bn1/BN",
                    [a_int("training_mode", 1)])
    bad["bn_training"] = (model(graph(nodes, inits(), [X], [Y])), "training_mode")
    return good, bad


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    good, bad = cases()
    with open(os.path.join(out, "cases.tsv"), "w") as tsv:
        for kind, table, code in (("good", good, 0), ("bad", bad, 1)):
            for name, (data, says) in table.items():
                fname = "%s_%s.onnx" % (kind, name)
                with open(os.path.join(out, fname), "wb") as f:
                    f.write(data)
                tsv.write("%s\t%d\t%s\n" % (fname, code, says))


if __name__ == "__main__":
    main()
