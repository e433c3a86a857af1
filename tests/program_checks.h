/* SPDX-License-Identifier: MIT */
/*
 * What the mutator tests check of a program (scenario/program.h): the
 * binary of a text program, and that a mutator's output is a program that
 * round-trips exactly.
 */
#ifndef VSF_PROGRAM_CHECKS_H
#define VSF_PROGRAM_CHECKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The binary form of a text program into out (the test stops on a parse error or one longer than max). */
size_t program_from_text(const char *text, uint8_t *out, size_t max);

/*
 * Binary -> ops -> binary is exact, and binary -> text -> binary too, the
 * program within max_size bytes and every op within the input caps. With
 * no_bytes, no op decodes as raw bytes: none was re-framed by a mutation.
 */
void check_program_round_trips(const uint8_t *data, size_t size, size_t max_size, bool no_bytes);

#endif
