#!/usr/bin/env python3
"""A 200 MB text field cannot fill the server's memory.

Starts the release server (demo data, fresh SQLite), signs the demo Veteran in and posts
the compose form with files (the form a browser without the wasm posts) whose message field
is 200 MB: once streamed without a length, once declaring its length. Each must be answered
413, and the server's peak memory (VmHWM) must stay under 150 MiB. Exits 1 otherwise.

Usage (after `cargo leptos build --release --split`): python3 scripts/body_limits.py
"""

import socket
import sys
import tempfile
import threading

from release_server import Server, free_port, sign_in

MIB = 1024 * 1024
FIELD = 200 * MIB
PEAK_LIMIT_MIB = 150
BOUNDARY = "bodylimitsboundary"


def post_huge_field(port, cookie, declare_length):
    """Sends the post from one thread while another reads the answer, since the server
    answers (and closes) long before the 200 MB are written. Answers the status."""
    head = (
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"subject\"\r\n\r\nHello\r\n"
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\n"
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    framing = f"Content-Length: {len(head) + FIELD + len(tail)}" if declare_length else "Transfer-Encoding: chunked"
    request = (
        "POST /api/send_new_message_with_files HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\nOrigin: http://127.0.0.1:{port}\r\nSec-Fetch-Site: same-origin\r\n"
        f"Cookie: {cookie}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\n{framing}\r\n\r\n"
    ).encode()
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    answer = bytearray()

    def read():
        try:
            while b"\r\n" not in answer:
                data = sock.recv(4096)
                if not data:
                    return
                answer.extend(data)
        except OSError:
            pass

    reader = threading.Thread(target=read)
    reader.start()
    chunk = b"a" * (256 * 1024)
    try:
        sock.sendall(request)
        pieces = [head] + [chunk] * (FIELD // len(chunk)) + [tail]
        for piece in pieces:
            if answer:
                break
            sock.sendall(piece if declare_length else b"%x\r\n%s\r\n" % (len(piece), piece))
        if not declare_length and not answer:
            sock.sendall(b"0\r\n\r\n")
    except OSError:
        pass  # the server stopped reading: its answer is what counts
    reader.join(timeout=60)
    sock.close()
    line = bytes(answer).split(b"\r\n", 1)[0].decode(errors="replace")
    parts = line.split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


def peak_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main():
    failed = False
    with tempfile.TemporaryDirectory() as data_dir:
        port = free_port()
        server = Server(f"sqlite://{data_dir}/sm.db?mode=rwc", data_dir, port)
        server.start()
        try:
            cookie = sign_in(port, "veteran@example.com")
            for declare_length in (False, True):
                how = "declaring its length" if declare_length else "streamed"
                status = post_huge_field(port, cookie, declare_length)
                print(f"body_limits: 200 MB message field, {how}: answered {status}")
                if status != 413:
                    failed = True
            peak = peak_mib(server.process.pid)
            print(f"body_limits: server peak memory (VmHWM) {peak:.1f} MiB (limit {PEAK_LIMIT_MIB})")
            if peak >= PEAK_LIMIT_MIB:
                failed = True
        finally:
            server.kill()
    if failed:
        sys.exit("body_limits: FAILED")
    print("body_limits: passed")


if __name__ == "__main__":
    main()
