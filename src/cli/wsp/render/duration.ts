// Durations for people: see src/core/format/duration.ts (core messages use the same spelling).
export { formatDuration } from '../../../core/format/duration.js'
