#!/usr/bin/env python3
"""Convert a CTranslate2 Whisper model (model.bin + config.json + vocabulary.txt) to whisper.cpp's ggml .bin.

Usage: ct2_to_ggml.py MODEL_DIR OUT.bin [--ftype f16|q8_0]

The output follows whisper.cpp's own models/convert-pt-to-ggml.py (the f16 default) and, for --ftype q8_0, what
whisper.cpp's `quantize` tool (examples/quantize/quantize.cpp + examples/common-ggml.cpp ggml_common_quantize_0)
writes when run on that f16 file. It is checked against the loader `whisper_model_load` in src/whisper.cpp
(whisper.cpp 1.8.3, as vendored by whisper-rs-sys 0.15.0). Only numpy is needed. The output is byte-identical on
every run (no timestamps, fixed tensor order, deterministic rounding).

File layout (all little-endian int32 unless noted):
  magic 0x67676d6c ("ggml")
  hparams: n_vocab n_audio_ctx n_audio_state n_audio_head n_audio_layer
           n_text_ctx n_text_state n_text_head n_text_layer n_mels ftype
           (ftype 1 = MOSTLY_F16; q8_0 writes GGML_QNT_VERSION*1000 + 7 = 2007 like the quantize tool)
  mel filters: n_mel, n_fft (=201), then n_mel*n_fft f32 (librosa Slaney filterbank, sr 16000, n_fft 400)
  vocab: count, then per token u32 length + raw bytes
  tensors until EOF: n_dims, name length, ttype (0 f32, 1 f16, 8 q8_0), ne[n_dims] (ggml order = numpy shape
           reversed), name bytes, data (numpy C order == ggml contiguous order)

CTranslate2 -> whisper.cpp tensor mapping (D = model width):
  encoder/position_encodings/encodings            -> encoder.positional_embedding           (f32)
  encoder/conv{1,2}/weight, bias                  -> encoder.conv{1,2}.weight (f16), .bias reshaped [D,1] (f32)
  encoder/layer_i/self_attention/linear_0 [3D,D]  -> encoder.blocks.i.attn.query|key|value (key has no bias)
  encoder/layer_i/self_attention/linear_1         -> encoder.blocks.i.attn.out
  encoder/layer_i/self_attention/layer_norm       -> encoder.blocks.i.attn_ln
  encoder/layer_i/ffn/linear_0|1                  -> encoder.blocks.i.mlp.0|2
  encoder/layer_i/ffn/layer_norm                  -> encoder.blocks.i.mlp_ln
  encoder/layer_norm                              -> encoder.ln_post
  decoder/position_encodings/encodings            -> decoder.positional_embedding           (f32)
  decoder/embeddings/weight                       -> decoder.token_embedding.weight
  decoder/layer_i/self_attention/*                -> decoder.blocks.i.attn.* / attn_ln       (as encoder)
  decoder/layer_i/attention/linear_0              -> decoder.blocks.i.cross_attn.query
  decoder/layer_i/attention/linear_1 [2D,D]       -> decoder.blocks.i.cross_attn.key|value (key has no bias)
  decoder/layer_i/attention/linear_2              -> decoder.blocks.i.cross_attn.out
  decoder/layer_i/attention/layer_norm            -> decoder.blocks.i.cross_attn_ln
  decoder/layer_i/ffn/*                           -> decoder.blocks.i.mlp.* / mlp_ln
  decoder/layer_norm                              -> decoder.ln
  layer_norm gamma|beta                           -> .weight|.bias
A key bias dropped from the fused projections only adds a per-query constant to the attention logits, which softmax
ignores; whisper has none (CTranslate2 stores zeros there) and the converter reports it if it is not zero.
"""

import argparse
import json
import os
import struct
import sys

import numpy as np

GGML_FILE_MAGIC = 0x67676D6C
GGML_QNT_VERSION = 2
GGML_QNT_VERSION_FACTOR = 1000
GGML_FTYPE_MOSTLY_F16 = 1
GGML_FTYPE_MOSTLY_Q8_0 = 7
GGML_TYPE_F32 = 0
GGML_TYPE_F16 = 1
GGML_TYPE_Q8_0 = 8
QK8_0 = 32

