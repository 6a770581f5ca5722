# The client's downloads through the PowerSync protocol: their benchmark
# (tests/bench/bench_download.sh).
$(BUILD)/tests/bench_download: tests/bench/bench_download.c $(GENERATED_C) $(BUILD)/src/util/fsutil.o $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) -Igenerated $(ALL_CFLAGS) -O2 $< $(GENERATED_C) $(BUILD)/src/util/fsutil.o \
	    $(LIB_A) -o $@ $(LDLIBS)

# The C device of the mixed-client convergence test (tests/integration/convergence.sh).
$(BUILD)/tests/convergence_device: tests/integration/convergence_device.c $(GENERATED_C) \
                                   $(BUILD)/src/util/fsutil.o $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) -Igenerated $(ALL_CFLAGS) -Werror $(LDFLAGS) $< $(GENERATED_C) \
	    $(BUILD)/src/util/fsutil.o $(LIB_A) -o $@ $(LDLIBS)

test test-build: $(BUILD)/tests/convergence_device
