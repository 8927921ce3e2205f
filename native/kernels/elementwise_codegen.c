/*
 * C source for a float32 composite's register program: one function that computes every
 * instruction over a tile, 16 lanes at a time, with each value in a vector register from the
 * moment it is computed to its last use. The interpreter instead runs one loop over the whole
 * tile per instruction, storing every temporary to its tile and loading it back for the next one;
 * for the LSTM cell composites that is most of their time. elementwise_jit.c compiles this source
 * with the system C compiler once a program has run enough to be worth it.
 */
#include "elementwise_codegen.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Compiled here only to check it with the addon's warnings: the generated code includes it. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include "elementwise_lanes.h"
#endif

/* The lane expression for an op over its argument names, or NULL where the op has no lane code
 * (pow, log1p, expm1, softplus and casts to int32 call libm or round like the engine's integer
 * casts; a program using one stays interpreted). */
static const char *lane_pattern(int op, int cast_dtype) {
  switch (op) {
    case LAB_EW_add: return "_mm512_add_ps(%1$s, %2$s)";
    case LAB_EW_sub: return "_mm512_sub_ps(%1$s, %2$s)";
    case LAB_EW_mul: return "_mm512_mul_ps(%1$s, %2$s)";
    case LAB_EW_div: return "_mm512_div_ps(%1$s, %2$s)";
    case LAB_EW_neg: return "lab_neg16(%1$s)";
    case LAB_EW_sqr: return "_mm512_mul_ps(%1$s, %1$s)";
    case LAB_EW_sqrt: return "_mm512_sqrt_ps(%1$s)";
    case LAB_EW_rsqrt: return "_mm512_div_ps(splat(1.0f), _mm512_sqrt_ps(%1$s))";
    case LAB_EW_exp: return "exp16(%1$s)";
    case LAB_EW_log: return "log16(%1$s)";
    case LAB_EW_abs: return "_mm512_abs_ps(%1$s)";
    case LAB_EW_sign: return "lab_sign16(%1$s)";
    case LAB_EW_tanh: return "tanh16(%1$s)";
    case LAB_EW_sigmoid: return "sigmoid16(%1$s)";
    case LAB_EW_relu: return "lab_max16(%1$s, _mm512_setzero_ps())";
    case LAB_EW_maximum: return "lab_max16(%1$s, %2$s)";
    case LAB_EW_minimum: return "lab_min16(%1$s, %2$s)";
    case LAB_EW_clip: return "lab_min16(lab_max16(%1$s, %2$s), %3$s)";
    case LAB_EW_where: return "lab_where16(%1$s, %2$s, %3$s)";
    case LAB_EW_lt: return "lab_lt16(%1$s, %2$s)";
    case LAB_EW_le: return "lab_le16(%1$s, %2$s)";
    case LAB_EW_gt: return "lab_gt16(%1$s, %2$s)";
    case LAB_EW_ge: return "lab_ge16(%1$s, %2$s)";
    case LAB_EW_eq: return "lab_eq16(%1$s, %2$s)";
    case LAB_EW_ne: return "lab_ne16(%1$s, %2$s)";
    case LAB_EW_and: return "lab_and16(%1$s, %2$s)";
    case LAB_EW_or: return "lab_or16(%1$s, %2$s)";
    case LAB_EW_not: return "lab_not16(%1$s)";
    case LAB_EW_xor: return "lab_xor16(%1$s, %2$s)";
    case LAB_EW_identity: return "%1$s";
    case LAB_EW_cast: /* float32 → float32/float64 keeps the value; bool is x != 0 */
      return cast_dtype == LAB_INT32 ? NULL : cast_dtype == LAB_BOOL ? "lab_bool16(lab_truthy16(%1$s))" : "%1$s";
    case EW_FUSED_X_ONE_MINUS_X: return "_mm512_mul_ps(%1$s, _mm512_sub_ps(splat(1.0f), %1$s))";
    case EW_FUSED_ONE_MINUS_SQR: return "_mm512_sub_ps(splat(1.0f), _mm512_mul_ps(%1$s, %1$s))";
    default: break;
  }
  if (op >= EW_FUSED_CHAIN && op < EW_FUSED_CHAIN + EW_CHAIN_CODE(2, 2, 1) + 1) {
    /* op2(op1(a, b), c), or op2(c, op1(a, b)) when `right`: the chain's code (elementwise.c). */
    static const char *const chains[2][9] = {
        {"_mm512_add_ps(_mm512_add_ps(%1$s, %2$s), %3$s)", "_mm512_sub_ps(_mm512_add_ps(%1$s, %2$s), %3$s)",
         "_mm512_mul_ps(_mm512_add_ps(%1$s, %2$s), %3$s)", "_mm512_add_ps(_mm512_sub_ps(%1$s, %2$s), %3$s)",
         "_mm512_sub_ps(_mm512_sub_ps(%1$s, %2$s), %3$s)", "_mm512_mul_ps(_mm512_sub_ps(%1$s, %2$s), %3$s)",
         "_mm512_add_ps(_mm512_mul_ps(%1$s, %2$s), %3$s)", "_mm512_sub_ps(_mm512_mul_ps(%1$s, %2$s), %3$s)",
         "_mm512_mul_ps(_mm512_mul_ps(%1$s, %2$s), %3$s)"},
        {"_mm512_add_ps(%3$s, _mm512_add_ps(%1$s, %2$s))", "_mm512_sub_ps(%3$s, _mm512_add_ps(%1$s, %2$s))",
         "_mm512_mul_ps(%3$s, _mm512_add_ps(%1$s, %2$s))", "_mm512_add_ps(%3$s, _mm512_sub_ps(%1$s, %2$s))",
         "_mm512_sub_ps(%3$s, _mm512_sub_ps(%1$s, %2$s))", "_mm512_mul_ps(%3$s, _mm512_sub_ps(%1$s, %2$s))",
         "_mm512_add_ps(%3$s, _mm512_mul_ps(%1$s, %2$s))", "_mm512_sub_ps(%3$s, _mm512_mul_ps(%1$s, %2$s))",
         "_mm512_mul_ps(%3$s, _mm512_mul_ps(%1$s, %2$s))"},
    };
    const int code = op - EW_FUSED_CHAIN;
    return chains[code & 1][code >> 1];
  }
  return NULL;
}

