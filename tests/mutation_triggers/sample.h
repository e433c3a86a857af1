/* SPDX-License-Identifier: MIT */
/* The functions of sample.c (tests/mutation_schema.sh). */
#ifndef VSF_MUTATION_SAMPLE_H
#define VSF_MUTATION_SAMPLE_H

extern int calls;
int less(int a, int b);
int mask(int a, int b);
int shift_zero(int a, int b);
int add(int a, int b);
int take(int a, int b);
int either(int a, int b);
int both(int a, int b);
int positive(int a);
int same(int a);
int counted(int a);

#endif
