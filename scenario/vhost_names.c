/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vhost_names.h"

/* Indexed by id; the spec's numbering (docs/protocol.md). */
static const char *const frontend_names[] = {
	[1] = "GET_FEATURES",         [2] = "SET_FEATURES",
	[3] = "SET_OWNER",            [4] = "RESET_OWNER",
	[5] = "SET_MEM_TABLE",        [6] = "SET_LOG_BASE",
	[7] = "SET_LOG_FD",           [8] = "SET_VRING_NUM",
	[9] = "SET_VRING_ADDR",       [10] = "SET_VRING_BASE",
	[11] = "GET_VRING_BASE",      [12] = "SET_VRING_KICK",
	[13] = "SET_VRING_CALL",      [14] = "SET_VRING_ERR",
	[15] = "GET_PROTOCOL_FEATURES", [16] = "SET_PROTOCOL_FEATURES",
	[17] = "GET_QUEUE_NUM",       [18] = "SET_VRING_ENABLE",
	[19] = "SEND_RARP",           [20] = "NET_SET_MTU",
	[21] = "SET_BACKEND_REQ_FD",  [22] = "IOTLB_MSG",
	[23] = "SET_VRING_ENDIAN",    [24] = "GET_CONFIG",
	[25] = "SET_CONFIG",          [26] = "CREATE_CRYPTO_SESSION",
	[27] = "CLOSE_CRYPTO_SESSION", [28] = "POSTCOPY_ADVISE",
	[29] = "POSTCOPY_LISTEN",     [30] = "POSTCOPY_END",
	[31] = "GET_INFLIGHT_FD",     [32] = "SET_INFLIGHT_FD",
	[33] = "GPU_SET_SOCKET",      [34] = "RESET_DEVICE",
	[35] = "VRING_KICK",          [36] = "GET_MAX_MEM_SLOTS",
	[37] = "ADD_MEM_REG",         [38] = "REM_MEM_REG",
	[39] = "SET_STATUS",          [40] = "GET_STATUS",
	[41] = "GET_SHARED_OBJECT",   [42] = "SET_DEVICE_STATE_FD",
	[43] = "CHECK_DEVICE_STATE",  [44] = "GET_SHMEM_CONFIG",
};

static const char *const backend_names[] = {
	[1] = "IOTLB_MSG",            [2] = "CONFIG_CHANGE_MSG",
	[3] = "VRING_HOST_NOTIFIER_MSG", [4] = "VRING_CALL",
	[5] = "VRING_ERR",            [6] = "SHARED_OBJECT_ADD",
	[7] = "SHARED_OBJECT_REMOVE", [8] = "SHARED_OBJECT_LOOKUP",
	[9] = "SHMEM_MAP",            [10] = "SHMEM_UNMAP",
};

static const char *const *table(enum vhost_channel ch, size_t *n)
{
	if (ch == VHOST_BACKEND_CHANNEL) {
		*n = sizeof(backend_names) / sizeof(backend_names[0]);
		return backend_names;
	}
	*n = sizeof(frontend_names) / sizeof(frontend_names[0]);
	return frontend_names;
}

const char *vhost_request_name(enum vhost_channel ch, uint32_t id)
{
	size_t n;
	const char *const *names = table(ch, &n);

	return id < n ? names[id] : NULL;
}

bool vhost_request_by_name(enum vhost_channel ch, const char *name, uint32_t *id)
{
	size_t n;
	const char *const *names = table(ch, &n);
	char *end;
	unsigned long v;

	if (!strncasecmp(name, "VHOST_USER_BACKEND_", 19))
		name += 19;
	else if (!strncasecmp(name, "VHOST_USER_", 11))
		name += 11;
	for (uint32_t i = 0; i < n; i++) {
		if (names[i] && !strcasecmp(names[i], name)) {
			*id = i;
			return true;
		}
	}
	v = strtoul(name, &end, 0);
	if (*name < '0' || *name > '9' || *end || v > UINT32_MAX)
		return false;
	*id = (uint32_t)v;
	return true;
}
