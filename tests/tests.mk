# tests: tests/unit/test_<name>.c and tests/bpf/test_<name>.c each build one
# cmocka binary, linked against every project library. tests/run.sh runs them
# and the namespace scripts, and prints the single summary line.
UNIT_SRCS	:= $(wildcard tests/unit/test_*.c)
UNIT_BINS	:= $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)
BPFT_SRCS	:= $(wildcard tests/bpf/test_*.c)
BPFT_BINS	:= $(BPFT_SRCS:tests/bpf/%.c=$(BUILD)/tests/bpf/%)
TLIB_SRCS	:= $(wildcard tests/lib/*.c)
TLIB_OBJS	:= $(TLIB_SRCS:%.c=$(BUILD)/%.o)
TEST_CPPFLAGS	:= -Itests/lib

$(BUILD)/tests/%.o: tests/%.c | bpf
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(TEST_CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(TLIB_OBJS) $(SLUICE_LIBS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(TLIB_OBJS) $(SLUICE_LIBS) $(LDLIBS) -lcmocka

$(BUILD)/tests/bpf/%: $(BUILD)/tests/bpf/%.o $(TLIB_OBJS) $(SLUICE_LIBS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(TLIB_OBJS) $(SLUICE_LIBS) $(LDLIBS) -lcmocka

.PHONY: tests
tests: $(UNIT_BINS) $(BPFT_BINS) $(BINS)
