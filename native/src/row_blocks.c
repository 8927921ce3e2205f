#include "row_blocks.h"

#include <stdlib.h>

#include "row_block_steps.h"

#include "../kernels/common.h"
#include "../kernels/elementwise.h"
#include "../kernels/gemm/gemm.h"
#include "../kernels/reduce.h"
#include "composite_sums.h"

/* A block's rows are about this many bytes of what the chain's steps write (MNIST's forward
 * time step writes ~2.4 KiB a row: 204 rows, which CHAIN_MIN_ROWS below raises to 768), a
 * multiple of CHAIN_ROW_UNIT rows, which every gemm micro-kernel's MR divides, and of the
 * weight gradients' k-pieces where the chain has them: MNIST's backward pass, ~20 KiB a row
 * over its twenty time steps, takes the least such multiple, 768 rows (1,536 and 3,072 measured
 * 0-5 % slower). */
#define CHAIN_BLOCK_BYTES (512 << 10)
#define CHAIN_ROW_UNIT 12
/* and at least this many rows: each block's step pays its bookkeeping (the views cut, the kernel's
 * checks and plan: ~0.3 µs), which MNIST's forward time steps, 204-row blocks of ten steps, paid
 * 78 times a step. From 768 rows (384 and 1,536 measured alike) the meta-iteration took 1.2-2 %
 * less time (programs of either rule alternated in one process, three pairs each). */
#define CHAIN_MIN_ROWS 768
/* Chains whose largest operand is smaller stay apart: it stays in L2 between whole steps (the
 * quadratics' 400 KiB gates gained nothing). */
#define CHAIN_MIN_BYTES (1 << 20)
#define CHAIN_MAX_SUMS 4096 /* float64 accumulators of a chain's reduces (MNIST's backward chain: 3,040) */
#define CHAIN_MAX_GEMM_SUM_BYTES 32768 /* accumulators of its small-m gemms over k */
#define CHAIN_END_LOOKBACK 16 /* the ends chain_end weighs: an unrolled time step is ~12 steps */

/* Whether two overlapping views meet only within the same rows: row r of one overlaps no row of
 * the other but its row r (the same pitch, both rows inside one pitch of bytes). */
static int same_rows(const lab_tensor *x, int cut_x, const lab_tensor *y, int cut_y) {
  intptr_t lo[2], hi[2], pitch[2];
  if (cut_x < 0 || cut_y < 0 || !lab_chain_row_window(x, cut_x, &lo[0], &hi[0], &pitch[0]) ||
      !lab_chain_row_window(y, cut_y, &lo[1], &hi[1], &pitch[1]) || pitch[0] != pitch[1]) {
    return 0;
  }
  const intptr_t from = lo[0] < lo[1] ? lo[0] : lo[1], to = hi[0] > hi[1] ? hi[0] : hi[1];
  return to - from <= pitch[0];
}

/* One operand of a chain: its view and how the chain uses it. */
typedef struct operand {
  const lab_tensor *t;
  int cut;     /* the axis it is cut along, or -1 (whole) */
  int written; /* 1: block by block; 2: a sum over the blocks (a reduce's output, a gemm over k's Z) */
} operand;

/* Whether operands x and y can be in one chain (at least one of them written). */
static int compatible(const operand *x, const operand *y) {
  if (!x->written && !y->written) return 1;
  if (lab_views_disjoint(x->t, y->t)) return 1;
  if (x->written == 2 || y->written == 2) return 0;
  return same_rows(x->t, x->cut, y->t, y->cut);
}

/* The bytes of a gemm over k's accumulators on the small-m path, 64-byte aligned (0 on the
 * driver's path, which sums in Z). */
static int64_t small_m_sum_bytes(const lab_step *s, const lab_tensor *t) {
  const int64_t n = lab_gemm_small_m_sums(t, s->n_inputs, &t[s->n_inputs], s->attrs);
  return (n * (int64_t)lab_dtype_size(t[s->n_inputs].dtype) + 63) & ~(int64_t)63;
}

/* A later block's gemm over k: accumulating into Z in place. */
static lab_gemm_attrs accumulating(const lab_step *s) {
  lab_gemm_attrs attrs = *(const lab_gemm_attrs *)s->attrs;
  attrs.beta = 1;
  return attrs;
}

/* Whether a gemm takes its whole product's path on every block: a block of `rows` rows and the
 * last, of `last`; a gemm over k as a later block (accumulating) too, and in pieces of the driver
 * that every block holds whole. */
static int gemm_path_kept(const lab_step *s, step_kind kind, const lab_tensor *t, int64_t rows, int64_t last) {
  const int whole = lab_gemm_route(t, s->n_inputs, &t[s->n_inputs], s->attrs);
  if (whole < 0) return 0;
  /* the small-m path's sums run through the blocks' rows in order whatever their size */
  if (kind == KIND_GEMM_OVER_K && lab_gemm_small_m_sums(t, s->n_inputs, &t[s->n_inputs], s->attrs) > 0) return 1;
  if (kind == KIND_GEMM_OVER_K) {
    const int64_t piece = lab_gemm_k_piece(t, s->n_inputs, &t[s->n_inputs], s->attrs);
    if (piece == 0 || rows % piece != 0 || last < piece) return 0;
  }
  const int64_t sizes[2] = {rows, last};
  for (int b = 0; b < 2; b++) {
    lab_tensor part[4];
    for (int32_t k = 0; k <= s->n_inputs; k++) {
      part[k] = t[k];
      const int cut = lab_chain_cut_axis(s, kind, k, &t[k]);
      if (cut >= 0) part[k].shape[cut] = sizes[b];
    }
    if (lab_gemm_route(part, s->n_inputs, &part[s->n_inputs], s->attrs) != whole) return 0;
    if (kind == KIND_GEMM_OVER_K) {
      const lab_gemm_attrs attrs = accumulating(s);
      part[2] = t[s->n_inputs];
      part[3] = t[s->n_inputs];
      if (lab_gemm_route(part, 3, &part[3], &attrs) != whole) return 0;
    }
  }
  return 1;
}

