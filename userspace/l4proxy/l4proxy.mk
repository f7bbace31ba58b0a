# l4proxy: the userspace TCP/UDP proxy (PROXY protocol, termination delay,
# SNI passthrough, UDP sessions), linked into sluiced
L4_SRCS		:= $(wildcard userspace/l4proxy/*.c)
L4_OBJS		:= $(L4_SRCS:%.c=$(BUILD)/%.o)
LIBS		+= $(BUILD)/libl4proxy.a
CPPFLAGS	+= -Iuserspace/l4proxy

$(BUILD)/libl4proxy.a: $(L4_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@; ar rcs $@ $^