int lab_ew_codegen_supported(const lab_ew_attrs *p) {
  if (p->compute != LAB_FLOAT32 || p->n_instr == 0) return 0;
  for (int i = 0; i < p->n_instr; i++) {
    if (!lane_pattern(p->instr[i].op, p->instr[i].cast_dtype)) return 0;
  }
  return 1;
}

/* A growing string; `failed` once an allocation failed (the text is then dropped). */
typedef struct text {
  char *s;
  size_t len, cap;
  int failed;
} text;

__attribute__((format(printf, 2, 3))) static void append(text *t, const char *format, ...) {
  if (t->failed) return;
  for (;;) {
    va_list args;
    va_start(args, format);
    const int n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? t->cap - t->len : 0, format, args);
    va_end(args);
    if (n < 0) {
      t->failed = 1;
      return;
    }
    if (t->s && t->len + (size_t)n < t->cap) {
      t->len += (size_t)n;
      return;
    }
    const size_t cap = (t->cap + (size_t)n + 1) * 2;
    char *grown = realloc(t->s, cap);
    if (!grown) {
      t->failed = 1;
      return;
    }
    t->s = grown, t->cap = cap;
  }
}

/* Whether output o stores its register: a temporary (inputs and constants already hold their
 * values; the interpreter's copy-out moves them), and the first output with that register. */
static int stores_output(const lab_ew_attrs *p, int o) {
  const int reg = p->out_reg[o];
  if (reg < p->n_inputs || p->reg_const[reg]) return 0;
  for (int e = 0; e < o; e++) {
    if (p->out_reg[e] == reg) return 0;
  }
  return 1;
}

/* Whether operand k (outputs first) has contiguous rows in a rows function's layout. */
static int contiguous(int64_t layout, int k) { return (int)((layout >> k) & 1); }

/* How a loop body reaches memory: a tile's whole vectors, its masked tail, or rows (the loads and
 * stores of lab_ew_rows, each vector from up to two rows under masks m1 and m2). */
