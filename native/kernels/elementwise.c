/*
 * Fused elementwise composites: compiling expression trees to a register program, and the
 * kernel that walks the broadcast shape in tiles. A tile runs the program through the
 * interpreter here — one SIMD loop over the tile per instruction (see vmath.h), no compiler
 * needed and nothing to wait for — or, once a float32 program has run enough elements on an
 * AVX-512 CPU, as C compiled at run time (elementwise_jit.c), which keeps every temporary in a
 * vector register instead of storing it to its tile and loading it back for the next instruction:
 * mnist_meta's composites 12 % less time, quad_meta's 3-4 %, the same bits. The walk, the moves
 * of operands into and out of tiles and the threads stay here for both.
 */
#include "elementwise.h"
#include "elementwise_codegen.h"
#include "elementwise_program.h"

#include <stdlib.h>
#include <tgmath.h>

#include "common.h"
#include "vmath.h"
#include "vmath_avx512.h"

#define LAB_EW_NAME(name, arity) #name,
static const char *const op_names[] = {LAB_EW_OPS(LAB_EW_NAME)};
#undef LAB_EW_NAME
#define LAB_EW_ARITY(name, arity) arity,
static const int op_arity[] = {LAB_EW_OPS(LAB_EW_ARITY)};
#undef LAB_EW_ARITY

int lab_ew_op_from_name(const char *name) {
  for (int i = 0; i < LAB_EW_OP_COUNT; i++) {
    if (strcmp(name, op_names[i]) == 0) return i;
  }
  return -1;
}

const char *lab_ew_op_name(int op) { return op >= 0 && op < LAB_EW_OP_COUNT ? op_names[op] : "?"; }

/* The op loops are compiled for AVX-512, AVX2 and baseline x86-64 and picked at load time
 * (ifunc), so the transcendental loops run 16 or 8 lanes wide without an -march flag. */
#if defined(__x86_64__) && defined(__linux__)
#define EW_CLONES LAB_ISA_CLONES
#else
#define EW_CLONES
#endif

/* float64 keeps libm (it is the precise path); float32 uses the vectorisable versions. */
static inline double sigmoid_f64(double x) {
  if (x >= 0) return 1 / (1 + exp(-x));
  const double e = exp(x); /* never overflows for x < 0 */
  return e / (1 + e);
}

/* log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow for large |x|. */
static inline double softplus_f64(double x) { return (x > 0 ? x : 0) + log1p(exp(-fabs(x))); }

/* Where a walk of tiles stands, and what the tiles may read and write in place. */
typedef struct ew_walk {
  const lab_iter *it;
  int64_t pos;  /* the tile's first element within the iterator's current row */
  int64_t done; /* elements before the tile */
  /* Operand k's offset of the walk's first element when its elements lie contiguously in walk
   * order (a whole array, or one broadcast against a contiguous output on its leading axes:
   * W·θ's W), else -1. */
  int64_t flat[LAB_EW_MAX_OPERANDS];
  int avx512_math; /* exp, sigmoid and tanh through vmath_avx512.c */
  lab_ew_tile_fn compiled; /* the program compiled to C (elementwise_jit.c), or NULL */
  /* Outputs (bit o) whose register may live in the output's memory over a tile (own_registers) */
  uint32_t own_registers;
} ew_walk;

/* The short-row moves of elementwise_tile.inc copy rows of a few elements: inline loops, which
 * GCC would otherwise turn back into a memcpy call per row. */
#pragma GCC optimize("no-tree-loop-distribute-patterns")

#define EW_T float
#define EW_SUFFIX f32
#define EW_DTYPE LAB_FLOAT32
#define EW_EXP lab_expf
#define EW_LOG lab_logf
#define EW_TANH lab_tanhf
#define EW_SIGMOID lab_sigmoidf
#define EW_SOFTPLUS lab_softplusf
#ifdef LAB_HAVE_VMATH_AVX512
#define EW_AVX512_MATH 1
#endif
#define EW_COMPILED 1
#include "elementwise_tile.inc"

#define EW_T double
#define EW_SUFFIX f64
#define EW_DTYPE LAB_FLOAT64
#define EW_EXP exp
#define EW_LOG log
#define EW_TANH tanh
#define EW_SIGMOID sigmoid_f64
#define EW_SOFTPLUS softplus_f64
#include "elementwise_tile.inc"

/* Integer composites: add/sub/mul/neg/sqr/abs wrap in uint32 (two's complement), as the engine's
 * `perform` does. choose_compute picks int32 only for programs whose ops all stay in the
 * integers, so the float ops of this instantiation (exp, div, ...) never run. */
