/* C source for a float32 elementwise composite (elementwise_codegen.c). */
#ifndef LAB_ELEMENTWISE_CODEGEN_H
#define LAB_ELEMENTWISE_CODEGEN_H

#include "elementwise_program.h"

/* 1 when every instruction of the program has lane code (float32 compute, at least one
 * instruction). */
int lab_ew_codegen_supported(const lab_ew_attrs *p);

/* The program as C built against elementwise_lanes.h: `lab_ew_tile` (a lab_ew_tile_fn) and, when
 * rows_layout ≥ 0, `lab_ew_rows` (a lab_ew_rows_fn) for operands whose rows are contiguous where
 * its bit k is set (operand k, outputs first) and rows as wide as its bits from 32 up say (every
 * call passes that width); malloc'd, NULL when out of memory. Only for a supported program. */
char *lab_ew_codegen_source(const lab_ew_attrs *p, int64_t rows_layout);

#endif /* LAB_ELEMENTWISE_CODEGEN_H */
