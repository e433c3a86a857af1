/* SPDX-License-Identifier: MIT */
/*
 * Small helpers shared by vhost-shmem-frontend and vsf-demo-backend.
 */
#ifndef VSF_TOOL_UTIL_H
#define VSF_TOOL_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* CRC-32 (IEEE 802.3, as zlib's crc32()); start with crc 0 and chain. */
uint32_t tool_crc32(uint32_t crc, const void *data, size_t len);

/* Parse a decimal or 0x-hex number in [0, max]; 0 or -EINVAL. */
int tool_parse_u64(const char *s, uint64_t max, uint64_t *out);

/* Read a whole file, NUL-terminated, into *out (free() it). 0 or -errno. */
int tool_read_file(const char *path, char **out, size_t *len);

/* The path of a unix socket in addr; -ENAMETOOLONG if it does not fit. */
struct sockaddr_un;
int tool_unix_addr(const char *path, struct sockaddr_un *addr);

#endif
