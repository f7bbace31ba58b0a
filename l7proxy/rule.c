/* Traefik router rules: lexer, recursive-descent parser and matcher.
 *
 * Grammar (Go's precedence, as Traefik parses rules with go/parser):
 *	expr    := and { "||" and }
 *	and     := unary { "&&" unary }
 *	unary   := "!" unary | "(" expr ")" | matcher
 *	matcher := NAME "(" [ STRING { "," STRING } ] ")"
 *	STRING  := `raw` | "Go-escaped"
 *
 * The matcher is rule_match.c, the regex helpers rule_regex.c.
 *
 * A parsed rule is a tree of immutable nodes. Regexes are POSIX EREs compiled
 * with REG_NOSUB; regexec() on a compiled regex_t is thread-safe, so
 * rule_match() needs no locking.
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

static const struct matcher_def matcher_defs[] = {
	{ "Host",		M_HOST,			1, -1 },
	{ "HostHeader",		M_HOST,			1, -1 },	/* v2 alias */
	{ "HostRegexp",		M_HOST_REGEXP,		1, -1 },
	{ "Path",		M_PATH,			1, -1 },
	{ "PathPrefix",		M_PATH_PREFIX,		1, -1 },
	{ "PathRegexp",		M_PATH_REGEXP,		1, 1 },		/* v3 */
	{ "Method",		M_METHOD,		1, -1 },
	{ "Headers",		M_HEADER,		2, 2 },
	{ "Header",		M_HEADER,		2, 2 },		/* v3 */
	{ "HeadersRegexp",	M_HEADER_REGEXP,	2, 2 },
	{ "HeaderRegexp",	M_HEADER_REGEXP,	2, 2 },		/* v3 */
	{ "Query",		M_QUERY,		1, -1 },
	{ "QueryRegexp",	M_QUERY_REGEXP,		1, 2 },		/* v3 */
	{ "ClientIP",		M_CLIENT_IP,		1, -1 },
};
#define N_MATCHERS (sizeof(matcher_defs) / sizeof(matcher_defs[0]))

/* ---- parser ------------------------------------------------------------- */

enum tok_kind {
	T_END,
	T_NAME,
	T_STRING,
	T_LPAREN,
	T_RPAREN,
	T_COMMA,
	T_AND,
	T_OR,
	T_NOT,
	T_BAD,
};

struct token {
	enum tok_kind kind;
	size_t pos;
	size_t len;
};

struct parser {
	const char *src;
	size_t pos;		/* next byte to lex */
	struct token tok;	/* lookahead */
	int depth;
	bool failed;
	char *err;
	size_t errlen;
};

