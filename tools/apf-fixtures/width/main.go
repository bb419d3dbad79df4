package main

// Prints, as JSON, the seats kube's own work estimator (k8s.io/apiserver v0.37.2, pkg/util/flowcontrol/request,
// its default configuration and feature gates: SizeBasedListCostEstimate on) gives a table of requests: verbs,
// list options, the resource's object count and average size (or a count that is stale or not found), and the
// priority level's maxSeats. test/unit/k8s/flowcontrol/width.test.ts checks width.ts against every case.
import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"

	"k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/storage"
	fcrequest "k8s.io/apiserver/pkg/util/flowcontrol/request"
	"k8s.io/klog/v2"
)

type stats struct {
	Kind         string // "known", "stale" or "notFound"
	ObjectCount  int64
	AverageBytes int64
}

// One case: [verb, name, query, stats kind, object count, average bytes, the level's maxSeats, kube's seats].
type kase [8]any

func main() {
	// The estimator logs the bad limit= case; the table holds its answer.
	logFlags := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(logFlags)
	_ = logFlags.Set("logtostderr", "false")
	_ = logFlags.Set("stderrthreshold", "FATAL")
	klog.SetOutput(io.Discard)
	verbs := []string{"get", "list", "watch"}
	names := []string{"", "one"}
	queries := []string{
		"", "limit=50", "limit=500", "limit=100000", "labelSelector=team%3Da", "fieldSelector=metadata.namespace%3Dx",
		"labelSelector=team%3Da&limit=50", "resourceVersion=0", "resourceVersion=123", "resourceVersion=0&limit=500",
		"resourceVersion=123&resourceVersionMatch=Exact", "sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true",
		"sendInitialEvents=false&resourceVersionMatch=NotOlderThan&resourceVersion=5", "continue=abc&limit=50", "limit=notanumber",
	}
	statsTable := []stats{{Kind: "notFound"}, {Kind: "stale"}}
	for _, count := range []int64{0, 1, 334, 1000, 10000, 100000} {
		for _, avg := range []int64{0, 3000, 30000} {
			statsTable = append(statsTable, stats{Kind: "known", ObjectCount: count, AverageBytes: avg})
		}
	}
	out := []kase{}
	for _, verb := range verbs {
		for _, name := range names {
			if verb == "get" && name == "" {
				continue
			}
			for _, q := range queries {
				if verb == "get" && q != "" {
					continue
				}
				for _, s := range statsTable {
					for _, maxSeats := range []uint64{0, 4, 150} {
						out = append(out, kase{verb, name, q, s.Kind, s.ObjectCount, s.AverageBytes, maxSeats, estimate(verb, name, q, s, maxSeats)})
					}
				}
			}
		}
	}
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func estimate(verb, name, query string, s stats, maxSeats uint64) uint64 {
	statsFn := func(string) (storage.Stats, error) {
		switch s.Kind {
		case "stale":
			return storage.Stats{}, fcrequest.ObjectCountStaleErr
		case "notFound":
			return storage.Stats{}, fcrequest.ObjectCountNotFoundErr
		}
		return storage.Stats{ObjectCount: s.ObjectCount, EstimatedAverageObjectSizeBytes: s.AverageBytes}, nil
	}
	watchCount := func(*request.RequestInfo) int { return 0 }
	estimator := fcrequest.NewWorkEstimator(statsFn, watchCount, fcrequest.DefaultWorkEstimatorConfig(), func(string) uint64 { return maxSeats })
	path := "/apis/example.com/v1/namespaces/ns/things"
	if name != "" {
		path += "/" + name
	}
	u, _ := url.Parse(path + "?" + query)
	r, _ := http.NewRequest(http.MethodGet, u.String(), nil)
	info := &request.RequestInfo{IsResourceRequest: true, Verb: verb, APIGroup: "example.com", APIVersion: "v1", Namespace: "ns", Resource: "things", Name: name, Path: path}
	r = r.WithContext(request.WithRequestInfo(r.Context(), info))
	return estimator(r, "fs", "pl").InitialSeats
}
