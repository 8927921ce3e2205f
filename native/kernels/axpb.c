/*
 * out = a * x + b, elementwise, float32. The smallest real kernel: it proves the native
 * toolchain end to end (C compiled by node-gyp, called through the addon from JavaScript).
 * The engine's own kernels arrive with the native CPU backend.
 */
#include "axpb.h"

void lab_axpb_f32(float a, const float *x, float b, float *out, int64_t n) {
  for (int64_t i = 0; i < n; i++) out[i] = a * x[i] + b;
}
