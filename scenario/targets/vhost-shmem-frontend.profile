# Our own front-end as a program (tools/frontend_main.c), started as
#   vhost-shmem-frontend --max-mappings 8 --allow-shrinkable-fds --timeout-ms 500 {socket}
# with the limits the in-process harnesses give the library, so that the
# committed corpora mean the same against it. Every rule is the model's.
# With --reconnect before {socket} it can be kept across inputs
# (VSF_TARGET_KEEP=1): it connects again once the driver has closed its
# front-end channel. Without it, it exits then, and a fresh one starts.
name vhost-shmem-frontend
shmem yes
reply-ack yes
max-mappings 8
on-disconnect exits
keep reconnect
start-timeout-ms 10000
reply-timeout-ms 2000
settle-ms 30
sends GET_FEATURES GET_PROTOCOL_FEATURES SET_PROTOCOL_FEATURES SET_BACKEND_REQ_FD SET_OWNER GET_FEATURES GET_SHMEM_CONFIG SET_FEATURES
# A config the model finds invalid, a failed ack, a refused feature set:
# the program says why and exits 1 (its documented exit status).
refuses GET_SHMEM_CONFIG an invalid config reply, or none within its --timeout-ms, ends the session: the program exits 1
refuses SET_BACKEND_REQ_FD a failed acknowledgement ends the session: the program exits 1
refuses GET_FEATURES features it refuses (no VERSION_1, or changed after SET_OWNER): the program exits 1
refuses GET_PROTOCOL_FEATURES a refused answer ends the session: the program exits 1
