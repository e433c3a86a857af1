# Debian's QEMU 7.2 (qemu-system-x86) with a vhost-user-blk device and no
# guest, started as
#   qemu-system-x86_64 -M q35 -accel tcg -nodefaults -display none -S
#     -monitor none -serial none -chardev socket,id=c0,path={socket}
#     -device vhost-user-blk-pci,chardev=c0,num-queues=1
# It has no SHMEM (the series came later): SHMEM_MAP and SHMEM_UNMAP are
# requests it does not know. With -S the guest never starts the device, so
# it sends no SET_FEATURES and no memory table.
name qemu-7.2-vhost-user-blk
shmem no
reply-ack yes
on-disconnect stays
# Not kept across inputs: with -chardev socket,...,reconnect=1 it connects
# again 1 s after the backend closes (7.2 counts reconnect= in seconds),
# then sends no request on the new connection, not within the 2 s reply
# timeout (measured, docs/targets.md): a fresh QEMU per input is faster.
keep no
start-timeout-ms 10000
reply-timeout-ms 2000
settle-ms 30
# vhost-user-blk cannot start without CONFIG (it reads the block config):
# every offer has it, so that the corpora's session ops mean a session.
offer-protocol-features 0x100628
needs-protocol-features 0x200
sends GET_FEATURES GET_PROTOCOL_FEATURES SET_PROTOCOL_FEATURES SET_BACKEND_REQ_FD SET_OWNER GET_FEATURES SET_VRING_CALL SET_VRING_ERR GET_CONFIG
# Backend-channel messages it knows; every other one it rejects, as unknown.
backend CONFIG_CHANGE_MSG accept
backend IOTLB_MSG reject
backend VRING_HOST_NOTIFIER_MSG any
# It reads at most 632 payload bytes of a backend message (the size of its
# largest payload); a larger size closes the channel ("Failed to read msg
# header").
max-payload 632
# A device it cannot realize (an answer it refuses at start-up, a feature
# it needs but was not offered) makes it close the connection and try
# again, then exit with an error: a refused session, not a finding.
refuses "Reconnecting after error" its device could not start with these answers: it closes the connection and gives up
# It builds a reply's flags from the request's (NEED_REPLY cleared, REPLY
# set), so the request's version bits and reserved bits come back in the
# reply (flags 0x9 -> 0x5, 0x8 -> 0x4, 0xfffff009 -> 0xfffff005): any flags
# whose last hex digit is 4 to 7, REPLY set and NEED_REPLY clear. (Words
# cannot tell the flags from the request id: a reply with flags 0x5 and
# another request's id would pass too; QEMU copies the id from the request.)
deviation reply-protocol "4 size 8, expected" a reply's flags are the request's with NEED_REPLY cleared and REPLY set
deviation reply-protocol "5 size 8, expected" a reply's flags are the request's with NEED_REPLY cleared and REPLY set
deviation reply-protocol "6 size 8, expected" a reply's flags are the request's with NEED_REPLY cleared and REPLY set
deviation reply-protocol "7 size 8, expected" a reply's flags are the request's with NEED_REPLY cleared and REPLY set
# It reads a backend message whole, however long the rest takes to come:
# a message cut short leaves the channel open (our model closes it after a
# timeout). What that costs is judged when it is stopped (docs/targets.md).
deviation shadow-model "framing is lost but the channel stays open" it waits for the rest of a message cut short, with no timeout
# A known bug, reported in docs/findings/qemu-7.2-partial-backend-message.md:
# while it waits for the rest of a cut-short message its main loop is
# blocked, so it does not even end on SIGTERM.
deviation liveness "did not end within" known bug: a backend message cut short blocks its main loop (docs/findings/qemu-7.2-partial-backend-message.md)
# It waits for a front-end reply with no timeout (in an event loop of its
# own, which serves nothing else): a reply the backend withholds or cuts
# short (an answer op) leaves it silent, at start-up in its device's
# realize (GET_CONFIG), answering nothing on the backend channel, until it
# is stopped; SIGTERM still ends it. The driver says "we withheld" in what
# such a target did not send in time.
deviation liveness "we withheld" it waits for a withheld or cut-short reply with no timeout, and answers nothing meanwhile
