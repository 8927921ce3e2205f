/* 2-d max/average pooling and their gradients (engine/ops/pool.ts). */
#ifndef LAB_POOL_H
#define LAB_POOL_H

#include "../include/lab_kernel.h"
#include "runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lab_pool_mode {
  LAB_POOL_MAX,          /* [x] -> [y] */
  LAB_POOL_AVG,          /* [x] -> [y] */
  LAB_POOL_MAX_GRAD,     /* [x, y, dy] -> [dx] */
  LAB_POOL_MAX_GRADGRAD, /* [x, y, g (x's shape)] -> [y's shape] */
  LAB_POOL_AVG_GRAD      /* [dy, like x] -> [dx] */
} lab_pool_mode;

typedef struct lab_pool_attrs {
  lab_pool_mode mode;
  int32_t ceil_mode, count_include_pad;
  /* 0: the typed loops (pool_loops.inc); 1: the element functions of pool_element.h one element
   * at a time, as the CUDA kernel runs them (tests force it). */
  int32_t direct;
  int64_t kernel[2], stride[2], padding[2];
  lab_runtime *rt; /* its ISA setting picks the AVX-512 rows of 2 × 2 max pooling, or not */
} lab_pool_attrs;

int lab_pool_kernel(const lab_tensor *inputs, int32_t n_inputs, lab_tensor *outputs, int32_t n_outputs,
                    const void *attrs, char *err, size_t err_len);

/* PyTorch's pooling output size along one axis (ceil mode: a last window must start inside the
 * input or its left padding); < 1 when the window does not fit. */
int64_t lab_pool_output_size(int64_t input, int64_t kernel, int64_t stride, int64_t pad, int ceil_mode);

#ifdef __cplusplus
}
#endif

#endif /* LAB_POOL_H */
