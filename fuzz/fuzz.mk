# fuzz.mk: builds and runs the libFuzzer targets; `make fuzz`, `make
# fuzz-smoke` and `make fuzz-build` call it with the variables below (a
# plain GNU makefile, kept out of automake because its pattern rules are
# what let the clang objects build once, in parallel and incrementally).
#
#   top_srcdir       the source tree
#   FUZZ_SOURCES     the engine's and libtui's own source lists (*.h is
#                    dropped here), so the fuzz build never copies them
#   FUZZ_TARGETS     target names: fuzz/fuzz_NAME.c, corpus NAME
#   FUZZ_CC, FUZZ_CFLAGS (includes), FUZZ_LIBS
#   FUZZ_PKGDATADIR, FUZZ_FONT_DIRS  libtui's two defines, unquoted (a
#                    quoted define does not survive the command line)
#   FUZZ_SECONDS     run time of each target
#
# Each target runs on fuzz/corpus/NAME (build tree, grows) with the
# committed seeds tests/fuzz/corpus/NAME as a second, read-only corpus.
# FUZZ_FLAGS_NAME adds libFuzzer options for one target, FUZZ_SEEDS_NAME
# more read-only seed directories (e.g. a reader's unit-test fixtures).

FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_OBJ = fuzz/obj
FUZZ_DEFS = -DPKGDATADIR='"$(FUZZ_PKGDATADIR)"' -DFONT_DIRS='"$(FUZZ_FONT_DIRS)"'
FUZZ_LIB = fuzz/libfuzzed.a
FUZZ_LIB_OBJS = $(patsubst %.c,$(FUZZ_OBJ)/%.o,$(filter %.c,$(FUZZ_SOURCES)))
# What every target links besides its own file.
FUZZ_UTIL_OBJ = $(FUZZ_OBJ)/fuzz/fuzz_util.o $(FUZZ_OBJ)/fuzz/fuzz_net.o
FUZZ_BINS = $(patsubst %,fuzz/fuzz_%,$(FUZZ_TARGETS))
# A hang is a finding too; and every run prints its figures.
FUZZ_RUN_FLAGS = -timeout=20 -rss_limit_mb=2048 -print_final_stats=1
# CIFAR-10 records are 3073 bytes; a few of them in six files.
FUZZ_FLAGS_cifar = -max_len=32768
# The .npy reader's unit-test fixtures (NumPy-written) seed it too.
FUZZ_SEEDS_npy = $(top_srcdir)/tests/fixtures/npy
# ONNX: the hand-made cases (tests/onnx/make_cases.py) are the committed
# seeds; the PyTorch fixtures seed it too, cut at 64 KiB.
FUZZ_FLAGS_onnx = -max_len=65536
FUZZ_SEEDS_onnx = $(top_srcdir)/tests/onnx/fixtures

.PHONY: build run
# Keep the objects make sees as intermediate (the targets' own).
.SECONDARY:
build: $(FUZZ_BINS)

$(FUZZ_OBJ)/%.o: $(top_srcdir)/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_DEFS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -MMD -MP \
		-c $< -o $@

# The fuzz net's cfg as a C string (fuzz/fuzz_net.c includes it).
fuzz/fuzz_net_cfg.inc: $(top_srcdir)/tests/fuzz/fuzz_net.cfg
	@mkdir -p fuzz
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/.*/"&\\n"/' $< > $@
$(FUZZ_OBJ)/fuzz/fuzz_net.o: fuzz/fuzz_net_cfg.inc

$(FUZZ_LIB): $(FUZZ_LIB_OBJS)
	rm -f $@
	ar rcs $@ $(FUZZ_LIB_OBJS)

fuzz/fuzz_%: $(FUZZ_OBJ)/fuzz/fuzz_%.o $(FUZZ_UTIL_OBJ) $(FUZZ_LIB)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer $^ $(FUZZ_LIBS) -o $@

# One target after the other, one process each: the machine is shared.
define FUZZ_RUN_ONE
	@mkdir -p fuzz/corpus/$(1)
	@echo "fuzz: $(1) for $(FUZZ_SECONDS) s"
	@./fuzz/fuzz_$(1) $(FUZZ_RUN_FLAGS) $(FUZZ_FLAGS_$(1)) \
		-max_total_time=$(FUZZ_SECONDS) -artifact_prefix=fuzz/crash-$(1)- \
		fuzz/corpus/$(1) $(top_srcdir)/tests/fuzz/corpus/$(1) $(FUZZ_SEEDS_$(1)) \
		> fuzz/$(1).log 2>&1 || { tail -n 60 fuzz/$(1).log; \
		echo "fuzz: $(1) FAILED (fuzz/$(1).log, fuzz/crash-$(1)-*)"; exit 1; }
	@grep -E '^stat::number_of_executed_units|^Done ' fuzz/$(1).log | tr '\n' ' '; echo

endef

run: build
	$(foreach t,$(FUZZ_TARGETS),$(call FUZZ_RUN_ONE,$(t)))

-include $(FUZZ_LIB_OBJS:.o=.d) $(FUZZ_UTIL_OBJ:.o=.d) \
	$(patsubst %,$(FUZZ_OBJ)/fuzz/fuzz_%.d,$(FUZZ_TARGETS))