static void where(const struct parser *p, size_t pos, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < pos && p->src[i]; i++) {
		if (p->src[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

__attribute__((format(printf, 3, 4)))
static void perr(struct parser *p, size_t pos, const char *fmt, ...)
{
	va_list ap;
	int line, col, n;

	if (p->failed)
		return;
	p->failed = true;
	if (!p->err || !p->errlen)
		return;
	where(p, pos, &line, &col);
	n = snprintf(p->err, p->errlen, "%d:%d: ", line, col);
	if (n < 0 || (size_t)n >= p->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - n, fmt, ap);
	va_end(ap);
}

/* A printable name for the lookahead token, for "found X" messages. */
static void tok_name(const struct parser *p, const struct token *t,
		     char *buf, size_t len)
{
	if (t->kind == T_END)
		snprintf(buf, len, "end of rule");
	else
		snprintf(buf, len, "\"%.*s\"", t->len > 40 ? 40 : (int)t->len,
			 p->src + t->pos);
}

static size_t lex_string_end(const char *s, size_t i)
{
	char q = s[i++];

	for (; s[i]; i++) {
		if (q == '"' && s[i] == '\\' && s[i + 1])
			i++;
		else if (s[i] == q)
			return i + 1;
		else if (q == '"' && s[i] == '\n')
			break;
	}
	return 0;
}

static void lex(struct parser *p)
{
	const char *s = p->src;
	size_t i = p->pos, end;

	while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
		i++;
	p->tok.pos = i;
	p->tok.len = 1;
	switch (s[i]) {
	case '\0':
		p->tok.kind = T_END;
		p->tok.len = 0;
		break;
	case '(':
		p->tok.kind = T_LPAREN;
		break;
	case ')':
		p->tok.kind = T_RPAREN;
		break;
	case ',':
		p->tok.kind = T_COMMA;
		break;
	case '!':
		p->tok.kind = T_NOT;
		break;
	case '&':
	case '|':
		p->tok.kind = s[i + 1] == s[i] ? (s[i] == '&' ? T_AND : T_OR) : T_BAD;
		p->tok.len = p->tok.kind == T_BAD ? 1 : 2;
		break;
	case '`':
	case '"':
		end = lex_string_end(s, i);
		p->tok.kind = end ? T_STRING : T_BAD;
		p->tok.len = end ? end - i : strlen(s + i);
		if (!end)
			perr(p, i, "unterminated string starting with %c", s[i]);
		break;
	default:
		if (isalpha((unsigned char)s[i]) || s[i] == '_') {
			end = i;
			while (isalnum((unsigned char)s[end]) || s[end] == '_')
				end++;
			p->tok.kind = T_NAME;
			p->tok.len = end - i;
		} else {
			p->tok.kind = T_BAD;
		}
	}
	p->pos = i + p->tok.len;
}

static void unexpected(struct parser *p, const char *expected)
{
	char name[64];

	if (p->tok.kind == T_BAD && p->tok.len == 1 &&
	    (p->src[p->tok.pos] == '&' || p->src[p->tok.pos] == '|')) {
		perr(p, p->tok.pos, "unexpected \"%c\" (did you mean \"%c%c\"?)",
		     p->src[p->tok.pos], p->src[p->tok.pos], p->src[p->tok.pos]);
		return;
	}
	if (p->tok.kind == T_BAD && p->src[p->tok.pos] == '\'') {
		perr(p, p->tok.pos, "single quotes are not accepted; use `...` or \"...\"");
		return;
	}
	tok_name(p, &p->tok, name, sizeof(name));
	perr(p, p->tok.pos, "unexpected %s, expected %s", name, expected);
}

/* Decodes the string token @t (backquoted: verbatim; double-quoted: Go
 * escapes). Returns a new string or NULL (error reported).
 */
static char *string_value(struct parser *p, const struct token *t)
{
	const char *s = p->src + t->pos + 1;
	size_t n = t->len - 2;
	char *v = malloc(n + 1), *d = v;

	if (!v) {
		perr(p, t->pos, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (p->src[t->pos] == '`' || s[i] != '\\') {
			*d++ = s[i];
			continue;
		}
		switch (s[++i]) {
		case '\\': *d++ = '\\'; break;
		case '"': *d++ = '"'; break;
		case 'n': *d++ = '\n'; break;
		case 't': *d++ = '\t'; break;
		case 'r': *d++ = '\r'; break;
		default:
			perr(p, t->pos + 1 + i - 1, "unknown escape sequence \"\\%c\" in string",
			     s[i]);
			free(v);
			return NULL;
		}
	}
	*d = '\0';
	return v;
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), prev[64], cur[64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] +
				(tolower((unsigned char)a[i - 1]) !=
				 tolower((unsigned char)b[j - 1]));
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;

			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, sizeof(prev));
	}
	return prev[lb];
}

/* Traefik v2 registers each matcher as Name, name, NAME and Title(name)
 * ("Pathprefix"); anything else is unknown.
 */
static bool name_accepted(const char *canon, const char *s, size_t n)
{
	if (strlen(canon) != n)
		return false;
	if (!strncmp(canon, s, n))
		return true;
	for (size_t i = 0; i < n; i++)
		if (tolower((unsigned char)s[i]) != tolower((unsigned char)canon[i]))
			return false;
	for (size_t i = 2; i < n; i++)
		if (!!isupper((unsigned char)s[i]) != !!isupper((unsigned char)s[1]))
			return false;	/* mixed case after the first letter */
	return n < 2 || !isupper((unsigned char)s[1]) || isupper((unsigned char)s[0]);
}

static const struct matcher_def *lookup_matcher(struct parser *p)
{
	const char *s = p->src + p->tok.pos;
	size_t n = p->tok.len, best_d = 99, d;
	const struct matcher_def *best = NULL;
	char name[64];

	for (size_t i = 0; i < N_MATCHERS; i++)
		if (name_accepted(matcher_defs[i].name, s, n))
			return &matcher_defs[i];
	snprintf(name, sizeof(name), "%.*s", (int)(n > 40 ? 40 : n), s);
	for (size_t i = 0; i < N_MATCHERS; i++) {
		d = edit_distance(name, matcher_defs[i].name);
		if (d < best_d) {
			best_d = d;
			best = &matcher_defs[i];
		}
	}
	if (best && best_d <= 2)
		perr(p, p->tok.pos, "unknown matcher \"%s\" (did you mean \"%s\"?)",
		     name, best->name);
	else
		perr(p, p->tok.pos, "unknown matcher \"%s\"", name);
	return NULL;
}

/* ---- building matchers -------------------------------------------------- */

struct margs {
	char *v[RULE_MAX_ARGS];
	size_t pos[RULE_MAX_ARGS];
	size_t n;
};

static int compile_pat(struct parser *p, const struct matcher_def *def,
		       size_t pos, const char *shown, const char *ere, bool icase,
		       struct rule_pat *pat)
{
	char msg[128];
	int rc;

	rc = regcomp(&pat->re, ere, REG_EXTENDED | REG_NOSUB | (icase ? REG_ICASE : 0));
	if (rc) {
		regerror(rc, &pat->re, msg, sizeof(msg));
		perr(p, pos, "%s: invalid regex \"%s\": %s", def->name, shown, msg);
		return -1;
	}
	pat->kind = PAT_RE;
	return 0;
}

/* Compiles a Go regexp used as is (v3 *Regexp matchers), unanchored. */
static int build_regex(struct parser *p, const struct matcher_def *def,
		       size_t pos, const char *re, struct rule_pat *pat)
{
	struct sbuf b = { 0 };
	bool icase = false;
	int err;

	rl_go_to_ere(re, &b, &icase);
	rl_sb_puts(&b, "");
	if (b.oom) {
		free(b.s);
		perr(p, pos, "out of memory");
		return -1;
	}
	err = compile_pat(p, def, pos, re, b.s, icase, pat);
	free(b.s);
	return err;
}

/* Compiles a mux template (v2 {name:regex} syntax). */
static int build_template(struct parser *p, const struct matcher_def *def,
			  size_t pos, const char *tpl, const char *defpat,
			  bool whole, bool icase, struct rule_pat *pat)
{
	struct sbuf b = { 0 };
	char msg[160];
	int err = -1;

	if (rl_tpl_to_ere(tpl, defpat, whole, &b, &icase, msg, sizeof(msg))) {
		perr(p, pos, "%s: %s", def->name, msg);
		goto out_free;
	}
	if (b.oom) {
		perr(p, pos, "out of memory");
		goto out_free;
	}
	err = compile_pat(p, def, pos, tpl, b.s, icase, pat);
out_free:
	free(b.s);
	return err;
}

static int build_lit(struct parser *p, size_t pos, char *s, struct rule_pat *pat)
{
	if (!s) {
		perr(p, pos, "out of memory");
		return -1;
	}
	pat->kind = PAT_LIT;
	pat->lit = s;
	return 0;
}

/* A v2 HostRegexp argument: a mux template if it has {name...}, an exact
 * host if it is a plain host name, otherwise a v3 (Go) regex.
 */
static int build_host_regexp(struct parser *p, const struct matcher_def *def,
			     size_t pos, const char *arg, struct rule_pat *pat)
{
	if (rl_has_template(arg))
		return build_template(p, def, pos, arg, "[^.]+", true, true, pat);
	if (arg[strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			  "0123456789-_.")] == '\0')
		return build_lit(p, pos, rl_str_lower(arg), pat);
	return build_regex(p, def, pos, arg, pat);
}