typedef enum body_kind { TILE_VECTOR, TILE_TAIL, ROWS } body_kind;

/* Which pass of a rows walk a body is: the only one, or the first or second of two passes
 * (rows_passes). */
typedef enum walk_pass { WHOLE, FIRST_PASS, SECOND_PASS } walk_pass;

/* A rows walk split in two passes over blocks of LAB_EW_PASS_BLOCK elements: the first computes
 * the transcendental functions of the inputs alone that an output keeps, and stores them; the
 * second reads them back and computes the rest. The LSTM's forward cell is one long chain per
 * element — three sigmoids and a tanh of its gates, c, tanh(c), h — that the out-of-order core
 * cannot overlap across enough vectors to keep its vector ports busy; apart, the first pass's
 * functions of different vectors run side by side (quadratics' 1,280 × 20 cell in a harness, on
 * its own data: 41.8 → 34.8 µs; of small values only, 32.6 → 29.4), the same operations on each
 * element, the same bits. */
typedef struct rows_passes {
  int split;      /* 1: two passes; 0: one */
  int *first_out; /* per instruction: the contiguous output the first pass stores it to, else -1 */
} rows_passes;

/* Whether instruction `in` reads register r. */
static int reads(const lab_ew_instr *in, int r) { return in->a == r || in->b == r || in->c == r; }

/* Whether input k is read in `pass`: by an instruction computed there, or, in the second pass and
 * the only one, as an output's own value. */
static int input_read(const lab_ew_attrs *p, const rows_passes *rp, walk_pass pass, int k) {
  if (!p->input_used[k]) return 0;
  if (pass == WHOLE) return 1;
  for (int i = 0; i < p->n_instr; i++) {
    if ((rp->first_out[i] >= 0) == (pass == FIRST_PASS) && reads(&p->instr[i], k)) return 1;
  }
  for (int o = 0; pass == SECOND_PASS && o < p->n_outputs; o++) {
    if (p->out_reg[o] == k) return 1;
  }
  return 0;
}

/* Whether the first pass stores output o. */
static int stored_first(const lab_ew_attrs *p, const rows_passes *rp, int o) {
  for (int i = 0; i < p->n_instr; i++) {
    if (rp->first_out[i] == o) return 1;
  }
  return 0;
}

/* Loads of the used inputs, one statement per instruction, stores of the outputs. A tile stores
 * each temporary output register once (the interpreter's copy-out moves the rest); rows store
 * every output, by its index — in a walk of two passes (`pass`, `rp`), the first pass its
 * instructions' outputs, reading its strided inputs through its own row pointers q, and the second
 * the rest, loading the first pass's values back from their outputs. */