#define EW_T int32_t
#define EW_SUFFIX i32
#define EW_DTYPE LAB_INT32
#define EW_EXP exp
#define EW_LOG log
#define EW_TANH tanh
#define EW_SIGMOID sigmoid_f64
#define EW_SOFTPLUS softplus_f64
#define EW_ADD(x, y) ((int32_t)((uint32_t)(x) + (uint32_t)(y)))
#define EW_SUB(x, y) ((int32_t)((uint32_t)(x) - (uint32_t)(y)))
#define EW_MUL(x, y) ((int32_t)((uint32_t)(x) * (uint32_t)(y)))
#define EW_NEG(x) ((int32_t)(0u - (uint32_t)(x)))
#define EW_ABS(x) ((x) < 0 ? EW_NEG(x) : (x))
#define EW_IS_NAN(x) 0
#include "elementwise_tile.inc"

void lab_ew_free(void *attrs) {
  lab_ew_attrs *p = attrs;
  if (!p || atomic_fetch_sub(&p->refs, 1) > 1) return; /* a queued compile still holds it */
  free(p->instr);
  free(p->const_tiles);
  free(p);
}

/*
 * Compilation in two passes. First the trees become a DAG: identical subtrees (the engine's
 * composites repeat sigmoid(x) in every output that uses it) are hash-consed into one node.
 * Then the DAG is emitted in creation order (children first) with reference-counted
 * registers: a temporary is recycled as soon as its last user is emitted, so live tiles stay
 * few even for large composites.
 */
typedef struct dag_node {
  lab_ew_node node; /* kind, op, input, value, cast_dtype */
  int args[3];      /* DAG ids; -1 when unused */
  int uses;         /* users in the DAG plus outputs rooted here */
  int reg;
  int fused;        /* an EW_FUSED_* op this node runs as (fuse_pairs), else 0 */
} dag_node;

typedef struct compiler {
  lab_ew_attrs *p;
  dag_node *dag;
  int n_dag;
  int free_regs[LAB_EW_MAX_REGS];
  int n_free;
  double const_value[LAB_EW_MAX_REGS];
  int is_const[LAB_EW_MAX_REGS];
} compiler;

static int fresh_reg(compiler *cc) { return cc->p->n_regs < LAB_EW_MAX_REGS ? cc->p->n_regs++ : -1; }

static int new_reg(compiler *cc) {
  if (cc->n_free > 0) return cc->free_regs[--cc->n_free];
  return fresh_reg(cc);
}

/* The DAG id of `n` with arguments `args`, reusing an identical node. */
static int intern(compiler *cc, const lab_ew_node *n, const int *args) {
  for (int id = 0; id < cc->n_dag; id++) {
    const dag_node *d = &cc->dag[id];
    if (d->node.kind != n->kind || memcmp(d->args, args, sizeof d->args) != 0) continue;
    if ((n->kind == LAB_EW_INPUT && d->node.input == n->input) ||
        (n->kind == LAB_EW_CONST && memcmp(&d->node.value, &n->value, sizeof n->value) == 0) ||
        (n->kind == LAB_EW_APPLY && d->node.op == n->op && d->node.cast_dtype == n->cast_dtype)) {
      return id;
    }
  }
  cc->dag[cc->n_dag] = (dag_node){*n, {args[0], args[1], args[2]}, 0, -1, 0};
  return cc->n_dag++;
}

/* Ops whose int32 results are int32 again (comparisons and logic give 0/1). */
static int integer_op(const lab_ew_node *n) {
  switch ((lab_ew_op)n->op) {
    case LAB_EW_add: case LAB_EW_sub: case LAB_EW_mul: case LAB_EW_neg: case LAB_EW_sqr:
    case LAB_EW_abs: case LAB_EW_sign: case LAB_EW_relu: case LAB_EW_maximum: case LAB_EW_minimum:
    case LAB_EW_clip: case LAB_EW_where: case LAB_EW_lt: case LAB_EW_le: case LAB_EW_gt:
    case LAB_EW_ge: case LAB_EW_eq: case LAB_EW_ne: case LAB_EW_and: case LAB_EW_or:
    case LAB_EW_not: case LAB_EW_xor: case LAB_EW_identity:
      return 1;
    case LAB_EW_cast:
      return n->cast_dtype == -1 || n->cast_dtype == LAB_INT32 || n->cast_dtype == LAB_BOOL;
    default:
      return 0;
  }
}

/* float64 if any operand is float64, float32 if any is float32. Without float operands: int32
 * when every op and constant stays in the integers (int32 arithmetic then wraps like the
 * engine's `perform`), else float64. */
