/*
 * The calling thread's floating-point control word, and its flush-to-zero form. Programs run
 * with denormals flushed when the addon's setting asks for it (lab runs do): an operation whose
 * input or result is a denormal (below 1.2e-38 in float32) costs about a hundred times a normal
 * one on x86, and a network whose gradients underflow (sigmoid units saturating, a learned
 * optimizer driving updates toward zero) then runs several times slower with results that differ
 * only below that magnitude. Threads a kernel starts inherit the caller's mode (pthread_create
 * copies the floating-point environment).
 */
#ifndef LAB_KERNELS_FP_MODE_H
#define LAB_KERNELS_FP_MODE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* x86: MXCSR; AArch64: FPCR; elsewhere 0 and setting it does nothing. */
typedef uint64_t lab_fp_mode;

lab_fp_mode lab_fp_mode_get(void);
void lab_fp_mode_set(lab_fp_mode mode);

/* `mode` with denormal inputs read as zero and denormal results written as zero (x86 DAZ and
 * FTZ; AArch64 FZ, which does both). */
lab_fp_mode lab_fp_mode_flushing(lab_fp_mode mode);

/* 1 when this build can flush denormals on this CPU architecture. */
int lab_fp_can_flush(void);

#ifdef __cplusplus
}
#endif

#endif /* LAB_KERNELS_FP_MODE_H */
