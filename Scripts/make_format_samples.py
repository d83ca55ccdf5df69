#!/usr/bin/env python3
"""Writes the small format samples under Samples/formats/ with the reference writers.

- kv-types.gguf: gguf-py's GGUFWriter, every metadata value type (scalars, string and numeric arrays,
  an empty-free bool array), tensors F32, F16, BF16 and Q8_0 (quantized by gguf.quants), alignment 32.
- aligned64.gguf: the same writer with general.alignment = 64 and odd-sized tensors.
- all-dtypes.safetensors: every dtype of the format, one tensor each, hand-laid out exactly as the
  reference writer does and then opened with safetensors.safe_open to prove it is valid.
- sharded/: a two-shard HF-style directory written with safetensors.numpy.save_file + an index.
Run with a Python that has gguf, numpy and safetensors (e.g. /root/venvs/light/bin/python).
"""
import hashlib, json, pathlib, struct
import numpy as np
import gguf
from gguf.quants import quantize
from safetensors import safe_open
from safetensors.numpy import save_file

OUT = pathlib.Path(__file__).resolve().parent.parent / "Samples" / "formats"
OUT.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(20261123)


def kv_types(path, alignment=None):
    w = gguf.GGUFWriter(str(path), "llama")
    if alignment:
        w.add_custom_alignment(alignment)
    w.add_uint8("test.u8", 200)
    w.add_int8("test.i8", -100)
    w.add_uint16("test.u16", 60000)
    w.add_int16("test.i16", -30000)
    w.add_uint32("test.u32", 4000000000)
    w.add_int32("test.i32", -2000000000)
    w.add_float32("test.f32", 0.15625)
    w.add_bool("test.bool", True)
    w.add_string("test.string", "héllo wörld")
    w.add_uint64("test.u64", 18446744073709551615)
    w.add_int64("test.i64", -9223372036854775808)
    w.add_float64("test.f64", 2.718281828459045)
    w.add_array("test.strings", ["a", "", "ünïcode", "tab\there"])
    w.add_array("test.ints", [1, 2, 3, -4])
    w.add_array("test.floats", [0.5, -1.25, 3.0])
    w.add_array("test.bools", [True, False, True])
    w.add_array("tokenizer.ggml.tokens", [f"tok{i}" for i in range(20)])
    w.add_context_length(64)
    w.add_embedding_length(32)
    w.add_block_count(1)
    w.add_tensor("f32.weight", rng.standard_normal((3, 5)).astype(np.float32))
    w.add_tensor("f16.weight", rng.standard_normal((2, 7)).astype(np.float16))
    bf = quantize(rng.standard_normal((4, 8)).astype(np.float32), gguf.GGMLQuantizationType.BF16)
    w.add_tensor("bf16.weight", bf, raw_dtype=gguf.GGMLQuantizationType.BF16)
    q8 = quantize(rng.standard_normal((2, 64)).astype(np.float32), gguf.GGMLQuantizationType.Q8_0)
    w.add_tensor("q8_0.weight", q8, raw_dtype=gguf.GGMLQuantizationType.Q8_0)
    w.add_tensor("scalar", np.array([7.0], dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


kv_types(OUT / "kv-types.gguf")
kv_types(OUT / "aligned64.gguf", alignment=64)

# safetensors with every dtype, laid out like the reference writer (dtype rank descending, then name).
DTYPES = ["BOOL", "F4", "F6_E2M3", "F6_E3M2", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F8_E4M3FNUZ",
          "F8_E5M2FNUZ", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "C64", "F64", "I64", "U64"]
BITS = {"BOOL": 8, "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6, "C64": 64, "F64": 64, "I64": 64, "U64": 64,
        "I16": 16, "U16": 16, "F16": 16, "BF16": 16, "I32": 32, "U32": 32, "F32": 32}
order = sorted(DTYPES, key=lambda d: (-DTYPES.index(d), d))
header, blobs, offset = {"__metadata__": {"format": "pt", "note": "every dtype"}}, [], 0
for dtype in order:
    shape = [2, 4]
    nbytes = 8 * BITS.get(dtype, 8) // 8
    data = bytes(rng.integers(0, 256, nbytes, dtype=np.uint8))
    if dtype == "F32":
        data = np.array([1, -2, 0.5, 3, 0, -0.25, 8, 1e-3], dtype="<f4").tobytes()
    if dtype == "BOOL":
        data = bytes([0, 1] * 4)
    header[dtype.lower()] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + nbytes]}
    blobs.append(data)
    offset += nbytes
text = json.dumps(header, separators=(",", ":")).encode()
text += b" " * ((8 - len(text) % 8) % 8)
path = OUT / "all-dtypes.safetensors"
path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))
with safe_open(str(path), framework="numpy") as f:
    assert sorted(f.keys()) == sorted(d.lower() for d in DTYPES), f.keys()
    assert f.metadata() == {"format": "pt", "note": "every dtype"}

# A two-shard directory.
shard_dir = OUT / "sharded"
shard_dir.mkdir(exist_ok=True)
tensors = {"model.embed_tokens.weight": rng.standard_normal((10, 4)).astype(np.float32),
           "model.norm.weight": rng.standard_normal((4,)).astype(np.float32),
           "lm_head.weight": rng.standard_normal((10, 4)).astype(np.float16)}
shards = {"model-00001-of-00002.safetensors": ["model.embed_tokens.weight"],
          "model-00002-of-00002.safetensors": ["model.norm.weight", "lm_head.weight"]}
weight_map, total = {}, 0
for name, keys in shards.items():
    save_file({k: tensors[k] for k in keys}, str(shard_dir / name), metadata={"format": "pt"})
    for k in keys:
        weight_map[k] = name
        total += tensors[k].nbytes
(shard_dir / "model.safetensors.index.json").write_text(
    json.dumps({"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}, indent=2) + "\n")
(shard_dir / "config.json").write_text(json.dumps({"model_type": "llama", "architectures": ["LlamaForCausalLM"],
                                                   "hidden_size": 4, "vocab_size": 10}, indent=2) + "\n")

manifest = {"generator": "Scripts/make_format_samples.py", "seed": 20261123,
            "gguf": gguf.__version__ if hasattr(gguf, "__version__") else "0.19.0", "numpy": np.__version__,
            "files": {}}
for p in sorted(OUT.rglob("*")):
    if p.is_file() and p.name != "manifest.json":
        manifest["files"][str(p.relative_to(OUT))] = {"sha256": hashlib.sha256(p.read_bytes()).hexdigest(),
                                                      "bytes": p.stat().st_size}
(OUT / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
print("wrote", len(manifest["files"]), "files to", OUT)