/* Where a chain of `steps` steps ends that the next step of the same rows cannot join, because
 * it conflicts with the chain's steps up to `after` (it writes what they sum, or they sum what
 * it writes: an unrolled backward pass's next time step adding to the same weight gradients).
 * Ending anywhere from `after` on lets that step start the next chain; of those ends, the one
 * that leaves the least for memory — the bytes that steps after the end (up to that next step,
 * its operands from ops[first_view[steps]] to ops[n_ops]) read of what steps before it wrote,
 * each read counted. Ending where the greedy chain stops would send a gradient the chain has
 * just made (MNIST's second-layer dz, 5 MB) out to memory for that step; ending a few steps
 * earlier, at the time step's boundary, sends only the 1.3 MB state gradients. Ties go to the
 * longer chain. */
static int32_t quietest_end(const operand *ops, const int32_t *first_view, int32_t after, int32_t steps,
                            int32_t n_ops) {
  int32_t best = steps;
  int64_t best_bytes = INT64_MAX;
  for (int32_t end = steps; end >= 2 && end >= after; end--) {
    int64_t bytes = 0;
    for (int32_t q = first_view[end]; q < n_ops; q++) {
      if (ops[q].written) continue;
      for (int32_t w = 0; w < first_view[end]; w++) {
        if (ops[w].written == 1 && !lab_views_disjoint(ops[w].t, ops[q].t)) {
          bytes += lab_chain_view_bytes(ops[q].t);
          break;
        }
      }
    }
    if (bytes < best_bytes) {
      best = end;
      best_bytes = bytes;
    }
  }
  return best;
}

/* The chain starting at step i: its step count (0 for none) and in *rows a block's rows. */
static int32_t chain_find(const lab_program *p, int32_t i, int64_t *rows) {
  lab_tensor *views = p->chain_views;
  operand ops[LAB_ROW_CHAIN_MAX_VIEWS];
  int32_t first_view[LAB_ROW_CHAIN_MAX_STEPS + 1] = {0};
  int32_t steps = 0, n_views = 0, sums = 0;
  int64_t m = 0, gemm_sum_bytes = 0;
  for (int32_t j = i; j < p->n_steps && steps < LAB_ROW_CHAIN_MAX_STEPS; j++) {
    const lab_step *s = &p->steps[j];
    const int32_t n = s->n_inputs + s->n_outputs;
    if (!s->fn || n_views + n > LAB_ROW_CHAIN_MAX_VIEWS) break;
    lab_tensor *t = views + n_views;
    lab_program_bind_step(p, s, t);
    if (steps == 0) m = lab_chain_rows_of(s, lab_chain_kind_of(s, t, 0), t);
    const step_kind kind = lab_chain_kind_of(s, t, m);
    if (kind == KIND_OTHER || m < 2 * CHAIN_ROW_UNIT || !lab_chain_step_fits(s, kind, t)) break;
    if (kind == KIND_REDUCE && sums + t[0].shape[1] > CHAIN_MAX_SUMS) break;
    const int64_t gemm_sum = kind == KIND_GEMM_OVER_K ? small_m_sum_bytes(s, t) : 0;
    if (gemm_sum_bytes + gemm_sum > CHAIN_MAX_GEMM_SUM_BYTES) break;
    int fits = 1;
    for (int32_t k = 0; k < n; k++) {
      operand *o = &ops[n_views + k];
      o->t = &t[k];
      o->cut = lab_chain_cut_axis(s, kind, k, &t[k]);
      o->written = k < s->n_inputs ? 0 : kind == KIND_REDUCE || kind == KIND_GEMM_OVER_K ? 2 : 1;
      if (o->cut >= 0 && (t[k].ndim <= o->cut || t[k].shape[o->cut] != m)) fits = 0;
      intptr_t lo, hi, pitch;
      if (o->written == 1 && (o->cut < 0 || !lab_chain_row_window(&t[k], o->cut, &lo, &hi, &pitch))) fits = 0;
    }
    if (!fits) break;
    int32_t last_conflict = -1; /* the chain's last step this one cannot be chained with */
    for (int32_t k = 0; k < n; k++) {
      for (int32_t q = 0, step = 0; q < n_views + k; q++) {
        /* a gemm over k adding to its own Z (C is Z): its blocks add in turn, as the pieces would */
        const int own_c = kind == KIND_GEMM_OVER_K && q == n_views + 2 && k == s->n_inputs && lab_chain_same_view(&t[k], &t[2]);
        while (step < steps && first_view[step + 1] <= q) step++;
        if (!own_c && !compatible(&ops[n_views + k], &ops[q]) && step > last_conflict) last_conflict = step;
      }
    }
    if (last_conflict >= 0) { /* a step of the same rows that cannot join: where to end is the chain's choice */
      steps = quietest_end(ops, first_view, last_conflict + 1, steps, n_views + n);
      break;
    }
    n_views += n;
    first_view[++steps] = n_views;
    if (kind == KIND_REDUCE) sums += (int32_t)t[0].shape[1];
    gemm_sum_bytes += gemm_sum;
  }
  while (steps >= 2) {
    int64_t largest = 0, written = 0;
    for (int32_t k = 0; k < first_view[steps]; k++) {
      intptr_t lo, hi, pitch;
      if (ops[k].written == 1 && lab_chain_row_window(ops[k].t, ops[k].cut, &lo, &hi, &pitch)) written += hi - lo;
      const int64_t bytes = lab_chain_view_bytes(ops[k].t);
      if (bytes > largest) largest = bytes;
    }
    if (largest < CHAIN_MIN_BYTES || written == 0) return 0;
    /* blocks of whole rows for the micro-kernels, and of whole k-pieces for a gemm over k */
    int64_t unit = CHAIN_ROW_UNIT;
    for (int32_t j = 0; j < steps; j++) {
      const lab_step *s = &p->steps[i + j];
      const lab_tensor *t = views + first_view[j];
      if (lab_chain_kind_of(s, t, m) != KIND_GEMM_OVER_K) continue;
      const int64_t piece = lab_gemm_k_piece(t, s->n_inputs, &t[s->n_inputs], s->attrs);
      if (piece > 0 && unit % piece != 0) unit = unit / lab_gcd(unit, piece) * piece;
    }
    int64_t r = CHAIN_BLOCK_BYTES / written;
    if (r < CHAIN_MIN_ROWS) r = CHAIN_MIN_ROWS;
    r = r < unit ? unit : r - r % unit;
    if (m < 2 * r) return 0;
    const int64_t last = m - ((m - 1) / r) * r;
    int32_t j = 0;
    for (; j < steps; j++) {
      const lab_step *s = &p->steps[i + j];
      const lab_tensor *t = views + first_view[j];
      const step_kind kind = lab_chain_kind_of(s, t, m);
      if ((kind == KIND_GEMM || kind == KIND_GEMM_OVER_K) && !gemm_path_kept(s, kind, t, r, last)) break;
    }
    if (j == steps) {
      *rows = r;
      return steps;
    }
    steps = j; /* the chain up to the gemm whose blocks would sum in another order */
  }
  return 0;
}

