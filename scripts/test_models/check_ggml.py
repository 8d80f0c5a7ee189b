#!/usr/bin/env python3
"""Parse a whisper.cpp ggml model (or Silero VAD ggml model) back and check it against what the loader expects.

Usage: check_ggml.py whisper FILE.bin [--compare REF_F16.bin] [--quiet]
       check_ggml.py vad FILE.bin [--quiet]

whisper: mirrors whisper_model_load() in whisper.cpp 1.8.3 src/whisper.cpp: the magic, the 11 hparams (ftype taken
modulo GGML_QNT_VERSION_FACTOR), the mel filters, the vocab, then tensors until EOF. The set of expected tensors,
their ne[] and their types (wtype for 2-D weights and the token embedding, f16 for conv weights, f32 for the
rest) are rebuilt here from the hparams exactly as the loader's create_tensor() calls do. Every tensor must be
present once, with the loader's shape and a byte size that satisfies the loader's
(nelements*type_size(ttype))/blck_size(tensor type) == nbytes check; the file must end right after the last tensor.
It also decodes the first tokens ("!", "\"", "#") and checks the values are finite. --compare dequantizes a q8_0 file
and compares every tensor with the f16 file it was made from (error <= half a quantization step).

vad: mirrors whisper_vad_init_with_params() (same file's VAD loader).
Exit status 0 when everything matches; 1 with a message otherwise.
"""

import argparse
import struct
import sys

import numpy as np

GGML_FILE_MAGIC = 0x67676D6C
F32, F16, Q8_0 = 0, 1, 8
TYPE_NAME = {F32: "f32", F16: "f16", Q8_0: "q8_0"}
TYPE_SIZE = {F32: 4, F16: 2, Q8_0: 34}  # ggml_type_size
BLCK_SIZE = {F32: 1, F16: 1, Q8_0: 32}  # ggml_blck_size
FTYPE_TO_WTYPE = {0: F32, 1: F16, 7: Q8_0}  # ggml_ftype_to_ggml_type, the ftypes this checker knows


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


class Reader:
    def __init__(self, path):
        self.buf = open(path, "rb").read()
        self.off = 0

    def i32(self, n=1):
        check(self.off + 4 * n <= len(self.buf), f"unexpected end of file at byte {self.off}")
        v = struct.unpack_from("<" + "i" * n, self.buf, self.off)
        self.off += 4 * n
        return v if n > 1 else v[0]

    def u32(self):
        check(self.off + 4 <= len(self.buf), f"unexpected end of file at byte {self.off}")
        (v,) = struct.unpack_from("<I", self.buf, self.off)
        self.off += 4
        return v

    def raw(self, n):
        check(n >= 0 and self.off + n <= len(self.buf), f"unexpected end of file at byte {self.off} (need {n})")
        b = self.buf[self.off : self.off + n]
        self.off += n
        return b

    def eof(self):
        return self.off >= len(self.buf)


def read_tensors(r):
    """Tensor records until EOF, as the loaders read them."""
    out = {}
    order = []
    while not r.eof():
        n_dims, length, ttype = r.i32(3)
        check(0 <= n_dims <= 4, f"tensor #{len(order)}: bad n_dims {n_dims}")
        ne = [1, 1, 1, 1]
        for i in range(n_dims):
            ne[i] = r.i32()
        name = r.raw(length).decode("utf-8")
        check(ttype in TYPE_SIZE, f"{name}: unsupported tensor type {ttype}")
        nel = ne[0] * ne[1] * ne[2] * ne[3]
        check(nel % BLCK_SIZE[ttype] == 0, f"{name}: {nel} elements is not a whole number of {TYPE_NAME[ttype]} blocks")
        nbytes = nel // BLCK_SIZE[ttype] * TYPE_SIZE[ttype]
        check(name not in out, f"tensor {name} appears twice")
        out[name] = {"n_dims": n_dims, "ne": ne, "ttype": ttype, "data": r.raw(nbytes), "nel": nel}
        order.append(name)
    return out, order


def to_f32(t):
    if t["ttype"] == F32:
        return np.frombuffer(t["data"], "<f4")
    if t["ttype"] == F16:
        return np.frombuffer(t["data"], "<f2").astype(np.float32)
    blocks = np.frombuffer(t["data"], np.dtype([("d", "<f2"), ("qs", "i1", (32,))]))
    return (blocks["d"].astype(np.float32)[:, None] * blocks["qs"].astype(np.float32)).reshape(-1)


