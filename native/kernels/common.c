#include "common.h"

#include <stdarg.h>
#include <stdio.h>

const char *lab_dtype_name(lab_dtype d) {
  switch (d) {
    case LAB_FLOAT32: return "float32";
    case LAB_FLOAT64: return "float64";
    case LAB_INT32: return "int32";
    case LAB_BOOL: return "bool";
  }
  return "unknown dtype";
}

int lab_fail(char *err, size_t err_len, const char *fmt, ...) {
  if (err && err_len > 0) {
    va_list args;
    va_start(args, fmt);
    vsnprintf(err, err_len, fmt, args);
    va_end(args);
  }
  return 1;
}

const char *lab_shape_str(const lab_tensor *t, char *buf, size_t len) {
  size_t used = (size_t)snprintf(buf, len, "(");
  for (int32_t i = 0; i < t->ndim && used < len; i++) {
    used += (size_t)snprintf(buf + used, len - used, i ? ", %lld" : "%lld", (long long)t->shape[i]);
  }
  if (used < len) snprintf(buf + used, len - used, t->ndim == 1 ? ",)" : ")");
  return buf;
}

int lab_same_shape(const lab_tensor *a, const lab_tensor *b) {
  if (a->ndim != b->ndim) return 0;
  for (int32_t i = 0; i < a->ndim; i++) {
    if (a->shape[i] != b->shape[i]) return 0;
  }
  return 1;
}

void lab_iter_init(lab_iter *it, int ndim, const int64_t *shape, int nops,
                   const int64_t *const *strides) {
  it->nops = nops;
  it->outer = 1;
  /* Keep dimensions of size != 1 (an empty dimension makes the whole walk empty). */
  int nd = 0;
  int64_t total = 1;
  for (int d = 0; d < ndim; d++) {
    total *= shape[d];
    if (shape[d] == 1) continue;
    it->shape[nd] = shape[d];
    for (int k = 0; k < nops; k++) it->strides[k][nd] = strides[k][d];
    nd++;
  }
  if (total == 0) {
    it->ndim = 1;
    it->inner = 0;
    it->outer = 0;
    for (int k = 0; k < nops; k++) it->offs[k] = 0, it->inner_stride[k] = 0;
    return;
  }
  if (nd == 0) {
    it->shape[0] = 1;
    for (int k = 0; k < nops; k++) it->strides[k][0] = 0;
    nd = 1;
  }
  /* Merge dimension d into d+1 when every operand steps through them as one. */
  int out = 0;
  for (int d = 1; d < nd; d++) {
    int mergeable = 1;
    for (int k = 0; k < nops && mergeable; k++) {
      mergeable = it->strides[k][out] == it->strides[k][d] * it->shape[d];
    }
    if (mergeable) {
      it->shape[out] *= it->shape[d];
      for (int k = 0; k < nops; k++) it->strides[k][out] = it->strides[k][d];
    } else {
      out++;
      it->shape[out] = it->shape[d];
      for (int k = 0; k < nops; k++) it->strides[k][out] = it->strides[k][d];
    }
  }
  it->ndim = out + 1;
  it->inner = it->shape[out];
  for (int k = 0; k < nops; k++) {
    it->offs[k] = 0;
    it->inner_stride[k] = it->strides[k][out];
  }
  for (int d = 0; d < it->ndim; d++) it->index[d] = 0;
  for (int d = 0; d < out; d++) it->outer *= it->shape[d];
}

void lab_iter_init_in_order(lab_iter *it, const lab_tensor *t) {
  int64_t contiguous[LAB_MAX_NDIM];
  lab_contiguous_strides(t->ndim, t->shape, contiguous);
  const int64_t *strides[2] = {t->strides, contiguous};
  lab_iter_init(it, t->ndim, t->shape, 2, strides);
}

#define LAB_RUN_LOOP(type, body) \
  {                              \
    type *base = t->data;        \
    base += off;                 \
    for (int64_t i = 0; i < n; i++) body; \
  }                              \
  break

void lab_load_run_f64(double *dst, const lab_tensor *t, int64_t off, int64_t stride, int64_t n) {
  switch (t->dtype) {
    case LAB_FLOAT32: LAB_RUN_LOOP(const float, dst[i] = base[i * stride]);
    case LAB_FLOAT64: LAB_RUN_LOOP(const double, dst[i] = base[i * stride]);
    case LAB_INT32: LAB_RUN_LOOP(const int32_t, dst[i] = base[i * stride]);
    case LAB_BOOL: LAB_RUN_LOOP(const uint8_t, dst[i] = base[i * stride]);
  }
}

void lab_store_run_f64(const double *src, lab_tensor *t, int64_t off, int64_t stride, int64_t n) {
  switch (t->dtype) {
    case LAB_FLOAT32: LAB_RUN_LOOP(float, base[i * stride] = (float)src[i]);
    case LAB_FLOAT64: LAB_RUN_LOOP(double, base[i * stride] = src[i]);
    case LAB_INT32: LAB_RUN_LOOP(int32_t, base[i * stride] = lab_double_to_int32(src[i]));
    case LAB_BOOL: LAB_RUN_LOOP(uint8_t, base[i * stride] = src[i] != 0);
  }
}

#undef LAB_RUN_LOOP

int64_t lab_contiguous_strides(int ndim, const int64_t *shape, int64_t *strides) {
  int64_t n = 1;
  for (int d = ndim - 1; d >= 0; d--) {
    strides[d] = n;
    n *= shape[d];
  }
  return n;
}

int lab_views_interleaved_disjoint(const lab_tensor *x, const lab_tensor *y) {
  if (x->ndim != 2 || y->ndim != 2 || x->dtype != y->dtype || !lab_same_shape(x, y) || x->strides[1] != 1 ||
      y->strides[1] != 1 || x->strides[0] != y->strides[0]) {
    return 0;
  }
  const int64_t pitch = x->strides[0], width = x->shape[1], size = (int64_t)lab_dtype_size(x->dtype);
  const intptr_t bytes = (intptr_t)x->data - (intptr_t)y->data;
  if (pitch < 2 * width || bytes % size != 0) return 0;
  const int64_t shift = (((int64_t)(bytes / size)) % pitch + pitch) % pitch; /* x's first column, from y's */
  return shift >= width && shift <= pitch - width;
}

lab_byte_range lab_view_range(const lab_tensor *t) {
  const intptr_t size = (intptr_t)lab_dtype_size(t->dtype);
  lab_byte_range r = {(intptr_t)t->data, (intptr_t)t->data + size};
  for (int d = 0; d < t->ndim; d++) {
    const intptr_t span = (intptr_t)(t->shape[d] - 1) * (intptr_t)t->strides[d] * size;
    if (span < 0) r.lo += span;
    else r.hi += span;
  }
  return r;
}

/* Whether the memory of two views (first to last element, in bytes) does not overlap. */
int lab_views_disjoint(const lab_tensor *x, const lab_tensor *y) {
  return lab_ranges_apart(lab_view_range(x), lab_view_range(y));
}
