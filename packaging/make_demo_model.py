#!/usr/bin/python3
"""Trains and exports Rangefinder's bundled demo model (resources/demo/).

A small CNN is trained on Fashion-MNIST with plain numpy (forward and backward
passes written by hand, Adam, fixed seed) and written out three ways:

  fashion_cnn.h5      Keras HDF5 full model, laid out exactly like
                      `model.save("x.h5")` in tf.keras 2.8 (Sequential).
  fashion_cnn.tflite  The same network as a float32 TFLite flatbuffer, built with
                      the `flatbuffers` runtime from code that flatc generates
                      from core/io/tflite_schema.fbs at run time. BatchNormalization
                      is folded into the depthwise convolution and the ReLUs are
                      fused, as the TFLite converter does.
  images/, inputs/    Fashion-MNIST test images as PNGs in class folders and as
                      float32 [1,28,28,1] .npy inputs (pixel / 255).

Only Debian packages are needed (no network, no pip):
  python3-numpy python3-h5py python3-flatbuffers flatbuffers-compiler
  dataset-fashion-mnist
Run with Debian's interpreter from the repository root:
  /usr/bin/python3 packaging/make_demo_model.py [--oracle /tmp/oracle/tflite_oracle.js]
With --oracle, the exported .tflite is also run in the real TFLite runtime and
compared with this script's numpy forward pass.
"""

import os

# One BLAS thread: the training then is the same on every run of the same
# machine, and the time budget is stated for one core.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse
import gzip
import importlib
import json
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import types
import zlib

import numpy as np

DATASET_DIR = "/usr/share/datasets/fashion-mnist"
SEED = 20261125
KERAS_VERSION = "2.8.0"

# Fashion-MNIST class names (index order of the dataset), spelled so that each
# one is also a valid folder name: the image pipeline reads class sub-folders
# as labels, so labels.txt and the folder names must be the same strings.
# Original names: T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt,
# Sneaker, Bag, Ankle boot.
CLASS_NAMES = [
    "t-shirt_top", "trouser", "pullover", "dress", "coat",
    "sandal", "shirt", "sneaker", "bag", "ankle_boot",
]

