#!/usr/bin/env bash
# Installs what `kms-bench fhe` needs for its same-run comparison with concrete-python (scripts/bench/concrete_lookup.py):
# concrete-python 2.11.0 and setuptools < 80 for python3 (concrete/__init__.py imports pkg_resources; the benchmarks
# ran with setuptools below 80).
# Idempotent: installs only what is missing or at another version. Not part of CI.
set -euo pipefail

python=${PYTHON:-python3}
if "$python" - <<'EOF' >/dev/null 2>&1
import importlib.metadata as m
assert m.version("concrete-python") == "2.11.0"
assert int(m.version("setuptools").split(".")[0]) < 80
EOF
then
  echo "install-bench-deps: concrete-python 2.11.0 and setuptools<80 present"
  exit 0
fi

packages=("concrete-python==2.11.0" "setuptools<80")
echo "install-bench-deps: installing ${packages[*]} for $("$python" --version 2>&1)"
if ! output=$("$python" -m pip install -q "${packages[@]}" 2>&1); then
  if grep -q "externally-managed-environment" <<<"$output"; then
    # A distribution's Python (PEP 668) refuses plain pip installs; this machine is a development machine.
    "$python" -m pip install -q --break-system-packages "${packages[@]}"
  else
    echo "$output" >&2
    exit 1
  fi
fi
echo "install-bench-deps: done"
