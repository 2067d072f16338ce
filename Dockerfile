# syntax=docker/dockerfile:1
#
# mta: Postfix (+ Dovecot, + amavis/SpamAssassin/ClamAV/DKIM) with TypeScript sidecars, supervised by runit.
#
#   docker build --target mini -t mta:mini .     postfix, seed, guard, metrics, nats-server, haproxy (PROXY gate), postsrsd (SRS), CLI
#   docker build --target base -t mta:base .     + dovecot (SASL, IMAP/POP3, LMTP), acme-watch, sender-milter
#   docker build -t mta:full .                   + amavis, SpamAssassin, Razor, ClamAV, DKIM, spamd-learn (default)
#
# Without a registry (this repo's CI, offline hosts): scripts/build-image creates stand-ins for the two base images
# and builds every target with buildah.
#
# Stage layout, chosen for layer caching and for VOLUME semantics:
#   <variant>-pkgs   Debian packages only, each variant on top of the previous one (slow, rarely changes);
#   files-<variant>  our files only (node, compiled sidecars, image/), on scratch;
#   <variant>-root   pkgs + files + `image-setup <variant>` (pristine configs, /srv layout, users);
#   <variant>        final metadata (VOLUME, HEALTHCHECK, ENTRYPOINT, labels).
# A change to image/ or the sidecars rebuilds only the last steps; no RUN step ever writes below an already declared
# VOLUME (the classic builder would silently drop such writes).

# The Debian release, named here once: scripts/build-image, scripts/install-deps and the test runner read this line
# (docs/image.md lists what it ships). `--build-arg DEBIAN_RELEASE=bookworm` builds the previous release, Debian 12.
ARG DEBIAN_RELEASE=trixie
ARG DEBIAN_IMAGE=debian:${DEBIAN_RELEASE}-slim
ARG NODE_IMAGE=node:24-${DEBIAN_RELEASE}-slim

#
# node: the Node 24 runtime taken from the official image.
#
FROM ${NODE_IMAGE} AS node

