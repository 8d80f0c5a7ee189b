#!/usr/bin/env python3
"""Reference Silero VAD in numpy that reads whisper.cpp's VAD ggml file: a check that the converted file detects speech.

Usage: vad_ref.py ggml-silero-vad.bin CLIP.wav [--min F] [--max F]

Runs the same graph as whisper.cpp's whisper_vad_build_graph (src/whisper.cpp): per 512-sample window with 64 samples
of context, reflect-pad 64, STFT as a conv with the stored basis (stride 128), magnitude, 4 conv+ReLU layers (strides
1, 2, 2, 1), an LSTM cell carried across windows, ReLU, 1x1 conv, sigmoid. Prints the fraction of windows with speech
probability > 0.5; with --min/--max it fails (exit 1) outside that range.
"""

import argparse
import os
import sys
import wave

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_ggml import GGML_FILE_MAGIC, Reader, read_tensors, to_f32  # noqa: E402


def load(path):
    r = Reader(path)
    assert r.u32() == GGML_FILE_MAGIC
    r.raw(r.i32())  # model type
    r.i32(3)  # version
    n_window, n_context = r.i32(2)
    n_layers = r.i32()
    layers = [r.i32(3) for _ in range(n_layers)]
    r.i32(4)
    tensors, _ = read_tensors(r)
    w = {k: to_f32(t).reshape(list(reversed(t["ne"][: t["n_dims"]])) or [1]) for k, t in tensors.items()}
    return n_window, n_context, layers, w


def conv1d(x, w, b, stride, pad):  # x (C_in, T), w (C_out, C_in, K)
    k = w.shape[2]
    xp = np.pad(x, ((0, 0), (pad, pad)))
    t_out = (xp.shape[1] - k) // stride + 1
    cols = np.stack([xp[:, j : j + stride * t_out : stride] for j in range(k)], axis=1)
    y = np.einsum("oik,ikt->ot", w, cols, optimize=True)
    return y if b is None else y + b.reshape(-1, 1)


def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # = 1/(1+exp(-x)) without overflow


def speech_probs(model, audio):
    n_window, n_context, layers, w = load(model)
    basis = w["_model.stft.forward_basis_buffer"]  # (258, 1, 256)
    hidden = w["_model.decoder.rnn.weight_hh"].shape[1]
    h = np.zeros(hidden, np.float32)
    c = np.zeros(hidden, np.float32)
    context = np.zeros(n_context, np.float32)
    n = len(audio) // n_window
    probs = []
    for i in range(n):
        chunk = audio[i * n_window : (i + 1) * n_window]
        x = np.concatenate([context, chunk])
        context = chunk[-n_context:]
        x = np.pad(x, (0, 64), mode="reflect")
        spec = conv1d(x[None, :], basis, None, 128, 0)  # (258, T)
        half = spec.shape[0] // 2
        x = np.sqrt(spec[:half] ** 2 + spec[half:] ** 2)
        for j, stride in enumerate((1, 2, 2, 1)):
            x = np.maximum(conv1d(x, w[f"_model.encoder.{j}.reparam_conv.weight"],
                                  w[f"_model.encoder.{j}.reparam_conv.bias"], stride, 1), 0)
        x = x[:, 0]
        g = (w["_model.decoder.rnn.weight_ih"] @ x + w["_model.decoder.rnn.bias_ih"]
             + w["_model.decoder.rnn.weight_hh"] @ h + w["_model.decoder.rnn.bias_hh"])
        gi, gf, gg, go = np.split(g, 4)
        c = sigmoid(gf) * c + sigmoid(gi) * np.tanh(gg)
        h = sigmoid(go) * np.tanh(c)
        y = w["_model.decoder.decoder.2.weight"].reshape(-1) @ np.maximum(h, 0) + w["_model.decoder.decoder.2.bias"].reshape(-1)[0]
        probs.append(float(sigmoid(y)))
    return np.array(probs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("wav")
    ap.add_argument("--min", type=float, default=0.0)
    ap.add_argument("--max", type=float, default=1.0)
    args = ap.parse_args()
    with wave.open(args.wav, "rb") as f:
        assert f.getsampwidth() == 2 and f.getframerate() == 16000 and f.getnchannels() == 1, "need 16 kHz mono s16"
        audio = np.frombuffer(f.readframes(f.getnframes()), "<i2").astype(np.float32) / 32768.0
    p = speech_probs(args.model, audio)
    frac = float(np.mean(p > 0.5)) if len(p) else 0.0
    line = (f"{os.path.basename(args.model)} {os.path.basename(args.wav)}: speech in {frac:.0%} of {len(p)} windows "
            f"(mean p {p.mean():.2f}, max {p.max():.2f})")
    print(line)
    if not (args.min <= frac <= args.max):
        print(f"vad_ref: FAILED: {line}, expected {args.min:.0%}..{args.max:.0%}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
