/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "process_driver.h"

#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "backend_peer.h"
#include "fd_table.h"
#include "harness_error.h"
#include "op_wire.h"
#include "oracle_liveness.h"
#include "oracle_memory_truth.h"
#include "oracle_reply_protocol.h"
#include "oracle_resources.h"
#include "oracle_shadow_model.h"
#include "oracle_target.h"
#include "oracles.h"
#include "peer_io.h"
#include "probes.h"
#include "proc_view.h"
#include "program.h"
#include "shadow_model.h"
#include "target_process.h"
#include "target_state.h"
#include "vhost_names.h"
#include "wire.h"

#define REPLY_LEN (VSF_HEADER_SIZE + VSF_U64_PAYLOAD_SIZE)

_Static_assert(BACKEND_PEER_MAX_SEEN >= TARGET_PROFILE_MAX_SENDS,
	       "a session records every start-up request a profile may list");
#define MAX_SENT_FILES 64

static struct process_stats stats;
static uint64_t last_digest;
/* Kept mode: the target let go after a clean input, connected again and
 * waiting for its next start-up (pid 0: none). */
static struct target_process kept = { .listen_fd = -1, .conn = -1, .log_fd = -1 };
/* The state a fresh start showed, by start-up, newest first: what a kept
 * target must show again after the same start-up. */
#define MAX_BASELINES 8
static struct target_state baselines[MAX_BASELINES];
/* Probed once, before main() (the harnesses do the same). */
static bool write_sealed_maps_ro;

__attribute__((constructor)) static void probe_kernel(void)
{
	write_sealed_maps_ro = fd_probe_write_sealed_ro_mmap();
}

struct prun {
	const struct process_target *pt;
	const struct target_profile *prof;
	struct oracle_where where;
	struct target_process t;
	bool started;      /* a target runs for this input */
	bool session_over; /* it refused the session (as its profile says) or is gone */
	struct fd_table fds;
	struct backend_offer offer;
	struct backend_session sess;
	struct shadow_model model;
	bool offer_from_program; /* a session op changed what the backend offers */
	bool was_kept;           /* its target was kept from an earlier input */
	bool kept_left;          /* a kept target left during this input's start-up */
	/* The target's open fds once its start-up was over. */
	uint64_t fd_baseline[PROBE_FD_SCAN_LIMIT / 64];
	struct file_id sent[MAX_SENT_FILES]; /* files we sent it, to find them there */
	size_t nsent;
	struct memory_truth_target memory;   /* where its regions are, as seen */
	unsigned connects, not_applicable;
	size_t send_left;
	uint64_t digest;
	const char *verdict;               /* how the input ended, when not clean */
	char verdict_why[320];
	jmp_buf deviation;                 /* where a known deviation ends the input */
};

static void digest_u64(struct prun *r, uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		r->digest ^= (uint8_t)(v >> (8 * i));
		r->digest *= 0x100000001b3ull;
	}
}

const struct process_stats *process_driver_stats(void)
{
	return &stats;
}

uint64_t process_last_digest(void)
{
	return last_digest;
}

/* At exit: the kept target goes, and what it said when stopped is not lost. */
static void stop_kept(void)
{
	char what[256];

	if (!kept.pid)
		return;
	target_stop(&kept, 0);
	if (target_log_reports_bug(&kept, what, sizeof(what)))
		fprintf(stderr, "==vsf== WARNING: the kept target reported a bug when it was stopped "
				"at the end, after its last input: %s (rerun the inputs with a fresh "
				"target: VSF_TARGET_KEEP unset)\n", what);
	target_cleanup(&kept);
}

/* Kept mode when asked for and the profile allows it. */
static void keep_from_env(struct process_target *pt)
{
	const char *keep = getenv("VSF_TARGET_KEEP");

	if (!keep || strcmp(keep, "1"))
		return;
	if (!pt->profile.keep_reconnects) {
		fprintf(stderr, "fuzz_frontend_process: VSF_TARGET_KEEP=1, but profile %s does not "
				"say 'keep reconnect': a fresh target for each input\n",
			pt->profile.name);
		return;
	}
	pt->keep = true;
	atexit(stop_kept);
}

int process_target_from_env(struct process_target *pt, char *err, size_t errlen)
{
	const char *cmd = getenv("VSF_TARGET_CMD");
	const char *profile = getenv("VSF_TARGET_PROFILE");

	memset(pt, 0, sizeof(*pt));
	if (!cmd || !*cmd) {
		snprintf(err, errlen, "VSF_TARGET_CMD is not set: the target's command line, "
				      "with {socket} for the socket's path");
		return -EINVAL;
	}
	if (!strstr(cmd, "{socket}")) {
		snprintf(err, errlen, "VSF_TARGET_CMD has no {socket}: the target cannot find us");
		return -EINVAL;
	}
	pt->command = strdup(cmd);
	if (!pt->command)
		return -ENOMEM;
	if (!profile || !*profile)
		target_profile_init(&pt->profile);
	else if (target_profile_load(&pt->profile, profile, err, errlen) < 0)
		return -EINVAL;
	keep_from_env(pt);
	return 0;
}

