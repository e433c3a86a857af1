/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "oracles.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "canary.h"
#include "harness_error.h"
#include "message_text.h"

/* The message being handled, decoded for the report (a line of its own). */
static void print_message(FILE *fp, const struct oracle_where *where)
{
	if (!where->msg)
		return;
	fprintf(fp, "==vsf== message %zu of the op: ", where->msg_index + 1);
	message_text_print(fp, where->msg, where->msg_len);
	fputc('\n', fp);
}

static const struct oracle_context *context;

void oracle_set_context(const struct oracle_context *ctx)
{
	context = ctx;
}

/* "ERROR:" in the first line: libFuzzer's fork mode passes on only such lines of a job's log. */
static void print_violation(FILE *fp, const struct oracle_where *where, const char *oracle,
			    const char *what)
{
	fprintf(fp, "\n==vsf== ERROR: ORACLE VIOLATION [%s] in %s at op %zu (%s): %s\n", oracle,
		where->harness, where->op_index, where->op_name ? where->op_name : "-", what);
	print_message(fp, where);
	if (context && context->describe)
		context->describe(fp, context->opaque);
	vsf_canary_report(fp);
}

void oracle_fail(const struct oracle_where *where, const char *oracle, const char *fmt, ...)
{
	char what[1024];
	FILE *log;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (context && context->deviation)
		context->deviation(oracle, what, context->opaque);
	log = harness_report_open();
	print_violation(stderr, where, oracle, what);
	if (log) {
		print_violation(log, where, oracle, what);
		harness_report_close(log);
	}
	abort();
}

static const struct oracle_where *current_where;

void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

/* A sanitizer is about to end the process: say where the harness was. */
static void report_where_at_death(void)
{
	const struct oracle_where *where = current_where;

	if (where) {
		fprintf(stderr, "==vsf== SANITIZER REPORT in %s at op %zu (%s)\n", where->harness,
			where->op_index, where->op_name ? where->op_name : "?");
		print_message(stderr, where);
	}
	if (context && context->describe)
		context->describe(stderr, context->opaque);
	vsf_canary_report(stderr);
}

#ifdef VSF_CANARIES
/* Canary builds also print the bug-zoo counters when a harness exits. */
static void report_canaries(void)
{
	vsf_canary_report(stderr);
}
#endif

__attribute__((constructor)) static void register_reports(void)
{
#ifdef VSF_CANARIES
	atexit(report_canaries);
#endif
	if (__sanitizer_set_death_callback)
		__sanitizer_set_death_callback(report_where_at_death);
}

void oracle_enter(const struct oracle_where *where)
{
	current_where = where;
}

void oracle_leave(void)
{
	current_where = NULL;
}

