/* SPDX-License-Identifier: BSD-3-Clause */
/* A small chained hash map, uint64_t key -> pointer, for control-thread
 * data (not installed: private to control/). */
#ifndef MCFWD_HMAP_H
#define MCFWD_HMAP_H

#include <stdint.h>
#include <stdlib.h>

struct hmap_node {
	uint64_t key;
	void *val;
	struct hmap_node *next;
};

struct hmap {
	struct hmap_node **b;
	uint32_t size; /* power of two */
	uint32_t n;
};

static inline uint64_t
hmap_hash(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ull;
	k ^= k >> 33;
	return k;
}

static inline int
hmap_init(struct hmap *h, uint32_t size)
{
	h->size = size < 16 ? 16 : size;
	h->size = 1u << (32 - __builtin_clz(h->size - 1));
	h->n = 0;
	h->b = calloc(h->size, sizeof(*h->b));
	return h->b ? 0 : -1;
}

static inline void
hmap_free(struct hmap *h)
{
	for (uint32_t i = 0; h->b && i < h->size; i++)
		for (struct hmap_node *x = h->b[i], *nx; x; x = nx) {
			nx = x->next;
			free(x);
		}
	free(h->b);
	h->b = NULL;
	h->n = 0;
}

static inline void *
hmap_get(const struct hmap *h, uint64_t key)
{
	for (struct hmap_node *x = h->b[hmap_hash(key) & (h->size - 1)]; x; x = x->next)
		if (x->key == key)
			return x->val;
	return NULL;
}

static inline void
hmap_grow(struct hmap *h)
{
	uint32_t ns = h->size * 2;
	struct hmap_node **nb = calloc(ns, sizeof(*nb));
	if (nb == NULL)
		return; /* longer chains, still correct */
	for (uint32_t i = 0; i < h->size; i++)
		for (struct hmap_node *x = h->b[i], *nx; x; x = nx) {
			nx = x->next;
			uint32_t j = (uint32_t)(hmap_hash(x->key) & (ns - 1));
			x->next = nb[j];
			nb[j] = x;
		}
	free(h->b);
	h->b = nb;
	h->size = ns;
}

/* key must not be present. 0 or -1 (no memory). */
static inline int
hmap_put(struct hmap *h, uint64_t key, void *val)
{
	struct hmap_node *x = malloc(sizeof(*x));
	if (x == NULL)
		return -1;
	uint32_t j = (uint32_t)(hmap_hash(key) & (h->size - 1));
	x->key = key;
	x->val = val;
	x->next = h->b[j];
	h->b[j] = x;
	if (++h->n > h->size)
		hmap_grow(h);
	return 0;
}

static inline void *
hmap_del(struct hmap *h, uint64_t key)
{
	struct hmap_node **pp = &h->b[hmap_hash(key) & (h->size - 1)];
	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->key == key) {
			struct hmap_node *x = *pp;
			void *v = x->val;
			*pp = x->next;
			free(x);
			h->n--;
			return v;
		}
	return NULL;
}

#define HMAP_FOREACH(h, var)                                                 \
	for (uint32_t hm_i_ = 0; hm_i_ < (h)->size; hm_i_++)                  \
		for (struct hmap_node *var = (h)->b[hm_i_], *hm_nx_;          \
		     var && ((hm_nx_ = var->next), 1); var = hm_nx_)

#endif
