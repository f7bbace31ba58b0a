/* TCP router rules: HostSNI(`a`, `b`) || HostSNI(`c`). Pure. */
#ifndef LB_L4_HOSTSNI_H
#define LB_L4_HOSTSNI_H

#include <stddef.h>

/* Parses @rule into a NULL-terminated array of lower-cased names ("*" is
 * the catch-all). Returns 0 and *@names (caller owns; free with
 * l4_rule_names_free()), -EINVAL for anything else (other matchers, &&, !,
 * bad quoting), or -ENOMEM.
 */
int l4_rule_parse_host_sni(const char *rule, char ***names);
void l4_rule_names_free(char **names);

/* True when @sni matches @pattern: equal ignoring case, or a "*.suffix"
 * pattern and @sni ends in ".suffix" with at least one label before it.
 */
int l4_rule_sni_match(const char *pattern, const char *sni);

#endif /* LB_L4_HOSTSNI_H */
