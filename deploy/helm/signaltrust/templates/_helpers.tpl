{{/* The release's name prefix, e.g. "signaltrust". */}}
{{- define "signaltrust.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "signaltrust.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "signaltrust.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "signaltrust.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- end -}}

{{/* The environment every process shares: the database from the existing Secret, the bus,
the rate-limit storage, the model registry, JSON logs. */}}
{{- define "signaltrust.env" -}}
- name: SIGNALTRUST_HOME
  value: /var/lib/signaltrust
- name: SIGNALTRUST__DATABASE__URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.existingSecret.name }}
      key: {{ .Values.existingSecret.databaseUrlKey }}
- name: SIGNALTRUST__BUS__BACKEND
  value: {{ .Values.services.busBackend | quote }}
- name: SIGNALTRUST__BUS__URL
  value: {{ .Values.services.busUrl | quote }}
- name: SIGNALTRUST__API__RATE_LIMIT_STORAGE
  value: {{ .Values.services.rateLimitStorage | quote }}
- name: MLFLOW_TRACKING_URI
  value: {{ .Values.services.mlflowTrackingUri | quote }}
- name: SIGNALTRUST__LOG__JSON_LOGS
  value: "true"
- name: SIGNALTRUST__LOG__LEVEL
  value: {{ .Values.logLevel | quote }}
- name: NUMBA_CACHE_DIR
  value: /var/lib/signaltrust/.numba
- name: MPLCONFIGDIR
  value: /tmp/matplotlib
{{- end -}}

{{/* A node's or the scheduler's metrics server: the port to serve /metrics on, on every
address of the pod. */}}
{{- define "signaltrust.metricsEnv" -}}
{{- if .Values.metrics.enabled }}
- name: SIGNALTRUST__METRICS__PORT
  value: {{ .Values.metrics.port | quote }}
- name: SIGNALTRUST__METRICS__HOST
  value: "0.0.0.0"
{{- end }}
{{- end -}}

{{- define "signaltrust.metricsPort" -}}
{{- if .Values.metrics.enabled }}
ports:
  - name: metrics
    containerPort: {{ .Values.metrics.port }}
    protocol: TCP
{{- end }}
{{- end -}}

{{- define "signaltrust.containerSecurity" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end -}}