static void emit_body(text *t, const lab_ew_attrs *p, body_kind kind, int64_t layout, walk_pass pass,
                      const rows_passes *rp) {
  char names[LAB_EW_MAX_REGS][24]; /* the C name holding each register's current value */
  for (int r = 0; r < p->n_regs; r++) {
    snprintf(names[r], sizeof names[r], r < p->n_inputs ? "x%d" : "c%d", r);
  }
  /* the strided inputs' row pointers and the column they stand at */
  const char row = pass == FIRST_PASS ? 'q' : 'r';
  const char *col = pass == FIRST_PASS ? "col1" : "col";
  if (kind == ROWS) { /* inputs whose rows follow each other: a program's saved arrays, read late */
    for (int k = 0; k < p->n_inputs; k++) {
      if (input_read(p, rp, pass, k) && contiguous(layout, p->n_outputs + k)) append(t, "    if (prefetch) lab_ew_prefetch(r%d, e);\n", k);
    }
    /* and the outputs this pass stores whose rows follow each other: arrays saved for later */
    for (int o = 0; o < p->n_outputs; o++) {
      const int stored_here = pass == WHOLE || (pass == FIRST_PASS) == stored_first(p, rp, o);
      if (stored_here && contiguous(layout, o)) append(t, "    if (prefetch) lab_ew_prefetch_write(o%d, e);\n", o);
    }
  }
  for (int k = 0; k < p->n_inputs; k++) {
    if (!input_read(p, rp, pass, k)) continue;
    if (kind == TILE_VECTOR) append(t, "    const __m512 x%d = _mm512_loadu_ps(r%d + i);\n", k, k);
    else if (kind == TILE_TAIL) append(t, "    const __m512 x%d = _mm512_maskz_loadu_ps(m, r%d + i);\n", k, k);
    else if (contiguous(layout, p->n_outputs + k)) append(t, "    const __m512 x%d = _mm512_maskz_loadu_ps(m, r%d + e);\n", k, k);
    else append(t, "    __m512 x%d = _mm512_maskz_loadu_ps(m1, %c%d + %s);\n", k, row, k, col);
  }
  if (kind == ROWS) { /* the next row's part of the vector, for the operands whose rows are apart */
    append(t, "    if (m2) {\n");
    for (int k = 0; k < p->n_inputs; k++) {
      if (input_read(p, rp, pass, k) && !contiguous(layout, p->n_outputs + k)) {
        append(t, "      x%d = _mm512_mask_loadu_ps(x%d, m2, %c%d + s%d - len1);\n", k, k, row, k, k);
      }
    }
    append(t, "    }\n");
  }
  for (int i = 0; i < p->n_instr; i++) {
    const lab_ew_instr *in = &p->instr[i];
    const int first = pass != WHOLE && rp->first_out[i] >= 0;
    if (pass == FIRST_PASS && !first) continue;
    if (pass == SECOND_PASS && first) {
      append(t, "    const __m512 v%d = _mm512_maskz_loadu_ps(m, o%d + e);\n", i, rp->first_out[i]);
    } else {
      append(t, "    const __m512 v%d = ", i);
      append(t, lane_pattern(in->op, in->cast_dtype), names[in->a], in->b >= 0 ? names[in->b] : "",
             in->c >= 0 ? names[in->c] : "");
      append(t, ";\n");
    }
    snprintf(names[in->dst], sizeof names[in->dst], "v%d", i);
    if (pass == FIRST_PASS) append(t, "    _mm512_mask_storeu_ps(o%d + e, m, v%d);\n", rp->first_out[i], i);
  }
  if (pass == FIRST_PASS) return;
  for (int o = 0; o < p->n_outputs; o++) {
    const char *value = names[p->out_reg[o]];
    if (kind == ROWS) {
      if (pass == SECOND_PASS && stored_first(p, rp, o)) continue;
      if (contiguous(layout, o)) append(t, "    _mm512_mask_storeu_ps(o%d + e, m, %s);\n", o, value);
      else append(t, "    _mm512_mask_storeu_ps(o%d + col, m1, %s);\n", o, value);
    } else if (stores_output(p, o)) {
      const int reg = p->out_reg[o];
      if (kind == TILE_TAIL) append(t, "    _mm512_mask_storeu_ps(r%d + i, m, %s);\n", reg, value);
      else append(t, "    _mm512_storeu_ps(r%d + i, %s);\n", reg, value);
    }
  }
  if (kind == ROWS) {
    append(t, "    if (m2) {\n");
    for (int o = 0; o < p->n_outputs; o++) {
      if (!contiguous(layout, o)) {
        append(t, "      _mm512_mask_storeu_ps(o%d + so%d - len1, m2, %s);\n", o, o, names[p->out_reg[o]]);
      }
    }
    append(t, "    }\n");
  }
}

static void emit_constants(text *t, const lab_ew_attrs *p) {
  for (int r = p->n_inputs; r < p->n_regs; r++) {
    if (!p->reg_const[r]) continue;
    uint32_t bits; /* the constant's bits, as the interpreter's constant tile holds them (NaN too) */
    memcpy(&bits, (const float *)p->const_tiles + (int64_t)p->reg_tile[r] * LAB_EW_TILE, sizeof bits);
    append(t, "  const __m512 c%d = _mm512_castsi512_ps(_mm512_set1_epi32((int32_t)0x%08xu));\n", r, (unsigned)bits);
  }
}

