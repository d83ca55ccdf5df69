#!/usr/bin/env python3
"""Benchmark of ckpt convert/validate at 7B scale against the machine's own limits, measured side by side.

Builds synthetic checkpoints with the exact shapes of Mistral-7B (bf16 safetensors, two shards as
published) and Pythia-6.9B (f16, parallel), optionally scaled (--scale multiplies hidden and FFN sizes,
--vocab and --layers override), then measures in one run:
  (a) numpy's sgemm throughput (its bundled OpenBLAS) on the precompute's GEMM shapes (256-row chunks);
  (b) ckpt's table throughput on the same shapes (from `convert --json`);
  (c) the time `cp -r` takes to copy the input, and with `sync` (convert fsyncs its output before the rename);
  (d) `ckpt convert` wall time and peak RSS (GNU time);
  (e) `ckpt validate` wall time and peak RSS;
and prints the ratios the targets are stated in. --sweep runs the scaling table instead.
Each trial measures (a), (c) and (d) back to back, so its ratios compare numbers taken minutes apart;
--repeat N runs N trials and reports each and the median. --compress zstd adds a compressed conversion;
--table-alone measures (b) again on a 2-layer checkpoint with the same table shapes (no big copy beside it);
Before cp and before convert the input is read once (so both start with it cached); --cold instead empties
the page cache (root only), so both read the input from disk.
Usage: Scripts/bench [--model mistral|pythia|both] [--scale S] [--vocab V] [--layers N] [--repeat N]
                     [--compress zstd[:L]] [--table-alone] [--cold] [--sweep] [--skip-validate] [--keep] [--json FILE] [--work DIR]
"""
import argparse, json, math, os, pathlib, re, shutil, struct, subprocess, sys, time
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
CONFIGS = {"mistral": ROOT / "Samples/configs/mistral-7b.json", "pythia": ROOT / "Samples/configs/pythia-6.9b.json"}
CHUNK = 256


def shapes(model, cfg):
    """Tensor names and row-major shapes in the order transformers saves them."""
    d, ff, layers, vocab = cfg["hidden_size"], cfg["intermediate_size"], cfg["num_hidden_layers"], cfg["vocab_size"]
    heads = cfg["num_attention_heads"]
    hd = d // heads
    out = []
    if model == "mistral":
        kv = cfg["num_key_value_heads"] * hd
        out.append(("model.embed_tokens.weight", [vocab, d]))
        for i in range(layers):
            p = f"model.layers.{i}."
            out += [(p + "input_layernorm.weight", [d]), (p + "mlp.down_proj.weight", [d, ff]),
                    (p + "mlp.gate_proj.weight", [ff, d]), (p + "mlp.up_proj.weight", [ff, d]),
                    (p + "post_attention_layernorm.weight", [d]), (p + "self_attn.k_proj.weight", [kv, d]),
                    (p + "self_attn.o_proj.weight", [d, d]), (p + "self_attn.q_proj.weight", [d, d]),
                    (p + "self_attn.v_proj.weight", [kv, d])]
        out += [("model.norm.weight", [d]), ("lm_head.weight", [vocab, d])]
    else:
        out.append(("gpt_neox.embed_in.weight", [vocab, d]))
        for i in range(layers):
            p = f"gpt_neox.layers.{i}."
            out += [(p + "input_layernorm.weight", [d]), (p + "input_layernorm.bias", [d]),
                    (p + "post_attention_layernorm.weight", [d]), (p + "post_attention_layernorm.bias", [d]),
                    (p + "attention.query_key_value.weight", [3 * d, d]), (p + "attention.query_key_value.bias", [3 * d]),
                    (p + "attention.dense.weight", [d, d]), (p + "attention.dense.bias", [d]),
                    (p + "mlp.dense_h_to_4h.weight", [ff, d]), (p + "mlp.dense_h_to_4h.bias", [ff]),
                    (p + "mlp.dense_4h_to_h.weight", [d, ff]), (p + "mlp.dense_4h_to_h.bias", [d])]
        out += [("gpt_neox.final_layer_norm.weight", [d]), ("gpt_neox.final_layer_norm.bias", [d]),
                ("embed_out.weight", [vocab, d])]
    return out


