#!/usr/bin/env python3
"""Capture real OpenSSL TLS 1.2 handshake bytes for tests/openssl_vectors.rs.

What it does, all on 127.0.0.1 and with throwaway keys in a temp directory:

1. generates a self-signed certificate with `openssl req` (ECDSA P-256 or
   RSA-2048, one run per kind);
2. starts `openssl s_server -tls1_2` with it on a free port;
3. listens on another free port and relays one TCP connection to the
   server, logging every byte of each direction;
4. runs `openssl s_client -tls1_2 -servername localhost` through the relay;
5. splits each direction into TLS records (RFC 5246 §6.2.1) and writes, as
   lowercase hex, one record per line:
     - <kind>_client_flight.hex : the client's handshake records before its first
       ChangeCipherSpec: ClientHello and ClientKeyExchange.
     - <kind>_server_flight.hex : the server's plaintext handshake records
       before its ChangeCipherSpec (ServerHello, Certificate,
       ServerKeyExchange, ServerHelloDone, and the NewSessionTicket
       of its second flight, which precedes its ChangeCipherSpec).
   Only plaintext is kept: nothing after ChangeCipherSpec is written.

Usage:  python3 tests/data/capture.py    (writes next to this script)
Needs:  openssl (tested with OpenSSL 3.0) and Python 3.8+.
It starts only its own child processes and stops them by their handles.
"""

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_cert(tmp, kind):
    key = os.path.join(tmp, kind + ".key")
    crt = os.path.join(tmp, kind + ".crt")
    if kind == "ecdsa":
        newkey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
    else:
        newkey = ["-newkey", "rsa:2048"]
    subprocess.run(
        ["openssl", "req", "-x509", "-nodes", "-days", "30", "-subj", "/CN=localhost"]
        + newkey
        + ["-keyout", key, "-out", crt],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return key, crt


def pump(src, dst, log):
    while True:
        try:
            data = src.recv(65536)
        except OSError:
            break
        if not data:
            break
        log.extend(data)
        try:
            dst.sendall(data)
        except OSError:
            break
    for s in (dst,):
        try:
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def records(stream):
    """Split a byte stream into (content_type, whole_record_bytes)."""
    out = []
    i = 0
    while i + 5 <= len(stream):
        length = int.from_bytes(stream[i + 3 : i + 5], "big")
        if i + 5 + length > len(stream):
            break
        out.append((stream[i], bytes(stream[i : i + 5 + length])))
        i += 5 + length
    return out


def plaintext_handshake(stream):
    """Handshake records before the first ChangeCipherSpec (type 20)."""
    out = []
    for ct, rec in records(stream):
        if ct == 20:
            break
        if ct == 22:
            out.append(rec)
    return out


def capture(kind, tmp):
    key, crt = make_cert(tmp, kind)
    sport, rport = free_port(), free_port()
    server = subprocess.Popen(
        ["openssl", "s_server", "-tls1_2", "-accept", str(sport), "-key", key,
         "-cert", crt, "-quiet"],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):  # wait until s_server listens (it survives the probe)
            try:
                socket.create_connection(("127.0.0.1", sport), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", rport))
        listener.listen(1)
        c2s, s2c = bytearray(), bytearray()

        def relay():
            cli, _ = listener.accept()
            srv = socket.create_connection(("127.0.0.1", sport))
            a = threading.Thread(target=pump, args=(cli, srv, c2s))
            b = threading.Thread(target=pump, args=(srv, cli, s2c))
            a.start(); b.start(); a.join(5); b.join(5)
            cli.close(); srv.close()

        t = threading.Thread(target=relay, daemon=True)
        t.start()
        client = subprocess.run(
            ["openssl", "s_client", "-tls1_2", "-servername", "localhost",
             "-connect", "127.0.0.1:%d" % rport],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, timeout=20,
        )
        t.join(10)
        listener.close()
    finally:
        server.kill()
        server.wait()
    ch = plaintext_handshake(c2s)
    sf = plaintext_handshake(s2c)
    if not ch or not sf:
        sys.exit("capture failed for %s (client rc %d)" % (kind, client.returncode))
    for name, recs in (("client_flight", ch), ("server_flight", sf)):
        path = os.path.join(HERE, "%s_%s.hex" % (kind, name))
        with open(path, "w") as f:
            for r in recs:
                f.write(r.hex() + "\n")
        print("wrote", path, len(recs), "record(s)")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("ecdsa", "rsa"):
            capture(kind, tmp)


if __name__ == "__main__":
    main()
