# syntax=docker/dockerfile:1
# Build: a static binary with no cgo.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/phuan . \
 && mkdir -p /out/data

# Run: distroless static, as a non-root user; the data folder is a volume.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/phuan /usr/local/bin/phuan
COPY --from=build --chown=65532:65532 /out/data /data
ENV PHUAN_DATA_DIR=/data \
    PHUAN_ADDR=:8080
USER 65532:65532
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/phuan", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/phuan"]
CMD ["serve"]
