# loader: skeleton lifecycle library (open, load, pin, attach, detach)
LOADER_SRCS	:= $(wildcard loader/*.c)
LOADER_OBJS	:= $(LOADER_SRCS:%.c=$(BUILD)/%.o)
LIBS		+= $(BUILD)/libloader.a

$(BUILD)/libloader.a: $(LOADER_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@; ar rcs $@ $^
