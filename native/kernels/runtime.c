#include "runtime.h"

#include <pthread.h>
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

void lab_thread_range(int64_t extent, int64_t unit, int threads, int t, int64_t *begin, int64_t *end) {
  const int64_t units = (extent + unit - 1) / unit, base = units / threads, extra = units % threads;
  const int64_t first = t * base + (t < extra ? t : extra), count = base + (t < extra);
  *begin = first * unit < extent ? first * unit : extent;
  *end = (first + count) * unit < extent ? (first + count) * unit : extent;
}

void lab_run_tasks(void *(*run)(void *), void *tasks, size_t size, int n) {
  pthread_t ids[LAB_MAX_THREADS];
  int started[LAB_MAX_THREADS] = {0};
  char *task = tasks;
  for (int t = 1; t < n && t < LAB_MAX_THREADS; t++) started[t] = pthread_create(&ids[t], NULL, run, task + t * size) == 0;
  for (int t = 0; t < n; t++) {
    if (t == 0 || !started[t]) run(task + t * size);
    else pthread_join(ids[t], NULL);
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
