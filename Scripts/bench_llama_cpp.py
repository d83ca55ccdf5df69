#!/usr/bin/env python3
"""What the first-layer table saves in llama.cpp, measured: original vs converted GGUF, interleaved.

Run through Scripts/bench-llama-cpp, which builds ckpt (release, scratch path .build-bench), the patched
llama.cpp (Scripts/build-llama-cpp) and fetches SmolLM2, then calls this script with their paths.

Models (built once, cached under $CKPT_CACHE/bench/, default ~/.cache/ckpt/bench/, outside git):
  smollm2     SmolLM2-135M-Instruct as published (llama, 30 layers, Q4_1 layers, Q8_0 tied embedding)
  smollm2-q8  the same file converted with --table-dtype q8_0 (the others use the default auto)
  smollm2-4l  SmolLM2 cut to its first 4 layers (blk.0-3, llama.block_count = 4): real weights, SmolLM2's
              width, the "few layers" case; every other key and tensor is copied byte for byte
  pythia      a GPT-NeoX model of Pythia-160M's shape (parallel residual, d 768, 12 layers, FFN 3072,
              vocab 50304, untied head), random weights (seed 0), Q8_0 matrices, F32 norms and biases
Conversions (`ckpt convert --precompute-first-layer`) go to a temporary directory removed at exit.

Tests (llama-bench, -t THREADS): tg = batch-1 decode of --tg tokens (-p 0 -n N), pp = prompt processing of
--pp tokens (-p N -n 0); `--batched B` adds decode at B parallel sequences with llama-batched-bench.
Every round runs, per model and test, the original and the converted file back to back, alternating which
goes first (A B, then B A, ...). A round gives one ratio r = t_conv / t_orig of the time per token (each
side: the fastest of llama-bench's --reps repetitions, the one least disturbed by other processes).
The machine is shared: before each pair the script waits (up to --wait s) until other processes use less
than --quiet of a core, and a pair during which they used more (from /proc/stat minus this process tree's
CPU time) is dropped and repeated (--retries); with 2 threads on 2 cores a competing process makes
llama.cpp's spinning threads wait for each other and a run can be 5-50x slower. Measured saving = 1 - median(r); its 95% confidence
interval is the distribution-free order-statistic interval of the median (binomial ranks). A cell stops
once it has --min-rounds rounds and its interval is within +-target of the median (default 1% of the
ratio, i.e. +-1 percentage point of saving); all stop at --max-rounds or when --time-cap seconds of
measuring have passed.

Predicted savings, from the files:
  reads  bytes one token reads at B=1 in the original: every tensor once, except the token embedding
         of which one row is read (and all of it once more when the head is tied to it, as in SmolLM2).
         predicted = ckpt plan's verdict reads_saved_per_token (for the conversion's table dtype:
         layer 0's removed tensors + one embedding row - one table row) / those bytes.
         This is what decode should save if it is bound by reading weights.
  flops  matmul FLOPs per token in the test: 2 * weights of every layer matrix, attention scores and
         values (4 * heads * head_dim * average context), the head only for the tokens whose logits are
         computed (all in tg, 1 per ubatch in pp); predicted = 2 * removed layer-0 matrix weights / that.
         This is what compute-bound prompt processing should save.

Usage: Scripts/bench-llama-cpp [--models smollm2,smollm2-4l,pythia[,smollm2-q8]] [--tests tg,pp]
         [--threads 2] [--tg 64] [--pp 256] [--reps 2] [--batched B] [--min-rounds 6] [--max-rounds 40]
         [--target 0.01] [--time-cap 660] [--json FILE] [--docs] [--quick]
       Scripts/bench-llama-cpp --render docs/llama-cpp-bench.json   (rewrite the SVG from saved data)
"""
import argparse, hashlib, json, math, os, pathlib, platform, shutil, statistics, subprocess, sys
import tempfile, time

ROOT = pathlib.Path(__file__).resolve().parent.parent
CACHE = pathlib.Path(os.environ.get("CKPT_CACHE", pathlib.Path.home() / ".cache/ckpt")) / "bench"
DOCS_SVG = ROOT / "docs/llama-cpp-bench.svg"
DOCS_JSON = ROOT / "docs/llama-cpp-bench.json"

MODELS = {
    "smollm2": "SmolLM2-135M (30 layers)",
    "smollm2-q8": "SmolLM2-135M, Q8_0 table",
    "smollm2-4l": "SmolLM2 cut to 4 layers",
    "pythia": "Pythia-160M shape, parallel (random)",
}


