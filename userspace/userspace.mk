# userspace: shared library code, the sluiced agent and the sluice CLI
ULIB_SRCS	:= $(wildcard userspace/lib/*.c)
ULIB_OBJS	:= $(ULIB_SRCS:%.c=$(BUILD)/%.o)
AGENT_SRCS	:= $(wildcard userspace/agent/*.c)
AGENT_OBJS	:= $(AGENT_SRCS:%.c=$(BUILD)/%.o)
CLI_SRCS	:= $(wildcard userspace/cli/*.c)
CLI_OBJS	:= $(CLI_SRCS:%.c=$(BUILD)/%.o)
BINS		+= $(BUILD)/sluiced $(BUILD)/sluice

# Link order: the agent's own objects, then the libraries that use libsluice.
SLUICE_LIBS	:= $(BUILD)/libl7proxy.a $(BUILD)/libloader.a $(BUILD)/libl4proxy.a $(BUILD)/libsluice.a

$(BUILD)/libsluice.a: $(ULIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@; ar rcs $@ $^

# Every userspace object may include a skeleton; build them first.
$(BUILD)/%.o: %.c | bpf
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/sluiced: $(AGENT_OBJS) $(SLUICE_LIBS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $(AGENT_OBJS) $(SLUICE_LIBS) $(LDLIBS)

$(BUILD)/sluice: $(CLI_OBJS) $(SLUICE_LIBS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $(CLI_OBJS) $(SLUICE_LIBS) $(LDLIBS)
