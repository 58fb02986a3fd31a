/* SPDX-License-Identifier: BSD-3-Clause */
/* EAL for unit tests: 4 KiB pages, no PCI, one lcore (on the first CPU
 * the process may use), a file prefix of
 * its own per process (tests may run side by side), quiet logs. */
#ifndef MCFWD_TEST_EAL_H
#define MCFWD_TEST_EAL_H

#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rte_eal.h>

/* The k-th CPU (from 0, modulo their count) this process may run on: a
 * CI machine's cpuset need not hold CPUs 0 and 1. */
static inline int
test_cpu(unsigned int k)
{
	/* the raw call: <sched.h>'s CPU_* need _GNU_SOURCE first */
	unsigned long m[16] = { 0 };
	const int bits = (int)(8 * sizeof(m[0]));
	int n = 0;
	if (syscall(SYS_sched_getaffinity, 0, sizeof(m), m) < 0)
		return (int)k;
	for (int c = 0; c < 16 * bits; c++)
		n += (m[c / bits] >> (c % bits)) & 1;
	if (n == 0)
		return (int)k;
	k %= (unsigned int)n;
	for (int c = 0; c < 16 * bits; c++)
		if (((m[c / bits] >> (c % bits)) & 1) && k-- == 0)
			return c;
	return 0;
}

/* An EAL --lcores value for n lcores: "0@c0,1@c1,...", lcore i on
 * test_cpu(i), so lcore ids stay 0..n-1 whatever the CPUs are. */
static inline const char *
test_lcores(char *buf, size_t len, unsigned int n)
{
	size_t o = 0;
	buf[0] = '\0';
	for (unsigned int i = 0; i < n && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%u@%d", i ? "," : "", i, test_cpu(i));
	return buf;
}

static inline int
test_eal_init(const char *name, const char *mem_mb)
{
	char prefix[96], prog[64], lc[32];
	snprintf(prefix, sizeof(prefix), "--file-prefix=mcfwd-%s-%d", name, (int)getpid());
	snprintf(prog, sizeof(prog), "%s", name);
	char *eal[] = { prog, "--no-huge", "-m", (char *)mem_mb, prefix, "--no-pci", "--lcores",
			(char *)test_lcores(lc, sizeof(lc), 1), "--log-level=lib.eal:error",
			"--no-telemetry", NULL };
	if (rte_eal_init(10, eal) < 0) {
		fprintf(stderr, "%s: EAL init failed\n", name);
		return -1;
	}
	return 0;
}

#endif
