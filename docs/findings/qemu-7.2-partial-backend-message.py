#!/usr/bin/env python3
"""Standalone reproducer: a vhost-user backend that sends QEMU half a message.

Plays a vhost-user-blk backend just far enough for QEMU to start the device
model (no guest is needed), then writes only the 12-byte header of a
VHOST_USER_BACKEND_CONFIG_CHANGE_MSG that announces 8 payload bytes on the
backend channel, and never sends them. QEMU reads the rest of the message
with a blocking read on its main loop, so the whole process stops: here it
no longer even ends on SIGTERM. Exits 1 when QEMU is stuck, 0 when it ends.

Usage: qemu-7.2-partial-backend-message.py [QEMU-BINARY]
"""
import array
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

QEMU = sys.argv[1] if len(sys.argv) > 1 else "qemu-system-x86_64"
REPLY, NEED_REPLY, VERSION = 0x4, 0x8, 0x1
GET_FEATURES, GET_PROTOCOL_FEATURES, SET_BACKEND_REQ_FD, GET_CONFIG = 1, 15, 21, 24
# VERSION_1 and PROTOCOL_FEATURES; REPLY_ACK, BACKEND_REQ, BACKEND_SEND_FD, CONFIG
FEATURES = (1 << 32) | (1 << 30)
PROTOCOL_FEATURES = (1 << 3) | (1 << 5) | (1 << 10) | (1 << 9)
CONFIG_CHANGE_MSG = 2


def recv_request(conn):
    fds = array.array("i")
    header, ancillary, _, _ = conn.recvmsg(12, socket.CMSG_SPACE(16 * 4))
    if len(header) < 12:
        return None
    for _level, _kind, data in ancillary:
        fds.frombytes(data[: len(data) - len(data) % fds.itemsize])
    request, flags, size = struct.unpack("<III", header)
    payload = b""
    while len(payload) < size:
        payload += conn.recv(size - len(payload))
    return request, flags, payload, list(fds)


def reply(conn, request, payload):
    conn.sendall(struct.pack("<III", request, VERSION | REPLY, len(payload)) + payload)


def main():
    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, "vhost-user-blk.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    qemu = subprocess.Popen([QEMU, "-M", "q35", "-accel", "tcg", "-nodefaults",
                             "-display", "none", "-S", "-monitor", "none", "-serial", "none",
                             "-chardev", "socket,id=c0,path=" + path,
                             "-device", "vhost-user-blk-pci,chardev=c0,num-queues=1"])
    conn, _ = listener.accept()
    conn.settimeout(1.0)
    backend = None
    try:
        while True:  # QEMU's start-up: answer until it goes quiet
            message = recv_request(conn)
            if message is None:
                sys.exit("QEMU closed the connection during start-up")
            request, flags, payload, fds = message
            if request == GET_FEATURES:
                reply(conn, request, struct.pack("<Q", FEATURES))
            elif request == GET_PROTOCOL_FEATURES:
                reply(conn, request, struct.pack("<Q", PROTOCOL_FEATURES))
            elif request == GET_CONFIG:
                reply(conn, request, payload[:12] + bytes(len(payload) - 12))
            elif flags & NEED_REPLY:
                reply(conn, request, struct.pack("<Q", 0))
            if request == SET_BACKEND_REQ_FD:
                backend = socket.socket(fileno=fds.pop(0))
            for fd in fds:
                os.close(fd)
    except socket.timeout:
        pass
    if backend is None:
        sys.exit("QEMU sent no backend channel")
    # The header of an 8-byte message, and nothing more.
    backend.sendall(struct.pack("<III", CONFIG_CHANGE_MSG, VERSION | NEED_REPLY, 8))
    time.sleep(0.5)
    qemu.send_signal(signal.SIGTERM)
    try:
        qemu.wait(5)
        print("QEMU ended on SIGTERM: not reproduced")
        return 0
    except subprocess.TimeoutExpired:
        print("QEMU did not end within 5 s of SIGTERM: its main loop is blocked "
              "reading the rest of the backend's message")
        qemu.kill()
        qemu.wait()
        return 1
    finally:
        os.unlink(path)
        os.rmdir(tmp)


if __name__ == "__main__":
    sys.exit(main())
