/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "target_profile.h"
#include "vhost_names.h"
#include "wire.h"

#define PROFILE_MAX_BYTES (64u << 10)

void target_profile_init(struct target_profile *p)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "model");
	p->shmem = p->reply_ack = p->exits_on_disconnect = true;
	p->start_timeout_ms = 5000;
	p->reply_timeout_ms = 1000;
	p->settle_ms = 50;
	p->max_reserved = UINT64_MAX;
	p->max_payload = VSF_PAYLOAD_MAX;
}

struct profile_parser {
	struct target_profile *p;
	unsigned line;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3)))
static int fail(struct profile_parser *ps, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(ps->err, ps->errlen, "line %u: ", ps->line);

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < ps->errlen)
		vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int parse_bool(struct profile_parser *ps, const char *key, const char *v, bool *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true")) {
		*out = true;
		return 0;
	}
	if (!strcmp(v, "no") || !strcmp(v, "false")) {
		*out = false;
		return 0;
	}
	return fail(ps, "%s takes yes or no, not '%s'", key, v);
}

static int parse_uint(struct profile_parser *ps, const char *key, const char *v, uint64_t max,
		      uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(v, &end, 0);
	if (!*v || *end || errno || *out > max || *v == '-')
		return fail(ps, "%s takes a number up to %llu, not '%s'", key,
			    (unsigned long long)max, v);
	return 0;
}

/* The next word of *s (NUL-terminated in place), or NULL at the end. */
static char *next_word(char **s)
{
	char *w = *s + strspn(*s, " \t");

	if (!*w)
		return NULL;
	*s = w + strcspn(w, " \t");
	if (**s)
		*(*s)++ = '\0';
	return w;
}

static int parse_sends(struct profile_parser *ps, char *rest)
{
	char *w;

	while ((w = next_word(&rest))) {
		uint32_t id;

		if (!vhost_request_by_name(VHOST_FRONTEND_CHANNEL, w, &id))
			return fail(ps, "sends: unknown front-end request '%s'", w);
		if (ps->p->nsends == TARGET_PROFILE_MAX_SENDS)
			return fail(ps, "sends: more than %d requests", TARGET_PROFILE_MAX_SENDS);
		ps->p->sends[ps->p->nsends++] = id;
	}
	return 0;
}

static int parse_backend(struct profile_parser *ps, char *rest)
{
	char *msg = next_word(&rest), *verdict = next_word(&rest);
	uint32_t id;
	uint8_t v;

	if (!msg || !verdict || next_word(&rest))
		return fail(ps, "backend takes a message and accept, reject or any");
	if (!vhost_request_by_name(VHOST_BACKEND_CHANNEL, msg, &id) ||
	    id >= sizeof(ps->p->backend))
		return fail(ps, "backend: unknown backend message '%s'", msg);
	if (!strcmp(verdict, "accept"))
		v = TARGET_ACCEPTS;
	else if (!strcmp(verdict, "reject"))
		v = TARGET_REJECTS;
	else if (!strcmp(verdict, "any"))
		v = TARGET_EITHER;
	else
		return fail(ps, "backend %s: '%s' is not accept, reject or any", msg, verdict);
	ps->p->backend[id] = v;
	return 0;
}

/* The next note slot of a list, or NULL (with the error set) when it is full. */
static struct target_note *new_note(struct profile_parser *ps, const char *key,
				    struct target_note *notes, size_t *n)
{
	if (*n == TARGET_PROFILE_MAX_NOTES) {
		fail(ps, "more than %d %s lines", TARGET_PROFILE_MAX_NOTES, key);
		return NULL;
	}
	memset(&notes[*n], 0, sizeof(notes[*n]));
	return &notes[(*n)++];
}

static int set_reason(struct profile_parser *ps, const char *key, struct target_note *note,
		      const char *reason)
{
	reason += strspn(reason, " \t");
	if (!*reason)
		return fail(ps, "%s needs a reason", key);
	if (strlen(reason) >= sizeof(note->reason))
		return fail(ps, "%s: reason too long", key);
	snprintf(note->reason, sizeof(note->reason), "%s", reason);
	return 0;
}

/* '"words"' at *rest into note->words; *rest moves past it. 0, or -EINVAL. */
static int take_words(struct profile_parser *ps, const char *key, char **rest,
		      struct target_note *note)
{
	char *words = *rest + strspn(*rest, " \t"), *end;

