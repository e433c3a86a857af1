/* SPDX-License-Identifier: MIT */
/*
 * Traffic capture for vhost-shmem-frontend --record: what the front-end
 * received from a backend, written as a fuzz program (scenario/program.h), so
 * that real traffic becomes a corpus seed and replays through
 * fuzz_backend_channel.
 *
 * The file starts with a `session` op (the features the backend offered and
 * the negotiated protocol features, which the harness attaches with) and a
 * `config` op (the regions the front-end got). Each backend message then
 * becomes one `fd` op per fd that came with it and a `send` op with the
 * message's exact wire bytes and those fds' handles (0..15, round-robin).
 * Every message is written to the file when it arrives, so a crash of the
 * front-end keeps the capture up to the message that caused it.
 *
 * An fd is described by what can be seen of it (fstat, the access mode,
 * F_GET_SEALS, /proc/self/fd): a regular file or memfd becomes a memfd
 * (rofile if opened read-only) of its size, clamped to VSF_PROG_MAX_FD_SIZE,
 * with its seals and content. The program format tiles an fd's content over
 * its size, so the content is stored as the shortest prefix whose tiling
 * reproduces the first VSF_PROG_MAX_DATA bytes: a file up to that size, or a
 * periodic one, is exact; beyond that, the bytes of a larger file are an
 * approximation (what a replay maps there differs from what the backend
 * sent). Other fds get the closest kind: pipe, socket, dir, opath, devzero
 * for any character or block device, eventfd for an anonymous inode
 * (eventfd, timerfd, epoll, ...) unless it has a size (a dma-buf), which is
 * described like a file. A message that came with more fds than the channel
 * takes (VSF_MAX_FDS) reaches the recorder without them (the channel closed
 * them all), and is recorded so.
 */
#ifndef VSF_RECORDER_H
#define VSF_RECORDER_H

#include <stddef.h>
#include <stdint.h>

struct recorder;
struct vsf_frontend;

/* Create path (truncated) and write the session and config ops of fe. 0 or -errno. */
int recorder_open(const char *path, const struct vsf_frontend *fe, struct recorder **out);

/*
 * Append one received message (wire bytes, borrowed fds). 0, or -errno when
 * the file cannot be written; -EINVAL if the message contains the record
 * marker and cannot be represented (it is left out).
 */
int recorder_message(struct recorder *rec, const uint8_t *msg, size_t len, const int *fds,
		     size_t nfds);

/* Messages recorded so far. */
unsigned long recorder_count(const struct recorder *rec);

/*
 * The first message (1-based) a harness does not replay as recorded: by then
 * the file holds more than VSF_PROG_MAX_OPS ops (the rest are not executed)
 * or its fds more than VSF_PROG_MAX_FD_BYTES (later fds are cut short), or
 * its messages more than VSF_PROG_MAX_SEND_BYTES (later ones are skipped).
 * 0 while the whole recording replays.
 */
unsigned long recorder_first_unreplayed(const struct recorder *rec);

/* Close the file. 0, or -errno if it could not be written completely. */
int recorder_close(struct recorder *rec);

#endif
