# Convenience targets. The service targets need root; sudo is used unless already root.
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
MANAGER := ./service-manager.sh

.PHONY: install update uninstall status build test check-install

install:
	$(SUDO) $(MANAGER) install

update:
	$(SUDO) $(MANAGER) update

uninstall:
	$(SUDO) $(MANAGER) uninstall

status:
	$(SUDO) $(MANAGER) status

build:
	npm run build

test:
	npm test

# A real install (npm ci, build, prune) into a staging root, then checks; takes minutes.
check-install:
	scripts/full-install-check.sh "$$(mktemp -d)"
