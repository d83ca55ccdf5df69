#include <cpuid.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "CCkptStartup.h"

// Starting ckpt again with OpenBLAS's kernels named: see CCkptStartup.h.

/// Whether the OS saves the AVX-512 state (XCR0 bits 1, 2, 5, 6, 7): the CPU's flags alone do not say
/// the registers survive a context switch.
static int os_saves_avx512(void) {
    unsigned int low, high;
    __asm__ volatile("xgetbv" : "=a"(low), "=d"(high) : "c"(0));
    return (low & 0xE6) == 0xE6;
}

/// The OpenBLAS kernels an Intel CPU's features allow, NULL for other vendors or old CPUs.
static const char *blas_core_for_this_cpu(void) {
    unsigned int a, b, c, d;
    if (!__get_cpuid(0, &a, &b, &c, &d) || a < 7) return NULL;
    char vendor[13];
    memcpy(vendor, &b, 4);
    memcpy(vendor + 4, &d, 4);
    memcpy(vendor + 8, &c, 4);
    vendor[12] = 0;
    if (strcmp(vendor, "GenuineIntel") != 0) return NULL;
    __cpuid_count(1, 0, a, b, c, d);
    int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1;
    __cpuid_count(7, 0, a, b, c, d);
    unsigned int features = b;
    int avx2 = (features >> 5) & 1;
    int avx512 = ((features >> 16) & 1) && ((features >> 17) & 1) && ((features >> 30) & 1) && ((features >> 31) & 1);
    if (osxsave && avx512 && os_saves_avx512()) return "SkylakeX";
    if (osxsave && avx2 && fma) return "Haswell";
    return NULL;
}

void cckpt_choose_blas_core(int argc, char **argv, char **envp) {
    (void)argc;
    // The C library has not set up `environ` yet (getenv sees nothing, a setenv would be lost): read
    // `envp`, and start again with the variable in the environment OpenBLAS will read (once: it is
    // there the second time).
    size_t count = 0;
    for (; envp[count] != NULL; count++) {
        if (strncmp(envp[count], "OPENBLAS_CORETYPE=", 18) == 0) return;
    }
    const char *core = blas_core_for_this_cpu();
    if (core == NULL) return;
    char **environment = malloc((count + 2) * sizeof(char *));
    char setting[64];
    if (environment == NULL) return;
    memcpy(environment, envp, count * sizeof(char *));
    strcpy(setting, "OPENBLAS_CORETYPE=");
    strcat(setting, core);
    environment[count] = setting;
    environment[count + 1] = NULL;
    execve("/proc/self/exe", argv, environment);
    free(environment);  // exec failed: carry on with OpenBLAS's own choice
}