/* What a report says about the target besides the violation itself. */
static void describe_target(FILE *out, void *opaque)
{
	const struct prun *r = opaque;
	char end[64], tail[2048];
	size_t n;

	target_describe_end(&r->t, end, sizeof(end));
	fprintf(out, "==vsf== target: %s\n==vsf== target profile: %s; %s\n", r->pt->command,
		r->prof->name, end);
	if (r->was_kept)
		fprintf(out, "==vsf== target kept from an earlier input (VSF_TARGET_KEEP=1); its "
			     "state after start-up was a fresh start's, but a fresh target may not "
			     "show this: the reproducer starts a fresh one\n");
	n = target_log_tail(&r->t, tail, sizeof(tail));
	if (n)
		fprintf(out, "==vsf== target stderr (its end):\n%s%s", tail,
			tail[n - 1] == '\n' ? "" : "\n");
}

/* A violation the profile names is a known deviation: the input ends here, counted. */
static void check_deviation(const char *oracle, const char *what, void *opaque)
{
	struct prun *r = opaque;
	const struct target_note *d = target_profile_deviation(r->prof, oracle, what);

	if (!d)
		return;
	if (r->verdict) { /* a second one, while the target stopped */
		size_t n = strlen(r->verdict_why);

		snprintf(r->verdict_why + n, sizeof(r->verdict_why) - n, "; then [%s] %s", oracle,
			 d->words);
	} else {
		snprintf(r->verdict_why, sizeof(r->verdict_why), "[%s] %s: %s", oracle, d->words,
			 d->reason);
	}
	r->verdict = "deviation";
	longjmp(r->deviation, 1);
}

/* ---- the front-end channel: the target's requests, answered ---- */

/*
 * Answer the target's next request, waiting at most wait_ms for it (or
 * until the backend channel has bytes to read: stop_at_reply). Returns 1
 * when one was answered, 0 when none came, -ECONNRESET when the target
 * closed its channel (or ended).
 */
static int serve_request(struct prun *r, int wait_ms, bool stop_at_reply)
{
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = r->t.conn, .events = POLLIN },
			{ .fd = stop_at_reply ? r->sess.backend_fd : -1, .events = POLLIN },
		};
		unsigned long before = r->sess.requests;
		int ret = poll(pfd, 2, wait_ms);

		if (ret < 0 && errno == EINTR)
			continue;
		if (ret <= 0 || pfd[1].revents)
			return 0;
		ret = backend_serve_one(r->t.conn, r->prof->reply_timeout_ms, &r->offer, &r->sess);
		if (ret == -ECONNRESET || ret == -EPIPE)
			return -ECONNRESET;
		if (r->sess.requests > before)
			digest_u64(r, r->sess.last_request);
		if (ret < 0 && !target_alive(&r->t)) /* it died mid-request: that is the news */
			target_check_end(&r->where, &r->t, true);
		ORACLE_CHECK(&r->where, "reply-protocol", ret != -EPROTO,
			     "front-end channel: %s", r->sess.why);
		ORACLE_CHECK(&r->where, "reply-protocol", ret != -EMSGSIZE,
			     "front-end channel: a request's size is above %u bytes", VSF_PAYLOAD_MAX);
		liveness_check_arrived(&r->where, ret != -ETIMEDOUT, r->prof->reply_timeout_ms,
				       "the rest of a request it began");
		if (ret < 0) {
			errno = -ret;
			harness_setup_failed("answering the target's request");
		}
		return 1;
	}
}

/*
 * Answer the target's requests until none came for quiet_ms, until the
 * backend channel has bytes to read (stop_at_reply), or until request
 * `until` was answered (0: none). Returns 0, or -ECONNRESET when the
 * target closed its channel (or ended).
 */
static int serve_requests(struct prun *r, int quiet_ms, bool stop_at_reply, uint32_t until)
{
	/* A target that never stops sending requests must not hold the driver. */
	int budget_ms = quiet_ms > r->prof->start_timeout_ms ? quiet_ms : r->prof->start_timeout_ms;
	uint64_t end = liveness_now() + (uint64_t)budget_ms * 1000000;
	int ret;

	while ((ret = serve_request(r, quiet_ms, stop_at_reply)) > 0) {
		if (until && r->sess.last_request == until)
			return 0;
		ORACLE_CHECK(&r->where, "liveness", liveness_now() < end,
			     "the target kept sending requests for %d ms (%s last)", budget_ms,
			     vhost_request_name(VHOST_FRONTEND_CHANNEL, r->sess.last_request) ?:
				     "an unknown request");
	}
	return ret;
}

