// kstatus prints what sigs.k8s.io/cli-utils/pkg/kstatus/status — the library Flux, kpt and cli-utils decide health
// with — computes for Kubernetes objects. It reads JSON from stdin: one object, a List (kubectl get -o json), or a
// stream of objects, and writes one JSON line per object: {"name", "namespace", "status", "message", "conditions"}.
// The e2e tests feed it live objects of the server, so that kstatus conformance is checked by the real library
// rather than by a re-implementation of its rules.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

type result struct {
	Name       string             `json:"name"`
	Namespace  string             `json:"namespace,omitempty"`
	Status     status.Status      `json:"status"`
	Message    string             `json:"message"`
	Conditions []status.Condition `json:"conditions,omitempty"`
}

func main() {
	dec := json.NewDecoder(os.Stdin)
	out := json.NewEncoder(os.Stdout)
	for {
		var obj map[string]interface{}
		if err := dec.Decode(&obj); errors.Is(err, io.EOF) {
			return
		} else if err != nil {
			fail("reading JSON: %v", err)
		}
		u := &unstructured.Unstructured{Object: obj}
		objects := []unstructured.Unstructured{*u}
		if u.IsList() {
			list, err := u.ToList()
			if err != nil {
				fail("reading a list: %v", err)
			}
			objects = list.Items
		}
		for i := range objects {
			o := &objects[i]
			res, err := status.Compute(o)
			if err != nil {
				fail("kstatus of %s/%s: %v", o.GetNamespace(), o.GetName(), err)
			}
			if err := out.Encode(result{o.GetName(), o.GetNamespace(), res.Status, res.Message, res.Conditions}); err != nil {
				fail("writing: %v", err)
			}
		}
	}
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "kstatus: "+format+"\n", args...)
	os.Exit(2)
}