static lab_dtype choose_compute(const compiler *cc, const lab_dtype *in, int n_in, const lab_dtype *out,
                                int n_out) {
  int any_f32 = 0;
  for (int i = 0; i < n_in + n_out; i++) {
    const lab_dtype d = i < n_in ? in[i] : out[i - n_in];
    if (d == LAB_FLOAT64) return LAB_FLOAT64;
    any_f32 |= d == LAB_FLOAT32;
  }
  if (any_f32) return LAB_FLOAT32;
  for (int id = 0; id < cc->n_dag; id++) {
    const lab_ew_node *n = &cc->dag[id].node;
    const double v = n->value;
    if (n->kind == LAB_EW_APPLY && !integer_op(n)) return LAB_FLOAT64;
    if (n->kind == LAB_EW_CONST && !(v >= INT32_MIN && v <= INT32_MAX && v == (double)(int32_t)v)) {
      return LAB_FLOAT64;
    }
  }
  return LAB_INT32;
}

/* Pass 1: post-order trees -> DAG; roots[o] is output o's node. Returns 0 or fills err. */
static int build_dag(compiler *cc, const lab_ew_node *nodes, const int *tree_sizes, int n_outputs,
                     int n_inputs, int *roots, char *err, size_t err_len) {
  const lab_ew_node *node = nodes;
  for (int o = 0; o < n_outputs; o++) {
    int stack[LAB_EW_MAX_REGS], depth = 0;
    for (int i = 0; i < tree_sizes[o]; i++, node++) {
      int args[3] = {-1, -1, -1};
      if (node->kind == LAB_EW_INPUT && (node->input < 0 || node->input >= n_inputs)) {
        return lab_fail(err, err_len, "elementwise output %d refers to input %d, but the step has %d inputs", o, node->input, n_inputs);
      }
      if (node->kind == LAB_EW_APPLY) {
        const int arity = node->op >= 0 && node->op < LAB_EW_OP_COUNT ? op_arity[node->op] : -1;
        if (arity < 0 || depth < arity) {
          return lab_fail(err, err_len, "elementwise op '%s' needs %d arguments in output %d's expression", lab_ew_op_name(node->op), arity, o);
        }
        for (int a = arity - 1; a >= 0; a--) args[a] = stack[--depth];
      }
      if (depth == LAB_EW_MAX_REGS) {
        return lab_fail(err, err_len, "elementwise expression too deep (more than %d pending values); split the fusion", LAB_EW_MAX_REGS);
      }
      stack[depth++] = intern(cc, node, args);
    }
    if (depth != 1) {
      return lab_fail(err, err_len, "elementwise output %d's expression is malformed (%d values left, expected 1)", o, depth);
    }
    roots[o] = stack[0];
  }
  return 0;
}

static int is_const_one(const dag_node *d) { return d->node.kind == LAB_EW_CONST && d->node.value == 1.0; }

/* An operation this node computes, not yet fused. (A node absorbed into a fused pair has no
 * uses left, which the callers check.) */
static int is_plain(const dag_node *d, lab_ew_op op) {
  return d->node.kind == LAB_EW_APPLY && d->node.op == (int)op && !d->fused;
}

/* Fused pairs: x·(1 − x) and 1 − x², where the inner node (1 − x, x²) has no other user, become
 * one instruction each: the sigmoid and tanh derivatives of every LSTM backward composite, one
 * pass over the tile fewer each (apply_fused_ keeps both roundings, so the bits stay). Uses are
 * moved to match: the inner node's users and arguments go to the fused node or away. */
static void fuse_pairs(compiler *cc) {
  for (int id = 0; id < cc->n_dag; id++) {
    dag_node *d = &cc->dag[id];
    if (is_plain(d, LAB_EW_mul)) {
      for (int side = 0; side < 2; side++) {
        const int x = d->args[side];
        dag_node *inner = &cc->dag[d->args[1 - side]];
        if (!is_plain(inner, LAB_EW_sub) || inner->uses != 1 || inner->args[1] != x ||
            !is_const_one(&cc->dag[inner->args[0]])) {
          continue;
        }
        inner->uses = 0;                /* absorbed: no instruction of its own */
        cc->dag[inner->args[0]].uses--; /* the 1 */
        cc->dag[x].uses--;              /* x was read by both; now by d alone */
        d->fused = EW_FUSED_X_ONE_MINUS_X, d->args[0] = x, d->args[1] = -1;
        break;
      }
    } else if (is_plain(d, LAB_EW_sub) && is_const_one(&cc->dag[d->args[0]])) {
      dag_node *inner = &cc->dag[d->args[1]];
      if (!is_plain(inner, LAB_EW_sqr) || inner->uses != 1) continue;
      inner->uses = 0;            /* absorbed: no instruction of its own */
      cc->dag[d->args[0]].uses--; /* the 1; x's use moves from x² to d */
      d->fused = EW_FUSED_ONE_MINUS_SQR, d->args[0] = inner->args[0], d->args[1] = -1;
    }
  }
}

