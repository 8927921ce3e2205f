/*
 * Data movement between views. Everything reduces to two primitives over same-shape views,
 * lab_copy_view and add_view, applied to whole tensors or to sub-views (a slice, one index of an
 * axis); the strided iterator makes both one long loop when the layouts allow it.
 */
#include "shape.h"

#include "common.h"

#define TILE 256

static const char *const kind_names[] = {"copy", "fill", "concatenate", "take", "inc_subtensor",
                                         "set_subtensor", "advanced_inc_subtensor", "advanced_set_subtensor"};

/* n elements of `size` bytes from s (stride ss) to d (stride ds), strides in elements. A plain
 * typed loop: no call per short row (concatenating 20-wide rows is the common case). */
static void copy_run(size_t size, void *d, int64_t ds, const void *s, int64_t ss, int64_t n) {
  if (ds == 1 && ss == 1 && n >= 64) {
    memmove(d, s, (size_t)n * size);
  } else if (ds == 1 && ss == 1 && size == 4) {
    /* Short contiguous rows: a unit-stride loop the compiler vectorises (the strided loop
     * below stays scalar, and a memmove call per 20-element row costs more than the copy). */
    for (int64_t i = 0; i < n; i++) ((uint32_t *)d)[i] = ((const uint32_t *)s)[i];
  } else if (ds == 1 && ss == 1 && size == 8) {
    for (int64_t i = 0; i < n; i++) ((uint64_t *)d)[i] = ((const uint64_t *)s)[i];
  } else if (ds == 1 && ss == 0 && size == 4) { /* a broadcast element: a fill */
    const uint32_t v = *(const uint32_t *)s;
    for (int64_t i = 0; i < n; i++) ((uint32_t *)d)[i] = v;
  } else if (size == 4) {
    for (int64_t i = 0; i < n; i++) ((uint32_t *)d)[i * ds] = ((const uint32_t *)s)[i * ss];
  } else if (size == 8) {
    for (int64_t i = 0; i < n; i++) ((uint64_t *)d)[i * ds] = ((const uint64_t *)s)[i * ss];
  } else {
    for (int64_t i = 0; i < n; i++) ((uint8_t *)d)[i * ds] = ((const uint8_t *)s)[i * ss];
  }
}

/* dst = src (same shape), converting dtype. */
void lab_copy_view(const lab_tensor *src, lab_tensor *dst) {
  const int64_t *strides[2] = {dst->strides, src->strides};
  lab_iter it;
  lab_iter_init(&it, dst->ndim, dst->shape, 2, strides);
  const size_t size = lab_dtype_size(dst->dtype);
  const int same_type = src->dtype == dst->dtype;
  double buf[TILE];
  if (same_type && it.ndim == 2) {
    /* The common matrix case (concatenating, materialising a transpose): rows in a plain loop. */
    char *d = dst->data;
    const char *src_data = src->data;
    const int64_t esize = (int64_t)size;
    for (int64_t r = 0; r < it.shape[0]; r++) {
      copy_run(size, d + r * it.strides[0][0] * esize, it.inner_stride[0], src_data + r * it.strides[1][0] * esize,
               it.inner_stride[1], it.inner);
    }
    return;
  }
  for (int64_t r = 0; r < it.outer; r++, lab_iter_next(&it)) {
    const int64_t ds = it.inner_stride[0], ss = it.inner_stride[1];
    if (same_type) {
      copy_run(size, (char *)dst->data + it.offs[0] * (int64_t)size, ds, (const char *)src->data + it.offs[1] * (int64_t)size, ss, it.inner);
      continue;
    }
    for (int64_t start = 0; start < it.inner; start += TILE) {
      const int64_t n = it.inner - start < TILE ? it.inner - start : TILE;
      lab_load_run_f64(buf, src, it.offs[1] + start * ss, ss, n);
      lab_store_run_f64(buf, dst, it.offs[0] + start * ds, ds, n);
    }
  }
}

