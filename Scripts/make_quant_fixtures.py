#!/usr/bin/env python3
"""Regenerates Samples/quants/: reference data for the Swift GGML codec tests (QuantCodecTests.swift).

Run with a Python that has gguf (0.19.0), numpy and ml_dtypes, e.g.
    python3 -m venv /root/venvs/quants && /root/venvs/quants/bin/pip install gguf==0.19.0 ml_dtypes
    /root/venvs/quants/bin/python Scripts/make_quant_fixtures.py

Everything is drawn from one seeded numpy Generator, so a rerun with the same versions gives identical bytes.

Files (all little-endian):
  <NAME>.blocks / <NAME>.f32          raw encoded blocks and their f32 decoding, for every type the codec
                                      dequantizes. Reference: gguf.quants.dequantize, except F64, I8, I16,
                                      I32, I64, which gguf-py cannot dequantize: numpy's astype(float32).
  <NAME>.input.f32 / <NAME>.quantized f32 input and gguf.quants.quantize output, for F16, BF16, Q8_0.
  scalars.f16-to-f32.f32              all 65536 binary16 patterns, in order, decoded by numpy.
  scalars.f32.input.f32               f32 edge values (ties, subnormals, overflow, NaN payloads, random bits),
  scalars.f32-to-f16.u16                and their binary16 bits (numpy astype(float16)),
  scalars.f32-to-bf16.u16               and bfloat16 bits (gguf-py's BF16 quantizer, the ggml rule).
  scalars.e4m3-to-f32.f32             all 256 float8_e4m3fn patterns decoded by ml_dtypes,
  scalars.e5m2-to-f32.f32             all 256 float8_e5m2 patterns decoded by ml_dtypes; both are also
                                      checked here against an explicit decoder (decode_fp8 below).
  manifest.json                       versions, seed, type table, and the SHA-256 and size of every file.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import platform
import re
import sys
from pathlib import Path

import ml_dtypes
import numpy as np
from gguf import GGML_QUANT_SIZES, GGMLQuantizationType as T
from gguf.quants import dequantize, quantize

SEED = 20250601
BLOCKS = 8  # blocks per quantized type
SCALAR_ELEMENTS = 256  # elements per scalar (block size 1) type

# Byte offsets of the f16 scale fields (d, and dmin / m where present) that get finite random values.
F16_SCALE_OFFSETS = {
    T.Q4_0: [0], T.Q4_1: [0, 2], T.Q5_0: [0], T.Q5_1: [0, 2], T.Q8_0: [0], T.IQ4_NL: [0],
    T.Q2_K: [80, 82], T.Q3_K: [108], T.Q4_K: [0, 2], T.Q5_K: [0, 2], T.Q6_K: [208], T.IQ4_XS: [0],
    T.TQ1_0: [52], T.TQ2_0: [64],
}
NUMPY_SCALAR_TYPES = {T.F64: np.float64, T.I8: np.int8, T.I16: np.int16, T.I32: np.int32, T.I64: np.int64}


def f32_from_bits(bits) -> np.ndarray:
    return np.asarray(bits, dtype=np.uint32).view(np.float32)


def random_scales(rng: np.random.Generator, n: int) -> np.ndarray:
    """n finite f16 values: random sign, magnitude 2^-14...2^2; the first is an f16 subnormal."""
    mags = np.exp2(rng.uniform(-14, 2, n))
    mags[0] = 3 * 2.0**-24
    return (mags * rng.choice([-1.0, 1.0], n)).astype(np.float16)


def quantized_blocks(rng: np.random.Generator, qtype: T) -> np.ndarray:
    """BLOCKS random blocks of qtype, with scale fields overwritten so every decoded value is finite."""
    block_size, type_size = GGML_QUANT_SIZES[qtype]
    raw = rng.integers(0, 256, (BLOCKS, type_size), dtype=np.uint8)
    for offset in F16_SCALE_OFFSETS.get(qtype, []):
        raw[:, offset:offset + 2] = random_scales(rng, BLOCKS).view(np.uint8).reshape(BLOCKS, 2)
    if qtype == T.MXFP4:  # E8M0 exponent byte: both subnormal cases, 2^-1, 2^0, then 2^-28...2^22
        raw[:, 0] = [0, 1, 127, 128, *rng.integers(100, 150, BLOCKS - 4)]
    if qtype == T.NVFP4:  # UE4M3 scales: force the zero, 0x7F, sign-bit and largest patterns in
        raw[0, 0:4] = [0x00, 0x7F, 0x80, 0xFF]
        raw[1, 0:4] = [0x01, 0x07, 0x08, 0x7E]
    return raw.reshape(-1)


def scalar_elements(rng: np.random.Generator, qtype: T) -> np.ndarray:
    """SCALAR_ELEMENTS raw bytes of a block-size-1 type."""
    n = SCALAR_ELEMENTS
    if qtype in (T.F32, T.F16, T.BF16):  # random bit patterns, NaNs and infinities included
        width = {T.F32: np.uint32, T.F16: np.uint16, T.BF16: np.uint16}[qtype]
        return rng.integers(0, np.iinfo(width).max, n, dtype=width, endpoint=True).view(np.uint8)
    if qtype == T.F64:
        values = rng.standard_normal(n) * np.exp2(rng.uniform(-160, 160, n))
        values[:8] = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e39, -1e-46, 1 + 2.0**-24]  # overflow, underflow, tie
        values[8:12] = [3.4028235677973366e38, 2.0**-149 * 0.5, 2.0**-149 * 0.75, 1 + 3 * 2.0**-24]
        return values.astype(np.float64).view(np.uint8)
    dtype = NUMPY_SCALAR_TYPES[qtype]
    info = np.iinfo(dtype)
    values = rng.integers(info.min, info.max, n, dtype=dtype, endpoint=True)
    values[:4] = [info.min, info.max, 0, -1]
    if info.bits >= 32:  # integers that are not exactly representable, including ties
        values[4:8] = [2**24 + 1, 2**24 + 3, -(2**25 + 2), 2**31 - 1]
    return values.view(np.uint8)


def reference_dequantize(qtype: T, raw: np.ndarray) -> tuple[np.ndarray, str]:
    if qtype in NUMPY_SCALAR_TYPES:
        return raw.view(NUMPY_SCALAR_TYPES[qtype]).astype(np.float32), "numpy astype(float32)"
    return np.asarray(dequantize(raw, qtype), dtype=np.float32).reshape(-1), "gguf.quants.dequantize"


def edge_f32(rng: np.random.Generator, n_random: int) -> np.ndarray:
    """f32 values that stress f16 / bf16 rounding, followed by n_random random bit patterns and values."""
    specials = f32_from_bits([
        0x00000000, 0x80000000, 0x7F800000, 0xFF800000,  # zeros, infinities
        0x7FC00000, 0xFFC00000, 0x7F800001, 0xFF800001, 0x7FC00001, 0x7FBFFFFF, 0x7F802000, 0x7FFFE000,  # NaNs
        0x7F801FFF, 0x7FFFFFFF, 0xFFFFFFFF, 0x7F810000, 0x7F808000,
        0x00000001, 0x007FFFFF, 0x00800000, 0x80000001, 0x7F7FFFFF, 0xFF7FFFFF,  # f32 extremes
        0x7F7F8000, 0x7F7F7FFF, 0x7F7FFFFF,  # bf16 overflow boundary
    ])
    f16_edges = np.array([
        65504.0, 65505.0, 65519.0, np.nextafter(np.float32(65520), np.float32(0)), 65520.0, 65536.0,
        -65520.0, 2.0**-24, 2.0**-25, np.nextafter(np.float32(2.0**-25), np.float32(1)), 3 * 2.0**-25,
        5 * 2.0**-25, 2.0**-14, np.nextafter(np.float32(2.0**-14), np.float32(0)), 2.0**-14 - 2.0**-25,
        2.0**-14 - 2.0**-24 - 2.0**-25, 1.0 + 2.0**-11, 1.0 + 3 * 2.0**-11, 2048.5, 2049.0, 4097.0,
        -(1.0 + 2.0**-11), 0.1, 1 / 3, -2.0**-26, 2.0**-30,
    ], dtype=np.float32)
    # Exact midpoints between neighbouring finite f16 values (even and odd lower neighbours) and their f32 neighbours.
    h = rng.integers(0, 0x7BFF, 400, dtype=np.uint16)
    lo = h.view(np.float16).astype(np.float64)
    hi = (h + 1).view(np.float16).astype(np.float64)
    mid = ((lo + hi) / 2).astype(np.float32) * rng.choice([-1, 1], 400).astype(np.float32)
    mids = np.concatenate([mid, np.nextafter(mid, np.float32(np.inf)), np.nextafter(mid, np.float32(-np.inf))])
    # bf16 ties (low half 0x8000) and their neighbours.
    b = rng.integers(0, 0xFFFF, 300, dtype=np.uint32) << 16
    bf16_ties = f32_from_bits(np.concatenate([b | 0x8000, b | 0x7FFF, b | 0x8001]))
    random_bits = f32_from_bits(rng.integers(0, 2**32, n_random, dtype=np.uint32))
    random_values = (rng.standard_normal(n_random) * np.exp2(rng.uniform(-30, 20, n_random))).astype(np.float32)
    return np.concatenate([specials, f16_edges, mids, bf16_ties, random_bits, random_values]).astype(np.float32)


def q8_0_input(rng: np.random.Generator) -> np.ndarray:
    """Q8_0 blocks of 32 finite values: random scales, ties of x·id, zeros, tiny, huge, f16-subnormal d."""
    blocks = [rng.standard_normal(32) * s for s in (1e-3, 1.0, 100.0)]
    blocks.append(rng.uniform(-1, 1, 32))
    blocks.append(np.zeros(32))
    ties = np.arange(-15.5, 16.0, 1.0)  # d = 1, id = 1: every x·id is an exact .5 tie
    ties[0] = 127.0
    blocks.append(ties)
    quarter = np.arange(-7.75, 8.0, 0.5)  # amax 63.5: d = 0.5, id = 2, so x·id is ±k.5
    quarter[-1] = -63.5
    blocks.append(quarter)
    tiny = rng.standard_normal(32) * 1e-30
    tiny[:4] = [1e-45, -1e-45, 1e-40, -0.0]
    blocks.append(tiny)
    blocks.append(rng.standard_normal(32) * 1e30)  # d overflows f16 → inf
    near_max = rng.uniform(-1, 1, 32) * 65504 * 127
    near_max[0] = 65504.0 * 127  # d is exactly f16's largest finite
    blocks.append(near_max)
    sub_d = rng.uniform(-1, 1, 32) * 1e-5 * 127  # d ≈ 1e-5, an f16 subnormal
    blocks.append(sub_d)
    single = np.zeros(32)
    single[7] = -3.0
    blocks.append(single)
    neg = rng.uniform(-10, 10, 32)
    neg[3] = -10.0
    blocks.append(neg)
    signed_zero = np.zeros(32)
    signed_zero[::2] = -0.0
    signed_zero[5] = 1e-20
    blocks.append(signed_zero)
    return np.concatenate(blocks).astype(np.float32)


def fp8_reference(name: str) -> np.ndarray:
    """All 256 patterns of an ml_dtypes float8 type, as f32."""
    dtype = {"e4m3": ml_dtypes.float8_e4m3fn, "e5m2": ml_dtypes.float8_e5m2}[name]
    return np.arange(256, dtype=np.uint8).view(dtype).astype(np.float32)


def decode_fp8(name: str, byte: int) -> float:
    """Explicit decoder used to cross-check ml_dtypes: e4m3fn (bias 7, S.1111.111 = NaN, no inf) and
    e5m2 (bias 15, IEEE inf/NaN)."""
    exp_bits, man_bits, bias = (4, 3, 7) if name == "e4m3" else (5, 2, 15)
    sign = -1.0 if byte & 0x80 else 1.0
    e = (byte >> man_bits) & ((1 << exp_bits) - 1)
    m = byte & ((1 << man_bits) - 1)
    if name == "e4m3" and e == 15 and m == 7:
        return float("nan")
    if name == "e5m2" and e == 31:
        return float("nan") if m else sign * float("inf")
    if e == 0:
        return sign * m * 2.0 ** (1 - bias - man_bits)
    return sign * (1 + m / (1 << man_bits)) * 2.0 ** (e - bias)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "Samples" / "quants")
    out: Path = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    files: dict[str, bytes] = {}
    dequantize_info: dict[str, dict] = {}
    quantize_info: dict[str, dict] = {}

    dequantizable = [T.F32, T.F16, T.BF16, T.F64, T.I8, T.I16, T.I32, T.I64, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1,
                     T.Q8_0, T.Q2_K, T.Q3_K, T.Q4_K, T.Q5_K, T.Q6_K, T.IQ4_NL, T.IQ4_XS, T.TQ1_0, T.TQ2_0,
                     T.MXFP4, T.NVFP4]
    for qtype in dequantizable:
        block_size, _ = GGML_QUANT_SIZES[qtype]
        raw = scalar_elements(rng, qtype) if block_size == 1 else quantized_blocks(rng, qtype)
        with np.errstate(over="ignore"):
            expected, reference = reference_dequantize(qtype, raw)
        if block_size > 1:
            assert np.isfinite(expected).all(), qtype.name
        files[f"{qtype.name}.blocks"] = raw.tobytes()
        files[f"{qtype.name}.f32"] = expected.astype("<f4").tobytes()
        dequantize_info[qtype.name] = {"elements": int(expected.size), "reference": reference}

    with np.errstate(over="ignore", invalid="ignore"):
        inputs = {T.F16: edge_f32(rng, 256), T.BF16: edge_f32(rng, 256), T.Q8_0: q8_0_input(rng)}
        for qtype, values in inputs.items():
            encoded = np.asarray(quantize(values, qtype)).view(np.uint8).reshape(-1)
            files[f"{qtype.name}.input.f32"] = values.astype("<f4").tobytes()
            files[f"{qtype.name}.quantized"] = encoded.tobytes()
            quantize_info[qtype.name] = {"elements": int(values.size), "reference": "gguf.quants.quantize"}

        all_f16 = np.arange(65536, dtype=np.uint32).astype(np.uint16).view(np.float16).astype(np.float32)
        files["scalars.f16-to-f32.f32"] = all_f16.astype("<f4").tobytes()
        scalar_inputs = edge_f32(rng, 1500)
        files["scalars.f32.input.f32"] = scalar_inputs.astype("<f4").tobytes()
        files["scalars.f32-to-f16.u16"] = scalar_inputs.astype(np.float16).view("<u2").tobytes()
        files["scalars.f32-to-bf16.u16"] = np.asarray(quantize(scalar_inputs, T.BF16)).view(np.uint8).tobytes()

    for name in ("e4m3", "e5m2"):
        decoded = fp8_reference(name)
        explicit = np.array([decode_fp8(name, b) for b in range(256)], dtype=np.float32)
        same = (decoded.view(np.uint32) == explicit.view(np.uint32)) | (np.isnan(decoded) & np.isnan(explicit))
        assert same.all(), f"ml_dtypes and the explicit {name} decoder disagree"
        files[f"scalars.{name}-to-f32.f32"] = decoded.astype("<f4").tobytes()

    for name, data in files.items():
        (out / name).write_bytes(data)
    manifest = {
        "generator": "Scripts/make_quant_fixtures.py",
        "seed": SEED,
        "python": platform.python_version(),
        "gguf": importlib.metadata.version("gguf"),
        "numpy": np.__version__,
        "ml_dtypes": importlib.metadata.version("ml_dtypes"),
        "types": [[int(t), t.name, *GGML_QUANT_SIZES[t]] for t in sorted(GGML_QUANT_SIZES)],
        "dequantize": dequantize_info,
        "quantize": quantize_info,
        "scalars": {
            "f16-to-f32": "all 65536 binary16 patterns in order, numpy astype(float32)",
            "f32-to-f16": "scalars.f32.input.f32 through numpy astype(float16)",
            "f32-to-bf16": "scalars.f32.input.f32 through gguf.quants.quantize(BF16)",
            "e4m3-to-f32": "all 256 patterns, ml_dtypes.float8_e4m3fn, cross-checked with an explicit decoder",
            "e5m2-to-f32": "all 256 patterns, ml_dtypes.float8_e5m2, cross-checked with an explicit decoder",
        },
        "files": {
            name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            for name, data in sorted(files.items())
        },
    }
    text = json.dumps(manifest, indent=1)
    # One line per flat array (the type table rows).
    text = re.sub(r"\[\s+([^\[\]{}]*?)\s+\]", lambda m: "[" + " ".join(m.group(1).split()) + "]", text)
    (out / "manifest.json").write_text(text + "\n")
    total = sum(len(d) for d in files.values())
    print(f"wrote {len(files)} files ({total} bytes) and manifest.json to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
