// Small helpers shared by the benchmarks: percentiles and a uniform way to print a figure beside
// its baseline and goal.
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]
}

export const ms = (v: number) => `${v.toFixed(2)} ms`

export function figure(name: string, value: string, detail: string, goal: string, met: boolean): void {
  console.log(`${name}: ${value} (${detail}) goal ${goal} ${met ? '[met]' : '[NOT met]'}`)
}
