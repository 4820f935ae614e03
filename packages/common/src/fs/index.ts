export { writeFileAtomic, nodeAtomicWriteFs, type AtomicWriteFs, type AtomicWriteHandle, type AtomicWriteOptions } from './atomic-write.js';