/* lab_ew_tile (a lab_ew_tile_fn): n elements of the tiles the registers point at. */
static void emit_tile_function(text *t, const lab_ew_attrs *p) {
  append(t, "LAB_AVX512 void lab_ew_tile(int64_t n, float *const *regs) {\n");
  for (int k = 0; k < p->n_inputs; k++) {
    if (p->input_used[k]) append(t, "  const float *const r%d = regs[%d];\n", k, k);
  }
  for (int o = 0; o < p->n_outputs; o++) {
    if (stores_output(p, o)) append(t, "  float *const r%d = regs[%d];\n", p->out_reg[o], p->out_reg[o]);
  }
  emit_constants(t, p);
  append(t, "  int64_t i = 0;\n  for (; i + 16 <= n; i += 16) {\n");
  emit_body(t, p, TILE_VECTOR, 0, WHOLE, NULL);
  append(t, "  }\n  if (i < n) {\n    const __mmask16 m = (__mmask16)((1u << (n - i)) - 1);\n");
  emit_body(t, p, TILE_TAIL, 0, WHOLE, NULL);
  append(t, "  }\n}\n\n");
}

/* Adds the next unsummed row of each output with column sums to them (lab_ew_rows's `sums`). */
static void emit_sum_row(text *t, const lab_ew_attrs *p, int64_t layout, const char *indent) {
  for (int o = 0; o < p->n_outputs; o++) {
    append(t, "%sif (sum%d) lab_ew_add_row(sum%d, sum_row%d, width);\n", indent, o, o, o);
    if (contiguous(layout, o)) append(t, "%ssum_row%d += width;\n", indent, o);
    else append(t, "%ssum_row%d += so%d;\n", indent, o, o);
  }
}

/* Whether an op is one of the transcendental functions (long chains of vector operations). */
static int transcendental(int op) { return op == LAB_EW_sigmoid || op == LAB_EW_tanh || op == LAB_EW_exp || op == LAB_EW_log; }

/* Plans a rows walk's passes (rows_passes): the first pass takes each transcendental function of
 * inputs and constants alone whose value a contiguous output keeps (its register's last write);
 * two passes only where one remains for the second. 0, or -1 when out of memory. */
static int plan_passes(const lab_ew_attrs *p, int64_t layout, rows_passes *rp) {
  rp->split = 0;
  rp->first_out = malloc(sizeof rp->first_out[0] * (size_t)(p->n_instr > 0 ? p->n_instr : 1));
  if (!rp->first_out) return -1;
  int firsts = 0, later = 0;
  for (int i = 0; i < p->n_instr; i++) {
    const lab_ew_instr *in = &p->instr[i];
    rp->first_out[i] = -1;
    int leaf = transcendental(in->op), last = 1;
    for (int a = 0; a < 3; a++) {
      const int r = a == 0 ? in->a : a == 1 ? in->b : in->c;
      if (r >= p->n_inputs && !p->reg_const[r]) leaf = 0;
    }
    for (int j = i + 1; j < p->n_instr; j++) last &= p->instr[j].dst != in->dst;
    for (int o = 0; leaf && last && o < p->n_outputs && rp->first_out[i] < 0; o++) {
      if (p->out_reg[o] == in->dst && contiguous(layout, o)) rp->first_out[i] = o;
    }
    if (rp->first_out[i] >= 0) firsts++;
    else later += transcendental(in->op);
  }
  rp->split = firsts > 0 && later > 0;
  return 0;
}

/* The masks of the vector at e, whose first element is column `col` of its row. */
static void emit_masks(text *t, const char *col) {
  append(t, "    const int64_t take = total - e < 16 ? total - e : 16;\n");
  append(t, "    const int64_t len1 = width - %s < take ? width - %s : take;\n", col, col);
  append(t, "    const __mmask16 m1 = (__mmask16)((1u << len1) - 1);\n");
  append(t, "    const __mmask16 m2 = (__mmask16)(((1u << take) - 1) & ~((1u << len1) - 1));\n");
  append(t, "    const __mmask16 m = (__mmask16)((1u << take) - 1);\n");
  append(t, "    (void)m, (void)m1, (void)m2;\n");
}

/* A walk function's head: its signature, the operands' pointers and strides, the sums', the
 * constants; for the walk of two passes also the first pass's row pointers q of the strided
 * inputs it reads, and its column col1. */
