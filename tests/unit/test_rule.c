/* Unit tests for l7proxy/rule.c: every matcher, operators, quoting, the v2
 * template and v3 regex syntaxes, and every parse error class with its
 * exact message.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "rule.h"

/* A request under test; headers are "Name: value" strings. */
struct treq {
	const char *method;
	const char *host;
	const char *path;
	const char *query;
	const char *headers[4];
	const char *client_ip;
};

static const char *treq_header(void *ctx, const char *name)
{
	const struct treq *t = ctx;
	size_t n = strlen(name);

	for (int i = 0; i < 4 && t->headers[i]; i++)
		if (!strncasecmp(t->headers[i], name, n) && t->headers[i][n] == ':')
			return t->headers[i] + n + 2;
	return NULL;
}

static bool matches(const char *text, const struct treq *t)
{
	char err[256];
	struct rule *r = rule_parse(text, err, sizeof(err));
	struct rule_req req = {
		.method = t->method ? t->method : "GET",
		.host = t->host ? t->host : "example.com",
		.path = t->path ? t->path : "/",
		.query = t->query ? t->query : "",
		.header = treq_header,
		.ctx = (void *)t,
		.client_ip = t->client_ip,
	};
	bool ok;

	if (!r)
		fail_msg("rule %s: %s", text, err);
	ok = rule_match(r, &req);
	rule_free(r);
	return ok;
}

#define MATCH(text, ...) \
	assert_true(matches(text, &(struct treq){ __VA_ARGS__ }))
#define NO_MATCH(text, ...) \
	assert_false(matches(text, &(struct treq){ __VA_ARGS__ }))

static void parse_error(const char *text, const char *want)
{
	char err[256] = "unchanged";
	struct rule *r = rule_parse(text, err, sizeof(err));

	if (r) {
		rule_free(r);
		fail_msg("rule %s parsed, want error %s", text, want);
	}
	assert_string_equal(err, want);
}

static void test_host(void **state)
{
	MATCH("Host(`example.com`)", .host = "example.com");
	MATCH("Host(`Example.COM`)", .host = "eXample.com");
	MATCH("Host(`example.com`)", .host = "example.com.");
	MATCH("Host(`example.com.`)", .host = "example.com");
	NO_MATCH("Host(`example.com`)", .host = "a.example.com");
	NO_MATCH("Host(`example.com`)", .host = "example.co");
	NO_MATCH("Host(`example.com`)", .host = "");
	MATCH("Host(`a.test`, `b.test`)", .host = "b.test");
	NO_MATCH("Host(`a.test`, `b.test`)", .host = "c.test");
	MATCH("HostHeader(`a.test`)", .host = "a.test");
	MATCH("host(`a.test`)", .host = "a.test");
	MATCH("HOST(`a.test`)", .host = "a.test");
}

static void test_host_regexp_v2(void **state)
{
	const char *r = "HostRegexp(`{sub:[a-z]+}.example.com`)";

	MATCH(r, .host = "api.example.com");
	MATCH(r, .host = "API.Example.com");
	NO_MATCH(r, .host = "api.example.org");
	NO_MATCH(r, .host = "x.api.example.com");
	NO_MATCH(r, .host = "apixexample.com");	/* literal dot */
	NO_MATCH(r, .host = "api1.example.com");
	MATCH("HostRegexp(`{sub}.example.com`)", .host = "a-1.example.com");
	NO_MATCH("HostRegexp(`{sub}.example.com`)", .host = "a.b.example.com");
	MATCH("HostRegexp(`{a:[a-z]+}.x.test`, `{b:[0-9]+}.y.test`)", .host = "42.y.test");
	MATCH("HostRegexp(`{id:[0-9]{2}}.n.test`)", .host = "42.n.test");
	NO_MATCH("HostRegexp(`{id:[0-9]{2}}.n.test`)", .host = "421.n.test");
	MATCH("HostRegexp(`example.com`)", .host = "EXAMPLE.com");
	NO_MATCH("HostRegexp(`example.com`)", .host = "examplexcom");
	NO_MATCH("HostRegexp(`example.com`)", .host = "www.example.com");
}

