# tests/bench: the benchmark programs (make bench runs them through
# scripts/bench-*.sh). tests/bench/<name>.c -> $(BUILD)/tests/bench/<name>,
# linked like the tests (tests/bpf/lb_pkt.h is shared, hence
# -Wno-unused-function); tests/bench/<name>.bpf.c -> its own skeleton
# $(BUILD)/tests/bench/<name>.skel.h (floor programs of the XDP bench).
BENCH_SRCS	:= $(filter-out %.bpf.c,$(wildcard tests/bench/*.c))
BENCH_BINS	:= $(BENCH_SRCS:tests/bench/%.c=$(BUILD)/tests/bench/%)
BENCH_BPF	:= $(wildcard tests/bench/*.bpf.c)
BENCH_BPF_OBJS	:= $(BENCH_BPF:tests/bench/%.bpf.c=$(BUILD)/tests/bench/%.bpf.o)
BENCH_SKELS	:= $(BENCH_BPF:tests/bench/%.bpf.c=$(BUILD)/tests/bench/%.skel.h)
BENCH_OBJS	:= $(BENCH_SRCS:tests/bench/%.c=$(BUILD)/tests/bench/%.o)

$(BENCH_BPF_OBJS): $(BUILD)/tests/bench/%.bpf.o: tests/bench/%.bpf.c
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BENCH_SKELS): $(BUILD)/tests/bench/%.skel.h: $(BUILD)/tests/bench/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*) > $@

$(BENCH_OBJS): $(BUILD)/tests/bench/%.o: tests/bench/%.c $(BENCH_SKELS) | bpf
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(TEST_CPPFLAGS) -I$(BUILD)/tests/bench -Itests/bpf \
		-Wno-unused-function \
		$(CFLAGS) -c $< -o $@

$(BENCH_BINS): $(BUILD)/tests/bench/%: $(BUILD)/tests/bench/%.o $(SLUICE_LIBS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(SLUICE_LIBS) $(LDLIBS)

tests: $(BENCH_BINS)
