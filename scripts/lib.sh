# Shared helpers for Soundmind's set-up scripts. Sourced, not run.

# apt_install PKG...: installs Debian/Ubuntu packages that are missing, idempotently.
# Waits for the dpkg lock (another apt run, unattended-upgrades) and retries, rather than failing.
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "soundmind: installing ${missing[*]}" >&2
  local attempt
  for attempt in 1 2 3 4 5 6; do
    if $sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq &&
       $sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}"; then
      return 0
    fi
    echo "soundmind: apt-get failed (attempt $attempt); retrying in $((attempt * 10)) s" >&2
    sleep $((attempt * 10))
  done
  echo "soundmind: could not install ${missing[*]}" >&2
  return 1
}

# ensure_rust: makes sure cargo is on PATH (rustup reads rust-toolchain.toml for the pinned version).
ensure_rust() {
  [ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
  if ! command -v cargo >/dev/null 2>&1; then
    apt_install curl ca-certificates
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    . "$HOME/.cargo/env"
  fi
}

# The system packages Soundmind builds against: a C/C++ toolchain and CMake for whisper.cpp/llama.cpp, libclang
# for their bindings, D-Bus for the keychain, libopus for browser audio.
BUILD_PACKAGES=(build-essential pkg-config cmake clang libclang-dev libdbus-1-dev libopus-dev libasound2-dev)

# What the tests need on top: ffmpeg makes every audio format from one signal, espeak-ng and sox make speech,
# chromium runs the browser UI's tests (driven from node, see scripts/browser-deps).
TEST_PACKAGES=(ffmpeg espeak-ng sox tmux chromium)

# Everything Soundmind caches outside the clone (build output, test models).
SOUNDMIND_CACHE="${SOUNDMIND_CACHE:-$HOME/.cache/soundmind}"

# install_browser_driver: what crates/soundmind/tests/web.rs drives Chromium with. Debian's chromium comes from
# TEST_PACKAGES; this adds node (Debian's nodejs and npm, only when no node is on PATH) and playwright-core, pinned
# by tests/browser/package-lock.json, installed with `npm ci` once per lock file into
# $SOUNDMIND_CACHE/browser/<hash of the lock>. Exports SOUNDMIND_BROWSER_MODULES (that node_modules folder; the
# tests pass it to node as NODE_PATH). Idempotent: a second run with the same lock only checks the folder.
install_browser_driver() {
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  command -v node >/dev/null 2>&1 || apt_install nodejs npm
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  if [ "$major" -lt 20 ]; then
    echo "soundmind: the browser tests need node 20 or later (playwright-core); found $(node --version)" >&2
    return 1
  fi
  local lock="$root/tests/browser/package-lock.json"
  local dir
  dir="$SOUNDMIND_CACHE/browser/$(sha256sum "$lock" | cut -c1-16)"
  if [ ! -f "$dir/node_modules/playwright-core/package.json" ]; then
    echo "soundmind: installing the browser-test driver into $dir" >&2
    rm -rf "$dir.tmp"
    mkdir -p "$dir.tmp"
    cp "$root/tests/browser/package.json" "$lock" "$dir.tmp/"
    local attempt
    for attempt in 1 2 3; do
      if (cd "$dir.tmp" && npm ci --no-audit --no-fund --ignore-scripts --prefer-offline >&2); then
        break
      fi
      [ "$attempt" -eq 3 ] && { echo "soundmind: npm ci failed" >&2; return 1; }
      echo "soundmind: npm ci failed (attempt $attempt); retrying in $((attempt * 10)) s" >&2
      sleep $((attempt * 10))
    done
    rm -rf "$dir"
    mv "$dir.tmp" "$dir"
  fi
  export SOUNDMIND_BROWSER_MODULES="$dir/node_modules"
}