/* ---- Block-local buffers ----
 * A temp buffer that a chain writes, reads back only within the same block's rows, and leaves
 * dead (the next step to touch it overwrites all of it) needs no memory of its own beyond one
 * block: its rows live in a block-sized slot of the program's chain scratch, the same slot for
 * every block, so they stay in L1/L2 and never go out to memory. MNIST's gates z = x·W + b
 * (5 MB a layer and time step) and the backward's dh = dz·Wᵀ are such buffers. */

/* A row's most elements for a block-local buffer (its written elements are tracked per row). */
#define LOCAL_ROW_ELEMENTS 4096

/* Whether a view reaches each element at most once: its axes, sorted by stride, each step past
 * everything the inner ones reach. */
static int view_injective(const lab_view *v) {
  int64_t stride[LAB_MAX_NDIM], extent[LAB_MAX_NDIM];
  int n = 0;
  for (int32_t d = 0; d < v->ndim; d++) {
    if (v->shape[d] == 0) return 1;
    if (v->shape[d] == 1) continue;
    if (v->strides[d] <= 0) return 0;
    int at = n++;
    for (; at > 0 && stride[at - 1] > v->strides[d]; at--) {
      stride[at] = stride[at - 1];
      extent[at] = extent[at - 1];
    }
    stride[at] = v->strides[d];
    extent[at] = v->shape[d];
  }
  int64_t reach = 0; /* the largest offset the inner axes reach */
  for (int k = 0; k < n; k++) {
    if (stride[k] <= reach) return 0;
    reach += (extent[k] - 1) * stride[k];
  }
  return 1;
}

static int64_t view_elements(const lab_view *v) {
  int64_t n = 1;
  for (int32_t d = 0; d < v->ndim; d++) n *= v->shape[d];
  return n;
}

/* Whether what the chain at steps [i, i + steps) leaves in buffer b is never read: the first
 * step after it to touch b — on to the program's end and, in the next run, up to the chain —
 * only writes b, through views that together cover each of its elements once: each view
 * injective, no two sharing an element (their bounds apart, or column windows of the same rows
 * that do not meet, like the four gate windows a backward cell composite writes dz through),
 * their elements as many as b's. Where the chain itself reads b before it writes it (`rewritten`),
 * such a step must exist: no step touching b at all would leave the next run's chain reading what
 * this one left. */
static int dead_after(const lab_program *p, int32_t i, int32_t steps, int32_t b, int rewritten) {
  for (int32_t q = 0; q < p->n_steps - steps; q++) {
    const lab_step *s = &p->steps[(i + steps + q) % p->n_steps];
    int64_t covered = 0;
    int touched = 0;
    for (int32_t k = 0; k < s->n_inputs + s->n_outputs; k++) {
      if (s->views[k].buffer != b) continue;
      if (k < s->n_inputs || !view_injective(&s->views[k])) return 0;
      touched = 1;
      covered += view_elements(&s->views[k]);
    }
    if (!touched) continue;
    lab_program_bind_step(p, s, p->tensors);
    for (int32_t k = s->n_inputs; k < s->n_inputs + s->n_outputs; k++) {
      for (int32_t l = k + 1; l < s->n_inputs + s->n_outputs; l++) {
        const lab_tensor *x = &p->tensors[k], *y = &p->tensors[l];
        if (s->views[k].buffer == b && s->views[l].buffer == b && !lab_views_disjoint(x, y) &&
            !lab_views_interleaved_disjoint(x, y)) {
          return 0;
        }
      }
    }
    return covered == p->buffers[b].size;
  }
  return !rewritten;
}