static void test_host_regexp_v3(void **state)
{
	MATCH("HostRegexp(`^[a-z]+\\.example\\.(com|org)$`)", .host = "api.example.org");
	NO_MATCH("HostRegexp(`^[a-z]+\\.example\\.(com|org)$`)", .host = "api.example.net");
	MATCH("HostRegexp(`^api\\d+\\.example\\.com$`)", .host = "api12.example.com");
	NO_MATCH("HostRegexp(`^api\\d+\\.example\\.com$`)", .host = "apix.example.com");
	/* v3 regexes are unanchored, like Go's MatchString */
	MATCH("HostRegexp(`.+`)", .host = "anything.test");
	MATCH("HostRegexp(`(?:www\\.)?example\\.com$`)", .host = "www.example.com");
	MATCH("HostRegexp(`^[a-z]{2,3}\\.test$`)", .host = "abc.test");
	NO_MATCH("HostRegexp(`^[a-z]{2,3}\\.test$`)", .host = "abcd.test");
	MATCH("HostRegexp(`^[\\w-]+\\.example\\.com$`)", .host = "my-app_1.example.com");
	NO_MATCH("HostRegexp(`^[\\w-]+\\.example\\.com$`)", .host = "a.b.example.com");
	MATCH("HostRegexp(`^[\\d]+\\.n$`)", .host = "42.n");
}

static void test_path(void **state)
{
	MATCH("Path(`/x`)", .path = "/x");
	NO_MATCH("Path(`/x`)", .path = "/x/");
	NO_MATCH("Path(`/x`)", .path = "/X");
	MATCH("Path(`/a`, `/b`)", .path = "/b");
	MATCH("PathPrefix(`/api`)", .path = "/api/v1");
	MATCH("PathPrefix(`/api`)", .path = "/apis");
	MATCH("PathPrefix(`/api`)", .path = "/api");
	NO_MATCH("PathPrefix(`/api`)", .path = "/ap");
	NO_MATCH("PathPrefix(`/api`)", .path = "/v1/api");
	MATCH("Pathprefix(`/api`)", .path = "/api");
	MATCH("PATHPREFIX(`/api`)", .path = "/api");
}

static void test_path_templates(void **state)
{
	const char *r = "Path(`/products/{id:[0-9]+}`)";

	MATCH(r, .path = "/products/42");
	NO_MATCH(r, .path = "/products/42/x");
	NO_MATCH(r, .path = "/products/abc");
	NO_MATCH(r, .path = "/xproducts/42");
	MATCH("Path(`/u/{name}`)", .path = "/u/bob");
	NO_MATCH("Path(`/u/{name}`)", .path = "/u/bob/x");
	MATCH("PathPrefix(`/articles/{cat}/`)", .path = "/articles/news/1");
	NO_MATCH("PathPrefix(`/articles/{cat}/`)", .path = "/articles/news");
	MATCH("PathPrefix(`/v{n:\\d+}/`)", .path = "/v2/users");
	NO_MATCH("PathPrefix(`/v{n:\\d+}/`)", .path = "/vx/users");
	/* literal regex characters outside a variable stay literal */
	MATCH("Path(`/a.b/{x}`)", .path = "/a.b/c");
	NO_MATCH("Path(`/a.b/{x}`)", .path = "/axb/c");
	MATCH("PathRegexp(`^/api/v[0-9]+/`)", .path = "/api/v2/x");
	NO_MATCH("PathRegexp(`^/api/v[0-9]+/`)", .path = "/api/vx/x");
	MATCH("PathRegexp(`\\.(css|js)$`)", .path = "/static/app.js");
}

static void test_method(void **state)
{
	MATCH("Method(`GET`)", .method = "GET");
	MATCH("Method(`get`)", .method = "GET");
	NO_MATCH("Method(`GET`)", .method = "POST");
	MATCH("Method(`PUT`, `POST`)", .method = "POST");
	NO_MATCH("Method(`PUT`, `POST`)", .method = "DELETE");
}

static void test_headers(void **state)
{
	MATCH("Headers(`X-Env`, `prod`)", .headers = { "x-env: prod" });
	NO_MATCH("Headers(`X-Env`, `prod`)", .headers = { "X-Env: production" });
	NO_MATCH("Headers(`X-Env`, `prod`)", .headers = { "X-Other: prod" });
	NO_MATCH("Headers(`X-Env`, `prod`)", .headers = { NULL });
	MATCH("Header(`X-Env`, `prod`)", .headers = { "X-Env: prod" });
	const char *re = "HeadersRegexp(`Content-Type`, `application/(text|json)`)";
	MATCH(re, .headers = { "Content-Type: application/json; charset=utf-8" });
	NO_MATCH(re, .headers = { "Content-Type: text/html" });
	NO_MATCH(re, .headers = { NULL });
	MATCH("HeaderRegexp(`X-Id`, `^[0-9]+$`)", .headers = { "X-Id: 123" });
	NO_MATCH("HeaderRegexp(`X-Id`, `^[0-9]+$`)", .headers = { "X-Id: 12a" });
	MATCH("HeaderRegexp(`X-Id`, `(?i)^abc$`)", .headers = { "X-Id: ABC" });
	MATCH("HeaderRegexp(`X-Id`, `^\\w+\\s\\w+$`)", .headers = { "X-Id: ab_1 c" });
	NO_MATCH("HeaderRegexp(`X-Id`, `^\\w+$`)", .headers = { "X-Id: a-b" });
	MATCH("HeaderRegexp(`X-Id`, `^a[\\.]b$`)", .headers = { "X-Id: a.b" });
	NO_MATCH("HeaderRegexp(`X-Id`, `^a[\\.]b$`)", .headers = { "X-Id: a\\b" });
	MATCH("HeaderRegexp(`X-Id`, `^a.+?b$`)", .headers = { "X-Id: axxb" });
}

