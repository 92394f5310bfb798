#!/usr/bin/env bash
# Installs what building and testing Threshold KMS needs on a fresh Debian (bookworm) machine with Swift:
# the C libraries we wrap (grpc++, argon2, secp256k1, OpenSSL), protoc, valgrind, and the Python tools the
# tests use as independent oracles (grpcio, galois, pycryptodome, eth-account, boto3, cbor2, moto's S3/KMS server).
# Idempotent: installs only what is missing.
set -euo pipefail

apt_packages=(libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc libssl-dev
              libsecp256k1-dev libargon2-dev pkg-config valgrind openssl curl
              nftables iptables libnetfilter-queue-dev)  # the NFQUEUE WAN delay of scripts/wan-testnet.sh
missing=()
for p in "${apt_packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Python oracles and servers (module name = package to install).
declare -A py=( [grpc]=grpcio [grpc_tools]=grpcio-tools [grpc_health]=grpcio-health-checking [grpc_reflection]=grpcio-reflection
                [galois]=galois [eth_account]=eth-account [eth_abi]=eth-abi [cbor2]=cbor2 [Crypto.Hash.TurboSHAKE128]=pycryptodome [boto3]=boto3 [kyber_py]=kyber-py [yaml]=pyyaml [cryptography]=cryptography [moto]="moto[server]" [flask_cors]="moto[server]" )
need=()
for mod in "${!py[@]}"; do
  python3 -c "import $mod" >/dev/null 2>&1 || need+=("${py[$mod]}")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing Python packages: ${need[*]}"
  python3 -m pip install -q "${need[@]}"
fi
echo "setup: dependencies present"
