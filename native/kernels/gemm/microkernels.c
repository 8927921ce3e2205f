/*
 * The micro-kernels, one per (element type, instruction set). The AVX-512 and AVX2 variants
 * are compiled with `target` attributes, so the build needs no -march flag and the binary runs
 * on any x86-64 CPU: lab_isa_resolve only hands out kernels the CPU supports.
 *
 * Register budgets: AVX-512 has 32 vector registers -> 12 x 2 accumulators; AVX2 and the
 * portable 128-bit kernels have 16 -> 6 x 2 and 4 x 2. Each also comes half as wide (MR x 1),
 * for the last columns of a product that fill no more than half a tile.
 */
#pragma GCC optimize("fp-contract=fast")

#include <stdint.h>

#include "gemm.h"

#define MK_T float
#define MK_VL 4
#define MK_MR 4
#define MK_NV 2
#define MK_NAME micro_portable_f32
#define MK_TARGET
#include "microkernel.inc"

#define MK_T double
#define MK_VL 2
#define MK_MR 4
#define MK_NV 2
#define MK_NAME micro_portable_f64
#define MK_TARGET
#include "microkernel.inc"

#define MK_T float
#define MK_VL 4
#define MK_MR 4
#define MK_NV 1
#define MK_NAME micro_portable_half_f32
#define MK_TARGET
#define MK_STRIDED_ONLY
#include "microkernel.inc"

#define MK_T double
#define MK_VL 2
#define MK_MR 4
#define MK_NV 1
#define MK_NAME micro_portable_half_f64
#define MK_TARGET
#define MK_STRIDED_ONLY
#include "microkernel.inc"

#if defined(__x86_64__) || defined(__i386__)
#define LAB_HAVE_X86_KERNELS 1

#define MK_T float
#define MK_VL 8
#define MK_MR 6
#define MK_NV 2
#define MK_NAME micro_avx2_f32
#define MK_TARGET __attribute__((target("avx2,fma")))
#include "microkernel.inc"

#define MK_T double
#define MK_VL 4
#define MK_MR 6
#define MK_NV 2
#define MK_NAME micro_avx2_f64
#define MK_TARGET __attribute__((target("avx2,fma")))
#include "microkernel.inc"

#define MK_T float
#define MK_VL 16
#define MK_MR 12
#define MK_NV 2
#define MK_NAME micro_avx512_f32
#define MK_TARGET __attribute__((target("avx512f,fma")))
#include "microkernel.inc"

#define MK_T double
#define MK_VL 8
#define MK_MR 12
#define MK_NV 2
#define MK_NAME micro_avx512_f64
#define MK_TARGET __attribute__((target("avx512f,fma")))
#include "microkernel.inc"

#define MK_T float
#define MK_VL 8
#define MK_MR 6
#define MK_NV 1
#define MK_NAME micro_avx2_half_f32
#define MK_TARGET __attribute__((target("avx2,fma")))
#define MK_STRIDED_ONLY
#include "microkernel.inc"

#define MK_T double
#define MK_VL 4
#define MK_MR 6
#define MK_NV 1
#define MK_NAME micro_avx2_half_f64
#define MK_TARGET __attribute__((target("avx2,fma")))
#define MK_STRIDED_ONLY
#include "microkernel.inc"

#define MK_T float
#define MK_VL 16
#define MK_MR 12
#define MK_NV 1
#define MK_NAME micro_avx512_half_f32
#define MK_TARGET __attribute__((target("avx512f,fma")))
#define MK_STRIDED_ONLY
#include "microkernel.inc"

#define MK_T double
#define MK_VL 8
#define MK_MR 12
#define MK_NV 1
#define MK_NAME micro_avx512_half_f64
#define MK_TARGET __attribute__((target("avx512f,fma")))
#define MK_STRIDED_ONLY
#include "microkernel.inc"
#endif

lab_gemm_isa_f32 lab_gemm_micro_kernel_f32(lab_isa isa) {
#ifdef LAB_HAVE_X86_KERNELS
  if (isa == LAB_ISA_AVX512) return (lab_gemm_isa_f32){12, 32, micro_avx512_f32, micro_avx512_f32_rows, micro_avx512_f32_strided, micro_avx512_f32_edge, micro_avx512_half_f32_strided, micro_avx512_half_f32_edge};
  if (isa == LAB_ISA_AVX2) return (lab_gemm_isa_f32){6, 16, micro_avx2_f32, micro_avx2_f32_rows, micro_avx2_f32_strided, micro_avx2_f32_edge, micro_avx2_half_f32_strided, micro_avx2_half_f32_edge};
#endif
  (void)isa;
  return (lab_gemm_isa_f32){4, 8, micro_portable_f32, micro_portable_f32_rows, micro_portable_f32_strided, micro_portable_f32_edge, micro_portable_half_f32_strided, micro_portable_half_f32_edge};
}

lab_gemm_isa_f64 lab_gemm_micro_kernel_f64(lab_isa isa) {
#ifdef LAB_HAVE_X86_KERNELS
  if (isa == LAB_ISA_AVX512) return (lab_gemm_isa_f64){12, 16, micro_avx512_f64, micro_avx512_f64_rows, micro_avx512_f64_strided, micro_avx512_f64_edge, micro_avx512_half_f64_strided, micro_avx512_half_f64_edge};
  if (isa == LAB_ISA_AVX2) return (lab_gemm_isa_f64){6, 8, micro_avx2_f64, micro_avx2_f64_rows, micro_avx2_f64_strided, micro_avx2_f64_edge, micro_avx2_half_f64_strided, micro_avx2_half_f64_edge};
#endif
  (void)isa;
  return (lab_gemm_isa_f64){4, 4, micro_portable_f64, micro_portable_f64_rows, micro_portable_f64_strided, micro_portable_f64_edge, micro_portable_half_f64_strided, micro_portable_half_f64_edge};
}
