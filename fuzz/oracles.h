/* SPDX-License-Identifier: MIT */
/*
 * Oracle plumbing: how a violation is reported, and where. Each family has
 * its checks in a file of its own, named as its reports name it
 * (oracle_reply_protocol.c for `reply-protocol`, and so on), with the
 * interface an out-of-process driver can use where the check does not need
 * our library in this process.
 *
 * The oracles (docs/protocol.md, "Oracles") and their names in reports:
 *   reply-protocol  one reply exactly when NEED_REPLY, well formed, value 0
 *                   exactly on success; the front-end's own requests on the
 *                   front-end channel are the ones negotiation calls for
 *   shadow-model    accept/reject and the mapping and region tables agree
 *                   with the pure model after every step
 *   memory-truth    bytes and protections of every mapping, inaccessible
 *                   reservation elsewhere, no fault when an accepted mapping
 *                   is touched
 *   resources       same open fds, harness fds intact, no mapping left
 *                   after teardown, no mapping of a harness memfd left
 *                   anywhere (heap leaks: LeakSanitizer)
 *   liveness        every message handled in bounded time
 *   verdict         what handle_backend tells its embedder (struct
 *                   vsf_verdict) is the message sent and the reply seen,
 *                   and a rejection leaves a reason
 *   wire-codec      src/wire.c encodes a map/unmap op as the harness does
 * and, from the library's hook between reply and commit (commit_order.h):
 *   commit-order    the reply is on the wire before the change is committed
 *   commit-target   the committed range lies in its region and is free
 *                   before a map, mapped before an unmap
 */
#ifndef VSF_ORACLES_H
#define VSF_ORACLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Where the harness is, for reports. */
struct oracle_where {
	const char *harness;
	size_t op_index;
	const char *op_name;
	/* The backend message being handled, if any: its bytes (as many as
	 * were left in the op) and its index among the op's messages. */
	const uint8_t *msg;
	size_t msg_len, msg_index;
};

/* Report a violation of oracle `oracle` at `where` and abort. */
_Noreturn void oracle_fail(const struct oracle_where *where, const char *oracle,
			   const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define ORACLE_CHECK(where, oracle, cond, ...)                                 \
	do {                                                                   \
		if (__builtin_expect(!(cond), 0))                              \
			oracle_fail(where, oracle, __VA_ARGS__);               \
	} while (0)

/*
 * Between oracle_enter and oracle_leave (one input's run), *where is the
 * place a sanitizer report (its death callback) names: it ends with the op
 * and message being handled.
 */
void oracle_enter(const struct oracle_where *where);
void oracle_leave(void);

/*
 * What a driver of a front-end in another process adds (process_driver.h):
 * describe() prints what every report must say about the target (its
 * command, how it ended, the end of its stderr); deviation() is shown each
 * violation first and does not return when it is one the target's profile
 * names (the driver ends the input its own way). NULL: none.
 */
struct oracle_context {
	void (*describe)(FILE *fp, void *opaque);
	void (*deviation)(const char *oracle, const char *what, void *opaque);
	void *opaque;
};
void oracle_set_context(const struct oracle_context *ctx);

#endif
