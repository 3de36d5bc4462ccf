#!/usr/bin/env python3
"""Samples a server's search lag from /metrics while a load runs (issue 28 item 1).

    scripts/search-lag.py URL SECONDS    e.g. beside `tigo-chat bench closed-loop`

Every 25 ms it reads `tigo_search_lag_seconds` (the age of the oldest stored message the search
index has not reached; every message acknowledged before a sample is at most that old when the
sample sees it unindexed, so a sample bounds the acknowledgement-to-found lag of every message
waiting then) and `tigo_search_lag_messages`, and prints the samples' p50, p99 and max.
Samples before the first message and after the load has drained (both 0) are counted as
they are: run it over the measured phase only.
"""
import sys
import time
import urllib.request


def sample(url):
    with urllib.request.urlopen(url + "/metrics", timeout=2) as r:
        text = r.read().decode()
    got = {}
    for line in text.splitlines():
        for name in ("tigo_search_lag_seconds", "tigo_search_lag_messages"):
            if line.startswith(name + " "):
                got[name] = float(line.split()[1])
    return got.get("tigo_search_lag_seconds"), got.get("tigo_search_lag_messages")


def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def main():
    url, seconds = sys.argv[1].rstrip("/"), float(sys.argv[2])
    end = time.monotonic() + seconds
    secs, msgs = [], []
    while time.monotonic() < end:
        s, m = sample(url)
        if s is not None:
            secs.append(s)
            msgs.append(m)
        time.sleep(0.025)
    if not secs:
        print("no samples (no tigo_search_lag_seconds on /metrics)")
        return 1
    print(
        f"search lag over {len(secs)} samples: seconds p50 {pct(secs, .5):.3f} "
        f"p99 {pct(secs, .99):.3f} max {max(secs):.3f}; messages p50 {pct(msgs, .5):.0f} "
        f"p99 {pct(msgs, .99):.0f} max {max(msgs):.0f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
