# Thin wrappers around the keystage CLI and npm. Every target passes ENDPOINT, REGION, PROFILE and
# PREFIX through when they are set, e.g. `make bootstrap ENDPOINT=http://127.0.0.1:4566` or
# `make bootstrap-plan REGION=eu-west-1 PROFILE=admin`.

KEYSTAGE := node bin/keystage.js
STAGE ?= dev
DESCRIPTION ?=
CONNECTION := $(if $(ENDPOINT),--endpoint $(ENDPOINT)) $(if $(REGION),--region $(REGION)) $(if $(PROFILE),--profile $(PROFILE)) $(if $(PREFIX),--prefix $(PREFIX))

.PHONY: help build bootstrap bootstrap-plan destroy test up deploy-encryption deploy-decryption deploy-deploy clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'
	@echo '  Variables: STAGE (default dev), DESCRIPTION (required by deploy-*), ENDPOINT, REGION, PROFILE, PREFIX'

build: ## Bundle every service into dist/<service>.zip
	$(KEYSTAGE) build

bootstrap-plan: ## Print what bootstrap would create or change, and change nothing
	$(KEYSTAGE) bootstrap --dry-run $(CONNECTION)

bootstrap: ## Create or repair every AWS resource keystage needs (asks for confirmation)
	$(KEYSTAGE) bootstrap $(CONNECTION)

destroy: ## Delete everything bootstrap made and schedule the KMS keys for deletion (asks for confirmation)
	$(KEYSTAGE) destroy $(CONNECTION)

test: ## Run the test suite
	npm test

up: ## Start the local cloud with keystage deployed in it (npm start)
	npm start

deploy-encryption: ## Release the encryption service to STAGE with DESCRIPTION
	$(KEYSTAGE) deploy encryption --stage $(STAGE) --description "$(DESCRIPTION)" $(CONNECTION)

deploy-decryption: ## Release the decryption service to STAGE with DESCRIPTION
	$(KEYSTAGE) deploy decryption --stage $(STAGE) --description "$(DESCRIPTION)" $(CONNECTION)

deploy-deploy: ## Release the deploy service itself to STAGE with DESCRIPTION
	$(KEYSTAGE) deploy deploy --stage $(STAGE) --description "$(DESCRIPTION)" $(CONNECTION)

clean: ## Remove built zips and the local cloud state
	rm -rf dist .keystage
