/* SPDX-License-Identifier: MIT */
/* The demo backend's script language (demo_script.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "demo_script.h"
#include "fd_table.h"
#include "op_wire.h"
#include "tool_util.h"
#include "wire.h"

const char *const expect_names[] = { "ok", "fail", "any" };

/* ---- the script ---- */

static int add_step(struct script *s, const struct step *st)
{
	if (s->nsteps == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct step *n = realloc(s->steps, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		s->steps = n;
		s->cap = cap;
	}
	s->steps[s->nsteps++] = *st;
	return 0;
}

static bool is_message(const struct vsf_op *op)
{
	return op->code == VSF_OP_MAP || op->code == VSF_OP_UNMAP || op->code == VSF_OP_SEND;
}

/*
 * A comment: after an op, `expect=ok,fail`; on a line of its own, `@pause`
 * as the first word. Other words are prose.
 */
static int parse_comment(const char *path, unsigned line, char *comment, bool has_op,
			 struct step *st)
{
	char *save = NULL, *tok = strtok_r(comment, " \t\r", &save);

	if (!has_op) {
		st->pause = tok && !strcmp(tok, "@pause");
		return 0;
	}
	for (; tok; tok = strtok_r(NULL, " \t\r", &save)) {
		char *vsave = NULL;

		if (!strcmp(tok, "@pause")) {
			fprintf(stderr, PROG ": %s:%u: @pause goes on a line of its own\n", path, line);
			return -EINVAL;
		}
		if (strncmp(tok, "expect=", 7))
			continue;
		if (st->nexpect) {
			fprintf(stderr, PROG ": %s:%u: expect= twice\n", path, line);
			return -EINVAL;
		}
		for (char *v = strtok_r(tok + 7, ",", &vsave); v; v = strtok_r(NULL, ",", &vsave)) {
			size_t k;

			for (k = 0; k < 3 && strcmp(v, expect_names[k]); k++)
				;
			if (k == 3 || st->nexpect == MAX_EXPECT) {
				fprintf(stderr, PROG ": %s:%u: expect=%s: ok, fail or any (at most %d)\n",
					path, line, v, MAX_EXPECT);
				return -EINVAL;
			}
			st->expect[st->nexpect++] = (enum expect)k;
		}
		if (!st->nexpect) {
			fprintf(stderr, PROG ": %s:%u: expect= without a value\n", path, line);
			return -EINVAL;
		}
	}
	return 0;
}

/* One line: its op (the program parser, on this line alone) and its comment. */
static int load_line(struct script *s, unsigned line, char *text)
{
	struct vsf_program prog = { 0 };
	struct vsf_buf rec = { 0 };
	struct step st = { .line = line };
	char *hash = strchr(text, '#');
	size_t oplen = hash ? (size_t)(hash - text) : strlen(text);
	bool has_op = strspn(text, " \t\r\v\f") < oplen;
	char err[256];
	uint8_t **bufs;
	int ret;

	if (hash && parse_comment(s->path, line, hash + 1, has_op, &st) < 0)
		return -EINVAL;
	if (!has_op)
		return st.pause ? add_step(s, &st) : 0;
	if (hash)
		*hash = '\0';
	ret = vsf_program_parse_text(text, &rec, err, sizeof(err));
	if (ret < 0) {
		/* err reads "line 1: reason": this line alone was parsed */
		fprintf(stderr, PROG ": %s:%u: %s\n", s->path, line,
			strncmp(err, "line 1: ", 8) ? err : err + 8);
		free(rec.data);
		return ret;
	}
	if (s->nbufs == s->bufs_cap) { /* doubling: a soak script has 300,000 lines */
		size_t cap = s->bufs_cap ? 2 * s->bufs_cap : 64;

		bufs = realloc(s->bufs, cap * sizeof(*bufs));
		if (!bufs) {
			free(rec.data);
			return -ENOMEM;
		}
		s->bufs = bufs;
		s->bufs_cap = cap;
	}
	s->bufs[s->nbufs++] = rec.data;
	if (vsf_program_decode(rec.data, rec.len, &prog) < 0)
		return -ENOMEM;
	if (st.nexpect && (prog.nops != 1 || !is_message(&prog.ops[0]))) {
		fprintf(stderr, PROG ": %s:%u: expect= goes with a map, unmap or send op\n", s->path,
			line);
		ret = -EINVAL;
	}
	for (size_t i = 0; i < prog.nops && !ret; i++) {
		st.op = prog.ops[i];
		ret = add_step(s, &st);
	}
	vsf_program_free(&prog);
	return ret;
}

/*
 * The next message in bytes[*off..len): 1 with its header (and *off past
 * it), 0 at the end, -EMSGSIZE for a payload above the maximum (the
 * front-end loses framing), -ENODATA for a message cut short.
 */
/* The wire bytes of a map, unmap or send op; buf has room for a map. */
const uint8_t *demo_message_bytes(const struct vsf_op *op, uint8_t *buf, size_t *len)
{
	if (op->code == VSF_OP_SEND) {
		*len = op->data_len;
		return op->data;
	}
	*len = op_wire_mmap(op, buf);
	return buf;
}

/* Replies a message op gets, and whether it makes the front-end lose framing. */
static size_t count_replies(const struct vsf_op *op, bool *loses_framing, bool *cut_short)
{
	uint8_t buf[OP_WIRE_MMAP_LEN];
	struct vsf_wire_header h;
	size_t len, off = 0, n = 0;
	const uint8_t *bytes = demo_message_bytes(op, buf, &len);
	int ret;

	while ((ret = op_wire_next_message(bytes, len, &off, &h)) > 0)
		n += !!(h.flags & VSF_FLAG_NEED_REPLY);
	*loses_framing = ret == -EMSGSIZE;
	*cut_short = ret == -ENODATA;
	return n;
}

/* Rules a script must follow for its replies to be checkable. */
static int check_script(struct script *s)
{
	size_t nfd_ops = 0;
	bool shut = false;
	int ret = 0;

	s->first_message = s->nsteps;
	for (size_t i = 0; i < s->nsteps; i++) {
		struct step *st = &s->steps[i];
		bool lost, cut;
		size_t replies;

		if (st->pause)
			continue;
		nfd_ops += st->op.code == VSF_OP_FD;
		if (st->op.code == VSF_OP_SHUTDOWN)
			shut = true;
		if (st->op.code == VSF_OP_CONNECT || st->op.code == VSF_OP_RESET ||
		    st->op.code == VSF_OP_ADD_REGION)
			fprintf(stderr, PROG ": %s:%u: note: %s is a front-end event, skipped\n",
				s->path, st->line, vsf_op_name(st->op.code));
		if (st->op.code == VSF_OP_WAIT)
			fprintf(stderr, PROG ": %s:%u: note: wait is skipped (the negotiation is "
					"over before the script plays)\n", s->path, st->line);
		if (st->op.code == VSF_OP_ANSWER && st->op.nfds)
			fprintf(stderr, PROG ": %s:%u: note: the answer's fds are not sent (fds are "
					"made as the script plays)\n", s->path, st->line);
		if ((st->op.code == VSF_OP_SESSION || st->op.code == VSF_OP_CONFIG ||
		     st->op.code == VSF_OP_ANSWER) &&
		    s->first_message < i)
			fprintf(stderr, PROG ": %s:%u: note: %s after the first message is ignored "
					"(the session is negotiated once)\n",
				s->path, st->line, vsf_op_name(st->op.code));
		if (!is_message(&st->op))
			continue;
		if (s->first_message == s->nsteps)
			s->first_message = i;
		replies = count_replies(&st->op, &lost, &cut);
		if (st->nexpect && (!replies || shut)) {
			fprintf(stderr, PROG ": %s:%u: expect= but no reply can come (%s)\n", s->path,
				st->line, shut ? "after shutdown" : "no need_reply");
			ret = -EINVAL;
		} else if (st->nexpect > 1 && st->nexpect != replies) {
			fprintf(stderr, PROG ": %s:%u: %zu expect= values for %zu replies\n", s->path,
				st->line, st->nexpect, replies);
			ret = -EINVAL;
		}
		if (cut)
			fprintf(stderr, PROG ": %s:%u: note: the last message is cut short; the "
					"front-end will wait for the rest\n", s->path, st->line);
		if (lost && i + 1 < s->nsteps) {
			fprintf(stderr, PROG ": %s:%u: nothing can follow a message that makes the "
					"front-end lose framing\n", s->path, s->steps[i + 1].line);
			ret = -EINVAL;
		}
	}
	if (nfd_ops > VSF_PROG_MAX_HANDLES + FD_TABLE_MAX_RETIRED) {
		fprintf(stderr, PROG ": %s: more than %d fd ops\n", s->path,
			VSF_PROG_MAX_HANDLES + FD_TABLE_MAX_RETIRED);
		ret = -EINVAL;
	}
	return ret;
}

int demo_load_script(struct script *s, const char *path)
{
	char *text, *line, *nl;
	unsigned lineno = 0;
	size_t len;
	int ret;

	s->path = path;
	ret = tool_read_file(path, &text, &len);
	if (ret < 0) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(-ret));
		return ret;
	}
	for (line = text; line && !ret; line = nl) {
		nl = strchr(line, '\n');
		if (nl)
			*nl++ = '\0';
		ret = load_line(s, ++lineno, line);
	}
	free(text);
	if (ret == -ENOMEM)
		fprintf(stderr, PROG ": out of memory\n");
	return ret ? ret : check_script(s);
}

void demo_free_script(struct script *s)
{
	for (size_t i = 0; i < s->nbufs; i++)
		free(s->bufs[i]);
	free(s->bufs);
	free(s->steps);
}

/* Negotiation answers: the session and config ops before the first message. */
void demo_script_offer(const struct script *s, struct backend_offer *o)
{
	for (size_t i = 0; i < s->first_message; i++) {
		const struct vsf_op *op = &s->steps[i].op;

		if (s->steps[i].pause)
			continue;
		if (op->code == VSF_OP_SESSION) {
			backend_offer_set_session(o, op);
		} else if (op->code == VSF_OP_CONFIG) {
			backend_offer_set_config(o, op);
		} else if (op->code == VSF_OP_ANSWER) {
			struct backend_rule rule;

			/* fds are made as the script plays, after the negotiation */
			backend_rule_from_op(op, NULL, 0, &rule);
			if (!backend_offer_add_rule(o, &rule))
				fprintf(stderr, PROG ": %s:%u: note: more than %d answer rules, "
						"this one is ignored\n",
					s->path, s->steps[i].line, BACKEND_PEER_MAX_RULES);
		}
	}
}

