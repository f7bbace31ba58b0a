/* Unit tests for the L7 proxy's pure HTTP pieces: head scanning and limits
 * (l7proxy/http.c), the request and response heads the proxy forwards
 * (headers.c, traefik-semantics.md §6.1) and its own error responses
 * (errors.c, §6.2), compared byte for byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>

#include "errors.h"
#include "headers.h"
#include "http.h"

static const struct head_limits lim = {
	.max_line = 32, .max_head = 128, .max_headers = 3,
};

static int scan(const char *s, size_t *len)
{
	return http_head_scan(s, strlen(s), &lim, len);
}

static void test_head_scan(void **state)
{
	size_t len = 0;

	assert_int_equal(scan("GET / HTTP/1.1\r\nHost: a\r\n\r\nrest", &len), 0);
	assert_int_equal(len, 27);
	assert_int_equal(scan("\r\nGET / HTTP/1.1\nHost: a\n\n", &len), 0);
	assert_int_equal(len, 26);
	assert_int_equal(scan("GET / HTTP/1.1\r\nHost: a\r\n", &len), 1);
	assert_int_equal(scan("GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &len), 414);
	assert_int_equal(scan("GET / HTTP/1.1\r\nA: 1\r\n  folded\r\n\r\n", &len),
			 400);
	assert_int_equal(scan("GET / HTTP/1.1\r\nA: 1\r\n\tfolded\r\n\r\n", &len),
			 400);
	assert_int_equal(scan("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n",
			      &len), 431);
	assert_int_equal(scan("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", &len),
			 0);
}

static void test_head_scan_size(void **state)
{
	char buf[300];
	size_t len;

	memset(buf, 'x', sizeof(buf));
	memcpy(buf, "GET / HTTP/1.1\r\nX: ", 19);
	buf[sizeof(buf) - 1] = '\0';
	assert_int_equal(scan(buf, &len), 431);
}

static void test_pct_decode(void **state)
{
	char out[32];

	assert_int_equal(http_pct_decode("/a%20b%2F", 9, out), 5);
	assert_string_equal(out, "/a b/");
	assert_int_equal(http_pct_decode("/a%2", 4, out), -1);
	assert_int_equal(http_pct_decode("/a%zz", 5, out), -1);
}

static void test_split_host(void **state)
{
	const char *port;
	size_t plen;
	char h[64];

	assert_true(http_split_host("a.test:8080", 11, h, sizeof(h), &port,
				    &plen));
	assert_string_equal(h, "a.test");
	assert_int_equal(plen, 4);
	assert_memory_equal(port, "8080", 4);
	assert_true(http_split_host("[::1]:81", 8, h, sizeof(h), &port, &plen));
	assert_string_equal(h, "::1");
	assert_memory_equal(port, "81", 2);
	assert_true(http_split_host("b", 1, h, sizeof(h), &port, &plen));
	assert_string_equal(h, "b");
	assert_null(port);
	assert_false(http_split_host("[::1", 4, h, sizeof(h), &port, &plen));
}

static void test_canon(void **state)
{
	char out[64];

	http_canon_name("x-forwarded-for", 15, out);
	assert_memory_equal(out, "X-Forwarded-For", 15);
	http_canon_name("sec-websocket-key", 17, out);
	assert_memory_equal(out, "Sec-WebSocket-Key", 17);
	http_canon_name("bad name", 8, out);
	assert_memory_equal(out, "bad name", 8);
	assert_true(http_list_has("keep-alive, Upgrade", 19, "upgrade"));
	assert_false(http_list_has("keep-alive, Upgrades", 20, "upgrade"));
}

static char *drain(struct evbuffer *b)
{
	size_t len = evbuffer_get_length(b);
	char *s = malloc(len + 1);

	evbuffer_remove(b, s, len);
	s[len] = '\0';
	return s;
}

#define H(n, v) { n, sizeof(n) - 1, v, sizeof(v) - 1 }

static void test_request_head_untrusted(void **state)
{
	const struct hdr h[] = {
		H("host", "a.test:8080"),
		H("x-forwarded-for", "6.6.6.6"),
		H("X_Forwarded_Host", "evil"),
		H("connection", "keep-alive, x-hop"),
		H("x-hop", "1"),
		H("keep-alive", "300"),
		H("te", "trailers, gzip"),
		H("content-length", "3"),
		H("accept", "*/*"),
	};
	struct fwd_req r = {
		.method = "POST",
		.target = "/p?a=1;b=2",
		.tlen = 10,
		.h = h,
		.n = 9,
		.host = "a.test:8080",
		.hostlen = 11,
		.client_ip = "10.0.0.9",
		.server_name = "lb1",
		.host_out = "a.test:8080",
		.host_outlen = 11,
		.body = BODY_LENGTH,
		.clen = 3,
	};
	struct evbuffer *b = evbuffer_new();
	char *s;

	assert_int_equal(fwd_request_head(b, &r), 0);
	s = drain(b);
	assert_string_equal(s,
		"POST /p?a=1&b=2 HTTP/1.1\r\n"
		"Host: a.test:8080\r\n"
		"Accept: */*\r\n"
		"Te: trailers\r\n"
		"X-Forwarded-For: 10.0.0.9\r\n"
		"X-Forwarded-Host: a.test:8080\r\n"
		"X-Forwarded-Port: 8080\r\n"
		"X-Forwarded-Proto: http\r\n"
		"X-Forwarded-Server: lb1\r\n"
		"X-Real-Ip: 10.0.0.9\r\n"
		"Content-Length: 3\r\n\r\n");
	free(s);
	evbuffer_free(b);
}

