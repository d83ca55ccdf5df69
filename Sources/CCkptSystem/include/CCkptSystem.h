#ifndef CCKPT_SYSTEM_H
#define CCKPT_SYSTEM_H

/// The platform's O_DIRECT open flag, or 0 where there is none. Swift's Glibc module leaves it out
/// (it is declared only under _GNU_SOURCE).
int cckpt_o_direct_flag(void);

/// The file system type (statfs f_type magic) of the file open at `descriptor`, or -1 on error.
long cckpt_file_system_type(int descriptor);

/// Makes glibc's allocator keep freed blocks of up to 64 MiB (and up to 256 MiB free at the top of
/// a heap) for reuse instead of handing them back to the kernel: the table workers allocate arrays of
/// 1-6 MB for every chunk, and with glibc's adaptive defaults each came back as fresh pages to fault
/// in and zero (half of a 7B conversion's system time). No effect on other C libraries.
void cckpt_keep_freed_memory(void);

/// Routes SIGINT and SIGTERM to a pipe: the handler only writes the signal number (one byte) to it,
/// which is async-signal-safe, so a thread blocked on the returned read end can clean up at once,
/// whatever the other threads are doing. Unblocks both on the calling thread (call it before starting
/// others). Returns the read descriptor, or -1 on error.
int cckpt_route_interrupts_to_pipe(void);

/// Atomically swaps what two paths name (`renameat2` with `RENAME_EXCHANGE`): 0 on success, else -1
/// with errno set (ENOSYS where the platform has no such call, EINVAL where the file system refuses).
int cckpt_exchange_paths(const char *first, const char *second);

#endif