static void test_query(void **state)
{
	/* v2: every argument key=value, all must hold, first value of a key */
	MATCH("Query(`a=1`)", .query = "a=1");
	MATCH("Query(`a=1`)", .query = "b=2&a=1");
	NO_MATCH("Query(`a=1`)", .query = "a=2");
	NO_MATCH("Query(`a=1`)", .query = "a=2&a=1");
	NO_MATCH("Query(`a=1`)", .query = "");
	MATCH("Query(`a=1`, `b=2`)", .query = "b=2&a=1");
	NO_MATCH("Query(`a=1`, `b=2`)", .query = "a=1");
	MATCH("Query(`a=`)", .query = "x=1&a=zzz");
	NO_MATCH("Query(`a=`)", .query = "x=1");
	MATCH("Query(`q=hello world`)", .query = "q=hello+world");
	MATCH("Query(`q=a&b`)", .query = "q=a%26b");
	MATCH("Query(`a=1`)", .query = "x=2;a=1");	/* mux splits on ';' too */
	MATCH("Query(`id={id:[0-9]+}`)", .query = "id=42");
	NO_MATCH("Query(`id={id:[0-9]+}`)", .query = "id=42x");
	/* v3: (key, value), any value of the key */
	MATCH("Query(`a`, `1`)", .query = "a=2&a=1");
	NO_MATCH("Query(`a`, `1`)", .query = "a=2");
	NO_MATCH("Query(`a`, `1`)", .query = "x=2;a=1");	/* Go drops ';' pairs */
	MATCH("Query(`a`, `1`)", .query = "x=2;y=3&a=1");
	MATCH("Query(`flag`)", .query = "flag");
	MATCH("Query(`flag`)", .query = "flag=on");
	NO_MATCH("Query(`flag`)", .query = "other");
	MATCH("QueryRegexp(`v`, `^[0-9]+$`)", .query = "v=x&v=12");
	NO_MATCH("QueryRegexp(`v`, `^[0-9]+$`)", .query = "v=x");
	MATCH("QueryRegexp(`v`)", .query = "v=x");
}

static void test_client_ip(void **state)
{
	MATCH("ClientIP(`10.0.0.0/8`)", .client_ip = "10.1.2.3");
	NO_MATCH("ClientIP(`10.0.0.0/8`)", .client_ip = "11.1.2.3");
	NO_MATCH("ClientIP(`10.0.0.0/8`)", .client_ip = NULL);
	MATCH("ClientIP(`192.168.1.7`, `::1`)", .client_ip = "::1");
	MATCH("ClientIP(`192.168.1.7`)", .client_ip = "::ffff:192.168.1.7");
	NO_MATCH("ClientIP(`192.168.1.7`)", .client_ip = "192.168.1.8");
	MATCH("ClientIP(`fd00::/8`)", .client_ip = "fd12::1");
	MATCH("ClientIP(`172.16.0.0/12`)", .client_ip = "172.31.255.255");
	NO_MATCH("ClientIP(`172.16.0.0/12`)", .client_ip = "172.32.0.1");
}

static void test_precedence(void **state)
{
	/* && binds tighter than || */
	const char *r = "Host(`a.test`) || Host(`b.test`) && Path(`/x`)";

	MATCH(r, .host = "a.test", .path = "/y");
	MATCH(r, .host = "b.test", .path = "/x");
	NO_MATCH(r, .host = "b.test", .path = "/y");
	r = "Path(`/x`) && Host(`b.test`) || Host(`a.test`)";
	MATCH(r, .host = "a.test", .path = "/y");
	NO_MATCH(r, .host = "b.test", .path = "/y");
}

