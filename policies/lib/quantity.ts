// Kubernetes resource quantities ("500m", "2Gi", "1e3") as numbers, to compare requests with limits.
const suffixes: Record<string, number> = {
    m: 1e-3,
    "": 1,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
};

/** The quantity's value, or undefined when it is not a valid Kubernetes quantity. */
export function parseQuantity(quantity: unknown): number | undefined {
    if (typeof quantity === "number") return Number.isFinite(quantity) ? quantity : undefined;
    if (typeof quantity !== "string") return undefined;
    const match = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(quantity.trim());
    if (!match) return undefined;
    return Number(match[1]) * suffixes[match[2] ?? ""];
}