	if (*words != '"' || !(end = strchr(words + 1, '"')))
		return fail(ps, "%s: \"words\" expected", key);
	*end = '\0';
	if (!words[1] || strlen(words + 1) >= sizeof(note->words))
		return fail(ps, "%s: words empty or too long", key);
	snprintf(note->words, sizeof(note->words), "%s", words + 1);
	*rest = end + 1;
	return 0;
}

/* 'refuses REQUEST reason...' or 'refuses "words" reason...' */
static int parse_refusal(struct profile_parser *ps, char *rest)
{
	struct target_note *note;
	char *name;
	int ret;

	rest += strspn(rest, " \t");
	note = new_note(ps, "refuses", ps->p->refuses, &ps->p->nrefuses);
	if (!note)
		return -EINVAL;
	if (*rest == '"') {
		ret = take_words(ps, "refuses", &rest, note);
		return ret ? ret : set_reason(ps, "refuses", note, rest);
	}
	name = next_word(&rest);
	if (!name)
		return fail(ps, "refuses takes a request or \"words\", and a reason");
	if (!vhost_request_by_name(VHOST_FRONTEND_CHANNEL, name, &note->request))
		return fail(ps, "refuses: unknown front-end request '%s'", name);
	snprintf(note->name, sizeof(note->name), "%.*s", (int)sizeof(note->name) - 1, name);
	return set_reason(ps, "refuses", note, rest);
}

/* 'deviation ORACLE "WORDS" reason...' */
static int parse_deviation(struct profile_parser *ps, char *rest)
{
	char *oracle = next_word(&rest);
	struct target_note *note;
	int ret;

	if (!oracle)
		return fail(ps, "deviation takes an oracle, \"words\" and a reason");
	note = new_note(ps, "deviation", ps->p->deviations, &ps->p->ndeviations);
	if (!note)
		return -EINVAL;
	if (strlen(oracle) >= sizeof(note->name))
		return fail(ps, "deviation: oracle name too long");
	snprintf(note->name, sizeof(note->name), "%s", oracle);
	ret = take_words(ps, "deviation", &rest, note);
	return ret ? ret : set_reason(ps, "deviation", note, rest);
}

/* A setting of one value, and where in the profile it goes. */
struct setting {
	const char *key;
	enum { SET_BOOL, SET_UINT, SET_U32, SET_U64, SET_MS } kind;
	size_t off;
	uint64_t max;
	ptrdiff_t given; /* a bool set when the setting is given, or -1 */
};

#define AT(member) offsetof(struct target_profile, member)

static const struct setting settings[] = {
	{ "shmem", SET_BOOL, AT(shmem), 0, -1 },
	{ "reply-ack", SET_BOOL, AT(reply_ack), 0, -1 },
	{ "max-mappings", SET_UINT, AT(max_mappings), 1u << 20, -1 },
	{ "max-payload", SET_U32, AT(max_payload), VSF_PAYLOAD_MAX, -1 },
	{ "max-reserved", SET_U64, AT(max_reserved), UINT64_MAX, -1 },
	{ "offer-features", SET_U64, AT(offer_features), UINT64_MAX, AT(offer_set) },
	{ "offer-protocol-features", SET_U64, AT(offer_protocol_features), UINT64_MAX,
	  AT(protocol_offer_set) },
	{ "needs-protocol-features", SET_U64, AT(needs_protocol_features), UINT64_MAX, -1 },
	{ "start-timeout-ms", SET_MS, AT(start_timeout_ms), 600000, -1 },
	{ "reply-timeout-ms", SET_MS, AT(reply_timeout_ms), 600000, -1 },
	{ "settle-ms", SET_MS, AT(settle_ms), 600000, -1 },
};

static int parse_setting(struct profile_parser *ps, const struct setting *st, const char *v)
{
	char *field = (char *)ps->p + st->off;
	uint64_t n = 0;
	bool b = false;
	int ret = st->kind == SET_BOOL ? parse_bool(ps, st->key, v, &b)
				       : parse_uint(ps, st->key, v, st->max, &n);

	if (ret)
		return ret;
	if (st->kind == SET_MS && !n)
		return fail(ps, "%s must be at least 1", st->key);
	switch (st->kind) {
	case SET_BOOL: *(bool *)field = b; break;
	case SET_UINT: *(unsigned *)field = (unsigned)n; break;
	case SET_U32: *(uint32_t *)field = (uint32_t)n; break;
	case SET_U64: *(uint64_t *)field = n; break;
	case SET_MS: *(int *)field = (int)n; break;
	}
	if (st->given >= 0)
		*(bool *)((char *)ps->p + st->given) = true;
	return 0;
}

