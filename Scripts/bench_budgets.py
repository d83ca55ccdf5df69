#!/usr/bin/env python3
"""Peak memory of `ckpt inspect` on hostile headers: Scripts/bench_budgets.py CKPT [--mb 50,100] [--keep DIR]

Builds, per size, inputs whose header is all entries of the smallest kind (a config.json and a shard
index of tiny values, a safetensors header of tiny tensors or of one huge array, GGUF metadata of
tiny key-values, tiny tensor infos or a huge string array), runs `ckpt inspect` on each under GNU
time (`/usr/bin/time -f %M`, peak RSS) and prints one row per input: header bytes, exit status, peak
RSS, RSS above the baseline (inspect of the tiny llama sample) and that as a multiple of the header
bytes, and ckpt's error line. The budgets (README.md, "What the readers check") keep the excess under
4x the header and every RSS under 512 MB.
"""

import argparse
import os
import pathlib
import shutil
import struct
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
TINY = ROOT / "Samples/tiny/llama/hf-f32"


def numbers_json(size):
    """`{"a":[0,0,...]}` of about `size` bytes: two bytes per value."""
    count = max(1, (size - 8) // 2)
    return b'{"a":[' + b",".join([b"0"] * count) + b"]}"


def members(size, total, item):
    """`item % 0`, `item % 1`, ... joined by commas, added while the running length, from `total`
    (what surrounds them) plus each member and its comma, is below `size`."""
    parts, index = [], 0
    while total < size:
        parts.append(item % index)
        total += len(parts[-1]) + 1
        index += 1
    return b",".join(parts)


def keys_json(size):
    """`{"k0":0,"k1":0,...}`: a flat object of about `size` bytes."""
    return b"{" + members(size, 2, b'"k%x":0') + b"}"


def index_json(size):
    """A shard index whose weight_map maps many short tensor names to one shard."""
    return b'{"metadata":{},"weight_map":{' + members(size, 40, b'"%x":"s.safetensors"') + b"}}"


def safetensors_tiny_tensors(size):
    """A safetensors file whose header lists as many zero-byte U8 tensors as `size` bytes hold."""
    header = b"{" + members(size, 2, b'"%x":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}') + b"}"
    return struct.pack("<Q", len(header)) + header


def safetensors_numbers(size):
    header = numbers_json(size)
    return struct.pack("<Q", len(header)) + header


def gguf_string(text):
    return struct.pack("<Q", len(text)) + text


def gguf(kvs, tensors=b"", tensor_count=0):
    return b"GGUF" + struct.pack("<IQQ", 3, tensor_count, len(kvs)) + b"".join(kvs) + tensors


def gguf_many_kvs(size):
    """Key-values of a u8 each, with distinct short keys."""
    kvs, total, index = [], 24, 0
    while total < size:
        kv = gguf_string(b"%x" % index) + struct.pack("<IB", 0, 0)
        kvs.append(kv)
        total += len(kv)
        index += 1
    return gguf(kvs)


def gguf_many_tensors(size):
    """Zero-element F32 tensor infos at offset 0, with distinct short names."""
    infos, total, index = [], 24, 0
    while total < size:
        info = gguf_string(b"%x" % index) + struct.pack("<IQIQ", 1, 0, 0, 0)
        infos.append(info)
        total += len(info)
        index += 1
    body = gguf([], b"".join(infos), len(infos))
    return body + b"\0" * (-len(body) % 32)


def gguf_string_array(size):
    """One array of empty strings (8 bytes each)."""
    count = max(1, (size - 60) // 8)
    kv = gguf_string(b"a.b") + struct.pack("<IIQ", 9, 8, count) + b"\0" * (8 * count)
    return gguf([kv])


def peak_rss(ckpt, target):
    """(exit status, peak RSS in KiB, last stderr line) of `ckpt inspect TARGET`."""
    run = subprocess.run(
        ["/usr/bin/time", "-f", "%M", ckpt, "inspect", target], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines = run.stderr.strip().splitlines()
    return run.returncode, int(lines[-1]), next((line for line in lines if line.startswith("ckpt: error: ")), "")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ckpt")
    parser.add_argument("--mb", default="50,100", help="header sizes in MB, comma-separated")
    parser.add_argument("--keep", help="write the inputs here and keep them")
    args = parser.parse_args()
    work = pathlib.Path(args.keep or tempfile.mkdtemp(prefix="ckpt-bench-budgets-"))
    work.mkdir(parents=True, exist_ok=True)
    _, baseline, _ = peak_rss(args.ckpt, str(TINY))
    print(f"baseline: inspect of {TINY.relative_to(ROOT)}: {baseline / 1024:.1f} MiB")
    print(f"{'input':<28} {'MB':>6} {'exit':>4} {'RSS MiB':>8} {'excess':>8} {'x hdr':>6}  error")
    kinds = {
        "config.json numbers": ("dir", "config.json", numbers_json),
        "config.json keys": ("dir", "config.json", keys_json),
        "index weight_map": ("dir", "model.safetensors.index.json", index_json),
        "safetensors tiny tensors": ("file", "model.safetensors", safetensors_tiny_tensors),
        "safetensors numbers": ("file", "model.safetensors", safetensors_numbers),
        "gguf key-values": ("file", "model.gguf", gguf_many_kvs),
        "gguf tensor infos": ("file", "model.gguf", gguf_many_tensors),
        "gguf string array": ("file", "model.gguf", gguf_string_array),
    }
    try:
        for megabytes in [float(x) for x in args.mb.split(",")]:
            size = int(megabytes * 1_000_000)
            for label, (shape, name, build) in kinds.items():
                case = work / f"{label.replace(' ', '-')}-{megabytes:g}"
                shutil.rmtree(case, ignore_errors=True)
                case.mkdir()
                if shape == "dir":
                    for sample in TINY.iterdir():
                        shutil.copy(sample, case / sample.name)
                    if name != "config.json":
                        os.remove(case / "model.safetensors")
                data = build(size)
                (case / name).write_bytes(data)
                if name == "model.safetensors":
                    shutil.copy(TINY / "config.json", case / "config.json")
                target = str(case if shape == "dir" else case / name)
                status, rss, error = peak_rss(args.ckpt, target)
                excess = max(0, rss - baseline) * 1024
                print(
                    f"{label:<28} {len(data) / 1e6:>6.1f} {status:>4} {rss / 1024:>8.1f} {excess / 2**20:>8.1f} "
                    f"{excess / len(data):>6.2f}  {error.replace(str(case) + '/', '')[:110]}")
                if not args.keep:
                    shutil.rmtree(case)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
