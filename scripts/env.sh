# Sourced by the other scripts: puts the pinned tools on PATH and tells Dart Sass where the
# USWDS packages are.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$HOME/.cargo/bin:$root/node_modules/.bin:$PATH"
export SASS_PATH="$root/node_modules/@uswds/uswds/packages"