/* Marks (write) or checks (read) in `written` the elements of row 0 that view t of buffer b
 * reaches, cut along axis `cut`; returns 0 when a read meets an element not written before. */
static int row_elements(const lab_tensor *t, int cut, const char *base, uint8_t *written, int write) {
  const int64_t size = (int64_t)lab_dtype_size(t->dtype);
  int64_t index[LAB_MAX_NDIM] = {0};
  const int64_t first = ((const char *)t->data - base) / size;
  for (;;) {
    int64_t e = first;
    for (int32_t d = 0; d < t->ndim; d++) e += index[d] * t->strides[d];
    if (write) written[e] = 1;
    else if (!written[e]) return 0;
    int32_t d = t->ndim - 1;
    for (; d >= 0; d--) {
      if (d == cut) continue;
      if (++index[d] < t->shape[d]) break;
      index[d] = 0;
    }
    if (d < 0) return 1;
  }
}

/* The chain-relative index of the first of the chain's `steps` steps from step i that writes
 * buffer b (steps when none does). */
static int32_t first_write_of(const lab_program *p, int32_t i, int32_t steps, int32_t b) {
  for (int32_t j = 0; j < steps; j++) {
    const lab_step *s = &p->steps[i + j];
    for (int32_t k = s->n_inputs; k < s->n_inputs + s->n_outputs; k++) {
      if (s->views[k].buffer == b) return j;
    }
  }
  return steps;
}

/* Whether the chain's steps from step i up to its step `first_write`, that step's inputs included,
 * read buffer b. */
static int read_first(const lab_program *p, int32_t i, int32_t first_write, int32_t b) {
  for (int32_t j = 0; j <= first_write; j++) {
    const lab_step *s = &p->steps[i + j];
    for (int32_t k = 0; k < s->n_inputs; k++) {
      if (s->views[k].buffer == b) return 1;
    }
  }
  return 0;
}

/* The chain-relative index of the last of the chain's `steps` steps from step i that reads or
 * writes buffer b. */
static int32_t last_step_of(const lab_program *p, int32_t i, int32_t steps, int32_t b) {
  for (int32_t j = steps - 1; j > 0; j--) {
    const lab_step *s = &p->steps[i + j];
    for (int32_t k = 0; k < s->n_inputs + s->n_outputs; k++) {
      if (s->views[k].buffer == b) return j;
    }
  }
  return 0;
}

/* The row pitch in bytes at which the chain at step i (its views bound in `views`, step j's from
 * first_view[j]) can keep buffer b block-local from its first write in the chain on, or 0: b is
 * a temp the caller does not read after the run; every view of it from that write on is cut
 * along the rows at that pitch, inside the first pitch of bytes; every element such a view reads
 * was written by an earlier step of the chain (row by row, the same for every row); and what the
 * chain leaves in it is dead. Before that write the chain may read b as it is: the memory planner
 * gave b to an earlier value first (in an unrolled backward pass, a saved forward array whose
 * last reader comes before the state gradient that then lives in b). */
static int64_t local_pitch(const lab_program *p, int32_t i, int32_t steps, int64_t m, int32_t b,
                           const lab_tensor *views, const int32_t *first_view) {
  if (p->buffers[b].role != LAB_ROLE_TEMP || p->buffers[b].returned) return 0;
  const int64_t size = (int64_t)lab_dtype_size(p->buffers[b].dtype);
  const char *base = p->base[b];
  uint8_t written[LOCAL_ROW_ELEMENTS] = {0};
  intptr_t pitch = 0;
  const int32_t first_write = first_write_of(p, i, steps, b);
  for (int32_t j = first_write; j < steps; j++) {
    const lab_step *s = &p->steps[i + j];
    const lab_tensor *t = views + first_view[j];
    const step_kind kind = lab_chain_kind_of(s, t, m);
    for (int32_t k = 0; k < s->n_inputs + s->n_outputs; k++) { /* inputs first: in place reads before it writes */
      if (s->views[k].buffer != b || (j == first_write && k < s->n_inputs)) continue;
      const int cut = lab_chain_cut_axis(s, kind, k, &t[k]);
      intptr_t lo, hi, row_pitch;
      if (cut < 0 || !lab_chain_row_window(&t[k], cut, &lo, &hi, &row_pitch)) return 0;
      if (pitch == 0) pitch = row_pitch;
      if (row_pitch != pitch || pitch % size != 0 || pitch / size > LOCAL_ROW_ELEMENTS || lo < (intptr_t)base ||
          hi > (intptr_t)base + pitch) {
        return 0;
      }
      int64_t per_row = 1;
      for (int32_t d = 0; d < t[k].ndim; d++) per_row *= d == cut ? 1 : t[k].shape[d];
      if (per_row > LOCAL_ROW_ELEMENTS) return 0;
      if (!row_elements(&t[k], cut, base, written, k >= s->n_inputs)) return 0;
    }
  }
  return pitch > 0 && dead_after(p, i, steps, b, read_first(p, i, first_write, b)) ? (int64_t)pitch : 0;
}

