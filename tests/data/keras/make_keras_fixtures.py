#!/usr/bin/python3
"""Writes the small Keras .h5 fixtures of tests/unit/tst_keras_*.cpp and their expected outputs.

Run with Debian's /usr/bin/python3 (numpy + h5py; no TensorFlow/Keras needed):
    /usr/bin/python3 tests/data/keras/make_keras_fixtures.py

Each fixture <name>.h5 is a valid Keras-layout full-model file (root attributes keras_version, backend,
model_config; weights in model_weights/<layer> with layer_names/weight_names) in the Keras 2 layout
("<layer>/<kind>:0") or the Keras 3 legacy-h5 layout ("<model>/<layer>/<kind>", Keras 3 inbound_nodes).
<name>.in<i>.npy are the inputs and <name>.out<i>.npy the expected outputs, computed here with the
plain-loop numpy references below (deliberately simple, independent of the C++ lowering).
"""
import json
import os

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261126)


def rnd(*shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


# ---------------------------------------------------------------- numpy references (float64 loops)

def same_pad(size, k, s, d):
    eff = (k - 1) * d + 1
    out = -(-size // s)
    total = max((out - 1) * s + eff - size, 0)
    return out, total // 2


def conv2d(x, k, b, strides=(1, 1), padding="valid", dil=(1, 1), groups=1):
    """x [1,H,W,C], k [kh,kw,C/groups,F] (Keras layout)."""
    _, H, W, C = x.shape
    kh, kw, cg, F = k.shape
    if padding == "same":
        OH, pt = same_pad(H, kh, strides[0], dil[0])
        OW, pl = same_pad(W, kw, strides[1], dil[1])
    else:
        OH = (H - ((kh - 1) * dil[0] + 1)) // strides[0] + 1
        OW = (W - ((kw - 1) * dil[1] + 1)) // strides[1] + 1
        pt = pl = 0
    out = np.zeros((1, OH, OW, F))
    fpg = F // groups
    for oy in range(OH):
        for ox in range(OW):
            for f in range(F):
                g = f // fpg
                acc = 0.0 if b is None else float(b[f])
                for ky in range(kh):
                    for kx in range(kw):
                        iy = oy * strides[0] - pt + ky * dil[0]
                        ix = ox * strides[1] - pl + kx * dil[1]
                        if 0 <= iy < H and 0 <= ix < W:
                            for c in range(cg):
                                acc += float(x[0, iy, ix, g * cg + c]) * float(k[ky, kx, c, f])
                out[0, oy, ox, f] = acc
    return out


def depthwise(x, k, b, strides=(1, 1), padding="valid", dil=(1, 1)):
    """k [kh,kw,C,M]; output channel c*M+m."""
    _, H, W, C = x.shape
    kh, kw, _, M = k.shape
    full = np.zeros((kh, kw, C, C * M))
    for c in range(C):
        for m in range(M):
            full[:, :, c, c * M + m] = k[:, :, c, m]
    return conv2d(x, full, b, strides, padding, dil)


def conv_transpose(x, k, b, strides, padding):
    """k [kh,kw,F,C] (Keras Conv2DTranspose layout): scatter every input pixel."""
    _, H, W, C = x.shape
    kh, kw, F, _ = k.shape
    FH = (H - 1) * strides[0] + kh
    FW = (W - 1) * strides[1] + kw
    full = np.zeros((1, FH, FW, F))
    for iy in range(H):
        for ix in range(W):
            for ky in range(kh):
                for kx in range(kw):
                    for f in range(F):
                        for c in range(C):
                            full[0, iy * strides[0] + ky, ix * strides[1] + kx, f] += float(x[0, iy, ix, c]) * float(k[ky, kx, f, c])
    if padding == "same":
        OH, OW = H * strides[0], W * strides[1]
    else:
        OH, OW = H * strides[0] + max(kh - strides[0], 0), W * strides[1] + max(kw - strides[1], 0)
    top = max(FH - OH, 0) // 2
    left = max(FW - OW, 0) // 2
    out = full[:, top:top + OH, left:left + OW, :]
    return out + (0 if b is None else b.astype(np.float64))


def pool(x, size, strides, padding, kind):
    _, H, W, C = x.shape
    if padding == "same":
        OH, pt = same_pad(H, size[0], strides[0], 1)
        OW, pl = same_pad(W, size[1], strides[1], 1)
    else:
        OH, OW, pt, pl = (H - size[0]) // strides[0] + 1, (W - size[1]) // strides[1] + 1, 0, 0
    out = np.zeros((1, OH, OW, C))
    for oy in range(OH):
        for ox in range(OW):
            for c in range(C):
                vals = [float(x[0, y, xx, c]) for y in range(oy * strides[0] - pt, oy * strides[0] - pt + size[0])
                        for xx in range(ox * strides[1] - pl, ox * strides[1] - pl + size[1]) if 0 <= y < H and 0 <= xx < W]
                out[0, oy, ox, c] = max(vals) if kind == "max" else sum(vals) / len(vals)
    return out


def resize_bilinear_half_pixel(x, OH, OW):
    _, H, W, C = x.shape
    out = np.zeros((1, OH, OW, C))
    for oy in range(OH):
        for ox in range(OW):
            sy = max((oy + 0.5) * H / OH - 0.5, 0.0)
            sx = max((ox + 0.5) * W / OW - 0.5, 0.0)
            y0, x0 = int(np.floor(sy)), int(np.floor(sx))
            y1, x1 = min(y0 + 1, H - 1), min(x0 + 1, W - 1)
            dy, dx = sy - y0, sx - x0
            for c in range(C):
                top = x[0, y0, x0, c] * (1 - dx) + x[0, y0, x1, c] * dx
                bottom = x[0, y1, x0, c] * (1 - dx) + x[0, y1, x1, c] * dx
                out[0, oy, ox, c] = top * (1 - dy) + bottom * dy
    return out


def resize_bilinear_legacy(x, OH, OW):
    """TF 1.x resize_bilinear(align_corners=False, half_pixel_centers=False): src = dst * in / out."""
    _, H, W, C = x.shape
    out = np.zeros((1, OH, OW, C))
    for oy in range(OH):
        for ox in range(OW):
            sy, sx = oy * H / OH, ox * W / OW
            y0, x0 = int(np.floor(sy)), int(np.floor(sx))
            y1, x1 = min(y0 + 1, H - 1), min(x0 + 1, W - 1)
            dy, dx = sy - y0, sx - x0
            for c in range(C):
                top = x[0, y0, x0, c] * (1 - dx) + x[0, y0, x1, c] * dx
                bottom = x[0, y1, x0, c] * (1 - dx) + x[0, y1, x1, c] * dx
                out[0, oy, ox, c] = top * (1 - dy) + bottom * dy
    return out


def softmax(v):
    e = np.exp(v - v.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


ACTIVATIONS = {
    "linear": lambda v: v,
    "relu": lambda v: np.maximum(v, 0),
    "relu6": lambda v: np.clip(v, 0, 6),
    "sigmoid": sigmoid,
    "tanh": np.tanh,
    "softmax": softmax,
    "swish": lambda v: v * sigmoid(v),
    "elu": lambda v: np.where(v > 0, v, np.expm1(v)),
    "selu": lambda v: 1.0507009873554805 * np.where(v > 0, v, 1.6732632423543772 * np.expm1(v)),
    "hard_sigmoid": lambda v: np.clip(0.2 * v + 0.5, 0, 1),
    "hard_swish": lambda v: v * np.clip(v + 3, 0, 6) / 6,
    "gelu": lambda v: 0.5 * v * (1 + np.vectorize(__import__("math").erf)(v / np.sqrt(2))),
}


# ---------------------------------------------------------------- Keras file writers

def layer(class_name, name, inbound=None, **config):
    config["name"] = name
    entry = {"class_name": class_name, "config": config, "name": name}
    if inbound is not None:
        entry["inbound_nodes"] = inbound
    return entry


def node(*refs):
    """Keras 2 inbound node: refs are 'layer' or ('layer', node, tensor)."""
    out = []
    for r in refs:
        if isinstance(r, str):
            r = (r, 0, 0)
        out.append([r[0], r[1], r[2], {}])
    return [out]


def input_layer(name, shape):
    return layer("InputLayer", name, [], batch_input_shape=[None] + list(shape), dtype="float32")


def functional(name, layers, inputs, outputs):
    return {"class_name": "Functional", "config": {"name": name, "layers": layers,
                                                   "input_layers": [[i, 0, 0] for i in inputs],
                                                   "output_layers": [[o, 0, 0] if isinstance(o, str) else list(o) for o in outputs]}}


def sequential(name, layers):
    return {"class_name": "Sequential", "config": {"name": name, "layers": layers}}


def write_h5(name, model, weights, keras_version="2.4.0", keras3=False, weights_only=False, order=None):
    """weights: {top_level_layer: [(weight_name_in_group, array), ...]} in layer order."""
    path = os.path.join(HERE, name + ".h5")
    with h5py.File(path, "w") as f:
        root = f
        # Keras 2 writes these attributes as UTF-8 bytes (fixed-length HDF5 strings), Keras 3 as str
        # (variable-length strings), as h5py maps them.
        text = (lambda v: v) if keras3 else (lambda v: np.bytes_(v.encode("utf8")))
        f.attrs["keras_version"] = text(keras_version)
        f.attrs["backend"] = text("tensorflow")
        if not weights_only:
            f.attrs["model_config"] = text(json.dumps(model))
            root = f.create_group("model_weights")
        names = order if order is not None else list(weights.keys())
        string_type = h5py.string_dtype() if keras3 else None
        if keras3:
            root.attrs.create("layer_names", names, dtype=string_type)
        else:
            root.attrs["layer_names"] = np.array([n.encode() for n in names])
        root.attrs["backend"] = text("tensorflow")
        root.attrs["keras_version"] = text(keras_version)
        for layer_name in names:
            g = root.create_group(layer_name)
            entries = weights.get(layer_name, [])
            if keras3:
                g.attrs.create("weight_names", [w for w, _ in entries], dtype=string_type)
            else:
                g.attrs["weight_names"] = np.array([w.encode() for w, _ in entries], dtype="S" + str(max([len(w) for w, _ in entries] + [1])))
            for w, a in entries:
                g.create_dataset(w, data=a)
        if keras3 and not weights_only:
            f.create_group("model_weights/top_level_model_weights")
    return path


def save_io(name, inputs, outputs):
    for i, a in enumerate(inputs):
        np.save(os.path.join(HERE, f"{name}.in{i}.npy"), np.asarray(a, dtype=np.float32))
    for i, a in enumerate(outputs):
        np.save(os.path.join(HERE, f"{name}.out{i}.npy"), np.asarray(a, dtype=np.float32))


def k2(layer_name, *pairs):
    return [(f"{layer_name}/{kind}:0", arr) for kind, arr in pairs]


def single_layer(name, class_name, in_shape, config, weights, expected_fn, keras_version="2.4.0", input_scale=1.0):
    """A Functional model input -> one layer; expected = expected_fn(x)."""
    x = rnd(1, *in_shape, scale=input_scale)
    model = functional("model", [input_layer("input_1", in_shape), layer(class_name, "layer", node("input_1"), **config)],
                       ["input_1"], ["layer"])
    w = {"input_1": [], "layer": k2("layer", *weights)}
    write_h5(name, model, w, keras_version)
    save_io(name, [x], [expected_fn(x.astype(np.float64))])


# ---------------------------------------------------------------- fixtures

def main():
    # Convolutions.
    k = rnd(3, 3, 4, 6, scale=0.5); b = rnd(6)
    single_layer("conv2d_same_stride2_relu", "Conv2D", (7, 6, 4),
                 dict(filters=6, kernel_size=[3, 3], strides=[2, 2], padding="same", dilation_rate=[1, 1], activation="relu",
                      use_bias=True, data_format="channels_last", groups=1),
                 [("kernel", k), ("bias", b)], lambda x: np.maximum(conv2d(x, k, b, (2, 2), "same"), 0))
    k2_ = rnd(3, 2, 4, 5, scale=0.5)
    single_layer("conv2d_valid_dilated_nobias_tanh", "Conv2D", (8, 7, 4),
                 dict(filters=5, kernel_size=[3, 2], strides=[1, 1], padding="valid", dilation_rate=[2, 2], activation="tanh",
                      use_bias=False, data_format="channels_last"),
                 [("kernel", k2_)], lambda x: np.tanh(conv2d(x, k2_, None, (1, 1), "valid", (2, 2))))
    kg = rnd(3, 3, 2, 6, scale=0.5); bg = rnd(6)
    single_layer("conv2d_groups", "Conv2D", (5, 5, 4),
                 dict(filters=6, kernel_size=[3, 3], strides=[1, 1], padding="same", activation="linear", use_bias=True, groups=2),
                 [("kernel", kg), ("bias", bg)], lambda x: conv2d(x, kg, bg, (1, 1), "same", groups=2))
    kd = rnd(3, 3, 3, 2, scale=0.5); bd = rnd(6)
    single_layer("depthwise_multiplier2_relu6", "DepthwiseConv2D", (6, 6, 3),
                 dict(kernel_size=[3, 3], strides=[2, 2], padding="same", depth_multiplier=2, activation="relu6", use_bias=True),
                 [("depthwise_kernel", kd), ("bias", bd)], lambda x: np.clip(depthwise(x, kd, bd, (2, 2), "same"), 0, 6))
    sdk = rnd(3, 3, 3, 1, scale=0.5); spk = rnd(1, 1, 3, 4, scale=0.5); sb = rnd(4)
    single_layer("separable_conv2d", "SeparableConv2D", (6, 5, 3),
                 dict(filters=4, kernel_size=[3, 3], strides=[1, 1], padding="valid", depth_multiplier=1, activation="sigmoid", use_bias=True),
                 [("depthwise_kernel", sdk), ("pointwise_kernel", spk), ("bias", sb)],
                 lambda x: sigmoid(conv2d(depthwise(x, sdk, None), spk, sb)))
    tk = rnd(3, 3, 4, 3, scale=0.5); tb = rnd(4)
    single_layer("conv2d_transpose_same", "Conv2DTranspose", (3, 4, 3),
                 dict(filters=4, kernel_size=[3, 3], strides=[2, 2], padding="same", activation="linear", use_bias=True, output_padding=None),
                 [("kernel", tk), ("bias", tb)], lambda x: conv_transpose(x, tk, tb, (2, 2), "same"))
    single_layer("conv2d_transpose_valid_relu", "Conv2DTranspose", (3, 3, 3),
                 dict(filters=4, kernel_size=[3, 3], strides=[2, 2], padding="valid", activation="relu", use_bias=True),
                 [("kernel", tk), ("bias", tb)], lambda x: np.maximum(conv_transpose(x, tk, tb, (2, 2), "valid"), 0))
    # Dense (2-D and N-D input).
    dk = rnd(5, 3); db = rnd(3)
    single_layer("dense_softmax", "Dense", (5,), dict(units=3, activation="softmax", use_bias=True),
                 [("kernel", dk), ("bias", db)], lambda x: softmax(x @ dk + db))
    single_layer("dense_nd", "Dense", (2, 4, 5), dict(units=3, activation="relu", use_bias=True),
                 [("kernel", dk), ("bias", db)], lambda x: np.maximum(x @ dk + db, 0))
    # BatchNormalization (full, and center=False).
    g, be, mu, var = rnd(4), rnd(4), rnd(4), np.abs(rnd(4)) + 0.1
    single_layer("batch_norm", "BatchNormalization", (3, 3, 4), dict(axis=[3], epsilon=0.001, center=True, scale=True),
                 [("gamma", g), ("beta", be), ("moving_mean", mu), ("moving_variance", var)],
                 lambda x: (x - mu) / np.sqrt(var.astype(np.float64) + 0.001) * g + be)
    single_layer("batch_norm_no_center", "BatchNormalization", (3, 3, 4), dict(axis=-1, epsilon=0.01, center=False, scale=True),
                 [("gamma", g), ("moving_mean", mu), ("moving_variance", var)],
                 lambda x: (x - mu) / np.sqrt(var.astype(np.float64) + 0.01) * g)
    # Activations.
    for act in ["relu", "relu6", "sigmoid", "tanh", "softmax", "swish", "elu", "selu", "hard_sigmoid", "hard_swish", "gelu"]:
        single_layer("activation_" + act, "Activation", (2, 3, 4), dict(activation=act), [],
                     lambda x, a=act: ACTIVATIONS[a](x), input_scale=3.0)
    single_layer("relu_max_slope", "ReLU", (2, 3, 4), dict(max_value=1.5, negative_slope=0.1, threshold=0.0), [],
                 lambda x: np.minimum(np.where(x >= 0, x, 0.1 * x), 1.5))
    single_layer("relu6_layer", "ReLU", (2, 3, 4), dict(max_value=6.0, negative_slope=0.0, threshold=0.0), [],
                 lambda x: np.clip(x, 0, 6), input_scale=4.0)
    single_layer("leaky_relu", "LeakyReLU", (2, 3, 4), dict(alpha=0.2), [], lambda x: np.where(x > 0, x, 0.2 * x))
    pa = rnd(1, 1, 4)
    single_layer("prelu_shared", "PReLU", (2, 3, 4), dict(shared_axes=[1, 2]), [("alpha", pa)],
                 lambda x: np.where(x > 0, x, pa * x))
    single_layer("softmax_layer", "Softmax", (2, 5), dict(axis=-1), [], softmax)
    # Layout.
    single_layer("zero_padding", "ZeroPadding2D", (3, 4, 2), dict(padding=[[1, 2], [0, 1]]), [],
                 lambda x: np.pad(x, [(0, 0), (1, 2), (0, 1), (0, 0)]))
    single_layer("cropping", "Cropping2D", (6, 5, 2), dict(cropping=[[1, 2], [2, 0]]), [], lambda x: x[:, 1:4, 2:5, :])
    single_layer("max_pool_same", "MaxPooling2D", (5, 5, 3), dict(pool_size=[3, 3], strides=[2, 2], padding="same"), [],
                 lambda x: pool(x, (3, 3), (2, 2), "same", "max"))
    single_layer("avg_pool_same", "AveragePooling2D", (5, 4, 3), dict(pool_size=[2, 2], strides=[2, 2], padding="same"), [],
                 lambda x: pool(x, (2, 2), (2, 2), "same", "avg"))
    single_layer("global_avg_pool", "GlobalAveragePooling2D", (3, 4, 5), dict(), [], lambda x: x.mean(axis=(1, 2)))
    single_layer("global_max_pool_keepdims", "GlobalMaxPooling2D", (3, 4, 5), dict(keepdims=True), [],
                 lambda x: x.max(axis=(1, 2), keepdims=True))
    single_layer("global_max_pool", "GlobalMaxPooling2D", (3, 4, 5), dict(), [], lambda x: x.max(axis=(1, 2)))
    single_layer("flatten", "Flatten", (2, 3, 4), dict(data_format="channels_last"), [], lambda x: x.reshape(1, -1))
    single_layer("reshape", "Reshape", (2, 3, 4), dict(target_shape=[4, -1]), [], lambda x: x.reshape(1, 4, 6))
    single_layer("permute", "Permute", (2, 3, 4), dict(dims=[3, 1, 2]), [], lambda x: x.transpose(0, 3, 1, 2))
    single_layer("dropout", "Dropout", (2, 3), dict(rate=0.5), [], lambda x: x)
    single_layer("upsampling_nearest", "UpSampling2D", (2, 3, 2), dict(size=[2, 3], interpolation="nearest"), [],
                 lambda x: x.repeat(2, axis=1).repeat(3, axis=2))
    single_layer("upsampling_bilinear", "UpSampling2D", (3, 3, 2), dict(size=[2, 2], interpolation="bilinear"), [],
                 lambda x: resize_bilinear_half_pixel(x, 6, 6))
    single_layer("upsampling_bilinear_keras224", "UpSampling2D", (3, 3, 2), dict(size=[2, 2], interpolation="bilinear"), [],
                 lambda x: resize_bilinear_legacy(x, 6, 6), keras_version="2.2.4")
    single_layer("rescaling", "Rescaling", (2, 2, 3), dict(scale=1.0 / 127.5, offset=-1.0), [], lambda x: x * np.float32(1.0 / 127.5) - 1.0)
    nm, nv = rnd(3), np.abs(rnd(3)) + 0.5
    single_layer("normalization", "Normalization", (2, 2, 3), dict(axis=[-1]), [("mean", nm), ("variance", nv), ("count", np.array(10, dtype=np.int64))],
                 lambda x: (x - nm) / np.sqrt(nv.astype(np.float64)))

    # Merges on two inputs.
    for cls, fn in [("Add", lambda a, b_: a + b_), ("Subtract", lambda a, b_: a - b_), ("Multiply", lambda a, b_: a * b_),
                    ("Average", lambda a, b_: (a + b_) / 2), ("Maximum", np.maximum), ("Minimum", np.minimum),
                    ("Concatenate", lambda a, b_: np.concatenate([a, b_], axis=-1))]:
        a, c = rnd(1, 2, 3, 4), rnd(1, 2, 3, 4)
        extra = dict(axis=-1) if cls == "Concatenate" else {}
        model = functional("model", [input_layer("in_a", (2, 3, 4)), input_layer("in_b", (2, 3, 4)),
                                     layer(cls, "merge", node("in_a", "in_b"), **extra)], ["in_a", "in_b"], ["merge"])
        write_h5("merge_" + cls.lower(), model, {"in_a": [], "in_b": [], "merge": []})
        save_io("merge_" + cls.lower(), [a, c], [fn(a.astype(np.float64), c.astype(np.float64))])

    # Shared layer (one Dense on two inputs) + multiple outputs.
    sk, sb2 = rnd(4, 2), rnd(2)
    a, c = rnd(1, 4), rnd(1, 4)
    model = functional("shared", [input_layer("left", (4,)), input_layer("right", (4,)),
                                  {"class_name": "Dense", "name": "shared_dense",
                                   "config": {"name": "shared_dense", "units": 2, "activation": "linear", "use_bias": True},
                                   "inbound_nodes": [[["left", 0, 0, {}]], [["right", 0, 0, {}]]]},
                                  {"class_name": "Add", "name": "sum", "config": {"name": "sum"},
                                   "inbound_nodes": [[["shared_dense", 0, 0, {}], ["shared_dense", 1, 0, {}]]]}],
                       ["left", "right"], [["sum", 0, 0], ["shared_dense", 1, 0]])
    write_h5("shared_layer_multi_output", model, {"left": [], "right": [], "shared_dense": k2("shared_dense", ("kernel", sk), ("bias", sb2)), "sum": []})
    la, ra = a.astype(np.float64) @ sk + sb2, c.astype(np.float64) @ sk + sb2
    save_io("shared_layer_multi_output", [a, c], [la + ra, ra])

    # Nested models, Teachable Machine style: Sequential[ Sequential[ Functional(conv, bn, relu6, gap) ], Sequential[dense, dense softmax] ].
    ck, g2, b2, m2, v2 = rnd(3, 3, 3, 4, scale=0.5), rnd(4), rnd(4), rnd(4), np.abs(rnd(4)) + 0.2
    d1k, d1b, d2k = rnd(4, 5), rnd(5), rnd(5, 2)
    inner = functional("model2", [input_layer("input_1", (5, 5, 3)),
                                  layer("Conv2D", "Conv1", node("input_1"), filters=4, kernel_size=[3, 3], strides=[2, 2], padding="valid",
                                        activation="linear", use_bias=False),
                                  layer("BatchNormalization", "bn_Conv1", node("Conv1"), axis=[3], epsilon=0.001),
                                  layer("ReLU", "Conv1_relu", node("bn_Conv1"), max_value=6.0, negative_slope=0.0, threshold=0.0),
                                  layer("GlobalAveragePooling2D", "gap", node("Conv1_relu"))], ["input_1"], ["gap"])
    base = sequential("sequential_1", [{"class_name": "InputLayer", "config": {"batch_input_shape": [None, 5, 5, 3], "name": "model2_input"}}, inner])
    head = sequential("sequential_3", [{"class_name": "Dense", "config": {"name": "dense_Dense1", "units": 5, "activation": "relu", "use_bias": True,
                                                                      "batch_input_shape": [None, 4]}},
                                       {"class_name": "Dense", "config": {"name": "dense_Dense2", "units": 2, "activation": "softmax", "use_bias": False}}])
    outer = sequential("sequential_4", [{"class_name": "InputLayer", "config": {"batch_input_shape": [None, 5, 5, 3], "name": "sequential_1_input"}}, base, head])
    # Keras 2 stores a nested model's weights in its group, trainable first, then non-trainable.
    write_h5("nested_teachable_machine", outer, {
        "sequential_1": [("Conv1/kernel:0", ck), ("bn_Conv1/gamma:0", g2), ("bn_Conv1/beta:0", b2),
                         ("bn_Conv1/moving_mean:0", m2), ("bn_Conv1/moving_variance:0", v2)],
        "sequential_3": [("dense_Dense1/kernel:0", d1k), ("dense_Dense1/bias:0", d1b), ("dense_Dense2/kernel:0", d2k)]})
    x = rnd(1, 5, 5, 3)
    y = conv2d(x.astype(np.float64), ck, None, (2, 2), "valid")
    y = np.clip((y - m2) / np.sqrt(v2.astype(np.float64) + 0.001) * g2 + b2, 0, 6).mean(axis=(1, 2))
    y = softmax(np.maximum(y @ d1k + d1b, 0) @ d2k)
    save_io("nested_teachable_machine", [x], [y])

    # Keras 3 legacy h5: Sequential with InputLayer(batch_shape), dict inbound form for a Functional, weights without ":0".
    k3k, k3b, k3dk, k3db = rnd(3, 3, 1, 2, scale=0.5), rnd(2), rnd(2, 3), rnd(3)
    dtype_policy = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}

    def k3tensor(layer_name, shape):
        return {"class_name": "__keras_tensor__", "config": {"shape": shape, "dtype": "float32", "keras_history": [layer_name, 0, 0]}}

    k3model = {"module": "keras", "class_name": "Functional", "registered_name": "Functional", "config": {
        "name": "k3_model", "trainable": True,
        "layers": [
            {"module": "keras.layers", "class_name": "InputLayer", "registered_name": None, "name": "input_layer",
             "config": {"batch_shape": [None, 5, 5, 1], "dtype": "float32", "sparse": False, "name": "input_layer"}, "inbound_nodes": []},
            {"module": "keras.layers", "class_name": "Conv2D", "registered_name": None, "name": "conv",
             "config": {"name": "conv", "dtype": dtype_policy, "filters": 2, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid",
                        "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1, "activation": "relu", "use_bias": True},
             "build_config": {"input_shape": [None, 5, 5, 1]},
             "inbound_nodes": [{"args": [k3tensor("input_layer", [None, 5, 5, 1])], "kwargs": {}}]},
            {"module": "keras.layers", "class_name": "GlobalAveragePooling2D", "registered_name": None, "name": "gap",
             "config": {"name": "gap", "data_format": "channels_last", "keepdims": False},
             "inbound_nodes": [{"args": [k3tensor("conv", [None, 3, 3, 2])], "kwargs": {}}]},
            {"module": "keras.layers", "class_name": "Dense", "registered_name": None, "name": "dense",
             "config": {"name": "dense", "units": 3, "activation": "hard_sigmoid", "use_bias": True},
             "inbound_nodes": [{"args": [k3tensor("gap", [None, 2])], "kwargs": {}}]}],
        "input_layers": ["input_layer", 0, 0], "output_layers": ["dense", 0, 0]}}
    write_h5("keras3_functional", k3model, {"input_layer": [], "conv": [("k3_model/conv/kernel", k3k), ("k3_model/conv/bias", k3b)],
                                            "gap": [], "dense": [("k3_model/dense/kernel", k3dk), ("k3_model/dense/bias", k3db)]},
             keras_version="3.12.1", keras3=True)
    x = rnd(1, 5, 5, 1)
    y = np.maximum(conv2d(x.astype(np.float64), k3k, k3b), 0).mean(axis=(1, 2)) @ k3dk + k3db
    save_io("keras3_functional", [x], [np.clip(y + 3, 0, 6) / 6])

    # Keras 3 names a DepthwiseConv2D's kernel "kernel" (Keras 2: "depthwise_kernel"); old list-form inbound nodes
    # are still accepted next to the Keras 3 layout.
    k3dw, k3dwb = rnd(3, 3, 2, 1, scale=0.5), rnd(2)
    k3dwmodel = functional("k3_dw", [input_layer("input_layer", (4, 4, 2)),
                                     layer("DepthwiseConv2D", "dw", node("input_layer"), kernel_size=[3, 3], strides=[1, 1], padding="same",
                                           depth_multiplier=1, activation="linear", use_bias=True)], ["input_layer"], ["dw"])
    write_h5("keras3_depthwise", k3dwmodel, {"input_layer": [], "dw": [("k3_dw/dw/kernel", k3dw), ("k3_dw/dw/bias", k3dwb)]},
             keras_version="3.14.0", keras3=True)
    x = rnd(1, 4, 4, 2)
    save_io("keras3_depthwise", [x], [depthwise(x.astype(np.float64), k3dw, k3dwb, (1, 1), "same")])

    # JSON architecture + weights-only file (model.to_json() + save_weights()).
    jk, jb = rnd(3, 2), rnd(2)
    jmodel = sequential("json_model", [{"class_name": "Dense", "config": {"name": "dense_1", "units": 2, "activation": "tanh",
                                                                        "use_bias": True, "batch_input_shape": [None, 3]}}])
    jmodel.update({"keras_version": "2.2.4", "backend": "tensorflow"})
    with open(os.path.join(HERE, "json_pair.json"), "w") as f:
        json.dump(jmodel, f)
    write_h5("json_pair_weights", None, {"dense_1": k2("dense_1", ("kernel", jk), ("bias", jb))}, keras_version="2.2.4", weights_only=True)
    x = rnd(1, 3)
    save_io("json_pair", [x], [np.tanh(x.astype(np.float64) @ jk + jb)])

    # Negative fixtures (tests assert the messages).
    def tiny(name, extra_layer, weights=None, **kw):
        model = functional("model", [input_layer("input_1", (4, 4, 2)), extra_layer], ["input_1"], [extra_layer["name"]])
        write_h5(name, model, weights if weights is not None else {"input_1": [], extra_layer["name"]: []}, **kw)

    tiny("error_lambda", layer("Lambda", "my_lambda", node("input_1"), function="lambda x: x * 2"))
    tiny("error_unknown_class", layer("FancyAttention", "attention_1", node("input_1")))
    custom = layer("Conv2D", "custom_conv", node("input_1"), filters=1, kernel_size=[1, 1])
    custom.update({"module": "my_package.layers", "registered_name": "MyPackage>CustomConv"})
    tiny("error_custom_object", custom)
    tiny("error_missing_weights", layer("Dense", "dense_head", node("input_1"), units=3),
         weights={"input_1": [], "dense_head": k2("dense_head", ("bias", rnd(3)))})
    tiny("error_shape_mismatch", layer("Conv2D", "conv_bad", node("input_1"), filters=3, kernel_size=[3, 3], padding="same"),
         weights={"input_1": [], "conv_bad": k2("conv_bad", ("kernel", rnd(3, 3, 5, 3)), ("bias", rnd(3)))})
    tiny("error_channels_first", layer("Conv2D", "conv_cf", node("input_1"), filters=1, kernel_size=[1, 1], data_format="channels_first"),
         weights={"input_1": [], "conv_cf": k2("conv_cf", ("kernel", rnd(1, 1, 2, 1)), ("bias", rnd(1)))})
    write_h5("error_weights_only", None, {"dense_1": k2("dense_1", ("kernel", rnd(3, 2)), ("bias", rnd(2)))}, weights_only=True)
    # Appended last so that the random inputs of the fixtures above stay as committed.
    # tf.keras: TF 2.2-2.3 ("2.3.0-tf") already resized with half-pixel centers, TF 1.x
    # ("2.2.4-tf") did not (tensorflow/tensorflow#33691).
    single_layer("upsampling_bilinear_tf230", "UpSampling2D", (3, 3, 2), dict(size=[2, 2], interpolation="bilinear"), [],
                 lambda x: resize_bilinear_half_pixel(x, 6, 6), keras_version="2.3.0-tf")
    single_layer("upsampling_bilinear_tf224", "UpSampling2D", (3, 3, 2), dict(size=[2, 2], interpolation="bilinear"), [],
                 lambda x: resize_bilinear_legacy(x, 6, 6), keras_version="2.2.4-tf")


if __name__ == "__main__":
    main()
