/* SPDX-License-Identifier: MIT */
/*
 * vsf-demo-backend: a vhost-user backend that plays a script of shared
 * memory requests against a real front-end (vhost-shmem-frontend, or any
 * other) and checks every reply.
 *
 * It listens on a unix socket, accepts one connection, answers the feature
 * negotiation, SET_BACKEND_REQ_FD and GET_SHMEM_CONFIG, then plays the
 * script's ops on the backend channel with real fds (SCM_RIGHTS): `fd` ops
 * create memfds and the other fd kinds, `map`, `unmap` and `send` ops send
 * messages. The script is a fuzz program in its text form (scenario/program.h),
 * so the same file converts with vsf-prog and replays through the fuzz
 * harnesses; the backend reads two extra things from its comments (the
 * program format ignores them):
 *
 *   map ... need_reply   # expect=fail   the verdict of a NEED_REPLY message:
 *                                        ok (reply 0), fail (non-zero), any;
 *                                        a list (ok,fail) for a send op with
 *                                        several; default ok
 *   # @pause                             a checkpoint (a line of its own)
 *
 * At a checkpoint the backend first sends a barrier, a SHMEM_UNMAP of length
 * 0 with NEED_REPLY that every front-end rejects: once its reply is back, the
 * front-end has finished (committed) every message before it. Then it prints
 * "paused at line N" on stdout and waits for a line on stdin (end of input
 * continues too). Before accepting, it prints "listening on PATH" on stdout.
 *
 * Exit status: 0 every reply as expected, 1 a mismatch or an error, 2 usage
 * or a script error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "demo_player.h"
#include "tool_util.h"
#define DEFAULT_REGION_SIZE 0x100000ull

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* --config 0:0x100000,3:0x10000 */
static int parse_config_spec(char *spec, struct backend_offer *o)
{
	char *save = NULL;

	o->cfg_nregions = 0;
	memset(o->cfg_sizes, 0, sizeof(o->cfg_sizes));
	for (char *p = strtok_r(spec, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(p, ':');
		uint64_t id, size;

		if (!colon)
			return -EINVAL;
		*colon = '\0';
		if (tool_parse_u64(p, VSF_MAX_SHMEM_REGIONS - 1, &id) < 0 ||
		    tool_parse_u64(colon + 1, UINT64_MAX, &size) < 0)
			return -EINVAL;
		o->cfg_sizes[id] = size;
	}
	for (int id = 0; id < VSF_MAX_SHMEM_REGIONS; id++) /* a shmid given twice counts once */
		o->cfg_nregions += o->cfg_sizes[id] != 0;
	return 0;
}

/* ---- main ---- */

static int listen_on(const char *path)
{
	struct sockaddr_un addr;
	struct stat st;
	int fd;

	if (tool_unix_addr(path, &addr) < 0) {
		fprintf(stderr, PROG ": %s: path too long for a unix socket\n", path);
		return -ENAMETOOLONG;
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			fprintf(stderr, PROG ": %s exists and is not a socket\n", path);
			return -EEXIST;
		}
		unlink(path); /* a stale socket of an earlier run */
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 1) < 0) {
		int ret = -errno;

		fprintf(stderr, PROG ": cannot listen on %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	return fd;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: " PROG " [--config SPEC] [--no-shmem] [--features HEX] [--timeout-ms N]\n"
		"                        [-v] SOCKET_PATH SCRIPT.txt\n"
		"Listen on SOCKET_PATH, accept one front-end, negotiate, then play SCRIPT.txt\n"
		"(a fuzz program in text form) on the backend channel and check every reply.\n"
		"  --config SPEC    the GET_SHMEM_CONFIG reply: SHMID:SIZE,... (default: the\n"
		"                   script's config op, else 0:0x100000)\n"
		"  --no-shmem       do not offer VHOST_USER_PROTOCOL_F_SHMEM\n"
		"  --features HEX   virtio features offered (default 0x140000000)\n"
		"  --timeout-ms N   wait for a reply at most N ms (default 5000)\n"
		"  -v, --verbose    log the front-end's requests\n"
		"Script comments: `# expect=ok|fail|any[,...]` after a NEED_REPLY message\n"
		"states its verdict (default ok); a line `# @pause` is a checkpoint: a barrier\n"
		"message, then \"paused at line N\" on stdout and a wait for a line on stdin.\n"
		"Exit status: 0 every reply as expected, 1 mismatch or error, 2 usage or script.\n");
}

