// kube-admission runs k8s.io/apiserver's own admission plugins — MutatingAdmissionPolicy, MutatingAdmissionWebhook,
// ValidatingAdmissionPolicy, ValidatingAdmissionWebhook, ResourceQuota — for a server that is not written in Go. It holds their
// informers on the cluster (kubeconfig or in-cluster), and answers one HTTP request per admission phase of a write on
// a unix socket: the caller sends the admission attributes, it answers kube's decision (the mutated object, the
// warnings, the audit annotations, or kube's Status). The plugins, their order, CEL environment (libraries, RE2, cost
// limits), matching and webhook calls are kube-apiserver's code at the version in go.mod, so the decisions are
// kube-apiserver's; only the attributes' transport is ours (review.go). ResourceQuota runs last, as in kube-apiserver:
// object-count quotas on the served resources, charged with kube's optimistic update of the quota's status.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/admission/initializer"
	mutatingadmissionpolicy "k8s.io/apiserver/pkg/admission/plugin/policy/mutating"
	"k8s.io/apiserver/pkg/admission/plugin/resourcequota"
	validatingadmissionpolicy "k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	webhookinit "k8s.io/apiserver/pkg/admission/plugin/webhook/initializer"
	mutatingwebhook "k8s.io/apiserver/pkg/admission/plugin/webhook/mutating"
	validatingwebhook "k8s.io/apiserver/pkg/admission/plugin/webhook/validating"
	"k8s.io/apiserver/pkg/authorization/authorizerfactory"
	quota "k8s.io/apiserver/pkg/quota/v1"
	"k8s.io/apiserver/pkg/quota/v1/generic"
	"k8s.io/apiserver/pkg/util/feature"
	"k8s.io/apiserver/pkg/util/proxy"
	cacheddiscovery "k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	listersv1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/component-base/compatibility"
	"k8s.io/klog/v2"
)

// The plugins this helper runs, in kube-apiserver's order (kube-apiserver's AllOrderedPlugins: ResourceQuota last);
// NamespaceLifecycle stays in the caller, which answers it exactly already.
var pluginOrder = []string{
	mutatingadmissionpolicy.PluginName, mutatingwebhook.PluginName,
	validatingadmissionpolicy.PluginName, validatingwebhook.PluginName,
	resourcequota.PluginName,
}

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the cluster whose admission configuration applies (default: in-cluster)")
	socket := flag.String("socket", "", "unix socket to serve on")
	showVersion := flag.Bool("version", false, "print the Kubernetes version of the admission code and exit")
	klog.InitFlags(nil)
	flag.Parse()
	if *showVersion {
		fmt.Println(kubeVersion())
		return
	}
	if *socket == "" {
		fmt.Fprintln(os.Stderr, "--socket is required")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	handler, ready, err := newAdmission(ctx, *kubeconfig)
	if err != nil {
		fmt.Fprintf(os.Stderr, "kube-admission: %v\n", err)
		os.Exit(1)
	}
	if err := serve(ctx, *socket, handler, ready); err != nil {
		fmt.Fprintf(os.Stderr, "kube-admission: %v\n", err)
		os.Exit(1)
	}
}

// kubeVersion is the Kubernetes release of the linked k8s.io/apiserver (v0.37.2 is Kubernetes 1.37.2): the CEL
// environment and the feature defaults follow it, as they follow the binary version in kube-apiserver.
func kubeVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "k8s.io/apiserver" && strings.HasPrefix(dep.Version, "v0.") {
				return "1." + strings.TrimPrefix(dep.Version, "v0.")
			}
		}
	}
	return "1.37.0"
}

func restConfig(kubeconfig string) (*rest.Config, error) {
	if kubeconfig == "" {
		return rest.InClusterConfig()
	}
	return clientcmd.BuildConfigFromFlags("", kubeconfig)
}

