// kstatus prints what sigs.k8s.io/cli-utils/pkg/kstatus/status — the library Flux, kpt and cli-utils decide health
// with — computes for Kubernetes objects. It reads JSON from stdin: one object, a List (kubectl get -o json), or a
// stream of objects, and writes one JSON line per object: {"name", "namespace", "status", "message", "conditions"}.
// With -cel FILE (JSON {"inProgress", "failed", "current"}: a Flux healthCheckExprs entry) it also evaluates those
// CEL expressions as Flux does (observedGeneration first, then inProgress → failed → current, else InProgress)
// and prints the outcome as "cel". The e2e tests feed it live objects of the server, so that conformance is checked
// by the real libraries rather than by a re-implementation of their rules.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/ext"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

type result struct {
	Name       string             `json:"name"`
	Namespace  string             `json:"namespace,omitempty"`
	Status     status.Status      `json:"status"`
	Message    string             `json:"message"`
	Conditions []status.Condition `json:"conditions,omitempty"`
	CEL        status.Status      `json:"cel,omitempty"`
}

// healthCheckExprs is one entry of a Flux Kustomization's spec.healthCheckExprs.
type healthCheckExprs struct {
	InProgress string `json:"inProgress"`
	Failed     string `json:"failed"`
	Current    string `json:"current"`
}

type celCheck struct {
	programs []cel.Program
	outcomes []status.Status
}

func compileExprs(file string) *celCheck {
	raw, err := os.ReadFile(file)
	if err != nil {
		fail("reading %s: %v", file, err)
	}
	var exprs healthCheckExprs
	if err := json.Unmarshal(raw, &exprs); err != nil {
		fail("parsing %s: %v", file, err)
	}
	env, err := cel.NewEnv(
		cel.Variable("apiVersion", cel.DynType), cel.Variable("kind", cel.DynType),
		cel.Variable("metadata", cel.DynType), cel.Variable("spec", cel.DynType), cel.Variable("status", cel.DynType),
		cel.HomogeneousAggregateLiterals(), cel.CrossTypeNumericComparisons(true), cel.OptionalTypes(),
		ext.Strings(), ext.Sets(), ext.Lists(), ext.Encoders(),
	)
	if err != nil {
		fail("CEL environment: %v", err)
	}
	check := &celCheck{}
	for _, e := range []struct {
		expr    string
		outcome status.Status
	}{{exprs.InProgress, status.InProgressStatus}, {exprs.Failed, status.FailedStatus}, {exprs.Current, status.CurrentStatus}} {
		if e.expr == "" {
			continue
		}
		ast, issues := env.Compile(e.expr)
		if issues != nil && issues.Err() != nil {
			fail("compiling %q: %v", e.expr, issues.Err())
		}
		if ast.OutputType() != cel.BoolType {
			fail("%q is not a boolean expression", e.expr)
		}
		program, err := env.Program(ast)
		if err != nil {
			fail("%q: %v", e.expr, err)
		}
		check.programs = append(check.programs, program)
		check.outcomes = append(check.outcomes, e.outcome)
	}
	return check
}

func (c *celCheck) evaluate(o *unstructured.Unstructured) status.Status {
	generation, _, _ := unstructured.NestedInt64(o.Object, "metadata", "generation")
	observed, found, _ := unstructured.NestedInt64(o.Object, "status", "observedGeneration")
	if found && observed != generation {
		return status.InProgressStatus
	}
	vars := map[string]interface{}{}
	for _, key := range []string{"apiVersion", "kind", "metadata", "spec", "status"} {
		vars[key] = o.Object[key]
		if vars[key] == nil {
			vars[key] = map[string]interface{}{}
		}
	}
	for i, program := range c.programs {
		out, _, err := program.Eval(vars)
		if err != nil {
			fail("evaluating a CEL expression on %s/%s: %v", o.GetNamespace(), o.GetName(), err)
		}
		if out.Value() == true {
			return c.outcomes[i]
		}
	}
	return status.InProgressStatus
}

func main() {
	celFile := flag.String("cel", "", "a JSON file with a Flux healthCheckExprs entry to evaluate too")
	flag.Parse()
	var check *celCheck
	if *celFile != "" {
		check = compileExprs(*celFile)
	}
	dec := json.NewDecoder(os.Stdin)
	out := json.NewEncoder(os.Stdout)
	for {
		var raw json.RawMessage
		if err := dec.Decode(&raw); errors.Is(err, io.EOF) {
			return
		} else if err != nil {
			fail("reading JSON: %v", err)
		}
		// As the apiserver machinery decodes: whole numbers are int64, as unstructured accessors expect.
		var obj map[string]interface{}
		if err := utiljson.Unmarshal(raw, &obj); err != nil {
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
			r := result{Name: o.GetName(), Namespace: o.GetNamespace(), Status: res.Status, Message: res.Message, Conditions: res.Conditions}
			if check != nil {
				r.CEL = check.evaluate(o)
			}
			if err := out.Encode(r); err != nil {
				fail("writing: %v", err)
			}
		}
	}
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "kstatus: "+format+"\n", args...)
	os.Exit(2)
}