# Tensors that whisper.cpp's quantize tool never quantizes (examples/quantize/quantize.cpp `to_skip`); besides
# these, ggml_common_quantize_0 quantizes only 2-D tensors.
QUANT_SKIP = {
    "encoder.conv1.bias",
    "encoder.conv2.bias",
    "encoder.positional_embedding",
    "decoder.positional_embedding",
}

CT2_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16, 5: "bf16"}


def die(msg):
    print(f"ct2_to_ggml: error: {msg}", file=sys.stderr)
    sys.exit(1)


# ---------------------------------------------------------------------------------------------------------------
# CTranslate2 model.bin reader
# ---------------------------------------------------------------------------------------------------------------
def read_ct2(path):
    buf = memoryview(open(path, "rb").read())
    off = 0

    def unpack(fmt):
        nonlocal off
        vals = struct.unpack_from("<" + fmt, buf, off)
        off += struct.calcsize("<" + fmt)
        return vals

    def string():
        nonlocal off
        (n,) = unpack("H")
        s = bytes(buf[off : off + n]).rstrip(b"\0").decode("utf-8")
        off += n
        return s

    (version,) = unpack("I")
    if version < 5:
        die(f"{path}: unsupported CTranslate2 model version {version}")
    spec = string()
    if spec != "WhisperSpec":
        die(f"{path}: not a Whisper model (spec {spec!r})")
    (_revision,) = unpack("I")
    (n_vars,) = unpack("I")
    variables = {}
    for _ in range(n_vars):
        name = string()
        (rank,) = unpack("B")
        dims = unpack("I" * rank)
        (dtype,) = unpack("B")
        (nbytes,) = unpack("I")
        raw = buf[off : off + nbytes]
        off += nbytes
        if dtype not in CT2_DTYPES:
            die(f"{path}: variable {name}: unknown dtype {dtype}")
        dt = CT2_DTYPES[dtype]
        if dt == "bf16":
            arr = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype=np.dtype(dt).newbyteorder("<"))
        count = int(np.prod(dims)) if rank else 1
        if arr.size != count:
            die(f"{path}: variable {name}: {arr.size} values for shape {dims}")
        variables[name] = arr.reshape(dims) if rank else arr.reshape(())
    (n_aliases,) = unpack("I")
    for _ in range(n_aliases):
        alias, target = string(), string()
        if target in variables:
            variables[alias] = variables[target]
    if off != len(buf):
        die(f"{path}: {len(buf) - off} trailing bytes; not a CTranslate2 model?")
    if any(name.endswith("weight_scale") for name in variables):
        die(f"{path}: int8-quantized CTranslate2 models are not supported (need float16/float32 weights)")
    return variables


# ---------------------------------------------------------------------------------------------------------------
# Mel filterbank: librosa.filters.mel(sr=16000, n_fft=400, n_mels=N) with its defaults (htk=False, norm="slaney",
# fmin=0, fmax=sr/2, dtype float32) -- what whisper's assets/mel_filters.npz holds. Re-implemented step by step.
# ---------------------------------------------------------------------------------------------------------------
def _hz_to_mel(freqs):
    freqs = np.asanyarray(freqs, dtype=np.float64)
    f_min, f_sp = 0.0, 200.0 / 3
    mels = (freqs - f_min) / f_sp
    min_log_hz = 1000.0
    min_log_mel = (min_log_hz - f_min) / f_sp
    logstep = np.log(6.4) / 27.0
    if freqs.ndim:
        log_t = freqs >= min_log_hz
        mels[log_t] = min_log_mel + np.log(freqs[log_t] / min_log_hz) / logstep
    elif freqs >= min_log_hz:
        mels = min_log_mel + np.log(freqs / min_log_hz) / logstep
    return mels


def _mel_to_hz(mels):
    mels = np.asanyarray(mels, dtype=np.float64)
    f_min, f_sp = 0.0, 200.0 / 3
    freqs = f_min + f_sp * mels
    min_log_hz = 1000.0
    min_log_mel = (min_log_hz - f_min) / f_sp
    logstep = np.log(6.4) / 27.0
    log_t = mels >= min_log_mel
    freqs[log_t] = min_log_hz * np.exp(logstep * (mels[log_t] - min_log_mel))
    return freqs


