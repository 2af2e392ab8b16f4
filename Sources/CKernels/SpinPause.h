// The x86 PAUSE hint, which Swift cannot express: a thread spinning on a flag (WorkerTeam's
// helpers between a forward pass's GEMMs) yields the core's shared resources to its sibling and
// leaves the spin loop without a memory-order mis-speculation when the flag changes.
#pragma once

static inline void pipe_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}