static int build_path(struct parser *p, const struct matcher_def *def,
		      size_t pos, const char *arg, struct rule_pat *pat)
{
	if (arg[0] != '/') {
		perr(p, pos, "%s: path \"%s\" must start with \"/\"", def->name, arg);
		return -1;
	}
	if (rl_has_template(arg))
		return build_template(p, def, pos, arg, "[^/]+",
				      def->kind == M_PATH, false, pat);
	return build_lit(p, pos, strdup(arg), pat);
}

static int parse_cidr(const char *s, struct rule_cidr *c)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	long bits;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, c->addr) == 1) {
		c->family = AF_INET;
		c->bits = 32;
	} else if (inet_pton(AF_INET6, buf, c->addr) == 1) {
		c->family = AF_INET6;
		c->bits = 128;
	} else {
		return -1;
	}
	if (slash) {
		bits = strtol(slash + 1, &end, 10);
		if (!slash[1] || *end || bits < 0 || bits > c->bits)
			return -1;
		c->bits = bits;
	}
	return 0;
}

static int build_query_v2(struct parser *p, const struct matcher_def *def,
			  struct margs *a, struct rule_node *n)
{
	char *eq;

	n->query_v2 = true;
	for (size_t i = 0; i < a->n; i++) {
		eq = strchr(a->v[i], '=');
		n->keys[i] = strndup(a->v[i], eq - a->v[i]);
		if (!n->keys[i]) {
			perr(p, a->pos[i], "out of memory");
			return -1;
		}
		if (!eq[1])
			n->pats[i].kind = PAT_ANY;
		else if (rl_has_template(eq + 1)) {
			if (build_template(p, def, a->pos[i], eq + 1, ".*", true, false,
					   &n->pats[i]))
				return -1;
		} else if (build_lit(p, a->pos[i], strdup(eq + 1), &n->pats[i]))
			return -1;
	}
	return 0;
}

