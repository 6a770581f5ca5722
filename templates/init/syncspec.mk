# Regenerates generated/ whenever the spec changes. Include it from your Makefile:
#   include syncspec.mk
#   all: syncspec-generated
# syncspec writes a depfile, so Make also knows about any templates the output depends on,
# and rewrites only files whose content changes (unchanged outputs keep their mtime).
SYNCSPEC      ?= syncspec
SYNCSPEC_SPEC ?= schemas/app.yaml
SYNCSPEC_OUT  ?= generated

$(SYNCSPEC_OUT)/.stamp: $(SYNCSPEC_SPEC)
	$(SYNCSPEC) generate $(SYNCSPEC_SPEC) -o $(SYNCSPEC_OUT) --depfile $(SYNCSPEC_OUT)/.deps --stamp $@

-include $(SYNCSPEC_OUT)/.deps

.PHONY: syncspec-generated syncspec-check
syncspec-generated: $(SYNCSPEC_OUT)/.stamp

# Fails when generated/ is stale or the spec has errors; run it in CI.
syncspec-check:
	$(SYNCSPEC) generate $(SYNCSPEC_SPEC) -o $(SYNCSPEC_OUT) --check
