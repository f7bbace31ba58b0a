/* Checking every http router's rule when a configuration loads, so
 * `sluice config check` and sluiced report a bad rule with its place.
 */
#ifndef LB_L7_RULE_CHECK_H
#define LB_L7_RULE_CHECK_H

#include "config_types.h"

/* Parses the rule of every http router of @cfg; a rule that does not parse
 * is an error at the router ("invalid rule: 1:1: ...") and the router is
 * marked broken. Never fails.
 */
void rule_check_config(struct config *cfg);

#endif /* LB_L7_RULE_CHECK_H */