/* The command line: the options into b and its offer, the paths out. */
struct args {
	const char *sock_path, *script_path;
	char *config_spec;
	bool no_shmem, have_features;
	uint64_t features;
};

/* Parse the command line: 0, EXIT_OK + 1 for --help (done), or -EINVAL (usage shown). */
static int parse_args(int argc, char **argv, struct backend *b, struct args *a)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "no-shmem", no_argument, NULL, 'n' },
		{ "features", required_argument, NULL, 'f' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	uint64_t v;
	int opt;

	while ((opt = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			a->config_spec = optarg;
			break;
		case 'n':
			a->no_shmem = true;
			break;
		case 'f':
			if (tool_parse_u64(optarg, UINT64_MAX, &a->features) < 0) {
				fprintf(stderr, PROG ": --features: '%s' is not a number\n", optarg);
				return -EINVAL;
			}
			a->have_features = true;
			break;
		case 't':
			if (tool_parse_u64(optarg, 3600000, &v) < 0 || !v) {
				fprintf(stderr, PROG ": --timeout-ms: '%s' is not a number\n", optarg);
				return -EINVAL;
			}
			b->timeout_ms = (int)v;
			break;
		case 'v':
			b->verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return -EINVAL;
	}
	a->sock_path = argv[optind];
	a->script_path = argv[optind + 1];
	return 0;
}

/* What the backend offers: defaults, then the script's ops, then the options. */
static int make_offer(struct backend *b, const struct args *a)
{
	backend_offer_init(&b->offer);
	b->offer.cfg_nregions = 1;
	b->offer.cfg_sizes[0] = DEFAULT_REGION_SIZE;
	demo_script_offer(&b->script, &b->offer);
	if (a->config_spec && parse_config_spec(a->config_spec, &b->offer) < 0) {
		fprintf(stderr, PROG ": --config: expected SHMID:SIZE,... (e.g. 0:0x100000)\n");
		return -EINVAL;
	}
	if (a->have_features)
		b->offer.features = a->features;
	if (a->no_shmem)
		b->offer.protocol_features &= ~(1ull << VSF_PROTOCOL_F_SHMEM);
	return 0;
}

/* Listen on path, take one front-end, and stop listening: its fd or -errno. */
static int accept_one(const char *path)
{
	int lfd = listen_on(path), conn, ret;

	if (lfd < 0)
		return lfd;
	printf("listening on %s\n", path);
	fflush(stdout);
	conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	ret = conn < 0 ? -errno : conn;
	close(lfd);
	unlink(path); /* one connection only */
	if (ret < 0)
		fprintf(stderr, PROG ": accept: %s\n", strerror(-ret));
	return ret;
}

/* Negotiate and play; the exit status. */
static int run(struct backend *b)
{
	int ret = demo_negotiate(b);

	if (ret == 0 && !(b->protocol & (1ull << VSF_PROTOCOL_F_SHMEM)))
		fprintf(stderr, PROG ": the front-end did not negotiate SHMEM (protocol features "
				"0x%llx)\n", (unsigned long long)b->protocol);
	if (ret == 0)
		ret = demo_play(b);
	if (b->mismatches) {
		fprintf(stderr, PROG ": %u replies not as expected\n", b->mismatches);
		return EXIT_FAIL;
	}
	if (ret < 0)
		return EXIT_FAIL;
	fprintf(stderr, PROG ": script played, every reply as expected\n");
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	struct backend b = { .conn = -1, .chan = -1, .timeout_ms = 5000 };
	struct args a = { 0 };
	int ret, status = EXIT_USAGE;

	ret = parse_args(argc, argv, &b, &a);
	if (ret)
		return ret > 0 ? EXIT_OK : EXIT_USAGE;
	signal(SIGPIPE, SIG_IGN);
	if (demo_load_script(&b.script, a.script_path) < 0 || make_offer(&b, &a) < 0)
		goto out;
	status = EXIT_FAIL;
	b.conn = accept_one(a.sock_path);
	if (b.conn < 0)
		goto out;
	fd_table_init(&b.fds, NULL, false);
	status = run(&b);
	if (b.chan >= 0)
		close(b.chan);
	close(b.conn);
	fd_table_close_all(&b.fds, NULL, NULL);
out:
	demo_free_script(&b.script);
	return status;
}