/* dst += src (same shape). */
static void add_view(const lab_tensor *src, lab_tensor *dst) {
  const int64_t *strides[2] = {dst->strides, src->strides};
  lab_iter it;
  lab_iter_init(&it, dst->ndim, dst->shape, 2, strides);
  double a[TILE], b[TILE];
  const int f32 = src->dtype == LAB_FLOAT32 && dst->dtype == LAB_FLOAT32;
  for (int64_t r = 0; r < it.outer; r++, lab_iter_next(&it)) {
    const int64_t ds = it.inner_stride[0], ss = it.inner_stride[1];
    if (f32 && ds == 1 && ss == 1) {
      /* float32 runs added as float32, a loop the compiler vectorises: the same bits as through
       * float64 (a sum of two floats rounded once to a double, then to a float, is the float sum
       * rounded once — double has more than 2·24 + 2 bits): a flat gradient's 15,680-element
       * slice took ~16 µs through float64 tiles, ~2 µs so. */
      float *d = (float *)dst->data + it.offs[0];
      const float *s = (const float *)src->data + it.offs[1];
      for (int64_t i = 0; i < it.inner; i++) d[i] += s[i];
      continue;
    }
    for (int64_t start = 0; start < it.inner; start += TILE) {
      const int64_t n = it.inner - start < TILE ? it.inner - start : TILE;
      lab_load_run_f64(a, dst, it.offs[0] + start * ds, ds, n);
      lab_load_run_f64(b, src, it.offs[1] + start * ss, ss, n);
      for (int64_t i = 0; i < n; i++) a[i] += b[i];
      lab_store_run_f64(a, dst, it.offs[0] + start * ds, ds, n);
    }
  }
}

static int same_memory(const lab_tensor *a, const lab_tensor *b) {
  if (a->data != b->data || !lab_same_shape(a, b)) return 0;
  for (int d = 0; d < a->ndim; d++) {
    if (a->shape[d] > 1 && a->strides[d] != b->strides[d]) return 0;
  }
  return 1;
}

static void *element_ptr(const lab_tensor *t, int64_t offset) {
  return (char *)t->data + offset * (int64_t)lab_dtype_size(t->dtype);
}

/* The (ndim-1)-d view of t at position `index` of `axis`. */
static lab_tensor drop_axis(const lab_tensor *t, int axis, int64_t index) {
  lab_tensor v = *t;
  v.data = element_ptr(t, index * t->strides[axis]);
  v.ndim = t->ndim - 1;
  for (int d = axis; d < v.ndim; d++) v.shape[d] = t->shape[d + 1], v.strides[d] = t->strides[d + 1];
  return v;
}

static int is_contiguous(const lab_tensor *t) {
  int64_t expected = 1;
  for (int d = t->ndim - 1; d >= 0; d--) {
    if (t->shape[d] != 1 && t->strides[d] != expected) return 0;
    expected *= t->shape[d];
  }
  return 1;
}

/* A reshape: dst = src in row-major element order, shapes differing. When either side is
 * contiguous it is re-viewed in the other's shape and copied in one walk; otherwise each
 * element's source position is unravelled from its row-major index. */
static int reshape_copy(const lab_tensor *src, lab_tensor *dst) {
  if (is_contiguous(src) || is_contiguous(dst)) {
    lab_tensor a = *src, b = *dst;
    if (is_contiguous(src)) {
      a.ndim = dst->ndim;
      memcpy(a.shape, dst->shape, sizeof a.shape);
      lab_contiguous_strides(a.ndim, a.shape, a.strides);
    } else {
      b.ndim = src->ndim;
      memcpy(b.shape, src->shape, sizeof b.shape);
      lab_contiguous_strides(b.ndim, b.shape, b.strides);
    }
    lab_copy_view(&a, &b);
    return 0;
  }
  int64_t src_index[LAB_MAX_NDIM] = {0};
  const int64_t *strides[1] = {dst->strides};
  lab_iter it;
  lab_iter_init(&it, dst->ndim, dst->shape, 1, strides);
  for (int64_t r = 0; r < it.outer; r++, lab_iter_next(&it)) {
    for (int64_t i = 0; i < it.inner; i++) {
      int64_t so = 0;
      for (int d = 0; d < src->ndim; d++) so += src_index[d] * src->strides[d];
      lab_store(dst->data, dst->dtype, it.offs[0] + i * it.inner_stride[0], lab_load(src->data, src->dtype, so));
      for (int d = src->ndim - 1; d >= 0 && ++src_index[d] == src->shape[d]; d--) src_index[d] = 0;
    }
  }
  return 0;
}