/* The times the profile says the target sends request in its start-up. */
static size_t profile_sends(const struct target_profile *prof, uint32_t request)
{
	size_t n = 0;

	for (size_t i = 0; i < prof->nsends; i++)
		n += prof->sends[i] == request;
	return n;
}

/*
 * The target's start-up: its requests answered until the last one its
 * profile lists, then settle_ms without a request (what it does after its
 * last request, such as reserving its regions, is part of its start-up). A
 * loaded machine can leave longer gaps inside a start-up than settle_ms:
 * until that last request, a gap may be as long as the reply timeout (a
 * target whose start-up goes another way, or that gives up, is done after
 * such a gap).
 */
static int serve_startup(struct prun *r)
{
	uint32_t last = r->prof->nsends ? r->prof->sends[r->prof->nsends - 1] : 0;
	size_t need = last ? profile_sends(r->prof, last) : 0, seen;
	int ret = 0;

	/* The last listed request as often as the list has it (GET_FEATURES
	 * comes twice in QEMU's), each within the reply timeout. */
	while ((seen = backend_session_count(&r->sess, last)) < need) {
		ret = serve_requests(r, r->prof->reply_timeout_ms, false, last);
		if (ret < 0 || backend_session_count(&r->sess, last) == seen)
			break;
	}
	return ret < 0 ? ret : serve_requests(r, r->prof->settle_ms, false, 0);
}

/* The last request the target sent, or 0. */
static uint32_t last_request(const struct prun *r)
{
	return r->sess.last_request;
}

/*
 * What the target did not send in time, said with the reply an answer rule
 * withheld from it, if it has sent nothing since: a target that waits for
 * that reply (with no timeout of its own) is told apart in the report, and
 * its profile can name it.
 */
static const char *awaited(const struct prun *r, const char *what, char *buf, size_t len)
{
	const char *name = vhost_request_name(VHOST_FRONTEND_CHANNEL, r->sess.withheld);

	if (!r->sess.withheld)
		return what;
	snprintf(buf, len, "%s (it waits for the %s reply we withheld or cut short)", what,
		 name ? name : "request's");
	return buf;
}

/*
 * The target ended or closed its channel during start-up: a refusal its
 * profile names (it left cleanly after a request the profile says it
 * refuses a session on), or a finding.
 */
static void gone_in_startup(struct prun *r)
{
	uint32_t req = last_request(r);
	const char *name = vhost_request_name(VHOST_FRONTEND_CHANNEL, req);
	const struct target_note *why;
	char log[4096];

	/* A target that gives up on its device exits by itself: give it the time. */
	target_stop(&r->t, r->prof->start_timeout_ms);
	backend_session_fini(&r->sess);
	target_check_end(&r->where, &r->t, false);
	target_log_tail(&r->t, log, sizeof(log));
	why = target_profile_refusal(r->prof, req, log);
	ORACLE_CHECK(&r->where, "target-died", why,
		     "the target left during start-up after %s, which its profile does not say it refuses",
		     name ? name : "its connection");
	stats.refused++;
	r->session_over = true;
	r->verdict = "refused";
	snprintf(r->verdict_why, sizeof(r->verdict_why), "after %s: %s",
		 name ? name : "its connection", why->reason);
	digest_u64(r, 0xdead);
}

/* With VSF_VERDICTS set: why a kept target was not kept. */
static void say_restart(const char *why)
{
	if (getenv("VSF_VERDICTS"))
		fprintf(stderr, "==vsf== target restarted fresh: %s\n", why);
}

/* No target there (its fds were handed on or closed). */
static void no_target(struct target_process *t)
{
	memset(t, 0, sizeof(*t));
	t->listen_fd = t->conn = t->log_fd = -1;
}

/* The kept target, when there is one and it still runs. */
static bool take_kept(struct prun *r)
{
	bool alive = kept.pid && target_alive(&kept);

	if (alive) {
		r->t = kept;
		stats.kept++;
	} else if (kept.log_fd >= 0) {
		stats.lost++;
		say_restart("the kept target ended between inputs");
		target_cleanup(&kept);
	}
	no_target(&kept);
	return alive;
}

/* The start-up's requests, as target_state.h keys states by: "id/nfds ...". */
static void startup_text(const struct prun *r, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < r->sess.nseen && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%u/%u ", r->sess.seen[i].request,
				      r->sess.seen_nfds[i]);
}

/*
 * Stop a kept target that will not take this input, counted in *counter
 * (unless NULL): a bug it reports meanwhile is this input's; a fresh one
 * is due.
 */
