// HTTP endpoints given as URLs that may carry credentials (`https://user:password@host`, as the
// STAGING_PROMETHEUS_URL secret documents in docs/operations.md). Node's fetch refuses such a URL
// (WHATWG Fetch, "new Request": a parsed URL that includes credentials is a TypeError, whose message
// repeats the URL), so the credentials travel in a Basic Authorization header (RFC 7617) instead,
// and every message names the URL with its password masked.

/** Replaces the password of every `scheme://user:password@host` URL in `text` with `***`. */
export function maskCredentials(text: string): string {
    return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)([^@\s/]*)@/gi, "$1***@");
}

/** The URL without its credentials, and the Authorization header that carries them (none: no header). */
export function withoutCredentials(url: string): { url: string; headers: Record<string, string> } {
    let parsed: URL;
    try {
        parsed = new URL(url);
    } catch {
        return { url, headers: {} };
    }
    if (!parsed.username && !parsed.password) return { url, headers: {} };
    const user = decodeURIComponent(parsed.username);
    const password = decodeURIComponent(parsed.password);
    parsed.username = "";
    parsed.password = "";
    return { url: parsed.toString(), headers: { Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` } };
}

/** fetch() for a URL that may carry credentials; a failure's message has them masked. */
export async function fetchWithCredentials(url: string, init: RequestInit = {}): Promise<Response> {
    const target = withoutCredentials(url);
    try {
        return await fetch(target.url, {
            ...init,
            headers: { ...(init.headers as Record<string, string> | undefined), ...target.headers },
        });
    } catch (e) {
        if (e instanceof Error) e.message = maskCredentials(e.message);
        throw e;
    }
}
