#!/usr/bin/env python3
"""The models of the sample zoo (Samples/zoo/manifest.json) that Samples/tiny does not already hold, and
the fake Hugging Face cache its `hf:` entry is resolved from.

    make_zoo_samples.py samples               writes Samples/zoo/{llama-split,llama-sharded,gpt2}
    make_zoo_samples.py fake-hf-cache ROOT    builds a hub cache under ROOT (what Scripts/test-zoo does)

`samples` needs gguf, safetensors and numpy (the reference-reader venv, ~/.cache/ckpt/venv-readers, has
them); `fake-hf-cache` needs the standard library only.

- llama-split/: Samples/tiny/llama/model.gguf written again by gguf-py's GGUFWriter (llama.cpp's own Python
  writer) with split_max_tensors=8: three shards `llama-0000N-of-00003.gguf` with `split.no`, `split.count`
  and `split.tensors.count`, as llama.cpp's gguf-split writes them (all other metadata in the first shard).
- llama-sharded/: Samples/tiny/llama/hf-bf16 cut into two safetensors shards plus
  `model.safetensors.index.json`, the layout transformers' save_pretrained writes; each tensor's bytes are
  copied unchanged, and both shards are opened with safetensors.safe_open to prove them valid.
- gpt2/: a tiny GPT-2 (learned absolute position embeddings `wpe`, which ckpt must refuse): transformers'
  config.json keys and state-dict names, seeded random float32 weights written by safetensors.numpy.
- fake-hf-cache ROOT: `ROOT/models--ckpt-zoo--tiny-qwen3` holding Samples/tiny/qwen3/hf-f32 as
  huggingface_hub lays a download out: `blobs/SHA256` files, `snapshots/COMMIT/NAME` relative symlinks
  to them (`../../blobs/SHA256`), and `refs/main` holding COMMIT (no newline). The commit is a fixed
  made-up hash; the blob names are the files' SHA-256, as the hub names LFS blobs.
"""
import hashlib, json, os, pathlib, struct, sys

REPO = pathlib.Path(__file__).resolve().parent.parent
TINY = REPO / "Samples" / "tiny"
ZOO = REPO / "Samples" / "zoo"

FAKE_REPO = ("ckpt-zoo", "tiny-qwen3")
FAKE_SOURCE = TINY / "qwen3" / "hf-f32"
FAKE_COMMIT = "0123456789abcdef0123456789abcdef01234567"


def fake_hf_cache(root):
    root = pathlib.Path(root)
    repo = root / f"models--{FAKE_REPO[0]}--{FAKE_REPO[1]}"
    snapshot = repo / "snapshots" / FAKE_COMMIT
    (repo / "blobs").mkdir(parents=True, exist_ok=True)
    (repo / "refs").mkdir(exist_ok=True)
    snapshot.mkdir(parents=True, exist_ok=True)
    for source in sorted(FAKE_SOURCE.iterdir()):
        data = source.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        (repo / "blobs" / digest).write_bytes(data)
        link = snapshot / source.name
        if link.is_symlink() or link.exists():
            link.unlink()
        os.symlink(f"../../blobs/{digest}", link)
    (repo / "refs" / "main").write_text(FAKE_COMMIT)
    print(repo)


def safetensors_header(path):
    data = path.read_bytes()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + length])
    return header, data[8 + length :]


def write_safetensors(path, tensors, metadata):
    """tensors: [(name, dtype, shape, raw bytes)] laid out in order, header padded with spaces to 8 bytes
    as the safetensors package does."""
    header, offset = {"__metadata__": metadata}, 0
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        for _, _, _, raw in tensors:
            f.write(raw)


def split_gguf():
    import numpy as np
    import gguf

    out = ZOO / "llama-split"
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.gguf"):
        old.unlink()
    src = gguf.GGUFReader(str(TINY / "llama" / "model.gguf"))
    writer = gguf.GGUFWriter(str(out / "llama.gguf"), src.fields["general.architecture"].contents(), split_max_tensors=8)
    for key, field in src.fields.items():
        if key.startswith("GGUF.") or key == "general.architecture":
            continue
        sub = field.types[1] if len(field.types) > 1 else None
        writer.add_key_value(key, field.contents(), field.types[0], sub)
    for t in src.tensors:
        writer.add_tensor(t.name, np.asarray(t.data), raw_dtype=t.tensor_type)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    shards = sorted(out.glob("llama-*-of-*.gguf"))
    total = 0
    for i, path in enumerate(shards):
        r = gguf.GGUFReader(str(path))
        assert r.fields["split.no"].contents() == i and r.fields["split.count"].contents() == len(shards)
        total += len(r.tensors)
    assert total == len(src.tensors) == gguf.GGUFReader(str(shards[0])).fields["split.tensors.count"].contents()
    print(f"{out.relative_to(REPO)}: {len(shards)} shards, {total} tensors")


