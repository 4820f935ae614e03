export { SPIFFE_ENDPOINT_SOCKET, formatWorkloadAddress, parseWorkloadAddress, resolveWorkloadAddress, type WorkloadAddress } from './address.js';