#
# builder: compile the workspaces (tsc) and bundle the long-running sidecars; only dist/ and bundle/ reach the images.
#
FROM node AS builder
ARG NODE_EXTRA_CA_CERTS
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
WORKDIR /build
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY sidecars/seed/package.json sidecars/seed/
COPY sidecars/dkim-keys/package.json sidecars/dkim-keys/
COPY sidecars/acme-watch/package.json sidecars/acme-watch/
COPY sidecars/spamd-learn/package.json sidecars/spamd-learn/
COPY sidecars/guard/package.json sidecars/guard/
COPY sidecars/metrics/package.json sidecars/metrics/
COPY sidecars/sender-milter/package.json sidecars/sender-milter/
COPY sidecars/dmarc-reports/package.json sidecars/dmarc-reports/
COPY sidecars/arc-milter/package.json sidecars/arc-milter/
COPY sidecars/mta-sts/package.json sidecars/mta-sts/
COPY cli/package.json cli/
COPY test/package.json test/
COPY bench/package.json bench/
# --ignore-scripts: tsc needs no install scripts (the `node` devDependency would otherwise fetch a second Node).
RUN npm ci --ignore-scripts
COPY tsconfig.base.json tsconfig.build.json ./
COPY scripts/bundle-sidecars.mjs scripts/
COPY shared shared
COPY sidecars sidecars
COPY cli cli
RUN npm run build \
 && npm run bundle \
 && mkdir -p /out \
 && for p in shared cli sidecars/*; do \
      mkdir -p "/out/$p" && cp "$p/package.json" "/out/$p/" \
      && if [ -d "$p/dist" ]; then cp -r "$p/dist" "/out/$p/"; fi \
      && if [ -d "$p/bundle" ]; then cp -r "$p/bundle" "/out/$p/"; fi; \
    done \
 && find /out -name '*.map' -delete \
 && find /out -name '*.d.ts' -delete

#
# prod-deps: production dependencies only, installed from the lock file.
#
FROM node AS prod-deps
ARG NODE_EXTRA_CA_CERTS
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
WORKDIR /opt/mta
COPY --from=builder /build/package.json /build/package-lock.json ./
COPY --from=builder /build/shared/package.json shared/
COPY --from=builder /build/sidecars/seed/package.json sidecars/seed/
COPY --from=builder /build/sidecars/dkim-keys/package.json sidecars/dkim-keys/
COPY --from=builder /build/sidecars/acme-watch/package.json sidecars/acme-watch/
COPY --from=builder /build/sidecars/spamd-learn/package.json sidecars/spamd-learn/
COPY --from=builder /build/sidecars/guard/package.json sidecars/guard/
COPY --from=builder /build/sidecars/metrics/package.json sidecars/metrics/
COPY --from=builder /build/sidecars/sender-milter/package.json sidecars/sender-milter/
COPY --from=builder /build/sidecars/dmarc-reports/package.json sidecars/dmarc-reports/
COPY --from=builder /build/sidecars/arc-milter/package.json sidecars/arc-milter/
COPY --from=builder /build/sidecars/mta-sts/package.json sidecars/mta-sts/
COPY --from=builder /build/cli/package.json cli/
COPY --from=builder /build/test/package.json test/
COPY --from=builder /build/bench/package.json bench/
RUN npm ci --omit=dev --ignore-scripts \
      -w shared -w sidecars/seed -w sidecars/dkim-keys -w sidecars/acme-watch -w sidecars/spamd-learn -w sidecars/guard -w sidecars/metrics -w sidecars/sender-milter -w sidecars/dmarc-reports -w sidecars/arc-milter -w sidecars/mta-sts -w cli \
 && rm -rf node_modules/@mta node_modules/.package-lock.json test bench \
 && mkdir -p node_modules/@mta \
 && for p in shared cli sidecars/seed sidecars/dkim-keys sidecars/acme-watch sidecars/spamd-learn sidecars/guard sidecars/metrics sidecars/sender-milter sidecars/dmarc-reports sidecars/arc-milter sidecars/mta-sts; do \
      ln -s "../../$p" "node_modules/@mta/${p##*/}"; \
    done \
 && find node_modules \( -name '*.md' -o -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' \
      -o -name 'CHANGELOG*' -o -name '.github' \) -prune -exec rm -rf {} + \
 && rm -f package-lock.json

#
# Debian packages per variant.
#
FROM ${DEBIAN_IMAGE} AS mini-pkgs
ARG DEBIAN_FRONTEND=noninteractive
# Package scripts must not start daemons during the build; no docs/man pages/locales keep the image small.
RUN printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d \
 && printf 'path-exclude /usr/share/doc/*\npath-include /usr/share/doc/*/copyright\npath-exclude /usr/share/man/*\npath-exclude /usr/share/info/*\npath-exclude /usr/share/locale/*\npath-include /usr/share/locale/locale.alias\n' \
      > /etc/dpkg/dpkg.cfg.d/mta-nodoc \
 && echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections \
 && apt-get update \
 && apt-get install -y --no-install-recommends \
      postfix postfix-ldap postfix-mysql postfix-pcre postfix-lmdb \
      libsasl2-modules runit nats-server haproxy postsrsd ca-certificates openssl unbound dns-root-data \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log
# Metadata every variant shares, set once here (after the packages, so it never invalidates their layers).
ARG DEBIAN_IMAGE
LABEL org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.base.name="docker.io/library/${DEBIAN_IMAGE}"
ENV SVDIR=/etc/service
EXPOSE 25 465 587 110 143 993 995
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/docker-entrypoint"]

FROM mini-pkgs AS base-pkgs
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      dovecot-core dovecot-imapd dovecot-pop3d dovecot-lmtpd dovecot-ldap dovecot-mysql \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log