def sharded_hf():
    from safetensors import safe_open

    source = TINY / "llama" / "hf-bf16"
    out = ZOO / "llama-sharded"
    out.mkdir(parents=True, exist_ok=True)
    for old in out.iterdir():
        old.unlink()
    header, data = safetensors_header(source / "model.safetensors")
    metadata = header.pop("__metadata__", {"format": "pt"})
    names = sorted(header, key=lambda n: header[n]["data_offsets"][0])
    # The embedding and layer 0 in the first shard, the rest in the second (as save_pretrained cuts by size).
    first = [n for n in names if n == "model.embed_tokens.weight" or n.startswith("model.layers.0.")]
    groups = [first, [n for n in names if n not in first]]
    shard_names = [f"model-0000{i + 1}-of-00002.safetensors" for i in range(2)]
    weight_map, total = {}, 0
    for shard, group in zip(shard_names, groups):
        tensors = []
        for n in group:
            begin, end = header[n]["data_offsets"]
            tensors.append((n, header[n]["dtype"], header[n]["shape"], data[begin:end]))
            weight_map[n] = shard
            total += end - begin
        write_safetensors(out / shard, tensors, metadata)
    index = {"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}
    (out / "model.safetensors.index.json").write_text(json.dumps(index, indent=2) + "\n")
    (out / "config.json").write_bytes((source / "config.json").read_bytes())
    # safe_open reads headers of any dtype; get_tensor of BF16 needs torch, so check names and byte ranges.
    for shard, group in zip(shard_names, groups):
        with safe_open(str(out / shard), "numpy") as f:
            assert sorted(f.keys()) == sorted(group), (shard, f.keys())
    print(f"{out.relative_to(REPO)}: 2 shards, {len(names)} tensors")


def gpt2():
    import numpy as np
    from safetensors import safe_open
    from safetensors.numpy import save_file

    out = ZOO / "gpt2"
    out.mkdir(parents=True, exist_ok=True)
    vocab, positions, d, layers = 64, 32, 16, 1
    config = {
        "activation_function": "gelu_new",
        "architectures": ["GPT2LMHeadModel"],
        "bos_token_id": 0,
        "eos_token_id": 0,
        "layer_norm_epsilon": 1e-05,
        "model_type": "gpt2",
        "n_ctx": positions,
        "n_embd": d,
        "n_head": 2,
        "n_inner": None,
        "n_layer": layers,
        "n_positions": positions,
        "tie_word_embeddings": True,
        "torch_dtype": "float32",
        "vocab_size": vocab,
    }
    rng = np.random.default_rng(20261202)
    w = lambda *shape: (rng.standard_normal(shape) * 0.02).astype(np.float32)
    tensors = {"transformer.wte.weight": w(vocab, d), "transformer.wpe.weight": w(positions, d)}
    for i in range(layers):
        p = f"transformer.h.{i}."
        tensors.update({
            p + "ln_1.weight": np.ones(d, np.float32), p + "ln_1.bias": np.zeros(d, np.float32),
            p + "attn.c_attn.weight": w(d, 3 * d), p + "attn.c_attn.bias": np.zeros(3 * d, np.float32),
            p + "attn.c_proj.weight": w(d, d), p + "attn.c_proj.bias": np.zeros(d, np.float32),
            p + "ln_2.weight": np.ones(d, np.float32), p + "ln_2.bias": np.zeros(d, np.float32),
            p + "mlp.c_fc.weight": w(d, 4 * d), p + "mlp.c_fc.bias": np.zeros(4 * d, np.float32),
            p + "mlp.c_proj.weight": w(4 * d, d), p + "mlp.c_proj.bias": np.zeros(d, np.float32),
        })
    tensors["transformer.ln_f.weight"] = np.ones(d, np.float32)
    tensors["transformer.ln_f.bias"] = np.zeros(d, np.float32)
    save_file(tensors, str(out / "model.safetensors"), metadata={"format": "pt"})
    (out / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    with safe_open(str(out / "model.safetensors"), "numpy") as f:
        assert sorted(f.keys()) == sorted(tensors)
    print(f"{out.relative_to(REPO)}: gpt2, {len(tensors)} tensors")


def main(argv):
    if len(argv) == 2 and argv[1] == "samples":
        split_gguf()
        sharded_hf()
        gpt2()
        for path in ZOO.rglob("*"):
            if path.is_file():
                path.chmod(0o644)  # safetensors.numpy.save_file creates its files 0600
    elif len(argv) == 3 and argv[1] == "fake-hf-cache":
        fake_hf_cache(argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
