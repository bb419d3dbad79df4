{{- define "vvp-apiserver.name" -}}{{ .Release.Name }}{{- end -}}

{{- define "vvp-apiserver.labels" -}}
app.kubernetes.io/name: vvp-apiserver
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "vvp-apiserver.selector" -}}
app.kubernetes.io/name: vvp-apiserver
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "vvp-apiserver.tokenSecret" -}}
{{- default (printf "%s-vvp-token" .Release.Name) .Values.vvp.existingSecret -}}
{{- end -}}

{{- define "vvp-apiserver.recordKeySecret" -}}
{{- default (printf "%s-record-key" .Release.Name) .Values.recordSigning.existingSecret -}}
{{- end -}}

{{- define "vvp-apiserver.tlsSecret" -}}
{{- if eq .Values.tls.mode "secret" -}}{{ required "tls.existingSecret is required with tls.mode=secret" .Values.tls.existingSecret }}{{- else -}}{{ printf "%s-tls" .Release.Name }}{{- end -}}
{{- end -}}

{{- /* tls.mode generate: the CA, the serving certificate and the APIService's caBundle, made once per render and
shared by apiservice.yaml and deployment.yaml through a scratch key "_generatedTls" set on .Values (read with index:
it is not a value a user sets). The CA is kept across upgrades (its
key stays in the Secret, never mounted into the Pod); the serving certificate is signed again on every upgrade.
When the CA is made anew (first install, or the Secret deleted to re-make it), the caBundle also keeps the CAs the
APIService trusted so far: the old Pods' certificates stay trusted until the rollout has replaced them, and the
next upgrade drops them. The Pods' template carries the CA's checksum, so a new CA rolls the Pods. */ -}}
{{- define "vvp-apiserver.generatedTls" -}}
{{- if not (hasKey .Values "_generatedTls") -}}
{{- $name := include "vvp-apiserver.name" . -}}
{{- $svc := printf "%s.%s.svc" $name .Release.Namespace -}}
{{- $existing := lookup "v1" "Secret" .Release.Namespace (include "vvp-apiserver.tlsSecret" .) -}}
{{- $kept := dict -}}
{{- if $existing }}{{ $kept = $existing.data | default dict }}{{ end -}}
{{- $ca := dict -}}
{{- $bundle := "" -}}
{{- if and (index $kept "ca.crt") (index $kept "ca.key") -}}
{{- $ca = buildCustomCert (index $kept "ca.crt") (index $kept "ca.key") -}}
{{- $bundle = $ca.Cert -}}
{{- else -}}
{{- $ca = genCA (printf "%s-ca" $name) 3650 -}}
{{- $bundle = $ca.Cert -}}
{{- $apiService := lookup "apiregistration.k8s.io/v1" "APIService" "" (printf "v1.%s" .Values.apiGroup) -}}
{{- if and $apiService $apiService.spec.caBundle -}}
{{- $bundle = printf "%s\n%s" (trim $ca.Cert) (trim (b64dec $apiService.spec.caBundle)) -}}
{{- end -}}
{{- end -}}
{{- $cert := genSignedCert $svc (list "127.0.0.1") (list $name (printf "%s.%s" $name .Release.Namespace) $svc (printf "%s.cluster.local" $svc)) 365 $ca -}}
{{- $_ := set .Values "_generatedTls" (dict "ca" $ca "cert" $cert "bundle" $bundle) -}}
{{- end -}}
{{- end -}}
