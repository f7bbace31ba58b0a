/* Service graph fields in text mode and `sluice server set`: see
 * svc_print.h. JSON under -j is the agent's reply unchanged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "jtree.h"
#include "output.h"
#include "svc_print.h"

static void opt(const char *label, const char *v)
{
	if (v && *v && strcmp(v, "null"))
		printf(" %s %s", label, v);
}

void svc_print_status(const struct jnode *s)
{
	opt("status", jnode_str(s, "status"));
	opt("strategy", jnode_str(s, "strategy"));
	opt("sticky_cookie", jnode_str(s, "sticky_cookie"));
}

void svc_print_children(const struct jnode *s)
{
	const struct jnode *l = jnode_get(s, "services");
	size_t i;

	for (i = 0; l && i < l->n_kids; i++)
		printf("  child %s weight %s status %s\n",
		       jnode_str(l->kids[i], "name"),
		       jnode_str(l->kids[i], "weight"),
		       jnode_str(l->kids[i], "status"));
	l = jnode_get(s, "mirrors");
	if (jnode_str(s, "service"))
		printf("  main %s%s%s\n", jnode_str(s, "service"),
		       jnode_str(s, "service_status") ? " status " : "",
		       jnode_str(s, "service_status") ?
		       jnode_str(s, "service_status") : "");
	for (i = 0; l && i < l->n_kids; i++)
		printf("  mirror %s percent %s mirrored %s\n",
		       jnode_str(l->kids[i], "name"),
		       jnode_str(l->kids[i], "percent"),
		       jnode_str(l->kids[i], "mirrored"));
	if (jnode_str(s, "fallback"))
		printf("  fallback %s status %s\n", jnode_str(s, "fallback"),
		       jnode_str(s, "fallback_status"));
}

/* "health show SERVICE" reply: {"SERVICE": {"URL": {...}}} */
static struct jnode *probes;
static const struct jnode *probes_svc;

void svc_probe_load(const char *service)
{
	char *args[1] = { (char *)service };

	if (out_is_json())
		return;
	probes = agent_call("health show", 1, args);
	if (probes && probes->n_kids)
		probes_svc = probes->kids[0];
}

void svc_probe_free(void)
{
	if (probes)
		jnode_free(probes);
	probes = NULL;
	probes_svc = NULL;
}

static void print_probe(const char *url)
{
	const struct jnode *p = probes_svc ? jnode_get(probes_svc, url) : NULL;
	const struct jnode *d;
	int64_t ms = 0;
	char when[32] = "never";

	if (!p)
		return;
	if (jnode_s64(p, "last_probe_unix_ms", &ms) && ms > 0) {
		time_t t = (time_t)(ms / 1000);
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	printf(" probe %s last_probe %s", jnode_str(p, "status"), when);
	d = jnode_get(p, "detail");
	if (d && d->quoted)
		printf(" detail \"%s\"", jnode_str(p, "detail"));
}

void svc_print_server(const struct jnode *sv)
{
	const char *d = jnode_str(sv, "drain");

	opt("health", jnode_str(sv, "health"));
	opt("runtime_weight", jnode_str(sv, "runtime_weight"));
	if (d && !strcmp(d, "true"))
		printf(" drain");
	print_probe(jnode_str(sv, "url"));
}

int svc_server_set(int argc, char **argv)
{
	struct jnode *r;

	if (argc < 3)
		return cmd_usage_err("server set needs SERVICE URL { weight N | drain | up | down }");
	if (!strcmp(argv[2], "weight") ? argc != 4 : argc != 3)
		return cmd_usage_err("server set: bad change; expected weight N, drain, up or down");
	if (strcmp(argv[2], "weight") && strcmp(argv[2], "drain") &&
	    strcmp(argv[2], "up") && strcmp(argv[2], "down"))
		return cmd_usage_err("server set: unknown change %s", argv[2]);
	r = agent_call("l7 server set", argc, argv);
	if (!r)
		return EXIT_FAIL;
	if (out_is_json())
		print_reply_json(r);
	else
		printf("server %s of %s: %s%s%s\n", argv[1], argv[0], argv[2],
		       argc == 4 ? " " : "", argc == 4 ? argv[3] : "");
	jnode_free(r);
	return EXIT_OK;
}