# Keras defaults that the saved configs and the training share.
BN_EPSILON = 1e-3
BN_MOMENTUM = 0.99
ADAM = {"learning_rate": 1e-3, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------

def read_idx(path):
    """Reads one gzip-compressed IDX file (the MNIST container format)."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    (magic,) = struct.unpack(">I", data[:4])
    if magic >> 8 != 0x08:  # 0x08 = unsigned byte elements
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_fashion_mnist():
    def images(name):
        return read_idx(f"{DATASET_DIR}/{name}-images-idx3-ubyte.gz")

    def labels(name):
        return read_idx(f"{DATASET_DIR}/{name}-labels-idx1-ubyte.gz").astype(np.int64)

    return images("train"), labels("train"), images("t10k"), labels("t10k")


def to_input(pixels):
    """uint8 [N,28,28] -> float32 NHWC [N,28,28,1] in [0,1] (the model's input)."""
    return (pixels.astype(np.float32) / np.float32(255.0))[..., None]


# --------------------------------------------------------------------------
# The network, in numpy (NHWC, Keras weight layouts)
#
#   conv2d            Conv2D 3x3 x8, same, ReLU        28x28x1 -> 28x28x8
#   max_pooling2d     MaxPooling2D 2x2                         -> 14x14x8
#   depthwise_conv2d  DepthwiseConv2D 3x3, same, no bias       -> 14x14x8
#   batch_normalization
#   re_lu             ReLU
#   conv2d_1          Conv2D 1x1 x16, ReLU                     -> 14x14x16
#   max_pooling2d_1   MaxPooling2D 2x2                         -> 7x7x16
#   flatten           Flatten                                  -> 784
#   dense             Dense 10, softmax                        -> 10
# --------------------------------------------------------------------------

def glorot_uniform(rng, shape, fan_in, fan_out):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape).astype(np.float32)


def init_params(rng):
    """Keras' default initialisers (GlorotUniform kernels, zero biases)."""
    return {
        "conv2d/kernel": glorot_uniform(rng, (3, 3, 1, 8), 9 * 1, 9 * 8),
        "conv2d/bias": np.zeros(8, np.float32),
        # Keras computes the depthwise fans from the (3,3,in,multiplier) shape.
        "depthwise_conv2d/depthwise_kernel": glorot_uniform(rng, (3, 3, 8, 1), 9 * 8, 9 * 1),
        "batch_normalization/gamma": np.ones(8, np.float32),
        "batch_normalization/beta": np.zeros(8, np.float32),
        "conv2d_1/kernel": glorot_uniform(rng, (1, 1, 8, 16), 8, 16),
        "conv2d_1/bias": np.zeros(16, np.float32),
        "dense/kernel": glorot_uniform(rng, (784, 10), 784, 10),
        "dense/bias": np.zeros(10, np.float32),
    }


def init_bn_state():
    return {
        "batch_normalization/moving_mean": np.zeros(8, np.float32),
        "batch_normalization/moving_variance": np.ones(8, np.float32),
    }


def conv3x3_single_channel_patches(x):
    """[B,28,28,1] -> [B*28*28, 9] 'same'-padded 3x3 patches (tap order kh,kw)."""
    b, h, w, _ = x.shape
    padded = np.pad(x[..., 0], ((0, 0), (1, 1), (1, 1)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(1, 2))
    return windows.reshape(b * h * w, 9)


def depthwise3x3_same(x, kernel):
    """x [B,H,W,C], kernel [3,3,C] -> [B,H,W,C] ('same' padding, stride 1)."""
    _, h, w, _ = x.shape
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    out = np.zeros_like(x)
    for i in range(3):
        for j in range(3):
            out += padded[:, i:i + h, j:j + w, :] * kernel[i, j]
    return out, padded


def maxpool2x2(x):
    """2x2/2 max pooling; also returns which of the 4 window taps won (the first
    one on ties, as TFLite's and Keras' kernels pick), for the backward pass."""
    taps = [x[:, i::2, j::2, :] for i in (0, 1) for j in (0, 1)]
    pooled = taps[0].copy()
    winner = np.zeros(pooled.shape, np.uint8)
    for k in (1, 2, 3):
        better = taps[k] > pooled
        pooled[better] = taps[k][better]
        winner[better] = k
    return pooled, winner


def maxpool2x2_backward(grad, winner, shape):
    routed = np.zeros(shape, grad.dtype)
    for k, (i, j) in enumerate(((0, 0), (0, 1), (1, 0), (1, 1))):
        routed[:, i::2, j::2, :] = np.where(winner == k, grad, 0)
    return routed


def softmax(logits):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def forward_inference(params, bn, x):
    """Keras inference semantics (BatchNormalization with moving statistics)."""
    b = x.shape[0]
    k1 = params["conv2d/kernel"].reshape(9, 8)
    a1 = np.maximum(conv3x3_single_channel_patches(x) @ k1 + params["conv2d/bias"], 0)
    p1, _ = maxpool2x2(a1.reshape(b, 28, 28, 8))
    d, _ = depthwise3x3_same(p1, params["depthwise_conv2d/depthwise_kernel"][..., 0])
    inv_std = 1.0 / np.sqrt(bn["batch_normalization/moving_variance"] + np.float32(BN_EPSILON))
    bnorm = ((d - bn["batch_normalization/moving_mean"]) * inv_std.astype(np.float32)
             * params["batch_normalization/gamma"] + params["batch_normalization/beta"])
    r = np.maximum(bnorm, 0)
    c2 = np.maximum(r.reshape(-1, 8) @ params["conv2d_1/kernel"].reshape(8, 16)
                    + params["conv2d_1/bias"], 0)
    p2, _ = maxpool2x2(c2.reshape(b, 14, 14, 16))
    logits = p2.reshape(b, 784) @ params["dense/kernel"] + params["dense/bias"]
    return softmax(logits)


def train_step(params, bn, x, y):
    """One forward/backward pass in training mode; returns (loss, grads)."""
    b = x.shape[0]
    # Forward.
    patches = conv3x3_single_channel_patches(x)                       # [B*784, 9]
    z1 = patches @ params["conv2d/kernel"].reshape(9, 8) + params["conv2d/bias"]
    a1 = np.maximum(z1, 0).reshape(b, 28, 28, 8)
    p1, win1 = maxpool2x2(a1)                                          # [B,14,14,8]
    dw_kernel = params["depthwise_conv2d/depthwise_kernel"][..., 0]    # [3,3,8]
    d, d_in_padded = depthwise3x3_same(p1, dw_kernel)
    mean = d.mean(axis=(0, 1, 2))
    var = d.var(axis=(0, 1, 2))
    inv_std = (1.0 / np.sqrt(var + BN_EPSILON)).astype(d.dtype)
    xhat = (d - mean) * inv_std
    bnorm = xhat * params["batch_normalization/gamma"] + params["batch_normalization/beta"]
    r = np.maximum(bnorm, 0)
    r_flat = r.reshape(-1, 8)
    z2 = r_flat @ params["conv2d_1/kernel"].reshape(8, 16) + params["conv2d_1/bias"]
    a2 = np.maximum(z2, 0).reshape(b, 14, 14, 16)
    p2, win2 = maxpool2x2(a2)                                          # [B,7,7,16]
    flat = p2.reshape(b, 784)
    probs = softmax(flat @ params["dense/kernel"] + params["dense/bias"])
    loss = -np.mean(np.log(probs[np.arange(b), y] + 1e-12))

    # Moving statistics as Keras keeps them (unbiased variance, momentum 0.99).
    n = d.shape[0] * d.shape[1] * d.shape[2]
    for key, batch_value in (("moving_mean", mean), ("moving_variance", var * n / (n - 1))):
        stat = bn["batch_normalization/" + key]
        stat *= BN_MOMENTUM
        stat += (1 - BN_MOMENTUM) * batch_value.astype(np.float32)

    # Backward.
    g = {}
    dlogits = probs.copy()
    dlogits[np.arange(b), y] -= 1
    dlogits /= b
    g["dense/kernel"] = flat.T @ dlogits
    g["dense/bias"] = dlogits.sum(axis=0)
    dflat = dlogits @ params["dense/kernel"].T
    da2 = maxpool2x2_backward(dflat.reshape(b, 7, 7, 16), win2, a2.shape)
    dz2 = (da2 * (a2 > 0)).reshape(-1, 16)
    g["conv2d_1/kernel"] = (r_flat.T @ dz2).reshape(1, 1, 8, 16)
    g["conv2d_1/bias"] = dz2.sum(axis=0)
    dr = (dz2 @ params["conv2d_1/kernel"].reshape(8, 16).T).reshape(r.shape)
    dbn = dr * (bnorm > 0)
    g["batch_normalization/gamma"] = (dbn * xhat).sum(axis=(0, 1, 2))
    g["batch_normalization/beta"] = dbn.sum(axis=(0, 1, 2))
    dxhat = dbn * params["batch_normalization/gamma"]
    dd = (inv_std / n) * (n * dxhat - dxhat.sum(axis=(0, 1, 2))
                          - xhat * (dxhat * xhat).sum(axis=(0, 1, 2)))
    dk = np.zeros((3, 3, 8), d.dtype)
    dp1_padded = np.zeros_like(d_in_padded)
    for i in range(3):
        for j in range(3):
            dk[i, j] = (d_in_padded[:, i:i + 14, j:j + 14, :] * dd).sum(axis=(0, 1, 2))
            dp1_padded[:, i:i + 14, j:j + 14, :] += dd * dw_kernel[i, j]
    g["depthwise_conv2d/depthwise_kernel"] = dk[..., None]
    dp1 = dp1_padded[:, 1:15, 1:15, :]
    da1 = maxpool2x2_backward(dp1, win1, a1.shape)
    dz1 = (da1 * (a1 > 0)).reshape(-1, 8)
    g["conv2d/kernel"] = (patches.T @ dz1).reshape(3, 3, 1, 8)
    g["conv2d/bias"] = dz1.sum(axis=0)
    return loss, g


class Adam:
    """Keras 2.x Adam (epsilon-hat form, bias correction folded into the rate)."""

    def __init__(self, params):
        self.iterations = 0
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}

    def apply(self, params, grads):
        self.iterations += 1
        t = self.iterations
        b1, b2 = ADAM["beta_1"], ADAM["beta_2"]
        rate = ADAM["learning_rate"] * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        for k, grad in grads.items():
            grad = grad.astype(np.float32)
            self.m[k] += (1 - b1) * (grad - self.m[k])
            self.v[k] += (1 - b2) * (grad * grad - self.v[k])
            params[k] -= (rate * self.m[k] / (np.sqrt(self.v[k]) + ADAM["epsilon"])).astype(np.float32)


def accuracy(params, bn, x, y, batch=1000):
    hits = 0
    for s in range(0, len(x), batch):
        hits += int((forward_inference(params, bn, x[s:s + batch]).argmax(-1) == y[s:s + batch]).sum())
    return hits / len(x)


def train(x_train, y_train, x_test, y_test, epochs, batch_size, seed):
    rng = np.random.default_rng(seed)
    params = init_params(rng)
    bn = init_bn_state()
    opt = Adam(params)
    started = time.time()
    cpu_started = time.process_time()
    for epoch in range(epochs):
        order = rng.permutation(len(x_train))
        losses = []
        for s in range(0, len(order), batch_size):
            idx = order[s:s + batch_size]
            loss, grads = train_step(params, bn, x_train[idx], y_train[idx])
            opt.apply(params, grads)
            losses.append(loss)
        acc = accuracy(params, bn, x_test, y_test)
        print(f"epoch {epoch + 1}/{epochs}: loss {np.mean(losses):.4f}, "
              f"test accuracy {acc:.4f} ({time.time() - started:.0f} s wall, "
              f"{time.process_time() - cpu_started:.0f} s CPU)", flush=True)
    return params, bn, opt, time.process_time() - cpu_started



# --------------------------------------------------------------------------
# Keras HDF5 (tf.keras 2.8 `model.save("x.h5")` layout)
# --------------------------------------------------------------------------

def glorot():
    return {"class_name": "GlorotUniform", "config": {"seed": None}}


def zeros():
    return {"class_name": "Zeros", "config": {}}


def keras_model_config():
    """The Sequential config as tf.keras 2.8 serialises it (key order included).

    The model is the usual `Sequential([Conv2D(..., input_shape=(28, 28, 1)), ...])`,
    so Keras adds an InputLayer named "conv2d_input" and the first layer keeps
    its batch_input_shape.
    """
    def base(name, extra_first=None):
        config = {"name": name, "trainable": True}
        if extra_first:
            config.update(extra_first)
        config["dtype"] = "float32"
        return config

    def conv2d(name, filters, kernel, padding, activation, first=False):
        config = base(name, {"batch_input_shape": [None, 28, 28, 1]} if first else None)
        config.update({
            "filters": filters, "kernel_size": [kernel, kernel], "strides": [1, 1],
            "padding": padding, "data_format": "channels_last", "dilation_rate": [1, 1],
            "groups": 1, "activation": activation, "use_bias": True,
            "kernel_initializer": glorot(), "bias_initializer": zeros(),
            "kernel_regularizer": None, "bias_regularizer": None,
            "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None,
        })
        return {"class_name": "Conv2D", "config": config}

    def maxpool(name):
        config = base(name)
        config.update({"pool_size": [2, 2], "padding": "valid", "strides": [2, 2],
                       "data_format": "channels_last"})
        return {"class_name": "MaxPooling2D", "config": config}

    depthwise = base("depthwise_conv2d")
    depthwise.update({
        "kernel_size": [3, 3], "strides": [1, 1], "padding": "same",
        "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1,
        "activation": "linear", "use_bias": False, "bias_initializer": zeros(),
        "bias_regularizer": None, "activity_regularizer": None, "bias_constraint": None,
        "depth_multiplier": 1, "depthwise_initializer": glorot(),
        "depthwise_regularizer": None, "depthwise_constraint": None,
    })
    batchnorm = base("batch_normalization")
    batchnorm.update({
        "axis": [3], "momentum": BN_MOMENTUM, "epsilon": BN_EPSILON, "center": True, "scale": True,
        "beta_initializer": zeros(), "gamma_initializer": {"class_name": "Ones", "config": {}},
        "moving_mean_initializer": zeros(),
        "moving_variance_initializer": {"class_name": "Ones", "config": {}},
        "beta_regularizer": None, "gamma_regularizer": None,
        "beta_constraint": None, "gamma_constraint": None,
    })
    relu = base("re_lu")
    relu.update({"max_value": None, "negative_slope": 0.0, "threshold": 0.0})
    flatten = base("flatten")
    flatten["data_format"] = "channels_last"
    dense = base("dense")
    dense.update({
        "units": 10, "activation": "softmax", "use_bias": True,
        "kernel_initializer": glorot(), "bias_initializer": zeros(),
        "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
        "kernel_constraint": None, "bias_constraint": None,
    })
    layers = [
        {"class_name": "InputLayer", "config": {
            "batch_input_shape": [None, 28, 28, 1], "dtype": "float32",
            "sparse": False, "ragged": False, "name": "conv2d_input"}},
        conv2d("conv2d", 8, 3, "same", "relu", first=True),
        maxpool("max_pooling2d"),
        {"class_name": "DepthwiseConv2D", "config": depthwise},
        {"class_name": "BatchNormalization", "config": batchnorm},
        {"class_name": "ReLU", "config": relu},
        conv2d("conv2d_1", 16, 1, "valid", "relu"),
        maxpool("max_pooling2d_1"),
        {"class_name": "Flatten", "config": flatten},
        {"class_name": "Dense", "config": dense},
    ]
    return {"class_name": "Sequential", "config": {"name": "sequential", "layers": layers}}


def keras_training_config():
    """What `compile(optimizer="adam", loss="sparse_categorical_crossentropy",
    metrics=["accuracy"])` leaves in a tf.keras 2.8 file (float32 hyper-parameters
    widened to double, as Keras writes them)."""
    def f32(value):
        return float(np.float32(value))

    return {
        "loss": "sparse_categorical_crossentropy",
        "metrics": [[{"class_name": "MeanMetricWrapper", "config": {
            "name": "accuracy", "dtype": "float32", "fn": "sparse_categorical_accuracy"}}]],
        "weighted_metrics": None,
        "loss_weights": None,
        "optimizer_config": {"class_name": "Adam", "config": {
            "name": "Adam", "learning_rate": f32(ADAM["learning_rate"]), "decay": 0.0,
            "beta_1": f32(ADAM["beta_1"]), "beta_2": f32(ADAM["beta_2"]),
            "epsilon": ADAM["epsilon"], "amsgrad": False}},
    }


# model.layers of the Sequential (the InputLayer is not among them) and each
# layer's weights in Keras' order (trainable first, then non-trainable).
KERAS_LAYER_WEIGHTS = [
    ("conv2d", ["kernel", "bias"]),
    ("max_pooling2d", []),
    ("depthwise_conv2d", ["depthwise_kernel"]),
    ("batch_normalization", ["gamma", "beta", "moving_mean", "moving_variance"]),
    ("re_lu", []),
    ("conv2d_1", ["kernel", "bias"]),
    ("max_pooling2d_1", []),
    ("flatten", []),
    ("dense", ["kernel", "bias"]),
]
NON_TRAINABLE = {"moving_mean", "moving_variance"}


def save_string_list_attr(obj, name, values):
    """Keras' save_attributes_to_hdf5_group for short lists: a list of UTF-8
    bytes, which h5py stores as variable-length ASCII strings; an empty list
    becomes an empty float64 array (np.asarray([]))."""
    obj.attrs[name] = [v.encode("utf8") for v in values] if values else np.asarray([])


def save_weight_group(group, names, values):
    save_string_list_attr(group, "weight_names", names)
    for name, value in zip(names, values):
        dataset = group.create_dataset(name, value.shape, dtype=value.dtype)
        if value.shape:
            dataset[:] = value
        else:
            dataset[()] = value


def write_keras_h5(path, params, bn, optimizer):
    import h5py

    weights = dict(params)
    weights.update(bn)
    with h5py.File(path, mode="w") as f:
        # Root attributes: keras_version and backend are str (UTF-8), the JSON
        # documents are encoded bytes (ASCII), as in tf.keras 2.8 files.
        f.attrs["keras_version"] = KERAS_VERSION
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(keras_model_config()).encode("utf8")
        f.attrs["training_config"] = json.dumps(keras_training_config()).encode("utf8")

        group = f.create_group("model_weights")
        save_string_list_attr(group, "layer_names", [name for name, _ in KERAS_LAYER_WEIGHTS])
        group.attrs["backend"] = b"tensorflow"
        group.attrs["keras_version"] = KERAS_VERSION.encode("utf8")
        # Keras creates the layer groups sorted by name, then the (empty here)
        # top-level weights of the model itself.
        for layer, kinds in sorted(KERAS_LAYER_WEIGHTS):
            save_weight_group(group.create_group(layer),
                              [f"{layer}/{kind}:0" for kind in kinds],
                              [weights[f"{layer}/{kind}"] for kind in kinds])
        save_weight_group(group.create_group("top_level_model_weights"), [], [])

        trainable = [f"{layer}/{kind}" for layer, kinds in KERAS_LAYER_WEIGHTS
                     for kind in kinds if kind not in NON_TRAINABLE]
        names = (["Adam/iter:0"] + [f"Adam/{w}/m:0" for w in trainable]
                 + [f"Adam/{w}/v:0" for w in trainable])
        values = ([np.array(optimizer.iterations, np.int64)] + [optimizer.m[w] for w in trainable]
                  + [optimizer.v[w] for w in trainable])
        save_weight_group(f.create_group("optimizer_weights"), names, values)


# --------------------------------------------------------------------------
# TFLite flatbuffer (float32), written with code flatc generates from our schema
# --------------------------------------------------------------------------

def generate_tflite_bindings(flatc, schema, workdir):
    """Runs flatc on the schema and imports the generated `tflite` package."""
    subprocess.run([flatc, "--python", "-o", workdir, schema], check=True)
    sys.path.insert(0, workdir)
    importlib.invalidate_caches()
    # flatc writes one module per table/enum; expose them as attributes of one
    # namespace (tfl.Model.ModelStart, tfl.TensorType.TensorType.FLOAT32, ...).
    package_dir = os.path.join(workdir, "tflite")
    modules = {name[:-3]: importlib.import_module(f"tflite.{name[:-3]}")
               for name in sorted(os.listdir(package_dir))
               if name.endswith(".py") and name != "__init__.py"}
    return types.SimpleNamespace(**modules)


def fold_batchnorm(params, bn):
    """Folds BatchNormalization into the (bias-less) depthwise convolution.

    Returns the TFLite depthwise weights [1,3,3,8] and bias [8]:
    w' = w * gamma / sqrt(var + eps), b' = beta - mean * gamma / sqrt(var + eps).
    """
    scale = (params["batch_normalization/gamma"].astype(np.float64)
             / np.sqrt(bn["batch_normalization/moving_variance"].astype(np.float64) + BN_EPSILON))
    kernel = params["depthwise_conv2d/depthwise_kernel"][..., 0].astype(np.float64) * scale
    bias = (params["batch_normalization/beta"].astype(np.float64)
            - bn["batch_normalization/moving_mean"].astype(np.float64) * scale)
    return kernel[None].astype(np.float32), bias.astype(np.float32)


def tflite_constants(params, bn):
    """The constant tensors of the TFLite graph, in TFLite layouts."""
    dw_kernel, dw_bias = fold_batchnorm(params, bn)
    return {
        "conv2d/kernel": params["conv2d/kernel"].transpose(3, 0, 1, 2).copy(),        # HWIO -> OHWI
        "conv2d/bias": params["conv2d/bias"],
        "depthwise_conv2d/depthwise_kernel_bn_folded": dw_kernel,                    # [1,H,W,C]
        "depthwise_conv2d/bias_bn_folded": dw_bias,
        "conv2d_1/kernel": params["conv2d_1/kernel"].transpose(3, 0, 1, 2).copy(),
        "conv2d_1/bias": params["conv2d_1/bias"],
        "flatten/shape": np.array([-1, 784], np.int32),
        "dense/kernel": params["dense/kernel"].T.copy(),                             # (in,out) -> (out,in)
        "dense/bias": params["dense/bias"],
    }


# Activations (name, shape) in graph order; the names are the Keras layers whose
# outputs they equal (the fused depthwise+BN+ReLU op produces re_lu's output).
# dense/BiasAdd is the Dense layer before its softmax activation.
TFLITE_ACTIVATIONS = [
    ("conv2d_input", [1, 28, 28, 1]),
    ("conv2d", [1, 28, 28, 8]),
    ("max_pooling2d", [1, 14, 14, 8]),
    ("re_lu", [1, 14, 14, 8]),
    ("conv2d_1", [1, 14, 14, 16]),
    ("max_pooling2d_1", [1, 7, 7, 16]),
    ("flatten", [1, 784]),
    ("dense/BiasAdd", [1, 10]),
    ("dense", [1, 10]),
]

# (op, inputs, outputs, options): the graph, in execution order.
TFLITE_OPS = [
    ("CONV_2D", ["conv2d_input", "conv2d/kernel", "conv2d/bias"], ["conv2d"],
     {"padding": "SAME", "stride": 1, "activation": "RELU"}),
    ("MAX_POOL_2D", ["conv2d"], ["max_pooling2d"], {"padding": "VALID", "stride": 2, "filter": 2}),
    ("DEPTHWISE_CONV_2D", ["max_pooling2d", "depthwise_conv2d/depthwise_kernel_bn_folded",
                           "depthwise_conv2d/bias_bn_folded"], ["re_lu"],
     {"padding": "SAME", "stride": 1, "activation": "RELU", "depth_multiplier": 1}),
    ("CONV_2D", ["re_lu", "conv2d_1/kernel", "conv2d_1/bias"], ["conv2d_1"],
     {"padding": "VALID", "stride": 1, "activation": "RELU"}),
    ("MAX_POOL_2D", ["conv2d_1"], ["max_pooling2d_1"], {"padding": "VALID", "stride": 2, "filter": 2}),
    ("RESHAPE", ["max_pooling2d_1", "flatten/shape"], ["flatten"], {}),
    ("FULLY_CONNECTED", ["flatten", "dense/kernel", "dense/bias"], ["dense/BiasAdd"],
     {"activation": "NONE"}),
    ("SOFTMAX", ["dense/BiasAdd"], ["dense"], {"beta": 1.0}),
]

TFLITE_DESCRIPTION = "Rangefinder demo model (trained by packaging/make_demo_model.py)"


def write_tflite(path, tfl, constants):
    import flatbuffers

    # Tensor order: the input, then each op's constant operands followed by its
    # outputs, in execution order (roughly what the converter produces).
    tensors = []  # (name, shape, numpy dtype or None for activations, data)
    index = {}

    def add_tensor(name, shape, data=None):
        index[name] = len(tensors)
        tensors.append((name, shape, data))

    shapes = dict(TFLITE_ACTIVATIONS)
    add_tensor("conv2d_input", shapes["conv2d_input"])
    for _, inputs, outputs, _ in TFLITE_OPS:
        for name in inputs:
            if name in constants and name not in index:
                add_tensor(name, list(constants[name].shape), constants[name])
        for name in outputs:
            add_tensor(name, shapes[name])

    b = flatbuffers.Builder(1024)

    def int_vector(start_fn, values):
        start_fn(b, len(values))
        for v in reversed(values):
            b.PrependInt32(v)
        return b.EndVector()

    def offsets_vector(start_fn, offsets):
        start_fn(b, len(offsets))
        for o in reversed(offsets):
            b.PrependUOffsetTRelative(o)
        return b.EndVector()

    def byte_buffer(payload):
        # Constant data is 16-byte aligned (force_align: 16 in the schema).
        data = None
        if payload is not None:
            b.StartVector(1, len(payload), 16)
            b.head = b.head - len(payload)
            b.Bytes[b.head:b.head + len(payload)] = payload
            data = b.EndVector()
        tfl.Buffer.BufferStart(b)
        if data is not None:
            tfl.Buffer.BufferAddData(b, data)
        return tfl.Buffer.BufferEnd(b)

    # Buffer 0 is the empty sentinel; every tensor then gets its own buffer, as
    # the converter does; the last buffer holds the min_runtime_version metadata.
    buffer_payloads = [None] + [None if data is None else data.astype(data.dtype.newbyteorder("<")).tobytes()
                                for _, _, data in tensors]
    buffer_payloads.append(b"1.5.0".ljust(16, b"\0"))
    buffers = [byte_buffer(p) for p in buffer_payloads]

    tensor_offsets = []
    for i, (name, shape, data) in enumerate(tensors):
        name_off = b.CreateString(name)
        shape_off = int_vector(tfl.Tensor.TensorStartShapeVector, shape)
        signature_off = None
        if data is None:
            # Activations carry the dynamic batch dimension in shape_signature.
            signature_off = int_vector(tfl.Tensor.TensorStartShapeSignatureVector, [-1] + shape[1:])
        tfl.Tensor.TensorStart(b)
        tfl.Tensor.TensorAddShape(b, shape_off)
        tfl.Tensor.TensorAddType(b, tfl.TensorType.TensorType.INT32 if data is not None and data.dtype == np.int32
                                 else tfl.TensorType.TensorType.FLOAT32)
        tfl.Tensor.TensorAddBuffer(b, i + 1)
        tfl.Tensor.TensorAddName(b, name_off)
        if signature_off is not None:
            tfl.Tensor.TensorAddShapeSignature(b, signature_off)
        tensor_offsets.append(tfl.Tensor.TensorEnd(b))

    builtin = tfl.BuiltinOperator.BuiltinOperator
    activation = tfl.ActivationFunctionType.ActivationFunctionType
    padding = tfl.Padding.Padding
    options_type = tfl.BuiltinOptions.BuiltinOptions

    def options_for(op, o):
        if op == "CONV_2D":
            m = tfl.Conv2DOptions
            m.Conv2DOptionsStart(b)
            m.Conv2DOptionsAddPadding(b, getattr(padding, o["padding"]))
            m.Conv2DOptionsAddStrideW(b, o["stride"])
            m.Conv2DOptionsAddStrideH(b, o["stride"])
            m.Conv2DOptionsAddFusedActivationFunction(b, getattr(activation, o["activation"]))
            return options_type.Conv2DOptions, m.Conv2DOptionsEnd(b)
        if op == "DEPTHWISE_CONV_2D":
            m = tfl.DepthwiseConv2DOptions
            m.DepthwiseConv2DOptionsStart(b)
            m.DepthwiseConv2DOptionsAddPadding(b, getattr(padding, o["padding"]))
            m.DepthwiseConv2DOptionsAddStrideW(b, o["stride"])
            m.DepthwiseConv2DOptionsAddStrideH(b, o["stride"])
            m.DepthwiseConv2DOptionsAddDepthMultiplier(b, o["depth_multiplier"])
            m.DepthwiseConv2DOptionsAddFusedActivationFunction(b, getattr(activation, o["activation"]))
            return options_type.DepthwiseConv2DOptions, m.DepthwiseConv2DOptionsEnd(b)
        if op == "MAX_POOL_2D":
            m = tfl.Pool2DOptions
            m.Pool2DOptionsStart(b)
            m.Pool2DOptionsAddPadding(b, getattr(padding, o["padding"]))
            m.Pool2DOptionsAddStrideW(b, o["stride"])
            m.Pool2DOptionsAddStrideH(b, o["stride"])
            m.Pool2DOptionsAddFilterWidth(b, o["filter"])
            m.Pool2DOptionsAddFilterHeight(b, o["filter"])
            return options_type.Pool2DOptions, m.Pool2DOptionsEnd(b)
        if op == "FULLY_CONNECTED":
            m = tfl.FullyConnectedOptions
            m.FullyConnectedOptionsStart(b)
            m.FullyConnectedOptionsAddFusedActivationFunction(b, getattr(activation, o["activation"]))
            return options_type.FullyConnectedOptions, m.FullyConnectedOptionsEnd(b)
        if op == "SOFTMAX":
            m = tfl.SoftmaxOptions
            m.SoftmaxOptionsStart(b)
            m.SoftmaxOptionsAddBeta(b, o["beta"])
            return options_type.SoftmaxOptions, m.SoftmaxOptionsEnd(b)
        # RESHAPE: the target shape comes from the constant second input, as
        # current converters write it (no ReshapeOptions).
        return options_type.NONE, None

    opcodes = []
    for op, _, _, _ in TFLITE_OPS:
        if op not in opcodes:
            opcodes.append(op)
    opcode_offsets = []
    for op in opcodes:
        code = getattr(builtin, op)
        tfl.OperatorCode.OperatorCodeStart(b)
        tfl.OperatorCode.OperatorCodeAddDeprecatedBuiltinCode(b, min(code, 127))
        tfl.OperatorCode.OperatorCodeAddVersion(b, 1)
        tfl.OperatorCode.OperatorCodeAddBuiltinCode(b, code)
        opcode_offsets.append(tfl.OperatorCode.OperatorCodeEnd(b))

    operator_offsets = []
    for op, inputs, outputs, options in TFLITE_OPS:
        in_off = int_vector(tfl.Operator.OperatorStartInputsVector, [index[n] for n in inputs])
        out_off = int_vector(tfl.Operator.OperatorStartOutputsVector, [index[n] for n in outputs])
        opt_type, opt_off = options_for(op, options)
        tfl.Operator.OperatorStart(b)
        tfl.Operator.OperatorAddOpcodeIndex(b, opcodes.index(op))
        tfl.Operator.OperatorAddInputs(b, in_off)
        tfl.Operator.OperatorAddOutputs(b, out_off)
        if opt_off is not None:
            tfl.Operator.OperatorAddBuiltinOptionsType(b, opt_type)
            tfl.Operator.OperatorAddBuiltinOptions(b, opt_off)
        operator_offsets.append(tfl.Operator.OperatorEnd(b))

    tensors_vec = offsets_vector(tfl.SubGraph.SubGraphStartTensorsVector, tensor_offsets)
    inputs_vec = int_vector(tfl.SubGraph.SubGraphStartInputsVector, [index["conv2d_input"]])
    outputs_vec = int_vector(tfl.SubGraph.SubGraphStartOutputsVector, [index["dense"]])
    ops_vec = offsets_vector(tfl.SubGraph.SubGraphStartOperatorsVector, operator_offsets)
    subgraph_name = b.CreateString("main")
    tfl.SubGraph.SubGraphStart(b)
    tfl.SubGraph.SubGraphAddTensors(b, tensors_vec)
    tfl.SubGraph.SubGraphAddInputs(b, inputs_vec)
    tfl.SubGraph.SubGraphAddOutputs(b, outputs_vec)
    tfl.SubGraph.SubGraphAddOperators(b, ops_vec)
    tfl.SubGraph.SubGraphAddName(b, subgraph_name)
    subgraph = tfl.SubGraph.SubGraphEnd(b)

    def tensor_map(name, tensor):
        name_off = b.CreateString(name)
        tfl.TensorMap.TensorMapStart(b)
        tfl.TensorMap.TensorMapAddName(b, name_off)
        tfl.TensorMap.TensorMapAddTensorIndex(b, tensor)
        return tfl.TensorMap.TensorMapEnd(b)

    sig_inputs = offsets_vector(tfl.SignatureDef.SignatureDefStartInputsVector,
                                [tensor_map("conv2d_input", index["conv2d_input"])])
    sig_outputs = offsets_vector(tfl.SignatureDef.SignatureDefStartOutputsVector,
                                 [tensor_map("dense", index["dense"])])
    sig_key = b.CreateString("serving_default")
    tfl.SignatureDef.SignatureDefStart(b)
    tfl.SignatureDef.SignatureDefAddInputs(b, sig_inputs)
    tfl.SignatureDef.SignatureDefAddOutputs(b, sig_outputs)
    tfl.SignatureDef.SignatureDefAddSignatureKey(b, sig_key)
    tfl.SignatureDef.SignatureDefAddSubgraphIndex(b, 0)
    signature = tfl.SignatureDef.SignatureDefEnd(b)

    meta_name = b.CreateString("min_runtime_version")
    tfl.Metadata.MetadataStart(b)
    tfl.Metadata.MetadataAddName(b, meta_name)
    tfl.Metadata.MetadataAddBuffer(b, len(buffers) - 1)
    metadata = tfl.Metadata.MetadataEnd(b)

    opcodes_vec = offsets_vector(tfl.Model.ModelStartOperatorCodesVector, opcode_offsets)
    subgraphs_vec = offsets_vector(tfl.Model.ModelStartSubgraphsVector, [subgraph])
    description = b.CreateString(TFLITE_DESCRIPTION)
    buffers_vec = offsets_vector(tfl.Model.ModelStartBuffersVector, buffers)
    metadata_vec = offsets_vector(tfl.Model.ModelStartMetadataVector, [metadata])
    signatures_vec = offsets_vector(tfl.Model.ModelStartSignatureDefsVector, [signature])
    tfl.Model.ModelStart(b)
    tfl.Model.ModelAddVersion(b, 3)
    tfl.Model.ModelAddOperatorCodes(b, opcodes_vec)
    tfl.Model.ModelAddSubgraphs(b, subgraphs_vec)
    tfl.Model.ModelAddDescription(b, description)
    tfl.Model.ModelAddBuffers(b, buffers_vec)
    tfl.Model.ModelAddMetadata(b, metadata_vec)
    tfl.Model.ModelAddSignatureDefs(b, signatures_vec)
    b.Finish(tfl.Model.ModelEnd(b), file_identifier=b"TFL3")
    with open(path, "wb") as f:
        f.write(b.Output())
    return index


def tflite_forward(constants, x):
    """Independent numpy run of the TFLite graph (TFLite layouts, folded BN);
    returns every activation by tensor name."""
    def conv(x, kernel_ohwi, bias, same):
        o, kh, kw, _ = kernel_ohwi.shape
        if same:
            x = np.pad(x, ((0, 0), (kh // 2, kh // 2), (kw // 2, kw // 2), (0, 0)))
        n, h, w, _ = x.shape
        oh, ow = h - kh + 1, w - kw + 1
        out = np.zeros((n, oh, ow, o), np.float32)
        for i in range(kh):
            for j in range(kw):
                out += np.einsum("nhwc,oc->nhwo", x[:, i:i + oh, j:j + ow, :], kernel_ohwi[:, i, j, :])
        return out + bias

    def depthwise(x, kernel_1hwc, bias):
        x = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
        n, h, w, c = x.shape
        out = np.zeros((n, h - 2, w - 2, c), np.float32)
        for i in range(3):
            for j in range(3):
                out += x[:, i:i + h - 2, j:j + w - 2, :] * kernel_1hwc[0, i, j, :]
        return out + bias

    def maxpool(x):
        n, h, w, c = x.shape
        return x.reshape(n, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))

    k = constants
    t = {"conv2d_input": x}
    t["conv2d"] = np.maximum(conv(x, k["conv2d/kernel"], k["conv2d/bias"], same=True), 0)
    t["max_pooling2d"] = maxpool(t["conv2d"])
    t["re_lu"] = np.maximum(depthwise(t["max_pooling2d"], k["depthwise_conv2d/depthwise_kernel_bn_folded"],
                                      k["depthwise_conv2d/bias_bn_folded"]), 0)
    t["conv2d_1"] = np.maximum(conv(t["re_lu"], k["conv2d_1/kernel"], k["conv2d_1/bias"], same=False), 0)
    t["max_pooling2d_1"] = maxpool(t["conv2d_1"])
    t["flatten"] = t["max_pooling2d_1"].reshape(x.shape[0], -1)
    t["dense/BiasAdd"] = t["flatten"] @ k["dense/kernel"].T + k["dense/bias"]
    t["dense"] = softmax(t["dense/BiasAdd"]).astype(np.float32)
    return t


# --------------------------------------------------------------------------
# Sample images
# --------------------------------------------------------------------------

def png_grayscale(pixels):
    """Encodes a uint8 [H,W] array as an 8-bit grayscale PNG (no PIL needed)."""
    def chunk(kind, payload):
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    h, w = pixels.shape
    raw = b"".join(b"\0" + pixels[row].tobytes() for row in range(h))  # filter type 0 per row
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9))
            + chunk(b"IEND", b""))


