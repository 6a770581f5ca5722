# syncspec serve: its benchmark (tests/bench/bench_serve.sh) talks HTTP with libcurl.
$(BUILD)/tests/bench_serve: tests/bench/bench_serve.c $(GENERATED_C) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) -Igenerated $(ALL_CFLAGS) -O2 $< $(GENERATED_C) $(LIB_A) -o $@ \
	    $(SERVE_LIBS) $(LDLIBS)