def make_checkpoint(model, directory, scale, vocab, layers):
    cfg = json.loads(CONFIGS[model].read_text())
    heads = cfg["num_attention_heads"]
    cfg["hidden_size"] = max(heads, int(round(cfg["hidden_size"] * scale / heads)) * heads)
    cfg["intermediate_size"] = max(8, int(cfg["intermediate_size"] * scale) // 8 * 8)
    if vocab: cfg["vocab_size"] = vocab
    if layers: cfg["num_hidden_layers"] = layers
    dtype, np_dtype = ("BF16", None) if model == "mistral" else ("F16", np.float16)
    rng = np.random.default_rng(0)
    values = rng.standard_normal(1 << 24).astype(np.float32) * 0.02
    pool = (values.view(np.uint32) >> 16).astype(np.uint16).tobytes() if dtype == "BF16" else values.astype(np_dtype).tobytes()
    tensors = shapes(model, cfg)
    total = sum(2 * math.prod(s) for _, s in tensors)
    limit = math.ceil(total * 0.68)  # two shards, like the published checkpoints
    groups, current, size = [], [], 0
    for name, shape in tensors:
        n = 2 * math.prod(shape)
        if current and size + n > limit:
            groups.append(current); current, size = [], 0
        current.append((name, shape)); size += n
    groups.append(current)
    directory.mkdir(parents=True, exist_ok=True)
    weight_map = {}
    for index, group in enumerate(groups):
        fname = f"model-{index + 1:05d}-of-{len(groups):05d}.safetensors"
        header, offset = {"__metadata__": {"format": "pt"}}, 0
        for name, shape in group:
            n = 2 * math.prod(shape)
            header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + n]}
            offset += n
            weight_map[name] = fname
        text = json.dumps(header, separators=(",", ":")).encode()
        text += b" " * ((8 - len(text) % 8) % 8)
        with open(directory / fname, "wb") as f:
            f.write(struct.pack("<Q", len(text)) + text)
            position = 0
            for name, shape in group:
                left = 2 * math.prod(shape)
                while left:
                    start = position % len(pool)
                    piece = pool[start:start + min(left, len(pool) - start)]
                    f.write(piece); left -= len(piece); position += len(piece)
    (directory / "model.safetensors.index.json").write_text(json.dumps({"metadata": {"total_size": total}, "weight_map": weight_map}, indent=2))
    (directory / "config.json").write_text(json.dumps(cfg, indent=2))
    return cfg, total


def numpy_gemm(model, cfg, chunks=12):
    """numpy sgemm time for `chunks` table chunks of the precompute's products, and its GFLOPS."""
    d, ff = cfg["hidden_size"], cfg["intermediate_size"]
    hd = d // cfg["num_attention_heads"]
    kv = cfg.get("num_key_value_heads", cfg["num_attention_heads"]) * hd
    rng = np.random.default_rng(1)
    x = rng.standard_normal((CHUNK, d), dtype=np.float32)
    mats = [rng.standard_normal((d, n), dtype=np.float32) for n in (d, kv, kv)]
    flops = sum(2 * CHUNK * d * m.shape[1] for m in mats)
    if model == "pythia":
        up, down = rng.standard_normal((d, ff), dtype=np.float32), rng.standard_normal((ff, d), dtype=np.float32)
        flops += 2 * CHUNK * d * ff * 2
    def once():
        for m in mats: x @ m
        if model == "pythia": (x @ up) @ down
    once()
    start = time.perf_counter()
    for _ in range(chunks): once()
    seconds = time.perf_counter() - start
    return flops * chunks / seconds / 1e9, flops * cfg["vocab_size"] / CHUNK


