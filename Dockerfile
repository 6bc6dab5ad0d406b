# tfpost's container image: the static release binary and CA roots on an empty base.
#   docker build -t tfpost .
#   docker run --rm -i tfpost render < plan.txt
# In CI, copy the binary into the image that has Terraform:
#   COPY --from=ghcr.io/tfpost/tfpost:0.1.0 /usr/local/bin/tfpost /usr/local/bin/tfpost
# The final stage's files are laid out by dist/rootfs.sh, which tests/install_dist.rs runs under
# chroot with the same archive.

FROM rust:1-bookworm AS build
# `tfpost --version` names this commit (the .git directory is not sent to the build).
ARG TFPOST_BUILD_COMMIT=unknown
ENV TFPOST_BUILD_COMMIT=${TFPOST_BUILD_COMMIT}
WORKDIR /src
COPY . .
RUN bash dist/build.sh /out \
 && bash dist/rootfs.sh /out/tfpost-*.tar.gz /rootfs

FROM scratch
COPY --from=build /rootfs/ /
# No /etc/passwd in the image: a numeric user, not root.
USER 65532:65532
ENV TMPDIR=/tmp
ENTRYPOINT ["/usr/local/bin/tfpost"]
CMD ["--help"]
