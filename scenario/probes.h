/* SPDX-License-Identifier: MIT */
/*
 * Probes that look at the process without taking a signal: whether an
 * address can be read or written, how many fds are open, what
 * /proc/self/maps says. Shared by the harnesses' oracles and the tests.
 * A set-up failure (no /proc) aborts: no probe can answer then.
 */
#ifndef VSF_PROBES_H
#define VSF_PROBES_H

#include <stdbool.h>
#include <stdint.h>

/* True if one byte at addr can be read / written without a fault. */
bool probe_readable(const void *addr);
bool probe_writable(void *addr);
/* Open fds of the process (the probes' own, opened before main(), included). */
int probe_open_fds(void);
/*
 * Open fds numbered below hi (at most PROBE_FD_SCAN_LIMIT or the fd limit):
 * one ppoll() with a zero timeout over hi entries, much cheaper than a
 * directory listing for a few dozen. With open_bits, bit n of it says
 * whether fd n is open. O_PATH fds are not counted: poll() sees them as
 * closed numbers.
 */
#define PROBE_FD_SCAN_LIMIT 1024
int probe_open_fds_below(int hi, uint64_t open_bits[PROBE_FD_SCAN_LIMIT / 64]);
/*
 * File-backed mappings of the process (the entries of /proc/self/map_files,
 * a listing much cheaper than reading /proc/self/maps), or -1 where the
 * kernel does not let a process list them.
 */
int probe_file_mappings(void);
/* True if /proc/self/maps contains needle (one open and a read loop, no stdio). */
bool probe_maps_contain(const char *needle);
/* The permissions ("rw-s" and the like) of the mapping that holds addr. */
bool probe_maps_perms(const void *addr, char perms[5]);

#endif
