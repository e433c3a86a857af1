/* SPDX-License-Identifier: MIT */
#include "emit_c.h"

#include <inttypes.h>
#include <string.h>

#include "fault.h"

static const char *op_constant(enum vsf_op_code code)
{
	switch (code) {
	case VSF_OP_FD: return "VSF_OP_FD";
	case VSF_OP_SESSION: return "VSF_OP_SESSION";
	case VSF_OP_CONFIG: return "VSF_OP_CONFIG";
	case VSF_OP_CONNECT: return "VSF_OP_CONNECT";
	case VSF_OP_RESET: return "VSF_OP_RESET";
	case VSF_OP_ADD_REGION: return "VSF_OP_ADD_REGION";
	case VSF_OP_SHUTDOWN: return "VSF_OP_SHUTDOWN";
	case VSF_OP_SEND: return "VSF_OP_SEND";
	case VSF_OP_MAP: return "VSF_OP_MAP";
	case VSF_OP_UNMAP: return "VSF_OP_UNMAP";
	case VSF_OP_HANGUP: return "VSF_OP_HANGUP";
	case VSF_OP_TRUNCATE: return "VSF_OP_TRUNCATE";
	case VSF_OP_FAULT: return "VSF_OP_FAULT";
	case VSF_OP_BYTES: return "VSF_OP_BYTES";
	}
	return NULL;
}

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

static void emit_op(FILE *out, const struct vsf_op *op, size_t i)
{
	fprintf(out, "\t{ /* op %zu: %s */\n\t\t.code = %s,\n", i, vsf_op_name(op->code),
		op_constant(op->code));
	switch (op->code) {
	case VSF_OP_FD:
	case VSF_OP_TRUNCATE:
		fprintf(out, "\t\t.fd = { .handle = %u, .kind = %u, .seals = 0x%x, .size = 0x%" PRIx32 " },\n",
			op->fd.handle, op->fd.kind, op->fd.seals, op->fd.size);
		break;
	case VSF_OP_SESSION:
		fprintf(out, "\t\t.session = { .features = 0x%" PRIx64 ", .protocol_features = 0x%" PRIx64
			", .ack = 0x%" PRIx64 " },\n", op->session.features,
			op->session.protocol_features, op->session.ack);
		break;
	case VSF_OP_CONFIG:
		fprintf(out, "\t\t.config = { .request = %" PRIu32 ", .flags = 0x%" PRIx32
			", .size = %" PRIu32 ", .nregions = %" PRIu32 ", .npairs = %zu",
			op->config.request, op->config.flags, op->config.size, op->config.nregions,
			op->config.npairs);
		if (op->config.npairs)
			fprintf(out, ", .pairs = pairs_%zu /* u8 shmid, u64 size (LE) */", i);
		fputs(" },\n", out);
		break;
	case VSF_OP_ADD_REGION:
		fprintf(out, "\t\t.add_region = { .shmid = %u, .size = 0x%" PRIx64 " },\n",
			op->add_region.shmid, op->add_region.size);
		break;
	case VSF_OP_FAULT:
		fprintf(out, "\t\t.fault = { .call = %u, .after = %u, .err = %u }, /* %s */\n",
			op->fault.call, op->fault.after, op->fault.err,
			fault_call_name(op->fault.call) ? fault_call_name(op->fault.call) : "?");
		break;
	case VSF_OP_MAP:
	case VSF_OP_UNMAP:
		fprintf(out, "\t\t.mmap = { .hflags = 0x%" PRIx32 ", .shmid = %u, .fd_offset = 0x%" PRIx64
			", .shm_offset = 0x%" PRIx64 ", .len = 0x%" PRIx64 ", .mflags = 0x%" PRIx64 " },\n",
			op->mmap.hflags, op->mmap.shmid, op->mmap.fd_offset, op->mmap.shm_offset,
			op->mmap.len, op->mmap.mflags);
		break;
	default:
		break;
	}
	if (op->chunk)
		fprintf(out, "\t\t.chunk = %u,\n", op->chunk);
	if (op->nfds)
		fprintf(out, "\t\t.nfds = %u, .handles = handles_%zu,\n", op->nfds, i);
	if (op->data_len)
		fprintf(out, "\t\t.data = data_%zu, .data_len = sizeof(data_%zu),\n", i, i);
	fputs("\t},\n", out);
}

int vsf_emit_c(FILE *out, const struct vsf_program *p, const char *harness, const char *source)
{
	const char *kind = harness_constant(harness);

	if (!kind)
		return -1;
	for (size_t i = 0; i < p->nops; i++)
		if (!op_constant(p->ops[i].code))
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

		if (op->code == VSF_OP_CONFIG)
			emit_bytes(out, "pairs", i, op->config.pairs, op->config.npairs * VSF_PROG_PAIR_LEN);
		emit_bytes(out, "handles", i, op->handles, op->nfds);
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
