export { MAX_TIMER_MS, createSystemClock, systemClock, sleepWith, type Clock, type TimerApi } from './clock.js';
export { FakeClock } from './fake-clock.js';
export {
  ExponentialBackoff,
  LinearBackoff,
  type Backoff,
  type ExponentialBackoffOptions,
  type LinearBackoffOptions,
} from './backoff.js';
