/* sluice service { show [SERVICE] }: the L7 proxy's routers, services and
 * servers with their counters, from sluiced's "service show" control
 * command. JSON under -j is the agent's reply unchanged; text mode prints
 * one line per object. (`sluice server` is the data plane's object; the
 * HTTP servers of a service are `sluice service show SERVICE`.)
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "ctl.h"
#include "jtree.h"
#include "output.h"

static int service_help(int argc, char **argv)
{
	return cmd_help_text(
		"Usage: sluice service { show [SERVICE] | help }\n"
		"  show     HTTP routers and services with request counters;\n"
		"           SERVICE (qualified, e.g. web@file) shows one service\n");
}

static uint64_t u64(const struct jnode *n, const char *key)
{
	uint64_t v = 0;

	jnode_u64(n, key, &v);
	return v;
}

/* "2xx 10 4xx 1 5xx 0" from a "responses" object */
static void print_counts(const struct jnode *n)
{
	const struct jnode *r = jnode_get(n, "responses");
	size_t i;

	printf(" requests %" PRIu64 " in_flight %" PRIu64, u64(n, "requests"),
	       u64(n, "in_flight"));
	for (i = 0; r && i < r->n_kids; i++)
		if (strcmp(r->kids[i]->key, "none"))
			printf(" %s %s", r->kids[i]->key, r->kids[i]->text);
	printf(" rx_bytes %" PRIu64 " tx_bytes %" PRIu64 "\n",
	       u64(n, "rx_bytes"), u64(n, "tx_bytes"));
}

static void print_service(const struct jnode *s)
{
	const struct jnode *servers = jnode_get(s, "servers");
	size_t i;

	printf("service %s (%s)", jnode_str(s, "name"), jnode_str(s, "kind"));
	print_counts(s);
	for (i = 0; servers && i < servers->n_kids; i++) {
		const struct jnode *sv = servers->kids[i];

		printf("  server %s weight %s", jnode_str(sv, "url"),
		       jnode_str(sv, "weight"));
		print_counts(sv);
	}
}

static int show(const char *service)
{
	char *args[1] = { (char *)service };
	const struct jnode *list;
	struct jnode *r;
	size_t i;

	r = agent_call("service show", service ? 1 : 0, args);
	if (!r)
		return EXIT_FAIL;
	if (out_is_json()) {
		print_reply_json(r);
		jnode_free(r);
		return EXIT_OK;
	}
	if (service) {
		print_service(r);
		jnode_free(r);
		return EXIT_OK;
	}
	list = jnode_get(r, "routers");
	for (i = 0; list && i < list->n_kids; i++) {
		const struct jnode *rt = list->kids[i];

		printf("router %s -> %s priority %s rule %s\n ",
		       jnode_str(rt, "name"), jnode_str(rt, "service"),
		       jnode_str(rt, "priority"), jnode_str(rt, "rule"));
		print_counts(rt);
	}
	list = jnode_get(r, "services");
	for (i = 0; list && i < list->n_kids; i++)
		print_service(list->kids[i]);
	jnode_free(r);
	return EXIT_OK;
}

static int service_show(int argc, char **argv)
{
	if (argc > 1)
		return cmd_usage_err("service show takes at most one SERVICE");
	return show(argc ? argv[0] : NULL);
}

static const struct lb_cmd service_cmds[] = {
	{ "show",	service_show },
	{ "list",	service_show },
	{ "help",	service_help },
	{ NULL }
};

int service_server_show(int argc, char **argv)
{
	if (argc != 1)
		return cmd_usage_err("server show takes at most one SERVICE");
	return show(argv[0]);
}

int do_service(int argc, char **argv)
{
	return cmd_select(service_cmds, argc, argv, service_help);
}
