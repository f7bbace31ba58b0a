/* The server health registry (health.h).
 *
 * Shape: one entry per (service, server), reached through an open-addressing
 * index. Everything a reader may look at is either immutable or a C11
 * atomic:
 *
 *  - an entry's names and hash never change; its probe status, forced state,
 *    counters and detail pointer are atomics, so a status flip is a single
 *    store that needs no copy of anything;
 *  - the index (slots and the registration-ordered entry list) only grows
 *    in place while it is at most half full: a new entry is fully written,
 *    then published by one atomic store into its slot (and into the list,
 *    then the count);
 *  - everything else (a bigger index, an index without swept entries, a
 *    replaced detail string) is done copy-and-swap: the writer publishes the
 *    new version with an atomic store, waits for a grace period, then frees
 *    the old one. Replaced detail strings are freed in batches, so a probe
 *    result alone never waits.
 *
 * Why this and not a whole immutable snapshot per change: status flips are
 * the frequent writes (every probe result can be one) and the data plane
 * reads per packet or request, so a flip must not copy a table or allocate.
 * Adding and sweeping happen at configuration loads only.
 *
 * Grace periods are a minimal userspace RCU with two reader counters: a
 * reader increments readers[epoch] (re-checking that the epoch did not flip
 * under it), reads, decrements. synchronize() flips the epoch and waits for
 * the old side's count to drain; a reader that entered before the flip may
 * hold old pointers and is waited for, one that entered after can only see
 * the new ones (the swap precedes the flip; every access is seq_cst). Readers
 * never wait for the writer; the writer only waits for readers that are
 * inside a lookup, a few hundred nanoseconds. The cost per read is two
 * atomic increments on one shared cache line, and a string hash.
 *
 * Writers: one thread (the agent's), as health.h says; nothing here locks
 * writers against each other. Subscribers run on that thread, after the
 * change is visible; they may read the registry but not subscribe or
 * unsubscribe from inside the callback.
 */
#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "health.h"
#include "json_writer.h"

struct health_entry {
	char *service;			/* immutable */
	char *server;			/* immutable */
	uint64_t hash;			/* immutable */
	_Atomic int probe;		/* enum health_status */
	_Atomic int force;		/* enum health_force */
	_Atomic(char *) detail;		/* NULL or owned; freed after a grace period */
	_Atomic uint64_t last_probe_ms;
	_Atomic uint64_t transitions;
	bool kept;			/* writer only: marked since the last sweep */
};

struct health_index {
	size_t cap;			/* slots; a power of two */
	_Atomic size_t n;		/* entries published in ents[] */
	struct health_entry **ents;	/* registration order; room for cap / 2 */
	_Atomic(struct health_entry *) *slots;
};

/* The readers' side; a separate allocation so that const readers can
 * count themselves in.
 */
struct health_rcu {
	_Atomic unsigned epoch;
	_Atomic long readers[2];
};

struct health_sub {
	health_change_fn fn;
	void *arg;
};

struct health_state {
	_Atomic(struct health_index *) idx;
	struct health_rcu *rcu;
	char **retired;		/* detail strings awaiting a grace period */
	size_t n_retired;
	struct health_sub *subs;	/* writer only */
	size_t n_subs;
};

#define HEALTH_MIN_CAP	16
/* Replaced detail strings are freed in batches of this many, so that a
 * probe result never waits for a grace period by itself.
 */
#define HEALTH_RETIRE_BATCH	128

/* ---- grace periods ------------------------------------------------------ */

static unsigned read_lock(const struct health_state *h)
{
	struct health_rcu *r = h->rcu;
	unsigned e;

	for (;;) {
		e = atomic_load(&r->epoch) & 1;
		atomic_fetch_add(&r->readers[e], 1);
		if ((atomic_load(&r->epoch) & 1) == e)
			return e;
		atomic_fetch_sub(&r->readers[e], 1);
	}
}

static void read_unlock(const struct health_state *h, unsigned e)
{
	atomic_fetch_sub(&h->rcu->readers[e], 1);
}

/* Returns once no reader can still hold a pointer unpublished before the
 * call, and frees the retired strings. Writer only.
 */
static void synchronize(struct health_state *h)
{
	struct health_rcu *r = h->rcu;
	unsigned e = atomic_load(&r->epoch) & 1;
	size_t i;

	atomic_store(&r->epoch, e ^ 1);
	while (atomic_load(&r->readers[e]))
		sched_yield();
	for (i = 0; i < h->n_retired; i++)
		free(h->retired[i]);
	h->n_retired = 0;
}

