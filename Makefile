# The two commands of the README.
.PHONY: demo test
demo:
	cargo run --quiet -p foundry-cli --bin foundry -- demo

test:
	bash scripts/test.sh