/* Binds the views of the chain at step i into p->chain_views, step j's from first_view[j]; returns
 * the rows it works along. */
static int64_t chain_bind(lab_program *p, int32_t i, int32_t steps, int32_t *first_view) {
  first_view[0] = 0;
  for (int32_t j = 0; j < steps; j++) {
    const lab_step *s = &p->steps[i + j];
    lab_program_bind_step(p, s, p->chain_views + first_view[j]);
    first_view[j + 1] = first_view[j] + s->n_inputs + s->n_outputs;
  }
  return lab_chain_rows_of(&p->steps[i], lab_chain_kind_of(&p->steps[i], p->chain_views, 0), p->chain_views);
}

/* The bytes a row of the chain's steps from step i writes into buffer b from its step
 * `first_write` on: what keeping b block-local keeps out of memory. */
static int64_t row_bytes_written(const lab_program *p, int32_t i, int32_t steps, int32_t first_write, int32_t b,
                                 const lab_tensor *views, const int32_t *first_view, int64_t m) {
  int64_t bytes = 0;
  for (int32_t j = first_write; j < steps; j++) {
    const lab_step *s = &p->steps[i + j];
    const lab_tensor *t = views + first_view[j];
    for (int32_t k = s->n_inputs; k < s->n_inputs + s->n_outputs; k++) {
      intptr_t lo, hi, pitch;
      const int cut = lab_chain_cut_axis(s, lab_chain_kind_of(s, t, m), k, &t[k]);
      if (s->views[k].buffer == b && cut >= 0 && lab_chain_row_window(&t[k], cut, &lo, &hi, &pitch)) bytes += hi - lo;
    }
  }
  return bytes;
}

/* Finds the buffers the chain of `steps` steps at step i (blocks of `rows`) keeps block-local.
 * With `record`, notes them and their slots in p and returns the scratch bytes they need (out of
 * memory, it keeps what it has); without, returns the bytes a row of the chain writes into them. */
static int64_t plan_locals(lab_program *p, int32_t i, int32_t steps, int64_t rows, int record) {
  int32_t first_view[LAB_ROW_CHAIN_MAX_STEPS + 1];
  const int64_t m = chain_bind(p, i, steps, first_view);
  const int32_t first = p->n_chain_locals;
  int32_t seen[LAB_ROW_CHAIN_MAX_VIEWS], n_seen = 0;
  /* The scratch's slots: where each starts, its bytes and the last step of the buffer in it. A
   * buffer takes the smallest slot large enough whose last buffer is done before its first write
   * (found in the order of first writes), else a new one: an unrolled backward pass's state
   * gradients, one buffer a time step, share a few slots instead of one each. */
  int64_t slot_at[LAB_ROW_CHAIN_MAX_VIEWS], slot_bytes[LAB_ROW_CHAIN_MAX_VIEWS];
  int32_t slot_done[LAB_ROW_CHAIN_MAX_VIEWS], n_slots = 0;
  int64_t bytes = 0, kept = 0;
  for (int32_t j = 0; j < steps; j++) {
    const lab_step *s = &p->steps[i + j];
    for (int32_t k = s->n_inputs; k < s->n_inputs + s->n_outputs; k++) {
      const int32_t b = s->views[k].buffer;
      int known = 0;
      for (int32_t q = 0; q < n_seen && !known; q++) known = seen[q] == b;
      if (known) continue;
      seen[n_seen++] = b;
      const int64_t pitch = local_pitch(p, i, steps, m, b, p->chain_views, first_view);
      if (pitch == 0) continue;
      if (!record) {
        kept += row_bytes_written(p, i, steps, j, b, p->chain_views, first_view, m);
        continue;
      }
      lab_chain_local *grown = realloc(p->chain_locals, sizeof *grown * (size_t)(p->n_chain_locals + 1));
      if (!grown) break;
      p->chain_locals = grown;
      const int64_t need = (rows * pitch + 63) & ~(int64_t)63;
      int32_t slot = -1;
      for (int32_t q = 0; q < n_slots; q++) {
        if (slot_done[q] < j && slot_bytes[q] >= need && (slot < 0 || slot_bytes[q] < slot_bytes[slot])) slot = q;
      }
      if (slot < 0) {
        slot = n_slots++;
        slot_at[slot] = bytes;
        slot_bytes[slot] = need;
        bytes += need;
      }
      slot_done[slot] = last_step_of(p, i, steps, b);
      p->chain_locals[p->n_chain_locals++] = (lab_chain_local){b, j, slot_at[slot]};
    }
  }
  if (!record) return kept;
  p->chain_local_first[i] = first;
  p->chain_local_count[i] = p->n_chain_locals - first;
  return bytes;
}

/* Where the chain that chain_find gave `steps` steps ends: of its last CHAIN_END_LOOKBACK ends,
 * the one whose block-local buffers keep the most bytes out of memory (ties to the longer). The
 * step after a chain's end can decide what stays block-local: MNIST's backward pass would end
 * inside the first time step's, whose last steps read the gate gradients dz that the chain
 * writes (5 MB a time step and layer) — that end keeps dz out of memory for no time step; ending
 * at that time step's start keeps it for the nineteen before. */