/* Frees @p after a grace period: now if the batch is full (or cannot
 * grow), else at the next synchronize().
 */
static void retire(struct health_state *h, char *p)
{
	if (!h->retired)
		h->retired = malloc(HEALTH_RETIRE_BATCH * sizeof(*h->retired));
	if (!h->retired || h->n_retired == HEALTH_RETIRE_BATCH) {
		synchronize(h);
		if (!h->retired) {
			free(p);
			return;
		}
	}
	h->retired[h->n_retired++] = p;
}

/* ---- index -------------------------------------------------------------- */

static uint64_t key_hash(const char *service, const char *server)
{
	uint64_t x = 0xcbf29ce484222325ULL;	/* FNV-1a */
	const unsigned char *p;

	for (p = (const unsigned char *)service; *p; p++)
		x = (x ^ *p) * 0x100000001b3ULL;
	x *= 0x100000001b3ULL;			/* the separator */
	for (p = (const unsigned char *)server; *p; p++)
		x = (x ^ *p) * 0x100000001b3ULL;
	return x;
}

static struct health_entry *idx_find(const struct health_index *x,
				     const char *service, const char *server,
				     uint64_t hash)
{
	size_t mask = x->cap - 1, i = hash & mask;
	struct health_entry *e;

	while ((e = atomic_load(&x->slots[i]))) {
		if (e->hash == hash && !strcmp(e->server, server) &&
		    !strcmp(e->service, service))
			return e;
		i = (i + 1) & mask;
	}
	return NULL;
}

static struct health_index *idx_new(size_t cap)
{
	struct health_index *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	x->cap = cap;
	x->ents = calloc(cap / 2, sizeof(*x->ents));
	x->slots = calloc(cap, sizeof(*x->slots));
	if (!x->ents || !x->slots) {
		free(x->ents);
		free(x->slots);
		free(x);
		return NULL;
	}
	return x;
}

static void idx_free(struct health_index *x)
{
	if (!x)
		return;
	free(x->ents);
	free(x->slots);
	free(x);
}

/* Publishes @e in @x, which has room (n < cap / 2). */
static void idx_insert(struct health_index *x, struct health_entry *e)
{
	size_t mask = x->cap - 1, i = e->hash & mask;
	size_t n = atomic_load(&x->n);

	while (atomic_load(&x->slots[i]))
		i = (i + 1) & mask;
	x->ents[n] = e;
	atomic_store(&x->slots[i], e);
	atomic_store(&x->n, n + 1);
}

/* A new index holding @x's entries for which @keep is true (all if NULL),
 * with room for at least @extra more.
 */
static struct health_index *idx_copy(const struct health_index *x,
				     size_t extra, bool only_kept)
{
	size_t n = atomic_load(&x->n), cap = HEALTH_MIN_CAP, i;
	struct health_index *y;

	while (cap / 2 < n + extra)
		cap *= 2;
	y = idx_new(cap);
	if (!y)
		return NULL;
	for (i = 0; i < n; i++)
		if (!only_kept || x->ents[i]->kept)
			idx_insert(y, x->ents[i]);
	return y;
}

static void entry_free(struct health_entry *e)
{
	free(e->service);
	free(e->server);
	free(atomic_load(&e->detail));
	free(e);
}

/* ---- lifetime ----------------------------------------------------------- */

struct health_state *health_state_new(void)
{
	struct health_state *h = calloc(1, sizeof(*h));
	struct health_index *x;

	if (!h)
		return NULL;
	h->rcu = calloc(1, sizeof(*h->rcu));
	x = idx_new(HEALTH_MIN_CAP);
	if (!h->rcu || !x) {
		free(h->rcu);
		free(h);
		idx_free(x);
		errno = ENOMEM;
		return NULL;
	}
	atomic_store(&h->idx, x);
	return h;
}

void health_state_free(struct health_state *h)
{
	struct health_index *x;
	size_t i, n;

	if (!h)
		return;
	x = atomic_load(&h->idx);
	n = atomic_load(&x->n);
	for (i = 0; i < n; i++)
		entry_free(x->ents[i]);
	idx_free(x);
	for (i = 0; i < h->n_retired; i++)
		free(h->retired[i]);
	free(h->retired);
	free(h->subs);
	free(h->rcu);
	free(h);
}

/* ---- reads -------------------------------------------------------------- */

static enum health_status entry_status(const struct health_entry *e)
{
	switch (atomic_load(&e->force)) {
	case HEALTH_FORCE_UP:
		return HEALTH_UP;
	case HEALTH_FORCE_DOWN:
		return HEALTH_DOWN;
	default:
		return atomic_load(&e->probe);
	}
}