static void drop_kept(struct prun *r, unsigned long long *counter, const char *why)
{
	if (counter)
		(*counter)++;
	say_restart(why);
	target_stop(&r->t, 0);
	backend_session_fini(&r->sess);
	target_check_end(&r->where, &r->t, false);
	target_cleanup(&r->t);
}

/*
 * Kept mode, after a start-up: a fresh target's state is the baseline for
 * its start-up (the newest one replaces an older); a kept target's must
 * be the baseline's. False for a kept target that is not: it is dropped.
 */
static bool prove_clean(struct prun *r)
{
	struct target_state now, *base = NULL;
	struct file_id log;
	char startup[BACKEND_PEER_MAX_SEEN * 12], why[320], line[400];
	bool same;

	startup_text(r, startup, sizeof(startup));
	if (file_id_of_fd(r->t.log_fd, &log) < 0 ||
	    target_state_read(&now, r->t.pid, &log, startup) < 0) {
		if (!r->t.kept)
			return true;
		snprintf(why, sizeof(why), "its state could not be read");
		same = false;
	} else {
		for (size_t i = 0; i < MAX_BASELINES && !base; i++)
			if (target_state_same_startup(&baselines[i], &now))
				base = &baselines[i];
		if (!r->t.kept) {
			if (!base) /* a new start-up: the oldest baseline goes */
				base = &baselines[MAX_BASELINES - 1];
			target_state_free(base);
			memmove(baselines + 1, baselines, (size_t)(base - baselines) * sizeof(*base));
			baselines[0] = now;
			return true;
		}
		same = base && target_state_same(base, &now, why, sizeof(why));
		if (!base)
			snprintf(why, sizeof(why), "no fresh start went through its start-up (%s)",
				 startup);
		target_state_free(&now);
	}
	if (same)
		return true;
	snprintf(line, sizeof(line), "the kept target's state is not a fresh start's: %s", why);
	drop_kept(r, &stats.unclean, line);
	return false;
}

static void start_target(struct prun *r)
{
	/* A kept target's start-up that is not used is no part of the run. */
	uint64_t digest = r->digest;
	int ret;

again:
	r->digest = digest;
	r->was_kept = take_kept(r);
	ret = r->was_kept ? 0 : target_start(&r->t, r->pt->command, r->prof->start_timeout_ms);
	r->started = true;
	liveness_check_arrived(&r->where, ret != -ETIMEDOUT, r->prof->start_timeout_ms,
			       "its connection");
	if (ret == -ECHILD)
		target_check_end(&r->where, &r->t, true);
	if (ret < 0) {
		errno = -ret;
		harness_setup_failed("starting the target");
	}
	backend_session_fini(&r->sess);
	backend_session_init(&r->sess);
	ret = serve_startup(r);
	/* Quiet, but owed a reply we withheld: it may give up on it in its own time. */
	if (ret == 0 && r->sess.withheld)
		ret = serve_requests(r, r->prof->reply_timeout_ms, false, 0);
	/* A kept target may have given up waiting for this start-up (a
	 * timeout of its own while the engine worked between inputs): what
	 * the start-up makes a target do is judged on a fresh one. */
	if ((ret < 0 || !target_alive(&r->t)) && r->was_kept) {
		drop_kept(r, NULL, "the kept target left during its start-up");
		r->kept_left = true;
		goto again;
	}
	/* Counted once the fresh one shows why it left: a start-up it leaves
	 * too (a refusal) or a kept target that gave up (lost). */
	if (r->kept_left && (ret < 0 || !target_alive(&r->t)))
		stats.refused_kept++;
	else if (r->kept_left)
		stats.lost++;
	r->kept_left = false;
	if (ret < 0 || !target_alive(&r->t)) {
		gone_in_startup(r);
		return;
	}
	if (r->pt->keep && !prove_clean(r))
		goto again;
	if (!r->offer_from_program)
		reply_protocol_check_startup(&r->where, r->prof->sends, r->prof->nsends,
					     r->sess.seen, r->sess.nseen);
	model_disconnect(&r->model);
	model_attach(&r->model, r->sess.set_protocol_features, r->sess.backend_fd >= 0);
	if (r->model.shmem && r->prof->shmem)
		model_configure(&r->model, r->offer.cfg_nregions, r->offer.cfg_sizes);
	memory_truth_target_init(&r->memory, &r->where, r->t.pid, &r->model,
				 r->prof->reply_timeout_ms);
	if (proc_fd_set(r->t.pid, r->fd_baseline, PROBE_FD_SCAN_LIMIT) < 0)
		harness_setup_failed("reading the target's /proc/PID/fd");
}

