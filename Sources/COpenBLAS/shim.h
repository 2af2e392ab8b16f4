// Types and enums of CBLAS only. No `link`: Stages opens libopenblas.so.0 with dlopen after
// choosing OPENBLAS_CORETYPE (see Sources/Stages/Numerics/BLAS.swift).
#include <cblas.h>
