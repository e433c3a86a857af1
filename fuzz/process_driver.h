/* SPDX-License-Identifier: MIT */
/*
 * The out-of-process driver: runs one fuzz program (program.h) against a
 * front-end that runs as its own process (QEMU, crosvm, a user's VMM, our
 * own vhost-shmem-frontend), playing the backend on both channels, and
 * judges what the target does with the oracle families, under its target
 * profile (target_profile.h) instead of our front-end's rules.
 *
 * Each input gets a fresh target process: started from the command line
 * with the socket substituted, served through its start-up until it goes
 * quiet (its requests answered from the program's session and config ops),
 * then the program's messages are sent on the backend channel it handed
 * over, its replies read and judged, and at the end it is stopped and its
 * fds, mappings, exit and stderr are judged. A fresh process per input is
 * what makes a finding reproduce alone; docs/targets.md gives the cost.
 *
 * Kept mode (VSF_TARGET_KEEP=1, for a profile that says `keep reconnect`):
 * a target that ended an input clean is let go instead of stopped (the
 * driver closes its front-end channel and takes its next connection), and
 * takes the next input if, after that input's start-up, it shows the state
 * a fresh start showed after the same start-up (target_state.h); else it is
 * stopped and a fresh one starts, counted. A finding on a kept target says
 * so in its report: the reproducer runs a fresh one.
 *
 * Ops that act inside our own front-end (fault, add_region, reset) cannot
 * act on another process: they are counted as not applicable and skipped.
 * Answer ops are rules the target's requests are answered by from then on
 * (backend_peer.h); a wait op serves its front-end channel until it sent a
 * request (program.h). A liveness finding while a reply a rule withheld is
 * still owed says "we withheld", so that a profile can name a target that
 * waits for ever.
 */
#ifndef VSF_PROCESS_DRIVER_H
#define VSF_PROCESS_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "target_profile.h"

struct vsf_program;

struct process_target {
	char *command;               /* with {socket} for the socket's path */
	struct target_profile profile;
	bool keep;                   /* kept mode */
};

/*
 * The target from the environment: VSF_TARGET_CMD (the command line),
 * VSF_TARGET_PROFILE (a profile file; without it, the model's own rules)
 * and VSF_TARGET_KEEP (1: kept mode, when the profile allows it).
 * 0, or -EINVAL with the reason in err.
 */
int process_target_from_env(struct process_target *pt, char *err, size_t errlen);

/* Run one program against a fresh target; aborts with an oracle report on a finding. */
void process_run_program(const struct process_target *pt, const struct vsf_program *p);

/*
 * Counters since the process started (fuzz_frontend_process.c writes them
 * to VSF_TARGET_STATS). restarts: connect ops; kept: inputs that took a
 * kept target; unclean: kept targets stopped for a state unlike a fresh
 * one's; lost: targets let go that did not come back (or ended between
 * inputs, or left during a start-up a fresh target then went through);
 * refused_kept: kept targets that left during a start-up a fresh target
 * then left too (the start-up's refusal, judged on the fresh one).
 */
struct process_stats {
	unsigned long long inputs, messages, refused, deviations, not_applicable, restarts;
	unsigned long long kept, unclean, lost, refused_kept;
};
const struct process_stats *process_driver_stats(void);

/* A digest of what the target did in the last run (replies, requests, end). */
uint64_t process_last_digest(void);

#endif