def mel_filters(n_mels, sr=16000, n_fft=400):
    fmin, fmax = 0.0, sr / 2.0
    weights = np.zeros((n_mels, 1 + n_fft // 2), dtype=np.float32)
    fftfreqs = np.fft.rfftfreq(n=n_fft, d=1.0 / sr)
    mel_f = _mel_to_hz(np.linspace(_hz_to_mel(fmin), _hz_to_mel(fmax), n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fftfreqs)
    for i in range(n_mels):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    enorm = 2.0 / (mel_f[2 : n_mels + 2] - mel_f[:n_mels])
    weights *= enorm[:, np.newaxis]
    return weights


# ---------------------------------------------------------------------------------------------------------------
# Vocabulary: GPT-2 byte-to-unicode (openai/gpt-2 encoder.py), inverted to get each token's raw bytes.
# ---------------------------------------------------------------------------------------------------------------
def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(2**8):
        if b not in bs:
            bs.append(b)
            cs.append(2**8 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def load_vocab(path, n_vocab):
    text = open(path, "r", encoding="utf-8").read()
    lines = text.split("\n")  # not splitlines(): only "\n" separates tokens, and line 50256 may be empty
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) != n_vocab:
        die(f"{path}: {len(lines)} tokens, but the model has n_vocab = {n_vocab}")
    multilingual = n_vocab >= 51865
    # whisper.cpp writes the BPE ranks only: gpt2.tiktoken (50256) or multilingual.tiktoken (50257); the special
    # tokens that follow are rebuilt by the loader.
    n_tokens = 50257 if multilingual else 50256
    if lines[n_tokens] != "<|endoftext|>":
        die(f"{path}: token {n_tokens} is {lines[n_tokens]!r}, expected <|endoftext|>")
    byte_decoder = {v: k for k, v in bytes_to_unicode().items()}
    out = []
    for i, tok in enumerate(lines[:n_tokens]):
        try:
            out.append(bytes(byte_decoder[c] for c in tok))
        except KeyError as e:
            die(f"{path}: token {i} {tok!r} has a character outside GPT-2's byte alphabet: {e}")
    return out


# ---------------------------------------------------------------------------------------------------------------
# q8_0: ggml's quantize_row_q8_0_ref (ggml/src/ggml-quants.c), in float32 like the C code.
# block_q8_0 = { ggml_half d; int8_t qs[32]; } (34 bytes, packed)
# ---------------------------------------------------------------------------------------------------------------
BLOCK_Q8_0 = np.dtype([("d", "<f2"), ("qs", "i1", (QK8_0,))])
assert BLOCK_Q8_0.itemsize == 34


def quantize_q8_0(x):
    x = np.ascontiguousarray(x, dtype=np.float32).reshape(-1, QK8_0)
    amax = np.max(np.abs(x), axis=1)  # float32
    d = (amax / np.float32(127)).astype(np.float32)
    with np.errstate(divide="ignore"):
        inv = np.where(d != 0, np.float32(1) / d, np.float32(0)).astype(np.float32)
    x0 = (x * inv[:, None]).astype(np.float32)
    # roundf(): half away from zero, done exactly (floor(|v| + 0.5) is wrong for 0.49999997 in float32)
    r = np.trunc(x0)
    frac = x0 - r  # exact in float32
    r = r + np.where(frac >= 0.5, 1, 0) - np.where(frac <= -0.5, 1, 0)
    if np.max(np.abs(r)) > 127:
        die("q8_0 quantization produced a value outside int8")
    out = np.empty(x.shape[0], dtype=BLOCK_Q8_0)
    out["d"] = d.astype(np.float16)  # round-to-nearest-even, as GGML_FP32_TO_FP16 / F16C
    out["qs"] = r.astype(np.int8)
    return out


# ---------------------------------------------------------------------------------------------------------------
# Conversion
# ---------------------------------------------------------------------------------------------------------------
def convert(model_dir, out_path, ftype_name):
    v = read_ct2(os.path.join(model_dir, "model.bin"))
    cfg_path = os.path.join(model_dir, "config.json")
    if os.path.exists(cfg_path):
        json.load(open(cfg_path))  # only to fail early on a broken download; hparams come from the weights

    def get(name):
        if name not in v:
            die(f"model.bin has no variable {name!r}")
        return v[name]

    def scalar(name):
        return int(get(name).reshape(-1)[0])

    if scalar("decoder/scale_embeddings") != 0:
        die("decoder/scale_embeddings is set; whisper does not scale embeddings")
    if "decoder/pre_norm" in v and scalar("decoder/pre_norm") != 1:
        die("decoder/pre_norm is not set; not a Whisper layout")

    n_audio_layer = sum(1 for k in v if k.startswith("encoder/layer_") and k.endswith("/ffn/linear_0/weight"))
    n_text_layer = sum(1 for k in v if k.startswith("decoder/layer_") and k.endswith("/ffn/linear_0/weight"))
    e_pe = get("encoder/position_encodings/encodings")
    d_pe = get("decoder/position_encodings/encodings")
    d_te = get("decoder/embeddings/weight")
    conv1 = get("encoder/conv1/weight")
    hp = {
        "n_vocab": d_te.shape[0],
        "n_audio_ctx": e_pe.shape[0],
        "n_audio_state": e_pe.shape[1],
        "n_audio_head": scalar("encoder/num_heads"),
        "n_audio_layer": n_audio_layer,
        "n_text_ctx": d_pe.shape[0],
        "n_text_state": d_pe.shape[1],
        "n_text_head": scalar("decoder/num_heads"),
        "n_text_layer": n_text_layer,
        "n_mels": conv1.shape[1],
    }
    if hp["n_audio_state"] != hp["n_text_state"] or d_te.shape[1] != hp["n_text_state"]:
        die(f"inconsistent model widths: {hp}")
    if "decoder/projection/weight" in v and v["decoder/projection/weight"] is not d_te:
        if not np.array_equal(v["decoder/projection/weight"], d_te):
            die("decoder/projection/weight differs from the token embedding; whisper ties them")

    D = hp["n_audio_state"]
    tensors = []  # (name, numpy array in PyTorch/OpenAI shape)
    warned = []

    def add(name, arr):
        tensors.append((name, arr))

    def ln(dst, src):
        add(dst + ".weight", get(src + "/gamma"))
        add(dst + ".bias", get(src + "/beta"))

    def linear(dst, src, bias=True):
        add(dst + ".weight", get(src + "/weight"))
        if bias:
            add(dst + ".bias", get(src + "/bias"))

    def fused(dst_names, src, width):
        w, b = get(src + "/weight"), get(src + "/bias")
        k = len(dst_names)
        if w.shape != (k * width, width) or b.shape != (k * width,):
            die(f"{src}: shape {w.shape}/{b.shape}, expected ({k * width}, {width})")
        for j, dst in enumerate(dst_names):
            add(dst + ".weight", w[j * width : (j + 1) * width])
            bj = b[j * width : (j + 1) * width]
            if dst.endswith(".key"):
                if np.any(bj != 0):
                    warned.append(f"{src}: non-zero key bias dropped (softmax-invariant)")
            else:
                add(dst + ".bias", bj)

    # Same order as OpenAI's state_dict (and hence whisper.cpp's converter output).
    add("encoder.positional_embedding", e_pe)
    add("encoder.conv1.weight", conv1)
    add("encoder.conv1.bias", get("encoder/conv1/bias").reshape(-1, 1))
    add("encoder.conv2.weight", get("encoder/conv2/weight"))
    add("encoder.conv2.bias", get("encoder/conv2/bias").reshape(-1, 1))
    for i in range(n_audio_layer):
        s, d = f"encoder/layer_{i}", f"encoder.blocks.{i}"
        fused([f"{d}.attn.query", f"{d}.attn.key", f"{d}.attn.value"], f"{s}/self_attention/linear_0", D)
        linear(f"{d}.attn.out", f"{s}/self_attention/linear_1")
        ln(f"{d}.attn_ln", f"{s}/self_attention/layer_norm")
        linear(f"{d}.mlp.0", f"{s}/ffn/linear_0")
        linear(f"{d}.mlp.2", f"{s}/ffn/linear_1")
        ln(f"{d}.mlp_ln", f"{s}/ffn/layer_norm")
    ln("encoder.ln_post", "encoder/layer_norm")
    add("decoder.positional_embedding", d_pe)
    add("decoder.token_embedding.weight", d_te)
    for i in range(n_text_layer):
        s, d = f"decoder/layer_{i}", f"decoder.blocks.{i}"
        fused([f"{d}.attn.query", f"{d}.attn.key", f"{d}.attn.value"], f"{s}/self_attention/linear_0", D)
        linear(f"{d}.attn.out", f"{s}/self_attention/linear_1")
        ln(f"{d}.attn_ln", f"{s}/self_attention/layer_norm")
        linear(f"{d}.cross_attn.query", f"{s}/attention/linear_0")
        fused([f"{d}.cross_attn.key", f"{d}.cross_attn.value"], f"{s}/attention/linear_1", D)
        linear(f"{d}.cross_attn.out", f"{s}/attention/linear_2")
        ln(f"{d}.cross_attn_ln", f"{s}/attention/layer_norm")
        linear(f"{d}.mlp.0", f"{s}/ffn/linear_0")
        linear(f"{d}.mlp.2", f"{s}/ffn/linear_1")
        ln(f"{d}.mlp_ln", f"{s}/ffn/layer_norm")
    ln("decoder.ln", "decoder/layer_norm")

    expected = 7 + 15 * n_audio_layer + 4 + 24 * n_text_layer
    if len(tensors) != expected:
        die(f"built {len(tensors)} tensors, expected {expected}")

    vocab = load_vocab(os.path.join(model_dir, "vocabulary.txt"), hp["n_vocab"])
    filters = mel_filters(hp["n_mels"])

    if ftype_name == "f16":
        header_ftype = GGML_FTYPE_MOSTLY_F16
    elif ftype_name == "q8_0":
        header_ftype = GGML_QNT_VERSION * GGML_QNT_VERSION_FACTOR + GGML_FTYPE_MOSTLY_Q8_0
    else:
        die(f"unknown --ftype {ftype_name}")

    tmp = out_path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<I", GGML_FILE_MAGIC))
        for key in ("n_vocab", "n_audio_ctx", "n_audio_state", "n_audio_head", "n_audio_layer", "n_text_ctx",
                    "n_text_state", "n_text_head", "n_text_layer", "n_mels"):
            f.write(struct.pack("<i", hp[key]))
        f.write(struct.pack("<i", header_ftype))

        f.write(struct.pack("<ii", filters.shape[0], filters.shape[1]))
        f.write(filters.astype("<f4").tobytes())

        f.write(struct.pack("<i", len(vocab)))
        for tok in vocab:
            f.write(struct.pack("<I", len(tok)))
            f.write(tok)

        for name, arr in tensors:
            n_dims = arr.ndim
            # convert-pt-to-ggml.py: small tensors f32, the rest f16
            if n_dims < 2 or name in QUANT_SKIP:
                data, ttype = np.ascontiguousarray(arr, dtype="<f4"), GGML_TYPE_F32
            else:
                data, ttype = np.ascontiguousarray(arr, dtype="<f2"), GGML_TYPE_F16
            if not np.all(np.isfinite(data)):
                die(f"{name}: non-finite values")
            # quantize.cpp on that f16 file: every 2-D tensor not in to_skip becomes q8_0 (f16 -> f32 -> q8_0)
            if header_ftype != GGML_FTYPE_MOSTLY_F16 and n_dims == 2 and name not in QUANT_SKIP:
                if data.shape[-1] % QK8_0:
                    die(f"{name}: row length {data.shape[-1]} is not a multiple of {QK8_0}")
                data, ttype = quantize_q8_0(data.astype(np.float32)), GGML_TYPE_Q8_0
                ne = list(reversed(arr.shape))
            else:
                ne = list(reversed(data.shape))
            name_b = name.encode("utf-8")
            f.write(struct.pack("<iii", n_dims, len(name_b), ttype))
            f.write(struct.pack("<" + "i" * n_dims, *ne))
            f.write(name_b)
            f.write(data.tobytes())
    os.replace(tmp, out_path)

    for w in warned:
        print(f"ct2_to_ggml: note: {w}", file=sys.stderr)
    print(f"ct2_to_ggml: wrote {out_path} ({ftype_name}, {len(tensors)} tensors, {len(vocab)} tokens, "
          f"{os.path.getsize(out_path)} bytes) hparams={hp}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model_dir", help="directory with model.bin, config.json, vocabulary.txt")
    ap.add_argument("out", help="output ggml .bin")
    ap.add_argument("--ftype", default="f16", choices=["f16", "q8_0"])
    args = ap.parse_args()
    convert(args.model_dir, args.out, args.ftype)


if __name__ == "__main__":
    main()
