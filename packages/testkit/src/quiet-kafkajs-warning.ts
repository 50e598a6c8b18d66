/**
 * kafkajs 2.2.4 schedules a timer with a negative delay in its request queue, which Node ≥ 23
 * reports as a TimeoutNegativeWarning (the timer still fires after 1 ms). In test processes
 * only, that one warning is dropped; every other warning is printed as usual.
 */
const KAFKAJS_TIMER_WARNING = 'TimeoutNegativeWarning';

export function quietKafkajsTimerWarning(): void {
  const marker = Symbol.for('kbus.quiet-kafkajs-warning');
  const state = process as unknown as Record<symbol, boolean>;
  if (state[marker]) return;
  state[marker] = true;
  const defaults = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name === KAFKAJS_TIMER_WARNING) return;
    for (const listener of defaults) listener(warning);
  });
}
