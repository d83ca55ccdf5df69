#!/usr/bin/env python3
"""Measures how fast `ckpt convert` answers SIGINT and SIGTERM: the seconds from the signal to the
process's exit, mid-way through the table, at several thread counts, with and without zstd:19.

    Scripts/bench_interrupt.py CKPT MODEL.gguf [--threads 1,2,8] [--delay 2.0] [--repeat 3]

Each run converts MODEL into a scratch directory, sends the signal `--delay` seconds after the partial
output appears, and checks the exit status (2), the one-line message and that nothing is left behind.
Uses only the standard library."""

import argparse
import os
import pathlib
import signal
import statistics
import subprocess
import sys
import tempfile
import time


def one_run(ckpt, model, threads, compress, signum, delay):
    with tempfile.TemporaryDirectory(prefix="ckpt-bench-interrupt-") as scratch:
        output = pathlib.Path(scratch) / "out.gguf"
        command = [ckpt, "convert", model, str(output), "--precompute-first-layer", "--threads", str(threads)]
        if compress:
            command += ["--compress", compress]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 120
        while time.time() < deadline and process.poll() is None and not any(pathlib.Path(scratch).iterdir()):
            time.sleep(0.01)
        time.sleep(delay)
        if process.poll() is not None:
            return None, "finished before the signal"
        sent = time.perf_counter()
        process.send_signal(signum)
        process.wait()
        seconds = time.perf_counter() - sent
        stderr = process.stderr.read().decode()
        left = sorted(p.name for p in pathlib.Path(scratch).iterdir())
        ok = process.returncode == 2 and stderr.count("\n") == 1 and "interrupted" in stderr and not left
        return seconds, None if ok else f"exit {process.returncode}, stderr {stderr!r}, left {left}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ckpt")
    parser.add_argument("model")
    parser.add_argument("--threads", default="1,2,8")
    parser.add_argument("--delay", type=float, default=2.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    failures = 0
    print(f"{'threads':>7} {'table':>8} {'signal':>7}  seconds to exit (each run; median)")
    for threads in [int(t) for t in args.threads.split(",")]:
        for compress in (None, "zstd:19"):
            for signum in (signal.SIGINT, signal.SIGTERM):
                times = []
                for _ in range(args.repeat):
                    seconds, problem = one_run(args.ckpt, args.model, threads, compress, signum, args.delay)
                    if problem:
                        failures += 1
                        print(f"  problem: {problem}")
                    if seconds is not None:
                        times.append(seconds)
                shown = " ".join(f"{t:.3f}" for t in times)
                median = f"{statistics.median(times):.3f}" if times else "-"
                print(f"{threads:>7} {compress or 'plain':>8} {signal.Signals(signum).name:>7}  {shown}; median {median}", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
