#!/usr/bin/env python3
"""Converts every shipped sample (Samples/tiny: f32 and bf16 safetensors, GGUF) with every table type,
with and without --compress, validates each with default options, and counts the FAIL verdicts.

A correct conversion must pass; the count is the false-FAIL count. Usage:

    Scripts/validate_sweep.py CKPT [--smollm2 GGUF] [--json OUT.json]

CKPT is a built ckpt binary. Uses only the standard library."""

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent


def cases(smollm2):
    for sample in sorted(p for p in (ROOT / "Samples/tiny").iterdir() if p.is_dir()):
        yield sample.name + "/hf-f32", sample / "hf-f32", ["auto", "f16", "bf16"]
        yield sample.name + "/hf-bf16", sample / "hf-bf16", ["auto", "f16", "bf16"]
        if (sample / "model.gguf").exists():
            yield sample.name + "/gguf", sample / "model.gguf", ["auto", "f16", "bf16", "q8_0"]
    if smollm2:
        yield "smollm2/gguf", pathlib.Path(smollm2), ["auto", "f16", "bf16", "q8_0"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ckpt")
    parser.add_argument("--smollm2")
    parser.add_argument("--json")
    args = parser.parse_args()
    results = []
    start = time.time()
    with tempfile.TemporaryDirectory(prefix="ckpt-sweep-") as scratch:
        for label, source, types in cases(args.smollm2):
            for table_type in types:
                for compress in (None, "zstd"):
                    out = pathlib.Path(scratch) / ("out.gguf" if source.suffix == ".gguf" else "out")
                    convert = [args.ckpt, "convert", str(source), str(out), "--precompute-first-layer",
                               "--table-dtype", table_type, "--force"]
                    if compress:
                        convert += ["--compress", compress]
                    done = subprocess.run(convert, capture_output=True, text=True)
                    if done.returncode != 0 and "not whole Q8_0 blocks" in done.stderr:
                        print(f"{label:40} {table_type:5} {compress or '-':5} refused: rows are not whole Q8_0 blocks")
                        continue
                    if done.returncode != 0:
                        results.append({"case": label, "table": table_type, "compress": compress,
                                        "converted": False, "error": done.stderr.strip()})
                        print(f"{label:40} {table_type:5} {compress or '-':5} convert failed: {done.stderr.strip()}")
                        continue
                    check = subprocess.run([args.ckpt, "validate", str(source), str(out), "--json"],
                                           capture_output=True, text=True)
                    try:
                        report = json.loads(check.stdout)
                    except json.JSONDecodeError:
                        report = {"passed": False, "error": check.stderr.strip()}
                    results.append({"case": label, "table": table_type, "compress": compress, "converted": True,
                                    "exit": check.returncode, "report": report})
                    verdict = "pass" if check.returncode == 0 else f"FAIL (exit {check.returncode})"
                    logits = report.get("logits", {})
                    consistency = report.get("consistency", {})
                    print(f"{label:40} {table_type:5} {compress or '-':5} {verdict:14} "
                          f"kld {logits.get('mean_kld', float('nan')):.2e} same-top {logits.get('same_top', float('nan')):.4f} "
                          f"vs-rounded {consistency.get('max_abs_logit_diff', float('nan')):.2e}"
                          f" / limit {consistency.get('limit_max_abs_logit_diff', float('nan')):.2e}",
                          flush=True)
    failures = [r for r in results if not r["converted"] or r["exit"] != 0]
    print(f"\n{len(results)} conversions validated in {time.time() - start:.0f} s: "
          f"{len(results) - len(failures)} passed, {len(failures)} failed")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(results, indent=1))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
