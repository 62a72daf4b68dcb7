#!/usr/bin/env bash
# Builds LightGBM's shared library from the pinned PyPI source distribution, then our node-addon-api binding.
#
#   bash libs/lightgbm/scripts/build.sh        (also run by tools/setup/postinstall.js on `npm ci`)
#
# Output (git-ignored):
#   libs/lightgbm/vendor/lib/lib_lightgbm.so          LightGBM, Release, OpenMP
#   libs/lightgbm/vendor/include/LightGBM/*.h         the C API headers of the same sdist
#   libs/lightgbm/build/Release/lightgbm_node.node    the addon (rpath $ORIGIN/../../vendor/lib)
#
# Both steps are cached: LightGBM is rebuilt only when the pinned version/checksum changes, the addon only when its
# sources, binding.gyp, Node's version or the library change. Nothing prebuilt is downloaded: pip fetches only the
# LightGBM sdist (its metadata step may pull the Python build backend into pip's own throw-away environment).
# Heavy (minutes on 2 cores): callers sharing a machine should wrap it in `flock /tmp/heavy.lock`.
set -euo pipefail

LIGHTGBM_VERSION="4.7.0"
LIGHTGBM_SDIST_SHA256="f8e20f682c9aabd000bcf4a7ed8aa6f473c1adfecccae34ec24e823d156f4af0"
JOBS="${LIGHTGBM_BUILD_JOBS:-2}"

lib_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="$(cd "$lib_dir/../.." && pwd)"
vendor="$lib_dir/vendor"
say() { echo "[lightgbm] $*"; }

# --- 1. one clear message when a build tool is missing (checked only for the step that has work to do) -------------
python_bin="${PYTHON:-$(command -v python3 || true)}"
require_tools() {  # $1 = what is being built; then the tools it needs
  local what="$1" missing=()
  shift
  for tool in "$@"; do
    case "$tool" in
      python) [ -n "$python_bin" ] && "$python_bin" -m pip --version >/dev/null 2>&1 || missing+=("python3 with pip") ;;
      cxx) { command -v c++ || command -v g++ || command -v clang++; } >/dev/null 2>&1 || missing+=("a C++17 compiler (g++ or clang++)") ;;
      cmake) command -v cmake >/dev/null 2>&1 || missing+=("cmake (>= 3.25)") ;;
      *) command -v "$tool" >/dev/null 2>&1 || missing+=("$tool") ;;
    esac
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    local list
    list="$(printf '%s, ' "${missing[@]}")"
    echo "[lightgbm] cannot build $what: missing ${list%, }. Install them (Debian/Ubuntu: apt-get install python3 python3-pip cmake make g++), then re-run: bash libs/lightgbm/scripts/build.sh" >&2
    exit 1
  fi
}

# --- 2. LightGBM from the pinned sdist (cached by version + checksum) ----------------------------------------------
stamp="$vendor/.lightgbm-build"
want_stamp="lightgbm==${LIGHTGBM_VERSION} sha256=${LIGHTGBM_SDIST_SHA256}"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want_stamp" ] && [ -f "$vendor/lib/lib_lightgbm.so" ] \
   && [ -f "$vendor/include/LightGBM/c_api.h" ]; then
  say "lib_lightgbm.so ${LIGHTGBM_VERSION} is up to date (vendor/), not rebuilding"
