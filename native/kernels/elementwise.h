/*
 * Fused elementwise composites. A step's attrs hold one scalar expression tree per output over
 * the step's inputs; createProgram compiles the trees once into a register program, and the
 * kernel runs it tile by tile (LAB_EW_TILE elements) over the broadcast shape, so a whole fused
 * subgraph makes one pass over memory with every intermediate in cache.
 */
#ifndef LAB_ELEMENTWISE_H
#define LAB_ELEMENTWISE_H

#include "../include/lab_kernel.h"
#include "runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LAB_EW_TILE 256
#define LAB_EW_MAX_OPERANDS 32 /* inputs + outputs of one composite */

/* The X-macro list of scalar ops: name, arity. Order defines the opcodes. */
#define LAB_EW_OPS(X)                                                                        \
  X(add, 2) X(sub, 2) X(mul, 2) X(div, 2) X(neg, 1) X(pow, 2) X(sqr, 1) X(sqrt, 1)           \
  X(rsqrt, 1) X(exp, 1) X(log, 1) X(log1p, 1) X(expm1, 1) X(abs, 1) X(sign, 1) X(tanh, 1)    \
  X(sigmoid, 1) X(softplus, 1) X(relu, 1) X(maximum, 2) X(minimum, 2) X(clip, 3)             \
  X(where, 3) X(lt, 2) X(le, 2) X(gt, 2) X(ge, 2) X(eq, 2) X(ne, 2) X(and, 2) X(or, 2)       \
  X(not, 1) X(xor, 2) X(identity, 1) X(cast, 1)

#define LAB_EW_ENUM(name, arity) LAB_EW_##name,
typedef enum lab_ew_op { LAB_EW_OPS(LAB_EW_ENUM) LAB_EW_OP_COUNT } lab_ew_op;
#undef LAB_EW_ENUM

/* -1 for an unknown name. */
int lab_ew_op_from_name(const char *name);
const char *lab_ew_op_name(int op);

typedef enum lab_ew_node_kind { LAB_EW_INPUT, LAB_EW_CONST, LAB_EW_APPLY } lab_ew_node_kind;

/* One node of an expression tree in post-order (arguments before the op that uses them). */
typedef struct lab_ew_node {
  lab_ew_node_kind kind;
  int op;          /* LAB_EW_APPLY: a lab_ew_op */
  int input;       /* LAB_EW_INPUT: index into the step's inputs */
  double value;    /* LAB_EW_CONST */
  int cast_dtype;  /* LAB_EW_APPLY of cast: the lab_dtype to round to, or -1 (the store casts) */
} lab_ew_node;

typedef struct lab_ew_attrs lab_ew_attrs;

/*
 * Compiles the expression trees of a composite: nodes holds n_outputs trees back to back in
 * post-order, tree_sizes[o] nodes each. The compute type is float64 if any input or output is
 * float64, float32 if any is float32; integer/bool composites run in int32 with wrapping
 * arithmetic when every op and constant stays in the integers, else in float64. Returns NULL
 * with a message in err on a malformed tree. `rt` is the program's runtime: the kernel keeps its
 * temporary tiles in rt's scratch slot 0.
 */
lab_ew_attrs *lab_ew_compile(const lab_ew_node *nodes, const int *tree_sizes, int n_outputs,
                             const lab_dtype *input_dtypes, int n_inputs,
                             const lab_dtype *output_dtypes, lab_runtime *rt, char *err, size_t err_len);
void lab_ew_free(void *attrs);

int lab_elementwise_kernel(const lab_tensor *inputs, int32_t n_inputs, lab_tensor *outputs,
                           int32_t n_outputs, const void *attrs, char *err, size_t err_len);

/* lab_elementwise_kernel, adding the rows of each output o with sums[o] non-NULL, in order, to the
 * float64 column sums sums[o][0 .. its columns) as reduce.c adds an m × n matrix's rows (a
 * composite that writes what a sum over axis 0 reads next sums it while its rows are in L1: the
 * LSTM's gate gradients and their bias gradient). It adds them only where the composite runs
 * compiled, in place over the operands' rows, on one thread; *summed says whether it did (where
 * not, the caller sums the outputs itself). */
int lab_elementwise_column_sums(const lab_tensor *inputs, int32_t n_inputs, lab_tensor *outputs, int32_t n_outputs,
                                const void *attrs, double *const *sums, int *summed, char *err, size_t err_len);

#ifdef __cplusplus
}
#endif

#endif /* LAB_ELEMENTWISE_H */
