#include <stdio.h>
#include <string.h>

#include "cfg_test.h"

struct config *cfgt_load(const char *yaml)
{
	return config_load_string("t.yml", yaml);
}

const struct cfg_diag *cfgt_diag(const struct config *cfg, const char *needle)
{
	size_t i;

	for (i = 0; i < cfg->n_diags; i++)
		if (strstr(cfg->diags[i].msg, needle))
			return &cfg->diags[i];
	return NULL;
}

void cfgt_dump(const struct config *cfg)
{
	char line[2048];
	size_t i;

	for (i = 0; i < cfg->n_diags; i++) {
		config_diag_format(&cfg->diags[i], line, sizeof(line));
		fprintf(stderr, "# %s\n", line);
	}
}
