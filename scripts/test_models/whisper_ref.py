#!/usr/bin/env python3
"""Reference Whisper inference in numpy that reads a whisper.cpp ggml file: a check that the converted files transcribe.

Usage: whisper_ref.py MODEL.bin CLIP.wav [--lang auto|en|de|...] [--expect TEXT.txt --max-wer 0.25]

It reads the ggml file as whisper.cpp does (hparams, the mel filters stored in the file, the vocab bytes, tensors by
name with ne[] reversed into numpy shapes, f32/f16/q8_0) and runs OpenAI Whisper's forward pass (log-mel of a 30 s
window, conv/GELU encoder, pre-norm attention blocks with (d/h)^-0.25 scaling on q and k, tied output embedding) with
greedy decoding and no timestamps. A mistake in the tensor mapping, the q/k/v split, the mel filters or the vocab
shows up as garbage text. It is not fast and not meant for production: one 30 s window, no beam search.
With --expect it fails (exit 1) when the word error rate against the text file exceeds --max-wer.
"""

import argparse
import os
import re
import sys
import wave

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # be gentle on a shared machine
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_ggml import HPARAMS, GGML_FILE_MAGIC, Reader, read_tensors, to_f32  # noqa: E402

SAMPLE_RATE, N_FFT, HOP, CHUNK = 16000, 400, 160, 30
LANGS = ["en", "zh", "de", "es", "ru", "ko", "fr", "ja", "pt", "tr", "pl", "ca", "nl", "ar", "sv", "it", "id", "hi",
         "fi", "vi", "he", "uk", "el", "ms", "cs", "ro", "da", "hu", "ta", "no", "th", "ur", "hr", "bg", "lt", "la",
         "mi", "ml", "cy", "sk", "te", "fa", "lv", "bn", "sr", "az", "sl", "kn", "et", "mk", "br", "eu", "is", "hy",
         "ne", "mn", "bs", "kk", "sq", "sw", "gl", "mr", "pa", "si", "km", "sn", "yo", "so", "af", "oc", "ka", "be",
         "tg", "sd", "gu", "am", "yi", "lo", "uz", "fo", "ht", "ps", "tk", "nn", "mt", "sa", "lb", "my", "bo", "tl",
         "mg", "as", "tt", "haw", "ln", "ha", "ba", "jw", "su"]


def load(path):
    r = Reader(path)
    assert r.u32() == GGML_FILE_MAGIC
    hp = dict(zip(HPARAMS, r.i32(11)))
    n_mel, n_fft = r.i32(2)
    filters = np.frombuffer(r.raw(4 * n_mel * n_fft), "<f4").reshape(n_mel, n_fft)
    vocab = [r.raw(r.u32()) for _ in range(r.i32())]
    tensors, _ = read_tensors(r)
    w = {}
    for name, t in tensors.items():
        shape = list(reversed(t["ne"][: t["n_dims"]]))
        w[name] = to_f32(t).reshape(shape)
    return hp, filters, vocab, w


def read_wav(path):
    with wave.open(path, "rb") as f:
        assert f.getsampwidth() == 2 and f.getframerate() == SAMPLE_RATE, "need 16 kHz 16-bit WAV"
        x = np.frombuffer(f.readframes(f.getnframes()), "<i2").astype(np.float32) / 32768.0
        return x.reshape(-1, f.getnchannels()).mean(axis=1)


def log_mel(audio, filters):
    x = np.zeros(SAMPLE_RATE * CHUNK, np.float32)
    x[: min(len(audio), len(x))] = audio[: len(x)]
    x = np.pad(x, N_FFT // 2, mode="reflect")
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)  # periodic Hann
    n_frames = 1 + (len(x) - N_FFT) // HOP
    frames = np.lib.stride_tricks.as_strided(x, (n_frames, N_FFT), (x.strides[0] * HOP, x.strides[0]))
    power = np.abs(np.fft.rfft(frames * window, axis=1)) ** 2
    mel = filters @ power[:-1].T  # (n_mels, 3000)
    spec = np.log10(np.maximum(mel, 1e-10))
    spec = np.maximum(spec, spec.max() - 8.0)
    return ((spec + 4.0) / 4.0).astype(np.float32)


def gelu(x):
    return 0.5 * x * (1.0 + np.tanh(0.7978845608028654 * (x + 0.044715 * x**3)))