static int32_t chain_end(lab_program *p, int32_t i, int32_t steps, int64_t rows) {
  int32_t best = steps;
  int64_t best_kept = plan_locals(p, i, steps, rows, 0);
  for (int32_t end = steps - 1; end >= 2 && end >= steps - CHAIN_END_LOOKBACK; end--) {
    const int64_t kept = plan_locals(p, i, end, rows, 0);
    if (kept > best_kept) {
      best = end;
      best_kept = kept;
    }
  }
  return best;
}

int32_t lab_row_chain_locals(const lab_program *p, int32_t *out, int32_t cap) {
  int32_t n = 0;
  for (int32_t k = 0; k < p->n_chain_locals; k++) {
    int known = 0;
    for (int32_t q = 0; q < n && !known; q++) known = out[q] == p->chain_locals[k].buffer;
    if (!known && n < cap) out[n++] = p->chain_locals[k].buffer;
  }
  return n;
}

void lab_row_chains_plan(lab_program *p) {
  if (p->chain_threads == p->rt.threads && p->chain_isa == p->rt.isa) return;
  p->chain_threads = p->rt.threads;
  p->chain_isa = p->rt.isa;
  memset(p->chain_steps, 0, sizeof *p->chain_steps * (size_t)p->n_steps);
  memset(p->chain_local_count, 0, sizeof *p->chain_local_count * (size_t)p->n_steps);
  p->n_chain_locals = 0;
  free(p->chain_scratch);
  p->chain_scratch = NULL;
  if (p->rt.threads != 1) return;
  int64_t scratch = 0;
  for (int32_t i = 0; i < p->n_steps; i++) {
    int64_t rows = 0;
    int32_t steps = chain_find(p, i, &rows);
    if (steps < 2) continue;
    steps = chain_end(p, i, steps, rows);
    p->chain_steps[i] = steps;
    p->chain_rows[i] = rows;
    const int64_t bytes = plan_locals(p, i, steps, rows, 1);
    if (bytes > scratch) scratch = bytes;
    i += steps - 1;
  }
  if (scratch > 0) p->chain_scratch = aligned_alloc(64, (size_t)scratch);
  if (!p->chain_scratch) { /* no scratch: every buffer keeps its own rows */
    memset(p->chain_local_count, 0, sizeof *p->chain_local_count * (size_t)p->n_steps);
    p->n_chain_locals = 0;
  }
}

int32_t lab_row_chain_length(const lab_program *p, int32_t i) { return p->chain_steps[i]; }

/* A step's views for the block of n rows from r0: each operand cut along its axis (a block-local
 * buffer at its slot, local[k] when not NULL), the others whole. */
static void block_views(const lab_step *s, step_kind kind, const lab_tensor *t, char *const *local, int64_t r0,
                        int64_t n, lab_tensor *part) {
  for (int32_t k = 0; k < s->n_inputs + s->n_outputs; k++) {
    part[k] = t[k];
    const int cut = lab_chain_cut_axis(s, kind, k, &t[k]);
    if (cut < 0) continue;
    part[k].data = local[k] ? local[k] : (char *)t[k].data + r0 * t[k].strides[cut] * (int64_t)lab_dtype_size(t[k].dtype);
    part[k].shape[cut] = n;
  }
}

/* Step s (views t) on one block of rows from r0 (its views `part`): a reduce adds the block's rows
 * to the chain's sums, a small-m product to its accumulators, a gemm over k after the first block
 * adds to Z; 0, or 1 with a message in err. */
static int run_block_step(const lab_step *s, step_kind kind, const lab_tensor *t, lab_tensor *part, int64_t r0,
                          void *small_m, double *sums, char *err, size_t err_len) {
  int32_t n_inputs = s->n_inputs;
  const void *attrs = s->attrs;
  lab_gemm_attrs accumulate;
  if (kind == KIND_GEMM_OVER_K && r0 > 0 && !small_m) { /* Z holds the blocks before: add to it */
    accumulate = accumulating(s);
    attrs = &accumulate;
    part[2] = t[s->n_inputs];
    part[3] = t[s->n_inputs];
    n_inputs = 3;
  }
  if (kind == KIND_REDUCE) {
    lab_reduce_rows_add(sums, &part[0]);
    return 0;
  }
  if (small_m) {
    lab_gemm_small_m_add(small_m, part, &t[s->n_inputs], attrs);
    return 0;
  }
  return s->fn(part, n_inputs, part + n_inputs, s->n_outputs, attrs, err, err_len) != 0;
}

/* Counts what the products took of `la`'s lines for the composite they were listed for; clears it. */
static void end_lookahead(lab_lookahead *la, lab_program *p) {
  if (la->step >= 0) p->lookahead_taken[la->chain + la->step] += la->taken;
  lab_lookahead_clear(la);
}

/* Which operands of the chain's composites the products before them prefetch, per view of the
 * chain (LOOKAHEAD_READ or _WRITE, else 0): a composite's operands along the rows that are not
 * block-local, not written earlier in the chain (in the caches), and, for an output, not over one
 * of its inputs (its lines come with them). The same for every block: marked once a run. */
