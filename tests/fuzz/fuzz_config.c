/* SPDX-License-Identifier: BSD-3-Clause */
/* Fuzz target: the configuration parser on arbitrary text.
 * Invariants: nothing read outside the input (ASan), no leak (LSan), an
 * error leaves the config empty with a "NAME:LINE: reason" message, a
 * success holds only what the grammar allows; the first line, given again
 * to mcfwd_config_parse_line(), appends at most one statement.
 * Built with libFuzzer under clang (-Dfuzz=true); replayed over the seed
 * corpus as a normal test otherwise (fuzz_replay.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mcfwd_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_name(const char *n)
{
	size_t l = strnlen(n, MCFWD_CFG_NAME_SZ);
	if (l == 0 || l >= MCFWD_CFG_NAME_SZ)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mcfwd_config zero;
	struct mcfwd_config c;
	char err[256];
	char *t = malloc(size ? size : 1); /* exact size: ASan sees over-reads */
	if (t == NULL)
		return 0;
	memcpy(t, data, size);
	err[0] = 0;
	int rc = mcfwd_config_parse_string(t, size, "f", &c, err, sizeof(err));
	if (rc < 0) {
		if (memcmp(&c, &zero, sizeof(c)) != 0 || strncmp(err, "f:", 2) != 0 ||
		    strstr(err, ": ") == NULL)
			abort();
		free(t);
		return 0;
	}
	if (rc != 0 || c.n_statements > MCFWD_CFG_STATEMENTS_MAX ||
	    c.n_ifaces + c.n_routes + c.n_phyints + c.n_mroutes + c.n_mgroups > c.n_statements)
		abort();
	for (uint32_t i = 0; i < c.n_ifaces; i++) {
		check_name(c.ifaces[i].name);
		if (c.ifaces[i].port > MCFWD_CFG_PORT_MAX || c.ifaces[i].vlan > 4094 ||
		    (c.ifaces[i].mtu && (c.ifaces[i].mtu < 68 || c.ifaces[i].mtu > 9600)))
			abort();
	}
	for (uint32_t i = 0; i < c.n_routes; i++) {
		const struct mcfwd_cfg_route *r = &c.routes[i];
		check_name(r->via);
		if (r->len > 32 || (r->len < 32 && (r->prefix & (0xffffffffu >> r->len))))
			abort();
	}
	for (uint32_t i = 0; i < c.n_phyints; i++) {
		check_name(c.phyints[i].name);
		if (!c.phyints[i].enable && c.phyints[i].ttl)
			abort();
	}
	for (uint32_t i = 0; i < c.n_mroutes; i++) {
		const struct mcfwd_cfg_mroute *m = &c.mroutes[i];
		check_name(m->iif);
		if ((m->grp >> 28) != 0xe || (m->grp >> 8) == 0xe00000 || m->glen != 32 ||
		    m->n_oifs == 0 || m->n_oifs > MCFWD_CFG_OIFS_MAX ||
		    (m->src && ((m->src >> 28) == 0xe || m->slen != 32)) || (!m->src && m->slen))
			abort();
		for (uint16_t j = 0; j < m->n_oifs; j++) {
			check_name(m->oifs[j]);
			if (strcmp(m->oifs[j], m->iif) == 0)
				abort();
			for (uint16_t k = 0; k < j; k++)
				if (strcmp(m->oifs[j], m->oifs[k]) == 0)
					abort();
		}
	}
	for (uint32_t i = 0; i < c.n_mgroups; i++)
		check_name(c.mgroups[i].iif);
	/* the first line again, as a CLI command */
	const char *nl = memchr(t, '\n', size);
	size_t l = nl ? (size_t)(nl - t) : size;
	char *line = malloc(l + 1);
	if (line != NULL) {
		memcpy(line, t, l);
		line[l] = 0;
		uint32_t before = c.n_statements;
		rc = mcfwd_config_parse_line(&c, line, "cli", 1, err, sizeof(err));
		if (c.n_statements > before + 1 || (rc < 0 && c.n_statements != before))
			abort();
		free(line);
	}
	mcfwd_config_free(&c);
	if (memcmp(&c, &zero, sizeof(c)) != 0)
		abort();
	free(t);
	return 0;
}
