#ifndef CCKPT_ZSTD_SHIM_H
#define CCKPT_ZSTD_SHIM_H
#include <zstd.h>

/// ZSTD_isError is a plain function, but ZSTD_CONTENTSIZE_* are macros Swift cannot import.
static inline unsigned long long cckpt_zstd_contentsize_unknown(void) { return ZSTD_CONTENTSIZE_UNKNOWN; }
static inline unsigned long long cckpt_zstd_contentsize_error(void) { return ZSTD_CONTENTSIZE_ERROR; }
#endif
