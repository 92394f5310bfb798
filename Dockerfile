# syntax=docker/dockerfile:1
# Threshold KMS image: kms-server, kms-core-client and kms-gen-tls-certs (release build) in /usr/local/bin, run
# as the unprivileged user kms (uid 10001), with /certs, /data and /vault owned by it (docker-compose.yml mounts
# volumes there). Build: docker build -t threshold-kms:local .   (or docker compose build)
# Only Package.swift, Package.resolved (when present), Sources/, Tests/ and proto/ are copied from the context.

ARG SWIFT_VERSION=6.3

# ---- build: the Swift toolchain on Debian bookworm plus the Debian packages scripts/setup.sh installs
FROM swift:${SWIFT_VERSION}-bookworm AS build
RUN export DEBIAN_FRONTEND=noninteractive \
 && apt-get update -q \
 && apt-get install -y -q --no-install-recommends \
      libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc libssl-dev \
      libsecp256k1-dev libargon2-dev pkg-config valgrind openssl curl \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Package.resolved is not committed (.gitignore); the wildcard copies it when the context has one.
COPY Package.swift Package.resolved* ./
COPY Sources ./Sources
COPY Tests ./Tests
COPY proto ./proto
RUN swift build -c release --product kms-server \
 && swift build -c release --product kms-core-client \
 && swift build -c release --product kms-gen-tls-certs \
 && mkdir -p /out \
 && bin="$(swift build -c release --show-bin-path)" \
 && cp "$bin/kms-server" "$bin/kms-core-client" "$bin/kms-gen-tls-certs" /out/

# ---- runtime: Debian bookworm with the run-time libraries only, and the Swift runtime of the toolchain
FROM debian:bookworm-slim
RUN export DEBIAN_FRONTEND=noninteractive \
 && apt-get update -q \
 && apt-get install -y -q --no-install-recommends \
      libgrpc++1.51 libsecp256k1-1 libargon2-1 libssl3 libcurl4 libxml2 tzdata ca-certificates \
      openssl curl jq \
 && rm -rf /var/lib/apt/lists/*
# The binaries find the Swift runtime at the toolchain's path (/usr/lib/swift/linux, their RUNPATH).
COPY --from=build /usr/lib/swift/linux/*.so /usr/lib/swift/linux/
# Swift's crash backtracer (what the official slim image ships next to the runtime).
COPY --from=build /usr/libexec/swift/linux/ /usr/libexec/swift/linux/
RUN echo /usr/lib/swift/linux >/etc/ld.so.conf.d/swift.conf && ldconfig
COPY --from=build /out/ /usr/local/bin/
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/kms kms \
 && mkdir -p /certs /data /vault /config \
 && chown kms:kms /certs /data /vault \
 && chmod 0700 /data /vault \
 && kms-server --version && kms-core-client --version && kms-gen-tls-certs --help >/dev/null
USER kms
WORKDIR /home/kms
EXPOSE 22001-22004
CMD ["kms-server", "--config", "/config/core.toml"]