/* Query(`k=v`, ...) is v2 (every argument has "="); Query(`k`, `v`) and
 * Query(`k`) are v3; QueryRegexp(`k`, `re`) is v3.
 */
static int build_query(struct parser *p, const struct matcher_def *def,
		       struct margs *a, struct rule_node *n)
{
	size_t with_eq = 0;

	for (size_t i = 0; i < a->n; i++)
		with_eq += strchr(a->v[i], '=') != NULL;
	if (def->kind == M_QUERY && with_eq == a->n)
		return build_query_v2(p, def, a, n);
	if (a->n > 2) {
		perr(p, a->pos[0], "%s: expected `key=value` arguments or (`key`, `value`)",
		     def->name);
		return -1;
	}
	n->n = 1;
	n->keys[0] = strdup(a->v[0]);
	if (!n->keys[0]) {
		perr(p, a->pos[0], "out of memory");
		return -1;
	}
	if (a->n == 1) {
		n->pats[0].kind = PAT_ANY;
		return 0;
	}
	if (def->kind == M_QUERY_REGEXP)
		return build_regex(p, def, a->pos[1], a->v[1], &n->pats[0]);
	return build_lit(p, a->pos[1], strdup(a->v[1]), &n->pats[0]);
}

static int build_arg(struct parser *p, const struct matcher_def *def,
		     const char *arg, size_t pos, struct rule_node *n, size_t i)
{
	switch (def->kind) {
	case M_HOST:
	case M_HOST_REGEXP:
		if (!rl_str_is_ascii(arg)) {
			perr(p, pos, "%s: non-ASCII characters are not allowed in \"%s\"",
			     def->name, arg);
			return -1;
		}
		if (def->kind == M_HOST_REGEXP)
			return build_host_regexp(p, def, pos, arg, &n->pats[i]);
		return build_lit(p, pos, rl_str_lower(arg), &n->pats[i]);
	case M_PATH:
	case M_PATH_PREFIX:
		return build_path(p, def, pos, arg, &n->pats[i]);
	case M_PATH_REGEXP:
		return build_regex(p, def, pos, arg, &n->pats[i]);
	case M_METHOD:
		return build_lit(p, pos, rl_str_upper(arg), &n->pats[i]);
	case M_CLIENT_IP:
		if (parse_cidr(arg, &n->cidrs[i])) {
			perr(p, pos, "%s: invalid IP or CIDR \"%s\"", def->name, arg);
			return -1;
		}
		return 0;
	default:
		return -1;	/* not per-argument */
	}
}