/*
 * Kept mode, after a clean input: let the target go and take its next
 * connection. True when it came back (a bug it reported while letting go
 * is this input's finding); it is kept for the next input then.
 */
static bool keep_target(struct prun *r)
{
	int ret;

	backend_session_fini(&r->sess);
	ret = target_release(&r->t);
	if (ret == 0)
		ret = target_retake(&r->t, r->prof->start_timeout_ms);
	target_check_end(&r->where, &r->t, false);
	if (ret == 0)
		ret = target_log_forget(&r->t);
	if (ret < 0) {
		stats.lost++;
		say_restart(ret == -ECHILD ? "the target ended instead of connecting again"
					   : "the target did not connect again");
		return false;
	}
	digest_u64(r, 0); /* as a target that ended by itself or on SIGTERM */
	kept = r->t;
	no_target(&r->t);
	return true;
}

/* End the target's session: what it leaves behind, how it ends. */
static void stop_target(struct prun *r)
{
	if (!r->started || r->session_over) {
		r->started = false;
		return;
	}
	/* Replies nobody asked for, and requests, may still come: a quiet spell. */
	if (serve_requests(r, r->prof->settle_ms, false, 0) == 0 && r->sess.backend_fd >= 0)
		reply_protocol_check_quiet(&r->where, r->sess.backend_fd);
	/* A bug it reported (a sanitizer's report after its last reply) is the
	 * cause of what the other checks would see next. Gone before we stop
	 * it, it left while talked to, unless its backend channel ended and its
	 * profile says it leaves then (our program does). */
	target_check_end(&r->where, &r->t,
			 r->model.channel_open || !r->prof->exits_on_disconnect);
	if (target_alive(&r->t)) {
		resources_check_target(&r->where, r->t.pid, r->fd_baseline, PROBE_FD_SCAN_LIMIT,
				       r->sent, r->nsent, r->prof->reply_timeout_ms);
		if (r->prof->shmem)
			memory_truth_check_target_all(&r->memory, &r->model, r->sent, r->nsent,
						      !r->model.channel_open);
	}
	if (r->pt->keep && target_alive(&r->t) && keep_target(r)) {
		r->started = false;
		return;
	}
	/* The backend channel stays open until the target is gone: a target
	 * stuck reading it must still end on SIGTERM. */
	target_stop(&r->t, r->prof->exits_on_disconnect ? r->prof->start_timeout_ms : 0);
	backend_session_fini(&r->sess);
	target_check_end(&r->where, &r->t, false);
	digest_u64(r, r->t.end == TARGET_EXITED ? (uint64_t)r->t.status : 0);
	r->started = false;
}

/* ---- the backend channel: our messages, its replies ---- */

/*
 * A file we sent, to look for in the target later. Not an anonymous inode
 * (an eventfd): every eventfd, signalfd and epoll fd of the target shares
 * its inode, so it cannot be told apart there; nor a file the target may
 * open itself.
 */
static void remember_sent_file(struct prun *r, const struct fd_resource *res)
{
	char path[64];

	/* /dev/zero and directories: the target may open the same itself. */
	if (res->desc.kind == VSF_FD_DEVZERO || res->desc.kind == VSF_FD_DIR)
		return;
	proc_fd_path(getpid(), res->fd, path, sizeof(path));
	if (!strncmp(path, "anon_inode:", 11))
		return;
	for (size_t i = 0; i < r->nsent; i++)
		if (r->sent[i].dev == res->dev && r->sent[i].ino == res->ino)
			return;
	if (r->nsent < MAX_SENT_FILES)
		r->sent[r->nsent++] = (struct file_id){ res->dev, res->ino };
}

/*
 * The model's verdict under the profile: SHMEM messages as the model says
 * when the target handles them, every other well-formed message as the
 * profile says (one it does not list is unknown to it: rejected). Returns
 * false when the profile leaves the verdict open (`any`): then only the
 * reply's presence and form are judged.
 */
static bool judge_under_profile(const struct prun *r, const uint8_t *msg, struct model_verdict *mv)
{
	enum target_verdict tv;

	if (mv->framed && vsf_load_le32(msg + 8) > r->prof->max_payload) {
		/* Above what the target reads: it drops the channel, no reply. */
		mv->framed = mv->accepted = mv->reply = false;
		mv->why = "the payload is above the target's maximum";
		return true;
	}
	if (!mv->framed || mv->channel_closes)
		return true;
	if (r->prof->shmem && (mv->request == VSF_BACKEND_SHMEM_MAP ||
			       mv->request == VSF_BACKEND_SHMEM_UNMAP))
		return true;
	tv = target_profile_backend_verdict(r->prof, mv->request);
	mv->accepted = tv == TARGET_ACCEPTS;
	mv->why = mv->accepted ? NULL : "the target's profile says it rejects this message";
	memset(&mv->change, 0, sizeof(mv->change));
	return tv != TARGET_EITHER;
}

