/*
 * Lines that the next step of a row-block chain will read from memory or write, prefetched a
 * few at a time by the compute-bound products that run before it on the same block of rows.
 * MNIST meta-training's LSTM cells wait on memory (the backward cell reads five arrays the forward
 * pass saved, the forward cell writes six new ones) while the products between them keep their
 * operands in the caches and leave the memory idle: row_blocks.c lists the next composite's cold
 * operands for the block here before each product step, and the narrow, weight-gradient and
 * sum-pair kernels take one line every LAB_LOOKAHEAD_EVERY steps of their multiply-add loops (a
 * line every step held the products' own misses back: 9 % slower; every 8th too few). Reads go
 * to L2 (PREFETCHT1), writes ask for ownership (PREFETCHW), so the cell's stores find their lines.
 * A prefetch never changes a result.
 */
#ifndef LAB_KERNELS_LOOKAHEAD_H
#define LAB_KERNELS_LOOKAHEAD_H

#include <stdint.h>

#define LAB_LOOKAHEAD_RANGES 24
#define LAB_LOOKAHEAD_EVERY 4

typedef struct lab_lookahead {
  /* the range being prefetched: its next line, its end, and whether it is to be written */
  const char *next, *end;
  int write;
  /* the ranges, taken in order */
  int n, range;
  const char *from[LAB_LOOKAHEAD_RANGES], *to[LAB_LOOKAHEAD_RANGES];
  unsigned char writes[LAB_LOOKAHEAD_RANGES];
  /* whose lines they are (row_blocks.c): the chain's first step, its composite and the block;
   * and how many of them the products have prefetched */
  int32_t chain, step;
  int64_t row, taken;
} lab_lookahead;

/* A kernel loop's copy of the current range, in locals so that no store inside the loop can
 * alias the accumulators (which would send them to memory). `la` NULL: nothing to prefetch. */
typedef struct lab_lookahead_cursor {
  const char *next, *end;
  int write;
} lab_lookahead_cursor;

static inline lab_lookahead_cursor lab_lookahead_take(const lab_lookahead *la) {
  const lab_lookahead_cursor c = {la ? la->next : 0, la ? la->end : 0, la ? la->write : 0};
  return c;
}

/* Whether `la` has lines left: kernels run their loops without the prefetch steps where not. */
static inline int lab_lookahead_pending(const lab_lookahead *la) { return la && la->next < la->end; }

/* One line, at step p of the loop, when it is the step's turn and any is left. The address goes
 * in a register: a memory operand would make the compiler store whatever might alias it first. */
static inline void lab_lookahead_line(lab_lookahead_cursor *c, int64_t p) {
  if ((p & (LAB_LOOKAHEAD_EVERY - 1)) != 0 || c->next >= c->end) return;
#if defined(__x86_64__)
  if (c->write) __asm__ volatile("prefetchw (%0)" : : "r"(c->next));
  else __asm__ volatile("prefetcht1 (%0)" : : "r"(c->next));
#else
  if (c->write) __builtin_prefetch(c->next, 1, 2);
  else __builtin_prefetch(c->next, 0, 2);
#endif
  c->next += 64;
}

/* After the loop: where it got to, and on to the next range when this one is done. */
static inline void lab_lookahead_give(lab_lookahead *la, const lab_lookahead_cursor *c) {
  if (!la) return;
  la->taken += (c->next - la->next) / 64;
  la->next = c->next;
  if (c->next >= la->end && la->range + 1 < la->n) {
    la->range++;
    la->next = la->from[la->range];
    la->end = la->to[la->range];
    la->write = la->writes[la->range];
  }
}

/* Nothing to prefetch, and no chain's lines listed. */
static inline void lab_lookahead_clear(lab_lookahead *la) {
  la->next = la->end = 0;
  la->n = la->range = 0;
  la->chain = la->step = -1;
  la->row = -1;
  la->taken = 0;
}

#endif /* LAB_KERNELS_LOOKAHEAD_H */
