/* softmax / log_softmax over one axis, their gradients, and the cross-entropy losses. */
#ifndef LAB_SOFTMAX_H
#define LAB_SOFTMAX_H

#include "../include/lab_kernel.h"
#include "runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lab_softmax_kind {
  LAB_SOFTMAX,          /* inputs [x]; outputs [y] */
  LAB_LOG_SOFTMAX,      /* inputs [x]; outputs [y] */
  LAB_SOFTMAX_GRAD,     /* inputs [dy, y = softmax(x)]; outputs [dx] */
  LAB_LOG_SOFTMAX_GRAD  /* inputs [dy, y = log_softmax(x)]; outputs [dx] */
} lab_softmax_kind;

typedef struct lab_softmax_attrs {
  lab_softmax_kind kind;
  int axis;        /* negative counts from the end */
  lab_runtime *rt; /* row scratch */
} lab_softmax_attrs;

int lab_softmax_kernel(const lab_tensor *inputs, int32_t n_inputs, lab_tensor *outputs,
                       int32_t n_outputs, const void *attrs, char *err, size_t err_len);

typedef enum lab_loss_kind {
  LAB_SOFTMAX_CROSS_ENTROPY,      /* [logits (N, C), labels int32 (N)] -> loss (N) */
  LAB_SOFTMAX_CROSS_ENTROPY_GRAD, /* [dloss (N), logits (N, C), labels (N)] -> dlogits (N, C) */
  LAB_CATEGORICAL_CROSSENTROPY,   /* [probs (N, C), targets (N, C)] -> -sum t log p  (N) */
  LAB_BINARY_CROSSENTROPY         /* [probs, targets] (same shape) -> elementwise loss */
} lab_loss_kind;

typedef struct lab_loss_attrs {
  lab_loss_kind kind;
  lab_runtime *rt;
} lab_loss_attrs;

int lab_loss_kernel(const lab_tensor *inputs, int32_t n_inputs, lab_tensor *outputs,
                    int32_t n_outputs, const void *attrs, char *err, size_t err_len);

#ifdef __cplusplus
}
#endif

#endif /* LAB_SOFTMAX_H */