/* Read the reply owed for one message: wait for it when one is due, serving requests meanwhile. */
static size_t read_reply(struct prun *r, const struct model_verdict *mv, uint8_t buf[REPLY_LEN])
{
	uint64_t deadline = liveness_now() + (uint64_t)r->prof->reply_timeout_ms * 1000000;
	size_t n = 0, want = REPLY_LEN;

	if (!mv->reply || mv->reply_lost)
		return 0;
	/* A header first; then the payload it announces, 8 bytes at most (a
	 * reply of another size is the reply-protocol oracle's to report). */
	while (n < want) {
		uint64_t now = liveness_now();

		if (now >= deadline || serve_requests(r, (int)((deadline - now) / 1000000) + 1, true, 0) < 0)
			break;
		n += peer_io_read_pending(r->sess.backend_fd, buf + n, want - n, NULL, 0, NULL);
		if (n >= VSF_HEADER_SIZE && want == REPLY_LEN) {
			uint32_t size = vsf_load_le32(buf + 8);

			want = VSF_HEADER_SIZE + (size < VSF_U64_PAYLOAD_SIZE ? size : VSF_U64_PAYLOAD_SIZE);
		}
		if (n < want && !target_alive(&r->t))
			break;
	}
	if (n < want) {
		char what[96], note[192];

		target_check_end(&r->where, &r->t, !target_alive(&r->t));
		snprintf(what, sizeof(what), "its reply to request %u", mv->request);
		liveness_check_arrived(&r->where, false, r->prof->reply_timeout_ms,
				       awaited(r, what, note, sizeof(note)));
	}
	return n;
}

/* Judge one message of ours, from the model's verdict to what the target shows. */
static size_t judge_message(struct prun *r, const uint8_t *msg, size_t left,
			    const struct fd_desc *fds, size_t nfds)
{
	struct model_verdict mv;
	uint8_t reply[REPLY_LEN];
	bool judged;
	size_t n;

	model_message(&r->model, msg, left, fds, nfds, NULL, &mv);
	judged = judge_under_profile(r, msg, &mv);
	stats.messages++;
	n = read_reply(r, &mv, reply);
	if (!judged && n == REPLY_LEN)
		mv.accepted = vsf_load_le64(reply + VSF_HEADER_SIZE) == 0;
	reply_protocol_check_replies(&r->where, &mv, reply, n);
	digest_u64(r, mv.request);
	digest_u64(r, n ? vsf_load_le64(reply + VSF_HEADER_SIZE) : UINT64_MAX);
	if (!mv.framed || mv.channel_closes) {
		shadow_check_target_closes(&r->where, r->sess.backend_fd, r->prof->reply_timeout_ms,
					   mv.framed ? "reply undeliverable" : "framing is lost");
		r->model.channel_open = false;
		return left;
	}
	/* With more messages of the op already sent, what this one did may be
	 * undone before it can be seen: the end of the input judges it. */
	if (mv.consumed < left || !mv.accepted || !r->prof->shmem)
		return mv.consumed;
	if (!target_alive(&r->t)) /* a crash, not a missing mapping */
		target_check_end(&r->where, &r->t, true);
	if (mv.request == VSF_BACKEND_SHMEM_MAP)
		memory_truth_check_target_map(&r->memory, &mv.change);
	else if (mv.request == VSF_BACKEND_SHMEM_UNMAP)
		memory_truth_check_target_gone(&r->memory, &mv.change);
	return mv.consumed;
}

/* Send bytes (with fds on the first chunk), then judge every message in them. */
static void deliver(struct prun *r, const uint8_t *bytes, size_t len, size_t chunk,
		    const uint8_t *handles, size_t nhandles)
{
	struct fd_desc mfds[VSF_PROG_MAX_OP_FDS];
	int fds[VSF_PROG_MAX_OP_FDS];
	size_t nfds = 0, off = 0;

	if (len > r->send_left)
		return;
	r->send_left -= len;
	if (!r->started)
		start_target(r);
	if (r->session_over || !r->model.channel_open || !len)
		return;
	for (size_t i = 0; i < nhandles; i++) {
		const struct fd_resource *res = fd_table_get(&r->fds, handles[i]);

		if (!res)
			continue;
		remember_sent_file(r, res);
		fds[nfds] = res->fd;
		mfds[nfds++] = res->desc;
	}
	/* A failed send is judged by what the model says of the messages. */
	(void)peer_io_send(r->sess.backend_fd, bytes, len, chunk, fds, nfds,
			   r->prof->reply_timeout_ms);
	for (size_t k = 0; off < len && r->model.channel_open; k++) {
		r->where.msg = bytes + off;
		r->where.msg_len = len - off;
		r->where.msg_index = k;
		off += judge_message(r, bytes + off, len - off, off ? NULL : mfds, off ? 0 : nfds);
	}
	r->where.msg = NULL;
	if (r->model.channel_open) /* every reply of the op was read: nothing more is owed */
		reply_protocol_check_quiet(&r->where, r->sess.backend_fd);
}