def pick_samples(predicted, y_test, extra_misclassified=2):
    """The first test image of each class, then the first few the model gets
    wrong (interesting cases for a quantization inspector)."""
    picks = [int(np.flatnonzero(y_test == c)[0]) for c in range(10)]
    wrong = [int(i) for i in np.flatnonzero(predicted != y_test) if int(i) not in picks]
    return picks + wrong[:extra_misclassified]


# --------------------------------------------------------------------------
# Verification against the real TFLite runtime (optional, needs Node)
# --------------------------------------------------------------------------

def run_oracle(oracle, model, inputs, expected, tensor_index, workdir):
    """Runs every sample through the TFLite oracle with --dump-intermediates.

    Returns per-sample results, the largest |oracle - numpy| over the outputs
    and, per tensor, the largest |oracle - numpy| and largest |value|.
    """
    results = []
    max_output_diff = 0.0
    per_tensor = {}
    names_by_index = {i: n for n, i in tensor_index.items()}
    for name, npy in inputs:
        out_dir = os.path.join(workdir, "oracle", name)
        subprocess.run(["node", oracle, "run", model, npy, "-o", out_dir, "--dump-intermediates"],
                       check=True, stdout=subprocess.DEVNULL)
        output = np.fromfile(os.path.join(out_dir, "output_0.bin"), dtype="<f4").reshape(1, 10)
        ours = expected[name]
        diff = float(np.abs(output - ours["dense"]).max())
        max_output_diff = max(max_output_diff, diff)
        inter_dir = os.path.join(out_dir, "intermediates")
        for file in sorted(os.listdir(inter_dir)):
            if not file.endswith(".json"):
                continue
            with open(os.path.join(inter_dir, file)) as f:
                meta = json.load(f)
            tensor = names_by_index[int(file[1:5])]
            values = np.fromfile(os.path.join(inter_dir, file[:-5] + ".bin"), dtype="<f4")
            reference = ours[tensor].reshape(-1)
            diff, magnitude = per_tensor.get(tensor, (0.0, 0.0))
            per_tensor[tensor] = (max(diff, float(np.abs(values - reference).max())),
                                  max(magnitude, float(np.abs(reference).max())))
            if list(meta["shape"]) != list(ours[tensor].shape):
                raise RuntimeError(f"oracle shape {meta['shape']} for {tensor}, expected {ours[tensor].shape}")
        results.append({"name": name, "top1": int(output.argmax()), "prob": float(output.max()),
                        "diff": diff})
    return results, max_output_diff, per_tensor


