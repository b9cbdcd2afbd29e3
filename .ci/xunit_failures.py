#!/usr/bin/env python3
"""Prints one block per failed test of an xUnit.net v2+ result file: a label, the test's name and the first lines of
its failure message. build.sh prints these at the very end of a run, so that the tail of a CI log (often all that
is kept) names what failed and why, not only how many."""
import sys
import xml.etree.ElementTree as ET

label, path = sys.argv[1], sys.argv[2]
# Enough for a test's own diagnostics (a kernel log tail, /proc/mdstat) to reach the end of the CI log.
MAX_LINES = 40
MAX_CHARS = 400
for test in ET.parse(path).getroot().iter("test"):
    if test.get("result") not in ("Fail", "Error"):
        continue
    message = test.findtext("failure/message") or test.findtext("reason") or ""
    lines = [l.rstrip()[:MAX_CHARS] for l in message.strip().splitlines()][:MAX_LINES]
    print(f"FAILED [{label}] {test.get('name')} ({test.get('time', '?')} s)")
    for line in lines:
        print(f"    {line}")
for error in ET.parse(path).getroot().iter("error"):
    message = error.findtext("failure/message") or ""
    print(f"ERROR [{label}] {error.get('type', '')} {error.get('name', '')}")
    for line in [l.rstrip()[:MAX_CHARS] for l in message.strip().splitlines()][:MAX_LINES]:
        print(f"    {line}")
