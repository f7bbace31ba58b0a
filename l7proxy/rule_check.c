/* Router rule validation at load time; see rule_check.h. */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "rule.h"
#include "rule_check.h"

void rule_check_config(struct config *cfg)
{
	char err[512], path[320];
	struct rule *r;
	size_t i;

	for (i = 0; i < cfg->n_http_routers; i++) {
		struct cfg_router *rt = &cfg->http_routers[i];
		const char *at = strrchr(rt->name, '@');

		if (!rt->rule || !*rt->rule)
			continue;	/* reported by the loader */
		r = rule_parse(rt->rule, err, sizeof(err));
		if (r) {
			rule_free(r);
			continue;
		}
		snprintf(path, sizeof(path), "http.routers.%.*s.rule",
			 at ? (int)(at - rt->name) : (int)strlen(rt->name),
			 rt->name);
		config_diag_add(cfg, CFG_ERROR, &rt->pos, path,
				"invalid rule: %s", err);
		rt->broken = true;
	}
}
