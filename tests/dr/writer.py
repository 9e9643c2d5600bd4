#!/usr/bin/env python3
"""writer.py - the drill's load: creates records through nginx (HTTPS, one
kept-alive connection per tenant) at RATE per second in all, spread over the
tenants, until the file STOP exists.  One line per answer on stdout:

    wall_time tenant status retry_after record_id

(status 0: no HTTP answer at all; retry_after and record_id "-" when
absent).  Usage: writer.py PORT CA_FILE BASE RATE STOP TENANT=TOKEN...
"""
import http.client
import json
import os
import socket
import ssl
import sys
import threading
import time


class Conn(http.client.HTTPSConnection):
    """HTTPS to 127.0.0.1 with the tenant's name for SNI and Host (the
    system resolver does not resolve *.localhost)."""

    def connect(self):
        sock = socket.create_connection(("127.0.0.1", self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def run(port, ctx, host, token, interval, stop, out, lock):
    conn = None
    seq = 0
    next_at = time.monotonic()
    while not os.path.exists(stop):
        seq += 1
        body = json.dumps({"data": {"seq": seq, "host": host}})
        status, retry, rid = 0, "-", "-"
        try:
            if conn is None:
                conn = Conn(host, port, context=ctx, timeout=10)
            conn.request("POST", "/v1/collections/events/records", body,
                         {"Content-Type": "application/json",
                          "Authorization": "Bearer " + token})
            resp = conn.getresponse()
            data = resp.read()
            status = resp.status
            retry = resp.getheader("Retry-After") or "-"
            if status == 201:
                rid = json.loads(data).get("id") or "-"
            if resp.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException, ValueError):
            if conn is not None:
                conn.close()
            conn = None
        with lock:
            out.write("%.3f %s %d %s %s\n" % (time.time(), host.split(".")[0],
                                              status, retry, rid))
            out.flush()
        next_at += interval
        delay = next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        else:
            next_at = time.monotonic()


def main():
    port, ca, base, rate, stop = sys.argv[1:6]
    tenants = [a.split("=", 1) for a in sys.argv[6:]]
    ctx = ssl.create_default_context(cafile=ca)
    interval = len(tenants) / float(rate)
    lock = threading.Lock()
    threads = [threading.Thread(target=run, args=(
        int(port), ctx, slug + "." + base, tok, interval, stop, sys.stdout,
        lock)) for slug, tok in tenants]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
