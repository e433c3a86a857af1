/* SPDX-License-Identifier: MIT */
/*
 * vhost-shmem-frontend: the front-end as a program, against a real backend.
 *
 * Connects to the backend's unix socket as QEMU does, negotiates features,
 * hands over the backend channel (SET_BACKEND_REQ_FD), asks for the shared
 * memory config (GET_SHMEM_CONFIG), then serves SHMEM_MAP / SHMEM_UNMAP
 * until the backend goes away or SIGINT/SIGTERM arrives. Every request is
 * logged on stderr with its verdict; --verify prints a checksum of every
 * accepted mapping on stdout; --record writes the traffic as a fuzz program.
 *
 * A backend without SHMEM gets a session with no region: the program stays
 * connected until the backend goes away or a signal arrives.
 *
 * --reconnect: after a session, once the backend has closed the front-end
 * channel, connect again for the next one (as QEMU's reconnect=1 does), so
 * that a backend can hold session after session with one process (the
 * out-of-process driver's kept mode). It ends on a signal, or with status 1
 * when a negotiation fails or a connection cannot be made.
 *
 * Exit status: 0 clean stop (signal, backend gone), 1 error (no socket,
 * refused, negotiation failed, lost framing), 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "peer_io.h"
#include "program.h"
#include "recorder.h"
#include "tool_util.h"
#include "vhost_shmem.h"
#include "wire.h"

#define PROG "vhost-shmem-frontend"
#define VERIFY_CHUNK (64u << 10)

enum { EXIT_STOP = 0, EXIT_ERROR = 1, EXIT_USAGE = 2 };

struct frontend_prog {
	const char *sock_path;
	const char *record_path;
	bool verify, verbose, reconnect;
	bool signalled;
	struct vsf_options opts;
	struct vsf_frontend *fe;
	int conn;  /* the front-end channel */
	int sigfd;
	struct recorder *rec;
	int record_err;
	unsigned long messages, accepted, rejected;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: " PROG " [--verify] [--record FILE] [--features BITS] [--max-mappings N]\n"
		"                            [--timeout-ms N] [--allow-shrinkable-fds] [--reconnect]\n"
		"                            [-v]\n"
		"                            SOCKET_PATH\n"
		"Connect to a vhost-user backend's unix socket, negotiate SHMEM, and serve its\n"
		"SHMEM_MAP / SHMEM_UNMAP requests until it goes away or SIGINT/SIGTERM.\n"
		"  --verify          read every accepted mapping, print its CRC-32 on stdout\n"
		"  --record FILE     write the received traffic as a fuzz program (a seed for\n"
		"                    fuzz_backend_channel)\n"
		"  --features BITS   device feature bits (0x-hex or decimal) to acknowledge when\n"
		"                    offered, besides VERSION_1 and PROTOCOL_FEATURES (default 0)\n"
		"  --max-mappings N  live mappings allowed (default 1024)\n"
		"  --timeout-ms N    bound on connecting, and on one message or reply\n"
		"                    (default 5000)\n"
		"  --allow-shrinkable-fds  also map fds not sealed against shrinking\n"
		"                    (F_SEAL_SHRINK); a backend may then truncate one under\n"
		"                    its mapping, and reading there faults\n"
		"  --reconnect       after the backend closes the connection, connect again\n"
		"                    for another session (until a signal or a failed\n"
		"                    negotiation; not with --record)\n"
		"  -v, --verbose     also print the library's own log\n"
		"Requests and verdicts are logged on stderr. Exit status: 0 clean stop,\n"
		"1 error, 2 usage.\n");
}

static void log_line(void *opaque, enum vsf_log_level level, const char *msg)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };

	fprintf(stderr, "vhost-shmem: %s: %s\n", names[level], msg);
}

/* ---- connecting ---- */

/*
 * connect() within timeout_ms. A unix socket whose listener does not accept
 * (its backlog full) would block a plain connect() for good; non-blocking,
 * it says EAGAIN at once, so try again until the deadline.
 */
