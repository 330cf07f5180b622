"""What Checkly's API reference documents of the answers tap-checkly reads, as data, so
that the tap's schemas are held to Checkly's documentation rather than to the sample
Checkly written alongside them.

Source: Checkly's OpenAPI document, https://api.checklyhq.com/openapi.json, as stored in
checkly/docs (``api-reference/openapi.json`` at 28f329851b7a32b10b6a31e66afa15042817a728,
2026-08-18), read 2026-12-07.

:data:`FIELDS` lists, per stream, every property the document gives the items of the
endpoint's answer, nested ones as dotted paths (``[]`` for a list's items; every branch
of an ``anyOf`` or ``allOf``). A free-form object (``CheckResultFreeformObject``, or
``"properties": {}`` with any additional ones) is listed itself, not what it holds: the
document does not say.
"""

from __future__ import annotations

PROJECT_BINDINGS = (
    "projectBindings", "projectBindings.owner", "projectBindings.owner.binding",
    "projectBindings.owner.binding.logicalId", "projectBindings.owner.binding.pending",
    "projectBindings.owner.project", "projectBindings.owner.project.id",
    "projectBindings.owner.project.logicalId", "projectBindings.owner.project.name",
    "projectBindings.references", "projectBindings.references.[].binding",
    "projectBindings.references.[].binding.logicalId",
    "projectBindings.references.[].binding.pending",
    "projectBindings.references.[].project", "projectBindings.references.[].project.id",
    "projectBindings.references.[].project.logicalId",
    "projectBindings.references.[].project.name")
"""``projectBindings`` (``ProjectBindingsV1``): on every resource a Checkly CLI project
may manage."""

ALERT_SETTINGS = (
    "alertSettings", "alertSettings.escalationType",
    "alertSettings.parallelRunFailureThreshold",
    "alertSettings.parallelRunFailureThreshold.enabled",
    "alertSettings.parallelRunFailureThreshold.percentage", "alertSettings.reminders",
    "alertSettings.reminders.amount", "alertSettings.reminders.interval",
    "alertSettings.runBasedEscalation",
    "alertSettings.runBasedEscalation.failedRunThreshold", "alertSettings.sslCertificates",
    "alertSettings.sslCertificates.alertThreshold", "alertSettings.sslCertificates.enabled",
    "alertSettings.timeBasedEscalation",
    "alertSettings.timeBasedEscalation.minutesFailingThreshold")
"""``alertSettings`` (``AlertSettings``), of checks and check groups."""

