export { startHealthHttp, type HealthHttpOptions, type HealthHttpServer, type HealthState } from './health-http.js';