/* The ops a chain takes, in the order of EW_CHAIN_CODE's indices; -1 for any other. */
static int chain_op_index(const dag_node *d) {
  if (d->node.kind != LAB_EW_APPLY || d->fused) return -1;
  switch ((lab_ew_op)d->node.op) {
    case LAB_EW_add: return 0;
    case LAB_EW_sub: return 1;
    case LAB_EW_mul: return 2;
    default: return -1;
  }
}

/* Chains: an add, sub or mul whose argument is another one with no other user, as
 * (a·b)·(1 − x) or a·b + c, become one instruction of three operands: one pass over the tile
 * and one temporary's store and load fewer (the LSTM backward composite: 17 instructions → 11).
 * apply_fused_ rounds each operation on its own, so the bits stay. Runs after fuse_pairs: a
 * fused pair is not a chain's inner operation, and chains do not nest. */
static void fuse_chains(compiler *cc) {
  for (int id = 0; id < cc->n_dag; id++) {
    dag_node *d = &cc->dag[id];
    const int op2 = chain_op_index(d);
    if (op2 < 0 || d->uses == 0) continue;
    for (int side = 0; side < 2; side++) {
      dag_node *inner = &cc->dag[d->args[side]];
      const int op1 = chain_op_index(inner);
      if (op1 < 0 || inner->uses != 1) continue;
      const int other = d->args[1 - side];
      inner->uses = 0; /* absorbed: its arguments are now read by d */
      d->fused = EW_FUSED_CHAIN + EW_CHAIN_CODE(op1, op2, side);
      d->args[0] = inner->args[0], d->args[1] = inner->args[1], d->args[2] = other;
      break;
    }
  }
}

/* Pass 2: registers and instructions. Returns 0 or fills err. */
static int emit(compiler *cc, const int *roots, int n_outputs, char *err, size_t err_len) {
  lab_ew_attrs *p = cc->p;
  for (int id = 0; id < cc->n_dag; id++) {
    for (int a = 0; a < 3; a++) {
      if (cc->dag[id].args[a] >= 0) cc->dag[cc->dag[id].args[a]].uses++;
    }
  }
  for (int o = 0; o < n_outputs; o++) cc->dag[roots[o]].uses++; /* outputs are never recycled */
  fuse_pairs(cc);
  fuse_chains(cc);
  for (int id = 0; id < cc->n_dag; id++) {
    dag_node *d = &cc->dag[id];
    if (d->uses == 0) continue; /* absorbed by a fused pair (or a 1 only it read) */
    if (d->node.kind == LAB_EW_INPUT) {
      d->reg = d->node.input;
      p->input_used[d->reg] = 1;
      continue;
    }
    if (d->node.kind == LAB_EW_CONST) {
      /* Constants get a register no temporary ever had: their tile is filled only once. */
      if ((d->reg = fresh_reg(cc)) >= 0) cc->is_const[d->reg] = 1, cc->const_value[d->reg] = d->node.value;
    } else {
      int regs[3] = {-1, -1, -1};
      for (int a = 0; a < 3 && d->args[a] >= 0; a++) {
        dag_node *arg = &cc->dag[d->args[a]];
        regs[a] = arg->reg;
        /* Last use of a temporary: its register may become this op's destination. */
        if (--arg->uses == 0 && arg->reg >= p->n_inputs && !cc->is_const[arg->reg]) cc->free_regs[cc->n_free++] = arg->reg;
      }
      if ((d->reg = new_reg(cc)) >= 0) {
        const int op = d->fused ? d->fused : d->node.op;
        p->instr[p->n_instr++] = (lab_ew_instr){op, d->node.cast_dtype, d->reg, regs[0], regs[1], regs[2]};
      }
    }
    if (d->reg < 0) {
      return lab_fail(err, err_len, "elementwise composite too large: more than %d live values; split the fusion", LAB_EW_MAX_REGS);
    }
  }
  for (int o = 0; o < n_outputs; o++) p->out_reg[o] = cc->dag[roots[o]].reg;
  return 0;
}

