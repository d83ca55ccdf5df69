#!/usr/bin/env python3
"""Regenerates Samples/kernels/: numpy references for the kernel unit tests (KernelReferenceTests.swift,
AttentionKernelTests.swift).

Needs only Python 3 and numpy:
    python3 Scripts/make_kernel_fixtures.py           # rewrites Samples/kernels/
    python3 Scripts/make_kernel_fixtures.py --check   # regenerates in memory, compares with the files, exit 1 if any differ

Every input is drawn from one seeded numpy Generator in a fixed order, so a rerun gives identical bytes.
Each reference is written the way transformers defines the operation (the formula is named per kernel
below) and evaluated in float64 from the float32 inputs, then rounded once to float32. Parameters the
Swift kernels take as Float (eps, caps, attention scale) are rounded to float32 before use. Where
transformers itself rounds to float32 as part of the definition, the reference does the same:
RoPE's inverse frequencies and angles (position · inv_freq) are float32, as in transformers.

Files (float32 little-endian, arrays concatenated; the manifest gives each array's offset in floats and
its row-major shape):
  rms.f32         RMSNorm          x · rsqrt(mean(x²) + eps) · w   (LlamaRMSNorm); gemma: · (1 + w)
  layer.f32       LayerNorm        (x − mean) / sqrt(var + eps) · w + b, biased variance (nn.LayerNorm),
                                   with and without bias (cohere), and without weight
  rope.f32        RoPE             neox: x·cos + rotate_half(x)·sin, rotate_half pairs (i, i + R/2), cos/sin
                                   repeated with cat (LlamaRotaryEmbedding); interleaved: rotate_every_two
                                   pairs (2i, 2i + 1), cos/sin repeat_interleave'd (GPT-J, cohere); partial:
                                   only the first rotary_dim dims of each head rotate, the rest pass through;
                                   inv_freq = 1 / base^(arange(0, R, 2).float() / R) in float32
  softcap.f32     soft-cap         cap · tanh(x / cap) (gemma2 attention logits 50, final logits 30)
  activations.f32 activations      silu x·sigmoid(x); gelu_exact 0.5·x·(1 + erf(x/√2)) (ACT2FN "gelu");
                                   gelu_tanh 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) ("gelu_new",
                                   "gelu_pytorch_tanh")
  softmax.f32     softmax          row-wise exp(x − max) / Σ exp(x − max), −inf entries give 0
  attention.f32   attention        eager_attention_forward: scores = q·kᵀ·scale, soft-cap, causal mask with
                                   sliding window (key j visible to query i iff i − window < j ≤ i,
                                   transformers' sliding_window_overlay), softmax, · v; grouped-query:
                                   query head h reads key/value head h // (heads / kv_heads) (repeat_kv)
  manifest.json   cases (name, parameters, arrays), seed, numpy version, SHA-256 and size of every file
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import sys
from pathlib import Path

import numpy as np

SEED = 20250718
GENERATOR = "Scripts/make_kernel_fixtures.py"


def f32(value: float) -> float:
    """A parameter as the Swift kernel receives it (Float), as a Python float."""
    return float(np.float32(value))


class KernelFile:
    """The arrays of one kernel, concatenated into one .f32 file, and its cases for the manifest."""

    def __init__(self, name: str):
        self.name = name
        self.chunks: list[np.ndarray] = []
        self.offset = 0
        self.cases: list[dict] = []

    def add(self, array: np.ndarray) -> dict:
        values = np.ascontiguousarray(array, dtype=np.float32)
        ref = {"offset": self.offset, "shape": [int(s) for s in values.shape]}
        self.chunks.append(values.reshape(-1))
        self.offset += values.size
        return ref

    def case(self, name: str, parameters: dict, arrays: dict[str, np.ndarray]) -> None:
        entry = {"name": name, **parameters, "arrays": {key: self.add(a) for key, a in arrays.items()}}
        self.cases.append(entry)

    def data(self) -> bytes:
        return np.concatenate(self.chunks).astype("<f4").tobytes()


def normal(rng: np.random.Generator, shape, scale: float = 1.0, mean: float = 0.0) -> np.ndarray:
    return (rng.standard_normal(shape) * scale + mean).astype(np.float32)


# MARK: References (float64 from float32 inputs, rounded once)

def rms_reference(x: np.ndarray, weight: np.ndarray | None, offset: float, eps: float) -> np.ndarray:
    h = x.astype(np.float64)
    out = h / np.sqrt(np.mean(h * h, axis=-1, keepdims=True) + f32(eps))
    if weight is not None:
        out = out * (offset + weight.astype(np.float64))
    return out.astype(np.float32)


def layer_reference(x: np.ndarray, weight: np.ndarray | None, bias: np.ndarray | None, eps: float) -> np.ndarray:
    h = x.astype(np.float64)
    mean = np.mean(h, axis=-1, keepdims=True)
    var = np.mean((h - mean) ** 2, axis=-1, keepdims=True)
    out = (h - mean) / np.sqrt(var + f32(eps))
    if weight is not None:
        out = out * weight.astype(np.float64)
    if bias is not None:
        out = out + bias.astype(np.float64)
    return out.astype(np.float32)


def rope_inverse_frequencies(base: float, rotary_dim: int) -> np.ndarray:
    """transformers' default rope init: 1.0 / (base ** (torch.arange(0, dim, 2).float() / dim)), float32."""
    exponents = np.arange(0, rotary_dim, 2, dtype=np.int64).astype(np.float32) / np.float32(rotary_dim)
    return (np.float32(1.0) / (np.float32(base) ** exponents)).astype(np.float32)


