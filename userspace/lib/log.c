/* Leveled logging to stderr; see log.h. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <bpf/libbpf.h>

#include "log.h"

static enum log_level cur_level = LOG_INFO;
static const char *cur_prefix = "sluice";
static int libbpf_silenced;

static const char *const level_names[] = {
	[LOG_ERR] = "error",
	[LOG_WARN] = "warning",
	[LOG_INFO] = "info",
	[LOG_DEBUG] = "debug",
};

void log_init(const char *prefix, enum log_level level)
{
	cur_prefix = prefix;
	cur_level = level;
}

enum log_level log_get_level(void)
{
	return cur_level;
}

void log_vprint(enum log_level level, const char *fmt, va_list ap)
{
	char buf[1024];
	size_t len;

	if (level > cur_level)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	len = strlen(buf);
	while (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	fprintf(stderr, "%s: %s: %s\n", cur_prefix, level_names[level], buf);
}

void log_print(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprint(level, fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	enum log_level ours;

	if (libbpf_silenced)
		return 0;
	switch (level) {
	case LIBBPF_WARN:
		ours = LOG_INFO;
		break;
	case LIBBPF_INFO:
	case LIBBPF_DEBUG:
	default:
		ours = LOG_DEBUG;
		break;
	}
	/* libbpf's debug output is only wanted at the highest verbosity */
	if (level == LIBBPF_DEBUG && cur_level < LOG_DEBUG)
		return 0;
	log_vprint(ours, fmt, ap);
	return 0;
}

void log_hook_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}

int log_libbpf_silence(void)
{
	int prev = libbpf_silenced;

	libbpf_silenced = 1;
	return prev;
}

void log_libbpf_restore(int prev)
{
	libbpf_silenced = prev;
}