static void test_parentheses(void **state)
{
	const char *r = "(Host(`a.test`) || Host(`b.test`)) && Path(`/x`)";

	NO_MATCH(r, .host = "a.test", .path = "/y");
	MATCH(r, .host = "a.test", .path = "/x");
	MATCH(r, .host = "b.test", .path = "/x");
	MATCH("((((Path(`/x`)))))", .path = "/x");
	MATCH("Host(`a.test`) && (Path(`/a`) || (Method(`POST`) && Path(`/b`)))",
	      .host = "a.test", .path = "/b", .method = "POST");
	NO_MATCH("Host(`a.test`) && (Path(`/a`) || (Method(`POST`) && Path(`/b`)))",
		 .host = "a.test", .path = "/b", .method = "GET");
}

static void test_negation(void **state)
{
	NO_MATCH("!Path(`/x`)", .path = "/x");
	MATCH("!Path(`/x`)", .path = "/y");
	MATCH("!!Path(`/x`)", .path = "/x");
	/* ! binds tighter than && */
	MATCH("!Path(`/x`) && Host(`a.test`)", .path = "/y", .host = "a.test");
	NO_MATCH("!Path(`/x`) && Host(`a.test`)", .path = "/y", .host = "b.test");
	NO_MATCH("!(Path(`/x`) || Host(`a.test`))", .path = "/y", .host = "a.test");
	MATCH("!(Path(`/x`) || Host(`a.test`))", .path = "/y", .host = "b.test");
	MATCH("Host(`a.test`) && !Method(`POST`)", .host = "a.test", .method = "GET");
}

static void test_quoting(void **state)
{
	MATCH("Path(\"/x\")", .path = "/x");
	MATCH("Headers(\"X-Q\", \"a\\\"b\\\\c\")", .headers = { "X-Q: a\"b\\c" });
	MATCH("Headers(`X-Q`, `a\"b\\c`)", .headers = { "X-Q: a\"b\\c" });
	MATCH("Host(`a.test`,\"b.test\")", .host = "b.test");
	MATCH("  Host( `a.test` )\n\t&&  Path(`/`)  ", .host = "a.test", .path = "/");
}

static void test_priority(void **state)
{
	assert_int_equal(rule_default_priority("Host(`a.test`)"), 14);
	assert_int_equal(rule_default_priority(
		"Host(`a.test`) && PathPrefix(`/api`)"), 36);
	assert_int_equal(rule_default_priority(""), 0);
}

static void test_err_unknown_matcher(void **state)
{
	parse_error("Hots(`a`)", "1:1: unknown matcher \"Hots\" (did you mean \"Host\"?)");
	parse_error("Path(`/a`) && Hots(`x`)",
		    "1:15: unknown matcher \"Hots\" (did you mean \"Host\"?)");
	parse_error("pathPrefix(`/a`)",
		    "1:1: unknown matcher \"pathPrefix\" (did you mean \"PathPrefix\"?)");
	parse_error("Frobnicate(`a`)", "1:1: unknown matcher \"Frobnicate\"");
	parse_error("Host(`a`) &&\n  Hots(`b`)",
		    "2:3: unknown matcher \"Hots\" (did you mean \"Host\"?)");
}

static void test_err_parens(void **state)
{
	parse_error("Host(`a`",
		    "1:9: missing \")\" after the arguments of Host, found end of rule");
	parse_error("Host(`a` `b`)",
		    "1:10: missing \")\" after the arguments of Host, found \"`b`\"");
	parse_error("(Host(`a`) || Path(`/`)",
		    "1:24: missing \")\" to close \"(\" at 1:1, found end of rule");
	parse_error("Host(`a`))", "1:10: unexpected \")\" without a matching \"(\"");
	parse_error("Host `a`", "1:6: unexpected \"`a`\", expected \"(\" after Host");
	parse_error("()", "1:2: unexpected \")\", expected a matcher, \"!\" or \"(\"");
}

static void test_err_arg_count(void **state)
{
	parse_error("Headers(`X`)", "1:1: Headers expects 2 arguments, got 1");
	parse_error("Host()", "1:1: Host expects at least 1 argument, got 0");
	parse_error("Path(`/a`) || QueryRegexp(`a`, `b`, `c`)",
		    "1:15: QueryRegexp expects 1 to 2 arguments, got 3");
	parse_error("PathRegexp(`a`, `b`)", "1:1: PathRegexp expects 1 argument, got 2");
	parse_error("Query(`a`, `b`, `c`)",
		    "1:7: Query: expected `key=value` arguments or (`key`, `value`)");
}

