# l7proxy: the libevent HTTP reverse proxy, linked into sluiced
L7_SRCS		:= $(wildcard l7proxy/*.c)
L7_OBJS		:= $(L7_SRCS:%.c=$(BUILD)/%.o)
LIBS		+= $(BUILD)/libl7proxy.a

$(BUILD)/libl7proxy.a: $(L7_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@; ar rcs $@ $^
