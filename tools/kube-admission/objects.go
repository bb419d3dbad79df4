// The ObjectInterfaces of a resource served as unstructured objects with one version — what kube-apiserver's custom
// resource handler gives admission: create, type and convert unstructured objects, no defaulting here (the caller
// defaults before admission), and the resource's own kind as its only equivalent.
package main

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/admission"
)

type unstructuredInterfaces struct {
	equivalents runtime.EquivalentResourceRegistry
}

func objectInterfaces(resource schema.GroupVersionResource, subresource string, kind schema.GroupVersionKind) admission.ObjectInterfaces {
	registry := runtime.NewEquivalentResourceRegistry()
	registry.RegisterKindFor(resource, subresource, kind)
	return unstructuredInterfaces{equivalents: registry}
}

func (o unstructuredInterfaces) GetObjectCreater() runtime.ObjectCreater     { return o }
func (o unstructuredInterfaces) GetObjectTyper() runtime.ObjectTyper         { return o }
func (o unstructuredInterfaces) GetObjectDefaulter() runtime.ObjectDefaulter { return o }
func (o unstructuredInterfaces) GetObjectConvertor() runtime.ObjectConvertor { return o }
func (o unstructuredInterfaces) GetEquivalentResourceMapper() runtime.EquivalentResourceMapper {
	return o.equivalents
}

func (unstructuredInterfaces) New(kind schema.GroupVersionKind) (runtime.Object, error) {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(kind)
	return u, nil
}

func (unstructuredInterfaces) ObjectKinds(obj runtime.Object) ([]schema.GroupVersionKind, bool, error) {
	return []schema.GroupVersionKind{obj.GetObjectKind().GroupVersionKind()}, false, nil
}

func (unstructuredInterfaces) Recognizes(schema.GroupVersionKind) bool { return true }

func (unstructuredInterfaces) Default(runtime.Object) {}

func (unstructuredInterfaces) Convert(in, out, _ interface{}) error {
	from, ok := in.(runtime.Unstructured)
	if !ok {
		return fmt.Errorf("cannot convert %T", in)
	}
	to, ok := out.(runtime.Unstructured)
	if !ok {
		return fmt.Errorf("cannot convert into %T", out)
	}
	if from != to {
		to.SetUnstructuredContent(runtime.DeepCopyJSON(from.UnstructuredContent()))
	}
	return nil
}

func (unstructuredInterfaces) ConvertToVersion(in runtime.Object, target runtime.GroupVersioner) (runtime.Object, error) {
	kind := in.GetObjectKind().GroupVersionKind()
	gvk, ok := target.KindForGroupVersionKinds([]schema.GroupVersionKind{kind})
	if !ok || gvk != kind {
		return nil, fmt.Errorf("%v has a single version and cannot be converted to %v", kind, target)
	}
	return in, nil
}

func (unstructuredInterfaces) ConvertFieldLabel(_ schema.GroupVersionKind, label, value string) (string, string, error) {
	return label, value, nil
}
