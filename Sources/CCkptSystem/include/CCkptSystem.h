#ifndef CCKPT_SYSTEM_H
#define CCKPT_SYSTEM_H

#include <stddef.h>

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

/// Routes SIGINT, SIGTERM, SIGHUP, SIGQUIT and SIGPIPE to a pipe (signals.c): the handler only writes
/// the signal number (one byte) to it, which is async-signal-safe, so a thread blocked on the returned
/// read end can clean up at once, whatever the other threads are doing. A signal the parent ignores
/// stays ignored. Blocks them on the calling thread first (call it before starting others, which
/// inherit the mask): from then on none is lost, and they reach the watcher once it calls
/// `cckpt_unblock_routed_signals`. Also answers SIGBUS inside a registered mapping (a mapped file
/// that shrank) by writing SIGBUS to the pipe and parking the faulting thread; the watcher then names
/// the file (`cckpt_faulting_mapping`). Returns the read descriptor, or -1 on error; a second call
/// returns the first one's descriptor (the executable routes signals at load time, `CCkptStartup`).
int cckpt_route_signals_to_pipe(void);

/// Unblocks the routed signals on the calling thread: the watcher, once it is ready to read the pipe.
void cckpt_unblock_routed_signals(void);

/// Records a read-only mapping of the file open at `descriptor` (named `path` in messages), so that a
/// SIGBUS inside it is answered as a file changed while in use. Returns the slot to unregister, or -1
/// when it was not recorded.
int cckpt_register_mapping(const void *base, size_t size, int descriptor, const char *path);

/// Forgets the mapping recorded in `slot` (before it is unmapped); -1 is ignored.
void cckpt_unregister_mapping(int slot);

/// The mapping whose SIGBUS was written to the pipe: its path (truncated to `path_capacity`), its size
/// when mapped and its file's size now (-1 if unknown). Returns 0, or -1 when no mapping faulted.
int cckpt_faulting_mapping(char *path, size_t path_capacity, long long *mapped_size, long long *current_size);

/// Atomically swaps what two paths name (`renameat2` with `RENAME_EXCHANGE`): 0 on success, else -1
/// with errno set (ENOSYS where the platform has no such call, EINVAL where the file system refuses).
int cckpt_exchange_paths(const char *first, const char *second);

#endif
