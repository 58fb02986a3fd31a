/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file mcfwd_config.h
 * The configuration file: smcroute's statements (phyint, mroute, mgroup)
 * plus mcfwd's own (iface, route, include). A pure-C parser: no DPDK, no
 * MGM, nothing resolved (interface names stay names; the application maps
 * them, see mcfwd_static.h). Safe on arbitrary input (it is fuzzed).
 *
 * Grammar: one statement per line; `#` starts a comment anywhere; blank
 * lines are ignored; keywords are case-sensitive; tokens are separated by
 * blanks (space, tab, CR, VT, FF). Options after the leading part of a
 * statement may come in any order, each at most once.
 *
 *   include FILE
 *   iface NAME port N [vlan V] [address A.B.C.D/LEN] [mtu M]
 *   route PREFIX/LEN via IFNAME
 *   phyint IFNAME enable|disable [ttl-threshold N] [igmp]
 *   mroute from IFNAME [source S[/32]] group G[/32] to IFNAME [IFNAME ...]
 *   mgroup from IFNAME [source S] group G
 *
 * - include: a relative FILE is taken from the including file's directory;
 *   at most MCFWD_CFG_INCLUDE_DEPTH levels; a cycle is an error.
 * - iface: NAME is 1..31 of [A-Za-z0-9_.:-]; N 0..31, V 1..4094 (absent:
 *   untagged), LEN 1..32, M 68..9600. Names and (port, vlan) pairs are
 *   unique in a config. A is a unicast address (not 0.0.0.0, 127/8,
 *   multicast or 255.255.255.255). The prefixes of two interfaces'
 *   addresses (their connected routes) may not overlap.
 * - route: bits of PREFIX beyond LEN must be zero; one route per PREFIX/LEN
 *   (a second one is an error, "duplicate route P/L (FILE:LINE)").
 * - phyint: exactly one of enable/disable; ttl-threshold 1..255 only with
 *   enable; `igmp` sets a flag (run IGMP there).
 * - mroute: without `source` a (*,G) template. G is in 224.0.0.0/4 and not
 *   in 224.0.0.0/24 (link-local, never routed); S is unicast (not 0.0.0.0,
 *   not multicast, not 255.255.255.255). Prefix lengths are parsed and
 *   kept, but only /32 is accepted ("group ranges are not supported",
 *   "source ranges are not supported"): smcroute 2.x ranges have no
 *   counterpart in MGM, whose keys are single addresses or wildcards.
 *   1..MCFWD_CFG_OIFS_MAX outgoing interfaces, no duplicates, the incoming
 *   one not among them.
 * - mgroup: recorded only (a router does not join groups itself).
 *
 * Errors are one line, "FILE:LINE: reason", naming the offending token;
 * the one exception is a top-level file that cannot be read
 * ("FILE: cannot read: reason"). Lines are at most MCFWD_CFG_LINE_MAX
 * characters; a config holds at most MCFWD_CFG_STATEMENTS_MAX statements.
 *
 * Context: every function here may be called from any thread, on distinct
 * configs (a config is not shared between threads while it is written).
 */
#ifndef MCFWD_CONFIG_H
#define MCFWD_CONFIG_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MCFWD_CFG_NAME_SZ 32           /**< interface name buffer (31 chars + NUL) */
#define MCFWD_CFG_OIFS_MAX 1024        /**< outgoing interfaces of one mroute */
#define MCFWD_CFG_LINE_MAX 4096        /**< characters of a line, without the newline */
#define MCFWD_CFG_STATEMENTS_MAX 1000000u
#define MCFWD_CFG_INCLUDE_DEPTH 8      /**< nested includes below the top file */
#define MCFWD_CFG_PORT_MAX 31

/**
 * Split a line into words, in place, as the configuration and the CLI do:
 * blanks separate words, '#' outside quotes starts a comment (at a word's
 * start; inside a word too, unless hash_in_word: the CLI's rule, where
 * `site#2.conf` is one word), double quotes
 * keep blanks and '#' in a word (a path with spaces) and are dropped, and
 * inside them \" and \\ stand for " and \.
 * @return the count of words, -E2BIG (more than max), -EINVAL (a double
 * quote not closed; s NULL, max negative, or argv NULL with max > 0).
 */
int mcfwd_split_words(char *s, char **argv, int max, bool hash_in_word);

/** Where a statement came from; `file` is owned by the config. */
struct mcfwd_cfg_loc {
	const char *file;
	unsigned int line;
};

/** The largest `mtu` a file may give (jumbo frames). What a port carries
 * is the application's business: mcfwd's mbufs hold a frame of its
 * --max-mtu (default 2030) in one segment, and the device has its limit. */
#define MCFWD_CFG_MTU_MAX 9600