def rotate_half(x: np.ndarray) -> np.ndarray:
    half = x.shape[-1] // 2
    return np.concatenate([-x[..., half:], x[..., :half]], axis=-1)


def rotate_every_two(x: np.ndarray) -> np.ndarray:
    return np.stack([-x[..., 1::2], x[..., ::2]], axis=-1).reshape(x.shape)


def rope_reference(x: np.ndarray, positions: list[int], heads: int, head_dim: int, rotary_dim: int,
                   inv_freq: np.ndarray, pairing: str) -> np.ndarray:
    """x (rows, heads·head_dim), row r at positions[r]."""
    rows = x.shape[0]
    h = x.astype(np.float64).reshape(rows, heads, head_dim)
    # freqs = position.float() · inv_freq in float32, as transformers computes the angles.
    angles = (np.asarray(positions, dtype=np.float32)[:, None] * inv_freq[None, :]).astype(np.float32)
    angles = angles.astype(np.float64)
    if pairing == "neox":
        cos = np.concatenate([np.cos(angles), np.cos(angles)], axis=-1)
        sin = np.concatenate([np.sin(angles), np.sin(angles)], axis=-1)
        rotate = rotate_half
    else:
        cos = np.repeat(np.cos(angles), 2, axis=-1)
        sin = np.repeat(np.sin(angles), 2, axis=-1)
        rotate = rotate_every_two
    cos, sin = cos[:, None, :], sin[:, None, :]
    rot, passed = h[..., :rotary_dim], h[..., rotary_dim:]
    out = np.concatenate([rot * cos + rotate(rot) * sin, passed], axis=-1)
    return out.reshape(rows, heads * head_dim).astype(np.float32)


def softcap_reference(x: np.ndarray, cap: float) -> np.ndarray:
    c = f32(cap)
    return (c * np.tanh(x.astype(np.float64) / c)).astype(np.float32)


def activation_reference(x: np.ndarray, function: str) -> np.ndarray:
    h = x.astype(np.float64)
    if function == "silu":
        out = h / (1 + np.exp(-h))
    elif function == "gelu_exact":
        out = 0.5 * h * (1 + np.vectorize(math.erf)(h / math.sqrt(2)))
    elif function == "gelu_tanh":
        out = 0.5 * h * (1 + np.tanh(math.sqrt(2 / math.pi) * (h + 0.044715 * h ** 3)))
    else:
        raise ValueError(function)
    return out.astype(np.float32)


