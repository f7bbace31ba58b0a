/* String helpers and the translation of Go regexps and gorilla/mux
 * templates ({name:re}) to POSIX EREs, for the rule parser.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rule.h"
#include "rule_internal.h"

/* ---- small helpers ------------------------------------------------------ */


void rl_sb_putn(struct sbuf *b, const char *s, size_t n)
{
	char *ns;
	size_t cap;

	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = (b->cap ? b->cap * 2 : 64) + n;
		ns = realloc(b->s, cap);
		if (!ns) {
			b->oom = true;
			return;
		}
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void rl_sb_puts(struct sbuf *b, const char *s)
{
	rl_sb_putn(b, s, strlen(s));
}

void rl_sb_putc(struct sbuf *b, char c)
{
	rl_sb_putn(b, &c, 1);
}

char *rl_str_lower(const char *s)
{
	char *d = strdup(s);

	for (char *p = d; p && *p; p++)
		*p = tolower((unsigned char)*p);
	return d;
}

char *rl_str_upper(const char *s)
{
	char *d = strdup(s);

	for (char *p = d; p && *p; p++)
		*p = toupper((unsigned char)*p);
	return d;
}

bool rl_str_is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/* ---- Go regexp and gorilla/mux templates to POSIX ERE ------------------- */

/* Translates the Go (RE2) syntax people write in rules into a glibc ERE:
 * a leading (?i) becomes REG_ICASE, (?:...) and (?P<n>...) become plain
 * groups, \d and \D become classes (and \d, \w, \s work inside [...]),
 * and lazy quantifiers become greedy
 * (equivalent for a yes/no match of an unanchored or fully anchored regex
 * only in most cases; see docs/l7-rules-tls.md).
 */
void rl_go_to_ere(const char *re, struct sbuf *out, bool *icase)
{
	bool in_class = false;
	const char *p = re;

	if (!strncmp(p, "(?i)", 4)) {
		*icase = true;
		p += 4;
	}
	for (; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			if (*p == 'd')
				rl_sb_puts(out, in_class ? "0-9" : "[0-9]");
			else if (*p == 'w' && in_class)
				rl_sb_puts(out, "[:alnum:]_");
			else if (*p == 's' && in_class)
				rl_sb_puts(out, "[:space:]");
			else if (*p == 'D' && !in_class)
				rl_sb_puts(out, "[^0-9]");
			else if (in_class && *p != '\\' && ispunct((unsigned char)*p) &&
				 *p != ']' && *p != '-' && *p != '^')
				rl_sb_putc(out, *p);	/* [\.] is [.] in Go */
			else {
				rl_sb_putc(out, '\\');
				rl_sb_putc(out, *p);
			}
			continue;
		}
		if (in_class) {
			if (*p == ']')
				in_class = false;
			rl_sb_putc(out, *p);
			continue;
		}
		if (*p == '[') {
			in_class = true;
			rl_sb_putc(out, '[');
			if (p[1] == '^')
				rl_sb_putc(out, *++p);
			if (p[1] == ']')
				rl_sb_putc(out, *++p);
			continue;
		}
		if (*p == '(' && p[1] == '?') {
			const char *q = p + 2;

			if (*q == ':') {
				p = q;
			} else if (*q == 'P' || *q == '<') {
				q = strchr(q, '>');
				if (q)
					p = q;
			}
			rl_sb_putc(out, '(');
			continue;
		}
		if (*p == '?' && p > re && strchr("*+?}", p[-1]) &&
		    (p - 1 == re || p[-2] != '\\'))
			continue;	/* lazy quantifier */
		rl_sb_putc(out, *p);
	}
}

void rl_ere_quote(struct sbuf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (strchr(".[]()*+?{}|^$\\", s[i]))
			rl_sb_putc(out, '\\');
		rl_sb_putc(out, s[i]);
	}
}

/* True if @s uses a gorilla/mux variable: "{name}" or "{name:pattern}" (or
 * the malformed "{:pattern}", so that mux's error is reported). Regex
 * repetitions such as "{2,3}" start with a digit and are not variables.
 */
bool rl_has_template(const char *s)
{
	for (; *s; s++)
		if (s[0] == '{' && (isalpha((unsigned char)s[1]) || s[1] == '_' || s[1] == ':'))
			return true;
	return false;
}

/* Translates mux template @tpl into an ERE anchored at the start, and at the
 * end if @whole. Variables without a pattern match @defpat. Returns 0, or -1
 * with the reason (mux's wording) in @msg.
 */
int rl_tpl_to_ere(const char *tpl, const char *defpat, bool whole,
		      struct sbuf *out, bool *icase, char *msg, size_t msglen)
{
	const char *p = tpl, *open, *colon;
	int level;

	rl_sb_putc(out, '^');
	while (*p) {
		open = strchr(p, '{');
		if (!open) {
			if (strchr(p, '}'))
				goto unbalanced;
			rl_ere_quote(out, p, strlen(p));
			break;
		}
		if (memchr(p, '}', open - p))
			goto unbalanced;
		rl_ere_quote(out, p, open - p);
		level = 0;
		for (p = open; *p; p++) {
			if (*p == '{')
				level++;
			else if (*p == '}' && --level == 0)
				break;
		}
		if (!*p)
			goto unbalanced;
		colon = memchr(open, ':', p - open);
		if (colon == open + 1 || (colon && colon + 1 == p) || p == open + 1) {
			snprintf(msg, msglen, "missing name or pattern in \"%.*s\"",
				 (int)(p - open + 1), open);
			return -1;
		}
		rl_sb_putc(out, '(');
		if (colon) {
			char *pat = strndup(colon + 1, p - colon - 1);

			if (!pat) {
				out->oom = true;
				return 0;
			}
			rl_go_to_ere(pat, out, icase);
			free(pat);
		} else {
			rl_sb_puts(out, defpat);
		}
		rl_sb_putc(out, ')');
		p++;
	}
	if (whole)
		rl_sb_putc(out, '$');
	return 0;

unbalanced:
	snprintf(msg, msglen, "unbalanced braces in \"%s\"", tpl);
	return -1;
}