enum health_status health_server_status(const struct health_state *h,
					const char *service,
					const char *server)
{
	enum health_status st = HEALTH_UNKNOWN;
	struct health_entry *e;
	unsigned ep;

	ep = read_lock(h);
	e = idx_find(atomic_load(&h->idx), service, server,
		     key_hash(service, server));
	if (e)
		st = entry_status(e);
	read_unlock(h, ep);
	return st;
}

bool health_server_up(const struct health_state *h, const char *service,
		      const char *server)
{
	return health_server_status(h, service, server) != HEALTH_DOWN;
}

enum health_force health_server_forced(const struct health_state *h,
				       const char *service,
				       const char *server)
{
	enum health_force f = HEALTH_FORCE_AUTO;
	struct health_entry *e;
	unsigned ep;

	ep = read_lock(h);
	e = idx_find(atomic_load(&h->idx), service, server,
		     key_hash(service, server));
	if (e)
		f = atomic_load(&e->force);
	read_unlock(h, ep);
	return f;
}

static const char *status_name(enum health_status st)
{
	return st == HEALTH_UP ? "up" : st == HEALTH_DOWN ? "down" : "unknown";
}

static void write_entry(const struct health_entry *e, struct json_writer *w)
{
	int f = atomic_load(&e->force);

	jsonw_name(w, e->server);
	jsonw_start_object(w);
	jsonw_string_field(w, "status", status_name(entry_status(e)));
	jsonw_string_field(w, "detail", atomic_load(&e->detail));
	jsonw_u64_field(w, "last_probe_unix_ms", atomic_load(&e->last_probe_ms));
	jsonw_u64_field(w, "transitions", atomic_load(&e->transitions));
	jsonw_string_field(w, "forced", f == HEALTH_FORCE_UP ? "up" :
			   f == HEALTH_FORCE_DOWN ? "down" : NULL);
	jsonw_end_object(w);
}

static void write_service(const struct health_index *x, size_t n,
			  const char *service, struct json_writer *w)
{
	size_t i;

	jsonw_start_object(w);
	for (i = 0; i < n; i++)
		if (!strcmp(x->ents[i]->service, service))
			write_entry(x->ents[i], w);
	jsonw_end_object(w);
}

void health_write_json(const struct health_state *h, const char *service,
		       struct json_writer *w)
{
	const struct health_index *x;
	size_t n, i, j;
	unsigned ep;

	ep = read_lock(h);
	x = atomic_load(&h->idx);
	n = atomic_load(&x->n);
	if (service) {
		write_service(x, n, service, w);
		goto out;
	}
	jsonw_start_object(w);
	for (i = 0; i < n; i++) {
		const char *s = x->ents[i]->service;

		for (j = 0; j < i && strcmp(x->ents[j]->service, s); j++)
			;
		if (j < i)
			continue;	/* written with its first server */
		jsonw_name(w, s);
		write_service(x, n, s, w);
	}
	jsonw_end_object(w);
out:
	read_unlock(h, ep);
}

/* ---- writes (agent thread) ---------------------------------------------- */

static void notify(struct health_state *h, const struct health_entry *e,
		   bool up)
{
	size_t i;

	for (i = 0; i < h->n_subs; i++)
		h->subs[i].fn(h->subs[i].arg, e->service, e->server, up);
}

/* The entry of (@service, @server), created with status unknown if it is
 * new. NULL on allocation failure.
 */
static struct health_entry *entry_get(struct health_state *h,
				      const char *service, const char *server)
{
	struct health_index *x = atomic_load(&h->idx), *y;
	uint64_t hash = key_hash(service, server);
	struct health_entry *e;

	e = idx_find(x, service, server, hash);
	if (e)
		return e;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->service = strdup(service);
	e->server = strdup(server);
	e->hash = hash;
	if (!e->service || !e->server)
		goto out_free_entry;
	if (atomic_load(&x->n) + 1 > x->cap / 2) {
		y = idx_copy(x, 1, false);
		if (!y)
			goto out_free_entry;
		atomic_store(&h->idx, y);
		synchronize(h);
		idx_free(x);
		x = y;
	}
	idx_insert(x, e);
	return e;

out_free_entry:
	entry_free(e);
	return NULL;
}

