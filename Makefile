# sluice: top-level build. Output goes to build/; `make V=1` shows commands.
# Each directory adds a <dir>.mk fragment; sources are found by wildcard so a
# new file needs no Makefile edit.

BUILD		?= build
CC		?= gcc
CLANG		?= clang
BPFTOOL		?= bpftool
ARCH		:= $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
MULTIARCH	:= $(shell $(CC) -print-multiarch 2>/dev/null)
VERSION		:= $(shell cat VERSION 2>/dev/null || echo 0.0.0)
GIT_REV		:= $(shell git rev-parse --short HEAD 2>/dev/null || echo none)

CFLAGS		?= -O2 -g
CFLAGS		+= -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter \
		   -fno-strict-aliasing -pthread
CPPFLAGS	+= -D_GNU_SOURCE -Ibpf -Iuserspace/lib -Iloader -Il7proxy \
		   -I$(BUILD)/bpf -DSLUICE_VERSION='"$(VERSION)"' \
		   -DSLUICE_GIT_REV='"$(GIT_REV)"' -MMD -MP
LDLIBS		+= -lxdp -lbpf -lelf -lz -levent_openssl -levent_pthreads -levent \
		   -lyaml -lssl -lcrypto -lhttp_parser -lpthread -lm

BPF_CFLAGS	:= -O2 -g -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) \
		   -I$(BUILD)/bpf -Ibpf -idirafter /usr/include/$(MULTIARCH) \
		   -Wall -Werror -Wno-unused-function

ifeq ($(V),1)
Q	:=
msg	=
else
Q	:= @
msg	= @printf '  %-8s %s\n' "$(1)" "$(2)";
MAKEFLAGS += --no-print-directory
endif

.DELETE_ON_ERROR:
.SECONDARY:
.DEFAULT_GOAL := all

# Targets that need root re-run themselves through sudo, or stop clearly.
define need_root
	@if [ "$$(id -u)" -ne 0 ]; then \
		if command -v sudo >/dev/null 2>&1; then \
			echo "make $@: needs root (namespaces, BPF); re-running through sudo"; \
			exec sudo -E $(MAKE) $@; \
		fi; \
		echo "make $@: needs root (network namespaces and BPF) and sudo is not available" >&2; \
		exit 1; \
	fi
endef

BINS :=
LIBS :=
include bpf/bpf.mk
include loader/loader.mk
include userspace/userspace.mk
include l7proxy/l7proxy.mk
include userspace/l4proxy/l4proxy.mk
include tests/tests.mk
include tests/bench/bench.mk

.PHONY: all deps check demo bench install clean help
all: $(BINS)

deps:
	$(Q)./scripts/install-deps.sh

check:
	$(need_root)
	$(Q)./scripts/install-deps.sh
	$(Q)$(MAKE) all tests
	$(Q)BUILD=$(BUILD) ./tests/run.sh

demo:
	$(need_root)
	$(Q)./scripts/install-deps.sh
	$(Q)$(MAKE) all
	$(Q)BUILD=$(BUILD) ./scripts/demo.sh

bench:
	$(need_root)
	$(Q)./scripts/install-deps.sh
	$(Q)$(MAKE) all tests
	$(Q)BUILD=$(BUILD) ./scripts/bench.sh

PREFIX	?= /usr/local
install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/lib/sluice
	install -m 0755 $(BUILD)/sluiced $(BUILD)/sluice $(DESTDIR)$(PREFIX)/sbin/
	install -m 0644 $(BUILD)/bpf/*.bpf.o $(DESTDIR)$(PREFIX)/lib/sluice/

clean:
	$(call msg,CLEAN,$(BUILD))
	$(Q)rm -rf $(BUILD)

help:
	@echo 'sluice make targets:'
	@echo '  all      build sluiced, sluice and the BPF objects into $(BUILD)/'
	@echo '  check    all tests (unit, BPF packet, namespaces); needs root'
	@echo '  demo     end-to-end demo in network namespaces; needs root'
	@echo '  bench    benchmarks against their peers; needs root'
	@echo '  deps     install the Debian packages the project needs'
	@echo '  install  install binaries under PREFIX ($(PREFIX))'
	@echo '  clean    remove $(BUILD)/'
	@echo 'Variables: V=1 (show commands), TESTS="name ..." (subset for check)'

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