def softmax_reference(x: np.ndarray) -> np.ndarray:
    h = x.astype(np.float64)
    e = np.exp(h - np.max(h, axis=-1, keepdims=True))
    return (e / np.sum(e, axis=-1, keepdims=True)).astype(np.float32)


def attention_reference(q: np.ndarray, k: np.ndarray, v: np.ndarray, heads: int, kv_heads: int, head_dim: int,
                        scale: float, softcap: float | None, window: int | None) -> np.ndarray:
    n = q.shape[0]
    qh = q.astype(np.float64).reshape(n, heads, head_dim).transpose(1, 0, 2)
    kh = k.astype(np.float64).reshape(n, kv_heads, head_dim).transpose(1, 0, 2)
    vh = v.astype(np.float64).reshape(n, kv_heads, head_dim).transpose(1, 0, 2)
    n_rep = heads // kv_heads
    kh, vh = np.repeat(kh, n_rep, axis=0), np.repeat(vh, n_rep, axis=0)  # repeat_kv: head h reads h // n_rep
    scores = qh @ kh.transpose(0, 2, 1) * f32(scale)
    if softcap is not None:
        scores = f32(softcap) * np.tanh(scores / f32(softcap))
    q_idx, kv_idx = np.arange(n)[:, None], np.arange(n)[None, :]
    visible = kv_idx <= q_idx
    if window is not None:
        visible &= kv_idx > q_idx - window
    scores = np.where(visible[None], scores, -np.inf)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    probabilities = e / e.sum(axis=-1, keepdims=True)
    out = probabilities @ vh
    return out.transpose(1, 0, 2).reshape(n, heads * head_dim).astype(np.float32)


# MARK: Cases

def make_rms(rng: np.random.Generator) -> KernelFile:
    kf = KernelFile("rms")
    # (name, rows, width, eps, weight offset, weight kind, input scale)
    specs = [
        ("llama-1x8", 1, 8, 1e-6, 0.0, "llama", 1.0),
        ("llama-odd-5x37", 5, 37, 1e-5, 0.0, "llama", 1.0),
        ("gemma-offset-3x24", 3, 24, 1e-6, 1.0, "gemma", 1.0),
        ("gemma-offset-odd-4x19", 4, 19, 1e-6, 1.0, "gemma", 3.0),
        ("no-weight-3x16", 3, 16, 1e-6, 0.0, None, 1.0),
        ("eps-dominated-2x33", 2, 33, 1e-5, 0.0, "llama", 1e-3),
    ]
    for name, rows, width, eps, offset, kind, scale in specs:
        x = normal(rng, (rows, width), scale)
        # Llama-style weights lie around 1, gemma's (stored without the +1) around 0.
        weight = None if kind is None else normal(rng, width, 0.1, 1.0 if kind == "llama" else 0.0)
        arrays = {"x": x}
        if weight is not None:
            arrays["weight"] = weight
        arrays["expected"] = rms_reference(x, weight, offset, eps)
        kf.case(name, {"rows": rows, "width": width, "eps": eps, "weight_offset": offset}, arrays)
    return kf


def make_layer(rng: np.random.Generator) -> KernelFile:
    kf = KernelFile("layer")
    # (name, rows, width, eps, weight?, bias?, input mean, input scale)
    specs = [
        ("bias-4x16", 4, 16, 1e-5, True, True, 0.0, 1.0),
        ("bias-odd-3x45", 3, 45, 1e-5, True, True, 0.5, 2.0),
        ("no-bias-5x24", 5, 24, 1e-5, True, False, 0.0, 1.0),
        ("no-bias-odd-2x7", 2, 7, 1e-6, True, False, -0.3, 1.0),
        ("no-weight-2x12", 2, 12, 1e-5, False, False, 0.0, 1.0),
        ("far-mean-3x33", 3, 33, 1e-5, True, True, 40.0, 0.5),
    ]
    for name, rows, width, eps, has_weight, has_bias, mean, scale in specs:
        x = normal(rng, (rows, width), scale, mean)
        weight = normal(rng, width, 0.1, 1.0) if has_weight else None
        bias = normal(rng, width, 0.1) if has_bias else None
        arrays = {"x": x}
        if weight is not None:
            arrays["weight"] = weight
        if bias is not None:
            arrays["bias"] = bias
        arrays["expected"] = layer_reference(x, weight, bias, eps)
        kf.case(name, {"rows": rows, "width": width, "eps": eps}, arrays)
    return kf