lab_ew_attrs *lab_ew_compile(const lab_ew_node *nodes, const int *tree_sizes, int n_outputs,
                             const lab_dtype *input_dtypes, int n_inputs,
                             const lab_dtype *output_dtypes, lab_runtime *rt, char *err, size_t err_len) {
  if (n_inputs + n_outputs > LAB_EW_MAX_OPERANDS || n_outputs < 1) {
    lab_fail(err, err_len, "elementwise composite needs 1..%d operands in total and at least one output, got %d inputs and %d outputs",
             LAB_EW_MAX_OPERANDS, n_inputs, n_outputs);
    return NULL;
  }
  int total = 0, roots[LAB_EW_MAX_OPERANDS];
  for (int o = 0; o < n_outputs; o++) total += tree_sizes[o];
  lab_ew_attrs *p = calloc(1, sizeof *p);
  compiler *cc = calloc(1, sizeof *cc);
  if (!p || !cc || !(p->instr = calloc((size_t)total + 1, sizeof *p->instr)) ||
      !(cc->dag = calloc((size_t)total + 1, sizeof *cc->dag))) {
    lab_fail(err, err_len, "elementwise composite: out of memory while compiling");
    goto fail;
  }
  p->n_inputs = n_inputs;
  p->n_outputs = n_outputs;
  p->n_regs = n_inputs;
  cc->p = p;
  if (build_dag(cc, nodes, tree_sizes, n_outputs, n_inputs, roots, err, err_len) ||
      emit(cc, roots, n_outputs, err, err_len)) {
    goto fail;
  }
  p->compute = choose_compute(cc, input_dtypes, n_inputs, output_dtypes, n_outputs);
  const size_t esize = lab_dtype_size(p->compute);
  int n_const = 0;
  for (int r = n_inputs; r < p->n_regs; r++) {
    p->reg_const[r] = cc->is_const[r];
    p->reg_tile[r] = cc->is_const[r] ? n_const++ : p->n_temp_tiles++;
  }
  p->n_temp_tiles += n_inputs;
  p->rt = rt;
  p->const_tiles = aligned_alloc(64, (size_t)(n_const > 0 ? n_const : 1) * LAB_EW_TILE * esize);
  if (!p->const_tiles) {
    lab_fail(err, err_len, "elementwise composite: out of memory while compiling");
    goto fail;
  }
  for (int r = n_inputs; r < p->n_regs; r++) {
    if (!cc->is_const[r]) continue;
    for (int i = 0; i < LAB_EW_TILE; i++) {
      const int64_t at = (int64_t)p->reg_tile[r] * LAB_EW_TILE + i;
      if (p->compute == LAB_FLOAT32) ((float *)p->const_tiles)[at] = (float)cc->const_value[r];
      else if (p->compute == LAB_INT32) ((int32_t *)p->const_tiles)[at] = (int32_t)cc->const_value[r];
      else ((double *)p->const_tiles)[at] = cc->const_value[r];
    }
  }
  atomic_init(&p->refs, 1);
  atomic_init(&p->jit_phase, lab_ew_codegen_supported(p) ? LAB_EW_JIT_COLD : LAB_EW_JIT_DONE);
  atomic_init(&p->rows_layout, -1);
  free(cc->dag);
  free(cc);
  return p;
fail:
  if (cc) free(cc->dag);
  free(cc);
  lab_ew_free(p);
  return NULL;
}

/* Whether operand k's element at walk position q is at offset offs[k] + q: unit inner stride
 * and every outer stride the size of what lies inside it. */
static int contiguous_in_walk(const lab_iter *it, int k) {
  int64_t size = it->inner;
  if (it->inner_stride[k] != 1) return 0;
  for (int d = it->ndim - 2; d >= 0; d--) {
    if (it->strides[k][d] != size) return 0;
    size *= it->shape[d];
  }
  return 1;
}

/*
 * The outputs of a multi-output composite whose register can be the output's own memory over a
 * tile, so the instructions write it there and no copy from the tile follows (the L2L cell's
 * seven outputs were seven copies of every tile). Every instruction using that register then
 * reads and writes the output's memory — including earlier ones, when the register last held a
 * temporary that died — which is only safe where the output overlaps no input; the output also
 * needs the compute type and a register of its own (not an input, a constant, or another
 * output's). Paired in one process: quad_meta 6.7-8.5 % and mnist_meta 7 % faster; on MNIST it
 * also beat streaming the cell's 8.9 MB of outputs past the caches (4-11 %).
 */
static uint32_t own_output_registers(const lab_ew_attrs *p, const lab_tensor *out, const lab_byte_range *range) {
  if (p->n_outputs < 2) return 0; /* one output: the last instruction writes it (run_tile_) */
  uint32_t mask = 0;
  for (int o = 0; o < p->n_outputs; o++) {
    const int reg = p->out_reg[o];
    int ok = out[o].dtype == p->compute && reg >= p->n_inputs && !p->reg_const[reg];
    for (int e = 0; ok && e < o; e++) ok = p->out_reg[e] != reg;
    for (int k = 0; ok && k < p->n_inputs; k++) ok = !p->input_used[k] || lab_ranges_apart(range[o], range[p->n_outputs + k]);
    if (ok) mask |= 1u << o;
  }
  return mask;
}

/* A 2-d walk over short rows: whole rows per tile (run_block_). */
static int block_mode(const lab_iter *it) { return it->ndim == 2 && 2 * it->inner <= LAB_EW_TILE; }

