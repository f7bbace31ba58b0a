/* Go durations ("1h2m3.5s", "300ms", "-1µs"), as Traefik's paerser reads
 * them: a bare integer is a count of a field-specific unit.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_internal.h"

static const struct {
	const char *name;
	int64_t ns;
} units[] = {
	{ "ns", 1 },
	{ "us", 1000 },
	{ "\xc2\xb5s", 1000 },	/* U+00B5 micro sign */
	{ "\xce\xbcs", 1000 },	/* U+03BC greek mu */
	{ "ms", 1000000 },
	{ "s", 1000000000LL },
	{ "m", 60 * 1000000000LL },
	{ "h", 3600 * 1000000000LL },
};

static bool all_digits(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

int config_parse_duration(const char *s, int64_t bare_unit_ns, int64_t *ns)
{
	double total = 0;
	bool neg = false;
	const char *p = s;

	if (!s || !*s)
		return -EINVAL;
	if (all_digits(s)) {
		long long v = strtoll(s, NULL, 10);

		*ns = (int64_t)v * bare_unit_ns;
		return 0;
	}
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (!strcmp(p, "0")) {
		*ns = 0;
		return 0;
	}
	if (!*p)
		return -EINVAL;
	while (*p) {
		char *end;
		double v;
		size_t i, best = 0, bestlen = 0;

		if (!isdigit((unsigned char)*p) && *p != '.')
			return -EINVAL;
		v = strtod(p, &end);
		if (end == p)
			return -EINVAL;
		p = end;
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t l = strlen(units[i].name);

			if (!strncmp(p, units[i].name, l) && l > bestlen) {
				best = i;
				bestlen = l;
			}
		}
		if (!bestlen)
			return -EINVAL;	/* Go: missing unit */
		total += v * (double)units[best].ns;
		p += bestlen;
	}
	if (total > 9.2e18)
		return -EINVAL;
	*ns = (int64_t)llround(neg ? -total : total);
	return 0;
}

/* Formats like Go's time.Duration.String(): "1h2m3.5s", "300ms", "0s". */
void config_format_duration(int64_t ns, char *buf, size_t len)
{
	uint64_t u = ns < 0 ? (uint64_t)(-ns) : (uint64_t)ns;
	const char *sign = ns < 0 ? "-" : "";
	char frac[16];
	uint64_t h, m, s, sub;
	int n;

	if (u == 0) {
		snprintf(buf, len, "0s");
		return;
	}
	if (u < 1000) {
		snprintf(buf, len, "%s%lluns", sign, (unsigned long long)u);
		return;
	}
	if (u < 1000000) {
		snprintf(frac, sizeof(frac), "%06llu",
			 (unsigned long long)((u % 1000) * 1000));
		goto small;
	}
	if (u < 1000000000ULL) {
		snprintf(frac, sizeof(frac), "%06llu",
			 (unsigned long long)(u % 1000000));
		goto small;
	}
	h = u / 3600000000000ULL;
	m = u / 60000000000ULL % 60;
	s = u / 1000000000ULL % 60;
	sub = u % 1000000000ULL;
	snprintf(frac, sizeof(frac), "%09llu", (unsigned long long)sub);
	for (n = 8; n >= 0 && frac[n] == '0'; n--)
		frac[n] = '\0';
	if (h)
		snprintf(buf, len, "%s%lluh%llum%llu%s%ss", sign,
			 (unsigned long long)h, (unsigned long long)m,
			 (unsigned long long)s, sub ? "." : "", frac);
	else if (m)
		snprintf(buf, len, "%s%llum%llu%s%ss", sign,
			 (unsigned long long)m, (unsigned long long)s,
			 sub ? "." : "", frac);
	else
		snprintf(buf, len, "%s%llu%s%ss", sign, (unsigned long long)s,
			 sub ? "." : "", frac);
	return;
small:
	for (n = 5; n >= 0 && frac[n] == '0'; n--)
		frac[n] = '\0';
	if (u < 1000000)
		snprintf(buf, len, "%s%llu%s%s\xc2\xb5s", sign,
			 (unsigned long long)(u / 1000), frac[0] ? "." : "", frac);
	else
		snprintf(buf, len, "%s%llu%s%sms", sign,
			 (unsigned long long)(u / 1000000), frac[0] ? "." : "",
			 frac);
}
