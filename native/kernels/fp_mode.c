#include "fp_mode.h"

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>

#define LAB_MXCSR_DAZ 0x0040u /* denormal inputs are zero */
#define LAB_MXCSR_FTZ 0x8000u /* denormal results are zero */

lab_fp_mode lab_fp_mode_get(void) { return _mm_getcsr(); }
void lab_fp_mode_set(lab_fp_mode mode) { _mm_setcsr((unsigned int)mode); }
lab_fp_mode lab_fp_mode_flushing(lab_fp_mode mode) { return mode | LAB_MXCSR_DAZ | LAB_MXCSR_FTZ; }
int lab_fp_can_flush(void) { return 1; }

#elif defined(__aarch64__)

#define LAB_FPCR_FZ ((uint64_t)1 << 24)

lab_fp_mode lab_fp_mode_get(void) {
  uint64_t fpcr;
  __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
  return fpcr;
}
void lab_fp_mode_set(lab_fp_mode mode) { __asm__ volatile("msr fpcr, %0" : : "r"(mode)); }
lab_fp_mode lab_fp_mode_flushing(lab_fp_mode mode) { return mode | LAB_FPCR_FZ; }
int lab_fp_can_flush(void) { return 1; }

#else

lab_fp_mode lab_fp_mode_get(void) { return 0; }
void lab_fp_mode_set(lab_fp_mode mode) { (void)mode; }
lab_fp_mode lab_fp_mode_flushing(lab_fp_mode mode) { return mode; }
int lab_fp_can_flush(void) { return 0; }

#endif
