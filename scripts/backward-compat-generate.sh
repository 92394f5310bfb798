#!/usr/bin/env bash
# Writes this version's data to backward-compat/data/<version>/ (FHE keys and ciphertexts at the test parameters,
# vault objects with their root key, a PRSS epoch record, signed results, a user-decryption share, an audit log,
# the configs) so that BackwardCompatTests load it in every later version. Run it once per released version and
# commit the directory; every key in there is a throwaway test key.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'
  echo "Usage: scripts/backward-compat-generate.sh"
  exit 0
fi
swift build --build-tests
KMS_WRITE_BACKWARD_COMPAT=1 swift test --skip-build --filter "BackwardCompatTests/writeThisVersionsData"
echo "backward-compat: wrote backward-compat/data/$(ls -t backward-compat/data | head -1); check it in with git add backward-compat/data"