static int resolve_axis(const char *name, int axis, int ndim, int *out, char *err, size_t err_len) {
  *out = axis < 0 ? axis + ndim : axis;
  if (*out < 0 || *out >= ndim) return lab_fail(err, err_len, "%s: axis %d is out of range for a %d-d tensor", name, axis, ndim);
  return 0;
}

/* The row layout of t split at `axis`: the elements from axis on are contiguous (one row of
 * `*row` elements) and the axes before it coalesce into `*rows` rows `*stride` apart. Returns 0
 * for any other layout. Size-1 axes do not count. */
static int rows_at_axis(const lab_tensor *t, int axis, int64_t *rows, int64_t *row, int64_t *stride) {
  int64_t expected = 1;
  for (int d = t->ndim - 1; d >= axis; d--) {
    if (t->shape[d] != 1 && t->strides[d] != expected) return 0;
    expected *= t->shape[d];
  }
  *row = expected;
  *rows = 1;
  *stride = 0;
  for (int d = axis - 1; d >= 0; d--) {
    if (t->shape[d] == 1) continue;
    if (*rows > 1 && t->strides[d] != *stride * *rows) return 0;
    if (*rows == 1) *stride = t->strides[d];
    *rows *= t->shape[d];
  }
  return 1;
}

/* Concatenation of inputs and output all of one dtype whose rows (the elements from the axis
 * on) are contiguous: one copy per input row (copy_run: a plain loop for short rows), walking
 * the output row by row so it is written once, in order (per-input passes over the whole output
 * were several times slower). Returns 0 when the layouts do not allow it. */
static int concatenate_rows(const lab_tensor *in, int32_t n_in, lab_tensor *y, int axis) {
  int64_t rows, y_row, y_stride;
  if (n_in > 64 || !rows_at_axis(y, axis, &rows, &y_row, &y_stride)) return 0;
  int64_t x_row[64], x_stride[64];
  for (int k = 0; k < n_in; k++) {
    int64_t x_rows; /* equal to rows: the shapes agree off the axis */
    if (in[k].dtype != y->dtype || !rows_at_axis(&in[k], axis, &x_rows, &x_row[k], &x_stride[k])) return 0;
  }
  const size_t size = lab_dtype_size(y->dtype);
  /* Inputs one element wide (the L2L features, two [n, 1] columns of [n, 2]) go as one strided
   * copy each: a call per one-element row cost more than the copy (15,910 × 2 rows: 178 µs). */
  int64_t column = 0;
  int wide = 0;
  for (int k = 0; k < n_in; k++) {
    if (x_row[k] == 1) copy_run(size, (char *)y->data + column * (int64_t)size, y_stride, in[k].data, x_stride[k], rows);
    column += x_row[k];
    wide |= x_row[k] > 1;
  }
  for (int64_t r = 0; r < rows && wide; r++) {
    char *dst = (char *)y->data + r * y_stride * (int64_t)size;
    for (int k = 0; k < n_in; k++) {
      if (x_row[k] > 1) copy_run(size, dst, 1, (const char *)in[k].data + r * x_stride[k] * (int64_t)size, 1, x_row[k]);
      dst += (int64_t)x_row[k] * (int64_t)size;
    }
  }
  return 1;
}

static int concatenate(const lab_shape_attrs *attrs, const lab_tensor *in, int32_t n_in, lab_tensor *y, char *err, size_t err_len) {
  char s0[96], s1[96];
  int axis;
  if (resolve_axis("concatenate", attrs->axis, y->ndim, &axis, err, err_len)) return 1;
  int64_t position = 0;
  for (int k = 0; k < n_in; k++) {
    int ok = in[k].ndim == y->ndim;
    for (int d = 0; d < y->ndim && ok; d++) ok = d == axis || in[k].shape[d] == y->shape[d];
    if (!ok || position + in[k].shape[axis] > y->shape[axis]) {
      return lab_fail(err, err_len, "concatenate: input %d %s does not fit the output %s along axis %d at position %lld", k,
                      lab_shape_str(&in[k], s0, sizeof s0), lab_shape_str(y, s1, sizeof s1), axis, (long long)position);
    }
    position += in[k].shape[axis];
  }
  if (position != y->shape[axis]) {
    return lab_fail(err, err_len, "concatenate: inputs add up to %lld along axis %d but the output has %lld", (long long)position, axis, (long long)y->shape[axis]);
  }
  if (concatenate_rows(in, n_in, y, axis)) return 0;
  position = 0;
  for (int k = 0; k < n_in; k++) {
    lab_tensor part = *y;
    part.data = element_ptr(y, position * y->strides[axis]);
    part.shape[axis] = in[k].shape[axis];
    lab_copy_view(&in[k], &part);
    position += in[k].shape[axis];
  }
  return 0;
}

