// graphite-web's parseATTime lives with the target-expression engine (../functions/attime.ts).
export { isKnownZone, parseATTime } from '../functions/attime.js'
