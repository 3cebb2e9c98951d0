# Conveniences around the cargo commands the README shows. `just` is optional.

# Serve on the embedded SQLite default (127.0.0.1:8080).
run:
    cargo run --release

# Every test: unit, SQLite and PostgreSQL (needs a server; see README).
test:
    cargo test --workspace

# What CI enforces.
lint:
    cargo fmt --all --check
    cargo clippy --workspace --all-targets -- -D warnings

# Regenerate the checked-in OpenAPI document.
openapi:
    cargo run -q -p sesame-server -- openapi > openapi/openapi.json

# Swagger UI used as a person uses it, in headless Chromium (installs chromium if missing).
e2e:
    bash e2e/swagger-ui/run.sh

# Fuzz every target for SECONDS each (not in CI; installs cargo-fuzz if missing).
# Crashing inputs land in fuzz/artifacts/<target>/.
fuzz SECONDS="60":
    command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz --version 0.13.2
    cd fuzz && for target in $(RUSTC_BOOTSTRAP=1 cargo fuzz list); do \
        RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" -- -max_total_time={{SECONDS}} || exit 1; \
    done
