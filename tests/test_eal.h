/* SPDX-License-Identifier: BSD-3-Clause */
/* EAL for unit tests: 4 KiB pages, no PCI, one lcore, a file prefix of
 * its own per process (tests may run side by side), quiet logs. */
#ifndef MCFWD_TEST_EAL_H
#define MCFWD_TEST_EAL_H

#include <stdio.h>
#include <unistd.h>

#include <rte_eal.h>

static inline int
test_eal_init(const char *name, const char *mem_mb)
{
	char prefix[96], prog[64];
	snprintf(prefix, sizeof(prefix), "--file-prefix=mcfwd-%s-%d", name, (int)getpid());
	snprintf(prog, sizeof(prog), "%s", name);
	char *eal[] = { prog, "--no-huge", "-m", (char *)mem_mb, prefix, "--no-pci", "-l", "0",
			"--log-level=lib.eal:error", "--no-telemetry", NULL };
	if (rte_eal_init(10, eal) < 0) {
		fprintf(stderr, "%s: EAL init failed\n", name);
		return -1;
	}
	return 0;
}

#endif