FROM base-pkgs AS full-pkgs
ARG DEBIAN_FRONTEND=noninteractive
# amavis's helpers (docs/filter-internals.md): libmagic in-process for content types (file(1) as the fallback amavis
# lists); archive decoders it lists at start
# (7zip: zip/7z/cab/iso/…, libarchive-tools: RAR, pax: tar/cpio, plus bzip2, xz, cabextract, tnef, arj, lzop).
# The same names exist in bookworm and trixie.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      amavisd-new spamassassin razor clamav-daemon clamav-freshclam libmail-dkim-perl \
      libmail-spf-perl libnet-dns-perl libio-socket-ssl-perl gpg gpg-agent \
      opendkim opendmarc publicsuffix \
      file libfile-libmagic-perl 7zip libarchive-tools pax bzip2 xz-utils cabextract tnef arj lzop \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log

#
# Our files per variant: node, the compiled sidecars a variant runs (none of a daemon it lacks), image/.
#
FROM scratch AS files-mini
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=prod-deps /opt/mta /opt/mta
COPY --from=builder /out/shared /opt/mta/shared
COPY --from=builder /out/sidecars/seed /opt/mta/sidecars/seed
COPY --from=builder /out/sidecars/guard /opt/mta/sidecars/guard
COPY --from=builder /out/sidecars/metrics /opt/mta/sidecars/metrics
COPY --from=builder /out/sidecars/mta-sts /opt/mta/sidecars/mta-sts
COPY --from=builder /out/cli /opt/mta/cli
COPY image/bin/ /usr/local/bin/
COPY image/lib/ /usr/local/lib/mta/
COPY image/entry.d/ /etc/mta/entry.d/
COPY image/exit.d/ /etc/mta/exit.d/
COPY image/service/ /etc/mta/sv/

FROM files-mini AS files-base
COPY --from=builder /out/sidecars/acme-watch /opt/mta/sidecars/acme-watch
COPY --from=builder /out/sidecars/sender-milter /opt/mta/sidecars/sender-milter

FROM files-base AS files-full
COPY --from=builder /out/sidecars/dkim-keys /opt/mta/sidecars/dkim-keys
COPY --from=builder /out/sidecars/spamd-learn /opt/mta/sidecars/spamd-learn
COPY --from=builder /out/sidecars/dmarc-reports /opt/mta/sidecars/dmarc-reports
COPY --from=builder /out/sidecars/arc-milter /opt/mta/sidecars/arc-milter

#
# mini: postfix, runit, nats-server, haproxy, postsrsd, node, the seed, the guard, metrics and the CLI.
#
FROM mini-pkgs AS mini-root
COPY --from=files-mini / /
RUN /usr/local/lib/mta/image-setup mini

FROM mini-root AS mini
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="mta (mini)" \
      org.opencontainers.image.description="Postfix MTA with TypeScript sidecars; drop-in for mlan/postfix-amavis (mini: postfix only)" \
      org.opencontainers.image.version="${VERSION}" org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}"
VOLUME /srv
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["/usr/local/bin/healthcheck"]

#
# base: + dovecot (SASL for submission/smtps, IMAP/POP3, LMTP), acme-watch and the submission sender milter.
#
FROM base-pkgs AS base-root
COPY --from=files-base / /
RUN /usr/local/lib/mta/image-setup base

FROM base-root AS base
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="mta (base)" \
      org.opencontainers.image.description="Postfix + Dovecot MTA with TypeScript sidecars; drop-in for mlan/postfix-amavis (base)" \
      org.opencontainers.image.version="${VERSION}" org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}"
VOLUME /srv
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["/usr/local/bin/healthcheck"]

#
# full (default): + amavis, SpamAssassin, Razor, ClamAV, DKIM signing; dkim-keys and spamd-learn.
#
FROM full-pkgs AS full-root
COPY --from=files-full / /
RUN /usr/local/lib/mta/image-setup full

FROM full-root AS full
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="mta" \
      org.opencontainers.image.description="Postfix + Dovecot + amavis/SpamAssassin/ClamAV + DKIM MTA with TypeScript sidecars; drop-in for mlan/postfix-amavis" \
      org.opencontainers.image.version="${VERSION}" org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}"
VOLUME /srv
HEALTHCHECK --interval=30s --timeout=10s --start-period=120s --retries=3 CMD ["/usr/local/bin/healthcheck"]
