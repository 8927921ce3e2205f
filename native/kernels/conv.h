/* 2-d convolution (PyTorch's cross-correlation, NCHW x, OIHW w) and its two gradients. */
#ifndef LAB_CONV_H
#define LAB_CONV_H

#include "../include/lab_kernel.h"
#include "runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lab_conv_mode {
  LAB_CONV_FORWARD,     /* [x, w] -> [y] */
  LAB_CONV_GRAD_INPUT,  /* [dy, w, like x] -> [dx] */
  LAB_CONV_GRAD_WEIGHT  /* [x, dy, like w] -> [dw] */
} lab_conv_mode;

typedef enum lab_conv_algorithm {
  LAB_CONV_AUTO,   /* depthwise convolutions (one input and one output channel per group): DIRECT;
                      else AVX512 where it applies, GEMM otherwise */
  LAB_CONV_GEMM,   /* im2col per image and group + the blocked GEMM */
  LAB_CONV_DIRECT, /* one element at a time through conv_element.h (the CUDA kernels' arithmetic) */
  LAB_CONV_AVX512  /* float32 on an AVX-512 CPU, from the padded image (conv_direct_avx512.c): the
                      forward pass when columns step by one, the input gradient when both strides
                      are one and the padding is within the dilated kernel; not the weight gradient */
} lab_conv_algorithm;

typedef struct lab_conv_attrs {
  lab_conv_mode mode;
  lab_conv_algorithm algorithm;
  int64_t stride[2], padding[2], dilation[2], groups;
  lab_runtime *rt; /* GEMM's state and the column scratch */
} lab_conv_attrs;

/* Images the GEMM algorithm unfolds at once out of a batch of n: about 2048 columns of p output
 * positions each, with the k × (images · p) column buffer at most 1 MiB (element_size bytes per
 * element), at least 1 and at most n. Exported for the benchmark's memory report. */
int64_t lab_conv_images_per_gemm(int64_t n, int64_t k, int64_t p, int64_t element_size);

int lab_conv_kernel(const lab_tensor *inputs, int32_t n_inputs, lab_tensor *outputs, int32_t n_outputs,
                    const void *attrs, char *err, size_t err_len);

#ifdef __cplusplus
}
#endif

#endif /* LAB_CONV_H */
