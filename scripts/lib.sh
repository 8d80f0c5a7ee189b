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
# for their bindings, D-Bus for the keychain, libopus for browser audio, ALSA for the microphone, and GTK 3 with
# WebKitGTK 4.1 for the desktop window (librsvg for its icons, libxdo for its menu; `file` for the bundler).
BUILD_PACKAGES=(build-essential pkg-config cmake clang libclang-dev libdbus-1-dev libopus-dev libasound2-dev
  libwebkit2gtk-4.1-dev librsvg2-dev libxdo-dev file)

# What the tests need on top: ffmpeg makes every audio format from one signal, espeak-ng and sox make speech,
# chromium runs the browser UI's tests (driven from node, see scripts/browser-deps); the desktop tests run the window
# on Xvfb, press keys with xdotool, take screenshots with ImageMagick and need a session D-Bus for single-instance.
TEST_PACKAGES=(ffmpeg espeak-ng sox tmux chromium xvfb xdotool imagemagick dbus-daemon python3)

# Everything Soundmind caches outside the clone (build output, test models).
SOUNDMIND_CACHE="${SOUNDMIND_CACHE:-$HOME/.cache/soundmind}"

# npm_ci_cached SRC NAME: installs the npm packages pinned by SRC/package-lock.json once per lock file into
# $SOUNDMIND_CACHE/NAME/<hash of the lock> (never into the clone) and prints that folder's node_modules. Adds node
# (Debian's nodejs and npm) only when none is on PATH. Idempotent: a second run with the same lock only checks.
npm_ci_cached() {
  local src="$1" name="$2"
  command -v node >/dev/null 2>&1 || apt_install nodejs npm
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  if [ "$major" -lt 20 ]; then
    echo "soundmind: $name needs node 20 or later; found $(node --version)" >&2
    return 1
  fi
  local dir
  dir="$SOUNDMIND_CACHE/$name/$(sha256sum "$src/package-lock.json" | cut -c1-16)"
  if [ ! -f "$dir/.installed" ]; then
    echo "soundmind: installing $name into $dir" >&2
    rm -rf "$dir.tmp"
    mkdir -p "$dir.tmp"
    cp "$src/package.json" "$src/package-lock.json" "$dir.tmp/"
    local attempt
    for attempt in 1 2 3; do
      if (cd "$dir.tmp" && npm ci --no-audit --no-fund --ignore-scripts --prefer-offline >&2); then
        break
      fi
      [ "$attempt" -eq 3 ] && { echo "soundmind: npm ci failed" >&2; return 1; }
      echo "soundmind: npm ci failed (attempt $attempt); retrying in $((attempt * 10)) s" >&2
      sleep $((attempt * 10))
    done
    touch "$dir.tmp/.installed"
    rm -rf "$dir"
    mv "$dir.tmp" "$dir"
  fi
  echo "$dir/node_modules"
}

# install_browser_driver: what crates/soundmind/tests/web.rs drives Chromium with (Debian's chromium comes from
# TEST_PACKAGES): playwright-core pinned by tests/browser/package-lock.json. Exports SOUNDMIND_BROWSER_MODULES
# (that node_modules folder; the tests pass it to node as NODE_PATH).
install_browser_driver() {
  local root modules
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  modules="$(npm_ci_cached "$root/tests/browser" browser)"
  export SOUNDMIND_BROWSER_MODULES="$modules"
}

# install_tauri_cli: the Tauri CLI, prebuilt from npm (@tauri-apps/cli, pinned by packaging/package-lock.json), for
# the desktop app's packages and icons. Exports TAURI_CLI (its `tauri` command).
install_tauri_cli() {
  local root modules
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  modules="$(npm_ci_cached "$root/packaging" tauri-cli)"
  export TAURI_CLI="$modules/.bin/tauri"
}
