// A signing worker for tests: the real one, except that it dies on a chunk holding an item
// whose SPIFFE ID ends in /crash. Static imports, so both listeners exist before any message
// is delivered (a port drops messages that arrive before a listener would be added later).
import './signing-worker-crash-hook.test-helper.js';
import './signing-worker.js';
