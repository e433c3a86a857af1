/* SPDX-License-Identifier: MIT */
/*
 * A target profile: what a front-end process we did not write negotiates,
 * supports and is known to do, so that its replies are judged under it and
 * not under our own front-end's rules. A small text file, one setting per
 * line, `#` starts a comment (docs/targets.md has the format and the
 * profiles the project ships):
 *
 *   name qemu-7.2-vhost-user-blk
 *   shmem no                  # it handles SHMEM_MAP/UNMAP (SHMEM offered)
 *   reply-ack yes             # it takes REPLY_ACK
 *   max-mappings 8            # its limit of live SHMEM mappings (0: the model's)
 *   max-reserved 0x4000000    # its limit of bytes of all regions (0: none)
 *   on-disconnect stays       # exits | stays when the backend closes
 *   keep reconnect            # reconnect | no: its command makes it connect
 *                             # again when the backend closes its front-end
 *                             # channel, so it can be kept across inputs (no)
 *   start-timeout-ms 5000     # from start to its connection
 *   reply-timeout-ms 1000     # for each reply and each awaited request
 *   settle-ms 50              # no request for this long: start-up is over
 *   offer-features 0x140000000            # what the backend offers until a
 *   offer-protocol-features 0x100628      # program's session op says else
 *   needs-protocol-features 0x200         # bits every offer includes: the
 *                                         # target cannot start without them
 *   sends GET_FEATURES GET_PROTOCOL_FEATURES ...   # start-up requests, in order
 *   backend CONFIG_CHANGE_MSG accept   # accept | reject | any, for a
 *                                      # well-formed backend message; one
 *                                      # not listed is rejected (unknown)
 *   refuses GET_CONFIG a short or failed answer makes it exit (realize fails)
 *   refuses "words" reason... # the same, told by words on its stderr
 *   max-payload 4096          # a backend message above this size loses
 *                             # framing: the target closes the channel
 *   deviation ORACLE "WORDS" reason...  # a known difference from the
 *                             # model: a violation ORACLE reports whose
 *                             # text holds WORDS is this deviation, counted
 *                             # and not a finding
 *
 * Unknown keys are errors, so a typo does not silently judge under a default.
 */
#ifndef VSF_TARGET_PROFILE_H
#define VSF_TARGET_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TARGET_PROFILE_MAX_SENDS   32
#define TARGET_PROFILE_MAX_NOTES   16
#define TARGET_PROFILE_REASON_LEN  160

/* How a target answers a well-formed backend-channel message. */
enum target_verdict {
	TARGET_REJECTS = 0, /* unknown, or known and refused */
	TARGET_ACCEPTS,
	TARGET_EITHER,      /* depends on state the driver cannot see: not judged */
};

/* A refusal (a request) or a deviation (an oracle and words), with its reason. */
struct target_note {
	uint32_t request;   /* refusals: the request's id, 0 for words */
	char name[48];      /* the request's name, or the deviation's oracle */
	char words[96];     /* deviations: what the violation's text holds;
	                       refusals by words: what the target's stderr holds */
	char reason[TARGET_PROFILE_REASON_LEN];
};

struct target_profile {
	char name[64];
	bool shmem, reply_ack;
	bool exits_on_disconnect;
	bool keep_reconnects;       /* keep reconnect: it can be kept across inputs */
	unsigned max_mappings;
	uint32_t max_payload;
	uint64_t max_reserved;
	int start_timeout_ms, reply_timeout_ms, settle_ms;
	bool offer_set, protocol_offer_set;
	uint64_t offer_features, offer_protocol_features, needs_protocol_features;
	uint32_t sends[TARGET_PROFILE_MAX_SENDS];   /* start-up requests, in order */
	size_t nsends;
	uint8_t backend[16];                        /* enum target_verdict by request id */
	struct target_note refuses[TARGET_PROFILE_MAX_NOTES];
	size_t nrefuses;
	struct target_note deviations[TARGET_PROFILE_MAX_NOTES];
	size_t ndeviations;
};

/* The profile of a front-end that follows our model in everything. */
void target_profile_init(struct target_profile *p);

/*
 * Parse a profile's text into p (initialised first). 0, or -EINVAL with
 * "line N: reason" in err.
 */
int target_profile_parse(struct target_profile *p, const char *text, char *err, size_t errlen);
/* The same from a file; -errno when it cannot be read. */
int target_profile_load(struct target_profile *p, const char *path, char *err, size_t errlen);

/* The verdict for a well-formed backend message with this request id. */
enum target_verdict target_profile_backend_verdict(const struct target_profile *p, uint32_t request);
/* The deviation a violation of oracle, said in text, is; or NULL. */
const struct target_note *target_profile_deviation(const struct target_profile *p, const char *oracle,
						   const char *text);
/* The refusal after request, or one whose words the target's stderr (log) holds; or NULL. */
const struct target_note *target_profile_refusal(const struct target_profile *p, uint32_t request,
						 const char *log);

#endif
