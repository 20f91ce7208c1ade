// What the drill checks on the restored stack: the detector and MLflow answer, and MLflow holds as
// many experiments, runs and registered models as the database backup it was restored from.

export type Fetch = typeof fetch;

export async function expectHealthy(fetchImpl: Fetch, url: string, what: string): Promise<void> {
    let status: number;
    try {
        status = (await fetchImpl(url, { signal: AbortSignal.timeout(10_000) })).status;
    } catch (error) {
        throw new Error(`${what} ${url}: ${(error as Error).message}`, { cause: error });
    }
    if (status !== 200) throw new Error(`${what} ${url}: HTTP ${status}, expected 200`);
}

async function post<T>(fetchImpl: Fetch, url: string, body: unknown): Promise<T> {
    const response = await fetchImpl(url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
    });
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    return (await response.json()) as T;
}

async function get<T>(fetchImpl: Fetch, url: string): Promise<T> {
    const response = await fetchImpl(url, { signal: AbortSignal.timeout(30_000) });
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    return (await response.json()) as T;
}

/**
 * Counts through MLflow's REST API (https://mlflow.org/docs/latest/api_reference/rest-api.html),
 * deleted experiments and runs included (their tables hold both; a deleted registered model is
 * removed from its table).
 */
export async function mlflowCounts(
    fetchImpl: Fetch,
    mlflowUrl: string,
): Promise<{ experiments: number; runs: number; registeredModels: number }> {
    const ids: string[] = [];
    let token: string | undefined;
    do {
        const page = await post<{ experiments?: { experiment_id: string }[]; next_page_token?: string }>(
            fetchImpl,
            `${mlflowUrl}/api/2.0/mlflow/experiments/search`,
            {
                max_results: 1000,
                view_type: "ALL",
                ...(token ? { page_token: token } : {}),
            },
        );
        ids.push(...(page.experiments ?? []).map((e) => e.experiment_id));
        token = page.next_page_token || undefined;
    } while (token);
    let runs = 0;
    // runs/search takes a bounded list of experiments per call.
    for (let i = 0; i < ids.length; i += 100) {
        let runToken: string | undefined;
        do {
            const page = await post<{ runs?: unknown[]; next_page_token?: string }>(fetchImpl, `${mlflowUrl}/api/2.0/mlflow/runs/search`, {
                experiment_ids: ids.slice(i, i + 100),
                run_view_type: "ALL",
                max_results: 1000,
                ...(runToken ? { page_token: runToken } : {}),
            });
            runs += (page.runs ?? []).length;
            runToken = page.next_page_token || undefined;
        } while (runToken);
    }
    let registeredModels = 0;
    let modelToken: string | undefined;
    do {
        const query = new URLSearchParams({ max_results: "1000", ...(modelToken ? { page_token: modelToken } : {}) });
        const page = await get<{ registered_models?: unknown[]; next_page_token?: string }>(
            fetchImpl,
            `${mlflowUrl}/api/2.0/mlflow/registered-models/search?${query}`,
        );
        registeredModels += (page.registered_models ?? []).length;
        modelToken = page.next_page_token || undefined;
    } while (modelToken);
    return { experiments: ids.length, runs, registeredModels };
}
