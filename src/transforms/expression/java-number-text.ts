/** Java's Double.toString / Float.toString, as Flink CDC renders FLOAT and DOUBLE as text. */
export function javaFloatingText(v: number, isFloat: boolean): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const shortest = isFloat ? shortestFloat(v) : String(v);
  const abs = Math.abs(v);
  if (abs >= 1e-3 && abs < 1e7) {
    const plain =
      abs >= 1e-3 && shortest.includes('e') ? Number(shortest).toFixed(20).replace(/0+$/, '') : shortest;
    return plain.includes('.') ? plain.replace(/\.$/, '.0') : `${plain}.0`;
  }
  const [mantissa, exponent] = Number(shortest).toExponential().split('e') as [string, string];
  const m = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
  return `${m}E${exponent.replace('+', '')}`;
}

/** The shortest decimal text that reads back as the same float32. */
function shortestFloat(v: number): string {
  for (let digits = 1; digits <= 9; digits++) {
    const text = String(Number(v.toPrecision(digits)));
    if (Math.fround(Number(text)) === v) return text;
  }
  return String(v);
}

/** Does the text read as a Java double (Double.valueOf)? Returns the number or undefined. */
export function parseJavaDouble(text: string): number | undefined {
  const t = text.trim();
  if (/^[+-]?(NaN|Infinity)$/.test(t)) return Number(t.replace(/^\+/, ''));
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?$/.test(t)) return undefined;
  return Number(t.replace(/[fFdD]$/, ''));
}
