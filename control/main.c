/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mcfwd [EAL options] -- [app options]
 *
 * The EAL main lcore runs the control thread (punt ring, MGM, timers, CLI);
 * every other lcore is a forwarding worker.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_pdump.h>

#include "app.h"
#include "mcfwd_config.h"

int app_init(char *err, size_t errlen);
int app_fini(bool report);

static void
usage(const char *prog)
{
	printf("\nUsage: %s [EAL options] -- [options]\n"
	       "  --config FILE        interfaces, routes and static multicast routes (smcroute syntax)\n"
	       "  --cmdline-file FILE  run CLI commands from FILE after start-up\n"
	       "  -i, --interactive    interactive prompt (forwarding waits for 'start')\n"
	       "  --no-cli             daemon: no prompt, runs until SIGINT/SIGTERM\n"
	       "  --burst N            rx burst size (1..%d, default 32)\n"
	       "  --rx-cold-every N    an RX queue that found nothing in 32 polls in a row is\n"
	       "                       polled one loop turn in N while its worker receives on\n"
	       "                       others (1..64, default 8; 1: every queue every turn)\n"
	       "  --mfe-timeout S      default MFE timeout in seconds (default 900; 0: MFEs with\n"
	       "                       receivers never age, those without still go after 10 s)\n"
	       "  --max-mfes N         forwarding cache capacity (default 65536)\n"
	       "  --idle-us N          a worker idle this long sleeps (default 0: never)\n"
	       "  --sleep-us N         how long an idle worker sleeps (default 100)\n"
	       "  --clone-min N        replicate packets of at least N IP bytes by clone\n"
	       "                       (ports with multi-segment TX; 0: always copy; default 2800: where\n"
	       "                       clones overtake copies in bench_worker, see README)\n"
	       "  --punt-rate N        packets per second a worker may hand to control (default 20000;\n"
	       "                       data and IGMP/link-local each)\n"
	       "  --punt-per-flow N    packets of one unresolved (S,G) handed to control per 100 ms\n"
	       "                       (held, then forwarded when the entry exists; default 4)\n"
	       "  --mbufs N            mbuf pool size (default: from ports, queues, descriptors)\n"
	       "  --max-mtu N          largest interface MTU, 1500..%u (default %u): above the\n"
	       "                       default, mbufs grow to hold a frame of N IP bytes (jumbo)\n"
	       "  --rxd N / --txd N    descriptors per queue (default 1024)\n"
	       "  --portmap P:L,...    poll port P on worker lcore L (ports without RSS)\n"
	       "  --no-stats           do not print counters on exit\n"
	       "  --ms-log FILE        benchmarks: every worker records its counters each millisecond\n"
	       "                       (last 120 s) and commands read from stdin are timestamped;\n"
	       "                       written to FILE (CSV) on exit\n",
	       prog, MCFWD_BURST_MAX, MCFWD_CFG_MTU_MAX, APP_DEFAULT_MAX_MTU);
}

