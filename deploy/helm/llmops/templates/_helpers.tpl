{{/* Names and labels shared by every object. */}}
{{- define "llmops.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "llmops.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "llmops.selector" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "llmops.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "llmops.secretName" -}}
{{- .Values.existingSecret | default (printf "%s-secrets" (include "llmops.fullname" .)) -}}
{{- end -}}

{{/* Environment every llmops process reads: stores from the Secret, config file from the ConfigMap. */}}
{{- define "llmops.env" -}}
- name: LLMOPS_CONFIG
  value: /etc/llmops/llmops.yaml
- name: LLMOPS_HOME
  value: /var/lib/llmops
- name: LLMOPS_LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
- name: LLMOPS_DATABASE_URL
  valueFrom: { secretKeyRef: { name: {{ include "llmops.secretName" . }}, key: database-url } }
- name: LLMOPS_ARTIFACTS_URL
  valueFrom: { secretKeyRef: { name: {{ include "llmops.secretName" . }}, key: artifacts-url } }
- name: LLMOPS_REDIS_URL
  valueFrom: { secretKeyRef: { name: {{ include "llmops.secretName" . }}, key: redis-url, optional: true } }
- name: LLMOPS_ADMIN_KEY
  valueFrom: { secretKeyRef: { name: {{ include "llmops.secretName" . }}, key: admin-key, optional: true } }
- name: LLMOPS_S3_ENDPOINT
  value: {{ .Values.artifacts.s3.endpoint | quote }}
- name: LLMOPS_S3_REGION
  value: {{ .Values.artifacts.s3.region | quote }}
- name: LLMOPS_S3_FORCE_PATH_STYLE
  value: {{ .Values.artifacts.s3.forcePathStyle | quote }}
- name: AWS_ACCESS_KEY_ID
  valueFrom: { secretKeyRef: { name: {{ include "llmops.secretName" . }}, key: s3-access-key-id, optional: true } }
- name: AWS_SECRET_ACCESS_KEY
  valueFrom: { secretKeyRef: { name: {{ include "llmops.secretName" . }}, key: s3-secret-access-key, optional: true } }
{{- end -}}

{{- define "llmops.volumes" -}}
- name: config
  configMap: { name: {{ include "llmops.fullname" . }}-config }
- name: home
  emptyDir: {}
- name: tmp
  emptyDir: {}
{{- end -}}

{{- define "llmops.volumeMounts" -}}
- { name: config, mountPath: /etc/llmops, readOnly: true }
- { name: home, mountPath: /var/lib/llmops }
- { name: tmp, mountPath: /tmp }
{{- end -}}

{{- define "llmops.podDefaults" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
