/* SPDX-License-Identifier: MIT */
/*
 * Target profiles: the settings a profile file gives, the verdicts they
 * mean, and clear errors for what a typo would otherwise judge under a
 * default. The shipped profiles parse.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "target_profile.h"
#include "vhost_names.h"
#include "vsf_test.h"

TEST(every_setting_is_read)
{
	static const char text[] =
		"# a comment line\n"
		"name qemu-test   # trailing comment\n"
		"shmem no\n"
		"reply-ack yes\n"
		"max-mappings 4\n"
		"max-reserved 0x1000000\n"
		"on-disconnect stays\n"
		"keep reconnect\n"
		"start-timeout-ms 2000\n"
		"reply-timeout-ms 300\n"
		"settle-ms 20\n"
		"offer-protocol-features 0x100628\n"
		"needs-protocol-features 0x200\n"
		"sends GET_FEATURES VHOST_USER_GET_PROTOCOL_FEATURES 17\n"
		"backend CONFIG_CHANGE_MSG accept\n"
		"backend VRING_HOST_NOTIFIER_MSG any\n"
		"refuses SET_BACKEND_REQ_FD a failed ack makes realize fail: it exits 1\n"
		"refuses \"Reconnecting after error\" realize failed\n"
		"max-payload 632\n"
		"deviation reply-protocol \"VRING_HOST_NOTIFIER_MSG (3)\" needs its device started\n";
	struct target_profile p;
	char err[128] = "";

	CHECK_EQ(target_profile_parse(&p, text, err, sizeof(err)), 0);
	CHECK(!strcmp(p.name, "qemu-test"));
	CHECK(!p.shmem);
	CHECK(p.reply_ack);
	CHECK_EQ(p.max_mappings, 4);
	CHECK_EQ(p.max_reserved, 0x1000000);
	CHECK(!p.exits_on_disconnect);
	CHECK(p.keep_reconnects);
	CHECK_EQ(p.start_timeout_ms, 2000);
	CHECK_EQ(p.reply_timeout_ms, 300);
	CHECK_EQ(p.settle_ms, 20);
	CHECK(!p.offer_set);
	CHECK(p.protocol_offer_set);
	CHECK_EQ(p.offer_protocol_features, 0x100628);
	CHECK_EQ(p.needs_protocol_features, 0x200);
	CHECK_EQ(p.nsends, 3);
	CHECK_EQ(p.sends[0], 1);
	CHECK_EQ(p.sends[1], 15);
	CHECK_EQ(p.sends[2], 17);
	CHECK_EQ(target_profile_backend_verdict(&p, 2), TARGET_ACCEPTS);
	CHECK_EQ(target_profile_backend_verdict(&p, 3), TARGET_EITHER);
	CHECK_EQ(target_profile_backend_verdict(&p, 9), TARGET_REJECTS); /* not listed */
	CHECK_EQ(target_profile_backend_verdict(&p, 200), TARGET_REJECTS);
	CHECK_EQ(p.max_payload, 632);
	SETUP(target_profile_refusal(&p, 21, ""));
	CHECK(!strcmp(target_profile_refusal(&p, 21, "")->reason, "a failed ack makes realize fail: it exits 1"));
	CHECK(!target_profile_refusal(&p, 24, "qemu: vhost-user-blk: get config failed"));
	SETUP(target_profile_refusal(&p, 24, "qemu: -device x: Reconnecting after error: y"));
	CHECK(!strcmp(target_profile_refusal(&p, 24, "Reconnecting after error")->reason, "realize failed"));
	SETUP(target_profile_deviation(&p, "reply-protocol", "VRING_HOST_NOTIFIER_MSG (3): value 1"));
	CHECK(!strcmp(target_profile_deviation(&p, "reply-protocol", "VRING_HOST_NOTIFIER_MSG (3)")->reason,
		      "needs its device started"));
	CHECK(!target_profile_deviation(&p, "shadow-model", "VRING_HOST_NOTIFIER_MSG (3)"));
	CHECK(!target_profile_deviation(&p, "reply-protocol", "CONFIG_CHANGE_MSG (2)"));
}

