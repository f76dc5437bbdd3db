// Generated from openapi/i8.yaml by scripts/generate-i8-types.mjs (npm run i8:types). Do not edit.

export interface paths {
    "/i8/oauth/token": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Client-credentials token (RFC 6749 §4.4) */
        post: operations["issueToken"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/i8/.well-known/jwks.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Public keys of the embedded token issuer */
        get: operations["jwks"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/i8/meters": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Meters the caller may see */
        get: operations["listMeters"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/i8/usage-points": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Usage points (supply points) the caller may see, with their meters */
        get: operations["listUsagePoints"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/i8/readings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Interval and register readings (scope readings:read) */
        get: operations["listReadings"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/i8/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** End device events (scope events:read) */
        get: operations["listEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/i8/interruptions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Supply and customer-requested interruptions overlapping a window (scope interruptions:read) */
        get: operations["listInterruptions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/i8/reports/interruptions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Supply interruptions per period (SAIFI / SAIDI inputs; scope reports:read) */
        get: operations["interruptionReport"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/i8/reports/voltage-quality": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Share of voltage samples outside the band, per meter and period (scope reports:read) */
        get: operations["voltageQualityReport"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/i8/exports/readings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** On-request export of a large range as CSV, streamed (scope readings:read) */
        get: operations["exportReadings"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/i7/readings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Readings inserted or corrected after a watermark, in change order (scope export:read)
         * @description Every committed new or changed reading appears once per change, as that change left it
         *     (`change` = inserted | corrected). Pass the `I7-Watermark` of the previous answer (or the
         *     `changeId` of the last row stored, after a broken transfer) as `since`; no `since` starts at
         *     the beginning. Watermarks survive gateway restarts. Rows are limited to the caller's data scope.
         *     The change journal keeps entries `i7.journal.retentionDays` and while a client still in use has
         *     not passed them: asking from before what is left is `410` with the `horizon` watermark to
         *     continue from once the history is reloaded (never an answer with a gap).
         */
        get: operations["exportReadingChanges"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/i7/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Events stored after a watermark, in arrival order (scope export:read) */
        get: operations["exportEventChanges"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/i7/interruptions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Interruptions opened, closed or otherwise changed after a watermark, one row per change (scope export:read) */
        get: operations["exportInterruptionChanges"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/i8/delivery-jobs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's delivery jobs */
        get: operations["listDeliveryJobs"];
        put?: never;
        /** A periodic delivery of a query's result (webhook or file) */
        post: operations["createDeliveryJob"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/i8/delivery-jobs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        get: operations["getDeliveryJob"];
        put?: never;
        post?: never;
        delete: operations["deleteDeliveryJob"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/i8/consents": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["listConsents"];
        put?: never;
        post: operations["grantConsent"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/i8/consents/{id}/revoke": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["revokeConsent"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        Problem: {
            type: string;
            title: string;
            status: number;
            detail: string;
            retryAfterSeconds?: number;
            /** @description I7 410: the watermark from which the journal is complete */
            horizon?: string;
        };
        TokenRequest: {
            /** @constant */
            grant_type: "client_credentials";
            client_id?: string;
            client_secret?: string;
            /** @description Space-separated subset of the client's scopes */
            scope?: string;
        };
        TokenResponse: {
            access_token: string;
            /** @constant */
            token_type: "Bearer";
            expires_in: number;
            scope: string;
        };
        /** @enum {string} */
        Scope: "readings:read" | "events:read" | "interruptions:read" | "reports:read" | "export:read";
        Meter: {
            mRID: string;
            names: string[];
            serialNumber?: string;
            status: string;
            usagePoint?: string;
        };
        MeterPage: {
            items: components["schemas"]["Meter"][];
            nextCursor?: string;
        };
        UsagePoint: {
            mRID: string;
            names?: string[];
            meters: string[];
        };
        UsagePointPage: {
            items: components["schemas"]["UsagePoint"][];
            nextCursor?: string;
        };
        Reading: {
            meter: string;
            usagePoint?: string;
            readingType: string;
            /** Format: date-time */
            timestamp: string;
            value?: number;
            qualities: string[];
            /** @enum {string} */
            kind: "interval" | "register";
        };
        ReadingPage: {
            items: components["schemas"]["Reading"][];
            nextCursor?: string;
        };
        Event: {
            id: string;
            mRID?: string;
            device: string;
            usagePoint?: string;
            eventType: string;
            /** Format: date-time */
            createdDateTime: string;
            reason?: string;
            severity?: string;
            details?: {
                name: string;
                value: string;
            }[];
        };
        EventPage: {
            items: components["schemas"]["Event"][];
            nextCursor?: string;
        };
        Interruption: {
            id: number;
            meter: string;
            usagePoint?: string;
            /** @enum {string} */
            kind: "supply" | "customer-requested";
            /** Format: date-time */
            start?: string;
            /** Format: date-time */
            end?: string;
            durationSeconds?: number;
            cause?: string;
        };
        InterruptionPage: {
            items: components["schemas"]["Interruption"][];
            nextCursor?: string;
        };
        InterruptionPeriod: {
            /** Format: date-time */
            periodStart: string;
            /** Format: date-time */
            periodEnd: string;
            /** @description Supply interruptions longer than the threshold (one per meter) */
            count: number;
            /** @description Their total duration */
            durationSeconds: number;
            /** @description Distinct usage points (else meters) interrupted */
            customersAffected: number;
            /** @description Sum of durations in hours: SAIDI numerator */
            customerHoursInterrupted: number;
            excludedCustomerRequested: number;
            /** @description At or under the threshold */
            excludedShort: number;
            /** @description Open at the period's end (counted with duration up to it) */
            stillOpen?: number;
        };
        InterruptionReport: {
            /** Format: date-time */
            from: string;
            /** Format: date-time */
            to: string;
            timeZone: string;
            thresholdSeconds: number;
            /** @description Usage points in the caller's scope: the SAIFI / SAIDI denominator */
            customersServed: number;
            periods: components["schemas"]["InterruptionPeriod"][];
        };
        VoltageQualityRow: {
            meter: string;
            /** Format: date-time */
            periodStart: string;
            /** Format: date-time */
            periodEnd: string;
            samples: number;
            outOfBand: number;
            below: number;
            above: number;
            /** @description outOfBand / samples (0 when no samples) */
            shareOutOfBand: number;
        };
        VoltageQualityReport: {
            /** Format: date-time */
            from: string;
            /** Format: date-time */
            to: string;
            timeZone: string;
            nominalVoltage: number;
            bandPercent: number;
            lowLimit: number;
            highLimit: number;
            rows: components["schemas"]["VoltageQualityRow"][];
        };
        DeliveryQuery: {
            /** @enum {string} */
            resource: "readings" | "events" | "interruptions";
            meter?: string[];
            usagePoint?: string[];
            readingType?: string[];
            eventType?: string[];
            /** @description Each run covers (run time − lookback, run time] */
            lookbackMinutes?: number;
            /**
             * @default csv
             * @enum {string}
             */
            format: "json" | "csv" | "xml";
        };
        DeliveryTarget: {
            /** @constant */
            kind: "webhook";
            /** Format: uri */
            url: string;
        } | {
            /** @constant */
            kind: "file";
        };
        /** @description What a client sends; no other properties. */
        DeliveryJobInput: components["schemas"]["DeliveryJobFields"];
        DeliveryJobFields: {
            name?: string;
            /** @description 5- or 6-field cron (croner) */
            cron: string;
            /** @description Default America/Santiago */
            timeZone?: string;
            query: components["schemas"]["DeliveryQuery"];
            target: components["schemas"]["DeliveryTarget"];
        };
        DeliveryJob: components["schemas"]["DeliveryJobFields"] & {
            id: string;
            clientId: string;
            timeZone: string;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            nextRunAt?: string;
        };
        DeliveryRun: {
            id: number;
            jobId: string;
            /** Format: date-time */
            scheduledFor: string;
            /** @enum {string} */
            state: "pending" | "delivered" | "failed";
            attempts: number;
            rows: number;
            lastError?: string;
            /** Format: date-time */
            deliveredAt?: string;
            /** @description File name (file target) */
            location?: string;
        };
        DeliveryJobWithRuns: {
            job: components["schemas"]["DeliveryJob"];
            runs: components["schemas"]["DeliveryRun"][];
        };
        ConsentInput: components["schemas"]["ConsentFields"];
        ConsentFields: {
            clientId: string;
            usagePoint: string;
            /** Format: date-time */
            start: string;
            /** Format: date-time */
            end?: string;
            /** @description The customer's signed consent (document id) */
            reference?: string;
        };
        Consent: components["schemas"]["ConsentFields"] & {
            id: string;
            /** Format: date-time */
            grantedAt: string;
            /** Format: date-time */
            revokedAt?: string;
        };
    };
    responses: {
        /** @description CSV streamed in change order; first column `changeId` (the row's own watermark) */
        I7Csv: {
            headers: {
                /** @description Pass as `since` next time; equals `since` when nothing changed */
                "I7-Watermark"?: string;
                /** @description `true` when `limit` cut the answer: ask again at once */
                "I7-More"?: "true" | "false";
                [name: string]: unknown;
            };
            content: {
                "text/csv": string;
            };
        };
        /** @description Error (RFC 9457) */
        Problem: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description OAuth 2.0 error (RFC 6749 §5.2) */
        OAuthError: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": {
                    /** @enum {string} */
                    error: "invalid_request" | "invalid_client" | "invalid_grant" | "unauthorized_client" | "unsupported_grant_type" | "invalid_scope";
                    error_description?: string;
                };
            };
        };
    };
    parameters: {
        /** @description `nextCursor` of the previous page */
        cursor: string;
        limit: number;
        /** @description Meter mRID(s); repeat or comma-separate. */
        meter: string;
        /** @description UsagePoint mRID(s); repeat or comma-separate. */
        usagePoint: string;
        /** @description Exclusive start (readings are stamped at their interval's end) */
        from: string;
        /** @description Inclusive end */
        to: string;
        fromRequired: string;
        toRequired: string;
        /** @description Watermark (`I7-Watermark` or a row's `changeId`): `r<seq>.<index>` for readings, `e<seq>` events, `i<seq>` interruptions; absent = from the beginning */
        since: string;
        /** @description Rows at most (default 100000, at most 1000000) */
        i7limit: number;
        /** @description Periods in the configured time zone */
        period: "day" | "month" | "all";
    };
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    issueToken: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/x-www-form-urlencoded": components["schemas"]["TokenRequest"];
                "application/json": components["schemas"]["TokenRequest"];
            };
        };
        responses: {
            /** @description Access token */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TokenResponse"];
                };
            };
            400: components["responses"]["OAuthError"];
            401: components["responses"]["OAuthError"];
        };
    };
    jwks: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description JWK set */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        keys: Record<string, never>[];
                    };
                };
            };
        };
    };
    listMeters: {
        parameters: {
            query?: {
                /** @description `nextCursor` of the previous page */
                cursor?: components["parameters"]["cursor"];
                limit?: components["parameters"]["limit"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of meters */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MeterPage"];
                };
            };
            default: components["responses"]["Problem"];
        };
    };
    listUsagePoints: {
        parameters: {
            query?: {
                /** @description `nextCursor` of the previous page */
                cursor?: components["parameters"]["cursor"];
                limit?: components["parameters"]["limit"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of usage points */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UsagePointPage"];
                };
            };
            default: components["responses"]["Problem"];
        };
    };
    listReadings: {
        parameters: {
            query?: {
                /** @description Meter mRID(s); repeat or comma-separate. */
                meter?: components["parameters"]["meter"];
                /** @description UsagePoint mRID(s); repeat or comma-separate. */
                usagePoint?: components["parameters"]["usagePoint"];
                /** @description ReadingType code(s); repeat or comma-separate. */
                readingType?: string;
                /** @description Exclusive start (readings are stamped at their interval's end) */
                from?: components["parameters"]["from"];
                /** @description Inclusive end */
                to?: components["parameters"]["to"];
                /** @description `nextCursor` of the previous page */
                cursor?: components["parameters"]["cursor"];
                limit?: components["parameters"]["limit"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of readings ordered by (meter, reading type, timestamp) */
            200: {
                headers: {
                    /** @description `<…cursor=…>; rel="next"` when there is a next page */
                    Link?: string;
                    /** @description Next cursor (CSV and XML answers) */
                    "I8-Next-Cursor"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReadingPage"];
                    "text/csv": string;
                    "application/xml": string;
                };
            };
            default: components["responses"]["Problem"];
        };
    };
    listEvents: {
        parameters: {
            query?: {
                /** @description Meter mRID(s); repeat or comma-separate. */
                meter?: components["parameters"]["meter"];
                /** @description UsagePoint mRID(s); repeat or comma-separate. */
                usagePoint?: components["parameters"]["usagePoint"];
                /** @description EndDeviceEventType code(s); repeat or comma-separate. */
                eventType?: string;
                /** @description Exclusive start (readings are stamped at their interval's end) */
                from?: components["parameters"]["from"];
                /** @description Inclusive end */
                to?: components["parameters"]["to"];
                /** @description `nextCursor` of the previous page */
                cursor?: components["parameters"]["cursor"];
                limit?: components["parameters"]["limit"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of events ordered by event time, then arrival */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EventPage"];
                    "text/csv": string;
                    "application/xml": string;
                };
            };
            default: components["responses"]["Problem"];
        };
    };
    listInterruptions: {
        parameters: {
            query: {
                /** @description Meter mRID(s); repeat or comma-separate. */
                meter?: components["parameters"]["meter"];
                /** @description UsagePoint mRID(s); repeat or comma-separate. */
                usagePoint?: components["parameters"]["usagePoint"];
                from: components["parameters"]["fromRequired"];
                to: components["parameters"]["toRequired"];
                /** @description `nextCursor` of the previous page */
                cursor?: components["parameters"]["cursor"];
                limit?: components["parameters"]["limit"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of interruptions */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["InterruptionPage"];
                    "text/csv": string;
                };
            };
            default: components["responses"]["Problem"];
        };
    };
    interruptionReport: {
        parameters: {
            query: {
                from: components["parameters"]["fromRequired"];
                to: components["parameters"]["toRequired"];
                /** @description Periods in the configured time zone */
                period?: components["parameters"]["period"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Figures per period */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["InterruptionReport"];
                    "text/csv": string;
                };
            };
            default: components["responses"]["Problem"];
        };
    };
    voltageQualityReport: {
        parameters: {
            query: {
                /** @description Meter mRID(s); repeat or comma-separate. */
                meter?: components["parameters"]["meter"];
                from: components["parameters"]["fromRequired"];
                to: components["parameters"]["toRequired"];
                /** @description Periods in the configured time zone */
                period?: components["parameters"]["period"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Figures per meter and period */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["VoltageQualityReport"];
                    "text/csv": string;
                };
            };
            default: components["responses"]["Problem"];
        };
    };
    exportReadings: {
        parameters: {
            query: {
                /** @description Meter mRID(s); repeat or comma-separate. */
                meter?: components["parameters"]["meter"];
                /** @description UsagePoint mRID(s); repeat or comma-separate. */
                usagePoint?: components["parameters"]["usagePoint"];
                readingType?: string;
                from: components["parameters"]["fromRequired"];
                to: components["parameters"]["toRequired"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description CSV, chunked */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/csv": string;
                };
            };
            default: components["responses"]["Problem"];
        };
    };
    exportReadingChanges: {
        parameters: {
            query?: {
                /** @description Watermark (`I7-Watermark` or a row's `changeId`): `r<seq>.<index>` for readings, `e<seq>` events, `i<seq>` interruptions; absent = from the beginning */
                since?: components["parameters"]["since"];
                /** @description Rows at most (default 100000, at most 1000000) */
                limit?: components["parameters"]["i7limit"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: components["responses"]["I7Csv"];
            410: components["responses"]["Problem"];
            default: components["responses"]["Problem"];
        };
    };
    exportEventChanges: {
        parameters: {
            query?: {
                /** @description Watermark (`I7-Watermark` or a row's `changeId`): `r<seq>.<index>` for readings, `e<seq>` events, `i<seq>` interruptions; absent = from the beginning */
                since?: components["parameters"]["since"];
                /** @description Rows at most (default 100000, at most 1000000) */
                limit?: components["parameters"]["i7limit"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: components["responses"]["I7Csv"];
            default: components["responses"]["Problem"];
        };
    };
    exportInterruptionChanges: {
        parameters: {
            query?: {
                /** @description Watermark (`I7-Watermark` or a row's `changeId`): `r<seq>.<index>` for readings, `e<seq>` events, `i<seq>` interruptions; absent = from the beginning */
                since?: components["parameters"]["since"];
                /** @description Rows at most (default 100000, at most 1000000) */
                limit?: components["parameters"]["i7limit"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: components["responses"]["I7Csv"];
            410: components["responses"]["Problem"];
            default: components["responses"]["Problem"];
        };
    };
    listDeliveryJobs: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Jobs */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["DeliveryJob"][];
                    };
                };
            };
            default: components["responses"]["Problem"];
        };
    };
    createDeliveryJob: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["DeliveryJobInput"];
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeliveryJob"];
                };
            };
            default: components["responses"]["Problem"];
        };
    };
    getDeliveryJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The job and its recent runs */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeliveryJobWithRuns"];
                };
            };
            default: components["responses"]["Problem"];
        };
    };
    deleteDeliveryJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            default: components["responses"]["Problem"];
        };
    };
    listConsents: {
        parameters: {
            query?: {
                clientId?: string;
                usagePoint?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Consents */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["Consent"][];
                    };
                };
            };
        };
    };
    grantConsent: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ConsentInput"];
            };
        };
        responses: {
            /** @description Granted */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Consent"];
                };
            };
            default: components["responses"]["Problem"];
        };
    };
    revokeConsent: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Revoked (effective on the client's next request) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Consent"];
                };
            };
            default: components["responses"]["Problem"];
        };
    };
}