FIELDS: dict[str, tuple[str, ...]] = {
    # GET /v1/checks: ChecksV1CheckList, items ChecksV1Check (anyOf every check type)
    "checks": (
        *PROJECT_BINDINGS, *ALERT_SETTINGS, "activated", "aiAutoRepairEnabled",
        "alertChannelSubscriptions", "alertChannelSubscriptions.[].activated",
        "alertChannelSubscriptions.[].alertChannelId", "alertChannels",
        "alertChannels.email", "alertChannels.email.[].address", "alertChannels.slack",
        "alertChannels.slack.[].url", "alertChannels.sms", "alertChannels.sms.[].name",
        "alertChannels.sms.[].number", "alertChannels.webhook",
        "alertChannels.webhook.[].headers", "alertChannels.webhook.[].headers.[].key",
        "alertChannels.webhook.[].headers.[].locked",
        "alertChannels.webhook.[].headers.[].value", "alertChannels.webhook.[].method",
        "alertChannels.webhook.[].name", "alertChannels.webhook.[].queryParameters",
        "alertChannels.webhook.[].queryParameters.[].key",
        "alertChannels.webhook.[].queryParameters.[].locked",
        "alertChannels.webhook.[].queryParameters.[].value", "alertChannels.webhook.[].url",
        "browsers", "cacheHash", "checkType", "codeBundlePath", "created_at",
        "degradedPacketLossThreshold", "degradedResponseTime", "dependencies",
        "dependencies.[].content", "dependencies.[].path", "description", "doubleCheck",
        "engine", "engineVersion", "environmentVariables", "environmentVariables.[].key",
        "environmentVariables.[].locked", "environmentVariables.[].secret",
        "environmentVariables.[].value", "frequency", "frequencyOffset", "groupId",
        "groupOrder", "heartbeat", "heartbeat.grace", "heartbeat.graceUnit",
        "heartbeat.period", "heartbeat.periodUnit", "heartbeat.pingToken",
        "heartbeat.pingUrl", "id", "installCommand", "intent", "intent.goal",
        "intent.mustPreserve", "intent.requiredOutcomes", "localSetupScript",
        "localTearDownScript", "locations", "logicalId", "maxPacketLossThreshold",
        "maxResponseTime", "member", "muted", "name", "pending", "playwrightVersion",
        "privateLocations", "project", "project.id", "project.logicalId", "project.name",
        "request", "request.assertions", "request.assertions.[].comparison",
        "request.assertions.[].property", "request.assertions.[].regex",
        "request.assertions.[].source", "request.assertions.[].target", "request.basicAuth",
        "request.basicAuth.password", "request.basicAuth.username", "request.body",
        "request.bodyType", "request.data", "request.followRedirects", "request.grpcConfig",
        "request.grpcConfig.bfbsContent", "request.grpcConfig.encoding",
        "request.grpcConfig.message", "request.grpcConfig.metadata",
        "request.grpcConfig.metadata.[].key", "request.grpcConfig.metadata.[].value",
        "request.grpcConfig.method", "request.grpcConfig.mode",
        "request.grpcConfig.protoContent", "request.grpcConfig.service",
        "request.grpcConfig.serviceDefinition", "request.grpcConfig.tls", "request.headers",
        "request.headers.[].key", "request.headers.[].locked", "request.headers.[].value",
        "request.hostname", "request.ipFamily", "request.maxHops", "request.maxUnknownHops",
        "request.method", "request.nameServer", "request.pingCount", "request.port",
        "request.protocol", "request.ptrLookup", "request.query", "request.queryParameters",
        "request.queryParameters.[].key", "request.queryParameters.[].locked",
        "request.queryParameters.[].value", "request.recordType", "request.skipSSL",
        "request.sslClientCertificateId", "request.sslConfig",
        "request.sslConfig.alertDaysBeforeExpiry",
        "request.sslConfig.clientCertificateMode", "request.sslConfig.handshakeTimeoutMs",
        "request.sslConfig.hostname", "request.sslConfig.ipFamily",
        "request.sslConfig.port", "request.sslConfig.securityBaseline",
        "request.sslConfig.securityBaseline.enabled",
        "request.sslConfig.securityBaseline.knownBadCA",
        "request.sslConfig.securityBaseline.knownBadCA.severity",
        "request.sslConfig.securityBaseline.minKeySizeBits",
        "request.sslConfig.securityBaseline.minKeySizeBits.severity",
        "request.sslConfig.securityBaseline.minKeySizeBits.value",
        "request.sslConfig.securityBaseline.minTLSVersion",
        "request.sslConfig.securityBaseline.minTLSVersion.severity",
        "request.sslConfig.securityBaseline.minTLSVersion.value",
        "request.sslConfig.securityBaseline.ocspMustStapleRespected",
        "request.sslConfig.securityBaseline.ocspMustStapleRespected.severity",
        "request.sslConfig.securityBaseline.recommendedKeySizeBits",
        "request.sslConfig.securityBaseline.recommendedKeySizeBits.severity",
        "request.sslConfig.securityBaseline.recommendedKeySizeBits.value",
        "request.sslConfig.securityBaseline.recommendedTLSVersion",
        "request.sslConfig.securityBaseline.recommendedTLSVersion.severity",
        "request.sslConfig.securityBaseline.recommendedTLSVersion.value",
        "request.sslConfig.securityBaseline.sctPresent",
        "request.sslConfig.securityBaseline.sctPresent.severity",
        "request.sslConfig.securityBaseline.weakCipherSuite",
        "request.sslConfig.securityBaseline.weakCipherSuite.severity",
        "request.sslConfig.securityBaseline.weakSignatureAlgorithm",
        "request.sslConfig.securityBaseline.weakSignatureAlgorithm.severity",
        "request.sslConfig.serverName", "request.sslConfig.skipChainValidation",
        "request.timeout", "request.url", "retryStrategy",
        "retryStrategy.baseBackoffSeconds", "retryStrategy.maxDurationSeconds",
        "retryStrategy.maxRetries", "retryStrategy.onlyOn", "retryStrategy.sameRegion",
        "retryStrategy.type", "runParallel", "runtimeId", "script", "scriptPath",
        "setupScriptDependencies", "setupScriptDependencies.[].content",
        "setupScriptDependencies.[].path", "setupSnippetId", "shouldFail", "sslCheckDomain",
        "tags", "tearDownScriptDependencies", "tearDownScriptDependencies.[].content",
        "tearDownScriptDependencies.[].path", "tearDownSnippetId", "testCommand",
        "triggerIncident", "triggerIncident.description", "triggerIncident.name",
        "triggerIncident.notifySubscribers", "triggerIncident.serviceId",
        "triggerIncident.severity", "updated_at", "useGlobalAlertSettings", "workingDir"),
    # GET /v1/check-groups: CheckGroupRead
    "check_groups": (
        *PROJECT_BINDINGS, *ALERT_SETTINGS, "activated", "alertChannelSubscriptions",
        "alertChannelSubscriptions.[].activated",
        "alertChannelSubscriptions.[].alertChannelId", "apiCheckDefaults",
        "apiCheckDefaults.assertions", "apiCheckDefaults.assertions.[].comparison",
        "apiCheckDefaults.assertions.[].property", "apiCheckDefaults.assertions.[].regex",
        "apiCheckDefaults.assertions.[].source", "apiCheckDefaults.assertions.[].target",
        "apiCheckDefaults.basicAuth", "apiCheckDefaults.basicAuth.password",
        "apiCheckDefaults.basicAuth.username", "apiCheckDefaults.headers",
        "apiCheckDefaults.headers.[].key", "apiCheckDefaults.headers.[].locked",
        "apiCheckDefaults.headers.[].value", "apiCheckDefaults.queryParameters",
        "apiCheckDefaults.queryParameters.[].key",
        "apiCheckDefaults.queryParameters.[].locked",
        "apiCheckDefaults.queryParameters.[].value", "apiCheckDefaults.url",
        "browserCheckDefaults", "concurrency", "created_at", "doubleCheck",
        "environmentVariables", "environmentVariables.[].key",
        "environmentVariables.[].locked", "environmentVariables.[].secret",
        "environmentVariables.[].value", "id", "localSetupScript", "localTearDownScript",
        "locations", "muted", "name", "privateLocations", "retryStrategy",
        "retryStrategy.baseBackoffSeconds", "retryStrategy.maxDurationSeconds",
        "retryStrategy.maxRetries", "retryStrategy.onlyOn", "retryStrategy.sameRegion",
        "retryStrategy.type", "runParallel", "runtimeId", "setupSnippetId", "tags",
        "tearDownSnippetId", "updated_at", "useGlobalAlertSettings"),
    # GET /v1/check-statuses: CheckStatus
    "check_statuses": (
        "checkId", "created_at", "hasErrors", "hasFailures", "isDegraded", "lastCheckRunId",
        "lastRunLocation", "longestRun", "name", "shortestRun", "sslDaysRemaining",
        "updated_at"),
    # GET /v1/alert-channels: AlertChannelRead
    "alert_channels": (
        *PROJECT_BINDINGS, "autoSubscribe", "config", "created_at", "id", "sendDegraded",
        "sendFailure", "sendRecovery", "sslExpiry", "sslExpiryThreshold", "subscriptions",
        "subscriptions.[].activated", "subscriptions.[].checkId",
        "subscriptions.[].groupId", "subscriptions.[].id", "type", "updated_at"),
    # GET /v1/dashboards: DashboardListItem
    "dashboards": (
        *PROJECT_BINDINGS, "checksPerPage", "created_at", "customCSS", "customDomain",
        "customUrl", "dashboardId", "description", "enableIncidents", "expandChecks",
        "favicon", "header", "hideTags", "id", "isPrivate", "keys", "keys.[].created_at",
        "keys.[].id", "keys.[].maskedKey", "keys.[].rawKey", "keys.[].updated_at", "link",
        "logo", "paginate", "paginationRate", "refreshRate", "showCheckRunLinks",
        "showGroupNames", "showHeader", "showP95", "showP99", "sortByStatus", "tags",
        "useTagsAndOperator", "width"),
    # GET /v1/maintenance-windows: MaintenanceWindow
    "maintenance_windows": (
        *PROJECT_BINDINGS, "created_at", "description", "endsAt", "id", "name",
        "pauseAllChecks", "repeatEndsAt", "repeatInterval", "repeatUnit",
        "silenceAlertsTags", "silenceAllAlerts", "startsAt", "statusPageVisibility",
        "statusPageVisibility.affectAllServices", "statusPageVisibility.autoEnd",
        "statusPageVisibility.autoStart", "statusPageVisibility.enabled",
        "statusPageVisibility.notifyOnEnd", "statusPageVisibility.notifyOnStart",
        "statusPageVisibility.reminderMinutesBefore", "statusPageVisibility.serviceIds",
        "statusPageVisibility.severity", "statusPageVisibility.showAffectedServices",
        "statusPageVisibility.statusPageIds", "statusPageVisibility.suppressAutoIncidents",
        "tags", "timezone", "updated_at"),
    # GET /v1/snippets: Snippet
    "snippets": (
        "created_at", "id", "name", "script", "updated_at"),
    # GET /v1/private-locations: privateLocationsSchema
    "private_locations": (
        *PROJECT_BINDINGS, "agentCount", "created_at", "icon", "id", "keys",
        "keys.[].created_at", "keys.[].id", "keys.[].maskedKey", "keys.[].rawKey",
        "keys.[].updated_at", "lastSeen", "minAgentVersion", "name", "proxyUrl",
        "runningAgents", "runningAgents.[].agents", "runningAgents.[].agents.[].id",
        "runningAgents.[].agents.[].lastSeenAt", "runningAgents.[].count",
        "runningAgents.[].isOutdated", "runningAgents.[].version", "slugName", "updated_at"),
    # GET /v1/variables: EnvironmentVariablesV1ReadResponse
    "environment_variables": (
        "key", "locked", "secret", "value"),
    # GET /v2/check-results/{checkId}: CheckResultListV2, its entries CheckResultListEntry
    # (CheckResult)
    "check_results": (
        "agenticCheckResult", "agenticCheckResult.artifactManifest",
        "agenticCheckResult.assertions", "agenticCheckResult.assertions.[].actual",
        "agenticCheckResult.assertions.[].condition",
        "agenticCheckResult.assertions.[].expected",
        "agenticCheckResult.assertions.[].passed", "agenticCheckResult.errors",
        "agenticCheckResult.prompt", "agenticCheckResult.steps",
        "agenticCheckResult.steps.[].input", "agenticCheckResult.steps.[].name",
        "agenticCheckResult.steps.[].output", "agenticCheckResult.steps.[].sequenceNumber",
        "agenticCheckResult.steps.[].timestamp", "agenticCheckResult.steps.[].type",
        "agenticCheckResult.suggestions", "agenticCheckResult.suggestions.[].category",
        "agenticCheckResult.suggestions.[].prompt",
        "agenticCheckResult.suggestions.[].promptReplacement",
        "agenticCheckResult.suggestions.[].secrets",
        "agenticCheckResult.suggestions.[].summary", "agenticCheckResult.summary",
        "apiCheckResult", "apiCheckResult.assertions", "apiCheckResult.jobAssets",
        "apiCheckResult.jobLog", "apiCheckResult.pcapDataUrl", "apiCheckResult.request",
        "apiCheckResult.request.data", "apiCheckResult.request.headers",
        "apiCheckResult.request.method", "apiCheckResult.request.params",
        "apiCheckResult.request.url", "apiCheckResult.requestError",
        "apiCheckResult.response", "apiCheckResult.response.body",
        "apiCheckResult.response.bodyEncoding", "apiCheckResult.response.headers",
        "apiCheckResult.response.status", "apiCheckResult.response.statusText",
        "apiCheckResult.response.timingPhases", "apiCheckResult.response.timings",
        "attempts", "browserCheckResult", "browserCheckResult.endTime",
        "browserCheckResult.errors", "browserCheckResult.jobAssets",
        "browserCheckResult.jobLog", "browserCheckResult.pages",
        "browserCheckResult.playwrightTestJsonReportFile",
        "browserCheckResult.playwrightTestTraces",
        "browserCheckResult.playwrightTestVideos", "browserCheckResult.runtimeVersion",
        "browserCheckResult.startTime", "browserCheckResult.traceSummary",
        "browserCheckResult.type", "checkId", "checkRunId", "createdAt", "created_at",
        "errorGroupIds", "grpcCheckResult", "grpcCheckResult.assertions",
        "grpcCheckResult.grpcStatusCode", "grpcCheckResult.healthStatus",
        "grpcCheckResult.request", "grpcCheckResult.requestError",
        "grpcCheckResult.response", "grpcCheckResult.response.discoveredMethods",
        "grpcCheckResult.response.grpcMethod", "grpcCheckResult.response.grpcMode",
        "grpcCheckResult.response.grpcStatusCode",
        "grpcCheckResult.response.grpcStatusMessage",
        "grpcCheckResult.response.healthStatus",
        "grpcCheckResult.response.healthStatusLabel", "grpcCheckResult.response.host",
        "grpcCheckResult.response.metadata", "grpcCheckResult.response.port",
        "grpcCheckResult.response.requestError", "grpcCheckResult.response.resolvedIp",
        "grpcCheckResult.response.responseMessage", "grpcCheckResult.response.timingPhases",
        "grpcCheckResult.timingPhases", "hasErrors", "hasFailures", "id", "isCancelled",
        "isDegraded", "multiStepCheckResult", "multiStepCheckResult.endTime",
        "multiStepCheckResult.errors", "multiStepCheckResult.jobAssets",
        "multiStepCheckResult.jobLog", "multiStepCheckResult.playwrightTestJsonReportFile",
        "multiStepCheckResult.playwrightTestTraces", "multiStepCheckResult.runtimeVersion",
        "multiStepCheckResult.startTime", "name", "overMaxResponseTime",
        "playwrightCheckResult", "playwrightCheckResult.errors",
        "playwrightCheckResult.jobAssets", "playwrightCheckResult.jobLog",
        "playwrightCheckResult.playwrightTestJsonReportFile",
        "playwrightCheckResult.playwrightTestTraces",
        "playwrightCheckResult.playwrightTestVideos",
        "playwrightCheckResult.playwrightTraceFiles",
        "playwrightCheckResult.playwrightTraceFiles.[].filename",
        "playwrightCheckResult.playwrightTraceFiles.[].name",
        "playwrightCheckResult.playwrightTraceFiles.[].url", "responseTime", "resultType",
        "runLocation", "sequenceId", "sslCheckResult", "sslCheckResult.assertions",
        "sslCheckResult.baselineGrade", "sslCheckResult.baselineVerdict",
        "sslCheckResult.chainTrusted", "sslCheckResult.cipherSuite",
        "sslCheckResult.daysUntilExpiry", "sslCheckResult.failureCategory",
        "sslCheckResult.handshakeTimeMs", "sslCheckResult.hostnameVerified",
        "sslCheckResult.request", "sslCheckResult.requestError", "sslCheckResult.response",
        "sslCheckResult.response.certificate", "sslCheckResult.response.chain",
        "sslCheckResult.response.chainTrustDetail",
        "sslCheckResult.response.chainTrustReason", "sslCheckResult.response.chainTrusted",
        "sslCheckResult.response.cipherSuite", "sslCheckResult.response.daysUntilExpiry",
        "sslCheckResult.response.handshakeTimeMs",
        "sslCheckResult.response.hostnameVerified",
        "sslCheckResult.response.incompleteChain",
        "sslCheckResult.response.missingIntermediate",
        "sslCheckResult.response.ocspStapled", "sslCheckResult.response.ocspStatus",
        "sslCheckResult.response.protocol", "sslCheckResult.response.resolvedIp",
        "sslCheckResult.response.securityBaseline", "sslCheckResult.tlsVersion",
        "startedAt", "stoppedAt", "traceId", "tracerouteCheckResult",
        "tracerouteCheckResult.assertions", "tracerouteCheckResult.destinationReached",
        "tracerouteCheckResult.finalHopLatency", "tracerouteCheckResult.request",
        "tracerouteCheckResult.requestError", "tracerouteCheckResult.response",
        "tracerouteCheckResult.response.destinationReached",
        "tracerouteCheckResult.response.finalHopLatency",
        "tracerouteCheckResult.response.hops", "tracerouteCheckResult.response.hostname",
        "tracerouteCheckResult.response.probeProtocol",
        "tracerouteCheckResult.response.protocol",
        "tracerouteCheckResult.response.resolvedIp",
        "tracerouteCheckResult.response.totalHops",
        "tracerouteCheckResult.response.truncationReason",
        "tracerouteCheckResult.timingPhases", "tracerouteCheckResult.totalHops"),
    # GET /v1/check-alerts: CheckAlert
    "check_alerts": (
        "alertType", "checkId", "checkType", "created_at", "error", "id", "name",
        "responseTime", "runLocation", "startedAt", "statusCode"),
    # GET /v1/alert-notifications: AlertNotification
    "alert_notifications": (
        "alertChannelId", "alertConfig", "checkAlertId", "checkId", "checkResultId",
        "checkType", "id", "notificationResult", "status", "timestamp", "type"),
    # GET /v1/reporting: Reporting
    "reporting": (
        "aggregate", "aggregate.avg", "aggregate.p95", "aggregate.p99",
        "aggregate.successRatio", "aggregates", "aggregates.[].avg", "aggregates.[].from",
        "aggregates.[].p95", "aggregates.[].p99", "aggregates.[].successRatio",
        "aggregates.[].to", "checkId", "checkType", "deactivated", "name", "tags"),
    # GET /v1/locations: PublicLocation
    "locations": (
        "name", "region"),
    # GET /v1/runtimes: Runtime
    "runtimes": (
        "dependencies", "description", "multiStepSupport", "name", "nodeJsVersion",
        "runtimeEndOfLife", "stage"),
    # GET /v1/status-pages: StatusPagesV2Entries
    "status_pages": (
        *PROJECT_BINDINGS, "accountId", "cards", "cards.[].created_at", "cards.[].id",
        "cards.[].name", "cards.[].services", "cards.[].services.[].accountId",
        "cards.[].services.[].created_at", "cards.[].services.[].id",
        "cards.[].services.[].name", "cards.[].services.[].updated_at",
        "cards.[].updated_at", "created_at", "customDomain", "defaultTheme", "description",
        "favicon", "id", "incidents", "incidents.[].created_at", "incidents.[].duration",
        "incidents.[].id", "incidents.[].incidentUpdates",
        "incidents.[].incidentUpdates.[].created_at",
        "incidents.[].incidentUpdates.[].description", "incidents.[].incidentUpdates.[].id",
        "incidents.[].incidentUpdates.[].notifySubscribers",
        "incidents.[].incidentUpdates.[].publicIncidentUpdateDate",
        "incidents.[].incidentUpdates.[].status", "incidents.[].lastUpdateStatus",
        "incidents.[].name", "incidents.[].services", "incidents.[].services.[].accountId",
        "incidents.[].services.[].created_at", "incidents.[].services.[].id",
        "incidents.[].services.[].name", "incidents.[].services.[].updated_at",
        "incidents.[].severity", "incidents.[].updated_at", "isPrivate", "keys",
        "keys.[].created_at", "keys.[].id", "keys.[].maskedKey", "keys.[].updated_at",
        "logo", "logoDark", "name", "redirectTo", "themeColors", "themeColors.dark",
        "themeColors.dark.bodyBackgroundColor", "themeColors.dark.bodyFontColor",
        "themeColors.dark.bodyFontColorMuted", "themeColors.dark.borderColor",
        "themeColors.dark.cardBackgroundColor", "themeColors.dark.headerBackgroundColor",
        "themeColors.dark.headerFontColor", "themeColors.dark.linkFontColor",
        "themeColors.dark.navigationFontColor",
        "themeColors.dark.primaryButtonBackgroundColor",
        "themeColors.dark.primaryButtonFontColor", "themeColors.dark.titleFontColor",
        "themeColors.light", "themeColors.light.bodyBackgroundColor",
        "themeColors.light.bodyFontColor", "themeColors.light.bodyFontColorMuted",
        "themeColors.light.borderColor", "themeColors.light.cardBackgroundColor",
        "themeColors.light.headerBackgroundColor", "themeColors.light.headerFontColor",
        "themeColors.light.linkFontColor", "themeColors.light.navigationFontColor",
        "themeColors.light.primaryButtonBackgroundColor",
        "themeColors.light.primaryButtonFontColor", "themeColors.light.titleFontColor",
        "updated_at", "url", "version"),
    # GET /v1/status-pages/services: ServiceList
    "status_page_services": (
        "accountId", "created_at", "id", "name", "updated_at"),
    # GET /v1/status-pages/incidents: IncidentsPaginatedEntries
    "status_page_incidents": (
        "created_at", "duration", "id", "incidentUpdates", "incidentUpdates.[].created_at",
        "incidentUpdates.[].description", "incidentUpdates.[].id",
        "incidentUpdates.[].notifySubscribers",
        "incidentUpdates.[].publicIncidentUpdateDate", "incidentUpdates.[].status",
        "lastUpdateStatus", "name", "services", "services.[].accountId",
        "services.[].created_at", "services.[].id", "services.[].name",
        "services.[].updated_at", "severity", "updated_at"),
}


FREE_FORM_OBJECT_LISTS: list[tuple[str, str]] = [
    # (a result type's field of CheckResult, the path of a list in it): arrays of
    # CheckResultFreeformObject ({"type": "object", "properties": {},
    # "additionalProperties": {"nullable": true}})
    ("agenticCheckResult", "errors"),
    ("playwrightCheckResult", "errors"),
    ("tracerouteCheckResult", "assertions"),
    ("tracerouteCheckResult", "response.hops"),
    ("grpcCheckResult", "assertions"),
    ("grpcCheckResult", "response.metadata"),
    ("sslCheckResult", "assertions"),
    ("sslCheckResult", "response.chain"),
]
ANY_VALUE_LISTS: list[tuple[str, str]] = [
    # arrays whose items are any value ({"nullable": true})
    ("browserCheckResult", "errors"),
    ("multiStepCheckResult", "errors"),
]
FREE_FORM_LISTS = FREE_FORM_OBJECT_LISTS + ANY_VALUE_LISTS
"""The lists of free-form items in check results: each must pass through the tap and the
flattener whole."""
