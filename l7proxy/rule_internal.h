/* Private to rule*.c: the rule tree shared by the parser (rule.c) and the
 * matcher (rule_match.c), and the string and regex helpers of
 * rule_regex.c (Go regexps and gorilla/mux templates to POSIX EREs).
 */
#ifndef LB_L7_RULE_INTERNAL_H
#define LB_L7_RULE_INTERNAL_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#define RULE_MAX_DEPTH	64	/* nesting of "(" and "!" */
#define RULE_MAX_ARGS	64	/* arguments of one matcher */
#define RULE_HOST_MAX	1024	/* longer Host values never match a regex */

enum rule_op {
	OP_AND,
	OP_OR,
	OP_NOT,
	OP_MATCH,
};

enum matcher_kind {
	M_HOST,
	M_HOST_REGEXP,
	M_PATH,
	M_PATH_PREFIX,
	M_PATH_REGEXP,
	M_METHOD,
	M_HEADER,
	M_HEADER_REGEXP,
	M_QUERY,
	M_QUERY_REGEXP,
	M_CLIENT_IP,
};

struct matcher_def {
	const char *name;
	enum matcher_kind kind;
	int min_args;
	int max_args;		/* -1: no limit */
};


enum pat_kind {
	PAT_ANY,		/* anything (key presence) */
	PAT_LIT,		/* exact string */
	PAT_RE,			/* compiled regex */
};

struct rule_pat {
	enum pat_kind kind;
	char *lit;
	regex_t re;
};

struct rule_cidr {
	int family;
	unsigned char addr[16];
	int bits;
};

/* One node of the tree. A matcher holds n patterns (and keys for headers and
 * queries), or n CIDRs for ClientIP; the arguments of one matcher are OR-ed
 * except the v2 Query list, which is AND-ed (gorilla/mux Queries()).
 */
struct rule_node {
	enum rule_op op;
	struct rule_node *left;
	struct rule_node *right;
	const struct matcher_def *def;
	size_t n;
	char **keys;
	struct rule_pat *pats;
	struct rule_cidr *cidrs;
	bool query_v2;		/* first value of each key, all keys must match */
};

struct rule {
	struct rule_node *root;
};

/* A growing string; on allocation failure it sets oom and stops growing. */
struct sbuf {
	char *s;
	size_t len;
	size_t cap;
	bool oom;
};

void rl_sb_putn(struct sbuf *b, const char *s, size_t n);
void rl_sb_puts(struct sbuf *b, const char *s);
void rl_sb_putc(struct sbuf *b, char c);
bool rl_str_is_ascii(const char *s);
void rl_go_to_ere(const char *re, struct sbuf *out, bool *icase);
void rl_ere_quote(struct sbuf *out, const char *s, size_t n);
bool rl_has_template(const char *s);
int rl_tpl_to_ere(const char *tpl, const char *defpat, bool whole,
		  struct sbuf *out, bool *icase, char *msg, size_t msglen);
char *rl_str_lower(const char *s);
char *rl_str_upper(const char *s);

#endif /* LB_L7_RULE_INTERNAL_H */
