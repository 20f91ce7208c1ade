// What the staging load test reports (infra/release/load-test/script.js pushes it to the
// Pushgateway): read by `npm run promote` (the gate) and the model dashboard. No Pulumi imports, so
// the CLIs load it cheaply.

/** The Pushgateway group (job label) the result is pushed to; promote queries it. */
export const loadTestJobLabel = "pneumonia-load-test";
/** The gauges the script pushes (labelled with `image`); promote and the model dashboard read them. */
export const loadTestMetrics = {
    passed: "pneumonia_load_test_passed",
    p95Seconds: "pneumonia_load_test_p95_seconds",
    errorRatio: "pneumonia_load_test_error_ratio",
    requests: "pneumonia_load_test_requests",
    timestamp: "pneumonia_load_test_timestamp_seconds",
} as const;