static int connect_within(int fd, const struct sockaddr_un *addr, int timeout_ms)
{
	struct timespec t0, now;
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	socklen_t len = sizeof(int);
	int err = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		long waited;

		if (connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) == 0)
			break;
		if (errno == EINPROGRESS) { /* not for unix sockets today, but allowed */
			if (poll(&p, 1, timeout_ms) <= 0)
				return -ETIMEDOUT;
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err)
				return -(err ? err : errno);
			break;
		}
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
		clock_gettime(CLOCK_MONOTONIC, &now);
		waited = (now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000;
		if (waited >= timeout_ms)
			return -ETIMEDOUT;
		usleep(10 * 1000);
	}
	/* The library does its own waiting: blocking I/O from here on. */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

static int connect_socket(const char *path, int timeout_ms)
{
	struct sockaddr_un addr;
	struct stat st;
	int fd, ret;

	if (tool_unix_addr(path, &addr) < 0) {
		fprintf(stderr, PROG ": %s: path too long for a unix socket (at most %zu bytes)\n",
			path, sizeof(addr.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	if (stat(path, &st) < 0) {
		ret = -errno;
		fprintf(stderr, PROG ": %s: %s%s\n", path, strerror(errno),
			ret == -ENOENT ? " (no backend socket there; is the backend running?)" : "");
		return ret;
	}
	if (!S_ISSOCK(st.st_mode)) {
		fprintf(stderr, PROG ": %s: not a unix socket\n", path);
		return -ENOTSOCK;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		ret = -errno;
		fprintf(stderr, PROG ": socket: %s\n", strerror(errno));
		return ret;
	}
	ret = connect_within(fd, &addr, timeout_ms);
	if (ret < 0) {
		fprintf(stderr, PROG ": cannot connect to %s: %s%s\n", path, strerror(-ret),
			ret == -ECONNREFUSED ? " (no backend is listening on it)"
			: ret == -ETIMEDOUT ? " (the backend does not accept connections; "
					      "--timeout-ms bounds the wait)"
					    : "");
		close(fd);
		return ret;
	}
	return fd;
}

static int negotiate(struct frontend_prog *fp)
{
	struct vsf_negotiated neg;
	int ret = vsf_frontend_connect(fp->fe, fp->conn);

	if (ret < 0) {
		fprintf(stderr, PROG ": negotiation with the backend failed: %s\n",
			vsf_frontend_last_error(fp->fe));
		return ret;
	}
	vsf_frontend_negotiated(fp->fe, &neg);
	fprintf(stderr,
		PROG ": connected to %s: features 0x%llx (offered 0x%llx), protocol features 0x%llx "
		     "(offered 0x%llx), %zu shared memory regions\n",
		fp->sock_path, (unsigned long long)neg.features,
		(unsigned long long)neg.features_offered, (unsigned long long)neg.protocol_features,
		(unsigned long long)neg.protocol_features_offered, vsf_frontend_region_count(fp->fe));
	if (!vsf_frontend_shmem_negotiated(fp->fe))
		fprintf(stderr, PROG ": the backend does not offer VHOST_USER_PROTOCOL_F_SHMEM: no "
				"shared memory regions; serving until it goes away\n");
	else if (vsf_frontend_backend_fd(fp->fe) < 0)
		fprintf(stderr, PROG ": the backend does not offer VHOST_USER_PROTOCOL_F_BACKEND_REQ: "
				"it cannot send map requests; serving until it goes away\n");
	for (int id = 0; id < VSF_MAX_SHMEM_REGIONS; id++) {
		struct vsf_region_info info;

		if (vsf_frontend_region(fp->fe, (uint8_t)id, &info))
			fprintf(stderr, PROG ": region shmid=%d size=0x%llx base=%p\n", id,
				(unsigned long long)info.size, info.base);
	}
	return 0;
}

/* SIGINT and SIGTERM arrive on a signalfd, read in the serve loop. */
static int open_signalfd(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return fd < 0 ? -errno : fd;
}

/* ---- serving ---- */

/* --record: every message as it arrives, before it is handled. */
static void record_hook(void *opaque, const uint8_t *msg, size_t len, const int *fds,
			size_t nfds)
{
	struct frontend_prog *fp = opaque;
	int ret;

	if (fp->record_err)
		return;
	ret = recorder_message(fp->rec, msg, len, fds, nfds);
	if (ret == -EINVAL) {
		fprintf(stderr, PROG ": record: message %lu holds the program record marker, "
				"left out of %s\n", fp->messages + 1, fp->record_path);
	} else if (ret < 0) {
		fp->record_err = ret;
		fprintf(stderr, PROG ": record: cannot write %s: %s; recording stopped\n",
			fp->record_path, strerror(-ret));
	} else if (recorder_first_unreplayed(fp->rec) == recorder_count(fp->rec)) {
		fprintf(stderr, PROG ": record: message %lu is past what a harness replays (%d ops, "
				"%u MiB of fds, %u KiB of messages per input); it and the rest are "
				"recorded but not replayed as received\n", recorder_count(fp->rec),
			VSF_PROG_MAX_OPS, VSF_PROG_MAX_FD_BYTES >> 20, VSF_PROG_MAX_SEND_BYTES >> 10);
	}
}

/* "SHMEM_MAP shmid=0 fd_offset=0x0 shm_offset=0x1000 len=0x2000 rw" and the like,
 * from what the front-end says it received. */
static void describe(const struct vsf_verdict *v, char *buf, size_t len)
{
	const char *name = vsf_backend_request_name(v->request);
	bool mmap = (v->request == VSF_BACKEND_SHMEM_MAP || v->request == VSF_BACKEND_SHMEM_UNMAP) &&
		    v->has_mapping;
	size_t n;

	if (!mmap && name) {
		n = (size_t)snprintf(buf, len, "%s (%u) size=%u", name, v->request, v->size);
	} else if (!mmap) {
		n = (size_t)snprintf(buf, len, "request %u size=%u", v->request, v->size);
	} else if (v->request == VSF_BACKEND_SHMEM_MAP) {
		n = (size_t)snprintf(buf, len, "%s shmid=%u fd_offset=0x%llx shm_offset=0x%llx len=0x%llx %s",
				     name, v->mapping.shmid, (unsigned long long)v->mapping.fd_offset,
				     (unsigned long long)v->mapping.shm_offset,
				     (unsigned long long)v->mapping.len,
				     v->mapping.flags & VSF_MMAP_F_RW ? "rw" : "ro");
	} else {
		n = (size_t)snprintf(buf, len, "%s shmid=%u shm_offset=0x%llx len=0x%llx", name,
				     v->mapping.shmid, (unsigned long long)v->mapping.shm_offset,
				     (unsigned long long)v->mapping.len);
	}
	if (mmap && v->mapping.flags & ~VSF_MMAP_F_KNOWN && n < len)
		n += (size_t)snprintf(buf + n, len - n, " mflags=0x%llx",
				      (unsigned long long)v->mapping.flags);
	if ((v->flags & ~VSF_FLAG_NEED_REPLY) != VSF_FLAG_VERSION && n < len)
		n += (size_t)snprintf(buf + n, len - n, " hflags=0x%x", v->flags);
	if (v->too_many_fds && n < len) /* the channel closed them all */
		snprintf(buf + n, len - n, " nfds>%d", VSF_MAX_FDS);
	else if (v->nfds != (v->request == VSF_BACKEND_SHMEM_MAP) && n < len)
		snprintf(buf + n, len - n, " nfds=%u", v->nfds);
}

/* CRC-32 of the len bytes at addr, read without touching them directly:
 * a backend that truncates its file after the map makes them fault. */
static int checksum_mapping(const uint8_t *addr, uint64_t len, uint32_t *crc)
{
	static uint8_t buf[VERIFY_CHUNK];
	uint64_t off = 0;

	*crc = 0;
	while (off < len) {
		size_t n = len - off < sizeof(buf) ? (size_t)(len - off) : sizeof(buf);
		struct iovec local = { buf, n }, remote = { (void *)(addr + off), n };
		ssize_t got = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);

		if (got <= 0)
			return got < 0 ? -errno : -EFAULT;
		*crc = tool_crc32(*crc, buf, (size_t)got);
		off += (uint64_t)got;
	}
	return 0;
}

static void verify_mapping(struct frontend_prog *fp, const struct vsf_verdict *v)
{
	const struct vsf_mmap_request *mm = &v->mapping;
	struct vsf_region_info region;
	struct vsf_mapping_info m;
	uint32_t crc;
	size_t i;
	int ret;

	for (i = 0; vsf_frontend_mapping(fp->fe, i, &m); i++)
		if (m.shmid == mm->shmid && m.shm_offset == mm->shm_offset)
			break;
	if (i == vsf_frontend_mapping_count(fp->fe) ||
	    !vsf_frontend_region(fp->fe, m.shmid, &region)) {
		fprintf(stderr, PROG ": verify: accepted mapping shmid=%u shm_offset=0x%llx not found\n",
			mm->shmid, (unsigned long long)mm->shm_offset);
		return;
	}
	ret = checksum_mapping((uint8_t *)region.base + m.shm_offset, m.len, &crc);
	if (ret < 0) {
		printf("verify shmid=%u shm_offset=0x%llx len=0x%llx unreadable: %s\n", m.shmid,
		       (unsigned long long)m.shm_offset, (unsigned long long)m.len, strerror(-ret));
		return;
	}
	printf("verify shmid=%u shm_offset=0x%llx len=0x%llx crc32=0x%08x\n", m.shmid,
	       (unsigned long long)m.shm_offset, (unsigned long long)m.len, crc);
}

/*
 * Handle one backend message. Returns 1 to go on, 0 when the backend closed
 * the channel (also before reading a reply), or a negative errno when the
 * channel failed (framing lost).
 */
static int serve_one(struct frontend_prog *fp)
{
	struct vsf_verdict v;
	char what[192];
	int ret;

	ret = vsf_frontend_handle_backend(fp->fe, &v);
	if (ret == -EAGAIN)
		return 1;
	if (v.received) {
		fp->messages++;
		describe(&v, what, sizeof(what));
		if (v.result == 0 && !v.committed) {
			fp->accepted++;
			fprintf(stderr, "%s: accepted, but the change failed after the reply: %s\n",
				what, vsf_frontend_last_error(fp->fe));
		} else if (v.result == 0) {
			fp->accepted++;
			fprintf(stderr, "%s: accepted\n", what);
		} else {
			fp->rejected++;
			fprintf(stderr, "%s: rejected: %s\n", what,
				ret == 0 ? vsf_frontend_last_error(fp->fe) : strerror(-v.result));
		}
		if (fp->verify && v.committed && v.request == VSF_BACKEND_SHMEM_MAP)
			verify_mapping(fp, &v);
	}
	if (ret == -ECONNRESET) {
		fprintf(stderr, PROG ": the backend closed the backend channel\n");
		return 0;
	}
	if (ret == -EPIPE) { /* it went away (or stopped reading) before our reply */
		fprintf(stderr, PROG ": the backend closed the backend channel before the reply\n");
		return 0;
	}
	if (ret < 0) {
		fprintf(stderr, PROG ": backend channel lost: %s\n", vsf_frontend_last_error(fp->fe));
		return ret;
	}
	return 1;
}

/*
 * The front-end channel is idle after negotiation: readable means the
 * backend went away (EOF) or sent something nobody asked for (dropped).
 * Returns 1 to go on, 0 when the backend is gone.
 */
static int check_frontend_channel(struct frontend_prog *fp)
{
	uint8_t buf[4096];
	size_t n = peer_io_read_pending(fp->conn, buf, sizeof(buf), NULL, 0, NULL);
	char c;

	if (n) {
		fprintf(stderr, PROG ": %zu unexpected bytes from the backend on the front-end "
				"channel, dropped\n", n);
		return 1;
	}
	if (recv(fp->conn, &c, 1, MSG_DONTWAIT | MSG_PEEK) < 0 && errno == EAGAIN)
		return 1;
	fprintf(stderr, PROG ": the backend closed the front-end channel\n");
	return 0;
}

static int stop_on_signal(struct frontend_prog *fp)
{
	struct signalfd_siginfo si;

	if (read(fp->sigfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return 1;
	fprintf(stderr, PROG ": %s received, stopping (live mappings: %zu)\n",
		si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM",
		fp->fe ? vsf_frontend_mapping_count(fp->fe) : 0);
	fp->signalled = true;
	return 0;
}

/* Serve until the backend goes away (0), a signal (0), or the channel fails (<0). */
static int serve(struct frontend_prog *fp)
{
	for (;;) {
		struct pollfd p[3] = {
			{ .fd = vsf_frontend_backend_fd(fp->fe), .events = POLLIN },
			{ .fd = fp->conn, .events = POLLIN },
			{ .fd = fp->sigfd, .events = POLLIN },
		};
		int ret;

		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			fprintf(stderr, PROG ": poll: %s\n", strerror(errno));
			return ret;
		}
		if (p[2].revents)
			ret = stop_on_signal(fp);
		else if (p[0].revents) /* before the hang-up: messages sent before it count */
			ret = serve_one(fp);
		else if (p[1].revents)
			ret = check_frontend_channel(fp);
		else
			ret = 1;
		if (ret <= 0)
			return ret;
	}
}

/*
 * --reconnect, after a session: wait until the backend has closed the
 * front-end channel (0) or a signal came (0, fp->signalled).
 */
static int await_hangup(struct frontend_prog *fp)
{
	while (!fp->signalled) {
		struct pollfd p[2] = {
			{ .fd = fp->conn, .events = POLLIN },
			{ .fd = fp->sigfd, .events = POLLIN },
		};

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (p[1].revents)
			stop_on_signal(fp);
		else if (p[0].revents && check_frontend_channel(fp) == 0)
			return 0;
	}
	return 0;
}

static int parse_args(struct frontend_prog *fp, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "verify", no_argument, NULL, 'V' },
		{ "allow-shrinkable-fds", no_argument, NULL, 'S' },
		{ "record", required_argument, NULL, 'r' },
		{ "features", required_argument, NULL, 'f' },
		{ "max-mappings", required_argument, NULL, 'm' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "reconnect", no_argument, NULL, 'R' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	uint64_t v;
	int opt;

	while ((opt = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'V':
			fp->verify = true;
			break;
		case 'S':
			fp->opts.require_shrink_seal = false;
			break;
		case 'r':
			fp->record_path = optarg;
			break;
		case 'f':
			if (tool_parse_u64(optarg, UINT64_MAX, &v) < 0) {
				fprintf(stderr, PROG ": --features: '%s' is not a number\n", optarg);
				return -EINVAL;
			}
			fp->opts.device_features = v;
			break;
		case 'm':
			if (tool_parse_u64(optarg, UINT32_MAX, &v) < 0 || !v) {
				fprintf(stderr, PROG ": --max-mappings: '%s' is not a number from 1 to %u\n",
					optarg, UINT32_MAX);
				return -EINVAL;
			}
			fp->opts.max_mappings = (uint32_t)v;
			break;
		case 't':
			if (tool_parse_u64(optarg, 3600000, &v) < 0 || !v) {
				fprintf(stderr, PROG ": --timeout-ms: '%s' is not a number from 1 to 3600000\n",
					optarg);
				return -EINVAL;
			}
			fp->opts.io_timeout_ms = (int)v;
			break;
		case 'R':
			fp->reconnect = true;
			break;
		case 'v':
			fp->verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_STOP);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, PROG ": %s\n", optind == argc ? "SOCKET_PATH missing" : "too many arguments");
		usage(stderr);
		return -EINVAL;
	}
	if (fp->reconnect && fp->record_path) {
		fprintf(stderr, PROG ": --record takes one session: not with --reconnect\n");
		return -EINVAL;
	}
	fp->sock_path = argv[optind];
	return 0;
}

/*
 * One session: connect, negotiate, serve. Returns EXIT_STOP or EXIT_ERROR;
 * *negotiated says whether it got as far as serving.
 */
static int session(struct frontend_prog *fp, bool *negotiated)
{
	int status = EXIT_ERROR, ret;

	*negotiated = false;
	fp->messages = fp->accepted = fp->rejected = 0;
	fp->conn = connect_socket(fp->sock_path, fp->opts.io_timeout_ms);
	if (fp->conn < 0)
		return EXIT_ERROR;
	if (vsf_frontend_new(&fp->opts, &fp->fe) < 0) {
		fprintf(stderr, PROG ": out of memory\n");
		goto out;
	}
	if (fp->verbose)
		vsf_frontend_set_log(fp->fe, log_line, NULL);
	if (negotiate(fp) < 0)
		goto out;
	if (fp->record_path) {
		ret = recorder_open(fp->record_path, fp->fe, &fp->rec);
		if (ret < 0) {
			fprintf(stderr, PROG ": record: cannot write %s: %s\n", fp->record_path,
				strerror(-ret));
			goto out;
		}
	}
	if (fp->rec)
		vsf_frontend_set_rx_hook(fp->fe, record_hook, fp);
	if (fp->sigfd < 0)
		fp->sigfd = open_signalfd();
	if (fp->sigfd < 0) {
		fprintf(stderr, PROG ": signalfd: %s\n", strerror(-fp->sigfd));
		goto out;
	}
	*negotiated = true;
	if (serve(fp) == 0)
		status = EXIT_STOP;
	fprintf(stderr, PROG ": %lu messages: %lu accepted, %lu rejected\n", fp->messages,
		fp->accepted, fp->rejected);
	if (fp->reconnect && await_hangup(fp) < 0)
		status = EXIT_ERROR;
out:
	vsf_frontend_free(fp->fe); /* removes every mapping, closes the backend channel */
	fp->fe = NULL;
	if (fp->rec) {
		unsigned long n = recorder_count(fp->rec), beyond = recorder_first_unreplayed(fp->rec);

		ret = recorder_close(fp->rec);
		if (ret < 0 || fp->record_err) {
			fprintf(stderr, PROG ": record: %s is incomplete: %s\n", fp->record_path,
				strerror(-(ret < 0 ? ret : fp->record_err)));
			status = EXIT_ERROR;
		} else {
			fprintf(stderr, PROG ": recorded %lu messages in %s", n, fp->record_path);
			if (beyond)
				fprintf(stderr, " (a harness replays the first %lu only)", beyond - 1);
			fputc('\n', stderr);
		}
	}
	close(fp->conn);
	fp->conn = -1;
	return status;
}

int main(int argc, char **argv)
{
	struct frontend_prog fp = { .conn = -1, .sigfd = -1 };
	bool negotiated;
	int status;

	vsf_options_default(&fp.opts);
	/* A device model reads what it maps: only fds that cannot shrink under it. */
	fp.opts.require_shrink_seal = true;
	if (parse_args(&fp, argc, argv) < 0)
		return EXIT_USAGE;
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Session after session, the same fds: a signal is caught from the start. */
	if (fp.reconnect && (fp.sigfd = open_signalfd()) < 0) {
		fprintf(stderr, PROG ": signalfd: %s\n", strerror(-fp.sigfd));
		return EXIT_ERROR;
	}
	do
		status = session(&fp, &negotiated);
	while (fp.reconnect && negotiated && !fp.signalled);
	if (fp.reconnect && negotiated)
		status = EXIT_STOP; /* a signal ended it */
	if (fp.sigfd >= 0)
		close(fp.sigfd);
	return status;
}