static int same_view(const lab_tensor *x, const lab_tensor *y) {
  return x->data == y->data && lab_same_shape(x, y) && memcmp(x->strides, y->strides, sizeof x->strides[0] * (size_t)x->ndim) == 0;
}

/*
 * Whether a compiled program may run a block-mode walk on the operands' rows in place
 * (lab_ew_rows_fn) instead of moving them through tiles: every operand float32 with unit stride
 * within rows of at least 16 elements, and each output disjoint from the other operands (by
 * bounding box, or as interleaved column windows) or, an update in place, the very same view as
 * an input. The LSTM cells' 20-column windows of their 80-column gate rows were moved row by row
 * into tiles and out again (1,280 × 20 forward cell 46 µs on hot operands, 35 µs with contiguous
 * inputs), and the backward cells' gate gradients into the windows of theirs. In place, paired
 * in one process: quad_meta's composites 5.2-5.6 → 4.7-4.9 ms (the meta-iteration -5 %),
 * mnist_meta's 79-81 → 65-69 ms (-7 %). Walks whose operands are all contiguous keep the tiles,
 * which read and write them in place with plain loads and stores (the rows' masks cost ~7 %
 * there).
 */
static int rows_in_place(const lab_ew_attrs *p, const lab_tensor *in, const lab_tensor *out, const lab_byte_range *range,
                         const lab_iter *it) {
  if (!block_mode(it) || it->inner < 16) return 0;
  int moved = 0; /* an operand the tiles would move row by row */
  for (int k = 0; k < p->n_outputs + p->n_inputs; k++) {
    if (k < p->n_outputs || p->input_used[k - p->n_outputs]) moved |= it->strides[k][0] != it->inner;
  }
  if (!moved) return 0;
  for (int k = 0; k < p->n_inputs; k++) {
    if (p->input_used[k] && (in[k].dtype != LAB_FLOAT32 || it->inner_stride[p->n_outputs + k] != 1)) return 0;
  }
  for (int o = 0; o < p->n_outputs; o++) {
    if (out[o].dtype != LAB_FLOAT32 || it->inner_stride[o] != 1) return 0;
    for (int e = 0; e < o; e++) {
      if (!lab_ranges_apart(range[o], range[e]) && !lab_views_interleaved_disjoint(&out[o], &out[e])) return 0;
    }
    for (int k = 0; k < p->n_inputs; k++) {
      const lab_tensor *x = &in[k];
      if (p->input_used[k] && !lab_ranges_apart(range[o], range[p->n_outputs + k]) && !same_view(&out[o], x) &&
          !lab_views_interleaved_disjoint(&out[o], x)) {
        return 0;
      }
    }
  }
  return 1;
}

/* Which operands of a rows-in-place walk have contiguous rows (their row stride the row width):
 * bit k for operand k, outputs first (LAB_EW_MAX_OPERANDS ≤ 32); unused inputs count as
 * contiguous. The row width from bit 32 up: the compiled rows function takes it as a constant. */
static int64_t rows_layout(const lab_ew_attrs *p, const lab_iter *it) {
  int64_t layout = it->inner << 32;
  for (int k = 0; k < p->n_outputs + p->n_inputs; k++) {
    const int used = k < p->n_outputs || p->input_used[k - p->n_outputs];
    if (!used || it->strides[k][0] == it->inner) layout |= (int64_t)1 << k;
  }
  return layout;
}

/* Composites over at least this many elements split their walk across the runtime's threads
 * (MNIST's L2L cell, 15,910 × 20: mnist_meta on two threads 250-290 -> 215 ms; the quadratics'
 * 1,280 × 20 stay on one, where starting a thread would cost a large part of the walk). */
#define EW_PARALLEL_MIN_ELEMENTS ((int64_t)1 << 16)

/* One thread's part of a walk: rows [begin, end) in block mode, elements [begin, end) of a
 * one-row walk, or (one thread) the whole walk. */
typedef struct ew_share {
  const lab_ew_attrs *p;
  const lab_tensor *in;
  lab_tensor *out;
  const lab_iter *it;
  int avx512_math;
  lab_ew_tile_fn compiled;
  lab_ew_rows_fn compiled_rows; /* block mode over the operands' rows in place, where it may */
  double *const *sums;          /* the rows function's column sums, or NULL */
  uint32_t own_registers;
  int64_t begin, end;
  int slot; /* scratch slot: 2 · the thread's index, as GEMM numbers them */
  int status;
} ew_share;

