// The node's pause image (tools/node-pause/build.sh); no dependencies.
module vvp-apiserver/node-pause

go 1.26.0
