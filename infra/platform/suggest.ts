// "Did you mean …?" for a mistyped name: the stack config's keys (infra/config.ts), top-level and
// nested, and every command's flags (src/cli/command.ts) use the same rule.

/** Edits between a and b: insertions, deletions, substitutions and swaps of neighbours ("jsno" is one from "json"). */
function distance(a: string, b: string): number {
    const d = Array.from({ length: a.length + 1 }, (_, i) =>
        Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
    );
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            const cost = a[i - 1] === b[j - 1] ? 0 : 1;
            d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
        }
    }
    return d[a.length]![b.length]!;
}

/** The known name a typo most likely meant: at most a third of its letters off. */
export function closestName(name: string, known: readonly string[]): string | undefined {
    const [best] = known
        .map((k) => ({ k, d: distance(name.toLowerCase(), k.toLowerCase()) }))
        .filter(({ k, d }) => d <= Math.max(1, Math.floor(Math.max(k.length, name.length) / 3)))
        .sort((a, b) => a.d - b.d);
    return best?.k;
}
