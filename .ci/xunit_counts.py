#!/usr/bin/env python3
"""Prints 'passed failed skipped' summed over the <assembly> elements of an xUnit.net v2+ result file."""
import sys
import xml.etree.ElementTree as ET

passed = failed = skipped = 0
for assembly in ET.parse(sys.argv[1]).getroot().iter("assembly"):
    passed += int(assembly.get("passed", 0))
    failed += int(assembly.get("failed", 0)) + int(assembly.get("errors", 0))
    skipped += int(assembly.get("skipped", 0)) + int(assembly.get("not-run", 0))
print(passed, failed, skipped)
