#ifndef CCKPT_BLAS_SHIM_H
#define CCKPT_BLAS_SHIM_H
#include <cblas.h>

/// OpenBLAS threading control; declared here so Swift sees them whether or not cblas.h does.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
#endif