def make_rope(rng: np.random.Generator) -> KernelFile:
    kf = KernelFile("rope")
    # (name, pairing, heads, head_dim, rotary_dim, base, positions)
    specs = [
        ("neox-full-hd16", "neox", 2, 16, 16, 10000.0, [0, 1, 2, 3, 5, 8, 13]),
        ("neox-full-hd64-llama3-base", "neox", 1, 64, 64, 500000.0, [0, 1, 255, 1000, 4095]),
        ("neox-partial-hd20-r8", "neox", 3, 20, 8, 10000.0, [0, 1, 2, 3, 4, 100]),
        ("neox-partial-hd32-r24", "neox", 2, 32, 24, 10000.0, [7, 0, 63, 512, 2047]),
        ("interleaved-full-hd12", "interleaved", 3, 12, 12, 10000.0, [0, 1, 2, 9, 33]),
        ("interleaved-partial-hd16-r6", "interleaved", 2, 16, 6, 10000.0, [0, 3, 4, 250, 1023]),
        ("interleaved-full-hd32-base8e6", "interleaved", 1, 32, 32, 8000000.0, [1, 2, 300, 8191]),
    ]
    for name, pairing, heads, head_dim, rotary_dim, base, positions in specs:
        x = normal(rng, (len(positions), heads * head_dim))
        inv_freq = rope_inverse_frequencies(base, rotary_dim)
        expected = rope_reference(x, positions, heads, head_dim, rotary_dim, inv_freq, pairing)
        kf.case(
            name,
            {"pairing": pairing, "heads": heads, "head_dim": head_dim, "rotary_dim": rotary_dim, "base": base,
             "positions": positions},
            {"x": x, "inv_freq": inv_freq, "expected": expected},
        )
    return kf


def make_softcap(rng: np.random.Generator) -> KernelFile:
    kf = KernelFile("softcap")
    edges = np.array([0.0, -0.0, 1e-3, -1e-3, 1.0, -1.0, 1e4, -1e4, np.inf, -np.inf], dtype=np.float32)
    for name, cap in [("attention-logits-cap50", 50.0), ("final-logits-cap30", 30.0)]:
        x = np.concatenate([edges, np.float32(cap) * np.array([1, -1, 0.5, -2], dtype=np.float32),
                            normal(rng, 83, cap)])
        kf.case(name, {"count": int(x.size), "cap": cap}, {"x": x, "expected": softcap_reference(x, cap)})
    return kf


def make_activations(rng: np.random.Generator) -> KernelFile:
    kf = KernelFile("activations")
    edges = np.array([0.0, 1e-4, -1e-4, 1.0, -1.0, 20.0, -20.0], dtype=np.float32)
    grid = np.linspace(-10, 10, 41, dtype=np.float32)
    for function in ["silu", "gelu_exact", "gelu_tanh"]:
        x = np.concatenate([edges, grid, normal(rng, 53, 3.0)])
        kf.case(function, {"function": function, "count": int(x.size)},
                {"x": x, "expected": activation_reference(x, function)})
    return kf


def make_softmax(rng: np.random.Generator) -> KernelFile:
    kf = KernelFile("softmax")
    masked = normal(rng, (3, 8), 2.0)
    masked[0, 5:] = -np.inf
    masked[1, ::2] = -np.inf
    masked[2, 1:] = -np.inf  # one finite entry: probability exactly 1
    cases = [
        ("3x5", normal(rng, (3, 5))),
        ("odd-2x37", normal(rng, (2, 37), 4.0)),
        ("large-logits-2x9", normal(rng, (2, 9), 30.0, 1e4)),  # exp without the max would overflow
        ("masked-3x8", masked),
    ]
    for name, x in cases:
        rows, width = x.shape
        kf.case(name, {"rows": rows, "width": width}, {"x": x, "expected": softmax_reference(x)})
    return kf


