# Included by native/Makefile (or run `make -C native/rules`): the rule engine's C shim
# native/build/libfennec_rules.so (Vectorscan batch scan + PCRE2 match helpers).
FENNEC_RULES_DIR := $(dir $(lastword $(MAKEFILE_LIST)))rules
.PHONY: rules-shim
rules-shim:
	$(MAKE) -C $(FENNEC_RULES_DIR)