def verify_tensors(tensors, expected):
    """expected: name -> (ne tuple in ggml order, ggml type). Same checks as the loaders."""
    for name in tensors:
        check(name in expected, f"unknown tensor '{name}' in model file (the loader rejects it)")
    for name, (ne, ttype) in expected.items():
        check(name in tensors, f"missing tensor '{name}' (the loader fails: not all tensors loaded)")
        t = tensors[name]
        ne4 = list(ne) + [1] * (4 - len(ne))
        nel = ne4[0] * ne4[1] * ne4[2] * ne4[3]
        check(t["nel"] == nel, f"{name}: {t['nel']} elements, expected {nel}")
        check(t["ne"][:3] == ne4[:3], f"{name}: shape {t['ne'][:3]}, expected {ne4[:3]}")
        # the loader's size check, and it then reads nbytes(tensor) bytes: types must agree
        nbytes_expected = nel // BLCK_SIZE[ttype] * TYPE_SIZE[ttype]
        check((t["nel"] * TYPE_SIZE[t["ttype"]]) // BLCK_SIZE[ttype] == nbytes_expected,
              f"{name}: wrong size in model file (type {TYPE_NAME[t['ttype']]}, loader wants {TYPE_NAME[ttype]})")
        check(t["ttype"] == ttype, f"{name}: type {TYPE_NAME[t['ttype']]}, loader allocates {TYPE_NAME[ttype]}")
        check(np.all(np.isfinite(to_f32(t))), f"{name}: non-finite values")


def whisper_expected(hp, wtype):
    vtype = F32 if wtype == F32 else F16  # conv type
    a, t = hp["n_audio_state"], hp["n_text_state"]
    exp = {
        "encoder.positional_embedding": ((a, hp["n_audio_ctx"]), F32),
        "encoder.conv1.weight": ((3, hp["n_mels"], a), vtype),
        "encoder.conv1.bias": ((1, a), F32),
        "encoder.conv2.weight": ((3, a, a), vtype),
        "encoder.conv2.bias": ((1, a), F32),
        "encoder.ln_post.weight": ((a,), F32),
        "encoder.ln_post.bias": ((a,), F32),
        "decoder.positional_embedding": ((t, hp["n_text_ctx"]), F32),
        "decoder.token_embedding.weight": ((t, hp["n_vocab"]), wtype),
        "decoder.ln.weight": ((t,), F32),
        "decoder.ln.bias": ((t,), F32),
    }

    def block(p, n, cross):
        names = ["attn"] + (["cross_attn"] if cross else [])
        exp[f"{p}.mlp_ln.weight"] = ((n,), F32)
        exp[f"{p}.mlp_ln.bias"] = ((n,), F32)
        exp[f"{p}.mlp.0.weight"] = ((n, 4 * n), wtype)
        exp[f"{p}.mlp.0.bias"] = ((4 * n,), F32)
        exp[f"{p}.mlp.2.weight"] = ((4 * n, n), wtype)
        exp[f"{p}.mlp.2.bias"] = ((n,), F32)
        for at in names:
            exp[f"{p}.{at}_ln.weight"] = ((n,), F32)
            exp[f"{p}.{at}_ln.bias"] = ((n,), F32)
            exp[f"{p}.{at}.query.weight"] = ((n, n), wtype)
            exp[f"{p}.{at}.query.bias"] = ((n,), F32)
            exp[f"{p}.{at}.key.weight"] = ((n, n), wtype)
            exp[f"{p}.{at}.value.weight"] = ((n, n), wtype)
            exp[f"{p}.{at}.value.bias"] = ((n,), F32)
            exp[f"{p}.{at}.out.weight"] = ((n, n), wtype)
            exp[f"{p}.{at}.out.bias"] = ((n,), F32)

    for i in range(hp["n_audio_layer"]):
        block(f"encoder.blocks.{i}", a, False)
    for i in range(hp["n_text_layer"]):
        block(f"decoder.blocks.{i}", t, True)
    n_tensors = 7 + 15 * hp["n_audio_layer"] + 4 + 24 * hp["n_text_layer"]
    check(len(exp) == n_tensors, f"internal: {len(exp)} expected tensors != {n_tensors}")
    return exp


