/** ` (did you mean "x"?)` for the closest known name, or "" when none is close. */
export function didYouMean(word: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestDist = Infinity;
  for (const k of known) {
    const d = editDistance(word.toLowerCase(), k.toLowerCase());
    if (d < bestDist) {
      bestDist = d;
      best = k;
    }
  }
  const limit = Math.max(2, Math.floor(word.length / 3));
  return best !== undefined && bestDist <= limit ? ` (did you mean "${best}"?)` : '';
}

/**
 * Up to `max` of `known`, closest to `word` first, each within the distance didYouMean allows
 * (case-insensitive); [] when none is close.
 */
export function closestNames(word: string, known: readonly string[], max = 5): string[] {
  const limit = Math.max(2, Math.floor(word.length / 3));
  const w = word.toLowerCase();
  return known
    .map((k) => ({ k, d: editDistance(w, k.toLowerCase()) }))
    .filter((x) => x.d <= limit)
    .sort((a, b) => a.d - b.d || a.k.localeCompare(b.k))
    .slice(0, max)
    .map((x) => x.k);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = cur;
  }
  return prev[b.length]!;
}
