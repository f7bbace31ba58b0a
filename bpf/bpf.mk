# BPF objects: bpf/<name>.bpf.c -> build/bpf/<name>.bpf.o -> <name>.skel.h
BPF_SRCS	:= $(wildcard bpf/*.bpf.c)
BPF_OBJS	:= $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/bpf/%.bpf.o)
BPF_SKELS	:= $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/bpf/%.skel.h)
BPF_HDRS	:= $(wildcard bpf/*.h)

BPF_TMPS	:= $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/bpf/%.tmp.o)

# Static pattern rules: they win over userspace's generic $(BUILD)/%.o: %.c.
$(BPF_TMPS): $(BUILD)/bpf/%.tmp.o: bpf/%.bpf.c $(BPF_HDRS)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(BPF_EXTRA) -c $< -o $@

$(BPF_OBJS): $(BUILD)/bpf/%.bpf.o: $(BUILD)/bpf/%.tmp.o
	$(call msg,GEN-OBJ,$@)
	$(Q)$(BPFTOOL) gen object $@ $<

$(BPF_SKELS): $(BUILD)/bpf/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*) > $@

.PHONY: bpf
bpf: $(BPF_OBJS) $(BPF_SKELS)
