#!/usr/bin/env bash
# Regenerates Sources/KMSAPI/Generated from proto/ with protoc and protoc-gen-swift.
# protoc-gen-swift is built from the same swift-protobuf version the package depends on, so the generated code
# always matches the runtime. The output is committed; run this only after changing a .proto file.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v protoc >/dev/null || { echo "protoc not found: apt-get install protobuf-compiler" >&2; exit 1; }

plugin="${PROTOC_GEN_SWIFT:-}"
if [ -z "$plugin" ]; then
  swift build -c release --product protoc-gen-swift >&2
  plugin="$(swift build -c release --show-bin-path)/protoc-gen-swift"
fi

out=Sources/KMSAPI/Generated
rm -rf "$out"
mkdir -p "$out"
protoc -I proto \
  --plugin=protoc-gen-swift="$plugin" \
  --swift_out="$out" \
  --swift_opt=Visibility=Public \
  --swift_opt=FileNaming=PathToUnderscores \
  proto/kms/v1/kms.proto proto/mpc/v1/peer.proto proto/grpc/health/v1/health.proto
echo "generated into $out:" >&2
ls "$out" >&2
