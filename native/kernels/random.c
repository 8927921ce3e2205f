/*
 * Counter-based random draws. Element j of a draw is a pure function of (seed, stream,
 * start + j), so the C, CUDA and TypeScript generators agree bit for bit (normal: up to libm's
 * last-ulp differences in log/cos) and a draw never depends on its size or on threading.
 * Scaling (low + (high-low)*u, mean + std*z) is done in float64 and rounded once to the dtype,
 * exactly as the TypeScript side does; fp-contract stays off here so no FMA changes a bit.
 */
#pragma GCC optimize("fp-contract=off")

#include "random.h"

#include "common.h"

#define TWO_POW_M24 (1.0 / 16777216.0)
#define TWO_POW_M53 (1.0 / 9007199254740992.0)
#define LAB_PI 3.141592653589793 /* JavaScript's Math.PI, the same double */

void lab_philox4x32_10(uint32_t k0, uint32_t k1, const uint32_t counter[4], uint32_t out[4]) {
  uint32_t c0 = counter[0], c1 = counter[1], c2 = counter[2], c3 = counter[3];
  for (int round = 0; round < 10; round++) {
    const uint64_t p0 = (uint64_t)0xD2511F53u * c0;
    const uint64_t p1 = (uint64_t)0xCD9E8D57u * c2;
    const uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0;
    const uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
    c1 = (uint32_t)p1;
    c3 = (uint32_t)p0;
    c0 = n0;
    c2 = n2;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

/* 53-bit uniform in [0, 1) from two words. */
static inline double u53(uint32_t hi, uint32_t lo) {
  return ((double)(hi >> 5) * 67108864.0 + (double)(lo >> 6)) * TWO_POW_M53;
}

static double draw(const lab_random_attrs *a, lab_dtype dtype, const uint32_t x[4]) {
  const int single = dtype != LAB_FLOAT64;
  switch (a->dist) {
    case LAB_RANDOM_UNIFORM: {
      const double u = single ? (double)(x[0] >> 8) * TWO_POW_M24 : u53(x[0], x[1]);
      return a->low + (a->high - a->low) * u;
    }
    case LAB_RANDOM_NORMAL: {
      double u1, u2;
      if (single) {
        u1 = ((double)(x[0] >> 8) + 1.0) * TWO_POW_M24;
        u2 = (double)(x[1] >> 8) * TWO_POW_M24;
      } else {
        u1 = ((double)(x[0] >> 5) * 67108864.0 + (double)(x[1] >> 6) + 1.0) * TWO_POW_M53;
        u2 = u53(x[2], x[3]);
      }
      const double z = sqrt(-2.0 * log(u1)) * cos(2.0 * LAB_PI * u2);
      /* float32 draws are standard normals rounded to float32 before scaling, as in the engine. */
      return a->mean + a->std * (single ? (double)(float)z : z);
    }
    case LAB_RANDOM_BERNOULLI:
      /* x0 < p * 2^32 as real numbers: p * 2^32 is exact in float64. */
      return (double)x[0] < a->p * 4294967296.0 ? 1.0 : 0.0;
  }
  return 0.0;
}

int lab_random_kernel(const lab_tensor *in, int32_t n_in, lab_tensor *out, int32_t n_out,
                      const void *attrs_ptr, char *err, size_t err_len) {
  lab_random_attrs *attrs = (lab_random_attrs *)attrs_ptr;
  if (n_in > 1 || n_out != 1) {
    return lab_fail(err, err_len, "random takes no inputs or one int32 offset, and one output; got %d and %d", n_in, n_out);
  }
  lab_tensor *y = &out[0];
  const int64_t n = lab_tensor_size(y);
  /* The optional offset input selects draw number `offset` of this size: start + offset * n. */
  int64_t offset = 0;
  if (n_in == 1) {
    if (in[0].dtype != LAB_INT32 || lab_tensor_size(&in[0]) != 1) {
      return lab_fail(err, err_len, "random: the offset input must be one int32, got %s with %lld elements",
                      lab_dtype_name(in[0].dtype), (long long)lab_tensor_size(&in[0]));
    }
    offset = *(const int32_t *)in[0].data;
    if (offset < 0) return lab_fail(err, err_len, "random: offset must be non-negative, got %lld", (long long)offset);
  }
  const uint64_t start = attrs->start + (uint64_t)offset * (uint64_t)n;
  if (start + (uint64_t)n > ((uint64_t)1 << 53)) {
    return lab_fail(err, err_len, "random: element indices up to %llu exceed 2^53; reseed the generator",
                    (unsigned long long)(start + (uint64_t)n));
  }
  const uint32_t k0 = (uint32_t)attrs->seed, k1 = (uint32_t)(attrs->seed >> 32);
  lab_iter it;
  lab_iter_init_in_order(&it, y);
  for (int64_t r = 0; r < it.outer; r++, lab_iter_next(&it)) {
    for (int64_t i = 0; i < it.inner; i++) {
      const uint64_t index = start + (uint64_t)(it.offs[1] + i * it.inner_stride[1]);
      const uint32_t counter[4] = {(uint32_t)index, (uint32_t)(index >> 32), attrs->stream, 0};
      uint32_t x[4];
      lab_philox4x32_10(k0, k1, counter, x);
      lab_store(y->data, y->dtype, it.offs[0] + i * it.inner_stride[0], draw(attrs, y->dtype, x));
    }
  }
  if (attrs->advance) attrs->start += (uint64_t)n;
  return 0;
}
