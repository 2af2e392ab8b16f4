// A software prefetch hint, which Swift cannot express. Gathers of shuffled rows use it to start
// the next rows' cache misses while the current row is being converted.
#pragma once

static inline void pipe_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }
