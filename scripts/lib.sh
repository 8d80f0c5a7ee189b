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
