# syntax=docker/dockerfile:1
# Build a static quita binary, then run it as a non-root user on a minimal image.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# -tags timetzdata embeds the time zone database: the image needs no tzdata.
RUN CGO_ENABLED=0 go build -trimpath -tags timetzdata -ldflags="-s -w" -o /out/quita ./cmd/quita \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/quita /usr/local/bin/quita
COPY --from=build --chown=nonroot:nonroot /out/data /data
ENV QUITA_ADDR=0.0.0.0:8080 QUITA_DATA_DIR=/data QUITA_LOG_FORMAT=json
USER nonroot:nonroot
EXPOSE 8080
VOLUME ["/data"]
HEALTHCHECK NONE
ENTRYPOINT ["/usr/local/bin/quita"]
CMD ["serve"]