else
  require_tools "LightGBM ${LIGHTGBM_VERSION} from source" python cmake make cxx tar sha256sum
  work="$(mktemp -d "${TMPDIR:-/tmp}/lightgbm-build.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  say "downloading the lightgbm==${LIGHTGBM_VERSION} source distribution"
  "$python_bin" -m pip download --quiet --disable-pip-version-check --no-deps --no-binary lightgbm \
    "lightgbm==${LIGHTGBM_VERSION}" -d "$work/dl"
  sdist="$work/dl/lightgbm-${LIGHTGBM_VERSION}.tar.gz"
  [ -f "$sdist" ] || { echo "[lightgbm] pip did not produce $sdist (got: $(ls "$work/dl"))" >&2; exit 1; }
  got="$(sha256sum "$sdist" | cut -d' ' -f1)"
  if [ "$got" != "$LIGHTGBM_SDIST_SHA256" ]; then
    echo "[lightgbm] checksum mismatch for $(basename "$sdist"): expected $LIGHTGBM_SDIST_SHA256, got $got" >&2
    exit 1
  fi
  tar -xzf "$sdist" -C "$work"
  src="$work/lightgbm-${LIGHTGBM_VERSION}"
  [ -f "$src/CMakeLists.txt" ] || { echo "[lightgbm] no CMakeLists.txt at the top of the sdist" >&2; exit 1; }

  # The sdist asks for CMake 3.28 because its Python build pulls a recent CMake wheel; the C library itself only
  # uses features CMake 3.25 (Debian 12) has, so accept the system CMake instead of downloading a binary one.
  sed -i -E 's/cmake_minimum_required\(VERSION 3\.2[5-9]\)/cmake_minimum_required(VERSION 3.25)/' "$src/CMakeLists.txt"

  say "building lib_lightgbm.so (Release, OpenMP, ${JOBS} jobs; takes a few minutes)"
  cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DUSE_OPENMP=ON -DBUILD_CLI=OFF \
    -DINSTALL_HEADERS=OFF -DBUILD_CPP_TEST=OFF > "$work/cmake-configure.log" 2>&1 \
    || { cat "$work/cmake-configure.log" >&2; echo "[lightgbm] cmake configure failed" >&2; exit 1; }
  cmake --build "$work/build" --target _lightgbm -j "$JOBS" > "$work/cmake-build.log" 2>&1 \
    || { tail -50 "$work/cmake-build.log" >&2; echo "[lightgbm] LightGBM compilation failed" >&2; exit 1; }
  built="$(find "$src" "$work/build" -name lib_lightgbm.so -type f | head -1)"
  [ -n "$built" ] || { echo "[lightgbm] the build produced no lib_lightgbm.so" >&2; exit 1; }

  rm -rf "$vendor"
  mkdir -p "$vendor/lib" "$vendor/include/LightGBM"
  cp "$built" "$vendor/lib/lib_lightgbm.so"
  # c_api.h includes export.h and arrow.h (older releases also arrow.tpp): keep them from the same sdist.
  for h in c_api.h export.h arrow.h arrow.tpp; do
    [ -f "$src/include/LightGBM/$h" ] && cp "$src/include/LightGBM/$h" "$vendor/include/LightGBM/"
  done
  cp "$src/LICENSE" "$vendor/LICENSE.lightgbm"
  echo "$want_stamp" > "$stamp"
  say "installed vendor/lib/lib_lightgbm.so"
fi

# --- 3. the node-addon-api binding (cached by a hash of its inputs) ------------------------------------------------
addon="$lib_dir/build/Release/lightgbm_node.node"
addon_stamp="$lib_dir/build/.inputs.sha256"
inputs_hash="$( { cat "$lib_dir/binding.gyp" "$lib_dir"/src/native/*.cc "$lib_dir"/src/native/*.h 2>/dev/null; node --version;
  sha256sum "$vendor/lib/lib_lightgbm.so"; } | sha256sum | cut -d' ' -f1)"
if [ -f "$addon" ] && [ -f "$addon_stamp" ] && [ "$(cat "$addon_stamp")" = "$inputs_hash" ]; then
  say "addon is up to date (build/Release/lightgbm_node.node), not rebuilding"
  exit 0
fi
require_tools "the LightGBM Node addon" node make cxx
node_gyp="$root/node_modules/node-gyp/bin/node-gyp.js"
[ -f "$node_gyp" ] || { echo "[lightgbm] node-gyp is not installed at the root: run npm ci first" >&2; exit 1; }
# npm passes its `nodedir` config (=/usr here: Debian's Node headers, so no header download) to install scripts as
# npm_config_nodedir; when run by hand, ask npm for it.
nodedir="${npm_config_nodedir:-$(cd "$root" && npm config get nodedir 2>/dev/null || true)}"
gyp_args=(rebuild --directory "$lib_dir" --jobs "$JOBS")
[ -n "$nodedir" ] && [ "$nodedir" != "undefined" ] && gyp_args+=("--nodedir=$nodedir")
say "building the addon with node-gyp"
node "$node_gyp" "${gyp_args[@]}" > "$lib_dir/build-addon.log" 2>&1 \
  || { tail -40 "$lib_dir/build-addon.log" >&2; echo "[lightgbm] addon build failed (full log: libs/lightgbm/build-addon.log)" >&2; exit 1; }
rm -f "$lib_dir/build-addon.log"
echo "$inputs_hash" > "$addon_stamp"
say "built build/Release/lightgbm_node.node"
