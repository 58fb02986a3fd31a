/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: arbitrary bytes as lines of CLI commands, run by the real
 * command parser (cli_exec) against a running application: EAL with two
 * lcores (control + one worker), three net_null ports, the static protocol
 * loaded. Checks: nothing crashes or leaks; every line either succeeds or
 * prints exactly one error line; after each input the configuration is
 * loaded again and the application still answers. Waiting commands (sleep,
 * debug stall-worker) are capped at a few milliseconds here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>

#include "../../control/app.h"
#include "../test_eal.h"

int app_init(char *err, size_t errlen);

static FILE *sink;
static char base_conf[128];

static void
die(const char *m)
{
	fprintf(stderr, "fuzz_cli: %s\n", m);
	abort();
}

static void
rm_base_conf(void)
{
	unlink(base_conf);
}

static void
setup(void)
{
	char prefix[64], lc[32];
	snprintf(prefix, sizeof(prefix), "--file-prefix=mcfwd-fuzzcli-%d", (int)getpid());
	char *eal[] = { "fuzz_cli", "--lcores", (char *)test_lcores(lc, sizeof(lc), 2), "--no-huge", "-m", "512", "--no-pci", prefix,
			"--log-level=*:error", "--vdev", "net_null0,no-rx=1", "--vdev",
			"net_null1,no-rx=1", "--vdev", "net_null2,no-rx=1", NULL };
	if (rte_eal_init(15, eal) < 0)
		die("EAL");
	struct app_opts *o = &app.o;
	app_opts_defaults(o);
	o->max_mfes = 4096;
	o->rx_desc = o->tx_desc = 256;
	o->nb_mbufs = 8192;
	o->stats_on_exit = false;
	cli_wait_cap_ms = 5;
	char err[512];
	if (app_init(err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		die("app_init");
	}
	snprintf(base_conf, sizeof(base_conf), "/tmp/mcfwd-fuzzcli-%d.conf", (int)getpid());
	FILE *f = fopen(base_conf, "w");
	if (f == NULL)
		die("config file");
	atexit(rm_base_conf); /* kept for reloads while the fuzzer runs */
	fputs("iface p0 port 0 address 10.0.0.254/24\niface p1 port 1\niface p2 port 2\n"
	      "mroute from p0 source 10.0.0.1 group 232.1.1.1 to p1 p2\n"
	      "mroute from p0 group 232.1.1.2 to p2\nphyint p1 enable ttl-threshold 3 igmp\n", f);
	fclose(f);
	if (app_config_load(base_conf, false, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		die("config");
	}
	app_forwarding(true);
	sink = fopen("/dev/null", "w");
	if (sink == NULL)
		die("/dev/null");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready) {
		setup();
		ready = 1;
	}
	if (size > 16384)
		size = 16384;
	char *buf = malloc(size + 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	unsigned int no = 0;
	for (char *line = buf, *nl; line != NULL && *line; line = nl) {
		nl = strchr(line, '\n');
		if (nl != NULL)
			*nl++ = 0;
		(void)cli_exec(line, sink, "fuzz", ++no);
		if (no > 64)
			break;
	}
	free(buf);
	/* back to a known state: whatever the input did, the app must take
	 * its configuration again, forward, and answer */
	app.quit = 0;
	char err[512];
	if (app_config_load(base_conf, true, err, sizeof(err)) < 0 && app.n_ports == 3) {
		fprintf(stderr, "%s\n", err);
		die("the configuration no longer loads");
	}
	app_forwarding(true);
	if (cli_exec("show ip mroute count", sink, NULL, 0) != 0)
		die("the app no longer answers");
	return 0;
}
