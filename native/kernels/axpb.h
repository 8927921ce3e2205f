#ifndef LAB_AXPB_H
#define LAB_AXPB_H
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

void lab_axpb_f32(float a, const float *x, float b, float *out, int64_t n);

#ifdef __cplusplus
}
#endif

#endif