def log(*a):
    print("bench-llama-cpp:", *a, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------- models

def copy_fields(reader, writer, overrides=None):
    import gguf
    overrides = overrides or {}
    for field in reader.fields.values():
        if field.name == gguf.Keys.General.ARCHITECTURE or field.name.startswith("GGUF."):
            continue
        vtype = field.types[0]
        sub = field.types[-1] if vtype == gguf.GGUFValueType.ARRAY else None
        value = overrides.get(field.name, field.contents())
        writer.add_key_value(field.name, value, vtype, sub_type=sub)


def make_truncated(src, dst, layers):
    """SmolLM2 with blk.0..layers-1 only: metadata and kept tensors copied byte for byte."""
    import gguf
    r = gguf.GGUFReader(src)
    arch = r.fields["general.architecture"].contents()
    tmp = dst.with_suffix(".partial")
    w = gguf.GGUFWriter(tmp, arch)
    copy_fields(r, w, {f"{arch}.block_count": layers})
    keep = [t for t in r.tensors if not t.name.startswith("blk.") or int(t.name.split(".")[1]) < layers]
    for t in keep:
        w.add_tensor_info(t.name, t.data.shape, t.data.dtype, t.data.nbytes, t.tensor_type)
    w.write_header_to_file(); w.write_kv_data_to_file(); w.write_ti_data_to_file()
    for t in keep:
        w.write_tensor_data(t.data)
    w.close()
    tmp.rename(dst)


PYTHIA = dict(d=768, layers=12, ffn=3072, heads=12, vocab=50304, ctx=2048, rot=16)  # Pythia-160M


def make_pythia(dst, fixture):
    """GPT-NeoX with Pythia-160M's shape and random weights; tokenizer keys as in the tiny fixture,
    its token list padded with [PADi] entries to the vocabulary size."""
    import gguf, numpy as np
    from gguf.quants import quantize
    c = PYTHIA
    d, ff, V = c["d"], c["ffn"], c["vocab"]
    fx = gguf.GGUFReader(fixture)
    rng = np.random.default_rng(0)
    tmp = dst.with_suffix(".partial")
    w = gguf.GGUFWriter(tmp, "gptneox")
    w.add_name("Pythia-160M shape, random weights (ckpt bench)")
    w.add_context_length(c["ctx"]); w.add_embedding_length(d); w.add_block_count(c["layers"])
    w.add_feed_forward_length(ff); w.add_rope_dimension_count(c["rot"]); w.add_head_count(c["heads"])
    w.add_bool("gptneox.use_parallel_residual", True)
    w.add_layer_norm_eps(1e-5)
    w.add_file_type(gguf.LlamaFileType.MOSTLY_Q8_0)
    w.add_quantization_version(gguf.GGML_QUANT_VERSION)
    tokens = fx.fields["tokenizer.ggml.tokens"].contents()
    types = fx.fields["tokenizer.ggml.token_type"].contents()
    tokens = tokens + [f"[PAD{i}]" for i in range(len(tokens), V)]
    types = types + [5] * (V - len(types))
    w.add_tokenizer_model(fx.fields["tokenizer.ggml.model"].contents())
    w.add_tokenizer_pre(fx.fields["tokenizer.ggml.pre"].contents())
    w.add_token_list(tokens); w.add_token_types(types)
    w.add_token_merges(fx.fields["tokenizer.ggml.merges"].contents())
    w.add_bos_token_id(fx.fields["tokenizer.ggml.bos_token_id"].contents())
    w.add_eos_token_id(fx.fields["tokenizer.ggml.eos_token_id"].contents())

    def mat(name, rows, cols):  # numpy shape (rows, cols) = GGUF ne {cols, rows}
        x = (rng.standard_normal((rows, cols), dtype=np.float32) * 0.02).astype(np.float32)
        w.add_tensor(name, quantize(x, gguf.GGMLQuantizationType.Q8_0), raw_dtype=gguf.GGMLQuantizationType.Q8_0)

    def vec(name, n, base):
        w.add_tensor(name, (base + rng.standard_normal(n, dtype=np.float32) * 0.02).astype(np.float32))

    mat("token_embd.weight", V, d)
    for i in range(c["layers"]):
        p = f"blk.{i}."
        vec(p + "attn_norm.weight", d, 1.0); vec(p + "attn_norm.bias", d, 0.0)
        mat(p + "attn_qkv.weight", 3 * d, d); vec(p + "attn_qkv.bias", 3 * d, 0.0)
        mat(p + "attn_output.weight", d, d); vec(p + "attn_output.bias", d, 0.0)
        vec(p + "ffn_norm.weight", d, 1.0); vec(p + "ffn_norm.bias", d, 0.0)
        mat(p + "ffn_up.weight", ff, d); vec(p + "ffn_up.bias", ff, 0.0)
        mat(p + "ffn_down.weight", d, ff); vec(p + "ffn_down.bias", d, 0.0)
    vec("output_norm.weight", d, 1.0); vec("output_norm.bias", d, 0.0)
    mat("output.weight", V, d)
    w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file()
    w.close()
    tmp.rename(dst)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def ensure_models(smol, which):
    """Original GGUF per model key (built into the cache when missing)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    paths = {"smollm2": smol, "smollm2-q8": smol}
    if "smollm2-4l" in which:
        p = CACHE / "SmolLM2-135M-Instruct-4layers.Q4_1.gguf"
        if not p.exists():
            log(f"writing {p} (SmolLM2, blk.0-3)")
            make_truncated(smol, p, 4)
        paths["smollm2-4l"] = p
    if "pythia" in which:
        p = CACHE / "pythia-160m-shape-random.Q8_0.gguf"
        if not p.exists():
            log(f"writing {p} (random weights, seed 0; about a minute)")
            make_pythia(p, ROOT / "Samples/tiny/gpt_neox/model.gguf")
        paths["pythia"] = p
    return {k: pathlib.Path(paths[k]) for k in which}


# ------------------------------------------------------------------------------------- predictions

def tensor_table(path):
    import gguf
    r = gguf.GGUFReader(path)
    def val(key, default=None):
        f = r.fields.get(key)
        return f.contents() if f is not None else default
    tensors = {t.name: (int(t.n_bytes), [int(x) for x in t.shape], int(t.n_elements)) for t in r.tensors}
    return r, val, tensors


def predict(orig, conv, plan, table_dtype, n_test, kind, batch):
    """Predicted fraction of per-token reads and FLOPs saved (see the module docstring)."""
    _, oval, ot = tensor_table(orig)
    _, cval, ct = tensor_table(conv)
    arch = oval("general.architecture")
    vocab = len(oval("tokenizer.ggml.tokens"))
    layers = oval(f"{arch}.block_count")
    heads = oval(f"{arch}.attention.head_count")
    d = oval(f"{arch}.embedding_length")
    head_dim = oval(f"{arch}.attention.key_length", d // heads)
    tied = "output.weight" not in ot
    embd_bytes = ot["token_embd.weight"][0]
    # reads per token at B=1, original and converted
    orig_reads = sum(b for n, (b, _, _) in ot.items() if n != "token_embd.weight")
    orig_reads += embd_bytes // vocab + (embd_bytes if tied else 0)  # input row (+ the whole matrix as the head)
    table = cval("ckpt.precompute.table_tensor")
    conv_reads = sum(b for n, (b, _, _) in ct.items() if n != table) + ct[table][0] // vocab
    sizes = {s["table_dtype"]: s for s in plan["table_sizes"]}
    plan_saved = sizes[table_dtype]["token_reads_saved_bytes"]
    # matmul FLOPs per token
    def is_matrix(name, shape):
        return name.startswith("blk.") and len(shape) == 2
    layer_flops = sum(2 * e for n, (_, s, e) in ot.items() if is_matrix(n, s))
    head_elems = ot["output.weight"][2] if not tied else ot["token_embd.weight"][2]
    ctx = (n_test + 1) / 2  # average attended positions over the test, starting from an empty cache
    attn = 4 * heads * head_dim * ctx * layers
    head = 2 * head_elems * (1.0 if kind == "tg" else 1.0 / n_test)
    removed = cval("ckpt.precompute.removed_tensors")
    removed_flops = sum(2 * ot[n][2] for n in removed if n in ot and is_matrix(n, ot[n][1]))
    total_flops = layer_flops + attn + head
    return {
        "orig_reads_per_token": orig_reads,
        "conv_reads_per_token": conv_reads,
        "plan_reads_saved_per_token": plan_saved,
        "reads": plan_saved / orig_reads,
        "reads_from_files": 1 - conv_reads / orig_reads,
        "flops_per_token": total_flops,
        "removed_flops_per_token": removed_flops,
        "flops": removed_flops / total_flops,
        "tied_head": tied, "layers": layers, "vocab": vocab, "d": d,
    }


# ------------------------------------------------------------------------------------- measuring

def run_llama_bench(bindir, model, test, args):
    if test["tool"] == "batched":
        cmd = [str(bindir / "llama-batched-bench"), "-m", str(model), "-t", str(args.threads),
               "-c", str(test["B"] * (16 + test["n"]) + 64), "-b", "2048", "-ub", "512",
               "-npp", "16", "-ntg", str(test["n"]), "-npl", str(test["B"]), "--output-format", "jsonl"]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        if out.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{out.stderr[-3000:]}")
        rows = [json.loads(l) for l in out.stdout.splitlines() if l.startswith("{")]
        r = rows[-1]
        return [r["t_tg"] * 1e9 / (test["n"] * test["B"])]
    size = ["-p", "0", "-n", str(test["n"])] if test["kind"] == "tg" else ["-p", str(test["n"]), "-n", "0"]
    cmd = [str(bindir / "llama-bench"), "-m", str(model), "-t", str(args.threads), "-r", str(args.reps),
           "-o", "json", *size]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{out.stderr[-3000:]}")
    rec = json.loads(out.stdout)[0]
    return [ns / test["n"] for ns in rec["samples_ns"]]  # ns per token, one per repetition


def median_ci(xs, conf=0.95):
    """Median and the distribution-free (order statistic) confidence interval of the median."""
    xs = sorted(xs)
    n = len(xs)
    med = statistics.median(xs)
    if n == 0:
        return med, None, None
    alpha = (1 - conf) / 2
    cdf, k = 0.0, 0  # k = number of order statistics cut from each side
    for j in range(n + 1):
        cdf += math.comb(n, j) / 2 ** n
        if cdf > alpha:
            break
        k = j + 1
    if k == 0:
        return med, None, None
    return med, xs[k - 1], xs[n - k]


CLK_TCK = os.sysconf("SC_CLK_TCK")


class OtherCpu:
    """CPU seconds that processes other than this script and its children used since start()."""
    def start(self):
        self.t0 = time.time()
        self.busy0 = self.busy()
        self.own0 = self.own()
        return self

    @staticmethod
    def busy():
        v = [int(x) for x in open("/proc/stat").readline().split()[1:]]
        return (sum(v[:8]) - v[3] - v[4]) / CLK_TCK  # all but idle and iowait

    @staticmethod
    def own():
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system

    def fraction(self):
        """Others' CPU use as a fraction of one core, averaged over the interval."""
        wall = max(time.time() - self.t0, 1e-3)
        return max(0.0, (self.busy() - self.busy0) - (self.own() - self.own0)) / wall


def wait_quiet(limit, deadline, quiet):
    """Waits (up to `limit` s, not past `deadline`) until others use < `quiet` of a core for 1 s."""
    t0 = time.time()
    while True:
        probe = OtherCpu().start()
        time.sleep(1.0)
        f = probe.fraction()
        if f < quiet or time.time() - t0 > limit or time.time() > deadline:
            return f, time.time() - t0


def loadavg():
    try:
        return float(open("/proc/loadavg").read().split()[0])
    except OSError:
        return None


def summarize(cell):
    ratios = [b / a for a, b in zip(cell["orig_ns"], cell["conv_ns"])]
    if not ratios:
        cell.update(ratios=[], rounds=0, orig_tps=None, conv_tps=None, saving=None, saving_lo=None,
                    saving_hi=None, halfwidth=None)
        return cell
    med, lo, hi = median_ci(ratios)
    tps = lambda ns: 1e9 / statistics.median(ns) if ns else None
    cell["ratios"] = ratios
    cell["rounds"] = len(ratios)
    cell["orig_tps"] = tps(cell["orig_ns"])
    cell["conv_tps"] = tps(cell["conv_ns"])
    cell["saving"] = 1 - med if ratios else None
    cell["saving_lo"] = 1 - hi if hi is not None else None
    cell["saving_hi"] = 1 - lo if lo is not None else None
    cell["halfwidth"] = max(hi - med, med - lo) if hi is not None else None
    return cell


# ------------------------------------------------------------------------------------- output

def fmt_pct(x, digits=1):
    return "   n/a" if x is None else f"{100 * x:+.{digits}f}"


def table_text(results):
    head = (f"{'model':38} {'test':9} {'orig t/s':>9} {'conv t/s':>9} {'measured saving [95% CI]':>27} "
            f"{'pred reads':>10} {'pred FLOPs':>10} {'rounds':>6}")
    lines = [head, "-" * len(head)]
    for c in results["cells"]:
        if not c["rounds"]:
            lines.append(f"{c['label']:38} {c['test']:9} no measurement")
            continue
        ci = (f"[{fmt_pct(c['saving_lo'])}, {fmt_pct(c['saving_hi'])}]" if c["saving_lo"] is not None else "[<6 rounds]")
        lines.append(f"{c['label']:38} {c['test']:9} {c['orig_tps']:9.1f} {c['conv_tps']:9.1f} "
                     f"{fmt_pct(c['saving']):>7}% {ci:>18} {fmt_pct(c['pred']['reads'], 2):>9}% "
                     f"{fmt_pct(c['pred']['flops'], 2):>9}% {c['rounds']:6d}")
    return "\n".join(lines)


def markdown_table(results):
    lines = ["| model | test | original t/s | converted t/s | measured saving [95% CI] | predicted: reads | predicted: FLOPs |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for c in results["cells"]:
        if not c["rounds"]:
            continue
        ci = (f" [{100 * c['saving_lo']:+.1f}, {100 * c['saving_hi']:+.1f}]" if c["saving_lo"] is not None else "")
        lines.append(f"| {c['label']} | {c['test']} | {c['orig_tps']:.1f} | {c['conv_tps']:.1f} | "
                     f"{100 * c['saving']:+.1f}%{ci} | {100 * c['pred']['reads']:.2f}% | {100 * c['pred']['flops']:.2f}% |")
    return "\n".join(lines)


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_svg(results):
    """Grouped bars: measured saving (with its 95% CI whisker), predicted from reads, predicted from FLOPs."""
    cells = [c for c in results["cells"] if c["rounds"]]
    vals = []
    for c in cells:
        vals += [c["pred"]["reads"], c["pred"]["flops"], c["saving"]]
        vals += [v for v in (c["saving_lo"], c["saving_hi"]) if v is not None]
    vmax = max(0.02, max(vals)) * 100
    vmin = min(0.0, min(vals)) * 100
    step = next(s for s in (0.5, 1, 2, 2.5, 5, 10, 20, 25, 50) if (vmax - vmin) / s <= 8)
    vmax = math.ceil(vmax / step) * step
    vmin = math.floor(vmin / step) * step
    gw, left, top, ph = 150, 70, 64, 300
    width = left + gw * len(cells) + 20
    height = top + ph + 110
    y = lambda v: top + (vmax - v) / (vmax - vmin) * ph
    colors = {"measured": "#1f6fb4", "reads": "#e39b2d", "flops": "#8c8c8c"}
    o = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
         f'viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif" font-size="12">',
         f'<rect width="{width}" height="{height}" fill="white"/>',
         f'<text x="{left}" y="22" font-size="15" font-weight="bold">What the first-layer table saves in llama.cpp '
         f'(time per token, original vs converted)</text>',
         f'<text x="{left}" y="40" fill="#555">{esc(results["machine"]["summary"])}</text>']
    t = vmin
    while t <= vmax + 1e-9:
        o.append(f'<line x1="{left}" x2="{width - 20}" y1="{y(t):.1f}" y2="{y(t):.1f}" '
                 f'stroke="{"#000" if abs(t) < 1e-9 else "#e4e4e4"}" stroke-width="1"/>')
        o.append(f'<text x="{left - 6}" y="{y(t) + 4:.1f}" text-anchor="end">{t:g}%</text>')
        t += step
    o.append(f'<text transform="translate(16 {top + ph / 2}) rotate(-90)" text-anchor="middle">saving per token</text>')
    bw = 30
    for i, c in enumerate(cells):
        x0 = left + gw * i + (gw - 3 * bw - 8) / 2
        bars = [("measured", c["saving"]), ("reads", c["pred"]["reads"]), ("flops", c["pred"]["flops"])]
        for j, (k, v) in enumerate(bars):
            x = x0 + j * (bw + 4)
            y1, y2 = sorted((y(0), y(100 * v)))
            o.append(f'<rect x="{x:.1f}" y="{y1:.1f}" width="{bw}" height="{max(y2 - y1, 0.5):.1f}" fill="{colors[k]}"/>')
            ty = y(100 * v) - 4 if v >= 0 else y(100 * v) + 12
            if k == "measured" and c["saving_hi"] is not None:
                xm = x + bw / 2
                yl, yh = y(100 * c["saving_lo"]), y(100 * c["saving_hi"])
                o.append(f'<line x1="{xm:.1f}" x2="{xm:.1f}" y1="{yl:.1f}" y2="{yh:.1f}" stroke="#000" stroke-width="1.3"/>')
                for yy in (yl, yh):
                    o.append(f'<line x1="{xm - 6:.1f}" x2="{xm + 6:.1f}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#000" stroke-width="1.3"/>')
                ty = min(ty, yh - 4) if v >= 0 else max(ty, yl + 12)
            o.append(f'<text x="{x + bw / 2:.1f}" y="{ty:.1f}" text-anchor="middle" font-size="10">{100 * v:.1f}</text>')
        cx = left + gw * i + gw / 2
        o.append(f'<text x="{cx:.1f}" y="{top + ph + 18}" text-anchor="middle" font-weight="bold">{esc(c["test"])}</text>')
        words, line, rows = c["label"].split(), "", []
        for wd in words:
            if len(line) + len(wd) > 22 and line:
                rows.append(line); line = wd
            else:
                line = (line + " " + wd).strip()
        rows.append(line)
        for k, r in enumerate(rows):
            o.append(f'<text x="{cx:.1f}" y="{top + ph + 34 + 13 * k}" text-anchor="middle">{esc(r)}</text>')
        o.append(f'<text x="{cx:.1f}" y="{top + ph + 34 + 13 * len(rows)}" text-anchor="middle" fill="#555" '
                 f'font-size="10">{c["orig_tps"]:.0f} → {c["conv_tps"]:.0f} t/s, {c["rounds"]} rounds'
                 f'{"" if c["saving_lo"] is not None else " (no CI)"}</text>')
    ly = height - 14
    lx = left
    for k, text in (("measured", "measured (median of rounds, 95% CI)"),
                    ("reads", "predicted: weight bytes read per token (ckpt plan)"),
                    ("flops", "predicted: matmul FLOPs per token")):
        o.append(f'<rect x="{lx}" y="{ly - 10}" width="12" height="12" fill="{colors[k]}"/>')
        o.append(f'<text x="{lx + 16}" y="{ly}">{esc(text)}</text>')
        lx += 16 + 7 * len(text) + 18
    o.append("</svg>")
    return "\n".join(o) + "\n"


# ------------------------------------------------------------------------------------- main

def user_command():
    """The command line as typed, without the paths Scripts/bench-llama-cpp adds."""
    out, skip = [], False
    for a in sys.argv[1:]:
        if skip:
            skip = False
        elif a in ("--ckpt", "--llama-bin", "--smollm2"):
            skip = True
        elif not a.startswith(("--ckpt=", "--llama-bin=", "--smollm2=")):
            out.append(a)
    return " ".join(["Scripts/bench-llama-cpp", *out])


def machine_facts():
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip(); break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release()}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt"); ap.add_argument("--llama-bin"); ap.add_argument("--smollm2")
    ap.add_argument("--models", default="smollm2,smollm2-4l,pythia")
    ap.add_argument("--tests", default="tg,pp")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--tg", type=int, default=64, help="tokens generated by the tg test")
    ap.add_argument("--pp", type=int, default=256, help="prompt tokens of the pp test")
    ap.add_argument("--batched", type=int, default=0, help="also decode with B parallel sequences (llama-batched-bench)")
    ap.add_argument("--reps", type=int, default=2, help="llama-bench repetitions per run")
    ap.add_argument("--min-rounds", type=int, default=6)
    ap.add_argument("--max-rounds", type=int, default=40)
    ap.add_argument("--target", type=float, default=0.01, help="stop a cell when its CI is within +-target of the ratio")
    ap.add_argument("--time-cap", type=float, default=660, help="seconds of measuring before stopping all cells")
    ap.add_argument("--quiet", type=float, default=0.1,
                    help="a pair is disturbed when other processes used more than this fraction of a core during it")
    ap.add_argument("--wait", type=float, default=60, help="seconds to wait for a quiet machine before each pair")
    ap.add_argument("--retries", type=int, default=2, help="repeats of a disturbed pair")
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--docs", action="store_true", help=f"write {DOCS_JSON.relative_to(ROOT)} and {DOCS_SVG.relative_to(ROOT)}")
    ap.add_argument("--quick", action="store_true", help="smoke test: 2 rounds, 1 repetition, no CI target")
    ap.add_argument("--render", metavar="JSON", help="only rewrite the SVG (and the tables) from a saved results JSON")
    args = ap.parse_args()

    if args.render:
        results = json.load(open(args.render))
        print(table_text(results)); print(); print(markdown_table(results))
        DOCS_SVG.write_text(render_svg(results))
        log(f"wrote {DOCS_SVG}")
        return
    if args.quick:
        args.min_rounds, args.max_rounds, args.reps, args.target = 2, 2, 1, 1.0
    which = [m.strip() for m in args.models.split(",") if m.strip()]
    for m in which:
        if m not in MODELS:
            sys.exit(f"unknown model {m} (known: {', '.join(MODELS)})")
    tests = []
    for t in args.tests.split(","):
        if t == "tg":
            tests.append({"name": f"tg{args.tg}", "kind": "tg", "n": args.tg, "tool": "bench", "B": 1})
        elif t == "pp":
            tests.append({"name": f"pp{args.pp}", "kind": "pp", "n": args.pp, "tool": "bench", "B": 1})
        elif t:
            sys.exit(f"unknown test {t} (tg, pp)")
    if args.batched > 1:
        tests.append({"name": f"tg32 B={args.batched}", "kind": "tg", "n": 32, "tool": "batched", "B": args.batched})
    ckpt = pathlib.Path(args.ckpt)
    bindir = pathlib.Path(args.llama_bin)
    start = time.time()
    facts = machine_facts()
    facts["threads"] = args.threads
    facts["load_start"] = loadavg()
    log(f"{facts['cpu']}, {facts['cores']} cores, load {facts['load_start']}")

    originals = ensure_models(pathlib.Path(args.smollm2), which)
    work = pathlib.Path(tempfile.mkdtemp(prefix="bench-llama-cpp."))
    try:
        pairs = []
        for m in which:
            dtype = "q8_0" if m == "smollm2-q8" else "auto"
            conv = work / f"{m}.gguf"
            t0 = time.time()
            info = json.loads(subprocess.run(
                [str(ckpt), "convert", str(originals[m]), str(conv), "--precompute-first-layer",
                 "--table-dtype", dtype, "--json"], check=True, capture_output=True, text=True).stdout)
            log(f"converted {m} ({info['table_dtype']} table) in {time.time() - t0:.1f} s")
            plan = json.loads(subprocess.run([str(ckpt), "plan", str(originals[m]), "--json"], check=True,
                                             capture_output=True, text=True).stdout)
            pairs.append({"key": m, "label": MODELS[m], "orig": originals[m], "conv": conv,
                          "table_dtype": info["table_dtype"], "plan": plan, "convert": info})
        cells = []
        for p in pairs:
            for t in tests:
                cells.append({"key": p["key"], "label": p["label"], "test": t["name"], "spec": t, "pair": p,
                              "orig_ns": [], "conv_ns": [], "pairs": [], "done": False,
                              "pred": predict(p["orig"], p["conv"], p["plan"], p["table_dtype"], t["n"], t["kind"], t["B"])})
        # one untimed run of each file first, so every file is in the page cache
        for p in pairs:
            for f in (p["orig"], p["conv"]):
                run_llama_bench(bindir, f, {"kind": "tg", "n": 4, "tool": "bench"},
                                argparse.Namespace(threads=args.threads, reps=1))
        measure_start = time.time()
        loads, waits = [], []
        rnd = 0
        stop_reason = "max rounds"
        while rnd < args.max_rounds:
            active = [c for c in cells if not c["done"]]
            if not active:
                stop_reason = "all cells within target"
                break
            if time.time() - measure_start > args.time_cap:
                stop_reason = "time cap"
                break
            loads.append(loadavg())
            deadline = measure_start + args.time_cap
            for c in active:
                order = ("orig", "conv") if rnd % 2 == 0 else ("conv", "orig")
                for attempt in range(args.retries + 1):
                    if time.time() > deadline:
                        break
                    before, waited = wait_quiet(args.wait, deadline, args.quiet)
                    waits.append(waited)
                    probe = OtherCpu().start()
                    got = {side: run_llama_bench(bindir, c["pair"][side], c["spec"], args) for side in order}
                    other = probe.fraction()
                    clean = other <= args.quiet
                    c["pairs"].append({"round": rnd, "order": order[0], "other_cpu": round(other, 3),
                                       "clean": clean, "orig_ns": got["orig"], "conv_ns": got["conv"]})
                    if clean:
                        break
                    log(f"{c['key']}/{c['test']}: other processes used {other:.2f} of a core during the pair; "
                        f"{'repeating it' if attempt < args.retries else 'dropped'}")
                pairs_ok = [q for q in c["pairs"] if q["clean"]]
                use = pairs_ok if pairs_ok else c["pairs"]  # nothing clean at all: report the disturbed ones, flagged
                c["all_disturbed"] = not pairs_ok
                c["disturbed_pairs"] = len(c["pairs"]) - len(pairs_ok)
                c["orig_ns"] = [min(q["orig_ns"]) for q in use]  # best of the repetitions
                c["conv_ns"] = [min(q["conv_ns"]) for q in use]
                summarize(c)
                if c["rounds"] >= args.min_rounds and c["halfwidth"] is not None and c["halfwidth"] <= args.target:
                    c["done"] = True
            rnd += 1
            log(f"round {rnd} ({time.time() - measure_start:.0f} s, load {loads[-1]}): " + "; ".join(
                f"{c['key']}/{c['test']} " + (f"{100 * c['saving']:+.1f}%" if c["rounds"] else "-") +
                (f" ±{100 * c['halfwidth']:.1f}" if c["halfwidth"] is not None else "") + (" done" if c["done"] else "")
                for c in cells))
        facts["load_end"] = loadavg()
        facts["seconds_waiting_for_quiet"] = round(sum(waits), 1)
        facts["disturbed_pairs"] = sum(c.get("disturbed_pairs", 0) for c in cells)
        facts["pairs"] = sum(len(c["pairs"]) for c in cells)
        facts["load_during"] = {"min": min(loads), "median": statistics.median(loads), "max": max(loads)} if loads else None
        ld = facts["load_during"]
        facts["summary"] = (f"{facts['cpu']}, {facts['cores']} cores, {args.threads} threads; "
                            f"1-min load average {ld['min']:.1f}-{ld['max']:.1f} (median {ld['median']:.1f}); "
                            f"{facts['disturbed_pairs']} of {facts['pairs']} pairs dropped as disturbed"
                            if ld else f"{facts['cpu']}, {facts['cores']} cores")
        results = {
            "command": user_command(),
            "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
            "machine": facts,
            "llama_cpp": "llama-cpp-python==0.3.36 vendor/llama.cpp + Integrations/llama.cpp/ckpt-precompute.patch",
            "ckpt_version": subprocess.run([str(ckpt), "--version"], capture_output=True, text=True).stdout.strip(),
            "settings": {k: getattr(args, k) for k in ("threads", "tg", "pp", "batched", "reps", "min_rounds",
                                                          "max_rounds", "target", "time_cap", "quiet", "wait", "retries")},
            "stop_reason": stop_reason,
            "measure_seconds": round(time.time() - measure_start, 1),
            "total_seconds": round(time.time() - start, 1),
            "formulas": {
                "measured_saving": "1 - median over rounds of (time per token converted / time per token original); "
                                   "95% CI: order-statistic interval of that median",
                "predicted_reads": "ckpt plan verdict reads_saved_per_token (layer-0 tensors removed + one embedding "
                                   "row - one table row) / bytes the original reads per token at B=1 (all tensors "
                                   "except the token embedding, one row of it, all of it again when the head is tied)",
                "predicted_flops": "2 * removed layer-0 matrix weights / (2 * all layer matrix weights + "
                                   "4 * heads * head_dim * average context * layers + 2 * head weights * "
                                   "fraction of tokens with logits: 1 in tg, 1/n in pp)",
            },
            "models": {p["key"]: {"label": p["label"], "original": str(p["orig"]), "table_dtype": p["table_dtype"],
                                  "original_bytes": p["orig"].stat().st_size, "converted_bytes": p["conv"].stat().st_size,
                                  "original_sha256": sha256_file(p["orig"])} for p in pairs},
            "cells": [{k: v for k, v in c.items() if k not in ("pair", "spec", "done")} for c in cells],
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(table_text(results))
    print()
    print(f"machine: {facts['summary']}")
    print(f"pairs: {facts['pairs']}, dropped as disturbed by other processes: {facts['disturbed_pairs']}; "
          f"{facts['seconds_waiting_for_quiet']:.0f} s spent waiting for a quiet machine")
    print(f"stopped: {stop_reason} after {results['measure_seconds']:.0f} s of measuring ({results['total_seconds']:.0f} s in all)")
    print("measured saving = 1 - median(t_conv / t_orig) per token over interleaved rounds, 95% order-statistic CI;")
    print("pred reads = ckpt plan's reads_saved_per_token / bytes the original reads per token at B=1")
    print("  (all tensors, the embedding as one row unless the head is tied to it);")
    print("pred FLOPs = removed layer-0 matmul FLOPs / matmul + attention FLOPs per token in that test.")
    print()
    print(markdown_table(results))
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
        log(f"wrote {args.json}")
    if args.docs:
        DOCS_JSON.write_text(json.dumps(results, indent=1) + "\n")
        DOCS_SVG.write_text(render_svg(results))
        log(f"wrote {DOCS_JSON} and {DOCS_SVG}")


if __name__ == "__main__":
    main()
