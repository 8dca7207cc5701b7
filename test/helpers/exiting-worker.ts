// A tree worker for tests of the pool: ends its thread at the first task, without answering.

import { parentPort } from 'node:worker_threads'

parentPort!.on('message', () => process.exit(0))