TEST(defaults_are_the_models_rules)
{
	struct target_profile p;
	char err[128];

	CHECK_EQ(target_profile_parse(&p, "", err, sizeof(err)), 0);
	CHECK(p.shmem);
	CHECK(p.reply_ack);
	CHECK(p.exits_on_disconnect);
	CHECK_EQ(p.nsends, 0);
	CHECK_EQ(p.max_payload, 4096);
	CHECK_EQ(target_profile_backend_verdict(&p, 2), TARGET_REJECTS);
}

static void expect_error(const char *text, const char *words)
{
	struct target_profile p;
	char err[160] = "";

	CHECK_EQ(target_profile_parse(&p, text, err, sizeof(err)), -EINVAL);
	if (!strstr(err, words))
		fprintf(stderr, "error '%s' lacks '%s'\n", err, words);
	CHECK(strstr(err, words) != NULL);
}

TEST(mistakes_are_errors_with_their_line)
{
	expect_error("name x\nshmem maybe\n", "line 2: shmem takes yes or no");
	expect_error("shmme yes\n", "line 1: unknown setting 'shmme'");
	expect_error("sends GET_FEATURES GET_FEATUERS\n", "unknown front-end request 'GET_FEATUERS'");
	expect_error("backend SHMEM_MAP perhaps\n", "is not accept, reject or any");
	expect_error("backend NOT_A_MESSAGE accept\n", "unknown backend message");
	expect_error("max-mappings -1\n", "max-mappings takes a number");
	expect_error("refuses GET_CONFIG\n", "refuses needs a reason");
	expect_error("refuses \"unclosed reason\n", "\"words\" expected");
	expect_error("max-payload 5000\n", "max-payload takes a number up to 4096");
	expect_error("deviation reply-protocol words reason\n", "deviation: \"words\" expected");
	expect_error("on-disconnect leaves\n", "exits or stays");
	expect_error("keep always\n", "keep takes reconnect or no");
	expect_error("settle-ms 10 20\n", "settle-ms takes one value");
	expect_error("reply-timeout-ms 0\n", "reply-timeout-ms must be at least 1");
}

TEST(request_names_both_ways)
{
	uint32_t id;

	CHECK(vhost_request_by_name(VHOST_FRONTEND_CHANNEL, "get_config", &id) && id == 24);
	CHECK(vhost_request_by_name(VHOST_BACKEND_CHANNEL, "VHOST_USER_BACKEND_SHMEM_MAP", &id) && id == 9);
	CHECK(vhost_request_by_name(VHOST_FRONTEND_CHANNEL, "0x2c", &id) && id == 44);
	CHECK(!vhost_request_by_name(VHOST_FRONTEND_CHANNEL, "SHMEM_MAP", &id));
	CHECK(!strcmp(vhost_request_name(VHOST_FRONTEND_CHANNEL, 44), "GET_SHMEM_CONFIG"));
	CHECK(!strcmp(vhost_request_name(VHOST_BACKEND_CHANNEL, 2), "CONFIG_CHANGE_MSG"));
	CHECK(vhost_request_name(VHOST_FRONTEND_CHANNEL, 0) == NULL);
	CHECK(vhost_request_name(VHOST_BACKEND_CHANNEL, 11) == NULL);
}

/* The profiles the repository ships parse (TARGETS_DIR, set by CMake). */
TEST(shipped_profiles_parse)
{
	static const char *const names[] = { "vhost-shmem-frontend.profile",
					     "qemu-7.2-vhost-user-blk.profile" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct target_profile p;
		char path[512], err[160] = "";

		snprintf(path, sizeof(path), "%s/%s", TARGETS_DIR, names[i]);
		CHECK_EQ(target_profile_load(&p, path, err, sizeof(err)), 0);
		if (err[0])
			fprintf(stderr, "%s: %s\n", names[i], err);
	}
}
