/* Helpers shared by the configuration unit tests. */
#ifndef LB_TESTS_CFG_TEST_H
#define LB_TESTS_CFG_TEST_H

#include <stdbool.h>

#include "config.h"

/* Loads @yaml as file "t.yml"; fails the test when out of memory. */
struct config *cfgt_load(const char *yaml);
/* The first diagnostic whose message contains @needle, or NULL. */
const struct cfg_diag *cfgt_diag(const struct config *cfg, const char *needle);
/* Prints every diagnostic (for failing tests). */
void cfgt_dump(const struct config *cfg);

#endif /* LB_TESTS_CFG_TEST_H */
