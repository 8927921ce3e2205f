/*
 * Composites compiled to C at run time, in Theano's manner: a float32 composite that has run
 * enough elements through the tile interpreter (the hot threshold) is queued; a background
 * thread generates its C (elementwise_codegen.c), builds it with the system C compiler into a
 * shared library in the cache directory (or finds it there from an earlier process), loads it
 * and publishes its function, which the kernel uses from its next call on. Until then, and
 * wherever it is off or fails, the interpreter runs: the results are the same bits either way.
 * Only on CPUs (and ISA settings) with AVX-512.
 */
#ifndef LAB_ELEMENTWISE_JIT_H
#define LAB_ELEMENTWISE_JIT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Turns compiling on for composites that become hot from now on: their libraries go to
 * cache_dir (created when needed), built by `compiler` (a command on PATH or a path) with
 * include_dir (native/kernels) on the include path, once a composite has run hot_elements
 * elements. cache_dir NULL or "" turns it off (queued compiles still finish). Returns 0, or 1
 * with a message in err.
 */
int lab_ew_jit_configure(const char *cache_dir, const char *include_dir, const char *compiler,
                         int64_t hot_elements, char *err, size_t err_len);

typedef struct lab_ew_jit_stats {
  int64_t queued;   /* composites that became hot */
  int64_t compiled; /* built by the compiler in this process */
  int64_t loaded;   /* found already built in the cache */
  int64_t failed;   /* could not be built or loaded: they stay interpreted */
  int64_t row_walks; /* kernel calls run by a compiled program on the operands' rows in place */
  int64_t prefetched_row_walks; /* of those, the ones prefetching their inputs ahead */
  char last_error[768];
} lab_ew_jit_stats;

void lab_ew_jit_get_stats(lab_ew_jit_stats *out);

/* Blocks until no compile is queued or running (tests, and benchmarks that time compiled code). */
void lab_ew_jit_wait(void);

#ifdef __cplusplus
}
#endif

#endif /* LAB_ELEMENTWISE_JIT_H */