def make_attention(rng: np.random.Generator) -> KernelFile:
    kf = KernelFile("attention")
    # (name, n, heads, kv_heads, head_dim, scale, softcap, window, q/k scale)
    specs = [
        ("mha-causal", 7, 2, 2, 8, 8 ** -0.5, None, None, 1.0),
        ("gqa-4q-2kv", 7, 4, 2, 8, 8 ** -0.5, None, None, 1.5),
        ("mqa-3q-1kv", 5, 3, 1, 6, 6 ** -0.5, None, None, 1.0),
        ("gemma2-window4-softcap50", 10, 4, 2, 8, 0.25, 50.0, 4, 4.0),
        ("window1-self-only", 5, 2, 1, 4, 0.5, None, 1, 1.0),
        ("window-beyond-sequence", 6, 2, 2, 8, 8 ** -0.5, None, 16, 1.0),
        ("gqa-window3-softcap", 8, 6, 3, 4, 0.5, 20.0, 3, 3.0),
    ]
    for name, n, heads, kv_heads, head_dim, scale, softcap, window, spread in specs:
        q = normal(rng, (n, heads * head_dim), spread)
        k = normal(rng, (n, kv_heads * head_dim), spread)
        v = normal(rng, (n, kv_heads * head_dim))
        expected = attention_reference(q, k, v, heads, kv_heads, head_dim, scale, softcap, window)
        kf.case(
            name,
            {"tokens": n, "heads": heads, "kv_heads": kv_heads, "head_dim": head_dim, "scale": f32(scale),
             "softcap": softcap, "window": window},
            {"q": q, "k": k, "v": v, "expected": expected},
        )
    return kf


def build() -> dict[str, bytes]:
    rng = np.random.default_rng(SEED)
    kernels = [make_rms(rng), make_layer(rng), make_rope(rng), make_softcap(rng), make_activations(rng),
               make_softmax(rng), make_attention(rng)]
    files = {f"{kf.name}.f32": kf.data() for kf in kernels}
    manifest = {
        "generator": GENERATOR,
        "seed": SEED,
        "numpy": np.__version__,
        "layout": "each kernel's arrays concatenated as float32 little-endian in FILE; "
                  "arrays: NAME -> offset (in floats) and row-major shape",
        "kernels": {kf.name: {"file": f"{kf.name}.f32", "cases": kf.cases} for kf in kernels},
        "files": {
            name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            for name, data in sorted(files.items())
        },
    }
    text = json.dumps(manifest, indent=1)
    # Flat lists (shapes, positions) and array references on one line.
    text = re.sub(r"\[\s+([^\[\]{}]*?)\s+\]", lambda m: "[" + " ".join(m.group(1).split()) + "]", text)
    text = re.sub(r"\{\s+(\"offset\": \d+,)\s+(\"shape\": \[[^\]]*\])\s+\}", r"{\1 \2}", text)
    files["manifest.json"] = (text + "\n").encode()
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "Samples" / "kernels")
    parser.add_argument("--check", action="store_true", help="compare with the files in --out instead of writing")
    args = parser.parse_args()
    with np.errstate(over="ignore"):
        files = build()
    if args.check:
        differing = [name for name, data in files.items()
                     if not (args.out / name).is_file() or (args.out / name).read_bytes() != data]
        extra = sorted(p.name for p in args.out.iterdir() if p.name not in files) if args.out.is_dir() else []
        for name in differing:
            print(f"differs: {name}", file=sys.stderr)
        for name in extra:
            print(f"not generated: {name}", file=sys.stderr)
        if differing or extra:
            sys.exit(1)
        print(f"{len(files)} files in {args.out} match", file=sys.stderr)
        return
    args.out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (args.out / name).write_bytes(data)
    total = sum(len(d) for d in files.values())
    print(f"wrote {len(files)} files ({total} bytes) to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
