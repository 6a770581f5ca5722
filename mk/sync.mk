# libsyncspec's sync core: the two-devices example (make example-two-devices).
TWO_DEVICES_GEN := $(BUILD)/two_devices_gen

$(TWO_DEVICES_GEN)/app_schema.c: $(BIN) schemas/app.yaml
	$(BIN) generate schemas/app.yaml -o $(TWO_DEVICES_GEN) >/dev/null

$(BUILD)/examples/two_devices: examples/two_devices/main.c $(TWO_DEVICES_GEN)/app_schema.c $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) -I$(TWO_DEVICES_GEN) $(ALL_CFLAGS) $(LDFLAGS) $< \
	    $(TWO_DEVICES_GEN)/app_schema.c $(LIB_A) -o $@ $(LDLIBS)

.PHONY: example-two-devices
example-two-devices: $(BUILD)/examples/two_devices
	examples/two_devices/run.sh $(BUILD)