static int build_matcher(struct parser *p, const struct matcher_def *def,
			 struct margs *a, struct rule_node *n)
{
	n->def = def;
	n->n = a->n;
	n->keys = calloc(a->n, sizeof(*n->keys));
	n->pats = calloc(a->n, sizeof(*n->pats));
	if (def->kind == M_CLIENT_IP)
		n->cidrs = calloc(a->n, sizeof(*n->cidrs));
	if (!n->keys || !n->pats || (def->kind == M_CLIENT_IP && !n->cidrs)) {
		perr(p, a->pos[0], "out of memory");
		return -1;
	}
	switch (def->kind) {
	case M_QUERY:
	case M_QUERY_REGEXP:
		return build_query(p, def, a, n);
	case M_HEADER:
	case M_HEADER_REGEXP:
		n->n = 1;
		n->keys[0] = strdup(a->v[0]);
		if (!n->keys[0]) {
			perr(p, a->pos[0], "out of memory");
			return -1;
		}
		if (def->kind == M_HEADER_REGEXP)
			return build_regex(p, def, a->pos[1], a->v[1], &n->pats[0]);
		return build_lit(p, a->pos[1], strdup(a->v[1]), &n->pats[0]);
	default:
		for (size_t i = 0; i < a->n; i++)
			if (build_arg(p, def, a->v[i], a->pos[i], n, i))
				return -1;
		return 0;
	}
}

/* ---- tree --------------------------------------------------------------- */

static void node_free(struct rule_node *n)
{
	if (!n)
		return;
	node_free(n->left);
	node_free(n->right);
	for (size_t i = 0; n->keys && i < n->n; i++)
		free(n->keys[i]);
	for (size_t i = 0; n->pats && i < n->n; i++) {
		free(n->pats[i].lit);
		if (n->pats[i].kind == PAT_RE)
			regfree(&n->pats[i].re);
	}
	free(n->keys);
	free(n->pats);
	free(n->cidrs);
	free(n);
}

/* Joins @l and @r (or wraps @l for OP_NOT). Takes ownership of both, also on
 * failure.
 */
static struct rule_node *node_op(struct parser *p, enum rule_op op,
				 struct rule_node *l, struct rule_node *r)
{
	struct rule_node *n = calloc(1, sizeof(*n));

	if (!n) {
		node_free(l);
		node_free(r);
		perr(p, p->tok.pos, "out of memory");
		return NULL;
	}
	n->op = op;
	n->left = l;
	n->right = r;
	return n;
}

static void args_free(struct margs *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
}

/* After NAME "(": reads STRING { "," STRING } ")" into @a. */
static int parse_args(struct parser *p, const struct matcher_def *def,
		      struct margs *a)
{
	char what[96], found[64];

	lex(p);
	if (p->tok.kind == T_RPAREN)
		return 0;
	for (;;) {
		if (p->tok.kind != T_STRING) {
			snprintf(what, sizeof(what), "a quoted string argument to %s",
				 def->name);
			unexpected(p, what);
			return -1;
		}
		if (a->n == RULE_MAX_ARGS) {
			perr(p, p->tok.pos, "%s: more than %d arguments", def->name,
			     RULE_MAX_ARGS);
			return -1;
		}
		a->pos[a->n] = p->tok.pos;
		a->v[a->n] = string_value(p, &p->tok);
		if (!a->v[a->n])
			return -1;
		a->n++;
		lex(p);
		if (p->tok.kind == T_RPAREN)
			return 0;
		if (p->tok.kind != T_COMMA) {
			tok_name(p, &p->tok, found, sizeof(found));
			perr(p, p->tok.pos, "missing \")\" after the arguments of %s, found %s",
			     def->name, found);
			return -1;
		}
		lex(p);
	}
}

static int check_arg_count(struct parser *p, const struct matcher_def *def,
			   size_t pos, size_t n)
{
	if ((int)n >= def->min_args && (def->max_args < 0 || (int)n <= def->max_args))
		return 0;
	if (def->max_args < 0)
		perr(p, pos, "%s expects at least %d argument%s, got %zu", def->name,
		     def->min_args, def->min_args == 1 ? "" : "s", n);
	else if (def->min_args == def->max_args)
		perr(p, pos, "%s expects %d argument%s, got %zu", def->name,
		     def->min_args, def->min_args == 1 ? "" : "s", n);
	else
		perr(p, pos, "%s expects %d to %d arguments, got %zu", def->name,
		     def->min_args, def->max_args, n);
	return -1;
}

static struct rule_node *parse_matcher(struct parser *p)
{
	const struct matcher_def *def;
	struct rule_node *n = NULL;
	struct margs a = { .n = 0 };
	size_t name_pos = p->tok.pos;
	char what[64];