def layer_norm(x, w, b, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def conv1d(x, w, b, stride):  # x (C_in, T), w (C_out, C_in, 3), padding 1
    xp = np.pad(x, ((0, 0), (1, 1)))
    t_out = (xp.shape[1] - 3) // stride + 1
    cols = np.stack([xp[:, k : k + stride * t_out : stride] for k in range(3)], axis=1)  # (C_in, 3, T)
    return np.einsum("oik,ikt->ot", w, cols, optimize=True) + b.reshape(-1, 1)


def attention(w, p, x, xa, n_head, mask=None):
    q = x @ w[p + ".query.weight"].T + w[p + ".query.bias"]
    src = x if xa is None else xa
    k = src @ w[p + ".key.weight"].T
    v = src @ w[p + ".value.weight"].T + w[p + ".value.bias"]
    n, d = q.shape
    hd = d // n_head
    scale = hd ** -0.25
    q = (q * scale).reshape(n, n_head, hd).transpose(1, 0, 2)
    k = (k * scale).reshape(-1, n_head, hd).transpose(1, 2, 0)
    v = v.reshape(-1, n_head, hd).transpose(1, 0, 2)
    s = q @ k
    if mask is not None:
        s = s + mask
    s = np.exp(s - s.max(-1, keepdims=True))
    s /= s.sum(-1, keepdims=True)
    o = (s @ v).transpose(1, 0, 2).reshape(n, d)
    return o @ w[p + ".out.weight"].T + w[p + ".out.bias"]


def block(w, p, x, n_head, xa=None, mask=None, cross=False):
    x = x + attention(w, p + ".attn", layer_norm(x, w[p + ".attn_ln.weight"], w[p + ".attn_ln.bias"]), None, n_head, mask)
    if cross:
        h = layer_norm(x, w[p + ".cross_attn_ln.weight"], w[p + ".cross_attn_ln.bias"])
        x = x + attention(w, p + ".cross_attn", h, xa, n_head)
    h = layer_norm(x, w[p + ".mlp_ln.weight"], w[p + ".mlp_ln.bias"])
    h = gelu(h @ w[p + ".mlp.0.weight"].T + w[p + ".mlp.0.bias"]) @ w[p + ".mlp.2.weight"].T + w[p + ".mlp.2.bias"]
    return x + h


def encode(hp, w, mel):
    x = gelu(conv1d(mel, w["encoder.conv1.weight"], w["encoder.conv1.bias"], 1))
    x = gelu(conv1d(x, w["encoder.conv2.weight"], w["encoder.conv2.bias"], 2)).T
    x = x + w["encoder.positional_embedding"]
    for i in range(hp["n_audio_layer"]):
        x = block(w, f"encoder.blocks.{i}", x, hp["n_audio_head"])
    return layer_norm(x, w["encoder.ln_post.weight"], w["encoder.ln_post.bias"])


def decode_logits(hp, w, tokens, xa):
    n = len(tokens)
    x = w["decoder.token_embedding.weight"][tokens] + w["decoder.positional_embedding"][:n]
    mask = np.triu(np.full((n, n), -np.inf, np.float32), 1)
    for i in range(hp["n_text_layer"]):
        x = block(w, f"decoder.blocks.{i}", x, hp["n_text_head"], xa=xa, mask=mask, cross=True)
    x = layer_norm(x[-1:], w["decoder.ln.weight"], w["decoder.ln.bias"])
    return (x @ w["decoder.token_embedding.weight"].T)[0]


def transcribe(model, wav, lang="auto", max_tokens=120):
    hp, filters, vocab, w = load(model)
    multilingual = hp["n_vocab"] >= 51865
    # whisper.cpp's special token ids (whisper_vocab + the multilingual shift in whisper_model_load)
    eot, sot = (50257, 50258) if multilingual else (50256, 50257)
    n_lang = hp["n_vocab"] - 51765 - (1 if multilingual else 0)
    dt = n_lang - 98 if multilingual else 0
    transcribe_tok, no_ts = 50358 + dt, 50362 + dt
    xa = encode(hp, w, log_mel(read_wav(wav), filters))
    detected = None
    if multilingual:
        if lang == "auto":
            logits = decode_logits(hp, w, [sot], xa)
            lang_logits = logits[sot + 1 : sot + 1 + n_lang]
            detected = LANGS[int(np.argmax(lang_logits))]
            lang = detected
        prompt = [sot, sot + 1 + LANGS.index(lang), transcribe_tok, no_ts]
    else:
        prompt = [sot, no_ts]
    tokens = list(prompt)
    for _ in range(max_tokens):
        logits = decode_logits(hp, w, tokens, xa)
        logits[eot + 1 :] = -np.inf  # special and timestamp tokens
        if len(tokens) == len(prompt):
            logits[eot] = -np.inf  # no empty transcript
        nxt = int(np.argmax(logits))
        if nxt == eot or nxt >= len(vocab):
            break
        tokens.append(nxt)
    text = b"".join(vocab[t] for t in tokens[len(prompt) :]).decode("utf-8", errors="replace").strip()
    return text, detected


def words(s):
    return re.findall(r"[a-zäöüß0-9']+", s.lower())


def wer(ref, hyp):
    r, h = words(ref), words(hyp)
    d = np.arange(len(h) + 1)
    for i in range(1, len(r) + 1):
        prev, d[0] = d.copy(), i
        for j in range(1, len(h) + 1):
            d[j] = min(prev[j] + 1, d[j - 1] + 1, prev[j - 1] + (r[i - 1] != h[j - 1]))
    return d[len(h)] / max(len(r), 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("wav")
    ap.add_argument("--lang", default="auto")
    ap.add_argument("--expect", help="text file with the spoken text")
    ap.add_argument("--max-wer", type=float, default=0.25)
    ap.add_argument("--expect-lang", help="fail unless language detection picks this code")
    args = ap.parse_args()
    text, detected = transcribe(args.model, args.wav, args.lang)
    line = f"{os.path.basename(args.model)} {os.path.basename(args.wav)}:"
    if detected:
        line += f" [detected {detected}]"
    line += f" {text!r}"
    ok = True
    if args.expect:
        e = wer(open(args.expect, encoding="utf-8").read(), text)
        line += f" (WER {e:.2f})"
        ok = e <= args.max_wer
    if args.expect_lang and detected != args.expect_lang:
        ok = False
    print(line)
    if not ok:
        print(f"whisper_ref: FAILED: {line}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
