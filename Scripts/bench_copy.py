#!/usr/bin/env python3
"""Copies one large file the ways ckpt could, and prints wall time and this process's system and user CPU
for each, with the source first cached (read once) and then, with --cold, evicted from the page cache:
  - copy_file_range, one thread (what ckpt used to do; on ext4 a page-cache-to-page-cache copy);
  - what ckpt's direct copy does: 2 threads × 32 MiB, O_DIRECT writes, each piece taken
      * straight from the mapping when it is cached and aligned alike ("mapping"),
      * read from the page cache into a buffer when cached but shifted ("read", shift 8 bytes here),
      * read with O_DIRECT when not cached ("O_DIRECT read").
It backs the README's claim that an in-kernel copy costs a core while a direct copy leaves the CPU to the
table. Usage: Scripts/bench_copy.py FILE [WORK_DIR] [--cold]   (root for --cold; FILE: e.g. a shard that
Scripts/bench --keep left behind)
"""
import mmap, os, pathlib, sys, threading, time

PIECE = 32 << 20


def timed(label, size, threads, copy_piece, fsync_fd):
    todo, lock = list(range(0, size, PIECE)), threading.Lock()

    def work():
        while True:
            with lock:
                if not todo: return
                off = todo.pop(0)
            copy_piece(off, min(PIECE, size - off))

    start, cpu = time.perf_counter(), os.times()
    workers = [threading.Thread(target=work) for _ in range(threads)]
    for w in workers: w.start()
    for w in workers: w.join()
    os.fsync(fsync_fd)
    wall, used = time.perf_counter() - start, os.times()
    print(f"{label:46s} {size / 1e9:5.1f} GB in {wall:5.1f} s ({size / wall / 1e9:.2f} GB/s), "
          f"system CPU {used.system - cpu.system:5.1f} s, user {used.user - cpu.user:4.1f} s", flush=True)


def kernel_copy(src, dst, size):
    fi = os.open(src, os.O_RDONLY); fo = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)

    def piece(off, n):
        done = 0
        while done < n: done += os.copy_file_range(fi, fo, n - done, off + done, off + done)
    timed("copy_file_range, 1 thread", size, 1, piece, fo)
    os.close(fi); os.close(fo); os.unlink(dst)


def direct_copy(src, dst, size, label, shift=0, read_direct=False):
    """O_DIRECT writes of 4 KiB-aligned pieces; the source `shift` bytes ahead of the destination."""
    fi = os.open(src, os.O_RDONLY | (os.O_DIRECT if read_direct else 0))
    fo = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_DIRECT, 0o644)
    source = memoryview(mmap.mmap(os.open(src, os.O_RDONLY), size, prot=mmap.PROT_READ))
    size -= shift + (size - shift) % 4096
    buffers = threading.local()

    def piece(off, n):
        if not hasattr(buffers, "b"): buffers.b = mmap.mmap(-1, PIECE + 4096)
        if read_direct:
            got = os.preadv(fi, [memoryview(buffers.b)[:n + 4096]], off)  # shift 0: aligned already
            assert got >= n
            os.pwritev(fo, [memoryview(buffers.b)[:n]], off)
        elif shift == 0:
            os.pwritev(fo, [source[off:off + n]], off)
        else:
            got = os.preadv(fi, [memoryview(buffers.b)[:n]], off + shift)
            assert got == n
            os.pwritev(fo, [memoryview(buffers.b)[:n]], off)
    timed(label, size, 2, piece, fo)
    source.release(); os.close(fi); os.close(fo); os.unlink(dst)


def cache(src, cold):
    if cold:
        os.sync(); pathlib.Path("/proc/sys/vm/drop_caches").write_text("3\n")
    else:
        with open(src, "rb") as f:
            while f.read(64 << 20): pass


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--cold"]
    src = args[0]
    work = pathlib.Path(args[1] if len(args) > 1 else os.path.dirname(os.path.abspath(src)))
    size, dst = os.path.getsize(src), str(work / ".bench_copy.tmp")
    for cold in ([False, True] if "--cold" in sys.argv else [False]):
        state = "not cached" if cold else "cached"
        cache(src, cold); kernel_copy(src, dst, size)
        if cold:
            cache(src, cold); direct_copy(src, dst, size, f"direct, O_DIRECT read ({state})", read_direct=True)
        else:
            cache(src, cold); direct_copy(src, dst, size, f"direct, from the mapping ({state})")
            cache(src, cold); direct_copy(src, dst, size, f"direct, read, shift 8 ({state})", shift=8)
