#!/usr/bin/env bash
# Installs the build tools `make run` needs, skipping each one already present at
# the pinned version. Nothing here downloads from outside the package registries:
# cargo-leptos and the wasm-bindgen CLI are built from their crates.io sources,
# wasm-opt and Tailwind come from npm, Chromium from Debian.
#   --browser   also make sure Chromium and a CJK font are there (for `make test`)
#   --lint      only the lint tools (cargo-machete, cargo-deny; for `make lint`)
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.11
WASM_BINDGEN_VERSION=0.2.130
CARGO_MACHETE_VERSION=0.9.2
CARGO_DENY_VERSION=0.20.2

step() { printf '\n==> %s\n' "$*"; }

# The lint tools install as published (`--locked`); cargo-deny is a long build, once.
if [ "${1:-}" = "--lint" ]; then
  if [ "$(cargo machete --version 2>/dev/null)" != "$CARGO_MACHETE_VERSION" ]; then
    step "installing cargo-machete $CARGO_MACHETE_VERSION"
    cargo install --locked "cargo-machete@$CARGO_MACHETE_VERSION"
  fi
  if [ "$(cargo deny --version 2>/dev/null | awk '{print $2}')" != "$CARGO_DENY_VERSION" ]; then
    step "installing cargo-deny $CARGO_DENY_VERSION (once; 20-35 minutes on 2 cores)"
    cargo install --locked "cargo-deny@$CARGO_DENY_VERSION"
  fi
  exit 0
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# Builds a crate from its registry source with one dependency held back, because
# `cargo install --locked NAME` of these versions fails on Rust 1.95 (see README).
build_from_source() {
  local name=$1 version=$2 dep=$3 dep_version=$4
  step "building $name $version from source (once; 10-15 minutes on 2 cores)"
  cargo info "$name@$version" >/dev/null
  local src work
  src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/"$name-$version" | head -n 1)
  work=$(mktemp -d)
  cp -r "$src" "$work/src"
  (cd "$work/src" && cargo update -p "$dep" --precise "$dep_version" && cargo install --locked --path .)
  rm -rf "$work"
}

if [ "$(cargo leptos --version 2>/dev/null | awk '{print $2}')" != "$CARGO_LEPTOS_VERSION" ]; then
  build_from_source cargo-leptos "$CARGO_LEPTOS_VERSION" cargo-util-schemas 0.14.1
fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  build_from_source wasm-bindgen-cli "$WASM_BINDGEN_VERSION" webpki-roots 1.0.10
fi

if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -x node_modules/.bin/tailwindcss ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "installing npm packages (wasm-opt, Tailwind CLI, Playwright)"
  npm ci --no-audit --no-fund
fi

# The WeChat Pay SDK the integration tests hold our client and sandbox against.
if ! python3 -c 'import wechatpayv3, sys; sys.exit(wechatpayv3.__version__ != "2.0.4")' 2>/dev/null; then
  step "installing the wechatpayv3 SDK (PyPI) for the WeChat Pay cross-check test"
  python3 -m pip install --quiet wechatpayv3==2.0.4
fi

if [ "${1:-}" = "--browser" ]; then
  chromium=${CHROMIUM_PATH:-/usr/bin/chromium}
  if [ ! -x "$chromium" ] || ! fc-list 2>/dev/null | grep -qi -e "WenQuanYi" -e "Noto Sans CJK"; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      step "installing Debian's Chromium, a CJK font and an emoji font for the browser tests"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei fonts-noto-color-emoji
    else
      echo "The browser tests need Chromium and a CJK font: sudo apt-get install chromium fonts-wqy-microhei" >&2
      echo "(or set CHROMIUM_PATH to a Chromium binary)" >&2
      exit 1
    fi
  fi
  # Optional: the emoji font only makes screenshots show the H5's ✅ / ❌ as phones do.
  if ! fc-list 2>/dev/null | grep -qi "Noto Color Emoji"; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      step "installing an emoji font for the browser screenshots"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-color-emoji || true
    else
      echo "(optional) sudo apt-get install fonts-noto-color-emoji for emoji in screenshots" >&2
    fi
  fi
fi
