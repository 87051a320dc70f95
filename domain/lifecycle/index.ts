/** The company lifecycle: `decide` and the rules its handlers publish. */
export { decide, type DecideContext } from './decide';
export { MAX_TRAINEE_DESIGNATIONS } from './registration';
export { attemptsLeft } from './training';
