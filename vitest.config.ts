import { availableParallelism } from 'node:os'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default (a worker per core, less one) runs the files one by one on two cores, while
    // many of them spend their time waiting on calls played in real time: a second worker fills
    // that wait (a whole run 680 s → 414 s here).
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
})