	def = lookup_matcher(p);
	if (!def)
		return NULL;
	lex(p);
	if (p->tok.kind != T_LPAREN) {
		snprintf(what, sizeof(what), "\"(\" after %s", def->name);
		unexpected(p, what);
		return NULL;
	}
	if (parse_args(p, def, &a) || check_arg_count(p, def, name_pos, a.n))
		goto out_free_args;
	for (size_t i = 0; i < a.n; i++) {
		if (!a.v[i][0]) {
			/* Traefik's checkRule: "empty args for matcher" */
			perr(p, a.pos[i], "%s: empty argument", def->name);
			goto out_free_args;
		}
	}
	lex(p);
	n = calloc(1, sizeof(*n));
	if (!n) {
		perr(p, name_pos, "out of memory");
		goto out_free_args;
	}
	n->op = OP_MATCH;
	if (build_matcher(p, def, &a, n)) {
		node_free(n);
		n = NULL;
	}
out_free_args:
	args_free(&a);
	return n;
}

static struct rule_node *parse_or(struct parser *p);

static struct rule_node *parse_unary(struct parser *p)
{
	struct rule_node *n = NULL;
	size_t open;
	int line, col;
	char found[64];

	if (++p->depth > RULE_MAX_DEPTH) {
		perr(p, p->tok.pos, "rule nests deeper than %d levels", RULE_MAX_DEPTH);
		return NULL;
	}
	switch (p->tok.kind) {
	case T_NOT:
		lex(p);
		n = parse_unary(p);
		if (n)
			n = node_op(p, OP_NOT, n, NULL);
		break;
	case T_LPAREN:
		open = p->tok.pos;
		lex(p);
		n = parse_or(p);
		if (!n)
			break;
		if (p->tok.kind != T_RPAREN) {
			where(p, open, &line, &col);
			tok_name(p, &p->tok, found, sizeof(found));
			perr(p, p->tok.pos, "missing \")\" to close \"(\" at %d:%d, found %s",
			     line, col, found);
			node_free(n);
			n = NULL;
			break;
		}
		lex(p);
		break;
	case T_NAME:
		n = parse_matcher(p);
		break;
	default:
		unexpected(p, "a matcher, \"!\" or \"(\"");
	}
	p->depth--;
	return n;
}

static struct rule_node *parse_and(struct parser *p)
{
	struct rule_node *l = parse_unary(p), *r;

	while (l && p->tok.kind == T_AND) {
		lex(p);
		r = parse_unary(p);
		if (!r) {
			node_free(l);
			return NULL;
		}
		l = node_op(p, OP_AND, l, r);
	}
	return l;
}

static struct rule_node *parse_or(struct parser *p)
{
	struct rule_node *l = parse_and(p), *r;

	while (l && p->tok.kind == T_OR) {
		lex(p);
		r = parse_and(p);
		if (!r) {
			node_free(l);
			return NULL;
		}
		l = node_op(p, OP_OR, l, r);
	}
	return l;
}

struct rule *rule_parse(const char *text, char *err, size_t errlen)
{
	struct parser p = { .src = text ? text : "", .err = err, .errlen = errlen };
	struct rule *r;
	struct rule_node *root;

	if (err && errlen)
		err[0] = '\0';
	lex(&p);
	if (p.tok.kind == T_END) {
		snprintf(err, err ? errlen : 0, "empty rule");
		return NULL;
	}
	root = parse_or(&p);
	if (root && p.tok.kind != T_END) {
		if (p.tok.kind == T_RPAREN)
			perr(&p, p.tok.pos, "unexpected \")\" without a matching \"(\"");
		else
			unexpected(&p, "\"&&\", \"||\" or end of rule");
		node_free(root);
		return NULL;
	}
	if (!root)
		return NULL;
	r = malloc(sizeof(*r));
	if (!r) {
		node_free(root);
		snprintf(err, err ? errlen : 0, "out of memory");
		return NULL;
	}
	r->root = root;
	return r;
}

void rule_free(struct rule *r)
{
	if (!r)
		return;
	node_free(r->root);
	free(r);
}

int64_t rule_default_priority(const char *text)
{
	return text ? (int64_t)strlen(text) : 0;
}

