/* Random draws with Philox4x32-10, bit-compatible with engine/random/philox.ts (see the SPEC
 * there and native/PROGRAM.md). */
#ifndef LAB_RANDOM_H
#define LAB_RANDOM_H

#include "../include/lab_kernel.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lab_random_dist { LAB_RANDOM_UNIFORM, LAB_RANDOM_NORMAL, LAB_RANDOM_BERNOULLI } lab_random_dist;

typedef struct lab_random_attrs {
  lab_random_dist dist;
  uint64_t seed;    /* < 2^53 */
  uint32_t stream;
  uint64_t start;   /* element index of the first draw; advanced after each run if `advance` */
  int advance;
  double low, high; /* uniform */
  double mean, std; /* normal */
  double p;         /* bernoulli */
} lab_random_attrs;

/* The Philox4x32-10 block for key (k0, k1) and counter (c0..c3). */
void lab_philox4x32_10(uint32_t k0, uint32_t k1, const uint32_t counter[4], uint32_t out[4]);

/* inputs [] or [offset (int32 scalar)]; outputs [y]. Element j of y (row-major over its shape)
 * uses block start + offset * size(y) + j. attrs is mutable state when `advance` is set: a
 * program is not run concurrently. */
int lab_random_kernel(const lab_tensor *inputs, int32_t n_inputs, lab_tensor *outputs,
                      int32_t n_outputs, const void *attrs, char *err, size_t err_len);

#ifdef __cplusplus
}
#endif

#endif /* LAB_RANDOM_H */
