/* Streaming (non-temporal) stores of float32 runs (stream_avx512.c). With AVX-512 on x86-64, for
 * callers that checked the CPU (lab_isa_resolve(rt->isa) == LAB_ISA_AVX512); elsewhere plain
 * copies, so callers need no platform test. */
#ifndef LAB_STREAM_AVX512_H
#define LAB_STREAM_AVX512_H

#include <stdint.h>

/* dst[i] = src[i] for i < n (not overlapping), the whole 64-byte lines of dst written past the
 * caches. */
void lab_stream_store_f32(float *dst, const float *src, int64_t n);
/* Orders the streaming stores before every later store, so another thread that starts after
 * the caller returns sees them. */
void lab_stream_fence(void);

#endif /* LAB_STREAM_AVX512_H */
