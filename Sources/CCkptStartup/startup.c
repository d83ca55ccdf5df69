#include "CCkptStartup.h"
#include "CCkptSystem.h"

/// Picks OpenBLAS's kernels first (which may start the process again, before any signal is routed),
/// then routes the signals.
static void route_signals_at_load(int argc, char **argv, char **envp) {
    cckpt_choose_blas_core(argc, argv, envp);
    (void)cckpt_route_signals_to_pipe();
}

/// `.preinit_array` runs before every shared library's initializers (Foundation's, OpenBLAS's, whose
/// threads then start with the signals blocked), right after the dynamic loader has mapped them.
__attribute__((section(".preinit_array"), used)) static void (*const route_signals_first)(int, char **, char **) = route_signals_at_load;