static uint64_t now_unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Replaces @e's detail with a copy of @detail (NULL or "" clears it). */
static int set_detail(struct health_state *h, struct health_entry *e,
		      const char *detail)
{
	char *old = atomic_load(&e->detail), *cp = NULL;

	if (detail && !*detail)
		detail = NULL;
	if ((!old && !detail) || (old && detail && !strcmp(old, detail)))
		return 0;
	if (detail && !(cp = strdup(detail)))
		return -ENOMEM;
	atomic_store(&e->detail, cp);
	if (old)
		retire(h, old);
	return 0;
}

int health_server_set(struct health_state *h, const char *service,
		      const char *server, bool up, const char *detail)
{
	struct health_entry *e = entry_get(h, service, server);
	bool was_up, probe_was_up;
	int err;

	if (!e)
		return -ENOMEM;
	err = set_detail(h, e, detail);
	if (err)
		return err;
	was_up = entry_status(e) != HEALTH_DOWN;
	probe_was_up = atomic_load(&e->probe) != HEALTH_DOWN;
	atomic_store(&e->probe, up ? HEALTH_UP : HEALTH_DOWN);
	atomic_store(&e->last_probe_ms, now_unix_ms());
	if (probe_was_up != up)
		atomic_fetch_add(&e->transitions, 1);
	if ((entry_status(e) != HEALTH_DOWN) != was_up)
		notify(h, e, !was_up);
	return 0;
}

int health_server_add(struct health_state *h, const char *service,
		      const char *server)
{
	struct health_entry *e = entry_get(h, service, server);

	if (!e)
		return -ENOMEM;
	e->kept = true;
	return 0;
}

int health_server_force(struct health_state *h, const char *service,
			const char *server, enum health_force force)
{
	struct health_entry *e;
	bool was_up;

	if (force == HEALTH_FORCE_AUTO) {
		e = idx_find(atomic_load(&h->idx), service, server,
			     key_hash(service, server));
		if (!e)
			return 0;
	} else {
		e = entry_get(h, service, server);
		if (!e)
			return -ENOMEM;
	}
	was_up = entry_status(e) != HEALTH_DOWN;
	atomic_store(&e->force, force);
	if ((entry_status(e) != HEALTH_DOWN) != was_up)
		notify(h, e, !was_up);
	return 0;
}

void health_server_reset(struct health_state *h, const char *service,
			 const char *server)
{
	struct health_entry *e;
	bool was_up;

	e = idx_find(atomic_load(&h->idx), service, server,
		     key_hash(service, server));
	if (!e)
		return;
	was_up = entry_status(e) != HEALTH_DOWN;
	atomic_store(&e->probe, HEALTH_UNKNOWN);
	set_detail(h, e, NULL);		/* clearing cannot fail */
	if ((entry_status(e) != HEALTH_DOWN) != was_up)
		notify(h, e, !was_up);
}

int health_subscribe(struct health_state *h, health_change_fn fn, void *arg)
{
	struct health_sub *s;

	s = realloc(h->subs, (h->n_subs + 1) * sizeof(*s));
	if (!s)
		return -ENOMEM;
	h->subs = s;
	s[h->n_subs].fn = fn;
	s[h->n_subs].arg = arg;
	h->n_subs++;
	return 0;
}

void health_unsubscribe(struct health_state *h, health_change_fn fn,
			void *arg)
{
	size_t i;

	for (i = 0; i < h->n_subs; i++) {
		if (h->subs[i].fn == fn && h->subs[i].arg == arg) {
			memmove(&h->subs[i], &h->subs[i + 1],
				(h->n_subs - i - 1) * sizeof(h->subs[i]));
			h->n_subs--;
			return;
		}
	}
}

void health_keep(struct health_state *h, const char *service,
		 const char *server)
{
	struct health_entry *e;

	e = idx_find(atomic_load(&h->idx), service, server,
		     key_hash(service, server));
	if (e)
		e->kept = true;
}

void health_sweep(struct health_state *h)
{
	struct health_index *x = atomic_load(&h->idx), *y;
	size_t n = atomic_load(&x->n), i;

	y = idx_copy(x, 0, true);
	if (!y) {
		/* keep everything; the next sweep retries */
		for (i = 0; i < n; i++)
			x->ents[i]->kept = false;
		return;
	}
	atomic_store(&h->idx, y);
	synchronize(h);
	for (i = 0; i < n; i++) {
		struct health_entry *e = x->ents[i];

		if (e->kept) {
			e->kept = false;
			continue;
		}
		if (entry_status(e) == HEALTH_DOWN)
			notify(h, e, true);	/* unknown servers are up */
		entry_free(e);
	}
	idx_free(x);
}
