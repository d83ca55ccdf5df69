#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "CCkptSystem.h"
#if defined(__linux__)
#include <sys/vfs.h>
#endif
#if defined(__GLIBC__)
#include <malloc.h>
#endif

int cckpt_o_direct_flag(void) {
#if defined(O_DIRECT)
    return O_DIRECT;
#else
    return 0;
#endif
}

long cckpt_file_system_type(int descriptor) {
#if defined(__linux__)
    struct statfs info;
    if (fstatfs(descriptor, &info) != 0) return -1;
    return (long)info.f_type;
#else
    (void)descriptor;
    return -1;
#endif
}

void cckpt_keep_freed_memory(void) {
#if defined(__GLIBC__)
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

static int interrupt_pipe_write_end = -1;

static void write_signal_to_pipe(int signal_number) {
    int saved = errno;
    unsigned char byte = (unsigned char)signal_number;
    ssize_t ignored = write(interrupt_pipe_write_end, &byte, 1);
    (void)ignored;
    errno = saved;
}

int cckpt_route_interrupts_to_pipe(void) {
    int ends[2];
    if (pipe(ends) != 0) return -1;
    fcntl(ends[0], F_SETFD, FD_CLOEXEC);
    fcntl(ends[1], F_SETFD, FD_CLOEXEC);
    interrupt_pipe_write_end = ends[1];
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = write_signal_to_pipe;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    if (sigaction(SIGINT, &action, NULL) != 0 || sigaction(SIGTERM, &action, NULL) != 0) return -1;
    // A parent may hand them down blocked (the mask survives exec); threads started later inherit this.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_UNBLOCK, &signals, NULL);
    return ends[0];
}

int cckpt_exchange_paths(const char *first, const char *second) {
#if defined(__linux__) && defined(RENAME_EXCHANGE)
    return renameat2(AT_FDCWD, first, AT_FDCWD, second, RENAME_EXCHANGE);
#else
    (void)first;
    (void)second;
    errno = ENOSYS;
    return -1;
#endif
}