HPARAMS = ["n_vocab", "n_audio_ctx", "n_audio_state", "n_audio_head", "n_audio_layer", "n_text_ctx", "n_text_state",
           "n_text_head", "n_text_layer", "n_mels", "ftype"]


def check_whisper(path, compare, quiet):
    r = Reader(path)
    check(r.u32() == GGML_FILE_MAGIC, "bad magic")
    hp = dict(zip(HPARAMS, r.i32(11)))
    check(hp["n_text_state"] == hp["n_audio_state"], "n_text_state != n_audio_state")
    qntvr, ftype = hp["ftype"] // 1000, hp["ftype"] % 1000
    check(ftype in FTYPE_TO_WTYPE, f"ftype {ftype} not handled by this checker")
    wtype = FTYPE_TO_WTYPE[ftype]
    check(hp["n_audio_layer"] in (4, 6, 12, 24, 32), f"unusual n_audio_layer {hp['n_audio_layer']}")
    check(hp["n_audio_state"] % hp["n_audio_head"] == 0, "n_audio_state not divisible by n_audio_head")

    n_mel, n_fft = r.i32(2)
    check((n_mel, n_fft) == (hp["n_mels"], 201), f"mel filters {n_mel}x{n_fft}, expected {hp['n_mels']}x201")
    filters = np.frombuffer(r.raw(4 * n_mel * n_fft), "<f4").reshape(n_mel, n_fft)
    check(np.all(np.isfinite(filters)) and filters.min() >= 0, "mel filters have negative or non-finite values")
    check(np.all(filters.max(axis=1) > 0), "a mel filter is all zeros")
    # Slaney normalisation: every triangle has unit area in Hz (sum * bin width of 40 Hz ~= 1)
    areas = filters.sum(axis=1) * 40.0
    check(np.all(np.abs(areas[1:-1] - 1) < 0.35), f"mel filter areas off: {areas.min():.3f}..{areas.max():.3f}")

    n_vocab = r.i32()
    multilingual = hp["n_vocab"] >= 51865
    check(n_vocab == (50257 if multilingual else 50256), f"vocab has {n_vocab} tokens")
    vocab = []
    for _ in range(n_vocab):
        vocab.append(r.raw(r.u32()))
    check(vocab[:3] == [b"!", b'"', b"#"], f"first tokens are {vocab[:3]}")
    check(vocab[220] == b" " and vocab[198] == b"\n", "tokens 198/220 are not newline/space")
    if multilingual:  # whisper.cpp: "empty-string token in multi-language models (i = 50256)"
        check(vocab[50256] == b"", f"token 50256 is {vocab[50256]!r}, expected empty")
    else:
        check(vocab[50255] == b" gazed", f"token 50255 is {vocab[50255]!r}, expected ' gazed'")

    tensors, order = read_tensors(r)
    exp = whisper_expected(hp, wtype)
    verify_tensors(tensors, exp)

    lines = [f"{path}:",
             "  hparams: " + ", ".join(f"{k}={v}" for k, v in hp.items()) + f" (qntvr={qntvr}, wtype={TYPE_NAME[wtype]})",
             f"  mel filters: {n_mel}x{n_fft}, vocab: {n_vocab} tokens in file (model n_vocab {hp['n_vocab']}, "
             f"{'multilingual' if multilingual else 'English-only'}); first tokens "
             + ", ".join(repr(t.decode()) for t in vocab[:3]),
             f"  tensors: {len(tensors)} (loader expects {len(exp)}), all names/shapes/types match; "
             + ", ".join(f"{TYPE_NAME[k]}={sum(1 for t in tensors.values() if t['ttype'] == k)}"
                         for k in (F32, F16, Q8_0) if any(t['ttype'] == k for t in tensors.values()))]
    if not quiet:
        for name in order:
            t = tensors[name]
            lines.append(f"    {name:45s} {TYPE_NAME[t['ttype']]:5s} {t['ne'][:t['n_dims']]}")

    if compare:
        rr = Reader(compare)
        check(rr.u32() == GGML_FILE_MAGIC, f"{compare}: bad magic")
        hp2 = dict(zip(HPARAMS, rr.i32(11)))
        check({k: v for k, v in hp2.items() if k != "ftype"} == {k: v for k, v in hp.items() if k != "ftype"},
              "hparams differ from the reference")
        n2 = rr.i32(2)
        rr.raw(4 * n2[0] * n2[1])
        check(rr.buf[rr.off - 4 * n2[0] * n2[1]: rr.off] == filters.tobytes(), "mel filters differ from the reference")
        nv = rr.i32()
        ref_vocab = [rr.raw(rr.u32()) for _ in range(nv)]
        check(ref_vocab == vocab, "vocab differs from the reference")
        ref, _ = read_tensors(rr)
        worst = 0.0
        for name, t in tensors.items():
            a, b = to_f32(t), to_f32(ref[name])
            if t["ttype"] == Q8_0:
                blocks = np.frombuffer(t["data"], np.dtype([("d", "<f2"), ("qs", "i1", (32,))]))
                step = np.repeat(blocks["d"].astype(np.float32), 32)
                err = np.abs(a - b) - (step * 0.5 + np.abs(b) * 2e-3 + 1e-7)
                check(np.all(err <= 0), f"{name}: q8_0 error exceeds half a step")
                rel = np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-12)
                worst = max(worst, rel)
            else:
                check(t["data"] == ref[name]["data"], f"{name}: unquantized tensor differs from the reference")
        lines.append(f"  compared with {compare}: every q8_0 block within half a step "
                     f"(worst max-abs error / max-abs value = {worst:.4f}); other tensors bit-identical")
    print("\n".join(lines))


