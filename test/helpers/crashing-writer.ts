// A writer thread for tests of the persister: the real writer behind a listener that kills the
// thread on demand (crash-on-marker.ts). Imports run in order: that listener comes first.

import './crash-on-marker.js'
import '../../src/core/daemon/persister-worker.js'
