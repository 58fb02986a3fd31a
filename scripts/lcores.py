#!/usr/bin/env python3
"""EAL --lcores values on the CPUs this process may use.

Tests, the demo and the benchmarks name CPUs by rank: "0,1" means lcores 0
and 1 on the first and second usable CPU, "0@0,1@1,2@1" lcores 0-2 on the
first and second. A CI machine's cpuset need not hold CPUs 0 and 1 (EAL
then fails with "Cannot set affinity"); lcore ids stay as given.

    python3 scripts/lcores.py 0,1     ->  0@0,1@1 (or 0@2,1@3 ...)
"""
import os
import sys


def cpus():
    return sorted(os.sched_getaffinity(0))


def cpu(rank):
    c = cpus()
    return c[rank % len(c)]


def lcores(spec="0,1"):
    out = []
    for part in spec.split(","):
        lc, _, rank = part.partition("@")
        out.append("%d@%d" % (int(lc), cpu(int(rank or lc))))
    return ",".join(out)


if __name__ == "__main__":
    print(lcores(sys.argv[1] if len(sys.argv) > 1 else "0,1"))
