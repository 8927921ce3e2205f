#include "runtime.h"

#include <stdlib.h>

void *lab_scratch(lab_runtime *rt, int slot, size_t bytes) {
  if (rt->scratch_bytes[slot] >= bytes) return rt->scratch[slot];
  free(rt->scratch[slot]);
  /* Grow geometrically so a sequence of slightly larger requests does not reallocate each time. */
  size_t size = ((bytes + bytes / 4 + 63) / 64) * 64;
  rt->scratch[slot] = aligned_alloc(64, size);
  rt->scratch_bytes[slot] = rt->scratch[slot] ? size : 0;
  return rt->scratch[slot];
}

void lab_runtime_free(lab_runtime *rt) {
  for (int i = 0; i < LAB_SCRATCH_SLOTS; i++) {
    free(rt->scratch[i]);
    rt->scratch[i] = NULL;
    rt->scratch_bytes[i] = 0;
  }
}

int lab_isa_supported(lab_isa isa) {
  switch (isa) {
    case LAB_ISA_AUTO:
    case LAB_ISA_PORTABLE: return 1;
#if defined(__x86_64__) || defined(__i386__)
    case LAB_ISA_AVX512: return __builtin_cpu_supports("avx512f") != 0;
    case LAB_ISA_AVX2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    default: return 0;
#endif
  }
  return 0;
}

lab_isa lab_isa_resolve(lab_isa requested) {
  if (requested != LAB_ISA_AUTO) return requested;
  if (lab_isa_supported(LAB_ISA_AVX512)) return LAB_ISA_AVX512;
  if (lab_isa_supported(LAB_ISA_AVX2)) return LAB_ISA_AVX2;
  return LAB_ISA_PORTABLE;
}

const char *lab_isa_name(lab_isa isa) {
  switch (isa) {
    case LAB_ISA_AUTO: return "auto";
    case LAB_ISA_AVX512: return "avx512";
    case LAB_ISA_AVX2: return "avx2";
    case LAB_ISA_PORTABLE: return "portable";
  }
  return "unknown";
}