static void *run_share(void *arg) {
  ew_share *s = arg;
  const lab_ew_attrs *p = s->p;
  if (s->compiled_rows) { /* compiled, in place: rows [begin, end) in one call, no tiles, no scratch */
    float *base[LAB_EW_MAX_OPERANDS];
    int64_t stride[LAB_EW_MAX_OPERANDS];
    for (int k = 0; k < p->n_outputs + p->n_inputs; k++) {
      const lab_tensor *t = k < p->n_outputs ? &s->out[k] : &s->in[k - p->n_outputs];
      const int used = k < p->n_outputs || p->input_used[k - p->n_outputs];
      stride[k] = s->it->strides[k][0];
      base[k] = used ? (float *)t->data + s->it->offs[k] + s->begin * stride[k] : NULL;
    }
    s->compiled_rows(s->end - s->begin, s->it->inner, base, stride, s->sums, p->rt->prefetch_ahead);
    return NULL;
  }
  void *scratch = lab_scratch(p->rt, s->slot, (size_t)p->n_temp_tiles * LAB_EW_TILE * lab_dtype_size(p->compute) + 1);
  if (!scratch) {
    s->status = 1;
    return NULL;
  }
  lab_iter it = *s->it;
  if (block_mode(&it)) { /* short rows: whole rows per tile */
    const int64_t per_tile = LAB_EW_TILE / it.inner;
    for (int64_t row0 = s->begin; row0 < s->end; row0 += per_tile) {
      const int64_t rows = s->end - row0 < per_tile ? s->end - row0 : per_tile;
      if (p->compute == LAB_FLOAT32) run_block_f32(p, scratch, row0, rows, s->in, s->out, &it, s->avx512_math, s->compiled, s->own_registers);
      else if (p->compute == LAB_INT32) run_block_i32(p, scratch, row0, rows, s->in, s->out, &it, s->avx512_math, NULL, s->own_registers);
      else run_block_f64(p, scratch, row0, rows, s->in, s->out, &it, s->avx512_math, NULL, s->own_registers);
    }
    return NULL;
  }
  if (it.ndim == 1) { /* this share's elements of the one row */
    for (int k = 0; k < p->n_outputs + p->n_inputs; k++) it.offs[k] += s->begin * it.inner_stride[k];
    it.inner = s->end - s->begin;
  }
  /* Tiles run over the elements in order, across rows when rows are short (a 1280 x 20 slice
   * is 100 tiles, not 1280 row-sized ones). */
  ew_walk w = {.it = &it, .pos = 0, .done = 0, .avx512_math = s->avx512_math, .compiled = s->compiled,
               .own_registers = s->own_registers};
  for (int k = 0; k < p->n_outputs + p->n_inputs; k++) w.flat[k] = contiguous_in_walk(&it, k) ? it.offs[k] : -1;
  const int64_t total = it.outer * it.inner;
  while (w.done < total) {
    const int64_t n = total - w.done < LAB_EW_TILE ? total - w.done : LAB_EW_TILE;
    if (p->compute == LAB_FLOAT32) run_tile_f32(p, scratch, n, s->in, s->out, &w);
    else if (p->compute == LAB_INT32) run_tile_i32(p, scratch, n, s->in, s->out, &w);
    else run_tile_f64(p, scratch, n, s->in, s->out, &w);
    w.done += n;
    for (w.pos += n; w.pos >= it.inner && w.done < total; w.pos -= it.inner) lab_iter_next(&it);
  }
  return NULL;
}

/* Fills shares[0 .. threads) and returns how many: block-mode rows or a one-row walk's elements
 * (in whole tiles) divided evenly, each thread writing its own outputs' elements; other walks
 * (n-d, rows longer than a block) run on one thread. */
static int split_walk(const ew_share *whole, ew_share *shares) {
  const lab_iter *it = whole->it;
  const int block = block_mode(it);
  const int64_t extent = block ? it->outer : it->inner;
  const int64_t unit = block ? 1 : LAB_EW_TILE;
  int threads = whole->p->rt->threads < LAB_MAX_THREADS ? whole->p->rt->threads : LAB_MAX_THREADS;
  if (it->outer * it->inner < EW_PARALLEL_MIN_ELEMENTS || !(block || it->ndim == 1)) threads = 1;
  const int64_t units = (extent + unit - 1) / unit;
  if (units < threads) threads = (int)units;
  if (threads < 1) threads = 1;
  for (int t = 0; t < threads; t++) {
    shares[t] = *whole;
    lab_thread_range(extent, unit, threads, t, &shares[t].begin, &shares[t].end);
    shares[t].slot = 2 * t;
  }
  return threads;
}

/* Whether a walk's rows are output o's rows, as its column sums need: the walk not coalesced,
 * reordered or broadcast along them. */
static int walks_rows_of(const lab_iter *it, const lab_tensor *o, int index) {
  return it->ndim == 2 && o->ndim == 2 && it->outer == o->shape[0] && it->inner == o->shape[1] &&
         it->strides[index][0] == o->strides[0] && it->inner_stride[index] == 1;
}

