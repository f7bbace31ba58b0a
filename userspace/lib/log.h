/* Leveled logging to stderr for sluiced and the CLI. Libraries never call
 * these for errors they return; only the edge (daemon loop, CLI command)
 * reports, once. libbpf's own messages are routed here, one level lower.
 */
#ifndef LB_LOG_H
#define LB_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_ERR,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
};

/* Sets the most verbose level printed (default LOG_INFO) and the prefix
 * written before every line ("sluiced", "sluice"). Borrows @prefix.
 */
void log_init(const char *prefix, enum log_level level);
enum log_level log_get_level(void);

/* Routes libbpf's print callback through log_print(), one level lower. */
void log_hook_libbpf(void);
/* Silences libbpf while probing a step that is expected to fail; returns the
 * previous state for log_libbpf_restore().
 */
int log_libbpf_silence(void);
void log_libbpf_restore(int prev);

__attribute__((format(printf, 2, 3)))
void log_print(enum log_level level, const char *fmt, ...);
void log_vprint(enum log_level level, const char *fmt, va_list ap);

#define pr_err(...)	log_print(LOG_ERR, __VA_ARGS__)
#define pr_warn(...)	log_print(LOG_WARN, __VA_ARGS__)
#define pr_info(...)	log_print(LOG_INFO, __VA_ARGS__)
#define pr_debug(...)	log_print(LOG_DEBUG, __VA_ARGS__)

#endif /* LB_LOG_H */