static void do_mmap_op(struct prun *r, const struct vsf_op *op)
{
	uint8_t msg[OP_WIRE_MMAP_LEN];
	size_t len = op_wire_mmap(op, msg);

	deliver(r, msg, len, op->chunk, op->handles, op->nfds);
}

/* The backend stops reading (replies cannot be delivered) or ends its stream. */
static void do_shutdown(struct prun *r, int how)
{
	if (!r->started)
		start_target(r);
	if (r->session_over || r->sess.backend_fd < 0 || !r->model.channel_open)
		return;
	if (shutdown(r->sess.backend_fd, how) < 0)
		harness_setup_failed("shutdown");
	if (how == SHUT_RD)
		r->model.peer_read_shut = true;
	else
		r->model.channel_open = false;
}

/* An answer op: a rule of the offer, its handles resolved in the fd table. */
static void set_answer(struct prun *r, const struct vsf_op *op)
{
	struct backend_rule rule;
	int fds[VSF_PROG_MAX_OP_FDS];
	size_t nfds = 0;

	for (size_t i = 0; i < op->nfds; i++) {
		const struct fd_resource *res = fd_table_get(&r->fds, op->handles[i]);

		if (res) {
			remember_sent_file(r, res);
			fds[nfds++] = res->fd;
		}
	}
	backend_rule_from_op(op, fds, nfds, &rule);
	if (!backend_offer_add_rule(&r->offer, &rule)) {
		r->not_applicable++; /* past the rules an offer holds */
		stats.not_applicable++;
	}
	r->offer_from_program = true;
}


/*
 * True while the target's requests have gone the way its profile's start-up
 * list says: only then is the list a promise of what comes. A program's own
 * offer can send it another way (a feature it leaves out skips the requests
 * that need it), and the start-up check is not made then either.
 */
static bool on_profiled_path(const struct prun *r)
{
	size_t n = r->sess.nseen < r->prof->nsends ? r->sess.nseen : r->prof->nsends;

	for (size_t i = 0; i < n; i++)
		if (r->sess.seen[i].request != r->prof->sends[i])
			return false;
	return true;
}

/*
 * A wait op: serve the front-end channel until the target has sent request
 * nth times in this session, or the reply timeout passed; a liveness
 * finding then only if its profile says the request comes that often and
 * the target is on the way its profile lists.
 */
static void do_wait(struct prun *r, const struct vsf_op *op)
{
	uint32_t req = op->wait.request;
	/* A request the profile promises gets the reply timeout; any other, a quiet spell. */
	int wait_ms = profile_sends(r->prof, req) >= op->wait.nth ? r->prof->reply_timeout_ms
								    : r->prof->settle_ms;
	uint64_t deadline = liveness_now() + (uint64_t)wait_ms * 1000000;
	const char *name = vhost_request_name(VHOST_FRONTEND_CHANNEL, req);
	char what[96], note[192];
	int ret;

	if (!r->started)
		start_target(r);
	while (!r->session_over && backend_session_count(&r->sess, req) < op->wait.nth) {
		uint64_t now = liveness_now();

		if (now >= deadline)
			break;
		ret = serve_request(r, (int)((deadline - now) / 1000000) + 1, false);
		if (ret < 0) /* it closed its channel: judged when it is stopped */
			return;
	}
	digest_u64(r, backend_session_count(&r->sess, req));
	if (r->session_over || backend_session_count(&r->sess, req) >= op->wait.nth ||
	    profile_sends(r->prof, req) < op->wait.nth || !on_profiled_path(r))
		return;
	target_check_end(&r->where, &r->t, !target_alive(&r->t));
	snprintf(what, sizeof(what), "%s (request %u) %u time%s", name ? name : "request", req,
		 op->wait.nth, op->wait.nth == 1 ? "" : "s");
	liveness_check_arrived(&r->where, false, r->prof->reply_timeout_ms,
			       awaited(r, what, note, sizeof(note)));
}

