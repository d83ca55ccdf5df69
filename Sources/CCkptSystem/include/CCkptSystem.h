#ifndef CCKPT_SYSTEM_H
#define CCKPT_SYSTEM_H

/// The platform's O_DIRECT open flag, or 0 where there is none. Swift's Glibc module leaves it out
/// (it is declared only under _GNU_SOURCE).
int cckpt_o_direct_flag(void);

/// The file system type (statfs f_type magic) of the file open at `descriptor`, or -1 on error.
long cckpt_file_system_type(int descriptor);

#endif