static void test_request_head_trusted_upgrade(void **state)
{
	const struct hdr h[] = {
		H("Host", "ws.test"),
		H("X-Forwarded-For", "1.1.1.1"),
		H("X-Forwarded-For", "2.2.2.2"),
		H("X-Real-Ip", "1.1.1.1"),
		H("Connection", "Upgrade"),
		H("Upgrade", "websocket"),
		H("sec-websocket-key", "k"),
	};
	struct fwd_req r = {
		.method = "GET",
		.target = "http://ws.test/chat",
		.tlen = 19,
		.h = h,
		.n = 7,
		.host = "ws.test",
		.hostlen = 7,
		.client_ip = "10.0.0.9",
		.server_name = "lb1",
		.trusted = true,
		.upgrade = true,
		.websocket = true,
		.host_out = "10.1.1.1:81",
		.host_outlen = 11,
	};
	struct evbuffer *b = evbuffer_new();
	char *s;

	assert_int_equal(fwd_request_head(b, &r), 0);
	s = drain(b);
	assert_string_equal(s,
		"GET /chat HTTP/1.1\r\n"
		"Host: 10.1.1.1:81\r\n"
		"X-Real-Ip: 1.1.1.1\r\n"
		"Sec-WebSocket-Key: k\r\n"
		"Connection: Upgrade\r\n"
		"Upgrade: websocket\r\n"
		"X-Forwarded-For: 1.1.1.1, 2.2.2.2, 10.0.0.9\r\n"
		"X-Forwarded-Host: ws.test\r\n"
		"X-Forwarded-Port: 80\r\n"
		"X-Forwarded-Proto: ws\r\n"
		"X-Forwarded-Server: lb1\r\n\r\n");
	free(s);
	evbuffer_free(b);
}

static void test_response_head(void **state)
{
	const struct hdr h[] = {
		H("content-type", "text/plain"),
		H("Transfer-Encoding", "chunked"),
		H("Connection", "x-private"),
		H("X-Private", "1"),
		H("Keep-Alive", "timeout=5"),
	};
	struct fwd_resp r = {
		.status = 200,
		.h = h,
		.n = 5,
		.body = BODY_CHUNKED,
		.close = true,
	};
	struct evbuffer *b = evbuffer_new();
	char *s;

	assert_int_equal(fwd_response_head(b, &r), 0);
	s = drain(b);
	assert_string_equal(s,
		"HTTP/1.1 200 OK\r\n"
		"Content-Type: text/plain\r\n"
		"Connection: close\r\n"
		"Transfer-Encoding: chunked\r\n\r\n");
	free(s);
	evbuffer_free(b);
}

static void test_errors(void **state)
{
	struct evbuffer *b = evbuffer_new();
	char *s;

	l7_error_response(b, 404, L7_ERR_NOT_FOUND, false);
	s = drain(b);
	assert_string_equal(s,
		"HTTP/1.1 404 Not Found\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"X-Content-Type-Options: nosniff\r\n"
		"Content-Length: 19\r\n\r\n404 page not found\n");
	free(s);
	l7_error_response(b, 503, L7_ERR_NO_SERVER, false);
	s = drain(b);
	assert_non_null(strstr(s, "\r\n\r\nno available server\n"));
	free(s);
	l7_error_response(b, 504, L7_ERR_PROXY, false);
	s = drain(b);
	assert_string_equal(s,
		"HTTP/1.1 504 Gateway Timeout\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Content-Length: 15\r\n\r\nGateway Timeout");
	free(s);
	l7_error_response(b, 400, L7_ERR_SERVER, false);
	s = drain(b);
	assert_string_equal(s,
		"HTTP/1.1 400 Bad Request\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Connection: close\r\n"
		"Content-Length: 15\r\n\r\n400 Bad Request");
	free(s);
	evbuffer_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_head_scan),
		cmocka_unit_test(test_head_scan_size),
		cmocka_unit_test(test_pct_decode),
		cmocka_unit_test(test_split_host),
		cmocka_unit_test(test_canon),
		cmocka_unit_test(test_request_head_untrusted),
		cmocka_unit_test(test_request_head_trusted_upgrade),
		cmocka_unit_test(test_response_head),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
