// The transport of one admission phase between the caller and kube's plugins: the caller's JSON (the fields of
// admission.Attributes) becomes an admission.Attributes over unstructured objects — as kube-apiserver hands a custom
// resource to admission — and the plugins' outcome becomes JSON again: the object as mutated, the warnings (deduplicated
// as kube-apiserver's warning recorder does), the audit annotations, or the Status kube-apiserver would answer.
package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/admission"
	auditinternal "k8s.io/apiserver/pkg/apis/audit"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/endpoints/handlers/responsewriters"
	"k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/warning"
)

type userInfo struct {
	Username string              `json:"username"`
	UID      string              `json:"uid,omitempty"`
	Groups   []string            `json:"groups,omitempty"`
	Extra    map[string][]string `json:"extra,omitempty"`
}

type reviewRequest struct {
	// "mutate" runs the mutating plugins (Admit), "validate" the validating ones (Validate).
	Phase       string                      `json:"phase"`
	Operation   admission.Operation         `json:"operation"`
	Kind        schema.GroupVersionKind     `json:"kind"`
	Resource    schema.GroupVersionResource `json:"resource"`
	SubResource string                      `json:"subResource"`
	Name        string                      `json:"name"`
	Namespace   string                      `json:"namespace"`
	Object      json.RawMessage             `json:"object"`
	OldObject   json.RawMessage             `json:"oldObject"`
	Options     json.RawMessage             `json:"options"`
	DryRun      bool                        `json:"dryRun"`
	UserInfo    userInfo                    `json:"userInfo"`
}

type reviewResponse struct {
	Object           map[string]interface{} `json:"object,omitempty"`
	Warnings         []string               `json:"warnings"`
	AuditAnnotations map[string]string      `json:"auditAnnotations"`
	Status           *metav1.Status         `json:"status,omitempty"`
}

type reviewHandler struct{ admission admission.Interface }

func (h reviewHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req reviewRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	attrs, err := newAttributes(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	warnings := &warningRecorder{}
	ctx := warning.WithWarningRecorder(r.Context(), warnings)
	ctx = request.WithNamespace(ctx, req.Namespace)
	ctx = request.WithUser(ctx, attrs.GetUserInfo())
	objects := objectInterfaces(req.Resource, req.SubResource, req.Kind)
	var admitErr error
	switch req.Phase {
	case "mutate":
		if m, ok := h.admission.(admission.MutationInterface); ok && m.Handles(req.Operation) {
			admitErr = m.Admit(ctx, attrs, objects)
		}
	case "validate":
		if v, ok := h.admission.(admission.ValidationInterface); ok && v.Handles(req.Operation) {
			admitErr = v.Validate(ctx, attrs, objects)
		}
	default:
		http.Error(w, fmt.Sprintf("unknown phase %q", req.Phase), http.StatusBadRequest)
		return
	}
	resp := reviewResponse{Warnings: warnings.list(), AuditAnnotations: attrs.annotations}
	if admitErr != nil {
		resp.Status = responsewriters.ErrorToAPIStatus(admitErr)
	} else if req.Phase == "mutate" && attrs.GetObject() != nil {
		if u, ok := attrs.GetObject().(*unstructured.Unstructured); ok {
			resp.Object = u.Object
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

func decodeObject(raw json.RawMessage) (runtime.Object, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(raw); err != nil {
		return nil, err
	}
	return u, nil
}

// decodeOptions gives the typed options the plugins expect (CreateOptions, UpdateOptions, DeleteOptions).
func decodeOptions(op admission.Operation, raw json.RawMessage) (runtime.Object, error) {
	var options runtime.Object
	switch op {
	case admission.Create:
		options = &metav1.CreateOptions{}
	case admission.Update:
		options = &metav1.UpdateOptions{}
	case admission.Delete:
		options = &metav1.DeleteOptions{}
	default:
		return nil, nil
	}
	if len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, options); err != nil {
			return nil, err
		}
	}
	options.GetObjectKind().SetGroupVersionKind(metav1.SchemeGroupVersion.WithKind(fmt.Sprintf("%T", options)[len("*v1."):]))
	return options, nil
}

func newAttributes(req reviewRequest) (*recordingAttributes, error) {
	object, err := decodeObject(req.Object)
	if err != nil {
		return nil, fmt.Errorf("object: %w", err)
	}
	oldObject, err := decodeObject(req.OldObject)
	if err != nil {
		return nil, fmt.Errorf("oldObject: %w", err)
	}
	options, err := decodeOptions(req.Operation, req.Options)
	if err != nil {
		return nil, fmt.Errorf("options: %w", err)
	}
	u := &user.DefaultInfo{Name: req.UserInfo.Username, UID: req.UserInfo.UID, Groups: req.UserInfo.Groups, Extra: req.UserInfo.Extra}
	record := admission.NewAttributesRecord(object, oldObject, req.Kind, req.Namespace, req.Name, req.Resource,
		req.SubResource, req.Operation, options, req.DryRun, u)
	return &recordingAttributes{Attributes: record, annotations: map[string]string{}}, nil
}

// recordingAttributes keeps the audit annotations the plugins add, which kube-apiserver copies into the audit event.
type recordingAttributes struct {
	admission.Attributes
	mu          sync.Mutex
	annotations map[string]string
}

func (a *recordingAttributes) AddAnnotation(key, value string) error {
	return a.AddAnnotationWithLevel(key, value, auditinternal.LevelMetadata)
}

func (a *recordingAttributes) AddAnnotationWithLevel(key, value string, level auditinternal.Level) error {
	if err := a.Attributes.AddAnnotationWithLevel(key, value, level); err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.annotations[key] = value
	return nil
}

// warningRecorder keeps each distinct warning once, in order, as kube-apiserver's recorder does.
type warningRecorder struct {
	mu    sync.Mutex
	seen  map[string]bool
	texts []string
}

func (r *warningRecorder) AddWarning(_, text string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen == nil {
		r.seen = map[string]bool{}
	}
	if text == "" || r.seen[text] {
		return
	}
	r.seen[text] = true
	r.texts = append(r.texts, text)
}

func (r *warningRecorder) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string{}, r.texts...)
}
