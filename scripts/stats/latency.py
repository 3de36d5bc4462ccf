#!/usr/bin/env python3
"""Times the response statistics reads of a server filled by scripts/stats/fill-*.{sql,py}: one
keep-alive connection, requests one after another (so each time is the server's answer plus
this loop's own ~0.1 ms), and prints p50, p90, p99 and the slowest, in milliseconds.

Usage: scripts/stats/latency.py URL TOKEN pg|sqlite"""
import hashlib
import http.client
import json
import random
import sys
import time
import uuid
from urllib.parse import urlparse


def hotel_id(kind, n):
    if kind == "pg":
        return str(uuid.UUID(hashlib.md5(f"hotel{n}".encode()).hexdigest()))
    return str(uuid.UUID(bytes=(5).to_bytes(2, "big") + n.to_bytes(7, "big") + bytes(7)))


def timed(conn, path, token):
    start = time.perf_counter()
    conn.request("GET", path, headers={"authorization": f"Bearer {token}"})
    response = conn.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - start) * 1000
    if response.status != 200:
        sys.exit(f"{path}: {response.status} {body[:200]!r}")
    return elapsed, json.loads(body)


def report(name, times):
    times.sort()
    pick = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    print(f"{name:<44} n={len(times):<5} p50 {pick(0.5):6.2f}  p90 {pick(0.9):6.2f}  "
          f"p99 {pick(0.99):6.2f}  max {times[-1]:6.2f} ms")


def main(url, token, kind):
    u = urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port)
    rng = random.Random(7)
    for _ in range(50):  # warm-up
        timed(conn, f"/chat/hotels/{hotel_id(kind, rng.randint(1, 10000))}/response-stats", token)
    times, labelled, windows = [], 0, {30: 0, 90: 0}
    for _ in range(2000):
        elapsed, body = timed(conn, f"/chat/hotels/{hotel_id(kind, rng.randint(1, 10000))}/response-stats", token)
        times.append(elapsed)
        labelled += body["label"] is not None
        windows[body["window_days"]] += 1
    report("GET /chat/hotels/:id/response-stats", times)
    print(f"  (of 2000 hotels: {labelled} labelled; window 30 days: {windows[30]}, 90 days: {windows[90]})")
    for name, query in [("30 days by day (the default)", ""), ("7 days by hour", "?bucket=hour&since=" + time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 7 * 86400)))]:
        times = []
        for i in range(110):
            elapsed, body = timed(conn, "/chat/admin/stats" + query, token)
            if i >= 10:
                times.append(elapsed)
        report(f"GET /chat/admin/stats, {name}", times)
    print(f"  (last answer: {sum(b['messages'] for b in body['buckets'])} messages in {len(body['buckets'])} buckets, "
          f"{body['hotels']['count']} hotels, median rate {body['hotels']['median_response_rate']}, "
          f"support {body['support']})")


if __name__ == "__main__":
    main(*sys.argv[1:4])