static void emit_walk_head(text *t, const lab_ew_attrs *p, int64_t layout, const char *name, const rows_passes *rp) {
  append(t, "static LAB_AVX512 inline __attribute__((always_inline)) void %s(\n"
            "    int64_t rows, float *const *base, const int64_t *stride, double *const *sums, const int prefetch) {\n", name);
  /* the step's width, which its calls all pass: a constant unrolls the sums' rows and the masks */
  append(t, "  const int64_t width = %lld;\n", (long long)(layout >> 32));
  for (int o = 0; o < p->n_outputs; o++) {
    append(t, "  float *o%d = base[%d];\n", o, o);
    if (!contiguous(layout, o)) append(t, "  const int64_t so%d = stride[%d];\n", o, o);
    append(t, "  double *const sum%d = sums ? sums[%d] : NULL;\n  const float *sum_row%d = base[%d];\n", o, o, o, o);
  }
  for (int k = 0; k < p->n_inputs; k++) {
    if (!p->input_used[k]) continue;
    const int strided = !contiguous(layout, p->n_outputs + k);
    /* r: a contiguous input's start, or a strided one's row in the only or second pass */
    if (!rp || !strided || input_read(p, rp, SECOND_PASS, k)) append(t, "  const float *r%d = base[%d];\n", k, p->n_outputs + k);
    if (!strided) continue;
    append(t, "  const int64_t s%d = stride[%d];\n", k, p->n_outputs + k);
    if (rp && input_read(p, rp, FIRST_PASS, k)) append(t, "  const float *q%d = base[%d];\n", k, p->n_outputs + k);
  }
  append(t, "  (void)stride;\n");
  emit_constants(t, p);
  append(t, "  const int64_t total = rows * width;\n  int64_t col = 0, stored = 0, summed = 0;\n");
  if (rp) append(t, "  int64_t col1 = 0;\n");
}

/* The end of a vector of the walk (its only or second pass): the next column; at a row's end, the
 * strided operands' next rows (the inputs that pass reads), and the sums of the row stored two
 * rows before. */
static void emit_vector_end(text *t, const lab_ew_attrs *p, int64_t layout, walk_pass pass, const rows_passes *rp) {
  append(t, "    col += 16;\n    if (col >= width) {\n      col -= width;\n");
  for (int o = 0; o < p->n_outputs; o++) {
    if (!contiguous(layout, o)) append(t, "      o%d += so%d;\n", o, o);
  }
  for (int k = 0; k < p->n_inputs; k++) {
    if (input_read(p, rp, pass, k) && !contiguous(layout, p->n_outputs + k)) append(t, "      r%d += s%d;\n", k, k);
  }
  /* A row is summed two rows after it was stored: by then its masked stores have left the store
   * buffer, so the row's loads do not wait on failed store forwarding. */
  append(t, "      if (sums && ++stored > 2) {\n");
  emit_sum_row(t, p, layout, "        ");
  append(t, "        summed++;\n      }\n    }\n");
}

/* The loop over the vectors from `from` to `to` that stores the outputs, moves the rows on and
 * sums them: the whole walk (pass WHOLE), or its second pass over a block. */
static void emit_vector_loop(text *t, const lab_ew_attrs *p, int64_t layout, const char *from, const char *to,
                             walk_pass pass, const rows_passes *rp) {
  append(t, "  for (int64_t e = %s; e < %s; e += 16) {\n", from, to);
  emit_masks(t, "col");
  emit_body(t, p, ROWS, layout, pass, rp);
  emit_vector_end(t, p, layout, pass, rp);
  append(t, "  }\n");
}

/* A walk's end: the rows not yet summed. */
static void emit_walk_tail(text *t, const lab_ew_attrs *p, int64_t layout) {
  append(t, "  for (; sums && summed < rows; summed++) {\n");
  emit_sum_row(t, p, layout, "    ");
  append(t, "  }\n}\n\n");
}

