#!/usr/bin/env python3
"""Opens ckpt-converted checkpoints with the reference readers: gguf-py's GGUFReader and
safetensors' safe_open. For each conversion it checks that the table has the recorded shape and
layout, that every tensor that should pass through is present with identical values, that nothing
else was added, and (serial, untied, f32) that the table's x segment is the embedding itself. For
`--compress zstd` outputs it decompresses every frame with the `zstandard` package, undoes the byte
shuffle with numpy, and compares the result with the plain table of an uncompressed conversion.
Usage: check_reference_readers.py CKPT_BINARY SAMPLES_DIR WORK_DIR
"""
import json, pathlib, subprocess, sys
import numpy as np
import gguf
import zstandard
from safetensors import safe_open

ckpt, samples, work = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
results = []


def check(name, condition, detail=""):
    results.append((name, bool(condition), detail))


def convert(source, output, *extra):
    subprocess.run([ckpt, "convert", str(samples / source), str(output), "--precompute-first-layer", "--force", *extra],
                   check=True, capture_output=True)


def gguf_case(variant, extra=(), label=None):
    label = label or f"{variant} gguf {' '.join(extra)}".strip()
    out = work / f"{label.replace(' ', '_')}.gguf"
    convert(f"tiny/{variant}/model.gguf", out, *extra)
    src, dst = gguf.GGUFReader(str(samples / f"tiny/{variant}/model.gguf")), gguf.GGUFReader(str(out))
    fields = {k: dst.fields[k].contents() for k in dst.fields if k.startswith("ckpt.precompute.")}
    tensors = {t.name: t for t in dst.tensors}
    table = tensors.get("first_layer_table.weight")
    widths = fields.get("ckpt.precompute.segment_widths", [])
    vocab = src.tensors[[t.name for t in src.tensors].index("token_embd.weight")].shape[1]
    check(f"{label}: table shape", table is not None and list(table.shape) == [sum(widths), vocab], f"{table.shape if table else None}")
    check(f"{label}: layout fields", fields.get("ckpt.precompute.version") == 1 and len(widths) == 4
          and fields.get("ckpt.precompute.segments", [""])[1:] == ["q", "k", "v"])
    removed = set(fields.get("ckpt.precompute.removed_tensors", []))
    for t in src.tensors:
        if t.name in removed:
            check(f"{label}: {t.name} removed", t.name not in tensors)
            continue
        copy = tensors.get(t.name)
        check(f"{label}: {t.name} identical", copy is not None and copy.tensor_type == t.tensor_type
              and np.array_equal(np.asarray(copy.data), np.asarray(t.data)))
    extra_names = set(tensors) - {t.name for t in src.tensors}
    allowed = {"first_layer_table.weight", "output.weight"}
    check(f"{label}: nothing else added", extra_names <= allowed, f"{extra_names}")
    for key in src.fields:
        if key.startswith("GGUF.") or key.startswith("split."):
            continue
        check(f"{label}: metadata {key} kept", key in dst.fields and np.array_equal(
            np.asarray(dst.fields[key].parts[-1]), np.asarray(src.fields[key].parts[-1])))
    return dst, fields


def hf_case(variant, extra=(), label=None):
    label = label or f"{variant} hf {' '.join(extra)}".strip()
    out = work / label.replace(" ", "_")
    convert(f"tiny/{variant}/hf-f32", out, *extra)
    config = json.loads((out / "config.json").read_text())
    spec = config.get("ckpt_precompute", {})
    check(f"{label}: config", config.get("tie_word_embeddings") is False and spec.get("version") == 1)
    with safe_open(str(samples / f"tiny/{variant}/hf-f32/model.safetensors"), "numpy") as src, \
         safe_open(str(out / "model.safetensors"), "numpy") as dst:
        check(f"{label}: metadata", dst.metadata().get("format") == "pt" and "ckpt_precompute" in dst.metadata())
        table = dst.get_tensor("first_layer_table.weight")
        check(f"{label}: table shape", table.shape == (config["vocab_size"], sum(spec["segment_widths"])), f"{table.shape}")
        removed = set(spec["removed_tensors"])
        for name in src.keys():
            if name in removed:
                check(f"{label}: {name} removed", name not in dst.keys())
            else:
                check(f"{label}: {name} identical", name in dst.keys() and np.array_equal(dst.get_tensor(name), src.get_tensor(name)))
        check(f"{label}: nothing else added", set(dst.keys()) - set(src.keys()) <= {"first_layer_table.weight", "lm_head.weight"})


