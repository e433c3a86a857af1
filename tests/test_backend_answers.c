/* SPDX-License-Identifier: MIT */
/*
 * Answer rules of the backend peer (scenario/backend_peer.h), the meaning of
 * the answer op (program.h) for every driver: which request a rule answers
 * (every one, the nth), its forms (reply where owed, withhold, cut, always),
 * its payload (the value, bytes, GET_CONFIG's fields), a malformed header,
 * and the fds that go with it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backend_peer.h"
#include "peer_io.h"
#include "program.h"
#include "vhost_names.h"
#include "vsf_test.h"

#define SET_OWNER      VSF_REQ_SET_OWNER
#define SET_VRING_CALL 13u

struct peer {
	struct backend_offer offer;
	struct backend_session s;
	uint8_t buf[BACKEND_PEER_ANSWER_MAX];
	struct vsf_wire_header h; /* of the last answer */
};

static void peer_init(struct peer *p)
{
	backend_offer_init(&p->offer);
	backend_session_init(&p->s);
}

/* The rule of one answer op written in text. */
static void add_rule(struct peer *p, const char *text)
{
	struct vsf_buf b = { 0 };
	struct vsf_program prog = { 0 };
	struct backend_rule rule;
	char err[128];

	SETUP(vsf_program_parse_text(text, &b, err, sizeof(err)) == 0);
	SETUP(vsf_program_decode(b.data, b.len, &prog) == 0 && prog.nops == 1);
	SETUP(prog.ops[0].code == VSF_OP_ANSWER && !prog.ops[0].data_len);
	backend_rule_from_op(&prog.ops[0], NULL, 0, &rule);
	SETUP(backend_offer_add_rule(&p->offer, &rule));
	vsf_program_free(&prog);
	free(b.data);
}

/* The answer to one request with this payload; its length. */
static int ask(struct peer *p, uint32_t request, uint32_t flags, const uint8_t *payload,
	       uint32_t size)
{
	struct vsf_wire_header h = { request, flags, size };
	int ret = backend_answer(&p->offer, &p->s, &h, payload, NULL, 0, p->buf);

	if (ret >= (int)VSF_HEADER_SIZE)
		vsf_decode_header(p->buf, &p->h);
	return ret;
}

/* A reply rule with these bytes, its header natural (as the text form leaves it). */
static struct backend_rule bytes_rule(uint32_t request, const uint8_t *data, size_t len)
{
	return (struct backend_rule){ .request = request, .flags = VSF_REPLY_FLAGS,
				      .id = VSF_ANSWER_NATURAL, .size = VSF_ANSWER_NATURAL,
				      .offset = VSF_ANSWER_NATURAL, .csize = VSF_ANSWER_NATURAL,
				      .cflags = VSF_ANSWER_NATURAL, .data = data, .data_len = len };
}

static uint64_t value(const struct peer *p)
{
	return vsf_load_le64(p->buf + VSF_HEADER_SIZE);
}

TEST(every_and_nth)
{
	struct peer p;

	peer_init(&p);
	add_rule(&p, "answer GET_QUEUE_NUM value=2");
	add_rule(&p, "answer GET_QUEUE_NUM nth=2 value=5");
	CHECK_EQ(ask(&p, VHOST_REQ_GET_QUEUE_NUM, 1, NULL, 0), 20);
	CHECK_EQ(value(&p), 2);
	CHECK_EQ(ask(&p, VHOST_REQ_GET_QUEUE_NUM, 1, NULL, 0), 20);
	CHECK_EQ(value(&p), 5);
	CHECK_EQ(ask(&p, VHOST_REQ_GET_QUEUE_NUM, 1, NULL, 0), 20);
	CHECK_EQ(value(&p), 2);
	CHECK_EQ(backend_session_count(&p.s, VHOST_REQ_GET_QUEUE_NUM), 3);
	/* a later rule for the same request and nth replaces it */
	add_rule(&p, "answer GET_QUEUE_NUM value=7");
	CHECK_EQ(p.offer.nrules, 2);
	CHECK_EQ(ask(&p, VHOST_REQ_GET_QUEUE_NUM, 1, NULL, 0), 20);
	CHECK_EQ(value(&p), 7);
	/* other requests keep the offer's answer */
	CHECK_EQ(ask(&p, VHOST_REQ_GET_MAX_MEM_SLOTS, 1, NULL, 0), 20);
	CHECK_EQ(value(&p), 8);
	CHECK(p.s.rule == NULL);
	backend_session_fini(&p.s);
}

