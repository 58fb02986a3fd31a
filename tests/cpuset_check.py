#!/usr/bin/env python3
"""Tests in a cpuset without CPU 0.

A CI machine's cpuset need not hold CPUs 0 and 1: EAL's "-l 0,1" then fails
with "Cannot set affinity". Every DPDK process of the tests takes its CPUs
from its affinity set (scripts/lcores.py, tests/test_eal.h); this runs the
commands given (separated by "--") in a cpuset cgroup holding only the last
usable CPU, so a test that names CPU 0 again fails here.

Skipped (77) without root, without a cpuset controller (cgroup v1, or v2
where it is enabled here for the run if it is not), or with one CPU:
scripts/test.sh counts that skip as a failure.
"""
import os
import subprocess
import sys


def cpuset_root():
    """The cgroup directory a cpuset child can be made in, and its version."""
    v2 = None
    with open("/proc/self/mountinfo") as f:
        for line in f:
            pre, _, post = line.partition(" - ")
            fstype, _, opts = post.split()[:3]
            mnt = pre.split()[4]
            if fstype == "cgroup" and "cpuset" in opts.split(","):
                return mnt, 1
            if fstype == "cgroup2":
                v2 = mnt
    if v2 is None:
        return None, 0
    try:
        with open(os.path.join(v2, "cgroup.subtree_control")) as s:
            if "cpuset" in s.read().split():
                return v2, 2
        with open(os.path.join(v2, "cgroup.controllers")) as s:
            if "cpuset" not in s.read().split():
                return None, 0
        # there but not enabled for children (root may): on for this run
        with open(os.path.join(v2, "cgroup.subtree_control"), "w") as s:
            s.write("+cpuset")
        return v2, 3
    except OSError:
        return None, 0


def main():
    cmds, cur = [], []
    for a in sys.argv[1:] + ["--"]:
        if a == "--":
            if cur:
                cmds.append(cur)
            cur = []
        else:
            cur.append(a)
    if os.geteuid() != 0:
        print("SKIP: needs root (a cpuset cgroup)")
        return 77
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        print("SKIP: one usable CPU")
        return 77
    root, ver = cpuset_root()
    if root is None:
        print("SKIP: no cpuset controller")
        return 77
    d = os.path.join(root, "mcfwd-cpuset-%d" % os.getpid())
    os.mkdir(d)
    try:
        with open(os.path.join(root, "cpuset.mems" if ver == 1 else "cpuset.mems.effective")) as s:
            mems = s.read().strip()
        for f, val in (("cpuset.cpus", str(cpus[-1])), ("cpuset.mems", mems)):
            with open(os.path.join(d, f), "w") as s:
                s.write(val)
        procs = os.path.join(d, "cgroup.procs")
        bad = 0
        for c in cmds:
            # the child joins the cgroup itself, before exec
            r = subprocess.run(["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"', procs] + c)
            print("%s: exit %d in cpuset {%d}" % (" ".join(os.path.basename(x) for x in c[:3]), r.returncode,
                                                    cpus[-1]), flush=True)
            bad += r.returncode != 0
        return 1 if bad else 0
    finally:
        os.rmdir(d)
        if ver == 3:  # enabled here: off again (refused if others use it now)
            try:
                with open(os.path.join(root, "cgroup.subtree_control"), "w") as s:
                    s.write("-cpuset")
            except OSError:
                pass


if __name__ == "__main__":
    sys.exit(main())
