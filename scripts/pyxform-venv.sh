#!/usr/bin/env bash
# Installs pyxform, at the pinned version, in a virtualenv under the cargo target dir
# (created on first use, reinstalled when the pin changes) and prints the path of its
# xls2xform on standard output. campo-xlsform's pyxform test runs that xls2xform on every
# XLSForm that write_xlsform produces; it finds it at target/venv-pyxform/bin/xls2xform or
# through CAMPO_XLS2XFORM:
#
#   export CAMPO_XLS2XFORM=$(scripts/pyxform-venv.sh)
#
# Needs python3 with the venv module (Debian: python3-venv). Progress goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

PYXFORM_VERSION=4.5.0

target_dir=${CARGO_TARGET_DIR:-$PWD/target}
venv=$target_dir/venv-pyxform
installed=$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("pyxform"))' 2>/dev/null || true)
if [ "$installed" != "$PYXFORM_VERSION" ] || [ ! -x "$venv/bin/xls2xform" ]; then
  echo "pyxform-venv.sh: installing pyxform $PYXFORM_VERSION in $venv" >&2
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "pyxform==$PYXFORM_VERSION" >&2
fi
echo "$venv/bin/xls2xform"