/*
 * take and the advanced subtensor updates share one walk: for every position j of `indices`,
 * the slice x[.., indices[j], ..] pairs with the slice of `other` (take's output, the update's
 * y) at the index coordinates j. `apply` moves data between the two slices.
 */
typedef void (*slice_fn)(lab_tensor *indexed, lab_tensor *other, int take);

static void take_slice(lab_tensor *indexed, lab_tensor *other, int take) {
  if (take) lab_copy_view(indexed, other);
  else lab_copy_view(other, indexed);
}

static void add_slice(lab_tensor *indexed, lab_tensor *other, int take) {
  (void)take;
  add_view(other, indexed);
}

static int indexed_walk(const char *name, const lab_tensor *indexed, int axis, const lab_tensor *indices, const lab_tensor *other,
                        slice_fn apply, int take, char *err, size_t err_len) {
  char s0[96], s1[96], s2[96];
  const int k = indices->ndim;
  int ok = indices->dtype == LAB_INT32 && other->ndim == indexed->ndim - 1 + k;
  for (int d = 0; d < other->ndim && ok; d++) {
    const int64_t want = d < axis ? indexed->shape[d] : d < axis + k ? indices->shape[d - axis] : indexed->shape[d - k + 1];
    ok = other->shape[d] == want;
  }
  if (!ok) {
    return lab_fail(err, err_len, "%s: shapes do not match along axis %d: indexed %s, int32 indices %s (%s), %s %s", name, axis,
                    lab_shape_str(indexed, s0, sizeof s0), lab_shape_str(indices, s1, sizeof s1), lab_dtype_name(indices->dtype),
                    take ? "output" : "values", lab_shape_str(other, s2, sizeof s2));
  }
  /* The slice of `other` at given index coordinates: drop the k index axes. */
  lab_tensor other_slice = *other;
  other_slice.ndim = other->ndim - k;
  for (int d = axis; d < other_slice.ndim; d++) {
    other_slice.shape[d] = other->shape[d + k];
    other_slice.strides[d] = other->strides[d + k];
  }
  const int64_t *strides[2] = {indices->strides, other->strides + axis};
  lab_iter it;
  lab_iter_init(&it, k, indices->shape, 2, strides);
  const int64_t size = indexed->shape[axis];
  int64_t position = 0;
  for (int64_t r = 0; r < it.outer; r++, lab_iter_next(&it)) {
    for (int64_t i = 0; i < it.inner; i++, position++) {
      const int32_t raw = ((const int32_t *)indices->data)[it.offs[0] + i * it.inner_stride[0]];
      const int64_t index = raw < 0 ? raw + size : raw;
      if (index < 0 || index >= size) {
        return lab_fail(err, err_len, "%s: index %d (position %lld of the indices) is out of bounds for axis %d of size %lld",
                        name, raw, (long long)position, axis, (long long)size);
      }
      lab_tensor slice = drop_axis(indexed, axis, index);
      lab_tensor other_at = other_slice;
      other_at.data = element_ptr(other, it.offs[1] + i * it.inner_stride[1]);
      apply(&slice, &other_at, take);
    }
  }
  return 0;
}

/* z = x unless the program already computes in place (z and x are the same view). */
static int start_from_x(const char *name, const lab_tensor *x, lab_tensor *z, char *err, size_t err_len) {
  char s0[96], s1[96];
  if (!lab_same_shape(x, z)) {
    return lab_fail(err, err_len, "%s: output %s must have x's shape %s", name, lab_shape_str(z, s0, sizeof s0), lab_shape_str(x, s1, sizeof s1));
  }
  if (!same_memory(x, z)) lab_copy_view(x, z);
  return 0;
}