static void execute(struct prun *r, const struct vsf_op *op)
{
	switch (op->code) {
	case VSF_OP_FD:
		fd_table_create(&r->fds, op);
		break;
	case VSF_OP_SESSION:
		backend_offer_set_session(&r->offer, op);
		r->offer.protocol_features |= r->prof->needs_protocol_features;
		r->offer_from_program = true;
		break;
	case VSF_OP_CONFIG:
		backend_offer_set_config(&r->offer, op);
		r->offer_from_program = true;
		break;
	case VSF_OP_CONNECT:
		if (r->connects++ >= VSF_PROG_MAX_CONNECTS)
			break;
		stats.restarts += r->started;
		stop_target(r);
		r->session_over = false;
		start_target(r);
		break;
	case VSF_OP_SHUTDOWN:
		do_shutdown(r, SHUT_RD);
		break;
	case VSF_OP_HANGUP:
		do_shutdown(r, SHUT_WR);
		break;
	case VSF_OP_SEND:
		deliver(r, op->data, op->data_len, op->chunk, op->handles, op->nfds);
		break;
	case VSF_OP_MAP:
	case VSF_OP_UNMAP:
		do_mmap_op(r, op);
		break;
	case VSF_OP_TRUNCATE:
		fd_table_truncate(&r->fds, op);
		break;
	case VSF_OP_ANSWER:
		set_answer(r, op);
		break;
	case VSF_OP_WAIT:
		do_wait(r, op);
		break;
	case VSF_OP_RESET:      /* our front-end's device model, not another process's */
	case VSF_OP_ADD_REGION:
	case VSF_OP_FAULT:      /* our front-end's own system calls */
		r->not_applicable++;
		stats.not_applicable++;
		break;
	case VSF_OP_BYTES:
		break;
	}
}

static void init_run(struct prun *r, const struct process_target *pt)
{
	memset(r, 0, sizeof(*r));
	r->pt = pt;
	r->prof = &pt->profile;
	r->where.harness = "fuzz_frontend_process";
	r->send_left = VSF_PROG_MAX_SEND_BYTES;
	r->digest = 0xcbf29ce484222325ull;
	r->t.listen_fd = r->t.conn = -1;
	fd_table_init(&r->fds, NULL, false);
	backend_offer_init(&r->offer);
	if (r->prof->offer_set)
		r->offer.features = r->prof->offer_features;
	if (r->prof->protocol_offer_set)
		r->offer.protocol_features = r->prof->offer_protocol_features;
	r->offer.protocol_features |= r->prof->needs_protocol_features;
	backend_session_init(&r->sess);
	model_init(&r->model, r->prof->max_mappings ? r->prof->max_mappings : MODEL_MAX_MAPPINGS,
		   r->prof->max_reserved, (uint64_t)sysconf(_SC_PAGESIZE));
	r->model.write_sealed_maps_ro = write_sealed_maps_ro;
}

/* With VSF_VERDICTS set: one line per input, what scripts/conformance.sh reads. */
static void print_verdict(const struct prun *r)
{
	if (!getenv("VSF_VERDICTS"))
		return;
	if (r->verdict)
		fprintf(stderr, "==vsf== target verdict: %s %s\n", r->verdict, r->verdict_why);
	else
		fprintf(stderr, "==vsf== target verdict: clean (%u op%s not applicable)\n",
			r->not_applicable, r->not_applicable == 1 ? "" : "s");
}

void process_run_program(const struct process_target *pt, const struct vsf_program *p)
{
	/* Static: a known deviation comes back here by longjmp. */
	static struct prun run;
	struct prun *r = &run;
	const struct oracle_context ctx = { describe_target, check_deviation, r };
	size_t executed = 0;

	stats.inputs++;
	init_run(r, pt);
	oracle_enter(&r->where);
	oracle_set_context(&ctx);
	if (setjmp(r->deviation) == 0) {
		for (size_t i = 0; i < p->nops && executed < VSF_PROG_MAX_OPS; i++) {
			if (p->ops[i].code == VSF_OP_BYTES)
				continue;
			r->where.op_index = i;
			r->where.op_name = vsf_op_name(p->ops[i].code);
			execute(r, &p->ops[i]);
			executed++;
		}
		r->where.op_index = p->nops;
		r->where.op_name = "end of input";
		if (!r->started && !r->session_over)
			start_target(r); /* settings alone still make a session */
		stop_target(r);
	} else {
		/* A known deviation ends the input; the target must still stop
		 * (which may be a known deviation too: it comes back here). */
		bool running = r->t.pid != 0; /* else its end was judged already */

		/* The message it was judging may have lived in a frame now gone. */
		r->where.msg = NULL;
		r->where.op_name = "stopping the target";
		stats.deviations += running;
		target_stop(&r->t, 0);
		backend_session_fini(&r->sess);
		if (running)
			target_check_end(&r->where, &r->t, false);
	}
	oracle_set_context(NULL);
	oracle_leave();
	print_verdict(r);
	fd_table_close_all(&r->fds, NULL, NULL);
	target_cleanup(&r->t);
	last_digest = r->digest;
}
