/* SPDX-License-Identifier: MIT */
/*
 * A fuzz program as a standalone C regression test: its ops spelled out as
 * C initializers (no program parser), run through a harness's executor and
 * oracles (fuzz/harness.h) with no fuzzing engine. It exits 0 when the
 * program runs clean; a finding aborts with the same report as the replay.
 */
#ifndef VSF_EMIT_C_H
#define VSF_EMIT_C_H

#include <stdio.h>

#include "program.h"

/* harness: its name (fuzz/harnesses.txt); source: named in the comment. */
int vsf_emit_c(FILE *out, const struct vsf_program *p, const char *harness, const char *source);

#endif