TEST(withhold_and_cut)
{
	struct peer p;

	peer_init(&p);
	add_rule(&p, "answer GET_FEATURES nth=2 withhold");
	add_rule(&p, "answer GET_PROTOCOL_FEATURES cut");
	CHECK_EQ(ask(&p, VSF_REQ_GET_FEATURES, 1, NULL, 0), 20);
	CHECK_EQ(p.s.withheld, 0);
	CHECK_EQ(ask(&p, VSF_REQ_GET_PROTOCOL_FEATURES, 1, NULL, 0), VSF_HEADER_SIZE);
	CHECK_EQ(p.h.size, 8); /* the header promises a payload that never comes */
	CHECK_EQ(p.s.withheld, VSF_REQ_GET_PROTOCOL_FEATURES);
	CHECK_EQ(ask(&p, VSF_REQ_SET_OWNER, 1, NULL, 0), 0);
	CHECK_EQ(p.s.withheld, 0); /* it went on */
	CHECK_EQ(ask(&p, VSF_REQ_GET_FEATURES, 1, NULL, 0), 0);
	CHECK_EQ(p.s.withheld, VSF_REQ_GET_FEATURES);
	backend_session_fini(&p.s);
}

TEST(malformed_header)
{
	struct peer p;

	peer_init(&p);
	add_rule(&p, "answer GET_FEATURES value=0x140000000 id=3 flags=0x1");
	add_rule(&p, "answer GET_QUEUE_NUM value=0x0102030405060708 size=4");
	add_rule(&p, "answer GET_MAX_MEM_SLOTS value=9 size=16");
	CHECK_EQ(ask(&p, VSF_REQ_GET_FEATURES, 1, NULL, 0), 20);
	CHECK_EQ(p.h.request, 3);
	CHECK_EQ(p.h.flags, 1);
	CHECK_EQ(value(&p), 0x140000000);
	/* a size other than the payload's: the payload cut or zero-padded to it */
	CHECK_EQ(ask(&p, VHOST_REQ_GET_QUEUE_NUM, 1, NULL, 0), VSF_HEADER_SIZE + 4);
	CHECK_EQ(p.h.size, 4);
	CHECK_EQ(vsf_load_le32(p.buf + VSF_HEADER_SIZE), 0x05060708);
	CHECK_EQ(ask(&p, VHOST_REQ_GET_MAX_MEM_SLOTS, 1, NULL, 0), VSF_HEADER_SIZE + 16);
	CHECK_EQ(value(&p), 9);
	CHECK_EQ(vsf_load_le64(p.buf + VSF_HEADER_SIZE + 8), 0);
	backend_session_fini(&p.s);
}

TEST(get_config)
{
	/* QEMU's request: offset 0, size 8, flags 0, then the 8 bytes it asks for */
	uint8_t req[12 + 8] = { 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0 };
	struct peer p;

	peer_init(&p);
	p.offer.device_config[0] = 0x11;
	p.offer.device_config[7] = 0x77;
	CHECK_EQ(ask(&p, VHOST_REQ_GET_CONFIG, 1, req, sizeof(req)), VSF_HEADER_SIZE + 20);
	CHECK_EQ(p.buf[VSF_HEADER_SIZE + 12], 0x11);
	CHECK_EQ(p.buf[VSF_HEADER_SIZE + 19], 0x77);
	add_rule(&p, "answer GET_CONFIG offset=0x4 cflags=0x1");
	CHECK_EQ(ask(&p, VHOST_REQ_GET_CONFIG, 1, req, sizeof(req)), VSF_HEADER_SIZE + 20);
	CHECK_EQ(p.h.size, 20);
	CHECK_EQ(vsf_load_le32(p.buf + VSF_HEADER_SIZE), 4);     /* the rule's offset */
	CHECK_EQ(vsf_load_le32(p.buf + VSF_HEADER_SIZE + 4), 8); /* the size asked */
	CHECK_EQ(vsf_load_le32(p.buf + VSF_HEADER_SIZE + 8), 1); /* the rule's flags */
	CHECK_EQ(p.buf[VSF_HEADER_SIZE + 19], 0x77); /* the device's bytes */
	backend_session_fini(&p.s);
}