/* lab_elementwise_kernel, and with `sums` (else NULL) the column sums of lab_ew_rows_fn where the
 * walk runs the compiled rows function on one thread over the summed outputs' own rows: *summed
 * says whether it added them. */
static int run_composite(const lab_tensor *in, int32_t n_in, lab_tensor *out, int32_t n_out, const void *attrs,
                         double *const *sums, int *summed, char *err, size_t err_len) {
  const lab_ew_attrs *p = attrs;
  *summed = 0;
  char s0[96], s1[96];
  if (n_in != p->n_inputs || n_out != p->n_outputs) {
    return lab_fail(err, err_len, "elementwise composite was compiled for %d inputs and %d outputs, got %d and %d", p->n_inputs, p->n_outputs, n_in, n_out);
  }
  const int64_t *strides[LAB_EW_MAX_OPERANDS];
  for (int o = 0; o < n_out; o++) {
    if (!lab_same_shape(&out[o], &out[0])) {
      return lab_fail(err, err_len, "elementwise outputs must share one shape: output %d is %s, output 0 is %s", o, lab_shape_str(&out[o], s0, sizeof s0), lab_shape_str(&out[0], s1, sizeof s1));
    }
    strides[o] = out[o].strides;
  }
  for (int k = 0; k < n_in; k++) {
    if (!lab_same_shape(&in[k], &out[0])) {
      return lab_fail(err, err_len, "elementwise input %d has shape %s but the output has %s; the program must broadcast it with stride-0 views", k, lab_shape_str(&in[k], s0, sizeof s0), lab_shape_str(&out[0], s1, sizeof s1));
    }
    strides[n_out + k] = in[k].strides;
  }
  lab_iter it;
  lab_iter_init(&it, out[0].ndim, out[0].shape, n_out + n_in, strides);
  /* each operand's bytes once: which outputs may be written in place is asked of every pair */
  lab_byte_range range[LAB_EW_MAX_OPERANDS];
  for (int k = 0; k < n_out + n_in; k++) range[k] = lab_view_range(k < n_out ? &out[k] : &in[k - n_out]);
  ew_share shares[LAB_MAX_THREADS];
  const int avx512 = lab_isa_resolve(p->rt->isa) == LAB_ISA_AVX512;
  const int64_t layout = avx512 && rows_in_place(p, in, out, range, &it) ? rows_layout(p, &it) : -1;
  if (layout >= 0) { /* the first such call's layout is the one the compiled rows function takes */
    int64_t unknown = -1;
    atomic_compare_exchange_strong(&((lab_ew_attrs *)p)->rows_layout, &unknown, layout);
  }
  /* Compiled programs use AVX-512 and its exp, sigmoid and tanh, as the interpreter does here. */
  const lab_ew_tile_fn compiled = avx512 ? lab_ew_jit_function((lab_ew_attrs *)p, it.outer * it.inner) : NULL;
  /* (compiled_layout is published with `compiled`, which the acquire above read) */
  const lab_ew_rows_fn compiled_rows = compiled && layout >= 0 && layout == p->compiled_layout
                                           ? atomic_load_explicit(&p->compiled_rows, memory_order_relaxed)
                                           : NULL;
  if (compiled_rows) lab_ew_jit_count_row_walk(p->rt->prefetch_ahead);
  const ew_share whole = {p, in, out, &it, avx512, compiled, compiled_rows, NULL, own_output_registers(p, out, range), 0, 0, 0, 0};
  const int threads = split_walk(&whole, shares);
  if (sums && compiled_rows && threads == 1) {
    int rows_of_all = 1;
    for (int o = 0; o < n_out; o++) rows_of_all &= !sums[o] || walks_rows_of(&it, &out[o], o);
    if (rows_of_all) shares[0].sums = sums, *summed = 1;
  }
  lab_run_tasks(run_share, shares, sizeof shares[0], threads);
  int status = 0;
  for (int t = 0; t < threads; t++) status |= shares[t].status;
  if (status) return lab_fail(err, err_len, "elementwise composite: out of memory for %d tiles", p->n_temp_tiles);
  return 0;
}

int lab_elementwise_kernel(const lab_tensor *in, int32_t n_in, lab_tensor *out, int32_t n_out,
                           const void *attrs, char *err, size_t err_len) {
  int summed;
  return run_composite(in, n_in, out, n_out, attrs, NULL, &summed, err, err_len);
}

int lab_elementwise_column_sums(const lab_tensor *in, int32_t n_in, lab_tensor *out, int32_t n_out,
                                const void *attrs, double *const *sums, int *summed, char *err, size_t err_len) {
  return run_composite(in, n_in, out, n_out, attrs, sums, summed, err, err_len);
}