/* The settings that take one word. */
static int parse_value(struct profile_parser *ps, const char *key, const char *v)
{
	struct target_profile *p = ps->p;

	if (!*v || strpbrk(v, " \t"))
		return fail(ps, "%s takes one value", key);
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
		if (!strcmp(key, settings[i].key))
			return parse_setting(ps, &settings[i], v);
	if (!strcmp(key, "name")) {
		if (strlen(v) >= sizeof(p->name))
			return fail(ps, "name too long");
		snprintf(p->name, sizeof(p->name), "%s", v);
		return 0;
	}
	if (!strcmp(key, "on-disconnect")) {
		if (strcmp(v, "exits") && strcmp(v, "stays"))
			return fail(ps, "on-disconnect takes exits or stays, not '%s'", v);
		p->exits_on_disconnect = !strcmp(v, "exits");
		return 0;
	}
	if (!strcmp(key, "keep")) {
		if (strcmp(v, "reconnect") && strcmp(v, "no"))
			return fail(ps, "keep takes reconnect or no, not '%s'", v);
		p->keep_reconnects = !strcmp(v, "reconnect");
		return 0;
	}
	return fail(ps, "unknown setting '%s'", key);
}

static int parse_line(struct profile_parser *ps, char *line)
{
	char *key, *rest = line;

	line[strcspn(line, "#")] = '\0';
	key = next_word(&rest);
	if (!key)
		return 0;
	rest += strspn(rest, " \t");
	for (char *e = rest + strlen(rest); e > rest && isspace((unsigned char)e[-1]);)
		*--e = '\0';
	if (!strcmp(key, "sends"))
		return parse_sends(ps, rest);
	if (!strcmp(key, "backend"))
		return parse_backend(ps, rest);
	if (!strcmp(key, "refuses"))
		return parse_refusal(ps, rest);
	if (!strcmp(key, "deviation"))
		return parse_deviation(ps, rest);
	return parse_value(ps, key, rest);
}

int target_profile_parse(struct target_profile *p, const char *text, char *err, size_t errlen)
{
	struct profile_parser ps = { .p = p, .err = err, .errlen = errlen };
	char *copy = strdup(text), *save = NULL, *line;
	int ret = 0;

	target_profile_init(p);
	if (!copy)
		return -ENOMEM;
	/* strsep keeps empty lines, so line numbers stay right. */
	for (save = copy; !ret && (line = strsep(&save, "\n"));) {
		ps.line++;
		ret = parse_line(&ps, line);
	}
	if (!p->max_reserved) /* 0: no limit */
		p->max_reserved = UINT64_MAX;
	free(copy);
	return ret;
}

int target_profile_load(struct target_profile *p, const char *path, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "re");
	char *text;
	size_t n;
	int ret;

	if (!fp) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	text = malloc(PROFILE_MAX_BYTES + 1);
	n = text ? fread(text, 1, PROFILE_MAX_BYTES, fp) : 0;
	fclose(fp);
	if (!text)
		return -ENOMEM;
	text[n] = '\0';
	ret = target_profile_parse(p, text, err, errlen);
	free(text);
	return ret;
}

enum target_verdict target_profile_backend_verdict(const struct target_profile *p, uint32_t request)
{
	return request < sizeof(p->backend) ? (enum target_verdict)p->backend[request] : TARGET_REJECTS;
}

const struct target_note *target_profile_deviation(const struct target_profile *p, const char *oracle,
						   const char *text)
{
	for (size_t i = 0; i < p->ndeviations; i++)
		if (!strcmp(p->deviations[i].name, oracle) && strstr(text, p->deviations[i].words))
			return &p->deviations[i];
	return NULL;
}

const struct target_note *target_profile_refusal(const struct target_profile *p, uint32_t request,
						 const char *log)
{
	for (size_t i = 0; i < p->nrefuses; i++) {
		const struct target_note *r = &p->refuses[i];

		if (r->request ? r->request == request : log && strstr(log, r->words))
			return r;
	}
	return NULL;
}
