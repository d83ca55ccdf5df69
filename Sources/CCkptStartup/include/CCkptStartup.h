#ifndef CCKPT_STARTUP_H
#define CCKPT_STARTUP_H

// No declarations: linking this target adds a load-time initializer (startup.c, in `.preinit_array`,
// which runs before every shared library's initializers) that routes signals to the watcher's pipe
// (`cckpt_route_signals_to_pipe`) before Swift, Foundation or OpenBLAS start and before any thread
// exists, so no signal that arrives while they start up is lost or kills the process. Only the `ckpt`
// executable links it (a test runner keeps its own signals).

/// OpenBLAS picks its kernels from the CPU's family and model when it loads, and a model newer than its
/// table (an Intel Xeon of family 6, model 207, under Debian's OpenBLAS 0.3.21) falls back to the generic
/// Prescott kernels, 2-3x slower on every product ckpt computes. Called first at load, before anything
/// else runs, this starts ckpt again (same arguments) with `OPENBLAS_CORETYPE` naming the kernels an Intel
/// CPU's features allow (the ones OpenBLAS picks for the models it knows), unless the user set it; other
/// vendors are left to OpenBLAS.
void cckpt_choose_blas_core(int argc, char **argv, char **envp);

#endif
