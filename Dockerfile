# syntax=docker/dockerfile:1
# The strata image: `make image` (VERSION, COMMIT and BUILD_DATE from Git).
# examples/deploy/kubernetes.yaml runs it.

FROM golang:1.26.8-alpine AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=devel
ARG COMMIT=
ARG BUILD_DATE=
# Static: no libc needed at run time (go-sql-driver, go-git and Atlas are pure Go).
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false \
      -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT} -X main.buildDate=${BUILD_DATE}" \
      -o /out/strata ./cmd/strata \
 && /out/strata version

# Alpine rather than distroless: the Kubernetes example derives --shard from
# the pod name with a shell. CA certificates for https Git remotes and webhooks.
FROM alpine:3.22
RUN apk add --no-cache ca-certificates \
 && addgroup -S -g 65532 strata \
 && adduser -S -D -H -u 65532 -G strata -h /var/cache/strata strata \
 && mkdir -p /var/cache/strata && chown strata:strata /var/cache/strata
COPY --from=build /out/strata /usr/local/bin/strata
USER 65532:65532
ENV XDG_CACHE_HOME=/var/cache
EXPOSE 9090
ENTRYPOINT ["/usr/local/bin/strata"]
CMD ["run", "--help"]
