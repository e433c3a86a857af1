/* SPDX-License-Identifier: MIT */
#include "emit_c.h"

#include <inttypes.h>
#include <string.h>

#include "op_table.h"

static const char *harness_constant(const char *harness)
{
	if (!strcmp(harness, "fuzz_backend_channel"))
		return "VSF_HARNESS_BACKEND_CHANNEL";
	if (!strcmp(harness, "fuzz_frontend_session"))
		return "VSF_HARNESS_FRONTEND_SESSION";
	return NULL;
}

/* static const uint8_t NAME_I[] = { ... }; for n > 0 bytes. */
static void emit_bytes(FILE *out, const char *name, size_t i, const uint8_t *b, size_t n)
{
	if (!n)
		return;
	fprintf(out, "static const uint8_t %s_%zu[%zu] = {", name, i, n);
	for (size_t k = 0; k < n; k++)
		fprintf(out, "%s0x%02x,", k % 12 ? " " : "\n\t", b[k]);
	fputs("\n};\n", out);
}

/* A number of the op as a C initializer: hex where the text form has hex. */
static void emit_num(FILE *out, const struct vsf_op *op, const struct op_field *f)
{
	uint64_t v = op_field_get(op, f);
	const char *name = f->text == OPT_NAME ? f->name((unsigned)v) : NULL;

	if (f->text == OPT_DEC || f->text == OPT_POS || f->text == OPT_NAME || f->text == OPT_ERRNO)
		fprintf(out, "\t\t.%s = %" PRIu64 ",", f->member, v);
	else
		fprintf(out, "\t\t.%s = 0x%" PRIx64 ",", f->member, v);
	if (name)
		fprintf(out, " /* %s */", name);
	fputc('\n', out);
}

/* The members that hold a variable part, pointing to its array. */
static void emit_var(FILE *out, const struct vsf_op *op, const struct op_field *f, size_t i)
{
	switch (f->kind) {
	case OPF_HANDLES:
		if (op->nfds)
			fprintf(out, "\t\t.nfds = %u, .handles = handles_%zu,\n", op->nfds, i);
		break;
	case OPF_PAIRS:
		if (op->config.npairs)
			fprintf(out, "\t\t.config.npairs = %zu, .config.pairs = pairs_%zu,\n",
				op->config.npairs, i);
		break;
	default:
		if (op->data_len)
			fprintf(out, "\t\t.data = data_%zu, .data_len = sizeof(data_%zu),\n", i, i);
		break;
	}
}

static void emit_op(FILE *out, const struct vsf_op *op, size_t i)
{
	const struct op_desc *d = op_desc(op->code);

	fprintf(out, "\t{ /* op %zu: %s */\n\t\t.code = %s,\n", i, d->name, d->constant);
	for (size_t k = 0; k < d->nfields; k++) {
		if (d->fields[k].kind == OPF_NUM)
			emit_num(out, op, &d->fields[k]);
		else
			emit_var(out, op, &d->fields[k], i);
	}
	fputs("\t},\n", out);
}

int vsf_emit_c(FILE *out, const struct vsf_program *p, const char *harness, const char *source)
{
	const char *kind = harness_constant(harness);

	if (!kind)
		return -1;
	for (size_t i = 0; i < p->nops; i++)
		if (!op_desc(p->ops[i].code))
			return -1;
	fprintf(out,
		"/* SPDX-License-Identifier: MIT */\n"
		"/*\n"
		" * Regression test: %s\n"
		" * through the %s harness's executor and oracles, no fuzzing\n"
		" * engine, no program parser (written by `vsf-prog to-c`). Exits 0 when it\n"
		" * runs clean; a finding aborts with its report.\n"
		" */\n"
		"#include <stdio.h>\n\n"
		"#include \"harness.h\"\n"
		"#include \"program.h\"\n\n",
		source, harness);
	for (size_t i = 0; i < p->nops; i++) {
		const struct vsf_op *op = &p->ops[i];

		const struct op_desc *d = op_desc(op->code);

		if (op_desc_field(d, OPF_PAIRS))
			emit_bytes(out, "pairs", i, op->config.pairs, op->config.npairs * VSF_PROG_PAIR_LEN);
		if (op_desc_field(d, OPF_HANDLES))
			emit_bytes(out, "handles", i, op->handles, op->nfds);
		if (op_desc_field(d, OPF_DATA))
			emit_bytes(out, "data", i, op->data, op->data_len);
	}
	fprintf(out, "\nstatic struct vsf_op ops[%zu] = {\n", p->nops ? p->nops : 1);
	for (size_t i = 0; i < p->nops; i++)
		emit_op(out, &p->ops[i], i);
	fprintf(out,
		"};\n\n"
		"int main(void)\n"
		"{\n"
		"\tstruct vsf_program program = { .ops = ops, .nops = %zu };\n\n"
		"\tvsf_harness_run_program(%s, &program);\n"
		"\tputs(\"no finding\");\n"
		"\treturn 0;\n"
		"}\n",
		p->nops, kind);
	return ferror(out) ? -1 : 0;
}