def timed(cmd):
    """Runs under GNU time; returns (wall seconds, peak RSS bytes, stdout)."""
    start = time.perf_counter()
    r = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if r.returncode not in (0, 1):
        sys.exit(f"bench: {' '.join(cmd)} failed:\n{r.stderr[-2000:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1)) * 1024
    return wall, rss, r.stdout


COLD = False


def settle(src):
    """Flushes dirty pages, then puts cp and convert in the same state: the input read once into the page
    cache (as far as RAM holds it), or with --cold the page cache emptied, so both read from disk."""
    subprocess.run(["sync"], check=True)
    if COLD:
        pathlib.Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return
    for path in sorted(pathlib.Path(src).iterdir()):
        with open(path, "rb") as f:
            while f.read(64 << 20): pass


def trial(model, cfg, src, copy, out, ckpt, extra=()):
    """One side-by-side measurement: numpy sgemm, cp (+sync), then ckpt convert on the same input."""
    gflops_numpy, table_flops = numpy_gemm(model, cfg)
    settle(src)
    t = time.perf_counter(); subprocess.run(["cp", "-r", str(src), str(copy)], check=True); cp_seconds = time.perf_counter() - t
    subprocess.run(["sync"], check=True); cp_sync_seconds = time.perf_counter() - t
    shutil.rmtree(copy)
    shutil.rmtree(out, ignore_errors=True)
    settle(src)
    wall, rss, stdout = timed([ckpt, "convert", str(src), str(out), "--precompute-first-layer", "--json", *extra])
    summary = json.loads(stdout)
    gemm_only = table_flops / gflops_numpy / 1e9
    return {"numpy_gflops": gflops_numpy, "gemm_only_seconds": gemm_only,
            "ckpt_table_gflops": summary["table_gflops"], "ckpt_table_seconds": summary["table_seconds"],
            "cp_seconds": cp_seconds, "cp_sync_seconds": cp_sync_seconds, "convert_seconds": wall, "convert_rss": rss,
            "output_bytes": summary["output_bytes"], "table_bytes": summary["table_bytes"],
            "compressed_table_bytes": summary.get("compressed_table_bytes"),
            "gemm_ratio": summary["table_gflops"] / gflops_numpy,
            "convert_ratio": wall / max(gemm_only, cp_seconds), "convert_ratio_synced": wall / max(gemm_only, cp_sync_seconds)}


def run(model, args, ckpt, work):
    src, copy, out = work / f"{model}-src", work / f"{model}-copy", work / f"{model}-out"
    for p in (src, copy, out): shutil.rmtree(p, ignore_errors=True)
    t = time.perf_counter()
    cfg, total = make_checkpoint(model, src, args.scale, args.vocab, args.layers)
    made = time.perf_counter() - t
    trials = [trial(model, cfg, src, copy, out, ckpt) for _ in range(args.repeat)]
    result = {"model": model, "hidden": cfg["hidden_size"], "ffn": cfg["intermediate_size"], "layers": cfg["num_hidden_layers"],
              "vocab": cfg["vocab_size"], "input_bytes": total, "make_seconds": made, "trials": trials}
    # The median trial by convert ratio stands for the configuration; every trial is kept and printed.
    result.update(sorted(trials, key=lambda r: r["convert_ratio_synced"])[len(trials) // 2])
    if not args.skip_validate:
        vwall, vrss, vout = timed([ckpt, "validate", str(src), str(out), "--json"])
        v = json.loads(vout)
        result.update(validate_seconds=vwall, validate_rss=vrss, validate_passed=v["passed"], mean_kld=v["logits"]["mean_kld"],
                      validate_phases=v["phase_seconds"])
    if args.table_alone:
        # The same table shapes (d, heads, vocab, FFN) in a 2-layer checkpoint: the table with almost
        # nothing to copy beside it, so (b) is measured without the copy competing for the cores.
        small, small_out = work / f"{model}-2layers", work / f"{model}-2layers-out"
        make_checkpoint(model, small, args.scale, args.vocab, 2)
        result["table_alone"] = [trial(model, cfg, small, copy, small_out, ckpt) for _ in range(args.repeat)]
        shutil.rmtree(small); shutil.rmtree(small_out, ignore_errors=True)
    if args.compress:
        packed = work / f"{model}-zstd"
        result["compressed"] = trial(model, cfg, src, copy, packed, ckpt, ("--compress", args.compress))
        if not args.skip_validate:
            vwall, vrss, vout = timed([ckpt, "validate", str(src), str(packed), "--json"])
            result["compressed"].update(validate_seconds=vwall, validate_rss=vrss, validate_passed=json.loads(vout)["passed"])
        if not args.keep: shutil.rmtree(packed)
    if not args.keep:
        shutil.rmtree(src); shutil.rmtree(out)
    return result


def report(r):
    gb = 1 << 30
    print(f"{r['model']}: d={r['hidden']} ffn={r['ffn']} layers={r['layers']} vocab={r['vocab']}, input {r['input_bytes']/gb:.2f} GiB")
    if len(r["trials"]) > 1:
        for i, t in enumerate(r["trials"]):
            print(f"  trial {i + 1}: numpy {t['numpy_gflops']:.1f} GFLOPS, table {t['ckpt_table_gflops']:.1f} GFLOPS ({t['gemm_ratio']:.2f}), "
                  f"cp+sync {t['cp_sync_seconds']:.1f} s, convert {t['convert_seconds']:.1f} s ({t['convert_ratio_synced']:.2f}), "
                  f"RSS {t['convert_rss']/gb:.2f} GiB")
        print("  median trial:")
    print(f"  (a) numpy sgemm on the table's shapes     {r['numpy_gflops']:7.1f} GFLOPS  (GEMM-only time {r['gemm_only_seconds']:.1f} s)")
    print(f"  (b) ckpt table (compute+encode+write)     {r['ckpt_table_gflops']:7.1f} GFLOPS  ({r['ckpt_table_seconds']:.1f} s)   ratio {r['gemm_ratio']:.2f} (target ≥ 0.8)")
    print(f"  (c) cp -r of the input                    {r['cp_seconds']:7.1f} s; with sync (as convert fsyncs) {r['cp_sync_seconds']:.1f} s")
    print(f"  (d) ckpt convert                          {r['convert_seconds']:7.1f} s, peak RSS {r['convert_rss']/gb:.2f} GiB   "
          f"ratio to max(GEMM, cp+sync) {r['convert_ratio_synced']:.2f}, to max(GEMM, cp) {r['convert_ratio']:.2f} (target ≤ 1.3; RSS ≤ 1.5 GB)")
    if "validate_seconds" in r:
        print(f"  (e) ckpt validate (4 × 32 tokens)         {r['validate_seconds']:7.1f} s, peak RSS {r['validate_rss']/gb:.2f} GiB, "
              f"{'pass' if r['validate_passed'] else 'FAIL'} (mean KLD {r['mean_kld']:.2e})")
        p = r["validate_phases"]
        print(f"      phases: structure {p['structure']:.1f} s, f64 audit {p['audit']:.1f} s, logits of both models {p['logits']:.1f} s")
    for t in r.get("table_alone", []):
        print(f"  (b) table alone (same shapes, 2 layers)   {t['ckpt_table_gflops']:7.1f} GFLOPS vs numpy {t['numpy_gflops']:.1f}: "
              f"ratio {t['gemm_ratio']:.2f} (target ≥ 0.8)")
    if "compressed" in r:
        c = r["compressed"]
        print(f"  --compress: table {c['table_bytes']/gb:.3f} → {c['compressed_table_bytes']/gb:.3f} GiB "
              f"({c['compressed_table_bytes']/c['table_bytes']:.1%}); convert {c['convert_seconds']:.1f} s "
              f"({c['convert_ratio_synced']:.2f}× max(GEMM, cp+sync {c['cp_sync_seconds']:.1f} s)), table {c['ckpt_table_gflops']:.1f} GFLOPS "
              f"({c['gemm_ratio']:.2f}× numpy), RSS {c['convert_rss']/gb:.2f} GiB"
              + (f"; validate {c['validate_seconds']:.1f} s {'pass' if c['validate_passed'] else 'FAIL'}" if "validate_seconds" in c else ""))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", choices=["mistral", "pythia", "both"], default="both")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--vocab", type=int)
    ap.add_argument("--layers", type=int)
    ap.add_argument("--sweep", action="store_true", help="scaling table: vocabulary and hidden size")
    ap.add_argument("--skip-validate", action="store_true")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--work", default=os.environ.get("TMPDIR", "/tmp") + "/ckpt-bench")
    ap.add_argument("--ckpt", default=str(ROOT / ".build/release/ckpt"))
    ap.add_argument("--json", help="also write the results here")
    ap.add_argument("--repeat", type=int, default=1, help="side-by-side trials per configuration (the median is reported)")
    ap.add_argument("--compress", help="also convert with --compress (e.g. zstd) and report size and time")
    ap.add_argument("--table-alone", action="store_true",
                    help="also measure (b) on a 2-layer checkpoint with the same table shapes, where no big copy competes")
    ap.add_argument("--cold", action="store_true",
                    help="empty the page cache before cp and before convert (needs root), so both read the input from disk")
    args = ap.parse_args()
    global COLD
    COLD = args.cold
    work = pathlib.Path(args.work); work.mkdir(parents=True, exist_ok=True)
    results = []
    if args.sweep:
        args.skip_validate = True
        for vocab in (8000, 16000, 32000):
            args.vocab = vocab; results.append(run("mistral", args, args.ckpt, work)); report(results[-1])
        for scale in (0.125, 0.25, 0.5):
            args.vocab, args.scale = 32000, scale; results.append(run("mistral", args, args.ckpt, work)); report(results[-1])
    else:
        for model in (["mistral", "pythia"] if args.model == "both" else [args.model]):
            results.append(run(model, args, args.ckpt, work)); report(results[-1])
    if args.json: pathlib.Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
