{{- define "textback.fullname" -}}{{ .Release.Name | trunc 40 | trimSuffix "-" }}{{- end -}}
{{- define "textback.labels" -}}
app.kubernetes.io/name: textback
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}
{{- define "textback.image" -}}{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}{{- end -}}
{{- define "textback.commonEnv" -}}
- { name: EVENT_TRANSPORT, value: kafka }
- { name: KAFKA_BROKERS, value: {{ .Values.kafka.brokers | quote }} }
- { name: KAFKA_TOPIC_PREFIX, value: {{ .Values.kafka.topicPrefix | quote }} }
- { name: KAFKA_PARTITIONS, value: {{ .Values.kafka.partitions | quote }} }
- { name: LOG_LEVEL, value: {{ .Values.logLevel | quote }} }
- name: DATABASE_URL
  valueFrom: { secretKeyRef: { name: {{ .Values.database.existingSecret }}, key: database-url } }
{{- with .Values.otel.endpoint }}
- { name: OTEL_EXPORTER_OTLP_ENDPOINT, value: {{ . | quote }} }
- { name: OTEL_TRACES_SAMPLER, value: parentbased_traceidratio }
- { name: OTEL_TRACES_SAMPLER_ARG, value: {{ $.Values.otel.sampleRatio | quote }} }
{{- end }}
{{- end -}}