// newAdmission wires the plugins as k8s.io/apiserver's AdmissionOptions.ApplyTo does, with a SubjectAccessReview
// authorizer (CEL's authorizer library) and kube-apiserver's ClusterIP resolution of webhook Services.
func newAdmission(ctx context.Context, kubeconfig string) (admission.Interface, func() bool, error) {
	config, err := restConfig(kubeconfig)
	if err != nil {
		return nil, nil, err
	}
	config.QPS, config.Burst = 50, 100
	client, err := kubernetes.NewForConfig(config)
	if err != nil {
		return nil, nil, err
	}
	dynamicClient, err := dynamic.NewForConfig(config)
	if err != nil {
		return nil, nil, err
	}
	factory := informers.NewSharedInformerFactory(client, 0)
	authz, err := authorizerfactory.DelegatingAuthorizerConfig{
		SubjectAccessReviewClient: client.AuthorizationV1(),
		AllowCacheTTL:             10 * time.Second,
		DenyCacheTTL:              10 * time.Second,
		WebhookRetryBackoff:       &wait.Backoff{Duration: 500 * time.Millisecond, Factor: 1.5, Jitter: 0.2, Steps: 5},
	}.New()
	if err != nil {
		return nil, nil, err
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(cacheddiscovery.NewMemCacheClient(client.Discovery()))
	go wait.Until(mapper.Reset, 30*time.Second, ctx.Done())

	plugins := admission.NewPlugins()
	mutatingadmissionpolicy.Register(plugins)
	mutatingwebhook.Register(plugins)
	validatingadmissionpolicy.Register(plugins)
	validatingwebhook.Register(plugins)
	resourcequota.Register(plugins)

	services := factory.Core().V1().Services().Lister()
	initializers := admission.PluginInitializers{
		initializer.New(client, dynamicClient, factory, authz, feature.DefaultFeatureGate,
			compatibility.NewEffectiveVersionFromString(kubeVersion(), "", ""), ctx.Done(), mapper),
		webhookinit.NewPluginInitializer(nil, clusterIPResolver{services}),
		// No resource-specific evaluators: the served resources are counted by the object-count evaluator
		// ResourceQuota adds for any resource a quota names (count/<resource>.<group>), as for a CRD.
		quotaInitializer{generic.NewConfiguration(nil, nil)},
	}
	handler, err := plugins.NewFromPlugins(pluginOrder, emptyConfig{}, initializers, nil)
	if err != nil {
		return nil, nil, err
	}
	factory.Start(ctx.Done())
	informerSynced := func() bool {
		for _, synced := range factory.WaitForCacheSync(make(chan struct{})) {
			if !synced {
				return false
			}
		}
		return true
	}
	return handler, informerSynced, nil
}

// clusterIPResolver routes a webhook's Service to its ClusterIP, as kube-apiserver does without
// --enable-aggregator-routing.
type clusterIPResolver struct{ services listersv1.ServiceLister }

func (r clusterIPResolver) ResolveEndpoint(namespace, name string, port int32) (*url.URL, error) {
	return proxy.ResolveCluster(r.services, namespace, name, port)
}

// quotaInitializer hands ResourceQuota its evaluators, as kube-apiserver's own admission initializer does.
type quotaInitializer struct{ configuration quota.Configuration }

func (i quotaInitializer) Initialize(plugin admission.Interface) {
	if wants, ok := plugin.(initializer.WantsQuotaConfiguration); ok {
		wants.SetQuotaConfiguration(i.configuration)
	}
}

type emptyConfig struct{}

func (emptyConfig) ConfigFor(string) (io.Reader, error) { return nil, nil }

func serve(ctx context.Context, socket string, handler admission.Interface, ready func() bool) error {
	_ = os.Remove(socket)
	listener, err := net.Listen("unix", socket)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !ready() {
			http.Error(w, "informers not synced", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok"))
	})
	mux.Handle("/admit", reviewHandler{handler})
	server := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = server.Shutdown(shutdown)
	}()
	fmt.Fprintf(os.Stderr, "kube-admission %s: serving on %s\n", kubeVersion(), socket)
	if err := server.Serve(listener); err != nil && err != http.ErrServerClosed {
		return err
	}
	return nil
}