enum { LOOKAHEAD_READ = 1, LOOKAHEAD_WRITE = 2 };
static void mark_lookahead(lab_program *p, int32_t i, int32_t steps, const step_kind *kinds,
                           const lab_tensor *views, const int32_t *first_view, char *const *local,
                           unsigned char *ahead) {
  memset(ahead, 0, (size_t)first_view[steps]);
  unsigned char *written = p->chain_written; /* by the chain's steps so far */
  memset(written, 0, (size_t)p->n_buffers);
  for (int32_t t = 0; t < steps; t++) {
    const lab_step *s = &p->steps[i + t];
    for (int32_t k = 0; t > 0 && kinds[t] == KIND_ELEMENTWISE && k < s->n_inputs + s->n_outputs; k++) {
      const int32_t v = first_view[t] + k, b = s->views[k].buffer;
      if (local[v] || written[b] || lab_chain_cut_axis(s, kinds[t], k, &views[v]) < 0) continue;
      int read = 0;
      for (int32_t q = 0; q < s->n_inputs && k >= s->n_inputs; q++) read |= s->views[q].buffer == b;
      if (!read) ahead[v] = k < s->n_inputs ? LOOKAHEAD_READ : LOOKAHEAD_WRITE;
    }
    for (int32_t o = s->n_inputs; o < s->n_inputs + s->n_outputs; o++) written[s->views[o].buffer] = 1;
  }
}

/* Lists in `la`, for the products from the chain's step j on (block r0, n rows), the lines of the
 * operands mark_lookahead chose of the chain's next composite, a buffer's column windows as one
 * range. Listed once a composite and block; the products between take them in turn
 * (lookahead.h). */
static void list_lookahead(lab_lookahead *la, lab_program *p, int32_t i, int32_t j, int32_t steps,
                           const step_kind *kinds, const lab_tensor *views, const int32_t *first_view,
                           const unsigned char *ahead, int64_t r0, int64_t n) {
  int32_t t = j + 1;
  while (t < steps && kinds[t] != KIND_ELEMENTWISE) t++;
  if (t >= steps || (la->chain == i && la->step == t && la->row == r0)) return;
  end_lookahead(la, p);
  la->chain = i, la->step = t, la->row = r0;
  const lab_step *s = &p->steps[i + t];
  int32_t buffer[LAB_LOOKAHEAD_RANGES];
  for (int32_t k = 0; k < s->n_inputs + s->n_outputs; k++) {
    const int32_t v = first_view[t] + k, b = s->views[k].buffer;
    intptr_t lo, hi, pitch;
    if (!ahead[v] || !lab_chain_row_window(&views[v], lab_chain_cut_axis(s, kinds[t], k, &views[v]), &lo, &hi, &pitch)) {
      continue;
    }
    const char *from = (const char *)((lo + (intptr_t)r0 * pitch) & ~(intptr_t)63);
    const char *to = (const char *)(lo + (intptr_t)(r0 + n - 1) * pitch + (hi - lo));
    int32_t r = 0;
    while (r < la->n && buffer[r] != b) r++;
    if (r == la->n) {
      if (la->n == LAB_LOOKAHEAD_RANGES) continue;
      la->n++, buffer[r] = b, la->from[r] = from, la->to[r] = to, la->writes[r] = ahead[v] == LOOKAHEAD_WRITE;
    }
    if (from < la->from[r]) la->from[r] = from;
    if (to > la->to[r]) la->to[r] = to;
  }
  for (int32_t r = 0; r < la->n; r++) p->lookahead_listed[i + t] += (la->to[r] - la->from[r] + 63) / 64;
  if (la->n > 0) la->next = la->from[0], la->end = la->to[0], la->write = la->writes[0];
}