static void test_err_bad_regex(void **state)
{
	char err[256];
	struct rule *r;

	r = rule_parse("HostRegexp(`^[a-`)", err, sizeof(err));
	assert_null(r);
	assert_true(!strncmp(err, "1:12: HostRegexp: invalid regex \"^[a-\": ", 40));
	r = rule_parse("Path(`/`) && HeadersRegexp(`X`, `a(b`)", err, sizeof(err));
	assert_null(r);
	assert_true(!strncmp(err, "1:33: HeadersRegexp: invalid regex \"a(b\": ", 42));
	parse_error("Path(`/{id:[0-9]+`)",
		    "1:6: Path: unbalanced braces in \"/{id:[0-9]+\"");
	parse_error("Path(`/{:[0-9]+}`)",
		    "1:6: Path: missing name or pattern in \"{:[0-9]+}\"");
	parse_error("Path(`x`)", "1:6: Path: path \"x\" must start with \"/\"");
	parse_error("ClientIP(`10.0.0.0/33`)",
		    "1:10: ClientIP: invalid IP or CIDR \"10.0.0.0/33\"");
	parse_error("Host(`bücher.de`)",
		    "1:6: Host: non-ASCII characters are not allowed in \"bücher.de\"");
}

static void test_err_empty(void **state)
{
	parse_error("Headers(`X-Env`, ``)", "1:18: Headers: empty argument");
	parse_error("Host(`a`, \"\")", "1:11: Host: empty argument");
	parse_error("", "empty rule");
	parse_error("  \n\t ", "empty rule");
	parse_error(NULL, "empty rule");
}

static void test_err_syntax(void **state)
{
	char deep[600];

	parse_error("Host(`a`) & Path(`/`)", "1:11: unexpected \"&\" (did you mean \"&&\"?)");
	parse_error("Host(`a`) Path(`/`)",
		    "1:11: unexpected \"Path\", expected \"&&\", \"||\" or end of rule");
	parse_error("Host(`a`) &&", "1:13: unexpected end of rule, expected a matcher, \"!\" or \"(\"");
	parse_error("Host(`a)", "1:6: unterminated string starting with `");
	parse_error("Host(\"a)", "1:6: unterminated string starting with \"");
	parse_error("Host(a)", "1:6: unexpected \"a\", expected a quoted string argument to Host");
	parse_error("Host('a')", "1:6: single quotes are not accepted; use `...` or \"...\"");
	parse_error("Host(\"a\\qb\")", "1:8: unknown escape sequence \"\\q\" in string");
	memset(deep, '(', 100);
	strcpy(deep + 100, "Path(`/`)");
	parse_error(deep, "1:65: rule nests deeper than 64 levels");
}

struct thread_arg {
	const struct rule *r;
	int mismatches;
};

static void *match_loop(void *p)
{
	struct thread_arg *a = p;
	struct treq t = { .headers = { "X-Id: 77" } };
	struct rule_req req = {
		.method = "GET", .path = "/products/42", .query = "a=1&b=2",
		.header = treq_header, .ctx = &t,
	};

	for (int i = 0; i < 20000; i++) {
		bool want = i & 1;

		req.host = want ? "api.example.com" : "api.example.org";
		if (rule_match(a->r, &req) != want)
			a->mismatches++;
	}
	return NULL;
}

/* Many threads matching the same rule (regexes included) get the same
 * answers as one thread.
 */
static void test_concurrent_match(void **state)
{
	char err[256];
	struct rule *r = rule_parse("HostRegexp(`{s:[a-z]+}.example.com`) && "
				    "Path(`/products/{id:[0-9]+}`) && Query(`a=1`) && "
				    "HeadersRegexp(`X-Id`, `^[0-9]+$`)", err, sizeof(err));
	struct thread_arg args[8];
	pthread_t th[8];

	assert_non_null(r);
	for (int i = 0; i < 8; i++) {
		args[i] = (struct thread_arg){ .r = r };
		assert_int_equal(pthread_create(&th[i], NULL, match_loop, &args[i]), 0);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(args[i].mismatches, 0);
	}
	rule_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_host_regexp_v2),
		cmocka_unit_test(test_host_regexp_v3),
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_path_templates),
		cmocka_unit_test(test_method),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_client_ip),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_parentheses),
		cmocka_unit_test(test_negation),
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_priority),
		cmocka_unit_test(test_err_unknown_matcher),
		cmocka_unit_test(test_err_parens),
		cmocka_unit_test(test_err_arg_count),
		cmocka_unit_test(test_err_bad_regex),
		cmocka_unit_test(test_err_empty),
		cmocka_unit_test(test_err_syntax),
		cmocka_unit_test(test_concurrent_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
