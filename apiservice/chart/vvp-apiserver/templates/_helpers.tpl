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