int lab_row_chain_run(lab_program *p, int32_t i, int32_t *failed_step, char *err, size_t err_len,
                      double *step_seconds) {
  const int32_t steps = p->chain_steps[i];
  const int64_t rows = p->chain_rows[i];
  lab_tensor *views = p->chain_views;
  int32_t first_view[LAB_ROW_CHAIN_MAX_STEPS + 1] = {0}, first_sum[LAB_ROW_CHAIN_MAX_STEPS] = {0};
  step_kind kinds[LAB_ROW_CHAIN_MAX_STEPS] = {KIND_OTHER};
  double sums[CHAIN_MAX_SUMS];
  int32_t n_sums = 0;
  /* per step: its small-m accumulators in gemm_sums, or NULL */
  _Alignas(64) unsigned char gemm_sums[CHAIN_MAX_GEMM_SUM_BYTES];
  unsigned char *small_m[LAB_ROW_CHAIN_MAX_STEPS] = {NULL};
  int64_t gemm_sum_bytes = 0;
  const int64_t m = chain_bind(p, i, steps, first_view);
  /* per view: where a block-local buffer's view starts in its slot (every block the same), or NULL */
  char *local[LAB_ROW_CHAIN_MAX_VIEWS] = {NULL};
  const lab_chain_local *locals = p->chain_local_count[i] > 0 ? p->chain_locals + p->chain_local_first[i] : NULL;
  for (int32_t j = 0; j < steps; j++) {
    const lab_step *s = &p->steps[i + j];
    kinds[j] = lab_chain_kind_of(s, views + first_view[j], m);
    first_sum[j] = n_sums;
    if (kinds[j] == KIND_REDUCE) n_sums += (int32_t)views[first_view[j]].shape[1];
    const int64_t bytes = kinds[j] == KIND_GEMM_OVER_K ? small_m_sum_bytes(s, views + first_view[j]) : 0;
    if (bytes > 0) {
      small_m[j] = gemm_sums + gemm_sum_bytes;
      memset(small_m[j], 0, (size_t)bytes);
      gemm_sum_bytes += bytes;
    }
    for (int32_t k = 0; k < s->n_inputs + s->n_outputs; k++) {
      const int32_t b = s->views[k].buffer;
      for (int32_t q = 0; q < p->chain_local_count[i]; q++) {
        if (locals[q].buffer != b || j < locals[q].first_write || (j == locals[q].first_write && k < s->n_inputs)) continue;
        local[first_view[j] + k] = (char *)p->chain_scratch + locals[q].offset + ((char *)views[first_view[j] + k].data - (char *)p->base[b]);
      }
    }
  }
  memset(sums, 0, sizeof *sums * (size_t)n_sums);
  /* per step: whether it and the next are products of the same A or into the same Z, which the
   * gemm kernel may compute together (lab_gemm_pair_kernel) */
  int paired[LAB_ROW_CHAIN_MAX_STEPS] = {0};
  for (int32_t j = 0; j + 1 < steps; j++) {
    const lab_step *s1 = &p->steps[i + j];
    const lab_tensor *t1 = views + first_view[j], *t2 = views + first_view[j + 1], *z1 = &t1[s1->n_inputs];
    /* into the same Z, the first not adding to it (x·W + b, then Z += h·U) */
    const int same_z = lab_chain_same_view(z1, &t2[p->steps[i + j + 1].n_inputs]) &&
                       !(s1->n_inputs == 3 && lab_chain_same_view(&t1[2], z1));
    paired[j] = kinds[j] == KIND_GEMM && kinds[j + 1] == KIND_GEMM && (lab_chain_same_view(&t1[0], &t2[0]) || same_z);
  }
  /* per step: whether it is a composite that sums its rows for the reduce after it
   * (composite_sums.h), each of its outputs' first column in the sum at column[its view] */
  int sums_pair[LAB_ROW_CHAIN_MAX_STEPS] = {0};
  int64_t column[LAB_ROW_CHAIN_MAX_VIEWS];
  for (int32_t j = 0; j + 1 < steps; j++) {
    const lab_step *s1 = &p->steps[i + j];
    sums_pair[j] = kinds[j] == KIND_ELEMENTWISE && kinds[j + 1] == KIND_REDUCE &&
                   lab_composite_sums_pair(s1, views + first_view[j], &p->steps[i + j + 1], views + first_view[j + 1],
                                           column + first_view[j] + s1->n_inputs);
  }
  unsigned char ahead[LAB_ROW_CHAIN_MAX_VIEWS];
  mark_lookahead(p, i, steps, kinds, views, first_view, local, ahead);
  lab_tensor part[LAB_EW_MAX_OPERANDS], next_part[LAB_EW_MAX_OPERANDS];
  for (int64_t r0 = 0; r0 < m; r0 += rows) {
    const int64_t n = m - r0 < rows ? m - r0 : rows;
    for (int32_t j = 0; j < steps; j++) {
      const lab_step *s = &p->steps[i + j];
      const lab_tensor *t = views + first_view[j];
      block_views(s, kinds[j], t, local + first_view[j], r0, n, part);
      /* the products prefetch what the next composite will wait for; the composite prefetches its own */
      if (kinds[j] == KIND_GEMM || kinds[j] == KIND_GEMM_OVER_K) {
        list_lookahead(&p->rt.lookahead, p, i, j, steps, kinds, views, first_view, ahead, r0, n);
      } else if (kinds[j] == KIND_ELEMENTWISE) {
        end_lookahead(&p->rt.lookahead, p);
      }
      const double start = step_seconds ? lab_seconds_now() : 0.0;
      int together = 0; /* this step and the next computed as one (both steps' time counts here) */
      if (paired[j]) {
        const lab_step *s2 = &p->steps[i + j + 1];
        block_views(s2, kinds[j + 1], views + first_view[j + 1], local + first_view[j + 1], r0, n, next_part);
        together = lab_gemm_pair_kernel(part, s->n_inputs, part + s->n_inputs, s->attrs, next_part, s2->n_inputs,
                                        next_part + s2->n_inputs, s2->attrs, err, err_len) == 0;
        if (together) p->paired[i + j] = 1;
      }
      if (sums_pair[j]) { /* the reduce after it skips this block's rows where the composite summed them */
        if (lab_composite_sums_run(s, part, column + first_view[j] + s->n_inputs, sums + first_sum[j + 1], &together,
                                   err, err_len) != 0) {
          *failed_step = i + j;
          return 1;
        }
        if (together) p->paired[i + j] = 2;
      } else if (!together && run_block_step(s, kinds[j], t, part, r0, small_m[j], sums + first_sum[j], err, err_len)) {
        *failed_step = i + j;
        return 1;
      }
      if (step_seconds && j > 0) {
        const double spent = lab_seconds_now() - start;
        step_seconds[i + j] += spent;
        step_seconds[i] -= spent;
      }
      j += together;
    }
  }
  end_lookahead(&p->rt.lookahead, p); /* no step after the chain prefetches for it */
  for (int32_t j = 0; j < steps; j++) {
    const lab_step *s = &p->steps[i + j];
    if (kinds[j] == KIND_REDUCE) lab_reduce_rows_store(sums + first_sum[j], views + first_view[j] + 1);
    if (small_m[j]) lab_gemm_small_m_store(small_m[j], views + first_view[j], s->n_inputs, views + first_view[j] + s->n_inputs, s->attrs);
  }
  return 0;
}
