/* HostSNI rule parsing; see rule.h. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hostsni.h"

void l4_rule_names_free(char **names)
{
	char **p;

	if (!names)
		return;
	for (p = names; *p; p++)
		free(*p);
	free(names);
}

static const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	return s;
}

static int names_add(char ***names, size_t *n, const char *s, size_t len)
{
	char **v, *dup;
	size_t i;

	dup = strndup(s, len);
	if (!dup)
		return -ENOMEM;
	for (i = 0; i < len; i++)
		dup[i] = (char)tolower((unsigned char)dup[i]);
	v = realloc(*names, (*n + 2) * sizeof(*v));
	if (!v) {
		free(dup);
		return -ENOMEM;
	}
	v[(*n)++] = dup;
	v[*n] = NULL;
	*names = v;
	return 0;
}

/* Parses one HostSNI(...) at *@s, advancing past it. */
static int parse_call(const char **s, char ***names, size_t *n)
{
	const char *p = skip_ws(*s), *end;
	char q;
	int err;

	if (strncmp(p, "HostSNI(", 8))
		return -EINVAL;
	p += 8;
	for (;;) {
		p = skip_ws(p);
		q = *p;
		if (q != '`' && q != '"')
			return -EINVAL;
		end = strchr(p + 1, q);
		if (!end || end == p + 1)
			return -EINVAL;
		err = names_add(names, n, p + 1, (size_t)(end - p - 1));
		if (err)
			return err;
		p = skip_ws(end + 1);
		if (*p == ')')
			break;
		if (*p != ',')
			return -EINVAL;
		p++;
	}
	*s = p + 1;
	return 0;
}

int l4_rule_parse_host_sni(const char *rule, char ***names)
{
	const char *s = rule;
	char **v = NULL;
	size_t n = 0;
	int err;

	*names = NULL;
	if (!rule)
		return -EINVAL;
	for (;;) {
		err = parse_call(&s, &v, &n);
		if (err)
			goto out_free;
		s = skip_ws(s);
		if (!*s)
			break;
		if (strncmp(s, "||", 2)) {
			err = -EINVAL;
			goto out_free;
		}
		s += 2;
	}
	*names = v;
	return 0;

out_free:
	l4_rule_names_free(v);
	return err;
}

int l4_rule_sni_match(const char *pattern, const char *sni)
{
	size_t pl, sl;

	if (!strcasecmp(pattern, sni))
		return 1;
	if (strncmp(pattern, "*.", 2))
		return 0;
	pl = strlen(pattern + 1);	/* ".suffix" */
	sl = strlen(sni);
	return sl > pl && !strcasecmp(sni + sl - pl, pattern + 1);
}