def check_vad(path, quiet):
    r = Reader(path)
    check(r.u32() == GGML_FILE_MAGIC, "bad magic")
    model_type = r.raw(r.i32()).decode()
    version = r.i32(3)
    n_window, n_context = r.i32(2)
    n_layers = r.i32()
    check(n_layers == 4, f"n_encoder_layers {n_layers} (the VAD graph is built for 4)")
    layers = [r.i32(3) for _ in range(n_layers)]
    lstm_in, lstm_hidden, final_in, final_out = r.i32(4)
    exp = {"_model.stft.forward_basis_buffer": ((256, 1, 258), F16)}
    for i, (cin, cout, k) in enumerate(layers):
        exp[f"_model.encoder.{i}.reparam_conv.weight"] = ((k, cin, cout), F16)
        exp[f"_model.encoder.{i}.reparam_conv.bias"] = ((cout,), F32)
    h4 = lstm_hidden * 4
    exp["_model.decoder.rnn.weight_ih"] = ((lstm_hidden, h4), F32)
    exp["_model.decoder.rnn.bias_ih"] = ((h4,), F32)
    exp["_model.decoder.rnn.weight_hh"] = ((lstm_hidden, h4), F32)
    exp["_model.decoder.rnn.bias_hh"] = ((h4,), F32)
    exp["_model.decoder.decoder.2.weight"] = ((final_in, 1), F16)
    exp["_model.decoder.decoder.2.bias"] = ((1,), F32)
    tensors, order = read_tensors(r)
    verify_tensors(tensors, exp)
    lines = [f"{path}:",
             f"  model type {model_type!r}, version {'.'.join(map(str, version))}, window {n_window}, context {n_context}",
             f"  encoder (in, out, kernel): {layers}; lstm {lstm_in}->{lstm_hidden}; final conv {final_in}->{final_out}",
             f"  tensors: {len(tensors)} (loader expects {len(exp)}), all names/shapes/types match"]
    if not quiet:
        for name in order:
            t = tensors[name]
            lines.append(f"    {name:45s} {TYPE_NAME[t['ttype']]:5s} {t['ne'][:t['n_dims']]}")
    print("\n".join(lines))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("kind", choices=["whisper", "vad"])
    ap.add_argument("file")
    ap.add_argument("--compare", help="f16 ggml file a q8_0 file was made from")
    ap.add_argument("--quiet", action="store_true", help="do not list every tensor")
    args = ap.parse_args()
    try:
        if args.kind == "whisper":
            check_whisper(args.file, args.compare, args.quiet)
        else:
            check_vad(args.file, args.quiet)
    except Fail as e:
        print(f"check_ggml: {args.file}: FAILED: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