TEST(config_bytes_cut_or_padded_to_the_size_asked)
{
	uint8_t req[12 + 4] = { 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t six[] = { 1, 2, 3, 4, 5, 6 };
	struct backend_rule rule = bytes_rule(VHOST_REQ_GET_CONFIG, six, sizeof(six));
	struct peer p;

	peer_init(&p);
	SETUP(backend_offer_add_rule(&p.offer, &rule));
	CHECK_EQ(ask(&p, VHOST_REQ_GET_CONFIG, 1, req, sizeof(req)), VSF_HEADER_SIZE + 16);
	CHECK(!memcmp(p.buf + VSF_HEADER_SIZE + 12, six, 4));
	rule.data_len = 2;
	SETUP(backend_offer_add_rule(&p.offer, &rule));
	CHECK_EQ(ask(&p, VHOST_REQ_GET_CONFIG, 1, req, sizeof(req)), VSF_HEADER_SIZE + 16);
	CHECK_EQ(p.buf[VSF_HEADER_SIZE + 13], 2);
	CHECK_EQ(p.buf[VSF_HEADER_SIZE + 14], 0);
	backend_session_fini(&p.s);
}

TEST(reply_where_owed_always_even_unasked)
{
	struct peer p;

	peer_init(&p);
	add_rule(&p, "answer SET_OWNER value=1");
	add_rule(&p, "answer SET_VRING_CALL value=1");
	add_rule(&p, "answer GET_INFLIGHT_FD value=3");
	CHECK_EQ(ask(&p, SET_OWNER, 1, NULL, 0), 0); /* no NEED_REPLY: none owed */
	CHECK_EQ(ask(&p, SET_VRING_CALL, 9, (const uint8_t[8]){ 0 }, 8), 20);
	CHECK_EQ(value(&p), 1); /* a failed acknowledgement */
	/* a GET is owed a reply though this backend has no answer of its own */
	CHECK_EQ(ask(&p, VHOST_REQ_GET_INFLIGHT_FD, 1, NULL, 0), 20);
	CHECK_EQ(value(&p), 3);
	add_rule(&p, "answer SET_OWNER always value=1");
	CHECK_EQ(ask(&p, SET_OWNER, 1, NULL, 0), 20);
	CHECK_EQ(p.h.request, SET_OWNER);
	backend_session_fini(&p.s);
}

/* A driver that writes the answers before they are asked for gets the same rules. */
TEST(reply_bytes_and_plain_rules)
{
	struct peer p;
	uint8_t buf[BACKEND_PEER_ANSWER_MAX];

	peer_init(&p);
	add_rule(&p, "answer GET_FEATURES nth=2 value=0x100000000");
	CHECK_EQ(backend_reply_bytes(&p.offer, VSF_REQ_GET_FEATURES, false, false, 1, buf), 20);
	CHECK_EQ(vsf_load_le64(buf + VSF_HEADER_SIZE), p.offer.features);
	CHECK_EQ(backend_reply_bytes(&p.offer, VSF_REQ_GET_FEATURES, false, true, 2, buf), 20);
	CHECK_EQ(vsf_load_le64(buf + VSF_HEADER_SIZE), 0x100000000);
	CHECK(backend_rule_plain(&p.offer.rules[0]));
	add_rule(&p, "answer GET_PROTOCOL_FEATURES value=1 flags=0xd");
	CHECK(!backend_rule_plain(&p.offer.rules[1]));
	add_rule(&p, "answer SET_BACKEND_REQ_FD withhold");
	CHECK(!backend_rule_plain(&p.offer.rules[2]));
	CHECK_EQ(backend_reply_bytes(&p.offer, VSF_REQ_SET_BACKEND_REQ_FD, true, false, 1, buf), 0);
}

TEST(offer_holds_a_bounded_number_of_rules)
{
	struct backend_offer o;
	struct backend_rule rule = { .nth = 0 };

	backend_offer_init(&o);
	for (uint32_t i = 0; i < BACKEND_PEER_MAX_RULES; i++) {
		rule.request = i;
		CHECK(backend_offer_add_rule(&o, &rule));
	}
	rule.request = 99;
	CHECK(!backend_offer_add_rule(&o, &rule));
	rule.request = 3; /* a replacement still fits */
	CHECK(backend_offer_add_rule(&o, &rule));
	CHECK(backend_offer_rule(&o, 99, 1) == NULL);
	CHECK(backend_offer_rule(&o, 3, 5) == &o.rules[3]);
}

/* Over a socket: the reply and the rule's fd, as a front-end reads them. */
TEST(fds_go_with_the_reply)
{
	static const uint8_t inflight[24] = { 0x00, 0x10 }; /* mmap_size 0x1000 */
	struct backend_rule rule = bytes_rule(VHOST_REQ_GET_INFLIGHT_FD, inflight, sizeof(inflight));
	uint8_t req[VSF_HEADER_SIZE + 24] = { 0 }, reply[VSF_HEADER_SIZE + 24];
	struct vsf_wire_header h = { VHOST_REQ_GET_INFLIGHT_FD, VSF_FLAG_VERSION, 24 };
	int sv[2], fds[2], memfd = memfd_create("answer", MFD_CLOEXEC);
	size_t nfds = 0;
	struct peer p;

	SETUP(memfd >= 0 && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	peer_init(&p);
	rule.fds[0] = memfd;
	rule.nfds = 1;
	SETUP(backend_offer_add_rule(&p.offer, &rule));
	vsf_encode_header(&h, req);
	SETUP(peer_io_send(sv[0], req, sizeof(req), 0, NULL, 0, 1000) == 0);
	CHECK_EQ(backend_serve_one(sv[1], 1000, &p.offer, &p.s), 0);
	CHECK_EQ(peer_io_recv_exact(sv[0], reply, sizeof(reply), 1000, fds, 2, &nfds), 0);
	CHECK_EQ(nfds, 1);
	CHECK_EQ(vsf_load_le32(reply + 8), 24);
	CHECK_EQ(vsf_load_le64(reply + VSF_HEADER_SIZE), 0x1000);
	for (size_t i = 0; i < nfds; i++)
		close(fds[i]);
	close(memfd);
	close(sv[0]);
	close(sv[1]);
	backend_session_fini(&p.s);
}
