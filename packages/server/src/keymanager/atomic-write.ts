/** The key manager writes keys with @tspire/common's durable atomic write. */
export { writeFileAtomic, type AtomicWriteFs, type AtomicWriteOptions } from '@tspire/common';
