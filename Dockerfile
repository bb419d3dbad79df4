# The server image: built in one stage, run with production dependencies only, as a non-root user.
# The entrypoint is the same command `make run` and the tests use outside a container: node dist/apiserver/main.js
# The admission helper: k8s.io/apiserver's admission plugins at the control plane's version (tools/kube-admission).
FROM golang:1.26-bookworm AS admission
WORKDIR /src
COPY tools/kube-admission ./
RUN CGO_ENABLED=0 go build -buildvcs=false -ldflags "-s -w" -o /kube-admission .

FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY vvp-emulator/package.json vvp-emulator/package.json
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.base.json tsconfig.server.json ./
COPY apiserver apiserver
COPY certs certs
RUN npx tsc -p tsconfig.server.json

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
COPY vvp-emulator/package.json vvp-emulator/package.json
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --workspaces=false --include-workspace-root && npm cache clean --force
COPY --from=build /src/dist/apiserver dist/apiserver
COPY --from=build /src/dist/certs dist/certs
COPY --from=admission /kube-admission /usr/local/bin/kube-admission
ENV ADMISSION_HELPER=/usr/local/bin/kube-admission
USER 1000:1000
EXPOSE 6443
ENTRYPOINT ["node", "dist/apiserver/main.js"]
