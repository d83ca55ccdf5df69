#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "CCkptSystem.h"

// Signal routing: every handled signal becomes one byte on a pipe that a watcher thread reads.

static const int routed_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE};
static const int routed_count = sizeof routed_signals / sizeof routed_signals[0];
static int signal_pipe_write_end = -1;

static void write_signal_to_pipe(int signal_number) {
    int saved = errno;
    unsigned char byte = (unsigned char)signal_number;
    ssize_t ignored = write(signal_pipe_write_end, &byte, 1);
    (void)ignored;
    errno = saved;
}

static void routed_signal_set(sigset_t *set) {
    sigemptyset(set);
    for (int i = 0; i < routed_count; i++) sigaddset(set, routed_signals[i]);
}

// Mapped files, so that a SIGBUS (a read past the end of a file that shrank while mapped) names its file.

enum { mapping_slots = 1024 };
static struct {
    _Atomic(const char *) base;
    size_t size;
    int descriptor;
    char *path;
} mappings[mapping_slots];
static pthread_mutex_t mappings_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int faulting_slot = -1;
/// The SIGBUS action before ours (the Swift runtime's backtracer), for a fault outside every mapping.
static struct sigaction previous_bus_action;

static void answer_bus_error(int signal_number, siginfo_t *info, void *context) {
    (void)context;
    const char *address = (const char *)info->si_addr;
    for (int slot = 0; slot < mapping_slots; slot++) {
        const char *base = atomic_load(&mappings[slot].base);
        if (base == NULL || address < base || address >= base + mappings[slot].size) continue;
        int none = -1;
        atomic_compare_exchange_strong(&faulting_slot, &none, slot);
        if (signal_pipe_write_end >= 0) {
            write_signal_to_pipe(signal_number);
            // The watcher removes the partial outputs, prints the line and exits; this thread must
            // not return to the faulting read.
            for (;;) pause();
        }
        static const char line[] = "ckpt: error: an input file changed while in use\n";
        ssize_t ignored = write(2, line, sizeof line - 1);
        (void)ignored;
        _exit(2);
    }
    // Not a mapped input: a genuine fault, which must stay one (the read faults again, answered as before).
    sigaction(SIGBUS, &previous_bus_action, NULL);
}

static int signal_pipe_read_end = -1;

int cckpt_route_signals_to_pipe(void) {
    if (signal_pipe_read_end >= 0) return signal_pipe_read_end;
    sigset_t routed;
    routed_signal_set(&routed);
    pthread_sigmask(SIG_BLOCK, &routed, NULL);
    int ends[2];
    if (pipe(ends) != 0) return -1;
    fcntl(ends[0], F_SETFD, FD_CLOEXEC);
    fcntl(ends[1], F_SETFD, FD_CLOEXEC);
    // A handler must never block: a full pipe (thousands of signals unread) drops the extra bytes.
    fcntl(ends[1], F_SETFL, O_NONBLOCK);
    signal_pipe_write_end = ends[1];
    struct sigaction action;
    memset(&action, 0, sizeof action);
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    for (int i = 0; i < routed_count; i++) {
        struct sigaction previous;
        // A signal the parent ignores (nohup's SIGHUP, a background job's SIGINT) stays ignored.
        if (sigaction(routed_signals[i], NULL, &previous) == 0 && previous.sa_handler == SIG_IGN) continue;
        action.sa_handler = write_signal_to_pipe;
        if (sigaction(routed_signals[i], &action, NULL) != 0) return -1;
    }
    action.sa_sigaction = answer_bus_error;
    action.sa_flags = SA_SIGINFO;
    if (sigaction(SIGBUS, &action, &previous_bus_action) != 0) return -1;
    signal_pipe_read_end = ends[0];
    return ends[0];
}

void cckpt_unblock_routed_signals(void) {
    sigset_t routed;
    routed_signal_set(&routed);
    pthread_sigmask(SIG_UNBLOCK, &routed, NULL);
}

int cckpt_register_mapping(const void *base, size_t size, int descriptor, const char *path) {
    if (base == NULL) return -1;
    char *copy = strdup(path);
    if (copy == NULL) return -1;
    pthread_mutex_lock(&mappings_lock);
    for (int slot = 0; slot < mapping_slots; slot++) {
        if (atomic_load(&mappings[slot].base) != NULL || mappings[slot].path != NULL) continue;
        mappings[slot].size = size;
        mappings[slot].descriptor = descriptor;
        mappings[slot].path = copy;
        atomic_store(&mappings[slot].base, (const char *)base);
        pthread_mutex_unlock(&mappings_lock);
        return slot;
    }
    pthread_mutex_unlock(&mappings_lock);
    free(copy);
    return -1;
}

void cckpt_unregister_mapping(int slot) {
    if (slot < 0 || slot >= mapping_slots) return;
    pthread_mutex_lock(&mappings_lock);
    atomic_store(&mappings[slot].base, NULL);
    // The path of the mapping that faulted stays for the watcher's message.
    if (atomic_load(&faulting_slot) != slot) {
        free(mappings[slot].path);
        mappings[slot].path = NULL;
    }
    pthread_mutex_unlock(&mappings_lock);
}

int cckpt_faulting_mapping(char *path, size_t path_capacity, long long *mapped_size, long long *current_size) {
    int slot = atomic_load(&faulting_slot);
    if (slot < 0 || path_capacity == 0) return -1;
    pthread_mutex_lock(&mappings_lock);
    strncpy(path, mappings[slot].path ? mappings[slot].path : "", path_capacity - 1);
    path[path_capacity - 1] = 0;
    *mapped_size = (long long)mappings[slot].size;
    struct stat info;
    *current_size = fstat(mappings[slot].descriptor, &info) == 0 ? (long long)info.st_size : -1;
    pthread_mutex_unlock(&mappings_lock);
    return 0;
}
