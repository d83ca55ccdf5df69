#!/usr/bin/env python3
"""Copies one large file three ways and prints wall time and this process's system CPU for each:
copy_file_range in one thread (what ckpt does), copy_file_range in two threads into the same file, and
O_DIRECT reads and writes (4 threads × 32 MiB) that bypass the page cache. It backs the README's
claim that an in-kernel copy costs a core while an O_DIRECT copy leaves the CPU to the table.
Usage: Scripts/bench_copy.py FILE [WORK_DIR]   (FILE: e.g. a shard that Scripts/bench --keep left behind)
"""
import mmap, os, pathlib, sys, threading, time


def pieces(size, piece):
    return list(range(0, size, piece))


def run(label, size, threads, piece, copy_piece, fsync_fd):
    todo, lock = pieces(size, piece), threading.Lock()

    def work():
        while True:
            with lock:
                if not todo: return
                off = todo.pop(0)
            copy_piece(off, min(piece, size - off))

    start, cpu = time.perf_counter(), os.times()
    workers = [threading.Thread(target=work) for _ in range(threads)]
    for w in workers: w.start()
    for w in workers: w.join()
    os.fsync(fsync_fd)
    wall, used = time.perf_counter() - start, os.times()
    print(f"{label:38s} {size / 1e9:5.1f} GB in {wall:5.1f} s ({size / wall / 1e9:.2f} GB/s), system CPU {used.system - cpu.system:5.1f} s")


def kernel_copy(src, dst, size, threads):
    fi = os.open(src, os.O_RDONLY); fo = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.ftruncate(fo, size)

    def piece(off, n):
        done = 0
        while done < n: done += os.copy_file_range(fi, fo, n - done, off + done, off + done)
    run(f"copy_file_range, {threads} thread(s)", size, threads, 64 << 20, piece, fo)
    os.close(fi); os.close(fo); os.unlink(dst)


def direct_copy(src, dst, size, threads=4, piece_bytes=32 << 20):
    fi = os.open(src, os.O_RDONLY | os.O_DIRECT); fo = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_DIRECT, 0o644)
    buffers = threading.local()

    def piece(off, n):
        if not hasattr(buffers, "b"): buffers.b = mmap.mmap(-1, piece_bytes)
        got = os.preadv(fi, [buffers.b], off)
        os.pwritev(fo, [memoryview(buffers.b)[:(got + 4095) // 4096 * 4096]], off)
    run(f"O_DIRECT, {threads} threads x {piece_bytes >> 20} MiB", size, threads, piece_bytes, piece, fo)
    os.ftruncate(fo, size); os.close(fi); os.close(fo); os.unlink(dst)


if __name__ == "__main__":
    src = sys.argv[1]
    work = pathlib.Path(sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(os.path.abspath(src)))
    size = os.path.getsize(src)
    dst = str(work / ".bench_copy.tmp")
    kernel_copy(src, dst, size, 1)
    kernel_copy(src, dst, size, 2)
    direct_copy(src, dst, size)
