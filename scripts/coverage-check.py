#!/usr/bin/env python3
"""Checks the line-coverage floors of the project against a `cargo llvm-cov report --json
--summary-only` file: 85% overall, 90% in the core crate, 100% in the code that canonicalizes,
hashes, signs and verifies. Prints each figure; exits 1 if any floor is missed."""

import json
import sys

FLOORS = [
    ("overall", lambda f: True, 85.0),
    ("core crate (crates/orchestrator/src)", lambda f: "/crates/orchestrator/src/" in f, 90.0),
    ("canonical.rs", lambda f: f.endswith("/crates/orchestrator/src/canonical.rs"), 100.0),
    ("crypto.rs", lambda f: f.endswith("/crates/orchestrator/src/crypto.rs"), 100.0),
    ("artifact.rs", lambda f: f.endswith("/crates/orchestrator/src/artifact.rs"), 100.0),
]


def main(path):
    files = json.load(open(path))["data"][0]["files"]
    failed = False
    for name, keep, floor in FLOORS:
        chosen = [f for f in files if keep(f["filename"])]
        count = sum(f["summary"]["lines"]["count"] for f in chosen)
        covered = sum(f["summary"]["lines"]["covered"] for f in chosen)
        percent = 100.0 * covered / count if count else 0.0
        ok = count > 0 and percent + 1e-9 >= floor
        failed |= not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {percent:.2f}% of {count} lines (floor {floor:.0f}%)")
        if not ok and floor == 100.0:
            for f in chosen:
                print(f"     uncovered lines in {f['filename']}: {count - covered}")
    if failed:
        print("coverage floors missed: see `cargo llvm-cov --html` (README, Coverage)")
        sys.exit(1)


if __name__ == "__main__":
    main(sys.argv[1])
