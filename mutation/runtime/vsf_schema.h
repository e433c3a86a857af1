/* SPDX-License-Identifier: MIT */
/* What a schema copy of a src/ file (mutation/schema.py) calls: the
 * generated mutants' switch and the bug-zoo canaries'. */
#ifndef VSF_SCHEMA_H
#define VSF_SCHEMA_H

#include "canary.h"
#include "mutant.h"

#endif
