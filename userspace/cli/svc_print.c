/* Service graph fields in text mode and `sluice server set`: see
 * svc_print.h. JSON under -j is the agent's reply unchanged.
 */
#include <stdio.h>
#include <string.h>

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

void svc_print_server(const struct jnode *sv)
{
	const char *d = jnode_str(sv, "drain");

	opt("health", jnode_str(sv, "health"));
	opt("runtime_weight", jnode_str(sv, "runtime_weight"));
	if (d && !strcmp(d, "true"))
		printf(" drain");
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