def inflate(blob, offsets, frame_rows, planes, row_bytes, vocab):
    """The plain table bytes from zstd frames of whole rows, byte-shuffled into `planes` planes."""
    out = []
    for i in range(len(offsets) - 1):
        frame = zstandard.ZstdDecompressor().decompress(bytes(blob[offsets[i]:offsets[i + 1]]))
        rows = min(frame_rows, vocab - i * frame_rows)
        if len(frame) != rows * row_bytes:
            return None
        out.append(np.frombuffer(frame, np.uint8).reshape(planes, -1).T.tobytes())
    return b"".join(out)


def compressed_gguf_case(variant, dtype, level):
    label = f"{variant} gguf zstd:{level} {dtype}"
    plain, packed = work / f"{variant}-plain-{dtype}.gguf", work / f"{variant}-zstd-{dtype}.gguf"
    convert(f"tiny/{variant}/model.gguf", plain, "--table-dtype", dtype)
    convert(f"tiny/{variant}/model.gguf", packed, "--table-dtype", dtype, "--compress", f"zstd:{level}")
    a, b = gguf.GGUFReader(str(plain)), gguf.GGUFReader(str(packed))
    f = {k: b.fields[k].contents() for k in b.fields if k.startswith("ckpt.precompute.")}
    tensors = {t.name: t for t in b.tensors}
    table = a.tensors[[t.name for t in a.tensors].index("first_layer_table.weight")]
    expected = np.asarray(table.data).tobytes()
    vocab = f["ckpt.precompute.rows"]
    offsets = np.asarray(tensors["first_layer_table.frame_offsets"].data).astype(np.int64)
    blob = np.asarray(tensors["first_layer_table.zstd"].data).view(np.uint8)
    rows = f["ckpt.precompute.frame_rows"]
    check(f"{label}: layout fields", f["ckpt.precompute.compression"] == "zstd" and f["ckpt.precompute.zstd_level"] == level
          and f["ckpt.precompute.table_tensor"] == "first_layer_table.zstd" and len(offsets) == -(-vocab // rows) + 1)
    got = inflate(blob, offsets, rows, f["ckpt.precompute.shuffle_planes"], len(expected) // vocab, vocab)
    check(f"{label}: frames inflate to the plain table", got == expected, f"{len(got or b'')} vs {len(expected)} bytes")
    check(f"{label}: smaller", len(blob) < len(expected), f"{len(blob)} vs {len(expected)}")


def compressed_hf_case(variant, dtype):
    label = f"{variant} hf zstd {dtype}"
    plain, packed = work / f"{variant}-plain-{dtype}", work / f"{variant}-zstd-{dtype}"
    convert(f"tiny/{variant}/hf-f32", plain, "--table-dtype", dtype)
    convert(f"tiny/{variant}/hf-f32", packed, "--table-dtype", dtype, "--compress", "zstd")
    spec = json.loads((packed / "config.json").read_text())["ckpt_precompute"]
    with safe_open(str(plain / "model.safetensors"), "numpy") as a, safe_open(str(packed / "model.safetensors"), "numpy") as b:
        expected = a.get_tensor("first_layer_table.weight").tobytes()
        offsets, blob = b.get_tensor("first_layer_table.frame_offsets"), b.get_tensor("first_layer_table.zstd")
        check(f"{label}: dtypes", offsets.dtype == np.int64 and blob.dtype == np.uint8 and "first_layer_table.weight" not in b.keys())
    vocab = spec["rows"]
    got = inflate(blob, offsets, spec["frame_rows"], spec["shuffle_planes"], len(expected) // vocab, vocab)
    check(f"{label}: frames inflate to the plain table", got == expected)


dst, fields = gguf_case("llama", ("--table-dtype", "f32"))
table = dst.tensors[[t.name for t in dst.tensors].index("first_layer_table.weight")]
embedding = gguf.GGUFReader(str(samples / "tiny/llama/model.gguf")).tensors[1]
d = fields["ckpt.precompute.segment_widths"][0]
check("llama gguf: x segment is the embedding", np.array_equal(np.asarray(table.data)[:, :d], np.asarray(embedding.data)))
gguf_case("llama-tied-llama3")
gguf_case("gpt_neox")
gguf_case("falcon-40b")
gguf_case("qwen2", ("--keep-original",))
gguf_case("qwen3", ("--table-dtype", "bf16"))
gguf_case("olmo2", ("--table-dtype", "q8_0"))
hf_case("llama")
hf_case("falcon-40b")
hf_case("llama-tied-llama3")
hf_case("phi3", ("--keep-original",))

def large_hf_case():
    """A llama checkpoint written by the safetensors package whose FFN matrices (8.4 MB each) are copied
    with ckpt's direct copy: safe_open reads the output (its header padded so the largest copied run keeps
    its source offset modulo 4096) and every kept tensor is identical."""
    from safetensors.numpy import save_file
    label = "llama hf large tensors"
    src = work / "large-hf"
    src.mkdir(exist_ok=True)
    config = json.loads((samples / "tiny/llama/hf-f32/config.json").read_text())
    config["intermediate_size"] = 65_600
    (src / "config.json").write_text(json.dumps(config))
    d, ff, vocab, hd = config["hidden_size"], config["intermediate_size"], config["vocab_size"], config["head_dim"]
    q, kv = config["num_attention_heads"] * hd, config["num_key_value_heads"] * hd
    rng = np.random.default_rng(5)
    tensors = {"model.embed_tokens.weight": (vocab, d), "model.norm.weight": (d,), "lm_head.weight": (vocab, d)}
    for i in range(config["num_hidden_layers"]):
        p = f"model.layers.{i}."
        tensors |= {p + "input_layernorm.weight": (d,), p + "post_attention_layernorm.weight": (d,),
                    p + "self_attn.q_proj.weight": (q, d), p + "self_attn.k_proj.weight": (kv, d),
                    p + "self_attn.v_proj.weight": (kv, d), p + "self_attn.o_proj.weight": (d, q),
                    p + "mlp.gate_proj.weight": (ff, d), p + "mlp.up_proj.weight": (ff, d), p + "mlp.down_proj.weight": (d, ff)}
    save_file({k: (rng.standard_normal(v) * 0.05).astype(np.float32) for k, v in tensors.items()},
              str(src / "model.safetensors"), metadata={"format": "pt"})
    out = work / "large-hf-out"
    subprocess.run([ckpt, "convert", str(src), str(out), "--precompute-first-layer", "--force"], check=True, capture_output=True)
    header = lambda path: 8 + int.from_bytes(path.read_bytes()[:8], "little")
    with safe_open(str(src / "model.safetensors"), "numpy") as a, safe_open(str(out / "model.safetensors"), "numpy") as b:
        removed = set(json.loads((out / "config.json").read_text())["ckpt_precompute"]["removed_tensors"])
        for name in a.keys():
            if name not in removed:
                check(f"{label}: {name} identical", name in b.keys() and np.array_equal(a.get_tensor(name), b.get_tensor(name)))
    source_start, output_start = header(src / "model.safetensors"), header(out / "model.safetensors")
    check(f"{label}: header padded to a multiple of 8", output_start % 8 == 0, f"{output_start}")
    entries = lambda path: sorted((v["data_offsets"], k) for k, v in json.loads(
        path.read_bytes()[8:header(path)]).items() if k != "__metadata__")
    source = {k: offsets for offsets, k in entries(src / "model.safetensors")}
    runs = []  # [source start, output start, bytes] of tensors adjacent in both files
    for (begin, end), name in entries(out / "model.safetensors"):
        if name not in source:
            runs.append(None)
        elif runs and runs[-1] and runs[-1][0] + runs[-1][2] == source[name][0]:
            runs[-1][2] += end - begin
        else:
            runs.append([source[name][0], begin, end - begin])
    largest = max((r for r in runs if r), key=lambda r: r[2])
    check(f"{label}: largest copied run keeps its offset modulo 4096",
          (source_start + largest[0]) % 4096 == (output_start + largest[1]) % 4096, f"{largest} {source_start} {output_start}")
    run = subprocess.run([ckpt, "validate", str(src), str(out)], capture_output=True, text=True)
    check(f"{label}: validate passes", run.returncode == 0, run.stdout[-300:] + run.stderr[-300:])


def split_gguf_case(variant, max_tensors):
    """A split GGUF written by gguf-py's own GGUFWriter (split_max_tensors) converts into as many shards,
    each readable by GGUFReader, with split.* keys as gguf-py writes them and every kept tensor identical."""
    label = f"{variant} gguf split by gguf-py"
    src = gguf.GGUFReader(str(samples / f"tiny/{variant}/model.gguf"))
    writer = gguf.GGUFWriter(str(work / f"{variant}-split.gguf"), src.fields["general.architecture"].contents(),
                             split_max_tensors=max_tensors)
    for key, field in src.fields.items():
        if key.startswith("GGUF.") or key == "general.architecture":
            continue
        sub = field.types[1] if len(field.types) > 1 else None
        writer.add_key_value(key, field.contents(), field.types[0], sub)
    for t in src.tensors:
        writer.add_tensor(t.name, np.asarray(t.data), raw_dtype=t.tensor_type)
    writer.write_header_to_file(); writer.write_kv_data_to_file(); writer.write_tensors_to_file(); writer.close()
    inputs = sorted(work.glob(f"{variant}-split-*-of-*.gguf"))
    check(f"{label}: gguf-py wrote shards", len(inputs) > 1, f"{inputs}")
    out = work / f"{variant}-split-out.gguf"
    subprocess.run([ckpt, "convert", str(inputs[0]), str(out), "--precompute-first-layer", "--force"], check=True, capture_output=True)
    outputs = sorted(work.glob(f"{variant}-split-out-*-of-*.gguf"))
    check(f"{label}: as many output shards", len(outputs) == len(inputs), f"{outputs}")
    readers = [gguf.GGUFReader(str(p)) for p in outputs]
    total = sum(len(r.tensors) for r in readers)
    removed = set(readers[0].fields["ckpt.precompute.removed_tensors"].contents())
    original = {t.name: t for r in map(gguf.GGUFReader, map(str, inputs)) for t in r.tensors}
    for i, r in enumerate(readers):
        check(f"{label}: shard {i} split keys", r.fields["split.no"].contents() == i
              and r.fields["split.count"].contents() == len(outputs) and r.fields["split.tensors.count"].contents() == total)
        for t in r.tensors:
            if t.name in original:
                check(f"{label}: {t.name} identical", np.array_equal(np.asarray(t.data), np.asarray(original[t.name].data)))
    names = {t.name for r in readers for t in r.tensors}
    check(f"{label}: tensors", names == (set(original) - removed) | {"first_layer_table.weight"}, f"{names ^ set(original)}")


split_gguf_case("llama", 6)
large_hf_case()
compressed_gguf_case("llama", "f32", 3)
compressed_gguf_case("gpt_neox", "f16", 19)
compressed_gguf_case("olmo2", "q8_0", 1)
compressed_hf_case("llama-tied-llama3", "f32")
compressed_hf_case("gpt_neox", "f16")

failed = [r for r in results if not r[1]]
for name, _, detail in failed:
    print(f"FAIL {name} {detail}")
print(f"reference readers (gguf {getattr(gguf, '__version__', '0.19.0')}, safetensors): {len(results) - len(failed)} passed, {len(failed)} failed")
sys.exit(1 if failed else 0)
