#!/usr/bin/env python3
"""Convert Silero VAD 16 kHz weights (from the silero-vad wheel) to whisper.cpp's VAD ggml format.

Usage: silero_to_ggml.py silero_vad.jit|silero_vad_16k.safetensors OUT.bin --version 6.2.3

Follows whisper.cpp's models/convert-silero-vad-to-ggml.py, which takes load_silero_vad().state_dict() -- the weights
of the TorchScript file silero_vad/data/silero_vad.jit -- drops the 8 kHz branch ("_model_8k.*") and writes the
"_model.*" tensors. Without torch, the .jit (a zip: data.pkl + data/<n> raw storages) is read here with a restricted
unpickler that only rebuilds tensors; its names are already whisper.cpp's (VAD_TENSOR_NAMES in whisper-arch.h).

In silero-vad 6.2.3 the .jit 16 kHz weights are the ones every shipped ONNX model holds (silero_vad.onnx etc.), while
silero_vad_16k.safetensors (for the tinygrad example) holds a different, correlated set of weights (r ~ 0.9-0.99 per
tensor). The .jit is therefore the default source, as in whisper.cpp; a .safetensors input is still accepted, with its
TinySileroVAD names (tinygrad_model.py) mapped like this (same shapes):

  safetensors             shape          whisper.cpp name (VAD_TENSOR_NAMES)        written as
  conv1.weight            [128,129,3]    _model.encoder.0.reparam_conv.weight       f16, ne [3,129,128]
  conv1.bias              [128]          _model.encoder.0.reparam_conv.bias         f32
  conv2.* / conv3.* / conv4.*            _model.encoder.1|2|3.reparam_conv.*        (as conv1)
  lstm_cell.weight_ih     [512,128]      _model.decoder.rnn.weight_ih               f32, ne [128,512]
  lstm_cell.weight_hh     [512,128]      _model.decoder.rnn.weight_hh               f32
  lstm_cell.bias_ih       [512]          _model.decoder.rnn.bias_ih                 f32
  lstm_cell.bias_hh       [512]          _model.decoder.rnn.bias_hh                 f32
  final_conv.weight       [1,128,1]      _model.decoder.decoder.2.weight            f16, squeezed: n_dims 1, ne [128]
  final_conv.bias         [1]            _model.decoder.decoder.2.bias              f32, squeezed: n_dims 0
  stft_conv.weight        [258,1,256]    _model.stft.forward_basis_buffer           f16, not squeezed, ne [256,1,258]

Header (int32): magic 0x67676d6c, len + "silero-16k", version major/minor/patch, window 512, context 64,
n_encoder_layers 4, per layer (in, out, kernel) = (129,128,3) (128,64,3) (64,64,3) (64,128,3), lstm input 128,
lstm hidden 128, final conv in 128, out 1. Tensor records are the same as in whisper models. Output is deterministic.
"""

import argparse
import collections
import io
import json
import os
import pickle
import struct
import sys
import zipfile

import numpy as np

RENAME = {
    "conv1.weight": "_model.encoder.0.reparam_conv.weight",
    "conv1.bias": "_model.encoder.0.reparam_conv.bias",
    "conv2.weight": "_model.encoder.1.reparam_conv.weight",
    "conv2.bias": "_model.encoder.1.reparam_conv.bias",
    "conv3.weight": "_model.encoder.2.reparam_conv.weight",
    "conv3.bias": "_model.encoder.2.reparam_conv.bias",
    "conv4.weight": "_model.encoder.3.reparam_conv.weight",
    "conv4.bias": "_model.encoder.3.reparam_conv.bias",
    "lstm_cell.weight_ih": "_model.decoder.rnn.weight_ih",
    "lstm_cell.weight_hh": "_model.decoder.rnn.weight_hh",
    "lstm_cell.bias_ih": "_model.decoder.rnn.bias_ih",
    "lstm_cell.bias_hh": "_model.decoder.rnn.bias_hh",
    "final_conv.weight": "_model.decoder.decoder.2.weight",
    "final_conv.bias": "_model.decoder.decoder.2.bias",
    "stft_conv.weight": "_model.stft.forward_basis_buffer",
}
EXPECTED_SHAPES = {
    "stft_conv.weight": (258, 1, 256),
    "conv1.weight": (128, 129, 3), "conv1.bias": (128,),
    "conv2.weight": (64, 128, 3), "conv2.bias": (64,),
    "conv3.weight": (64, 64, 3), "conv3.bias": (64,),
    "conv4.weight": (128, 64, 3), "conv4.bias": (128,),
    "lstm_cell.weight_ih": (512, 128), "lstm_cell.weight_hh": (512, 128),
    "lstm_cell.bias_ih": (512,), "lstm_cell.bias_hh": (512,),
    "final_conv.weight": (1, 128, 1), "final_conv.bias": (1,),
}
# the converter's write order: encoder w/b, LSTM, final conv, STFT basis last
ORDER = [f"conv{i}.{p}" for i in range(1, 5) for p in ("weight", "bias")] + [
    "lstm_cell.weight_ih", "lstm_cell.weight_hh", "lstm_cell.bias_ih", "lstm_cell.bias_hh",
    "final_conv.weight", "final_conv.bias", "stft_conv.weight"]

ST_DTYPES = {"F32": "<f4", "F16": "<f2", "F64": "<f8"}


def die(msg):
    print(f"silero_to_ggml: error: {msg}", file=sys.stderr)
    sys.exit(1)