static int basic_subtensor(const lab_shape_attrs *attrs, const lab_tensor *in, lab_tensor *z, char *err, size_t err_len) {
  const char *name = kind_names[attrs->kind];
  const lab_tensor *y = &in[1];
  char s0[96];
  if (attrs->slice_ndim != z->ndim || y->ndim != z->ndim) {
    return lab_fail(err, err_len, "%s: the slice has %d axes and the values %s, but the tensor has %d", name, attrs->slice_ndim,
                    lab_shape_str(y, s0, sizeof s0), z->ndim);
  }
  if (start_from_x(name, &in[0], z, err, err_len)) return 1;
  lab_tensor region = *z;
  int64_t offset = 0;
  for (int d = 0; d < z->ndim; d++) {
    const int64_t n = y->shape[d], first = attrs->begin[d], last = first + (n - 1) * attrs->step[d];
    if (n > 0 && (first < 0 || first >= z->shape[d] || last < 0 || last >= z->shape[d])) {
      return lab_fail(err, err_len, "%s: slice %lld::%lld with %lld elements leaves axis %d of size %lld", name,
                      (long long)first, (long long)attrs->step[d], (long long)n, d, (long long)z->shape[d]);
    }
    offset += first * z->strides[d];
    region.shape[d] = n;
    region.strides[d] = z->strides[d] * attrs->step[d];
  }
  region.data = element_ptr(z, offset);
  if (attrs->kind == LAB_INC_SUBTENSOR) add_view(y, &region);
  else lab_copy_view(y, &region);
  return 0;
}

int lab_shape_kernel(const lab_tensor *in, int32_t n_in, lab_tensor *out, int32_t n_out,
                     const void *attrs_ptr, char *err, size_t err_len) {
  const lab_shape_attrs *attrs = attrs_ptr;
  const char *name = kind_names[attrs->kind];
  static const int arity[] = {1, 0, -1, 2, 2, 2, 3, 3};
  char s0[96], s1[96];
  if (n_out != 1 || (arity[attrs->kind] >= 0 && n_in != arity[attrs->kind]) || (attrs->kind == LAB_CONCATENATE && n_in < 1)) {
    return lab_fail(err, err_len, "%s takes %d inputs and one output, got %d and %d", name, arity[attrs->kind], n_in, n_out);
  }
  lab_tensor *y = &out[0];
  int axis;
  switch (attrs->kind) {
    case LAB_COPY:
      if (lab_tensor_size(&in[0]) != lab_tensor_size(y)) {
        return lab_fail(err, err_len, "copy: input %s and output %s differ in size", lab_shape_str(&in[0], s0, sizeof s0), lab_shape_str(y, s1, sizeof s1));
      }
      if (!lab_same_shape(&in[0], y)) return reshape_copy(&in[0], y);
      if (!same_memory(&in[0], y)) lab_copy_view(&in[0], y);
      return 0;
    case LAB_FILL: {
      /* The value converted to the output's dtype once (as the copy converts it), then that one
       * element as a view broadcast (all strides 0) to the output's shape: a copy without a
       * conversion per element (a 15,910-element float32 fill took 42 µs converting each). */
      _Alignas(8) unsigned char one[8];
      lab_tensor value = {LAB_FLOAT64, 0, {0}, {0}, (void *)&attrs->value};
      lab_tensor converted = {y->dtype, 0, {0}, {0}, one};
      lab_copy_view(&value, &converted);
      lab_tensor src = {y->dtype, y->ndim, {0}, {0}, one};
      for (int d = 0; d < y->ndim; d++) src.shape[d] = y->shape[d];
      lab_copy_view(&src, y);
      return 0;
    }
    case LAB_CONCATENATE: return concatenate(attrs, in, n_in, y, err, err_len);
    case LAB_TAKE:
      if (resolve_axis(name, attrs->axis, in[0].ndim, &axis, err, err_len)) return 1;
      return indexed_walk(name, &in[0], axis, &in[1], y, take_slice, 1, err, err_len);
    case LAB_INC_SUBTENSOR:
    case LAB_SET_SUBTENSOR: return basic_subtensor(attrs, in, y, err, err_len);
    case LAB_ADVANCED_INC_SUBTENSOR:
    case LAB_ADVANCED_SET_SUBTENSOR:
      if (resolve_axis(name, attrs->axis, in[0].ndim, &axis, err, err_len)) return 1;
      if (start_from_x(name, &in[0], y, err, err_len)) return 1;
      return indexed_walk(name, y, axis, &in[2], &in[1], attrs->kind == LAB_ADVANCED_INC_SUBTENSOR ? add_slice : take_slice, 0, err, err_len);
  }
  return lab_fail(err, err_len, "unknown shape kernel kind %d", (int)attrs->kind);
}