static int
num(const char *opt, const char *s, unsigned long lo, unsigned long hi, uint32_t *out)
{
	char *e;
	errno = 0;
	/* a digit first: strtoul() takes blanks and a sign before it, and
	 * "-18446744073709551615" wraps to 1 */
	unsigned long v = isdigit((unsigned char)s[0]) ? strtoul(s, &e, 10) : 0;
	if (!isdigit((unsigned char)s[0]) || errno || *e || v < lo || v > hi) {
		fprintf(stderr, "mcfwd: %s: '%s' is not a number in %lu..%lu\n", opt, s, lo, hi);
		return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

static unsigned int stdin_line;

/* --ms-log: per-millisecond counters recorded by the workers themselves,
 * and the start and end TSC of every command read from stdin. */
#define MSLOG_ROWS 120000
#define MSLOG_MARKS 256
static const char *ms_log_path;
static FILE *ms_log_file; /* opened with the options: a bad path is a bad option */
static struct {
	uint64_t t0, t1;
	char text[96];
} ms_marks[MSLOG_MARKS];
static unsigned int ms_n_marks;

static void
ms_log_start(void)
{
	for (unsigned int i = 0; i < app.n_workers; i++) {
		size_t sz = sizeof(struct mcfwd_mslog) + MSLOG_ROWS * sizeof(struct mcfwd_msrow);
		struct mcfwd_mslog *ml = calloc(1, sz);
		if (ml == NULL) {
			fprintf(stderr, "mcfwd: --ms-log: out of memory\n");
			return;
		}
		/* faulted in now: the worker wrote into a fresh page every
		 * ~40 rows, a page fault on its loop (seen with perf) */
		for (size_t o = 0; o < sz; o += 4096)
			((volatile uint8_t *)ml)[o] = 0;
		ml->n_rows = MSLOG_ROWS;
		ml->period_tsc = rte_get_tsc_hz() / 1000;
		ml->next_tsc = rte_rdtsc();
		__atomic_store_n(&app.w[i]->mslog, ml, __ATOMIC_RELEASE);
	}
}

/* The workers' logs, taken from them first: a worker still running
 * overwrote the oldest rows while they were printed, and its last rows
 * came after (found by review). 0, or -1 when the file could not be
 * written (exit status 1: the caller asked for it). */
static int
ms_log_write(void)
{
	FILE *f = ms_log_file;
	ms_log_file = NULL;
	if (f == NULL)
		return 0;
	struct mcfwd_mslog *logs[MCFWD_MAX_WORKERS] = { NULL };
	uint64_t it0[MCFWD_MAX_WORKERS];
	for (unsigned int i = 0; i < app.n_workers; i++) {
		logs[i] = __atomic_exchange_n(&app.w[i]->mslog, NULL, __ATOMIC_ACQ_REL);
		it0[i] = __atomic_load_n(&app.w[i]->st.iterations, __ATOMIC_RELAXED);
	}
	/* a worker loads the pointer once a turn, after counting the turn:
	 * once its count passed it0, the turn that may have loaded the old
	 * pointer is over (a parked or sleeping one writes no row; 100 ms at
	 * most for each) */
	for (unsigned int i = 0; i < app.n_workers; i++)
		for (unsigned int waited = 0;
		     __atomic_load_n(&app.w[i]->st.iterations, __ATOMIC_RELAXED) < it0[i] + 1 && waited < 100;
		     waited++)
			rte_delay_us_sleep(1000);
	fprintf(f, "# tsc_hz %" PRIu64 "\n", rte_get_tsc_hz());
	for (unsigned int i = 0; i < ms_n_marks; i++)
		fprintf(f, "# cmd %" PRIu64 " %" PRIu64 " %s\n", ms_marks[i].t0, ms_marks[i].t1,
			ms_marks[i].text);
	fprintf(f, "worker,tsc,rx,fwd,iterations");
	for (int p = 0; p < MCFWD_MSLOG_PORTS; p++)
		fprintf(f, ",tx%d", p);
	fprintf(f, "\n");
	for (unsigned int i = 0; i < app.n_workers; i++) {
		struct mcfwd_mslog *ml = logs[i];
		if (ml == NULL)
			continue;
		uint64_t n = __atomic_load_n(&ml->n, __ATOMIC_ACQUIRE);
		for (uint64_t k = n > ml->n_rows ? n - ml->n_rows : 0; k < n; k++) {
			const struct mcfwd_msrow *r = &ml->row[k % ml->n_rows];
			fprintf(f, "%u,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64, i, r->tsc,
				r->rx_pkts, r->fwd, r->iterations);
			for (int p = 0; p < MCFWD_MSLOG_PORTS; p++)
				fprintf(f, ",%" PRIu64, r->tx[p]);
			fprintf(f, "\n");
		}
	}
	for (unsigned int i = 0; i < app.n_workers; i++)
		free(logs[i]);
	int bad = ferror(f);
	bad |= fclose(f) != 0;
	if (bad) {
		fprintf(stderr, "mcfwd: --ms-log %s: %s\n", ms_log_path, strerror(errno));
		return -1;
	}
	return 0;
}

static void
exec_stdin_line(char *line, size_t n)
{
	uint64_t t0 = rte_rdtsc();
	(void)cli_exec_n(line, n, stdout, "stdin", ++stdin_line);
	if (ms_log_path && ms_n_marks < MSLOG_MARKS) {
		ms_marks[ms_n_marks].t0 = t0;
		ms_marks[ms_n_marks].t1 = rte_rdtsc();
		size_t l = strnlen(line, sizeof(ms_marks[0].text) - 1);
		memcpy(ms_marks[ms_n_marks].text, line, l);
		ms_marks[ms_n_marks].text[l] = 0;
		ms_n_marks++;
	}
}

static int
parse_args(int argc, char **argv)
{
	enum { O_CONFIG = 256, O_CMDFILE, O_NOCLI, O_BURST, O_TIMEOUT, O_MAXMFES, O_IDLE, O_SLEEP,
	       O_CLONE, O_PUNT, O_MBUFS, O_RXD, O_TXD, O_PORTMAP, O_NOSTATS, O_PPF, O_MSLOG, O_MAXMTU, O_COLD, O_HELP };
	static const struct option lo[] = {
		{ "config", required_argument, NULL, O_CONFIG },
		{ "cmdline-file", required_argument, NULL, O_CMDFILE },
		{ "interactive", no_argument, NULL, 'i' },
		{ "no-cli", no_argument, NULL, O_NOCLI },
		{ "burst", required_argument, NULL, O_BURST },
		{ "rx-cold-every", required_argument, NULL, O_COLD },
		{ "mfe-timeout", required_argument, NULL, O_TIMEOUT },
		{ "max-mfes", required_argument, NULL, O_MAXMFES },
		{ "idle-us", required_argument, NULL, O_IDLE },
		{ "sleep-us", required_argument, NULL, O_SLEEP },
		{ "clone-min", required_argument, NULL, O_CLONE },
		{ "punt-rate", required_argument, NULL, O_PUNT },
		{ "mbufs", required_argument, NULL, O_MBUFS },
		{ "max-mtu", required_argument, NULL, O_MAXMTU },
		{ "rxd", required_argument, NULL, O_RXD },
		{ "txd", required_argument, NULL, O_TXD },
		{ "portmap", required_argument, NULL, O_PORTMAP },
		{ "no-stats", no_argument, NULL, O_NOSTATS },
		{ "punt-per-flow", required_argument, NULL, O_PPF },
		{ "ms-log", required_argument, NULL, O_MSLOG },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct app_opts *o = &app.o;
	uint32_t v;
	int c;

	app_opts_defaults(o);
	optind = 1;
	while ((c = getopt_long(argc, argv, "i", lo, NULL)) != -1) {
		switch (c) {
		case O_CONFIG: o->config = optarg; break;
		case O_CMDFILE: o->cmdline_file = optarg; break;
		case 'i': o->interactive = true; break;
		case O_NOCLI: o->no_cli = true; break;
		case O_BURST:
			if (num("--burst", optarg, 1, MCFWD_BURST_MAX, &v)) return -EINVAL;
			o->burst = (uint16_t)v;
			break;
		case O_COLD:
			if (num("--rx-cold-every", optarg, 1, 64, &v)) return -EINVAL;
			o->rx_cold_every = (uint16_t)v;
			break;
		case O_TIMEOUT:
			if (num("--mfe-timeout", optarg, 0, 86400 * 365, &o->mfe_timeout_s)) return -EINVAL;
			break;
		case O_MAXMFES:
			if (num("--max-mfes", optarg, 16, 1u << 25, &o->max_mfes)) return -EINVAL;
			break;
		case O_IDLE:
			if (num("--idle-us", optarg, 0, 10000000, &o->idle_us)) return -EINVAL;
			break;
		case O_SLEEP:
			if (num("--sleep-us", optarg, 1, 1000000, &o->sleep_us)) return -EINVAL;
			break;
		case O_CLONE:
			if (num("--clone-min", optarg, 0, 65535, &o->clone_min)) return -EINVAL;
			break;
		case O_PUNT:
			if (num("--punt-rate", optarg, 1, 100000000, &o->punt_rate)) return -EINVAL;
			break;
		case O_MBUFS:
			if (num("--mbufs", optarg, 1024, 1u << 28, &o->nb_mbufs)) return -EINVAL;
			break;
		case O_MAXMTU:
			if (num("--max-mtu", optarg, RTE_ETHER_MTU, MCFWD_CFG_MTU_MAX, &o->max_mtu))
				return -EINVAL;
			break;
		case O_RXD:
			if (num("--rxd", optarg, 32, 32768, &v)) return -EINVAL;
			o->rx_desc = (uint16_t)v;
			break;
		case O_TXD:
			if (num("--txd", optarg, 32, 32768, &v)) return -EINVAL;
			o->tx_desc = (uint16_t)v;
			break;
		case O_PORTMAP: o->portmap = optarg; break;
		case O_NOSTATS: o->stats_on_exit = false; break;
		case O_PPF:
			if (num("--punt-per-flow", optarg, 1, 4096, &o->punt_per_flow)) return -EINVAL;
			break;
		case O_MSLOG: ms_log_path = optarg; break;
		case O_HELP: usage(argv[0]); exit(0);
		default:
			/* getopt has named the option (unknown, ambiguous, a value
			 * missing or not allowed); that is the last line, as for
			 * every bad option, not buried under the usage */
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mcfwd: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (o->interactive && o->no_cli) {
		fprintf(stderr, "mcfwd: -i and --no-cli exclude each other\n");
		return -EINVAL;
	}
	/* opened now, not at exit: a path that cannot be written was found
	 * only then, after the run, with exit status 0 */
	if (ms_log_path && (ms_log_file = fopen(ms_log_path, "w")) == NULL) {
		fprintf(stderr, "mcfwd: --ms-log %s: %s\n", ms_log_path, strerror(errno));
		return -EINVAL;
	}
	return 0;
}

static void
on_signal(int sig)
{
	(void)sig;
	app.quit = 1;
}

/* Commands from stdin when it is not a terminal, read as they come. */
static char stdin_buf[8192];
static size_t stdin_len;
static bool stdin_eof;
static bool stdin_skip; /* the rest of an over-long line: dropped up to its newline */

static void
stdin_ready(int fd, uint32_t ev, void *arg)
{
	(void)ev;
	(void)arg;
	ssize_t r = read(fd, stdin_buf + stdin_len, sizeof(stdin_buf) - 1 - stdin_len);
	if (r <= 0) {
		if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
			(void)mgm_fd_del(app.mgm, fd);
			stdin_eof = true;
			if (stdin_len) { /* a last line without newline */
				stdin_buf[stdin_len] = 0;
				exec_stdin_line(stdin_buf, stdin_len);
				stdin_len = 0;
			}
		}
		return;
	}
	stdin_len += (size_t)r;
	if (stdin_skip) { /* an over-long line's tail was run as a line of its own */
		char *e = memchr(stdin_buf, '\n', stdin_len);
		size_t used = e ? (size_t)(e + 1 - stdin_buf) : stdin_len;
		memmove(stdin_buf, stdin_buf + used, stdin_len - used);
		stdin_len -= used;
		stdin_skip = e == NULL;
	}
	/* commands may run the control loop (sleep): stop watching meanwhile */
	(void)mgm_fd_del(app.mgm, fd);
	char *nl;
	while ((nl = memchr(stdin_buf, '\n', stdin_len)) != NULL && !app.quit) {
		*nl = 0;
		exec_stdin_line(stdin_buf, (size_t)(nl - stdin_buf));
		fflush(stdout);
		size_t used = (size_t)(nl + 1 - stdin_buf);
		memmove(stdin_buf, nl + 1, stdin_len - used);
		stdin_len -= used;
	}
	if (stdin_len == sizeof(stdin_buf) - 1) {
		/* longer than the buffer, so than a line may be (cli_exec says
		 * the same for the shorter ones) */
		fprintf(stdout, "stdin:%u: error: line longer than %d characters\n", ++stdin_line,
			MCFWD_CFG_LINE_MAX);
		stdin_len = 0;
		stdin_skip = true;
	}
	if (!app.quit)
		(void)mgm_fd_add(app.mgm, fd, EPOLLIN, stdin_ready, NULL);
}

int
main(int argc, char **argv)
{
	char err[1024] = "";
	int ret = 1;

#ifdef MCFWD_DPDK_STATIC
	/* linked with DPDK's static libraries and every driver: a driver
	 * loaded from a shared object (EAL's -d) would bring a second EAL and
	 * ethdev of its own (found by review) */
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (argv[i][0] == '-' && argv[i][1] == 'd') {
			fprintf(stderr, "mcfwd: -d: this mcfwd is linked with DPDK's static "
				"libraries and has every driver built in; it loads none\n");
			return 2;
		}
#endif
	/* `mcfwd --help` (EAL's option) prints ours after EAL's */
	(void)rte_set_application_usage_hook(usage);
	/* EAL's threads (lcores, interrupts, telemetry) with SIGINT/SIGTERM
	 * blocked: delivered to one of them, a signal did not end the control
	 * thread's blocking read (a --cmdline-file FIFO; found by review) */
	sigset_t quit_sigs;
	sigemptyset(&quit_sigs);
	sigaddset(&quit_sigs, SIGINT);
	sigaddset(&quit_sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &quit_sigs, NULL);
	int n = rte_eal_init(argc, argv);
	pthread_sigmask(SIG_UNBLOCK, &quit_sigs, NULL);
	if (n < 0) {
		fprintf(stderr, "mcfwd: EAL initialisation failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= n;
	argv += n;
	argv[0] = (char *)"mcfwd";
	if (parse_args(argc, argv) < 0) {
		rte_eal_cleanup();
		return 2;
	}
	/* without SA_RESTART: a read the control thread is blocked in (a
	 * --cmdline-file FIFO whose writer is slow) returns, and the quit is
	 * seen (with signal()'s SA_RESTART only SIGKILL ended it, the ports
	 * never stopped; found by review) */
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);

	(void)rte_pdump_init(); /* dpdk-dumpcap can capture on our ports */
	int rc = app_init(err, sizeof(err));
	if (rc < 0) {
		/* an error naming an option (--portmap) is a bad option: 2 */
		if (rc == -EINVAL && strncmp(err, "--", 2) == 0)
			ret = 2;
		goto out;
	}
	if (ms_log_path)
		ms_log_start();
	if (app_telemetry_init() < 0)
		APP_LOG(WARNING, "telemetry commands not registered\n");
	if (app.o.config && app_config_load(app.o.config, false, err, sizeof(err)) < 0)
		goto out;
	if (!app.o.config) {
		/* no file: static runs with nothing, for routes added at run
		 * time (as smcroute started bare); only an explicit shutdown
		 * stops it */
		struct mcfwd_config none;
		memset(&none, 0, sizeof(none));
		if (mcfwd_static_apply(app.st, &none, err, sizeof(err)) < 0)
			goto out;
	}
	if (!app.o.interactive)
		app_forwarding(true);
	if (app.o.cmdline_file) {
		/* a FIFO with nothing to say in 2 s, a directory: refused (the
		 * first blocked the control thread for good, the second ran
		 * nothing and exited 0; found by review) */
		int orc;
		FILE *f = mcfwd_input_open(app.o.cmdline_file, &orc);
		if (f == NULL) {
			snprintf(err, sizeof(err), "--cmdline-file %s: %s", app.o.cmdline_file,
				 mcfwd_input_strerror(orc));
			ret = 2;
			goto out;
		}
		(void)cli_run_file(f, app.o.cmdline_file, stdout, false);
		bool bad = ferror(f) && !app.quit;
		int e = errno;
		fclose(f);
		if (bad) {
			snprintf(err, sizeof(err), "--cmdline-file %s: read error: %s",
				 app.o.cmdline_file, strerror(e));
			ret = 2;
			goto out;
		}
	}
	if (!app.quit && app.o.interactive) {
		if (cli_interactive_start() < 0) {
			snprintf(err, sizeof(err), "cannot start the prompt");
			goto out;
		}
	} else if (!app.quit && !app.o.no_cli && !isatty(0) &&
		   mgm_fd_add(app.mgm, 0, EPOLLIN, stdin_ready, NULL) == -EPERM) {
		/* a regular file (`< cmds.txt`) or /dev/null, which epoll does
		 * not take (the commands were ignored without a word, found by
		 * a black-box test): read to its end now, as a pipe would be */
		while (!stdin_eof && !app.quit)
			stdin_ready(0, EPOLLIN, NULL);
	}
	while (!app.quit)
		app_poll_once(app.forwarding ? 1 : 20);
	ret = 0;
	if (ms_log_path && ms_log_write() < 0)
		ret = 1;
out:
	if (ms_log_file != NULL) { /* a start-up failure: nothing recorded */
		fclose(ms_log_file);
		ms_log_file = NULL;
	}
	cli_interactive_stop();
	/* a start-up error: no counters, accounting or pool tally to bury it in */
	if (app_fini(err[0] == 0) != 0 && ret == 0)
		ret = 3;
	if (err[0] != 0)
		fprintf(stderr, "mcfwd: %s\n", err); /* last: what went wrong at start-up */
	rte_pdump_uninit();
	rte_eal_cleanup();
	return ret;
}