def read_safetensors(path):
    buf = open(path, "rb").read()
    (n,) = struct.unpack_from("<Q", buf, 0)
    header = json.loads(buf[8 : 8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] not in ST_DTYPES:
            die(f"{path}: {name}: unsupported dtype {info['dtype']}")
        start, end = info["data_offsets"]
        arr = np.frombuffer(buf[base + start : base + end], dtype=ST_DTYPES[info["dtype"]])
        out[name] = arr.reshape(info["shape"]).astype(np.float32)
    return out


class _ScriptObject:
    """Stands in for every __torch__.* class in a TorchScript pickle; keeps its attributes."""

    def __setstate__(self, state):
        self.__dict__.update(state if isinstance(state, dict) else {"_state_": state})


def read_jit(path):
    """Tensors of a TorchScript archive, named by attribute path (e.g. _model.encoder.0.reparam_conv.weight)."""
    z = zipfile.ZipFile(path)
    pkls = [n for n in z.namelist() if n.endswith("/data.pkl")]
    if len(pkls) != 1:
        die(f"{path}: not a TorchScript archive (no single */data.pkl)")
    root = pkls[0][: -len("data.pkl")]
    storage_dtypes = {"FloatStorage": "<f4", "HalfStorage": "<f2", "DoubleStorage": "<f8", "LongStorage": "<i8",
                      "IntStorage": "<i4", "BoolStorage": "?"}

    def rebuild_tensor(storage, offset, size, stride, *_):
        if len(size) == 0:
            return np.array(storage[offset])
        view = np.lib.stride_tricks.as_strided(storage[offset:], shape=tuple(size),
                                               strides=tuple(st * storage.itemsize for st in stride))
        return np.array(view)

    class Unpickler(pickle.Unpickler):
        def find_class(self, module, name):
            if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
                return rebuild_tensor
            if (module, name) == ("collections", "OrderedDict"):
                return collections.OrderedDict
            if module == "torch.jit._pickle" and name.startswith("build_"):
                return lambda x: x
            if module == "torch" and name in storage_dtypes:
                return name
            if module.startswith("__torch__."):
                return type(name, (_ScriptObject,), {})
            raise pickle.UnpicklingError(f"{path}: refusing to load {module}.{name}")

        def persistent_load(self, pid):
            kind, storage_type, key, _location, _numel = pid
            if kind != "storage" or storage_type not in storage_dtypes:
                die(f"{path}: unsupported storage {pid}")
            return np.frombuffer(z.read(f"{root}data/{key}"), storage_dtypes[storage_type])

    top = Unpickler(io.BytesIO(z.read(pkls[0]))).load()
    tensors = {}

    def walk(obj, prefix):
        for k, v in vars(obj).items():
            if isinstance(v, np.ndarray):
                tensors[prefix + k] = v
            elif isinstance(v, _ScriptObject):
                walk(v, prefix + k + ".")

    walk(top, "")
    return tensors


def load_weights(src):
    """The 16 kHz weights under the safetensors names used below."""
    if src.endswith(".safetensors"):
        return read_safetensors(src)
    t = read_jit(src)
    inv = {v: k for k, v in RENAME.items()}
    w = {inv[k]: v.astype(np.float32) for k, v in t.items() if k in inv}  # drops _model_8k.*, _state, _context
    missing = sorted(set(RENAME.values()) - set(t))
    if missing:
        die(f"{src}: no tensors {missing}")
    return w


def convert(src, out_path, version):
    w = load_weights(src)
    if set(w) != set(EXPECTED_SHAPES):
        die(f"{src}: tensors {sorted(w)} differ from the Silero v5/v6 16 kHz layout {sorted(EXPECTED_SHAPES)}")
    for k, shape in EXPECTED_SHAPES.items():
        if tuple(w[k].shape) != shape:
            die(f"{src}: {k} has shape {w[k].shape}, expected {shape}")
    major, minor, patch = (int(x) for x in version.split("."))

    tmp = out_path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<I", 0x67676D6C))
        model_type = b"silero-16k"
        f.write(struct.pack("<i", len(model_type)) + model_type)
        f.write(struct.pack("<iii", major, minor, patch))
        f.write(struct.pack("<ii", 512, 64))  # window, context
        f.write(struct.pack("<i", 4))
        for cin, cout in ((129, 128), (128, 64), (64, 64), (64, 128)):
            f.write(struct.pack("<iii", cin, cout, 3))
        f.write(struct.pack("<ii", 128, 128))  # lstm input, hidden
        f.write(struct.pack("<ii", 128, 1))  # final conv in, out
        for key in ORDER:
            name = RENAME[key]
            data = w[key]
            if name != "_model.stft.forward_basis_buffer":
                data = data.squeeze()  # as the converter: final conv weight -> [128], bias -> scalar
            is_conv_weight = name == "_model.stft.forward_basis_buffer" or (
                "weight" in name and ("encoder" in name or "_model.decoder.decoder.2" in name))
            if is_conv_weight:
                data, ftype = np.ascontiguousarray(data, dtype="<f2"), 1
            else:
                data, ftype = np.ascontiguousarray(data, dtype="<f4"), 0
            if not np.all(np.isfinite(data)):
                die(f"{key}: non-finite values")
            ne = list(reversed(data.shape))
            nb = name.encode()
            f.write(struct.pack("<iii", len(ne), len(nb), ftype))
            f.write(struct.pack("<" + "i" * len(ne), *ne))
            f.write(nb)
            f.write(data.tobytes())
    os.replace(tmp, out_path)
    print(f"silero_to_ggml: wrote {out_path} from {os.path.basename(src)} (silero-16k v{version}, {len(ORDER)} tensors, "
          f"{os.path.getsize(out_path)} bytes)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("src", help="silero_vad.jit (default in whisper.cpp) or silero_vad_16k.safetensors")
    ap.add_argument("out")
    ap.add_argument("--version", required=True, help="silero-vad version written to the header, e.g. 6.2.3")
    args = ap.parse_args()
    convert(args.src, args.out, args.version)


if __name__ == "__main__":
    main()