/* lab_ew_rows (a lab_ew_rows_fn) for one layout of the operands' rows: rows × width elements
 * straight from and to them, 16 at a time across row ends. An operand whose rows are contiguous
 * (its bit in `layout`) is one run of elements; the others take a vector's first lanes from the
 * rest of the current row (mask m1) and the others from the start of the next (mask m2, read at
 * an address len1 elements before it so that lane j finds element j − len1), each through a
 * pointer to its current row. width ≥ 16, so a vector spans at most two rows. With `prefetch`,
 * each contiguous input is prefetched LAB_EW_PREFETCH_AHEAD elements ahead of its loads, and each
 * contiguous output, for writing, LAB_EW_PREFETCH_WRITE_AHEAD ahead of its stores. Where
 * the walk splits in two passes (rows_passes), it takes them unless an output of the first pass is
 * the very view of an input the second reads (an update in place: the second would read the new
 * values), and one pass then. */
static void emit_rows_function(text *t, const lab_ew_attrs *p, int64_t layout) {
  rows_passes rp;
  if (plan_passes(p, layout, &rp) != 0) {
    t->failed = 1;
    return;
  }
  /* each walk inlined twice: with its prefetches and without (no test of `prefetch` in the loop) */
  emit_walk_head(t, p, layout, "lab_ew_rows_walk", NULL);
  emit_vector_loop(t, p, layout, "0", "total", WHOLE, &rp);
  emit_walk_tail(t, p, layout);
  if (rp.split) {
    emit_walk_head(t, p, layout, "lab_ew_rows_walk_two_passes", &rp);
    append(t, "  for (int64_t block = 0; block < total; block += LAB_EW_PASS_BLOCK) {\n"
              "  const int64_t block_end = total - block < LAB_EW_PASS_BLOCK ? total : block + LAB_EW_PASS_BLOCK;\n");
    append(t, "  for (int64_t e = block; e < block_end; e += 16) {\n");
    emit_masks(t, "col1");
    emit_body(t, p, ROWS, layout, FIRST_PASS, &rp);
    append(t, "    col1 += 16;\n    if (col1 >= width) {\n      col1 -= width;\n");
    for (int k = 0; k < p->n_inputs; k++) {
      if (input_read(p, &rp, FIRST_PASS, k) && !contiguous(layout, p->n_outputs + k)) append(t, "      q%d += s%d;\n", k, k);
    }
    append(t, "    }\n  }\n");
    emit_vector_loop(t, p, layout, "block", "block_end", SECOND_PASS, &rp);
    append(t, "  }\n");
    emit_walk_tail(t, p, layout);
  }
  append(t, "LAB_AVX512 void lab_ew_rows(int64_t rows, int64_t row_width, float *const *base, const int64_t *stride,\n"
            "                            double *const *sums, int prefetch) {\n"
            "  (void)row_width;\n");
  if (rp.split) {
    append(t, "  const int two_passes = 1");
    for (int o = 0; o < p->n_outputs; o++) {
      for (int k = 0; stored_first(p, &rp, o) && k < p->n_inputs; k++) {
        if (input_read(p, &rp, SECOND_PASS, k)) append(t, " && base[%d] != base[%d]", o, p->n_outputs + k);
      }
    }
    append(t, ";\n"
              "  if (two_passes && prefetch) lab_ew_rows_walk_two_passes(rows, base, stride, sums, 1);\n"
              "  else if (two_passes) lab_ew_rows_walk_two_passes(rows, base, stride, sums, 0);\n"
              "  else ");
  } else {
    append(t, "  ");
  }
  append(t, "if (prefetch) lab_ew_rows_walk(rows, base, stride, sums, 1);\n"
            "  else lab_ew_rows_walk(rows, base, stride, sums, 0);\n"
            "}\n");
  free(rp.first_out);
}

char *lab_ew_codegen_source(const lab_ew_attrs *p, int64_t rows_layout) {
  text t = {0};
  append(&t, "/* An elementwise composite of Curriculum Lab's engine, generated by "
             "native/kernels/elementwise_codegen.c. */\n");
  append(&t, "#include <stdint.h>\n#include \"elementwise_lanes.h\"\n\n");
  emit_tile_function(&t, p);
  if (rows_layout >= 0) emit_rows_function(&t, p, rows_layout);
  if (t.failed) {
    free(t.s);
    return NULL;
  }
  return t.s;
}