/** iface NAME port N [vlan V] [address A/LEN] [mtu M] */
struct mcfwd_cfg_iface {
	char name[MCFWD_CFG_NAME_SZ];
	uint16_t port;
	uint16_t vlan;      /**< 0: untagged */
	uint16_t mtu;       /**< 0: not given */
	bool has_addr;
	uint8_t addr_len;
	uint32_t addr;      /**< host byte order */
	struct mcfwd_cfg_loc loc;
};

/** route PREFIX/LEN via IFNAME */
struct mcfwd_cfg_route {
	uint32_t prefix;    /**< host byte order, no bits beyond len */
	uint8_t len;
	char via[MCFWD_CFG_NAME_SZ];
	struct mcfwd_cfg_loc loc;
};

/** phyint IFNAME enable|disable [ttl-threshold N] [igmp] */
struct mcfwd_cfg_phyint {
	char name[MCFWD_CFG_NAME_SZ];
	bool enable;
	bool igmp;
	uint8_t ttl;        /**< 0: not given (default threshold 1) */
	struct mcfwd_cfg_loc loc;
};

/** mroute from IIF [source S[/LEN]] group G[/LEN] to OIF... */
struct mcfwd_cfg_mroute {
	char iif[MCFWD_CFG_NAME_SZ];
	uint32_t src;       /**< 0: (*,G) template */
	uint32_t grp;
	uint8_t slen;       /**< 32, or 0 for a template */
	uint8_t glen;       /**< 32 */
	uint16_t n_oifs;    /**< 1..MCFWD_CFG_OIFS_MAX */
	char (*oifs)[MCFWD_CFG_NAME_SZ];
	struct mcfwd_cfg_loc loc;
};

/** mgroup from IFNAME [source S] group G */
struct mcfwd_cfg_mgroup {
	char iif[MCFWD_CFG_NAME_SZ];
	uint32_t src;       /**< 0: any source */
	uint32_t grp;
	struct mcfwd_cfg_loc loc;
};

struct mcfwd_cfg_priv;

/**
 * A parsed configuration: statements in file order, per kind.
 * Zero-initialise it (or use one returned by a parse) before
 * mcfwd_config_parse_line(); release it with mcfwd_config_free().
 */
struct mcfwd_config {
	struct mcfwd_cfg_iface *ifaces;
	uint32_t n_ifaces;
	struct mcfwd_cfg_route *routes;
	uint32_t n_routes;
	struct mcfwd_cfg_phyint *phyints;
	uint32_t n_phyints;
	struct mcfwd_cfg_mroute *mroutes;
	uint32_t n_mroutes;
	struct mcfwd_cfg_mgroup *mgroups;
	uint32_t n_mgroups;
	uint32_t n_statements;         /**< all of them, includes too */
	struct mcfwd_cfg_priv *priv;   /**< capacities, file names, indexes */
};

/**
 * Parse a file and the files it includes. Any thread.
 * @param cfg output; overwritten (it must not hold a config: free it first).
 *   On error it is left empty (zeroed), nothing half-parsed.
 * @param err, errlen receive the message on error (may be NULL / 0).
 * @return 0, -EINVAL (syntax, limits, include cycle/depth), -ENOENT,
 *   -EACCES or another -errno of a file, -ENOMEM.
 */
int mcfwd_config_parse_file(const char *path, struct mcfwd_config *cfg, char *err,
			    size_t errlen);

/**
 * Parse text (len bytes, need not be NUL-terminated) named `name` in
 * messages (NULL: "<string>"). `include` is an error here. Any thread.
 * Same contract as mcfwd_config_parse_file() otherwise.
 */
int mcfwd_config_parse_string(const char *text, size_t len, const char *name,
			      struct mcfwd_config *cfg, char *err, size_t errlen);

/**
 * Parse one line (a CLI command) and append its statement to cfg, located
 * at name:lineno. A blank or comment line appends nothing. `include` is an
 * error. On error cfg is unchanged. Any thread.
 * @return 0, -EINVAL, -ENOMEM.
 */
int mcfwd_config_parse_line(struct mcfwd_config *cfg, const char *line, const char *name,
			    unsigned int lineno, char *err, size_t errlen);

/** Release everything; cfg is left empty and reusable. NULL is a no-op. Any thread. */
void mcfwd_config_free(struct mcfwd_config *cfg);

/**
 * fopen(path, "rb") for a file of statements or commands, which never
 * blocks without end: a FIFO, socket or terminal with nothing to read
 * within 2000 ms is -ETIMEDOUT (fopen() of a FIFO no one writes to blocks
 * for ever), a directory -EISDIR. NULL with *rc a negative errno;
 * mcfwd_input_strerror(*rc) says why in words.
 */
FILE *mcfwd_input_open(const char *path, int *rc);
const char *mcfwd_input_strerror(int rc);

#ifdef __cplusplus
}
#endif
#endif