# --------------------------------------------------------------------------
# README
# --------------------------------------------------------------------------

def write_readme(path, facts):
    samples = "\n".join(
        f"| `{s['image']}` | `{s['input']}` | {s['label']} | {s['predicted']} | {s['prob']:.4f} |"
        + (f" {s['oracle']} |" if "oracle" in s else "")
        for s in facts["samples"])
    oracle_header = " oracle top-1 |" if facts["oracle"] else ""
    oracle_rule = "---|" if facts["oracle"] else ""
    if facts["oracle"]:
        o = facts["oracle"]
        oracle_text = f"""The exported `fashion_cnn.tflite` was run in the real TensorFlow Lite runtime
(`../shared/oracle/tflite_oracle.js`: TFLite compiled to WebAssembly, XNNPACK delegate
on) on every sample input, with `--dump-intermediates`, and compared with this script's
independent numpy run of the same TFLite graph (`tflite_forward`):

* output (softmax) max |diff| over the {len(facts['samples'])} samples: {o['output_diff']:.3g}
* oracle top-1 = numpy top-1 on {o['top1_agree']}/{len(facts['samples'])} samples
* every tensor an operator writes (max over the samples):

| tensor | max \\|oracle - numpy\\| | max \\|value\\| |
|---|---|---|
""" + "\n".join(f"| `{name}` | {diff:.3g} | {magnitude:.3g} |"
                  for name, (diff, magnitude) in o["per_tensor"].items()) + "\n"
    else:
        oracle_text = "Not run this time (pass `--oracle PATH/tflite_oracle.js` to the script).\n"

    text = f"""# Rangefinder demo model: Fashion-MNIST CNN

A small float32 image classifier bundled so that Rangefinder has something real to
open, run and quantize without any download. It classifies 28x28 grayscale
[Fashion-MNIST](https://github.com/zalandoresearch/fashion-mnist) images into
10 clothing classes.

Everything in this folder is generated by `packaging/make_demo_model.py`; do not edit
the files by hand. Regenerate with Debian packages only (no pip,
no network) from the repository root; training takes about 3 minutes of CPU time
(single-threaded BLAS) and is deterministic for a given machine:

```sh
sudo apt-get install python3-numpy python3-h5py python3-flatbuffers flatbuffers-compiler dataset-fashion-mnist
/usr/bin/python3 packaging/make_demo_model.py --oracle /tmp/oracle/tflite_oracle.js
```

(`packaging/install-deps.sh --demo-model` installs the same packages; the normal build does
not need Python: the generated files are committed.)

## The model

| Keras layer | output shape | params | TFLite op (tensor name) |
|---|---|---|---|
| conv2d_input (InputLayer) | 28x28x1 | 0 | input `conv2d_input` |
| conv2d (Conv2D 3x3, 8 filters, same, ReLU) | 28x28x8 | 80 | CONV_2D, fused RELU (`conv2d`) |
| max_pooling2d (MaxPooling2D 2x2) | 14x14x8 | 0 | MAX_POOL_2D (`max_pooling2d`) |
| depthwise_conv2d (DepthwiseConv2D 3x3, same, no bias) | 14x14x8 | 72 | DEPTHWISE_CONV_2D with the batch norm folded in and fused RELU (`re_lu`) |
| batch_normalization (BatchNormalization) | 14x14x8 | 32 | (folded) |
| re_lu (ReLU) | 14x14x8 | 0 | (fused) |
| conv2d_1 (Conv2D 1x1, 16 filters, ReLU) | 14x14x16 | 144 | CONV_2D, fused RELU (`conv2d_1`) |
| max_pooling2d_1 (MaxPooling2D 2x2) | 7x7x16 | 0 | MAX_POOL_2D (`max_pooling2d_1`) |
| flatten (Flatten) | 784 | 0 | RESHAPE to [-1, 784] (`flatten`) |
| dense (Dense 10, softmax) | 10 | 7850 | FULLY_CONNECTED (`dense/BiasAdd`) + SOFTMAX (`dense`) |

{facts['params']} parameters ({facts['trainable']} trainable). Input: float32 [1,28,28,1], pixel / 255 (0 = black
background, 1 = white). Output: softmax probabilities over the classes of `labels.txt`.

TFLite tensors carry the names of the Keras layers whose output they hold, so the two
files line up layer by layer; the folded depthwise weights are named
`depthwise_conv2d/depthwise_kernel_bn_folded` / `depthwise_conv2d/bias_bn_folded`.

## Training

Plain numpy (forward and backward passes written by hand, float32), seed {facts['seed']},
Keras default initialisers (GlorotUniform, zero biases), Adam (lr 0.001, beta 0.9/0.999,
epsilon 1e-7), batch {facts['batch']}, {facts['epochs']} epochs over the 60,000 training images,
batch normalization with batch statistics in training and moving averages (momentum 0.99)
in inference, like Keras.

* Test accuracy (10,000 test images), Keras inference semantics: **{facts['accuracy'] * 100:.2f}%**
* Test accuracy of the exported TFLite graph (numpy run, batch norm folded): {facts['tflite_accuracy'] * 100:.2f}%
* Largest |difference| between the two on the test set's softmax outputs: {facts['fold_diff']:.3g}

## Files

| file | what |
|---|---|
| `fashion_cnn.h5` | Keras HDF5 full model in the layout `model.save("x.h5")` writes in tf.keras {KERAS_VERSION} (Sequential; `model_config`, `training_config`, `model_weights`, `optimizer_weights` with the Adam state); kernels HWIO / (in,out) |
| `fashion_cnn.tflite` | the same network as a float32 TFLite flatbuffer (schema v3, built from `core/io/tflite_schema.fbs`), description "{TFLITE_DESCRIPTION}"; weights OHWI / (out,in), NHWC activations |
| `labels.txt` | the 10 class names in output order (also the image folder names) |
| `images/<label>/<NNNN>.png` | {len(facts['samples'])} Fashion-MNIST **test** images, 28x28 8-bit grayscale; `NNNN` = index in the test set |
| `inputs/<label>_<NNNN>.npy` | the same images as float32 [1,28,28,1] model inputs (pixel / 255) |

Class names are spelled as folder names; the dataset's own names are T-shirt/top, Trouser,
Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot.

## Sample images

The first test image of every class, then the first test images the float model gets wrong
(useful when looking at what quantization changes).

| image | input | label | float top-1 | probability |{oracle_header}
|---|---|---|---|---|{oracle_rule}
{samples}

## Verification in the TFLite runtime

{oracle_text}
## License

Fashion-MNIST is © 2017 Zalando SE, released under the MIT license
(https://github.com/zalandoresearch/fashion-mnist; Debian package `dataset-fashion-mnist`).
The images here are unmodified test-set images. The model weights are derived from that data
by the script in this repository.
"""
    with open(path, "w") as f:
        f.write(text)


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.join(repo, "resources", "demo"))
    parser.add_argument("--schema", default=os.path.join(repo, "core", "io", "tflite_schema.fbs"))
    parser.add_argument("--flatc", default="flatc")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--oracle", help="path to tflite_oracle.js; runs the .tflite in real TFLite")
    parser.add_argument("--cache", help="development aid: reuse (or save) the trained weights in this "
                        "file instead of training again")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="rangefinder-demo-")
    try:
        tfl = generate_tflite_bindings(args.flatc, args.schema, os.path.join(workdir, "gen"))

        x_train_u8, y_train, x_test_u8, y_test = load_fashion_mnist()
        x_train, x_test = to_input(x_train_u8), to_input(x_test_u8)
        if args.cache and os.path.exists(args.cache):
            with np.load(args.cache) as cached:
                params = {k[2:]: cached[k] for k in cached.files if k.startswith("p:")}
                bn = {k[2:]: cached[k] for k in cached.files if k.startswith("s:")}
                optimizer = Adam(params)
                optimizer.m = {k[2:]: cached[k] for k in cached.files if k.startswith("m:")}
                optimizer.v = {k[2:]: cached[k] for k in cached.files if k.startswith("v:")}
                optimizer.iterations = int(cached["iterations"])
            seconds = 0.0
        else:
            params, bn, optimizer, seconds = train(x_train, y_train, x_test, y_test,
                                                   args.epochs, args.batch, args.seed)
            if args.cache:
                arrays = {f"p:{k}": v for k, v in params.items()}
                arrays.update({f"s:{k}": v for k, v in bn.items()})
                arrays.update({f"m:{k}": v for k, v in optimizer.m.items()})
                arrays.update({f"v:{k}": v for k, v in optimizer.v.items()})
                np.savez(args.cache, iterations=optimizer.iterations, **arrays)

        keras_probs = np.concatenate([forward_inference(params, bn, x_test[s:s + 1000])
                                      for s in range(0, len(x_test), 1000)])
        constants = tflite_constants(params, bn)
        tflite_probs = np.concatenate([tflite_forward(constants, x_test[s:s + 1000])["dense"]
                                       for s in range(0, len(x_test), 1000)])
        keras_pred = keras_probs.argmax(-1)
        facts = {
            "seed": args.seed, "epochs": args.epochs, "batch": args.batch,
            "accuracy": float((keras_pred == y_test).mean()),
            "tflite_accuracy": float((tflite_probs.argmax(-1) == y_test).mean()),
            "fold_diff": float(np.abs(keras_probs - tflite_probs).max()),
            "params": sum(v.size for v in params.values()) + sum(v.size for v in bn.values()),
            "trainable": sum(v.size for v in params.values()),
        }

        out = args.out
        for sub in ("images", "inputs"):
            shutil.rmtree(os.path.join(out, sub), ignore_errors=True)
        os.makedirs(out, exist_ok=True)
        h5_path = os.path.join(out, "fashion_cnn.h5")
        tflite_path = os.path.join(out, "fashion_cnn.tflite")
        write_keras_h5(h5_path, params, bn, optimizer)
        tensor_index = write_tflite(tflite_path, tfl, constants)
        with open(os.path.join(out, "labels.txt"), "w") as f:
            f.write("\n".join(CLASS_NAMES) + "\n")

        samples, inputs, expected = [], [], {}
        for i in pick_samples(keras_pred, y_test):
            label = CLASS_NAMES[y_test[i]]
            image = f"images/{label}/{i:04d}.png"
            name = f"{label}_{i:04d}"
            os.makedirs(os.path.join(out, "images", label), exist_ok=True)
            with open(os.path.join(out, image), "wb") as f:
                f.write(png_grayscale(x_test_u8[i]))
            npy = os.path.join(out, "inputs", name + ".npy")
            os.makedirs(os.path.dirname(npy), exist_ok=True)
            np.save(npy, x_test[i:i + 1])
            expected[name] = tflite_forward(constants, x_test[i:i + 1])
            inputs.append((name, npy))
            samples.append({"image": image, "input": f"inputs/{name}.npy", "label": label,
                            "predicted": CLASS_NAMES[keras_pred[i]], "prob": float(keras_probs[i].max())})

        facts["oracle"] = None
        if args.oracle:
            results, output_diff, per_tensor = run_oracle(
                args.oracle, tflite_path, inputs, expected, tensor_index, workdir)
            agree = 0
            for sample, result in zip(samples, results):
                sample["oracle"] = CLASS_NAMES[result["top1"]]
                agree += result["top1"] == int(expected[result["name"]]["dense"].argmax())
            facts["oracle"] = {"output_diff": output_diff, "per_tensor": per_tensor,
                               "intermediate_diff": max(d for d, _ in per_tensor.values()),
                               "top1_agree": agree}
            # Float results must agree within 1e-5 relative to the tensor's range.
            for tensor, (diff, magnitude) in per_tensor.items():
                if diff > 1e-5 * max(magnitude, 1.0):
                    raise RuntimeError(f"TFLite runtime disagrees on {tensor}: max |diff| {diff}")
            if output_diff > 1e-5:
                raise RuntimeError(f"TFLite runtime disagrees on the output: max |diff| {output_diff}")
        facts["samples"] = samples
        write_readme(os.path.join(out, "README.md"), facts)

        print(f"training: {seconds:.0f} s CPU; test accuracy {facts['accuracy']:.4f} "
              f"(TFLite graph in numpy {facts['tflite_accuracy']:.4f}, max |diff| {facts['fold_diff']:.3g})")
        if facts["oracle"]:
            print(f"oracle: output max |diff| {facts['oracle']['output_diff']:.3g}, intermediates "
                  f"{facts['oracle']['intermediate_diff']:.3g}, top-1 agrees on "
                  f"{facts['oracle']['top1_agree']}/{len(samples)}")
        for s in samples:
            print(f"  {s['image']}: {s['predicted']} ({s['prob']:.3f})"
                  + (f", oracle {s['oracle']}" if "oracle" in s else ""))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
